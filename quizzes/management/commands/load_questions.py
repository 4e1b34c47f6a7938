"""python manage.py load_questions [FILE_OR_FOLDER ...]: load the question bank (idempotent by id)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quizzes.loader import load_bank


class Command(BaseCommand):
    help = "Load question bank YAML files (default: quizzes/bank/). A file with any problem is not loaded at all."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or folders (default: {settings.QUIZ_BANK_DIR})")

    def handle(self, *args, paths, **options):
        report = load_bank(paths or None)
        for problem in report.problems:
            self.stderr.write(self.style.ERROR(f"  {problem}"))
        self.stdout.write(f"Questions: {report.summary()}.")
        if not report.ok:
            raise CommandError(f"{len(report.failed_files)} bank file(s) were not loaded; fix the problems above.")
