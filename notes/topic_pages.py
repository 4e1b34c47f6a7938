"""What a topic page is made of, stored at ingest: merged blocks, key facts and errata.

`consolidate_topics` runs notes.consolidate over each topic's sections and stores the result on
the sections (lead, outline heading, order, what the other notes add); `sync_curated` keeps the
errata and key facts in step with notes/errata.yaml and notes/facts.yaml. Both are idempotent and
run by `ingest_notes`; admin edits to a note or a topic placement re-run them for that topic.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.template.loader import render_to_string

from notes.consolidate import Piece, Placed, consolidate_ids
from notes.curated import CuratedError, load_amendments, load_errata, load_facts
from notes.models import Erratum, KeyFact, Note, Section, Tip, Topic

PARALLEL_MIN_SECTIONS = 3000  # below this, starting worker processes costs more than it saves


def consolidate_topics(topic_ids: list[int] | None = None) -> int:
    """Merge each topic's near-duplicate sections into blocks; returns how many blocks there are."""
    topics = Topic.objects.all() if topic_ids is None else Topic.objects.filter(pk__in=topic_ids)
    total, all_notes = 0, Note.objects.live().count()
    work = []  # (topic, its sections, their pieces, its outline)
    for topic in topics:
        sections = list(
            Section.objects.live()
            .filter(topic=topic)
            .only("note_id", "order", "title", "text", "body_html", "lead", "outline_heading", "block_order", "extras")
            .order_by("note_id", "order")
        )
        pieces = [
            Piece(s.pk, s.note_id, s.title, s.text, order=(s.note_id, s.order), html=s.body_html) for s in sections
        ]
        work.append((topic, sections, pieces, [(o["heading"], o.get("keywords", [])) for o in topic.outline]))
    for (topic, sections, _, _), blocks in zip(work, _consolidate_all(work), strict=True):
        by_id = {s.pk: s for s in sections}
        changed = []
        for order, block in enumerate(blocks):
            lead = by_id[block.lead]
            wanted = {
                "lead_id": None,
                "outline_heading": block.heading,
                "block_order": order,
                "extras": [{"section": section_id, "html": html} for html, section_id in block.extras],
            }
            for other in block.others:
                changed.append(
                    _set(by_id[other], lead_id=lead.pk, outline_heading=block.heading, block_order=order, extras=[])
                )
            changed.append(_set(lead, **wanted))
        _store([s for s in changed if s is not None])
        counts = {
            "sections": len(sections),
            "notes": len({s.note_id for s in sections}),
            "blocks": len(blocks),
            "all_notes": all_notes,  # "in 3 of 5 notes"
        }
        if topic.page_counts != counts:
            Topic.objects.filter(pk=topic.pk).update(page_counts=counts)
        total += len(blocks)
    # Sections that left every topic (unsorted, removed notes) lead nothing and follow no one.
    Section.objects.filter(topic__isnull=True).exclude(lead=None).update(lead=None)
    Section.objects.filter(merged__isnull=False, topic__isnull=True).update(extras=[])
    topics.bump_page_versions()  # their notes changed: the cached pages are stale
    return total


def _consolidate_all(work: list) -> list[list[Placed]]:
    """Each topic's blocks; on every core when there are many sections (the merge is pure)."""
    workers = min(os.cpu_count() or 1, 4)
    if sum(len(pieces) for _, _, pieces, _ in work) < PARALLEL_MIN_SECTIONS or workers < 2:
        return [consolidate_ids(pieces, outline) for _, _, pieces, outline in work]
    context = multiprocessing.get_context("spawn")  # workers import only the pure module
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        # The biggest topics first, so that no worker is left with one at the end.
        biggest_first = sorted(range(len(work)), key=lambda i: -len(work[i][2]))
        futures = {i: pool.submit(consolidate_ids, work[i][2], work[i][3]) for i in biggest_first}
        return [futures[i].result() for i in range(len(work))]


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


@dataclass
class BlockPage:
    """One page of a topic's blocks, rendered: the sections, their entries in the page's outline,
    and (on the first page) the notes' exam tips."""

    page: Page
    sections_html: str
    toc_html: str
    tips_html: str


PAGE_CACHE = "pages"
PAGE_CACHE_SECONDS = 3600
TIPS_SHOWN = 20


def block_page(topic: Topic, number: int, per_page: int) -> BlockPage:
    """Page `number` of the topic's blocks, rendered once per version of the topic's page.

    What the notes say only changes when they are ingested, a correction is edited or a section
    is moved (each raises Topic.page_version), so the rendered HTML is cached under that version;
    it holds nothing of the learner's (no form, no token). A miss costs what rendering costs."""
    leads = (
        Section.objects.live()
        .filter(topic=topic, lead__isnull=True)
        .select_related("note")
        .prefetch_related("errata")
        .defer("text", "tags", "note__source", "note__body_html", "note__toc", "note__quiz")
        .order_by("block_order")  # one block per lead section, in outline then note order
    )
    counts = topic.page_counts  # stored with the blocks: no count query per view
    paginator = Paginator(leads, per_page)
    if "blocks" in counts:
        paginator.__dict__["count"] = counts["blocks"]  # Paginator.count is a cached_property
    page = paginator.get_page(number)
    key = f"topic:{topic.pk}:{topic.page_version}:{page.number}:{per_page}"
    cache = caches[PAGE_CACHE]
    rendered = cache.get(key)
    if rendered is None:
        notes_total = counts["all_notes"] if "all_notes" in counts else Note.objects.live().count()
        context = {"topic": topic, "page": page, "notes_total": notes_total}
        context["blocks"] = topic_blocks(topic, page.object_list)
        if page.number == 1:
            context |= _tips(topic)
        rendered = tuple(
            render_to_string(f"notes/topic.html#{part}", context).strip() if include else ""
            for part, include in (("section-page", True), ("toc-entries", True), ("tips", page.number == 1))
        )
        cache.set(key, rendered, PAGE_CACHE_SECONDS)
    return BlockPage(page, *rendered)


def _tips(topic: Topic) -> dict:
    """The notes' exam tips on the topic; one that repeats a note's mistake carries its correction."""
    tips = (
        Tip.objects.filter(section__topic=topic, section__note__removed_at__isnull=True)
        .select_related("section__note")
        .prefetch_related("section__errata")
    )
    shown = list(tips[:TIPS_SHOWN])
    for tip in shown:
        errata = tip.section.errata.all()
        tip.erratum = next((e for e in errata if e.claim_plain.lower() in tip.plain.lower()), None) if errata else None
    return {"tips": shown, "tip_count": tips.count()}
