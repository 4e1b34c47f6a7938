"""A learner's API runs on its own origin: its script cannot touch the app; CORS is the browser's call."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

import gateway as gw
from gateway.rest import cors
from sandbox.models import SandboxAccount
from tests.browser.helpers import log_in
from tests.factories import UserFactory, add_html_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPT = (
    "<html><head><title>not run</title></head><body><p id='out'>waiting</p><script>"
    "document.title = 'ran:' + document.cookie;"
    "fetch('APP/sandbox/', {credentials: 'include'}).then(r => r.text())"
    ".then(t => { document.getElementById('out').textContent = 'read ' + t.length + ' characters'; },"
    " e => { document.getElementById('out').textContent = 'blocked'; });"
    "</script></body></html>"
)


def learner_api(user, app_origin: str) -> str:
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, "mallory")
        add_html_page(account, api, "/xss", SCRIPT.replace("APP", app_origin))
        cart = gw.create_resource_path(account, api, "/cart")
        gw.put_method(api, cart.id, "GET")
        gw.put_integration(api, cart.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
        gw.put_integration_response(api, cart.id, "GET", "200", responseTemplates={"application/json": '{"items": []}'})
        gw.create_deployment(account, api, stage_name="prod")
    return api.id


def invoke_base(live_server, api_id: str) -> str:
    port = urlsplit(live_server.url).port
    return f"http://{api_id}.execute-api.localhost:{port}/prod"


def test_a_learners_script_cannot_read_the_apps_cookies_or_pages(browser, live_server):
    # Its own context: the blocked fetch and the sandboxed script are console errors on purpose.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    victim = UserFactory(username="instructor-ida")
    author = UserFactory(username="mallory")
    api_id = learner_api(author, live_server.url)
    log_in(page, victim.username)
    assert page.context.cookies(live_server.url)  # the victim has a session on the app's origin

    page.goto(f"{invoke_base(live_server, api_id)}/xss")
    expect(page).to_have_title("ran:")  # the script ran, on its own origin, and saw no app cookie
    expect(page.locator("#out")).to_have_text("blocked")  # the app's pages are another origin: no CORS, no read

    # The old path on the app's origin serves the same HTML, but sandboxed: the script never runs.
    page.goto(f"{live_server.url}/gw/{api_id}/prod/xss")
    expect(page).to_have_title("not run")
    expect(page.locator("#out")).to_have_text("waiting")
    context.close()


def test_cors_is_the_browsers_own_verdict(browser, live_server):
    author = UserFactory(username="shopkeeper")
    api_id = learner_api(author, live_server.url)
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    log_in(page, author.username)
    page.goto(f"/sandbox/apis/{api_id}/")
    panel = page.locator("[data-browser-call]")
    expect(panel.locator("[data-page-origin]")).to_have_text(live_server.url)
    panel.get_by_label("Path").fill("/cart")
    panel.get_by_role("button", name="Call from this page").click()
    expect(panel.locator("[data-result]")).to_contain_text("The browser blocked the answer")

    # Allow this page's origin, deploy, and the same call from the same page goes through.
    with SandboxAccount.editing(author) as account:
        api = account.restApis[api_id]
        cart = next(r for r in api.resources.values() if r.path == "/cart")
        cors.enable_cors(account, api, cart.id, origins=[live_server.url])
        gw.create_deployment(account, api, stage_name="prod")
    panel.get_by_role("button", name="Call from this page").click()
    expect(panel.locator("[data-result]")).to_contain_text(re.compile(r"let this page read the answer: 200"))
    expect(panel.locator("[data-result]")).to_contain_text('{"items": []}')
    context.close()
