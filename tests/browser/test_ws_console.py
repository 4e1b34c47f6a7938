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
