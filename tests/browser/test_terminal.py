"""The Terminal & SDKs page in Chromium: credentials by one click, and a call from boto3 shows
on the page by itself (the call list refreshes)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_credentials_by_one_click_and_calls_show_up_by_themselves(page, live_server):
    UserFactory(username="terminal-learner")
    log_in(page, "terminal-learner")
    page.goto("/sandbox/terminal/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Terminal & SDKs")
    expect(page.get_by_role("navigation", name="Sandbox").locator("[aria-current=page]")).to_have_text(
        "Terminal & SDKs"
    )
    page.get_by_role("button", name="Create my terminal credentials").click()
    exports = page.get_by_label("Environment variables for the AWS CLI and SDKs")
    expect(exports).to_contain_text(f"export AWS_ENDPOINT_URL={live_server.url}/aws/")
    lines = dict(
        line.removeprefix("export ").split("=", 1) for line in exports.inner_text().splitlines() if line.strip()
    )
    client = boto3.client(
        "apigateway",
        endpoint_url=lines["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=lines["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=lines["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"max_attempts": 1}),
    )
    client.create_rest_api(name="from-boto3")
    calls = page.locator("#aws-calls")
    expect(calls).to_contain_text("CreateRestApi", timeout=12_000)  # no reload: the list polls
    expect(calls).to_contain_text("administrator")
    page.get_by_role("link", name="APIs").first.click()
    expect(page.locator(".api-list")).to_contain_text("from-boto3")
