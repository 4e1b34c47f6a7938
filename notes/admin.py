from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from notes.ingest import NoteError, build_note
from notes.loader import build_resolver, classifier_from_db
from notes.markdown import Renderer
from notes.models import Erratum, KeyFact, Note, Section, Tip, Topic
from notes.topic_pages import consolidate_topics


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "order", "section_count"]
    list_editable = ["order"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sections=Count("sections"))

    @admin.display(description="sections", ordering="n_sections")
    def section_count(self, obj):
        return obj.n_sections


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["order", "title", "topic", "topic_manual"]
    readonly_fields = ["order", "title"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # sections come from the note's text


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["title", "file_name", "dialect", "section_count", "updated_at", "removed"]
    list_filter = ["dialect", ("removed_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "source", "source_path"]
    readonly_fields = ["source_path", "dialect", "content_hash", "warnings", "updated_at", "preview"]
    fields = ["title", "slug", "file_name", "source", "source_path", "dialect", "warnings", "updated_at", "preview"]
    inlines = [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sections=Count("sections"))

    @admin.display(description="sections", ordering="n_sections")
    def section_count(self, obj):
        return obj.n_sections

    @admin.display(boolean=True)
    def removed(self, obj):
        return obj.removed_at is not None

    @admin.display(description="Rendered")
    def preview(self, obj):
        # body_html was sanitised with nh3 when it was rendered.
        return format_html('<div class="note-preview">{}</div>', mark_safe(obj.body_html)) if obj.body_html else "-"  # noqa: S308

    def save_model(self, request, obj, form, change):
        """Saving the text re-renders the note and re-splits its sections, all or nothing."""
        try:
            parsed = obj.parse()
        except NoteError as exc:
            obj.warnings = [f"not re-rendered: {exc}"]
            super().save_model(request, obj, form, change)
            messages.warning(request, f"The note was saved but could not be rendered: {exc}")
            return
        super().save_model(request, obj, form, change)
        title = form.cleaned_data.get("title")
        obj.apply(parsed, build_note(parsed, Renderer(build_resolver()), classifier_from_db()))
        for erratum in obj.errata.all():
            erratum.save()  # find its claim in the new sections
        consolidate_topics()  # the note's sections may now repeat, or no longer repeat, another note's
        if title and "title" in form.changed_data:
            obj.title = title  # an explicit title in the admin wins over the text's
            obj.save(update_fields=["title"])


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "note", "topic", "topic_score", "topic_manual"]
    list_filter = ["topic", "topic_manual", "note"]
    search_fields = ["title", "text"]
    list_select_related = ["note", "topic"]
    fields = ["note", "title", "anchor", "topic", "topic_manual", "topic_score", "path"]
    readonly_fields = ["note", "title", "anchor", "topic_score", "path"]

    def save_model(self, request, obj, form, change):
        if "topic" in form.changed_data:
            obj.topic_manual = True
        super().save_model(request, obj, form, change)


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "section"]
    list_filter = ["kind", "section__topic"]
    list_select_related = ["section__note"]


@admin.register(Erratum)
class ErratumAdmin(admin.ModelAdmin):
    """Corrections beside the notes' claims. Those from notes/errata.yaml are refreshed by
    ingest_notes; one added here stays, and is shown beside its claim at once."""

    list_display = ["note", "short_claim", "source_title", "placed", "from_file"]
    list_filter = ["note", "from_file"]
    search_fields = ["claim", "correction", "source_title"]
    fields = ["note", "claim", "correction", "source_title", "source_url", "section", "from_file"]
    readonly_fields = ["section", "from_file"]

    @admin.display(description="claim")
    def short_claim(self, obj):
        return obj.claim_plain[:80]

    @admin.display(description="found in the note", boolean=True)
    def placed(self, obj):
        return obj.section_id is not None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.section_id is None:
            messages.warning(
                request,
                "The note does not contain that claim word for word: the correction is listed on the note's page only.",
            )


@admin.register(KeyFact)
class KeyFactAdmin(admin.ModelAdmin):
    """Key facts come from notes/facts.yaml (ingest_notes replaces them): edit the file for lasting changes."""

    list_display = ["topic", "order", "text", "source_title"]
    list_filter = ["topic"]
    search_fields = ["text", "source_title"]
