"""python manage.py export_questions [FOLDER]: write the bank back as one YAML file per topic."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from quizzes.loader import export_bank


class Command(BaseCommand):
    help = "Write bank and authored questions to YAML files, one per topic (default: quizzes/bank/)."

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help=f"where to write (default: {settings.QUIZ_BANK_DIR})")

    def handle(self, *args, folder, **options):
        written = export_bank(folder)
        self.stdout.write(f"Wrote {len(written)} file(s) to {folder or settings.QUIZ_BANK_DIR}.")
