from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from notes.models import Note, Section, Topic, search_sections
from notes.topic_pages import block_page, consolidate_topics
from studyapp.htmx import render_page

SECTIONS_PER_PAGE = 25


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
    blocks = block_page(topic, _page_number(request), SECTIONS_PER_PAGE)
    if request.htmx and blocks.page.number > 1:
        return HttpResponse(blocks.sections_html)
    previous, following = topic.neighbours()
    counts = topic.page_counts  # stored with the blocks at ingest (notes.topic_pages)
    context = {
        "topic": topic,
        "page": blocks.page,
        "blocks": blocks,
        "facts": topic.key_facts.all(),
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
