"""Sign-up, log-in and log-out, roles, and the demo accounts `make run` creates."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.management import call_command

from studyapp.roles import is_instructor, role_of


def test_sign_up_makes_a_logged_in_student(client, db, django_user_model):
    response = client.post(
        "/accounts/signup/", {"username": "newbie", "password1": "a-strong-pass-91", "password2": "a-strong-pass-91"}
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert role_of(user) == "student"
    assert client.get("/").context["user"] == user


def test_sign_up_errors_are_shown_and_nothing_is_created(client, db, django_user_model):
    response = client.post("/accounts/signup/", {"username": "x", "password1": "abc", "password2": "abd"})
    assert response.status_code == 200
    assert b"field-errors" in response.content
    assert not django_user_model.objects.filter(username="x").exists()


def test_sign_up_ignores_an_offsite_next(client, db):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/",
        {"username": "safe", "password1": "a-strong-pass-91", "password2": "a-strong-pass-91"},
    )
    assert response["Location"] == "/"


def test_login_and_logout(client, student):
    response = client.post("/accounts/login/", {"username": "stu", "password": "a-good-password-42"})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_wrong_password_is_a_clear_error(client, student):
    response = client.post("/accounts/login/", {"username": "stu", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_demo_accounts_are_created_once_with_their_roles(db, capsys, django_user_model):
    call_command("setup_demo")
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert "student-demo-pass" in out and "/accounts/login/" in out
    users = {u.username: u for u in django_user_model.objects.all()}
    assert set(users) == {"student", "instructor", "admin"}
    assert role_of(users["student"]) == "student"
    assert role_of(users["instructor"]) == "instructor" and is_instructor(users["instructor"])
    assert role_of(users["admin"]) == "admin" and users["admin"].is_superuser
    assert not is_instructor(users["student"])
    assert users["student"].check_password("student-demo-pass")


def test_instructor_group_can_author_notes(db):
    call_command("setup_demo")
    perms = set(Group.objects.get(name="instructor").permissions.values_list("codename", flat=True))
    assert {"change_note", "change_section", "change_topic", "add_note"} <= perms


def test_reading_is_open_without_login(client, shipped_notes):
    for url in ("/", "/topics/caching/", "/notes/", "/notes/api-gateway/", "/search/?q=cache"):
        assert client.get(url).status_code == 200, url
