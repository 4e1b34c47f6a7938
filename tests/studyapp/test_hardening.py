"""Production hardening: login and sign-up limits, and the DJANGO_SECURE profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def fail_login(client, username: str, times: int) -> None:
    for _ in range(times):
        client.post("/accounts/login/", {"username": username, "password": "wrong-password"})


def test_ten_failures_lock_the_account_even_for_the_right_password(client, db):
    UserFactory(username="ada")
    fail_login(client, "ada", 9)
    assert client.post("/accounts/login/", {"username": "ada", "password": "a-good-password-42"}).status_code == 302
    client.post("/accounts/logout/")
    fail_login(client, "ada", 10)
    locked = client.post("/accounts/login/", {"username": "ada", "password": "a-good-password-42"})
    assert locked.status_code == 429 and "Log-in locked for an hour" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_address_is_locked_for_every_account(client, db):
    UserFactory(username="ada")
    for n in range(10):
        fail_login(client, f"guess{n}", 1)
    locked = client.post("/accounts/login/", {"username": "ada", "password": "a-good-password-42"})
    assert locked.status_code == 429


def test_an_admin_unlocks_a_locked_account(client, db):
    UserFactory(username="ada")
    fail_login(client, "ada", 10)
    call_command("axes_reset")
    assert client.post("/accounts/login/", {"username": "ada", "password": "a-good-password-42"}).status_code == 302


def test_sign_ups_are_limited_per_address(client, db, settings):
    settings.SIGNUP_RATE = "2/h"
    for n in range(2):
        response = client.post(
            "/accounts/signup/", {"username": f"new{n}", "password1": "a-Good-pass-91x", "password2": "a-Good-pass-91x"}
        )
        assert response.status_code == 302
        client.post("/accounts/logout/")
    refused = client.post(
        "/accounts/signup/", {"username": "new9", "password1": "a-Good-pass-91x", "password2": "a-Good-pass-91x"}
    )
    assert refused.status_code == 429 and "Too many sign-ups from your address" in refused.content.decode()


def test_the_production_profile_passes_check_deploy(tmp_path):
    env = {
        # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (check --deploy rightly warns about it).
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SECURE": "1",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-Q9v!k2#Lm",
        "DJANGO_ALLOWED_HOSTS": "study.example.com",
        "STUDYAPP_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
