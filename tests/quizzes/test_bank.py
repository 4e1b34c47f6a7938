"""The shipped question bank, and what load_questions / export_questions do with files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from notes.taxonomy import load_taxonomy
from quizzes.bank import BankError, parse_bank
from quizzes.loader import load_bank
from quizzes.models import Option, Question

BANK = Path(settings.QUIZ_BANK_DIR)
TOPICS = {t.slug for t in load_taxonomy(settings.NOTES_TAXONOMY_FILE)}


@pytest.fixture(scope="module")
def specs():
    loaded = []
    for path in sorted(BANK.glob("*.yaml")):
        loaded.extend(parse_bank(path.read_text(), str(path), TOPICS))
    return loaded


def test_every_bank_file_parses_with_no_problem(specs):
    assert len(specs) >= 120


def test_every_topic_has_at_least_five_questions(specs):
    per_topic = Counter(s.topic for s in specs)
    assert set(per_topic) == TOPICS
    assert min(per_topic.values()) >= 5, per_topic


def test_ids_are_unique_across_files(specs):
    ids = [s.uid for s in specs]
    assert len(ids) == len(set(ids))


def test_mix_of_types_like_the_exam(specs):
    types = Counter(s.type for s in specs)
    assert types["multiple"] >= 20
    assert types["ordering"] >= 3


def test_every_option_is_explained_and_keys_are_consistent(specs):
    for spec in specs:
        assert all(o.explanation.strip() for o in spec.options), spec.uid
        right = sum(o.correct for o in spec.options)
        if spec.type == "single":
            assert right == 1 and len(spec.options) == 4, spec.uid
        if spec.type == "multiple":
            assert right >= 2 and len(spec.options) >= 5, spec.uid


def test_load_is_idempotent(shipped_notes):
    first = load_bank()
    assert first.ok and first.created >= 120
    second = load_bank()
    assert (second.created, second.updated, second.unchanged) == (0, 0, first.created)


def test_a_loaded_question_shows_its_rendered_stem_options_and_explanations(shipped_notes):
    """New questions are inserted in bulk: each still carries the HTML a learner is shown."""
    assert load_bank().ok
    question = Question.objects.get(uid="caching-001")
    assert question.stem_html.startswith("<p>") and question.topics.filter(pk=question.topic_id).exists()
    for option in question.options.all():
        assert option.text_html.startswith("<p>") and option.explanation_html.startswith("<p>"), option.text
    assert not Option.objects.filter(text_html="").exists()
    assert not Option.objects.exclude(explanation="").filter(explanation_html="").exists()


MALFORMED = """topic: caching
questions:
  - id: caching-900
    type: single
    stem: A fine question?
    options:
      - {text: "A", correct: true, explanation: "yes"}
      - {text: "B", correct: false, explanation: "no"}
  - id: caching-901
    type: single
    stem: Two right answers?
    options:
      - {text: "A", correct: true, explanation: "yes"}
      - {text: "B", correct: true, explanation: ""}
"""


def test_malformed_question_is_reported_and_nothing_of_the_file_is_loaded(shipped_notes, tmp_path, capsys):
    (tmp_path / "caching.yaml").write_text(MALFORMED)
    with pytest.raises(CommandError, match="1 bank file"):
        call_command("load_questions", str(tmp_path))
    err = capsys.readouterr().err
    assert "caching.yaml: caching-901: a single-choice question has exactly one correct option (it has 2)" in err
    assert "caching-901: option 2 is not explained" in err
    assert not Question.objects.filter(uid__in=["caching-900", "caching-901"]).exists()


def test_broken_yaml_names_the_line(tmp_path):
    with pytest.raises(BankError, match=r"not valid YAML \(line \d+"):
        parse_bank("topic: caching\nquestions:\n  - id: x\n    stem: [unclosed\n", "bad.yaml", TOPICS)


def test_unknown_topic_and_duplicate_id_across_files(shipped_notes, tmp_path):
    (tmp_path / "a.yaml").write_text(MALFORMED.split("  - id: caching-901")[0])
    (tmp_path / "b.yaml").write_text(MALFORMED.split("  - id: caching-901")[0].replace("topic: caching", "topic: nope"))
    report = load_bank([tmp_path])
    assert any("unknown topic 'nope'" in str(p) for p in report.problems)
    (tmp_path / "b.yaml").write_text(MALFORMED.split("  - id: caching-901")[0])
    report = load_bank([tmp_path])
    assert any("id already used in" in str(p) for p in report.problems)


def test_export_then_load_round_trips_exactly(shipped_notes, tmp_path):
    load_bank()
    before = {q.uid: q.content_hash for q in Question.objects.exclude(source="note")}
    call_command("export_questions", str(tmp_path))
    exported = {
        s.uid: s.fingerprint() for p in tmp_path.glob("*.yaml") for s in parse_bank(p.read_text(), str(p), TOPICS)
    }
    assert exported == before
    report = load_bank([tmp_path])
    assert report.ok and report.unchanged == len(before) and report.updated == 0
