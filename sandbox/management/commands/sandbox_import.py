"""python manage.py sandbox_import --user NAME [--stage STAGE] FILE: an OpenAPI file into a learner's sandbox."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

import gateway as gw
from sandbox import invoke_host
from sandbox.models import LimitError, SandboxAccount


class Command(BaseCommand):
    help = "Import an OpenAPI 3.0 / Swagger 2.0 file (JSON or YAML) into a learner's sandbox; deploy it with --stage."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--user", required=True)
        parser.add_argument("--stage", help="deploy to this stage and print its invoke URL")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where the app is served")

    def handle(self, *args, file, user, stage, base_url, **options):
        try:
            learner = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {user}") from None
        try:
            document = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{file}: cannot be read: {exc}") from None
        try:
            with SandboxAccount.editing(learner) as account:
                api, warnings = gw.import_openapi(account, document)
                if stage:
                    gw.create_deployment(account, api, stage_name=stage, description="sandbox_import")
        except gw.ValidationError as exc:
            raise CommandError("The document has problems:\n" + "\n".join(f"  {p}" for p in exc.problems)) from None
        except LimitError as exc:
            raise CommandError(str(exc)) from None
        for warning in warnings:
            self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
        self.stdout.write(f"API id: {api.id}")
        if stage:
            parts = urlsplit(base_url)
            _name, port = invoke_host.split_host(parts.netloc)
            self.stdout.write(f"Invoke URL: {parts.scheme}://{api.id}.{invoke_host.domain()}{port}/{stage}/")
            self.stdout.write(f"  (also, for scripts: {base_url.rstrip('/')}/gw/{api.id}/{stage}/)")
