"""A learner practises a topic with the keyboard, sits a short exam to the end, and reviews what they missed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notes.loader import ingest_paths
from quizzes.loader import load_bank
from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def answer_by_keyboard(page) -> None:
    """Pick by number keys and submit: a multiple-response question ("Choose 2 answers") takes
    exactly as many picks as it asks for (fewer are refused with a message)."""
    wanted = page.locator("fieldset.options legend").text_content() or ""
    picks = int(re.search(r"Choose (\d+)", wanted).group(1)) if "Choose" in wanted and "one" not in wanted else 1
    for key in range(1, picks + 1):
        page.keyboard.press(str(key))
    page.keyboard.press("Enter")


def test_practise_a_topic_sit_a_short_exam_and_review_the_misses(page, settings):
    settings.EXAM_QUESTIONS = 3
    assert ingest_paths().ok and load_bank().ok
    UserFactory(username="learner")
    log_in(page, "learner")

    # Practise: from the topic page, with the keyboard.
    page.goto("/topics/caching/")
    page.get_by_role("link", name=re.compile(r"practise this topic")).click()
    expect(page.get_by_label("Caching")).to_be_checked()
    page.get_by_label("Multiple choice", exact=True).check()
    page.get_by_label("Multiple response", exact=True).check()
    page.get_by_label("Count").fill("2")
    page.get_by_role("button", name="Start practising").click()
    expect(page.get_by_text("Question 1 of 2")).to_be_visible()
    answer_by_keyboard(page)
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text(re.compile("Correct|Not quite"))
    expect(page.locator(".explanation").first).to_be_visible()  # every option explained
    page.keyboard.press("n")
    expect(page.get_by_text("Question 2 of 2")).to_be_visible()

    # A short mock exam: answer one, flag it, leave the rest, submit.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Exam").click()
    page.get_by_role("button", name=re.compile("Start the")).click()
    expect(page.get_by_text("Question 1 of 3")).to_be_visible()
    expect(page.locator("[data-clock]")).to_have_text(re.compile(r"2:09:\d\d|2:10:00"))
    page.keyboard.press("1")
    page.get_by_label("Flag for review").check()
    page.keyboard.press("Enter")  # save and next
    expect(page.get_by_text("Question 2 of 3")).to_be_visible()
    expect(page.get_by_role("button", name="Question 1, answered, flagged")).to_be_visible()
    page.get_by_role("button", name="Review and submit").click()
    expect(page.get_by_text(re.compile(r"2 unanswered .* 1 flagged"))).to_be_visible()
    page.get_by_role("button", name="Submit the exam").click()

    expect(page.get_by_role("heading", name=re.compile(r"\d of 3 correct"))).to_be_visible()
    expect(page.locator("svg.chart").first).to_be_visible()
    unanswered = page.locator(".review-item", has=page.get_by_text("Unanswered")).first
    # The summary first, each explanation folded: open one, or all at once.
    expect(unanswered.locator(".explanation").first).to_be_hidden()
    unanswered.locator("summary").click()
    expect(unanswered.locator(".explanation").first).to_be_visible()
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".review-item .explanation").last).to_be_visible()

    # Review the wrong answers: practise exactly the missed questions.
    page.get_by_role("button", name=re.compile(r"Practise the \d questions? I missed")).click()
    expect(page.get_by_text(re.compile(r"Question 1 of [23]"))).to_be_visible()
    answer_by_keyboard(page)
    expect(page.locator(".verdict")).to_be_visible()
