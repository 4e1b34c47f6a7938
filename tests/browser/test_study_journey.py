"""A learner's first visit: home -> a topic -> open a foldable question -> live search."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notes.loader import ingest_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_topic_foldable_question_and_live_search(page):
    assert ingest_paths().ok

    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("API Gateway")
    page.get_by_role("link", name=re.compile("Usage plans and API keys")).click()

    expect(page).to_have_url(re.compile(r"/topics/usage-plans-api-keys/$"))
    expect(page.get_by_role("heading", name="Exam tips")).to_be_visible()

    # The Obsidian note's foldable question: the answer is hidden until the learner opens it.
    section = page.locator("article", has=page.get_by_text("(DVA study vault)")).first
    question = section.locator("details.question").first
    answer = question.get_by_text("createUsagePlanKey")
    expect(answer).to_be_hidden()
    question.locator("summary").click()
    expect(answer).to_be_visible()

    # Live search: results replace themselves as the learner types, without a page load.
    page.get_by_role("link", name="Topics").first.focus()
    page.keyboard.press("/")  # the shortcut focuses the search box
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/"))
    page.evaluate("window.__samePage = true")
    page.locator("#q").press_sequentially("InvalidateC", delay=30)
    results = page.locator("#results")
    expect(results).to_contain_text("match “InvalidateC”")
    expect(results.locator("mark").first).to_be_visible()
    assert page.evaluate("window.__samePage") is True  # htmx swapped the results in place
    expect(page).to_have_url(re.compile(r"q=InvalidateC"))

    results.get_by_role("link", name=re.compile("Cache Invalidation")).first.click()
    expect(page).to_have_url(re.compile(r"/notes/.+#.*cache-invalidation"))
