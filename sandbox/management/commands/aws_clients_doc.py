"""python manage.py aws_clients_doc [--check]: rewrite the supported-operations section of
docs/aws-clients.md from the code (gateway.awsapi.catalog); --check only says whether it is current."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gateway.awsapi import catalog

START, END = "<!-- operations:start -->", "<!-- operations:end -->"


def document_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "aws-clients.md"


def rendered(text: str) -> str:
    head, _, rest = text.partition(START)
    _old, _, tail = rest.partition(END)
    if not rest or not _:
        raise CommandError(f"{document_path()} has no {START} ... {END} section")
    return f"{head}{START}\n{catalog.markdown()}{END}{tail}"


class Command(BaseCommand):
    help = "Rewrite the supported-operations table of docs/aws-clients.md from the code."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the document is out of date")

    def handle(self, *args, check, **options):
        path = document_path()
        text = path.read_text(encoding="utf-8")
        new = rendered(text)
        if check:
            if new != text:
                raise CommandError(f"{path} is out of date: run python manage.py aws_clients_doc")
            self.stdout.write(f"{path} is up to date")
            return
        path.write_text(new, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
