"""python manage.py sandbox_export --user NAME API_ID [--format yaml] [--stage S] [--output FILE]"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

import gateway as gw
from sandbox.models import SandboxAccount


class Command(BaseCommand):
    help = "Export one API of a learner's sandbox as OpenAPI 3.0 (or Swagger 2.0), with the API Gateway extensions."

    def add_arguments(self, parser):
        parser.add_argument("api_id")
        parser.add_argument("--user", required=True)
        parser.add_argument("--format", choices=["json", "yaml"], default="yaml")
        parser.add_argument("--spec", choices=["oas30", "swagger"], default="oas30", help="OpenAPI 3.0 or Swagger 2.0")
        parser.add_argument("--stage")
        parser.add_argument("--output", help="a file (default: standard output)")

    def handle(self, *args, api_id, user, format, spec, stage, output, **options):  # noqa: A002
        learner = get_user_model().objects.filter(username=user).first()
        if learner is None:
            raise CommandError(f"No user named {user}")
        account = SandboxAccount.for_user(learner).account()
        api = account.restApis.get(api_id)
        if api is None:
            raise CommandError(f"{user} has no REST API {api_id}")
        stage_obj = api.stages.get(stage) if stage else None
        if stage and stage_obj is None:
            raise CommandError(f"API {api_id} has no stage {stage}")
        text = gw.export_openapi(api, version=spec, stage=stage_obj, fmt=format)
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(text)
