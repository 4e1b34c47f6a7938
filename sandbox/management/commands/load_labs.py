"""python manage.py load_labs: validate the guided labs and keep their quiz questions in step (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from quizzes.labs import LabSpec, sync_lab_questions
from sandbox.labs import LabError, load_labs, taxonomy_topics


class Command(BaseCommand):
    help = "Validate sandbox/labs/data/*.yaml and create or update one quiz question of type lab per lab."

    def handle(self, *args, **options):
        try:
            labs = load_labs(topics=taxonomy_topics())
        except LabError as exc:
            for problem in exc.problems:
                self.stderr.write(self.style.ERROR(f"  {problem}"))
            raise CommandError(f"{len(exc.problems)} problem(s) in the lab files: nothing was loaded.") from None
        specs = [LabSpec(lab.slug, lab.title, lab.topic, lab.goal) for lab in labs.values()]
        report = sync_lab_questions(specs)
        for failure in report.failed or []:
            self.stderr.write(self.style.ERROR(f"  {failure}"))
        self.stdout.write(f"Labs: {len(labs)} valid; lab questions: {report.summary()}.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} lab question(s) could not be loaded.")
