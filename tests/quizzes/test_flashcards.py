"""Flashcards made from the notes: the foldable questions and the transcript's quiz."""

from __future__ import annotations

from notes.loader import ingest_paths
from quizzes.models import Question


def test_ingest_creates_sixteen_flashcards_linked_to_topics(shipped_notes):
    cards = Question.objects.filter(source="note", type="flashcard", status="published")
    assert cards.count() == 16
    quiz = {q.uid.rsplit("-", 1)[1]: q for q in cards if "-quiz-" in q.uid}
    assert len(quiz) == 14
    assert quiz["2"].topic.slug == "stage-variables" and quiz["2"].answer == "Stage Variables"
    assert quiz["12"].topic.slug == "usage-plans-api-keys"
    callout = cards.get(uid__contains="dva-study-vault-usage-plans")
    assert callout.topic.slug == "usage-plans-api-keys"
    assert "createUsagePlanKey" in callout.answer_html
    assert callout.source_url == "/notes/api-gateway-dva-study-vault/#usage-plans-api-keys"


def test_reingest_is_idempotent_and_a_changed_note_updates_its_cards(db, notes_dir):
    path = notes_dir / "course.txt"
    text = "API Gateway Caching\n-Default TTL 300\n\nQuiz 1: Test\n\nQuestion 1:\nDefault cache TTL?\n\nAnswer:\n300 seconds\n"
    path.write_text(text)
    ingest_paths([notes_dir])
    ingest_paths([notes_dir])
    card = Question.objects.get(uid="note-course-quiz-1")
    assert card.answer == "300 seconds"
    path.write_text(text.replace("300 seconds", "300 seconds (0 to 3600)"))
    ingest_paths([notes_dir])
    card.refresh_from_db()
    assert card.answer == "300 seconds (0 to 3600)"
    assert Question.objects.filter(source="note").count() == 1


def test_a_question_gone_from_its_note_is_retired_not_deleted(db, notes_dir):
    path = notes_dir / "vault.md"
    path.write_text("# V\n\n## CORS\n\n> [!question]- Which header?\n> Access-Control-Allow-Origin\n")
    ingest_paths([notes_dir])
    assert Question.objects.get(source="note").status == "published"
    path.write_text("# V\n\n## CORS\n\nNo more questions.\n")
    ingest_paths([notes_dir])
    assert Question.objects.get(source="note").status == "retired"
