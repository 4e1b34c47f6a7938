"""What a topic page is made of, stored at ingest: merged blocks, key facts and errata.

`consolidate_topics` runs notes.consolidate over each topic's sections and stores the result on
the sections (lead, outline heading, order, what the other notes add); `sync_curated` keeps the
errata and key facts in step with notes/errata.yaml and notes/facts.yaml. Both are idempotent and
run by `ingest_notes`; admin edits to a note or a topic placement re-run them for that topic.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from notes.consolidate import Piece, consolidate
from notes.curated import CuratedError, load_amendments, load_errata, load_facts
from notes.models import Erratum, KeyFact, Note, Section, Topic


def consolidate_topics(topic_ids: list[int] | None = None) -> int:
    """Merge each topic's near-duplicate sections into blocks; returns how many blocks there are."""
    topics = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    total = 0
    for topic in topics:
        sections = list(Section.objects.live().filter(topic=topic).order_by("note_id", "order"))
        pieces = [
            Piece(s.pk, s.note_id, s.title, s.text, order=(s.note_id, s.order), html=s.body_html) for s in sections
        ]
        outline = [(o["heading"], o.get("keywords", [])) for o in topic.outline]
        blocks = consolidate(pieces, outline)
        by_id = {s.pk: s for s in sections}
        changed = []
        for order, block in enumerate(blocks):
            lead = by_id[block.lead.section_id]
            wanted = {
                "lead_id": None,
                "outline_heading": block.heading,
                "block_order": order,
                "extras": [{"section": piece.section_id, "html": html} for html, piece in block.extras],
            }
            for other in block.others:
                member = by_id[other.section_id]
                changed.append(
                    _set(member, lead_id=lead.pk, outline_heading=block.heading, block_order=order, extras=[])
                )
            changed.append(_set(lead, **wanted))
        _store([s for s in changed if s is not None])
        counts = {"sections": len(sections), "notes": len({s.note_id for s in sections}), "blocks": len(blocks)}
        if topic.page_counts != counts:
            Topic.objects.filter(pk=topic.pk).update(page_counts=counts)
        total += len(blocks)
    # Sections that left every topic (unsorted, removed notes) lead nothing and follow no one.
    Section.objects.filter(topic__isnull=True).exclude(lead=None).update(lead=None)
    Section.objects.filter(merged__isnull=False, topic__isnull=True).update(extras=[])
    return total


def _store(sections: list[Section]) -> None:
    """One parameterised UPDATE per changed row, in one transaction (bulk_update's CASE per field
    grows with the batch and dominated a 30,000-section ingest)."""
    table = Section._meta.db_table
    sql = f"UPDATE {table} SET lead_id = %s, outline_heading = %s, block_order = %s, extras = %s WHERE id = %s"  # noqa: S608 (our own table name)
    rows = [(s.lead_id, s.outline_heading, s.block_order, json.dumps(s.extras), s.pk) for s in sections]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _set(section: Section, **values) -> Section | None:
    if all(getattr(section, k) == v for k, v in values.items()):
        return None
    for key, value in values.items():
        setattr(section, key, value)
    return section


def sync_curated(
    errata_path: Path | None = None, facts_path: Path | None = None, notes_changed: bool = True
) -> list[tuple[str, str]]:
    """Errata and key facts from their files; returns problems (a broken file changes nothing).

    Only what changed is written (and its markdown rendered); errata look for their claims again
    only when notes changed, so an unchanged re-ingest does next to nothing here.
    """
    problems: list[tuple[str, str]] = []
    errata_path = Path(errata_path or settings.NOTES_ERRATA_FILE)
    facts_path = Path(facts_path or settings.NOTES_FACTS_FILE)
    try:
        errata = load_errata(errata_path)
    except CuratedError as exc:
        problems.extend((str(errata_path), p) for p in exc.problems)
    else:
        problems.extend(_sync_errata(errata, errata_path, notes_changed))
    amendments_path = Path(settings.NOTES_QUIZ_AMENDMENTS_FILE)
    try:
        load_amendments(amendments_path)
    except CuratedError as exc:
        problems.extend((str(amendments_path), p) for p in exc.problems)
    topics = {t.slug: t for t in Topic.objects.all()}
    try:
        facts = load_facts(facts_path, set(topics))
    except CuratedError as exc:
        problems.extend((str(facts_path), p) for p in exc.problems)
    else:
        _sync_facts(facts, topics)
    return problems


@transaction.atomic
def _sync_facts(facts, topics: dict[str, Topic]) -> None:
    existing = {(f.topic_id, f.order): f for f in KeyFact.objects.all()}
    kept = set()
    for fact in facts:
        wanted = {
            "text": fact.text,
            "source_title": fact.source_title,
            "source_url": fact.source_url,
            "question_uids": list(fact.questions),
        }
        row = existing.get((topics[fact.topic].pk, fact.order)) or KeyFact(topic=topics[fact.topic], order=fact.order)
        if row.pk is None or any(getattr(row, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(row, key, value)
            row.save()
        kept.add(row.pk)
    KeyFact.objects.exclude(pk__in=kept).delete()


@transaction.atomic
def _sync_errata(errata, path: Path, notes_changed: bool) -> list[tuple[str, str]]:
    notes = {n.file_name: n for n in Note.objects.live().only("pk", "file_name")}
    existing = {(e.note_id, e.claim): e for e in Erratum.objects.filter(from_file=True)}
    problems, kept = [], set()
    for item in errata:
        note = notes.get(item.note)
        if note is None:  # that note is not loaded here (another folder was ingested): nothing to correct
            continue
        erratum = existing.get((note.pk, item.claim)) or Erratum(note=note, claim=item.claim, from_file=True)
        wanted = (item.correction, item.source_title, item.source_url)
        stale = erratum.pk is None or (erratum.correction, erratum.source_title, erratum.source_url) != wanted
        if stale or notes_changed or erratum.section_id is None:
            erratum.correction, erratum.source_title, erratum.source_url = wanted
            erratum.save()  # renders the correction and finds the claim's section
        if erratum.section is None:
            problems.append((str(path), f"{item.note}: the claim “{item.claim[:60]}” is not in the note"))
        kept.add(erratum.pk)
    Erratum.objects.filter(from_file=True).exclude(pk__in=kept).delete()
    # Errata added in the admin follow their note's sections when the notes changed.
    if notes_changed:
        for erratum in Erratum.objects.filter(from_file=False):
            erratum.save()
    return problems


def topic_blocks(topic: Topic, leads) -> list[Section]:
    """The page's lead sections, each with what the template shows: its members (the sections of
    other notes saying the same), what those add (extras), its outline heading and errata."""
    leads = list(leads)
    members = {}
    for section in (
        Section.objects.live()
        .filter(lead__in=leads)
        .select_related("note")
        .prefetch_related("errata")
        .defer("text", "tags", "body_html", "extras", "note__source", "note__body_html", "note__toc", "note__quiz")
        .order_by("note_id", "order")
    ):
        members.setdefault(section.lead_id, []).append(section)
    extra_ids = {e["section"] for lead in leads for e in lead.extras}
    extra_sections = Section.objects.select_related("note").in_bulk(extra_ids)
    headings = [o["heading"] for o in topic.outline]
    for lead in leads:
        lead.members = [lead, *members.get(lead.pk, [])]
        lead.note_count = len({m.note_id for m in lead.members})
        lead.extra_items = [
            {"section": extra_sections[e["section"]], "html": e["html"]}
            for e in lead.extras
            if e["section"] in extra_sections
        ]
        lead.all_errata = [erratum for m in lead.members for erratum in m.errata.all()]
        in_outline = 0 <= lead.outline_heading < len(headings)
        lead.heading_title = headings[lead.outline_heading] if in_outline else "More from the notes"
    return leads
