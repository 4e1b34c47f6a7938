"""python manage.py ingest_notes [PATH ...]: load study notes into topic pages."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notes.loader import ingest_paths
from notes.taxonomy import TaxonomyError


class Command(BaseCommand):
    help = "Ingest .md/.txt study notes (default: notes/content/) and sort their sections into topics."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help=f"files or folders (default: {settings.NOTES_CONTENT_DIR})")
        parser.add_argument("--force", action="store_true", help="re-render notes even when their file is unchanged")
        parser.add_argument("--taxonomy", help=f"topics file (default: {settings.NOTES_TAXONOMY_FILE})")

    def handle(self, *args, paths, taxonomy, force, verbosity, **options):
        try:
            report = ingest_paths(paths or None, taxonomy=taxonomy, force=force)
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from None
        if verbosity >= 2:
            for label, names in (("created", report.created), ("updated", report.updated), ("removed", report.removed)):
                for name in names:
                    self.stdout.write(f"  {label}: {name}")
        for name, warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"  warning: {name}: {warning}"))
        for name, reason in report.failed:
            self.stderr.write(self.style.ERROR(f"  failed: {name}: {reason}"))
        self.stdout.write(f"Notes: {report.summary()}; {report.topics}.")
        if not report.ok:
            raise CommandError(f"{len(report.failed)} file(s) could not be ingested; the others were.")
