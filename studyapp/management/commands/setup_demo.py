"""python manage.py setup_demo: the demo accounts (idempotent), printed with how to log in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from studyapp.roles import INSTRUCTOR, STUDENT, ensure_roles

DEMO_ACCOUNTS = [
    # username, password, role
    ("student", "student-demo-pass", STUDENT),
    ("instructor", "instructor-demo-pass", INSTRUCTOR),
    ("admin", "admin-demo-pass", "admin"),
]


class Command(BaseCommand):
    help = "Create the demo student, instructor and admin accounts (once) and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where the app is served")

    def handle(self, *args, url, **options):
        ensure_roles()
        User = get_user_model()
        lines = []
        for username, password, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
            if role == "admin":
                user.is_staff = user.is_superuser = True
            else:
                user.groups.add(Group.objects.get(name=role))
            user.save()
            shown = password if created or user.check_password(password) else "(changed since it was created)"
            lines.append(f"  {role:<11} {username:<11} {shown}")
        self.stdout.write(
            "\nDemo accounts (role, username, password):\n"
            + "\n".join(lines)
            + f"\n\nOpen {url}/ and log in at {url}/accounts/login/ (admin: {url}/admin/).\n"
            + f"The AWS CLI and SDKs: {url}/sandbox/terminal/ once logged in, or\n"
            + "  .venv/bin/python manage.py sandbox_credentials --user student\n"
        )
