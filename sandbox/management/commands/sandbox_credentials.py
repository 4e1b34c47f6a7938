"""python manage.py sandbox_credentials --user NAME: the learner's terminal credentials.

Creates (or shows) an access key of the learner's administrator IAM user and prints three
lines a shell can export:

    eval "$(python manage.py sandbox_credentials --user student | sed 's/^/export /')"
    aws apigateway get-rest-apis
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from sandbox import credentials
from sandbox.models import LimitError


class Command(BaseCommand):
    help = "Print AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL for a learner's sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="the learner's username")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the app is served")
        parser.add_argument("--rotate", action="store_true", help="make a new key and delete the older ones")

    def handle(self, *args, user, base_url, rotate, **options):
        try:
            learner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user}") from None
        try:
            found = credentials.ensure(learner, base_url, rotate=rotate)
        except LimitError as exc:
            raise CommandError(str(exc)) from None
        for line in found.exports():
            self.stdout.write(line)
