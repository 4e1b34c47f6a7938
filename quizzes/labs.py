"""Sandbox labs as quiz questions of type "lab": loading them, practising them, grading them.

The sandbox owns the labs and runs their checks; this module only knows what a quiz needs: a
published Question per lab (uid `lab-<slug>`, data {"lab": slug}), a practice session of lab
questions, and recording an attempt (correct when every check passes) as a rating of the card,
so that labs are scheduled by FSRS like every other question. Labs never enter a timed exam
(`QuestionQuerySet.exam_eligible` keeps single and multiple choice only).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from notes.models import Topic
from quizzes.models import (
    Card,
    LearnerSettings,
    PracticeResponse,
    PracticeSession,
    Question,
    ReviewLog,
    commit_rating,
    ensure_cards,
)

PREFIX = "lab-"
GOOD, AGAIN = 3, 1


@dataclass(frozen=True)
class LabSpec:
    slug: str
    title: str
    topic: str
    goal: str  # markdown: the question's stem

    @property
    def uid(self) -> str:
        return f"{PREFIX}{self.slug}"

    def fingerprint(self) -> str:
        data = json.dumps([self.slug, self.title, self.topic, self.goal])
        return hashlib.sha256(data.encode()).hexdigest()


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    failed: list[str] | None = None

    def summary(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.retired} retired, {len(self.failed or [])} failed"
        )


def sync_lab_questions(specs: list[LabSpec]) -> SyncReport:
    """Create or update one published lab question per lab (idempotent by uid); retire the
    questions of labs that no longer exist."""
    report = SyncReport(failed=[])
    topics = {t.slug: t for t in Topic.objects.all()}
    with transaction.atomic():
        for spec in specs:
            topic = topics.get(spec.topic)
            if topic is None:
                report.failed.append(f"{spec.slug}: no topic {spec.topic!r} (run ingest_notes first)")
                continue
            question = Question.objects.filter(uid=spec.uid).first()
            fingerprint = spec.fingerprint()
            if (
                question is not None
                and question.content_hash == fingerprint
                and question.status == Question.Status.PUBLISHED
            ):
                report.unchanged += 1
                continue
            if question is None:
                report.created += 1
                question = Question(uid=spec.uid)
            else:
                report.updated += 1
            question.type, question.status = Question.Type.LAB, Question.Status.PUBLISHED
            question.source = Question.Source.AUTHORED
            question.topic, question.stem, question.answer = topic, spec.goal, ""
            question.data, question.content_hash = {"lab": spec.slug, "title": spec.title}, fingerprint
            question.save()
            question.topics.set([topic])
        wanted = {spec.uid for spec in specs}
        gone = Question.objects.filter(type=Question.Type.LAB, uid__startswith=PREFIX).exclude(uid__in=wanted)
        report.retired = gone.exclude(status=Question.Status.RETIRED).update(
            status=Question.Status.RETIRED, content_hash=""
        )
    return report


def lab_questions(topic_slugs: list[str] | None = None):
    questions = Question.objects.published().filter(type=Question.Type.LAB)
    return questions.for_topics(topic_slugs) if topic_slugs else questions


def start_lab_practice(user, topic_slugs: list[str] | None = None) -> PracticeSession | None:
    """A practice session of lab questions (in topic order), or None when there is none."""
    ids = list(lab_questions(topic_slugs).order_by("topic__order", "uid").values_list("pk", flat=True))
    if not ids:
        return None
    return PracticeSession.objects.create(
        user=user, topics=list(topic_slugs or []), types=[Question.Type.LAB], question_ids=ids, title="Sandbox labs"
    )


def record_lab_attempt(
    user,
    question: Question,
    passed: bool,
    now: datetime,
    *,
    session: PracticeSession | None = None,
    source: str = ReviewLog.Source.PRACTICE,
) -> Card:
    """Grade a lab attempt: Good (3) when every check passes, Again (1) otherwise, as a review of its card."""
    ensure_cards(user, [question], now)
    card = Card.objects.get(user=user, question=question)
    retention = LearnerSettings.for_user(user).desired_retention
    commit_rating(card, GOOD if passed else AGAIN, now, retention, source)
    if session is not None:
        PracticeResponse.objects.create(session=session, question=question, chosen=[], correct=passed)
    return card
