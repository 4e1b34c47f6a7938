"""The question bank and the notes' questions -> the database, idempotently by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from notes.curated import Amendment, CuratedError, load_amendments
from notes.models import Note, Tip, Topic
from quizzes.bank import BankError, OptionSpec, Problem, QuestionSpec, dump_bank, parse_bank
from quizzes.models import Option, Question


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return (
            f"{self.files} file(s): {self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
            f"{len(self.failed_files)} file(s) failed"
        )


def spec_of(question: Question) -> QuestionSpec:
    return QuestionSpec(
        uid=question.uid,
        type=question.type,
        topic=question.topic.slug,
        stem=question.stem,
        difficulty=question.difficulty,
        topics=sorted(t.slug for t in question.topics.all() if t.pk != question.topic_id),
        options=[OptionSpec(o.text, o.explanation, o.correct) for o in question.options.all()],
        answer=question.answer,
        section=question.section_ref,
        status="draft" if question.status == Question.Status.DRAFT else "published",
        source_title=question.doc_title,
        source_url=question.doc_url,
    )


def _fill(question: Question, spec: QuestionSpec, source: str, topics: dict[str, Topic]) -> Question:
    question.type, question.topic, question.stem = spec.type, topics[spec.topic], spec.stem
    question.difficulty, question.answer, question.section_ref = spec.difficulty, spec.answer, spec.section
    question.doc_title, question.doc_url = spec.source_title, spec.source_url
    question.status = Question.Status.DRAFT if spec.status == "draft" else Question.Status.PUBLISHED
    question.source, question.content_hash = source, spec.fingerprint()
    return question


def _topics_of(spec: QuestionSpec, topics: dict[str, Topic]) -> list[Topic]:
    return list(dict.fromkeys([topics[spec.topic], *(topics[s] for s in spec.topics)]))


def upsert(spec: QuestionSpec, source: str, topics: dict[str, Topic], author=None, current=None) -> str:
    """Create or update one question by its id; 'created', 'updated' or 'unchanged'.

    `current` is the stored question of that id when the caller has read it already."""
    question = current or Question.objects.filter(uid=spec.uid).first()
    if (
        question is not None
        and question.content_hash == spec.fingerprint()
        and question.status != Question.Status.RETIRED
    ):
        return "unchanged"
    outcome = "updated" if question else "created"
    question = _fill(question or Question(uid=spec.uid, author=author), spec, source, topics)
    question.save()
    question.topics.set(_topics_of(spec, topics))
    # Options are updated in place by position, so that learners' past answers (option ids) keep meaning.
    existing = list(question.options.all()) if outcome == "updated" else []
    for position, option_spec in enumerate(spec.options):
        option = existing[position] if position < len(existing) else Option(question=question)
        option.order, option.text, option.correct = position, option_spec.text, option_spec.correct
        option.explanation = option_spec.explanation
        option.save()
    for extra in existing[len(spec.options) :]:
        extra.delete()
    return outcome


def upsert_many(
    specs: list[QuestionSpec], source: str, topics: dict[str, Topic], author=None, rendered: dict | None = None
) -> list[str]:
    """`upsert` for many questions: the stored ones are read at once and the new ones inserted
    in bulk (with their topics and options); one outcome per spec. `rendered` maps an id to
    its stem and answer HTML when they are rendered already (a note's question callout)."""
    rendered = rendered or {}
    stored = Question.objects.in_bulk([spec.uid for spec in specs], field_name="uid")
    outcomes, new = [], []
    for spec in specs:
        if spec.uid in stored:
            outcomes.append(upsert(spec, source, topics, author, current=stored[spec.uid]))
        else:
            question = _fill(Question(uid=spec.uid, author=author), spec, source, topics)
            if spec.uid in rendered:
                question.stem_html, question.answer_html = rendered[spec.uid]
            else:
                question.render()  # bulk_create does not call save()
            new.append((question, spec))
            outcomes.append("created")
    if new:
        Question.objects.bulk_create([question for question, _ in new])
        link = Question.topics.through
        link.objects.bulk_create(
            [link(question_id=q.pk, topic_id=t.pk) for q, spec in new for t in _topics_of(spec, topics)]
        )
        Option.objects.bulk_create(
            [
                Option(question=q, order=n, text=o.text, correct=o.correct, explanation=o.explanation).render()
                for q, spec in new
                for n, o in enumerate(spec.options)
            ]
        )
    return outcomes


def bank_files(paths: list[str | Path] | None) -> list[Path]:
    files = []
    for path in [Path(p) for p in (paths or [settings.QUIZ_BANK_DIR])]:
        files.extend(sorted(path.glob("*.y*ml")) if path.is_dir() else [path])
    return files


def load_bank(paths: list[str | Path] | None = None) -> Report:
    """Load bank files; a file with any problem is reported and nothing of it is loaded."""
    report = Report()
    topics = {t.slug: t for t in Topic.objects.all()}
    owner: dict[str, str] = {}  # question id -> the file that defines it
    for path in bank_files(paths):
        report.files += 1
        source = str(path)
        try:
            specs = parse_bank(path.read_text(encoding="utf-8"), source, set(topics))
        except (OSError, UnicodeDecodeError) as exc:
            report.problems.append(Problem(source, "", f"cannot be read: {exc}"))
            report.failed_files.append(source)
            continue
        except BankError as exc:
            report.problems.extend(exc.problems)
            report.failed_files.append(source)
            continue
        clashes = [Problem(source, s.uid, f"id already used in {owner[s.uid]}") for s in specs if s.uid in owner]
        if clashes:
            report.problems.extend(clashes)
            report.failed_files.append(source)
            continue
        owner.update((s.uid, source) for s in specs)
        with transaction.atomic():
            for outcome in upsert_many(specs, Question.Source.BANK, topics):
                setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def export_bank(folder: str | Path | None = None) -> list[Path]:
    """Write every bank and authored question (not the notes' flashcards) as one file per topic."""
    folder = Path(folder or settings.QUIZ_BANK_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    by_topic: dict[str, list[QuestionSpec]] = {}
    questions = (
        Question.objects.exclude(source=Question.Source.NOTE)
        .exclude(type=Question.Type.LAB)  # labs live in sandbox/labs/data/*.yaml (load_labs), not in the bank
        .exclude(status=Question.Status.RETIRED)
        .select_related("topic")
        .prefetch_related("topics", "options")
    )
    for question in questions:
        by_topic.setdefault(question.topic.slug, []).append(spec_of(question))
    written = []
    for slug, specs in sorted(by_topic.items()):
        path = folder / f"{slug}.yaml"
        path.write_text(dump_bank(slug, specs), encoding="utf-8")
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------
# Flashcards from the notes: foldable question callouts and the transcript's quiz


def quiz_amendments() -> list[Amendment]:
    """notes/quiz_amendments.yaml; a broken file amends nothing (ingest_notes reports it).
    Read once per change of the file, not once per note."""
    path = Path(settings.NOTES_QUIZ_AMENDMENTS_FILE)
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return []
    if _AMENDMENTS.get("stamp") != stamp:
        try:
            _AMENDMENTS.update(stamp=stamp, items=load_amendments(path))
        except CuratedError:
            _AMENDMENTS.update(stamp=stamp, items=[])
    return _AMENDMENTS["items"]


_AMENDMENTS: dict = {}


def sync_note_flashcards(note: Note) -> None:
    """Keep a note's flashcards in step with its text (called after every ingest of the note)."""
    from notes.loader import classifier_from_db

    topics = {t.slug: t for t in Topic.objects.all()}
    if not topics:
        return
    fallback = next(iter(sorted(topics.values(), key=lambda t: t.order))).slug
    specs: list[QuestionSpec] = []
    rendered: dict[str, tuple[str, str]] = {}
    if note.removed_at is None:
        numbers: dict[int, int] = {}  # section id -> its question tips so far (a flashcard's number)
        tips = (
            Tip.objects.filter(section__note=note, kind="question")
            .exclude(body_html="")
            .select_related("section__topic")
            .only("title_html", "body_html", "section__anchor", "section__topic__slug")
        )
        for tip in tips:
            section = tip.section
            numbers[section.pk] = n = numbers.get(section.pk, 0) + 1
            uid = f"note-{note.slug}-{section.anchor}-{n}"[:120]
            # The callout is rendered and sanitised with its note; rendering its HTML as markdown
            # again gives the same, paragraph-wrapped (checked on the shipped notes and 3,000 generated ones).
            rendered[uid] = (f"<p>{tip.title_html}</p>", tip.body_html)
            specs.append(
                QuestionSpec(
                    uid=uid,
                    type="flashcard",
                    topic=section.topic.slug if section.topic else fallback,
                    stem=tip.title_html,
                    answer=tip.body_html,
                    section=f"{note.slug}#{section.anchor}",
                )
            )
        classifier = classifier_from_db() if note.quiz else None
        amendments = {a.question: a for a in quiz_amendments() if a.note == note.file_name}
        for item in note.quiz:
            # A quiz question is short: weigh its words like a heading, not like body text.
            slug, _ = classifier.classify(f"{item['question']} {item['answer']}", [], "")
            amended = amendments.get(int(item["number"]))
            specs.append(
                QuestionSpec(
                    uid=f"note-{note.slug}-quiz-{item['number']}"[:120],
                    type="flashcard",
                    topic=slug or fallback,
                    stem=(amended and amended.stem) or item["question"],
                    answer=(amended and amended.answer) or item["answer"],
                    section=f"{note.slug}#quiz-heading",
                )
            )
    wanted = {spec.uid for spec in specs}
    with transaction.atomic():
        upsert_many(specs, Question.Source.NOTE, topics, rendered=rendered)
        gone = Question.objects.filter(source=Question.Source.NOTE, section_ref__startswith=f"{note.slug}#")
        gone.exclude(uid__in=wanted).update(status=Question.Status.RETIRED, content_hash="")
