"""Guided labs in the sandbox, done the way a learner does them: start the lab, check (it fails),
fix it in the console pages, see the API answer in a test panel, check again (it passes)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_lab(page, title: str) -> None:
    page.goto("/sandbox/labs/")
    expect(page.get_by_role("heading", name="Guided labs", level=1)).to_be_visible()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


def start_lab(page) -> None:
    expect(page.get_by_text("not started", exact=True)).to_be_visible()
    page.get_by_role("button", name="Start lab").click()
    expect(page.get_by_role("status").filter(has_text="is ready in your sandbox")).to_be_visible()
    expect(page.get_by_role("button", name="Restart lab")).to_be_visible()


def console_link(page, label: str):
    """One of the lab page's links to the console ("In the console")."""
    links = page.get_by_role("navigation", name="Console pages for this lab")
    return links.get_by_role("link", name=label, exact=True)


def check_my_work(page):
    """Click "Check my work" (htmx swaps the results in) and return the checks' region."""
    checks = page.get_by_role("region", name="Check my work")
    with page.expect_response(lambda response: response.url.endswith("/check/")) as answer:
        checks.get_by_role("button", name="Check my work").click()
    assert answer.value.ok
    return checks


def check_item(checks, title: str):
    return checks.get_by_role("listitem").filter(has_text=title)


def check_badge(checks, title: str):
    """ "pass" or "not yet" for the check with that title."""
    return check_item(checks, title).locator(".lab-check-head .badge")


def test_usage_plan_key_lab_from_403_to_200_then_429(page):
    # The usage-plan-key lab checks: no key -> 403, the key is in a usage plan for stage prod,
    # the key -> 200. Throttling to 429 is what the throttle-client lab checks; here the 429 is
    # shown after the lab is done, with the same plan and key, in the lab's test panel. (Checks
    # share the token buckets with the test panels, so a 429 just before "Check my work" would
    # make the check's own call with the key get 429 too.)
    UserFactory(username="partner-dev")
    log_in(page, "partner-dev")
    lab_url = "/sandbox/labs/usage-plan-key/"

    open_lab(page, "Make a new API key work")
    start_lab(page)

    # The partner's complaint, reproduced: the lab's test panel sends the key and gets 403.
    try_panel = page.get_by_role("region", name="Test panel")
    expect(try_panel.get_by_label("Headers")).to_have_value(re.compile(r"^x-api-key: \S+"))
    try_panel.get_by_role("button", name="Send request").click()
    expect(try_panel.locator(".status")).to_have_text("403")
    expect(try_panel.locator("p.notice")).to_contain_text(
        "Forbidden: your key partner-key exists but no usage plan for stage prod contains it"
    )

    checks = check_my_work(page)
    expect(checks.get_by_role("status")).to_contain_text("1 of 3 checks pass.")
    expect(check_badge(checks, "Without a key, GET /pets is still refused (403)")).to_have_text("pass")
    expect(check_badge(checks, "The key is in a usage plan for stage prod")).to_have_text("not yet")
    key_check = check_item(checks, "The key is in a usage plan for stage prod")
    expect(key_check).to_contain_text(
        "Your key exists but no usage plan for stage prod contains it: requests get 403 Forbidden. "
        "Add the stage prod to a usage plan, then add the key to that plan."
    )
    expect(check_badge(checks, "GET /pets with the partner's key answers 200")).to_have_text("not yet")
    expect(check_item(checks, "GET /pets with the partner's key answers 200")).to_contain_text("answered 403")

    # Keys and usage plans: a plan with a tiny throttle (a bucket of 2 tokens, one token back
    # every 100 s): the test panel's call and the check's call get 200, the next one 429,
    # however slow the machine is.
    console_link(page, "API keys and usage plans").click()
    expect(page.get_by_role("heading", name="API keys and usage plans", level=1)).to_be_visible()
    key_row = page.get_by_role("row").filter(has_text="partner-key")
    expect(key_row).to_contain_text("none: 403 Forbidden")
    key_row.get_by_text("Value", exact=True).click()
    # inner_text is what the learner sees and copies: key values are case-sensitive, so the
    # table must show them exactly as stored.
    key_value = key_row.locator("details code").inner_text().strip()
    assert key_value == key_row.locator("details code").text_content().strip()
    assert re.fullmatch(r"[a-z0-9-]{20,}", key_value)

    new_plan = page.get_by_role("region", name="Create a usage plan")
    new_plan.get_by_label("Name", exact=True).fill("partners")
    new_plan.get_by_label("Throttle rate (requests/s)").fill("0.01")
    new_plan.get_by_label("Throttle burst").fill("2")
    new_plan.get_by_role("button", name="Create plan").click()
    notice = page.locator(".notice.ops-ok")
    expect(notice).to_have_text("Created the usage plan partners. Add an API stage and a key to it.")

    plan = page.get_by_role("region", name=re.compile(r"^partners "))
    expect(plan).to_contain_text("Throttle: 0.01/s, burst 2")
    stage_select = plan.get_by_label("API stage")
    stage_option = stage_select.locator("option", has_text=re.compile(r"^lab-partner-pets .* · prod$"))
    stage_select.select_option(stage_option.get_attribute("value"))
    plan.get_by_role("button", name="Add API stage").click()
    expect(notice).to_contain_text("The usage plan partners now covers")
    expect(plan.get_by_role("listitem").filter(has_text="lab-partner-pets")).to_contain_text("prod")

    plan.get_by_label("API key").select_option(label="partner-key (enabled)")
    plan.get_by_role("button", name="Add key (CreateUsagePlanKey)").click()
    expect(notice).to_contain_text("Added partner-key to partners (CreateUsagePlanKey)")
    expect(page.get_by_role("row").filter(has_text="partner-key").locator(".chip")).to_have_text("partners")

    # The API page's test panel: stage prod, GET /pets with the key -> 200 and the pets.
    page.goto(lab_url)
    console_link(page, "API").click()
    expect(page.get_by_role("heading", name=re.compile(r"^lab-partner-pets"), level=1)).to_be_visible()
    test = page.get_by_role("region", name="Test", exact=True)
    test.get_by_label("Call").select_option(label="stage prod")
    test.get_by_label("Method", exact=True).select_option("GET")
    test.get_by_label("Path", exact=True).fill("/pets")
    test.get_by_label("Use API key").fill(key_value)
    test.get_by_role("button", name="Send").click()
    result = test.locator("#test-result")
    expect(result.locator(".status")).to_have_text("200")
    expect(result.locator("pre.code-block").first).to_contain_text('"type": "dog"')

    # Check my work: every check passes (its call with the key takes the bucket's second token).
    page.goto(lab_url)
    checks = check_my_work(page)
    expect(checks.get_by_role("status")).to_have_text("Every check passes: lab done.")
    expect(checks.get_by_text("not yet")).to_have_count(0)

    # Once more with the key (the lab's test panel fills in x-api-key): the bucket is empty.
    try_panel.get_by_role("button", name="Send request").click()
    expect(try_panel.locator(".status")).to_have_text("429")
    expect(try_panel.locator("pre.code-block").first).to_contain_text("Too Many Requests")

    page.reload()
    expect(page.locator("header .badge")).to_have_text("done")


def test_canary_five_percent_lab(page):
    UserFactory(username="pricing-dev")
    log_in(page, "pricing-dev")
    lab_url = "/sandbox/labs/canary-five-percent/"

    open_lab(page, "Send 5% of the traffic to a canary")
    start_lab(page)

    checks = check_my_work(page)
    expect(checks.get_by_role("status")).to_contain_text("1 of 3 checks pass.")
    canary_check = check_item(checks, "The canary of prod gets 5% of the requests")
    expect(canary_check).to_contain_text("Stage prod needs a canary with percentTraffic 5.0 serving a new deployment.")
    expect(canary_check).to_contain_text("Stage prod has no canary.")
    expect(check_badge(checks, "The canary of prod gets 5% of the requests")).to_have_text("not yet")
    expect(check_badge(checks, "A canary request gets version 2")).to_have_text("not yet")
    expect(check_badge(checks, "The other requests still get version 1")).to_have_text("pass")

    # Version 2 in the working copy: GET /price's integration response template.
    console_link(page, "Stages").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Stages"), level=1)).to_be_visible()
    page.get_by_role("navigation", name="Pages of lab-pricing").get_by_role("link", name="Resources & methods").click()
    page.get_by_role("link", name="GET", exact=True).click()
    expect(page.get_by_role("heading", name="GET /price", level=2)).to_be_visible()
    responses = page.get_by_role("region", name="Integration responses → method responses")
    expect(responses.get_by_label("Status code")).to_have_value("200")
    responses.get_by_label("Response template").fill('{"price": 9, "version": "v2"}')
    responses.get_by_role("button", name="Save integration response").click()
    expect(page.get_by_role("status")).to_contain_text("Saved. Deploy to make it reach callers.")
    expect(page.get_by_role("region", name="Stages", exact=True)).to_contain_text("changes not deployed")

    # The stage prod: a canary on a new deployment, the slider moved from 10% down to 5%.
    # (The API's resources page has no link to its Stages page: back through the lab's links.)
    page.goto(lab_url)
    console_link(page, "Stages").click()
    page.get_by_role("link", name="prod", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Stage prod"), level=1)).to_be_visible()
    canary = page.get_by_role("region", name="Canary")
    expect(canary).to_contain_text("No canary.")
    expect(canary.get_by_label("Canary serves")).to_have_value("new")
    slider = canary.get_by_label("Traffic to the canary (%)")
    expect(slider).to_have_value("10")
    slider.focus()
    for _ in range(10):  # step 0.5
        slider.press("ArrowLeft")
    expect(slider).to_have_value("5")
    canary.get_by_role("button", name="Create the canary").click()
    expect(page.locator(".notice.ops-ok")).to_have_text(
        re.compile(r"^Deployed \S+ as the canary of prod: 5% of requests go to it\.$")
    )
    canary = page.get_by_role("region", name="Canary")
    expect(canary).to_contain_text(re.compile(r"The canary serves deployment \S+ to 5\.0% of requests"))
    expect(canary.get_by_role("button", name="Promote the canary")).to_be_visible()

    page.goto(lab_url)
    checks = check_my_work(page)
    expect(checks.get_by_role("status")).to_have_text("Every check passes: lab done.")
    expect(check_item(checks, "The canary of prod gets 5% of the requests")).to_contain_text(
        "The canary gets 5% of the requests to prod."
    )
    expect(check_item(checks, "A canary request gets version 2")).to_contain_text('"version": "v2"')
    expect(check_item(checks, "The other requests still get version 1")).to_contain_text('"version": "v1"')

    page.reload()
    expect(page.locator("header .badge")).to_have_text("done")
