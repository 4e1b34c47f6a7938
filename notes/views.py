from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from notes.models import Note, Section, Tip, Topic, search_sections
from notes.topic_pages import consolidate_topics, topic_blocks
from studyapp.htmx import render_page

SECTIONS_PER_PAGE = 25
TIPS_SHOWN = 20


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    topics = Topic.objects.with_counts()
    context = {
        "topics": topics,
        "note_count": Note.objects.live().count(),
        "unsorted_count": Section.objects.unsorted().count() if request.user.has_perm("notes.change_section") else 0,
    }
    return render(request, "notes/home.html", context)


@require_GET
def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    # One block per lead section, in outline then note order (stored by notes.topic_pages).
    leads = (
        Section.objects.live()
        .filter(topic=topic, lead__isnull=True)
        .select_related("note")
        .prefetch_related("errata")
        .defer("text", "tags", "note__source", "note__body_html", "note__toc", "note__quiz")
        .order_by("block_order")
    )
    counts = topic.page_counts  # stored with the blocks at ingest (notes.topic_pages)
    paginator = Paginator(leads, SECTIONS_PER_PAGE)
    if "blocks" in counts:
        paginator.__dict__["count"] = counts["blocks"]  # Paginator.count is a cached_property: no scan per view
    page = paginator.get_page(_page_number(request))
    blocks = topic_blocks(topic, page.object_list)
    context = {"topic": topic, "page": page, "blocks": blocks, "notes_total": Note.objects.live().count()}
    if request.htmx and page.number > 1:
        return render(request, "notes/topic.html#section-page", context)
    tips = (
        Tip.objects.filter(section__topic=topic, section__note__removed_at__isnull=True)
        .select_related("section__note")
        .prefetch_related("section__errata")
    )
    previous, following = topic.neighbours()
    shown_tips = list(tips[:TIPS_SHOWN])
    for tip in shown_tips:  # a tip that repeats a note's mistake carries its correction
        errata = tip.section.errata.all()
        tip.erratum = next((e for e in errata if e.claim_plain.lower() in tip.plain.lower()), None) if errata else None
    context |= {
        "facts": topic.key_facts.all(),
        "tips": shown_tips,
        "tip_count": tips.count(),
        "previous": previous,
        "next": following,
        "note_count": counts.get("notes", 0),
        "section_count": counts.get("sections", 0),
    }
    return render(request, "notes/topic.html", context)


@require_GET
def note_list(request: HttpRequest) -> HttpResponse:
    notes = list(Note.objects.live())
    covered: dict[int, dict[int, Topic]] = {}
    for section in (
        Section.objects.live()
        .filter(topic__isnull=False)
        .select_related("topic")
        .only("note_id", "topic__slug", "topic__title", "topic__order")
    ):
        covered.setdefault(section.note_id, {})[section.topic_id] = section.topic
    counts = dict(Section.objects.live().values_list("note").annotate(n=Count("id")))
    for note in notes:
        note.topic_list = sorted(covered.get(note.pk, {}).values(), key=lambda t: t.order)
        note.section_count = counts.get(note.pk, 0)
    return render(request, "notes/note_list.html", {"notes": notes})


@require_GET
def note_detail(request: HttpRequest, slug: str) -> HttpResponse:
    note = get_object_or_404(Note.objects.live(), slug=slug)
    topics_by_anchor = dict(note.sections.filter(topic__isnull=False).values_list("anchor", "topic__title"))
    slugs_by_anchor = dict(note.sections.filter(topic__isnull=False).values_list("anchor", "topic__slug"))
    toc = [
        entry | {"topic": topics_by_anchor.get(entry["anchor"]), "topic_slug": slugs_by_anchor.get(entry["anchor"])}
        for entry in note.toc
    ]
    errata = note.errata.select_related("section", "note")
    return render(request, "notes/note.html", {"note": note, "toc": toc, "errata": errata})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    results = search_sections(query, page=_page_number(request)) if query else None
    return render_page(request, "notes/search.html", {"query": query, "results": results}, partial="results")


class AssignTopicForm(forms.Form):
    topic = forms.ModelChoiceField(queryset=Topic.objects.all(), empty_label="Choose a topic…")


@login_required
@permission_required("notes.change_section", raise_exception=True)
@require_GET
def unsorted(request: HttpRequest) -> HttpResponse:
    sections = Section.objects.unsorted().select_related("note").order_by("note__title", "order")
    return render(request, "notes/unsorted.html", {"sections": sections, "form": AssignTopicForm()})


@login_required
@permission_required("notes.change_section", raise_exception=True)
@require_POST
def assign_topic(request: HttpRequest, pk: int) -> HttpResponse:
    section = get_object_or_404(Section.objects.live().select_related("note"), pk=pk)
    form = AssignTopicForm(request.POST)
    if form.is_valid():
        section.topic = form.cleaned_data["topic"]
        section.topic_manual = True
        section.save(update_fields=["topic", "topic_manual"])
        consolidate_topics([section.topic_id])  # its new topic page merges it with what it repeats
    context = {"section": section, "form": form, "assigned": form.is_valid()}
    if request.htmx:
        return render(request, "notes/unsorted.html#unsorted-row", context, status=200 if form.is_valid() else 422)
    if form.is_valid():
        return redirect("notes:unsorted")
    sections = Section.objects.unsorted().select_related("note").order_by("note__title", "order")
    return render(
        request,
        "notes/unsorted.html",
        {"sections": sections, "form": AssignTopicForm(), "error": form.errors},
        status=422,
    )
