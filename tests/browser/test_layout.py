"""Every screen on a phone (390x844) and a laptop (1280x800); the sandbox found by clicks alone."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notes.loader import ingest_paths
from quizzes.loader import load_bank
from quizzes.models import PracticeSession, Question, finish_exam, start_exam
from sandbox.models import SandboxAccount
from sandbox.views.console import build_pets_example
from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def world(db):
    """A learner with notes, the bank, a REST API in the sandbox and a submitted exam."""
    assert ingest_paths().ok and load_bank().ok
    user = UserFactory(username="phone-learner")
    with SandboxAccount.editing(user) as account:
        api = build_pets_example(account)
    now = timezone.now()
    attempt = finish_exam(start_exam(user, now, 10, 130), now)
    session = PracticeSession.objects.create(
        user=user, question_ids=list(Question.objects.filter(type="single").values_list("pk", flat=True)[:3])
    )
    return {"api": api.id, "exam": attempt.pk, "practice": session.pk}


def pages(world) -> list[str]:
    return [
        "/",
        "/topics/caching/",
        "/quiz/practice/",
        f"/quiz/practice/{world['practice']}/",
        f"/quiz/exam/{world['exam']}/",
        "/sandbox/",
        f"/sandbox/apis/{world['api']}/",
    ]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_no_page_is_wider_than_the_screen(page, world, viewport):
    page.set_viewport_size(viewport)
    log_in(page, "phone-learner")
    for path in pages(world):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width}px wide on a {viewport['width']}px screen"


def test_the_menu_folds_on_a_phone_and_opens(page, world):
    page.set_viewport_size(PHONE)
    log_in(page, "phone-learner")
    page.goto("/")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name="Sandbox").click()
    expect(page).to_have_url(re.compile(r"/sandbox/$"))

    page.set_viewport_size(LAPTOP)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_every_sandbox_section_is_reachable_from_the_sandbox_home(page, world):
    log_in(page, "phone-learner")
    parts = {
        "Labs": "Guided labs",
        "API keys & usage plans": "API keys and usage plans",
        "Lambda functions": "Lambda functions",
        "IAM": "IAM",
        "Terminal & SDKs": "Terminal & SDKs",
        "Cognito": "Cognito",
        "OpenAPI import & export": "OpenAPI",
        "Metrics & logs": "Metrics and logs",
    }
    for link, heading in parts.items():
        page.goto("/sandbox/")
        page.get_by_role("navigation", name="Every part of your sandbox").get_by_role(
            "link", name=re.compile("^" + re.escape(link))
        ).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        current = page.get_by_role("navigation", name="Sandbox").locator("[aria-current=page]")
        expect(current).to_have_count(1)  # only the section the page belongs to is marked
    # APIs: from the home's list to the API page, whose section is APIs.
    page.goto("/sandbox/")
    page.locator(".api-list").get_by_role("link").first.click()
    expect(page.get_by_role("navigation", name="Sandbox").locator("[aria-current=page]")).to_have_text("APIs")
    # The metrics page leads on to the API's own metrics.
    page.get_by_role("navigation", name="Sandbox").get_by_role("link", name="Metrics & logs").click()
    page.get_by_role("link", name="dev").first.click()
    expect(page).to_have_url(re.compile(r"/metrics/\?stage=dev"))


def test_test_panel_shows_each_error_next_to_its_field(page, world):
    log_in(page, "phone-learner")
    page.goto(f"/sandbox/apis/{world['api']}/")
    test = page.locator("#test")
    test.get_by_label("Headers").fill("Accept: application/json\nnot a header\nBad Name: x")
    test.get_by_label("Source IP").fill("999.1.1.1")
    test.get_by_role("button", name="Send").click()
    headers_field = page.locator("#test .field.has-error", has=page.get_by_label("Headers"))
    expect(headers_field).to_contain_text("Line 2: “not a header” is not a header")
    expect(headers_field).to_contain_text("Line 3: “Bad Name” is not a valid header name")
    ip_field = page.locator("#test .field.has-error", has=page.get_by_label("Source IP"))
    expect(ip_field).to_contain_text("Enter an IPv4 address such as 203.0.113.10")
    # Fixed, the request goes out and the result shows.
    test.get_by_label("Headers").fill("Accept: application/json")
    test.get_by_label("Source IP").fill("203.0.113.10")
    test.get_by_role("button", name="Send").click()
    expect(page.locator("#test-result .status-line")).to_be_visible()
    expect(page.locator("#test .field.has-error")).to_have_count(0)


def test_reset_asks_for_confirmation_and_cancel_keeps_everything(page, world):
    log_in(page, "phone-learner")
    page.goto("/sandbox/")
    page.get_by_role("button", name="Reset my sandbox…").click()
    expect(page.get_by_role("heading", name="Reset your whole sandbox?")).to_be_visible()
    expect(page.locator(".confirm-panel")).to_contain_text("1 REST API")
    page.get_by_role("link", name="Cancel, keep it").click()
    expect(page.locator(".api-list")).to_contain_text("Pets example")
    page.get_by_role("button", name="Reset my sandbox…").click()
    page.get_by_role("button", name="Reset my sandbox").click()
    expect(page.get_by_text("No API yet.")).to_be_visible()
