"""The Lambda console's code editor in Chromium: a starter template, Save, Test with AWS's sample
event, the answer and the log; Tab indents inside the editor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sandbox.models import SandboxAccount
from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_write_save_and_test_a_handler(page):
    SandboxAccount.for_user(UserFactory(username="code-learner"))
    log_in(page, "code-learner")
    page.goto("/sandbox/functions/hello/")
    page.get_by_label("Behaviour", exact=True).select_option("code")
    expect(page.get_by_label("Response (JSON)")).to_be_hidden()  # only the chosen behaviour's fields
    page.get_by_label("Start from a template").select_option("hello")
    editor = page.get_by_label("Handler code (index.mjs)")
    expect(editor).to_have_value(lambda_contains("Hello, ${name}!"))
    expect(page.locator(".code-editor-gutter").first).to_contain_text("12")
    editor.press("Control+End")
    editor.press("Enter")
    editor.press("Tab")
    editor.type("// checked")
    expect(editor).to_have_value(lambda_contains("\n  // checked"))  # Tab indented, focus stayed
    page.get_by_role("button", name="Save $LATEST").click()
    expect(page.get_by_text("Saved $LATEST of hello")).to_be_visible()
    page.get_by_label("Sample event").select_option("apigateway-proxy-1.0")
    page.get_by_role("button", name="Test", exact=True).click()
    result = page.locator(".function-result")
    expect(result).to_contain_text("Succeeded")
    expect(result).to_contain_text("Hello, Ada!")


def lambda_contains(text: str):
    import re

    return re.compile(re.escape(text))
