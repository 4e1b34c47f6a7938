"""Load note files and the taxonomy into the database, idempotently.

`ingest_paths` walks files and folders, skips files whose content hash is unchanged,
ingests each changed file in its own transaction (a failure never leaves half a note),
marks notes whose file left an ingested folder as removed, and reports created /
updated / unchanged / removed / failed.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from notes.ingest import (
    NOTE_SUFFIXES,
    BuiltNote,
    NoteError,
    ParsedNote,
    build_in_worker,
    build_note,
    content_hash,
    decode,
    init_worker,
    link_key,
    names_resolver,
    parse_note,
    unique_name,
)
from notes.markdown import Renderer, Resolver
from notes.models import Note, Topic
from notes.taxonomy import Classifier, TopicSpec, load_taxonomy
from notes.topic_pages import consolidate_topics, sync_curated


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    topics: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.removed)} removed, {len(self.failed)} failed"
        )


# ---------------------------------------------------------------------------------------
# Taxonomy


def sync_taxonomy(specs: list[TopicSpec]) -> str:
    """Create new topics and apply changed entries; admin edits survive until the entry changes."""
    created = updated = 0
    existing = {t.slug: t for t in Topic.objects.all()}
    for spec in specs:
        topic = existing.get(spec.slug)
        if topic is not None and topic.source_fingerprint == spec.fingerprint:
            continue
        topic = topic or Topic(slug=spec.slug)
        created += topic.pk is None
        updated += topic.pk is not None
        topic.title, topic.order, topic.summary = spec.title, spec.order, spec.summary
        topic.keywords, topic.aliases, topic.outline = spec.keywords, spec.aliases, spec.outline
        topic.source_fingerprint = spec.fingerprint
        topic.save()
    return f"topics: {created} created, {updated} updated, {len(specs) - created - updated} unchanged"


def topic_specs() -> list[TopicSpec]:
    """The topics as they are now (taxonomy file plus admin edits)."""
    return [
        TopicSpec(t.slug, t.title, t.order, t.summary, list(t.keywords), list(t.aliases), list(t.outline))
        for t in Topic.objects.all()
    ]


def classifier_from_db() -> Classifier:
    """A classifier of the topics as stored; built again only when they changed (an ingest asks
    for one per note with a quiz, and building it normalises every keyword)."""
    specs = topic_specs()
    key = repr(specs)
    if _CLASSIFIER.get("key") != key:
        _CLASSIFIER.update(key=key, classifier=Classifier(specs))
    return _CLASSIFIER["classifier"]


_CLASSIFIER: dict = {}


def rebuild_note(note: Note) -> None:
    """Parse, render and store one note's text as it is now (after an edit, say)."""
    parsed = note.parse()
    note.apply(parsed, build_note(parsed, Renderer(build_resolver()), classifier_from_db()))


def link_names(extra: dict[str, tuple[str, str]] | None = None) -> dict[str, tuple[str, str]]:
    """Wiki-link targets by name: notes (title, slug, file name) win over topics (slug, title, alias)."""
    names: dict[str, tuple[str, str]] = {}
    for topic in Topic.objects.all():
        target = (topic.get_absolute_url(), f"Topic: {topic.title}")
        for name in [topic.slug, topic.title, *topic.aliases]:
            names.setdefault(link_key(str(name)), target)
    notes: dict[str, tuple[str, str]] = {}
    for slug, title, file_name in Note.objects.live().values_list("slug", "title", "file_name"):
        target = (reverse("notes:note", args=[slug]), f"Note: {title}")
        for name in (slug, title, Path(file_name).stem if file_name else ""):
            if name:
                notes.setdefault(link_key(name), target)
    notes.update(extra or {})
    names.update(notes)
    return names


def build_resolver(extra: dict[str, tuple[str, str]] | None = None) -> Resolver:
    return names_resolver(link_names(extra))


# ---------------------------------------------------------------------------------------
# Files


def _note_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    found = []
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(
            Path(root) / f for f in sorted(files) if f.lower().endswith(NOTE_SUFFIXES) and not f.startswith(".")
        )
    return found


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path.resolve())


def ingest_paths(
    paths: list[str | Path] | None = None, taxonomy: str | Path | None = None, force: bool = False
) -> Report:
    report = Report()
    report.topics = sync_taxonomy(load_taxonomy(taxonomy or settings.NOTES_TAXONOMY_FILE))
    paths = [Path(p) for p in (paths or [settings.NOTES_CONTENT_DIR])]

    files: list[Path] = []
    for path in paths:
        if not path.exists():
            report.failed.append((str(path), "no such file or folder"))
            continue
        if path.is_file() and not path.name.lower().endswith(NOTE_SUFFIXES):
            report.failed.append((_display(path), f"not a note file (expected {', '.join(NOTE_SUFFIXES)})"))
            continue
        files.extend(_note_files(path))

    known = {n.source_path: n for n in Note.objects.exclude(source_path="")}
    taken = set(Note.objects.values_list("slug", flat=True))
    pending = []  # (display path, note, parsed, hash) for files that changed
    for file in files:
        shown = _display(file)
        try:
            data = file.read_bytes()
        except OSError as exc:
            report.failed.append((shown, f"cannot be read: {exc.strerror or exc}"))
            continue
        digest = content_hash(data)
        note = known.get(shown)
        if not force and note is not None and note.content_hash == digest and note.removed_at is None:
            report.unchanged.append(shown)
            continue
        try:
            parsed = parse_note(file.name, decode(data))
        except NoteError as exc:
            report.failed.append((shown, str(exc)))
            continue
        if note is None:
            note = Note(source_path=shown, slug=unique_name(slugify(file.stem)[:100] or "note", taken))
        note.file_name, note.source, note.content_hash = file.name, parsed.source, digest
        pending.append((shown, note, parsed))

    # Wiki links may point at notes of this very batch: make them resolvable first.
    extra = {}
    for _, note, parsed in pending:
        target = (reverse("notes:note", args=[note.slug]), f"Note: {parsed.title}")
        for name in (note.slug, parsed.title, Path(note.file_name).stem):
            extra[link_key(name)] = target
    built_notes = _build_all([parsed for _, _, parsed in pending], link_names(extra), topic_specs())
    for (shown, note, parsed), built in zip(pending, built_notes, strict=True):
        if isinstance(built, str):
            report.failed.append((shown, f"could not be rendered: {built}"))
            continue
        is_new = note.pk is None or note.removed_at is not None
        note.apply(parsed, built)
        (report.created if is_new else report.updated).append(shown)
        report.warnings.extend((shown, w) for w in parsed.warnings)

    # A file gone from a folder we ingested: its note is marked removed.
    folders = [p.resolve() for p in paths if p.is_dir()]
    seen = {_display(f) for f in files}
    for source_path, note in known.items():
        if note.removed_at is None and source_path not in seen and _under(source_path, folders):
            with transaction.atomic():
                note.mark_removed()
            report.removed.append(source_path)
    # The topic pages: errata beside their claims, key facts, and near-duplicates merged.
    changed = bool(force or report.created or report.updated or report.removed)
    report.failed.extend(sync_curated(notes_changed=changed))
    if changed or Topic.objects.exclude(page_counts__has_key="blocks").exists():
        consolidate_topics()
    return report


PARALLEL_MIN_NOTES = 24  # below this, starting worker processes costs more than it saves


def _build_all(parsed: list[ParsedNote], names: dict, specs: list[TopicSpec]) -> Iterator[BuiltNote | str]:
    """Render notes in order, on every core when there are many; a failure is its message.

    A generator: the caller writes each note to the database while the workers render the
    next ones, so rendering and writing overlap instead of following each other."""
    workers = min(os.cpu_count() or 1, 4)
    if len(parsed) >= PARALLEL_MIN_NOTES and workers > 1:
        context = multiprocessing.get_context("spawn")  # workers import only the pure modules
        with ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker, initargs=(names, specs)) as pool:
            futures = [pool.submit(build_in_worker, p) for p in parsed]
            for future in futures:
                yield _outcome(future.result)
        return
    renderer, classifier = Renderer(names_resolver(names)), Classifier(specs)
    for p in parsed:
        yield _outcome(lambda p=p: build_note(p, renderer, classifier))


def _outcome(build) -> BuiltNote | str:
    try:
        return build()
    except Exception as exc:  # noqa: BLE001 (one note that breaks the renderer must not stop the others)
        return f"{type(exc).__name__}: {exc}"


def _under(source_path: str, folders: list[Path]) -> bool:
    path = Path(source_path)
    absolute = path if path.is_absolute() else Path(settings.BASE_DIR) / path
    return any(absolute.resolve().is_relative_to(folder) for folder in folders)
