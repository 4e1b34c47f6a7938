"""What several browser journeys do the same way."""

from __future__ import annotations

from playwright.sync_api import expect


def log_in(page, username: str, password: str = "a-good-password-42") -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".who")).to_have_text(username)
