"""Topics of the exam taxonomy, the learners' notes, and the sections that join them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, models, transaction
from django.db.models import Count, Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from notes.curated import plain, readable
from notes.ingest import BuiltNote, ParsedNote, parse_note
from notes.markdown import Renderer, html_to_text

# Sent after a note's sections were replaced or it was removed, inside the same transaction;
# other apps (the quizzes' flashcards) keep their data in step with it.
note_changed = Signal()

LIVE = Q(note__removed_at__isnull=True)


class TopicQuerySet(models.QuerySet):
    def with_counts(self) -> TopicQuerySet:
        """Annotate how many live notes and sections cover each topic."""
        live = Q(sections__note__removed_at__isnull=True)
        return self.annotate(
            note_count=Count("sections__note", filter=live, distinct=True),
            section_count=Count("sections", filter=live, distinct=True),
        ).order_by("order", "title")  # Meta.ordering does not apply to GROUP BY queries

    def bump_page_versions(self) -> int:
        """Mark these topics' rendered pages stale (notes.topic_pages caches them by version)."""
        return self.update(page_version=models.F("page_version") + 1)


class Topic(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True, help_text="Markdown, shown at the top of the topic page.")
    summary_html = models.TextField(blank=True, editable=False)
    keywords = models.JSONField(default=list, blank=True, help_text="Words and phrases that place a section here.")
    aliases = models.JSONField(default=list, blank=True, help_text="Other names; [[wiki links]] to them resolve here.")
    outline = models.JSONField(
        default=list,
        blank=True,
        help_text='Sub-topics in exam order: [{"heading": "...", "keywords": [...]}]; merged blocks go under them.',
    )
    # What the topic page counts, stored when its blocks are (notes.topic_pages): no scan per view.
    page_counts = models.JSONField(default=dict, blank=True, editable=False)
    # Raised whenever what the page shows may have changed: its rendered blocks are cached under it.
    page_version = models.PositiveIntegerField(default=0, editable=False)
    # Fingerprint of the taxonomy.yaml entry last applied: admin edits survive until it changes.
    source_fingerprint = models.CharField(max_length=32, blank=True, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.summary_html = Renderer().render(self.summary).html if self.summary else ""
        self.page_version += 1  # its outline headings are on the cached page
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("notes:topic", args=[self.slug])

    def neighbours(self) -> tuple[Topic | None, Topic | None]:
        topics = list(Topic.objects.only("slug", "title", "order"))
        index = next(i for i, t in enumerate(topics) if t.pk == self.pk)
        previous = topics[index - 1] if index > 0 else None
        following = topics[index + 1] if index + 1 < len(topics) else None
        return previous, following


class NoteQuerySet(models.QuerySet):
    def live(self) -> NoteQuerySet:
        return self.filter(removed_at__isnull=True)


class Note(models.Model):
    class Dialect(models.TextChoices):
        OBSIDIAN = "obsidian", "Obsidian markdown"
        VUEPRESS = "vuepress", "VuePress markdown"
        MARKDOWN = "markdown", "Markdown"
        TRANSCRIPT = "transcript", "Plain-text transcript"

    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
    source_path = models.CharField(
        max_length=500, blank=True, help_text="The file it was ingested from; empty for notes written in the admin."
    )
    file_name = models.CharField(max_length=255, blank=True, help_text="Decides the dialect: .txt is a transcript.")
    dialect = models.CharField(max_length=20, choices=Dialect.choices, default=Dialect.MARKDOWN)
    source = models.TextField(
        help_text="The note as its author wrote it. Saving re-renders it and re-splits its sections."
    )
    front_matter = models.JSONField(default=dict, blank=True)
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    tags = models.JSONField(default=list, blank=True, editable=False)
    quiz_title = models.CharField(max_length=200, blank=True, editable=False)
    quiz = models.JSONField(default=list, blank=True, editable=False)
    warnings = models.JSONField(default=list, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    removed_at = models.DateTimeField(null=True, blank=True, help_text="Set when its file disappeared.")

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["title", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_path"], condition=~Q(source_path=""), name="note_unique_source_path"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("notes:note", args=[self.slug])

    FORMATS = {
        "obsidian": "Obsidian",
        "vuepress": "VuePress",
        "markdown": "Markdown",
        "transcript": "course transcript",
    }

    @property
    def label(self) -> str:
        """What a learner recognises: the file name and its format, e.g. "api-gateway.md (VuePress)"
        (two notes are both titled "API Gateway")."""
        if not self.file_name:
            return self.title
        return f"{self.file_name} ({self.FORMATS.get(self.dialect, self.dialect)})"

    def parse(self) -> ParsedNote:
        return parse_note(self.file_name or f"{self.slug}.md", self.source)

    @transaction.atomic
    def apply(self, parsed: ParsedNote, built: BuiltNote) -> None:
        """Store a parsed and built note: its page, and its sections in their topics.

        Sections an instructor placed by hand keep their topic when their anchor survives.
        """
        manual = dict(self.sections.filter(topic_manual=True).values_list("anchor", "topic_id")) if self.pk else {}
        topic_ids = dict(Topic.objects.values_list("slug", "pk"))
        self.title = parsed.title[:300]
        self.dialect = parsed.dialect
        self.front_matter = parsed.front_matter
        self.quiz_title = parsed.quiz_title
        self.quiz = [{"number": q.number, "question": q.question, "answer": q.answer} for q in parsed.quiz]
        self.warnings = parsed.warnings
        self.removed_at = None
        self.body_html, self.toc, self.tags = built.body_html, built.toc, built.tags
        self.save()
        self.sections.all().delete()
        sections = [
            Section(
                note=self,
                order=b.order,
                level=b.level,
                anchor=b.anchor,
                title=b.title,
                title_html=b.title_html,
                path=b.path,
                body_html=b.body_html,
                text=b.text,
                topic_id=manual.get(b.anchor, topic_ids.get(b.topic)),
                topic_manual=b.anchor in manual,
                topic_score=b.score,
                tags=b.tags,
            )
            for b in built.sections
        ]
        Section.objects.bulk_create(sections)  # sets pks (SQLite and PostgreSQL return them)
        Tip.objects.bulk_create(
            Tip(section=section, kind=tip.kind, order=n, title_html=tip.title_html, body_html=tip.body_html)
            for section, b in zip(sections, built.sections, strict=True)
            for n, tip in enumerate(b.tips)
        )
        note_changed.send(sender=Note, note=self)  # inside the transaction: all or nothing

    @transaction.atomic
    def mark_removed(self) -> None:
        self.removed_at = timezone.now()
        self.save(update_fields=["removed_at", "updated_at"])
        self.sections.all().delete()
        note_changed.send(sender=Note, note=self)


class SectionQuerySet(models.QuerySet):
    def live(self) -> SectionQuerySet:
        return self.filter(LIVE)

    def unsorted(self) -> SectionQuerySet:
        return self.live().filter(topic__isnull=True)


class Section(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0, help_text="Heading level; 0 for a note's introduction.")
    anchor = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    title_html = models.TextField(blank=True)
    path = models.JSONField(default=list, blank=True, help_text="The headings it sits under.")
    body_html = models.TextField(blank=True)
    text = models.TextField(blank=True, help_text="Plain text, for search.")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="sections")
    topic_score = models.PositiveIntegerField(default=0, help_text="How strongly the classifier placed it.")
    topic_manual = models.BooleanField(default=False, help_text="Placed by an instructor: kept on re-ingest.")
    tags = models.JSONField(default=list, blank=True)
    # Consolidation (notes.consolidate): a section that says what another note's section says is
    # shown once, in the block its `lead` leads; the lead keeps what the others add.
    lead = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged", editable=False
    )
    outline_heading = models.SmallIntegerField(default=-1, editable=False)
    block_order = models.PositiveIntegerField(default=0, editable=False)
    extras = models.JSONField(default=list, blank=True, editable=False)  # [{"section": id, "html": ...}]

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["note", "order"]
        constraints = [models.UniqueConstraint(fields=["note", "anchor"], name="section_unique_anchor")]
        indexes = [
            models.Index(fields=["topic", "note", "order"]),
            # A topic page lists its blocks' leads in block order.
            models.Index(fields=["topic", "block_order"], condition=Q(lead__isnull=True), name="section_topic_blocks"),
        ]

    def __str__(self) -> str:
        return f"{self.note.title} › {self.title}"

    def get_absolute_url(self) -> str:
        return f"{self.note.get_absolute_url()}#{self.anchor}"

    @property
    def dom_id(self) -> str:
        """Unique id on topic pages, where sections of several notes meet."""
        return f"{self.note.slug}--{self.anchor}"


class Tip(models.Model):
    class Kind(models.TextChoices):
        TIP = "tip", "Tip"
        QUESTION = "question", "Question"
        NOTE = "note", "Note"
        WARNING = "warning", "Warning"
        FOCUS = "focus", "Focus"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="tips")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    order = models.PositiveIntegerField(default=0)
    title_html = models.TextField()
    body_html = models.TextField(blank=True)

    class Meta:
        ordering = ["section__note_id", "section__order", "order"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {html_to_text(self.title_html)[:80]}"

    @property
    def plain(self) -> str:
        return " ".join(html_to_text(f"{self.title_html} {self.body_html}").split())


# ---------------------------------------------------------------------------------------
# Full-text search over sections


@dataclass
class SearchHit:
    section: Section
    title_html: str
    snippet_html: str


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int
    page: int
    per_page: int

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total


MARK_OPEN, MARK_CLOSE = "\x02", "\x03"


def _marked_to_html(text: str) -> str:
    return escape(text).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def search_terms(query: str) -> list[str]:
    """Words of a query, plurals trimmed: each is then matched as a prefix ("policies" -> "polic*")."""
    terms = []
    for word in re.findall(r"\w+", query)[:12]:
        if len(word) > 4 and word.lower().endswith("ies"):
            word = word[:-3]
        elif len(word) > 3 and word.lower().endswith("s") and not word.lower().endswith("ss"):
            word = word[:-1]
        terms.append(word)
    return terms


def search_sections(query: str, page: int = 1, per_page: int = 20) -> SearchPage:
    """Ranked sections matching every word of the query (each word also as a prefix)."""
    terms = search_terms(query)
    if not terms:
        return SearchPage(query, [], 0, 1, per_page)
    page = max(1, page)
    if connection.vendor == "sqlite":
        total, rows = _search_fts(terms, page, per_page)
    else:
        total, rows = _search_portable(terms, page, per_page)
    sections = Section.objects.select_related("note", "topic").in_bulk([pk for pk, _, _ in rows])
    hits = [
        SearchHit(sections[pk], _marked_to_html(title), _marked_to_html(snippet))
        for pk, title, snippet in rows
        if pk in sections
    ]
    return SearchPage(query, hits, total, page, per_page)


def _search_fts(terms: list[str], page: int, per_page: int) -> tuple[int, list[tuple[int, str, str]]]:
    match = " ".join('"{}"*'.format(t.replace('"', "")) for t in terms)
    base = (
        "FROM notes_section_fts JOIN notes_section s ON s.id = notes_section_fts.rowid "
        "JOIN notes_note n ON n.id = s.note_id "
        "WHERE notes_section_fts MATCH %s AND n.removed_at IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {base}", [match])
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT s.id, highlight(notes_section_fts, 0, char(2), char(3)), "
            "snippet(notes_section_fts, 1, char(2), char(3), '…', 32) "
            f"{base} ORDER BY bm25(notes_section_fts, 4.0, 1.0) LIMIT %s OFFSET %s",
            [match, per_page, (page - 1) * per_page],
        )
        return total, cursor.fetchall()


def _search_portable(terms: list[str], page: int, per_page: int) -> tuple[int, list[tuple[int, str, str]]]:
    """Any other database: every term as a substring, highlighted in Python."""
    qs = Section.objects.live()
    for term in terms:
        qs = qs.filter(Q(title__icontains=term) | Q(text__icontains=term))
    total = qs.count()
    pattern = re.compile("(" + "|".join(re.escape(t) for t in terms) + r")\w*", re.I)
    rows = []
    for pk, title, text in qs.values_list("pk", "title", "text")[(page - 1) * per_page : page * per_page]:
        first = pattern.search(text)
        start = max(0, first.start() - 120) if first else 0
        window = ("…" if start else "") + text[start : start + 260] + ("…" if len(text) > start + 260 else "")
        mark = lambda s: pattern.sub(lambda m: MARK_OPEN + m.group(0) + MARK_CLOSE, s)  # noqa: E731
        rows.append((pk, mark(title), mark(window)))
    return total, rows


class Erratum(models.Model):
    """Where a note is wrong: the claim as written, beside it the correction and its AWS source."""

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="errata")
    claim = models.TextField(help_text="The note's words, verbatim (markdown as written).")
    correction = models.TextField(help_text="Markdown: what is true.")
    correction_html = models.TextField(blank=True, editable=False)
    source_title = models.CharField("AWS documentation page", max_length=300)
    source_url = models.URLField("AWS documentation URL", max_length=500)
    section = models.ForeignKey(
        "Section", null=True, blank=True, on_delete=models.SET_NULL, related_name="errata", editable=False
    )
    from_file = models.BooleanField(default=False, editable=False, help_text="Kept in step with notes/errata.yaml.")

    class Meta:
        verbose_name_plural = "errata"
        ordering = ["note", "pk"]

    def __str__(self) -> str:
        return f"{self.note.label}: {self.claim[:60]}"

    def save(self, *args, **kwargs) -> None:
        self.correction_html = Renderer().render(self.correction).html
        self.section = self.find_section()
        super().save(*args, **kwargs)

    @property
    def claim_plain(self) -> str:
        """The claim as the note's reader sees it (markdown markers removed)."""
        return readable(self.claim)

    def find_section(self) -> Section | None:
        """The note's section whose text holds the claim (None when the note no longer says it)."""
        wanted = plain(self.claim)
        for section in Section.objects.filter(note_id=self.note_id).order_by("order"):
            if wanted and wanted in plain(section.text):
                return section
        return None


class KeyFact(models.Model):
    """A number or rule the exam asks about, at the top of its topic page (notes/facts.yaml)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="key_facts")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.TextField(help_text="Markdown, one sentence.")
    text_html = models.TextField(blank=True, editable=False)
    source_title = models.CharField("AWS documentation page", max_length=300)
    source_url = models.URLField("AWS documentation URL", max_length=500)
    question_uids = models.JSONField(default=list, blank=True, help_text="Ids of bank questions that test it.")

    class Meta:
        ordering = ["topic__order", "order"]

    def __str__(self) -> str:
        return f"{self.topic.slug}: {self.text[:60]}"

    def save(self, *args, **kwargs) -> None:
        self.text_html = Renderer().render(self.text).html
        super().save(*args, **kwargs)
