"""python manage.py check_bank [FILE_OR_FOLDER ...]: fail when a bank can be answered by its shape."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notes.taxonomy import load_taxonomy
from quizzes.bank import BankError, parse_bank
from quizzes.bankcheck import check_bank
from quizzes.loader import bank_files


class Command(BaseCommand):
    help = (
        "Check question bank files (default: quizzes/bank/) for length bias, near-duplicate stems, missing "
        "sources and explanations, unclear multiple-response counts and thin topics; print the figures."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or folders (default: {settings.QUIZ_BANK_DIR})")

    def handle(self, *args, paths, **options):
        topics = [t.slug for t in load_taxonomy(settings.NOTES_TAXONOMY_FILE)]
        specs, unreadable = [], []
        for path in bank_files(paths or None):
            try:
                specs.extend(parse_bank(path.read_text(encoding="utf-8"), str(path), set(topics)))
            except (OSError, UnicodeDecodeError) as exc:
                unreadable.append(f"{path}: cannot be read: {exc}")
            except BankError as exc:
                unreadable.extend(str(p) for p in exc.problems)
        report = check_bank(specs, topics if not paths else None)
        for line in unreadable:
            self.stderr.write(self.style.ERROR(f"  {line}"))
        for line in report.lines():
            self.stdout.write(line)
        if unreadable or not report.ok:
            raise CommandError(f"{len(unreadable) + len(report.problems)} problem(s) in the bank; see above.")
