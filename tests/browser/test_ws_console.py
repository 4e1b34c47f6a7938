"""The WebSocket console's live client in Chromium, against uvicorn (studyapp.asgi): connect to
the stage's invoke URL, send, see the route's answer and a push made by another server process."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sandbox.test_websocket_live import live  # noqa: F401 (the servers: a module fixture)

pytestmark = [pytest.mark.browser]


def test_connect_send_and_receive_a_push(browser, live):  # noqa: F811
    context = browser.new_context(base_url=f"http://127.0.0.1:{live.port}", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("alice-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/sandbox/ws/{live.chat}/")
    console = page.locator("#live-console")
    console.get_by_role("button", name="Connect", exact=True).click()
    frames = console.locator("[data-ws-log]")
    expect(frames).to_contain_text("connected (101)")
    console.get_by_label("Message").fill('{"action": "sendmessage", "text": "from the browser"}')
    console.get_by_role("button", name="Send", exact=True).click()
    expect(frames).to_contain_text('"routeKey": "sendmessage"')
    connection_id = live.script(
        "from sandbox.models import SandboxAccount\nfrom django.contrib.auth import get_user_model\n"
        "account = SandboxAccount.for_user(get_user_model().objects.get(username='alice')).account()\n"
        "print(next(c.connectionId for c in account.wsConnections.values() if c.apiId == "
        f"'{live.chat}'))"
    ).strip()
    live.management("alice").post_to_connection(ConnectionId=connection_id, Data=b"pushed by the backend")
    expect(frames).to_contain_text("pushed by the backend")
    console.get_by_role("button", name="Disconnect").click()
    expect(frames).to_contain_text("closed")
    context.close()
    assert errors == []


def test_the_chat_lab_in_two_tabs(browser, live):  # noqa: F811
    """The learner's journey through code-websocket-chat: start it, save the chat from the code
    editor's template, connect two tabs; what one sends the other receives; the check passes."""
    context = browser.new_context(base_url=f"http://127.0.0.1:{live.port}", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    first = context.new_page()
    errors: list[str] = []
    first.on("pageerror", lambda exc: errors.append(str(exc)))
    first.goto("/accounts/login/")
    first.get_by_label("Username").fill("bob")
    first.get_by_label("Password").fill("bob-pass-123")
    first.get_by_role("button", name="Log in").click()
    first.goto("/sandbox/labs/code-websocket-chat/")
    first.get_by_role("button", name="Start lab").click()
    first.get_by_role("link", name="Lambda functions (open lab-code-chat-fn)").click()
    first.get_by_role("link", name="lab-code-chat-fn").first.click()
    first.once("dialog", lambda dialog: dialog.accept())  # "Replace the code in the editor with this template?"
    first.get_by_label("Start from a template").select_option("websocket-chat")
    first.get_by_role("button", name="Save $LATEST").click()
    expect(first.get_by_text("Saved $LATEST of lab-code-chat-fn")).to_be_visible()
    first.goto("/sandbox/labs/code-websocket-chat/")
    first.get_by_role("link", name="WebSocket console (open it in two tabs)").click()
    second = context.new_page()
    second.on("pageerror", lambda exc: errors.append(str(exc)))
    second.goto(first.url)
    tabs = [page.locator("#live-console") for page in (first, second)]
    for console in tabs:
        console.get_by_role("button", name="Connect", exact=True).click()
        expect(console.locator("[data-ws-log]")).to_contain_text("connected (101)")
    tabs[0].get_by_label("Message").fill('{"action": "sendmessage", "message": "hello from tab one"}')
    tabs[0].get_by_role("button", name="Send", exact=True).click()
    expect(tabs[0].locator("[data-ws-log]")).to_contain_text("hello from tab one")
    expect(tabs[1].locator("[data-ws-log]")).to_contain_text("hello from tab one")
    first.goto("/sandbox/labs/code-websocket-chat/")
    first.get_by_role("button", name="Check my work").click()
    expect(first.locator("#checks")).to_contain_text("A message from one client reaches both")
    expect(first.locator("#checks .lab-check.passed")).to_have_count(1)
    context.close()
    assert errors == []
