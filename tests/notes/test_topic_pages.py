"""Topic pages that consolidate: merged near-duplicates, the outline, key facts and corrections,
measured on the five shipped notes."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from notes.consolidate import SECTION_THRESHOLD, Piece, cluster, items_of, merge, normalise, similarity
from notes.curated import CuratedError, load_errata, load_facts
from notes.models import Erratum, KeyFact, Note, Section, Topic
from notes.topic_pages import sync_curated
from quizzes.models import Question


def leads_of(topic: Topic) -> list[Section]:
    return list(Section.objects.live().filter(topic=topic, lead__isnull=True).order_by("block_order"))


def test_no_topic_page_shows_two_blocks_that_say_the_same(shipped_notes):
    for topic in Topic.objects.all():
        leads = leads_of(topic)
        keys = [(s, normalise(f"{s.title} {s.text}")) for s in leads]
        for i, (a, key_a) in enumerate(keys):
            for b, key_b in keys[i + 1 :]:
                if a.note_id != b.note_id:
                    assert similarity(key_a, key_b) < SECTION_THRESHOLD, f"{topic.slug}: {a.title} ~ {b.title}"


@pytest.mark.parametrize(
    ("slug", "title", "notes"),
    [
        ("security", "Lambda Authorizer (formerly Custom Authorizers)", 2),
        ("security", "API Gateway - Security - Summary", 2),
        ("stage-variables", "API Gateway Stage Variables & Lambda Aliases", 3),
        ("caching", "API Gateway Cache Invalidation", 2),
    ],
)
def test_the_repeated_sections_the_learners_saw_are_merged_once(client, shipped_notes, slug, title, notes):
    topic = Topic.objects.get(slug=slug)
    page = client.get(f"/topics/{slug}/").content.decode()
    shown = [s for s in leads_of(topic) if s.title == title]
    assert len(shown) == 1, [s.title for s in leads_of(topic)]
    lead = shown[0]
    assert lead.merged.count() + 1 == notes
    assert page.count(f">{escape(title)}</h3>") == 1
    assert f"in {notes} of 5 notes" in page
    for member in [lead, *lead.merged.all()]:  # every source is linked, to its own passage
        assert f'href="{member.get_absolute_url()}"' in page


def test_every_section_is_on_a_topic_page_or_the_unsorted_page(client, shipped_notes, instructor):
    client.force_login(instructor)
    unsorted = client.get("/notes/unsorted/").content.decode()
    pages = {t.pk: client.get(t.get_absolute_url()).content.decode() for t in Topic.objects.all()}
    for section in Section.objects.live().select_related("note"):
        if section.topic_id is None:
            assert section.title in unsorted, section.title
        else:
            # A lead is shown; a merged section is linked from its block (and whole on its note's page).
            assert f'href="{section.get_absolute_url()}"' in pages[section.topic_id], section.title


def test_what_only_one_note_says_is_kept_and_marked():
    one = Piece(1, 1, "Caching", "x", items=items_of("<ul><li>TTL is 300 seconds</li><li>Per stage</li></ul>"))
    two = Piece(
        2, 2, "Caching", "y", items=items_of("<ul><li>TTL is 300 seconds</li><li>Flush with max-age=0</li></ul>")
    )
    block = merge([one, two])
    assert [html for html, _piece in block.extras] == ["<ul><li>Flush with max-age=0</li></ul>"]
    assert block.extras[0][1] is two


def test_the_threshold_separates_copies_from_different_sections():
    copy_a = Piece(1, 1, "Caching", "Default TTL is 300 seconds. Caches are per stage. Encryption is optional.")
    copy_b = Piece(2, 2, "API Gateway Caching", "Default TTL is 300 seconds; caches are per stage; encryption optional")
    other = Piece(3, 3, "Throttling", "Account limit 10000 requests per second, 429 Too Many Requests")
    groups = cluster([copy_a, copy_b, other])
    assert sorted(len(g) for g in groups) == [1, 2]


def test_blocks_sit_under_the_outline_in_exam_order(client, shipped_notes):
    topic = Topic.objects.get(slug="caching")
    headings = [o["heading"] for o in topic.outline]
    assert headings[0] == "What the stage cache is" and "Invalidation" in headings
    invalidation = next(s for s in leads_of(topic) if "Invalidation" in s.title)
    assert headings[invalidation.outline_heading] == "Invalidation"
    page = client.get("/topics/caching/").content.decode()
    assert page.index(">What the stage cache is</h2>") < page.index(">Invalidation</h2>")


def test_notes_are_told_apart_by_file_and_format(shipped_notes):
    labels = {n.label for n in Note.objects.all()}
    assert "api-gateway.md (VuePress)" in labels
    assert "API Gateway quick notes.md (Obsidian)" in labels
    assert "API Gateway course transcript.txt (course transcript)" in labels


def test_the_transcript_is_split_by_its_lectures(shipped_notes):
    transcript = Note.objects.get(file_name="API Gateway course transcript.txt")
    caching = transcript.sections.get(title="API Gateway Caching")
    assert caching.level == 2 and "Swagger" not in " ".join(caching.path)


def test_every_topic_opens_with_key_facts_from_aws(client, shipped_notes):
    known = set(Question.objects.values_list("uid", flat=True))
    for topic in Topic.objects.all():
        facts = list(KeyFact.objects.filter(topic=topic))
        assert len(facts) >= 4, topic.slug
        assert all(f.source_url.startswith("https://") for f in facts)
    page = client.get("/topics/caching/").content.decode()
    assert "Key facts" in page and "300 seconds" in page and 'href="https://docs.aws.amazon.com/' in page
    del known


def test_every_erratum_is_shown_beside_its_claim(client, shipped_notes):
    errata = list(Erratum.objects.select_related("section__topic", "note"))
    assert len(errata) >= 20
    pages = {}
    for erratum in errata:
        assert erratum.section is not None, erratum.claim
        url = erratum.section.topic.get_absolute_url()
        pages.setdefault(url, client.get(url).content.decode())
        page = pages[url]
        block_start = page.index(f'href="{erratum.section.get_absolute_url()}"')
        assert escape(erratum.claim_plain) in page[block_start:], erratum.claim
        note_page = client.get(erratum.note.get_absolute_url()).content.decode()
        assert erratum.source_url in note_page


def test_the_cors_and_proxy_only_claims_are_corrected(shipped_notes):
    corrections = " ".join(Erratum.objects.values_list("correction", flat=True))
    claims = " ".join(Erratum.objects.values_list("claim", flat=True)).lower()
    assert "restrict access" in claims and "only supports proxy integrations" in claims
    assert "CORS is not access control" in corrections and "SQS" in corrections


def test_the_transcript_quiz_cards_are_completed(shipped_notes):
    q14 = Question.objects.get(uid="note-api-gateway-course-transcript-quiz-14")
    assert "A. API Gateway supports real-time, two-way APIs" in q14.stem and "D." in q14.stem
    q5 = Question.objects.get(uid="note-api-gateway-course-transcript-quiz-5")
    assert "OpenAPI 3.0" in q5.answer


def test_a_broken_errata_file_is_reported_and_changes_nothing(shipped_notes, tmp_path):
    before = list(Erratum.objects.values_list("pk", "correction"))
    bad = tmp_path / "errata.yaml"
    bad.write_text(
        "- note: api-gateway.md\n  claim: x\n  correction: y\n  source: {title: t, url: http://example.com}\n"
    )
    problems = sync_curated(errata_path=bad)
    assert any("AWS documentation url" in p for _path, p in problems)
    assert list(Erratum.objects.values_list("pk", "correction")) == before
    with pytest.raises(CuratedError):
        load_errata(bad)
    facts = tmp_path / "facts.yaml"
    facts.write_text("- topic: nope\n  facts: []\n")
    with pytest.raises(CuratedError, match="unknown topic 'nope'"):
        load_facts(facts, {"caching"})


def test_an_admin_erratum_is_placed_beside_its_claim(client, shipped_notes):
    note = Note.objects.get(file_name="API Gateway quick notes.md")
    section = note.sections.exclude(text="").first()
    claim = section.text.split(".")[0][:40]
    erratum = Erratum.objects.create(
        note=note,
        claim=claim,
        correction="Corrected by an admin.",
        source_title="Caching",
        source_url="https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html",
    )
    assert erratum.section == section
    assert "Corrected by an admin." in client.get(note.get_absolute_url()).content.decode()


def test_a_topic_page_shows_a_change_at_once_though_it_is_cached(client, shipped_notes, notes_dir):
    """The page's blocks are rendered once per version: a correction added in the admin, a section
    moved, and a re-ingested note each show on the next view."""
    from notes.loader import ingest_paths

    topic = Topic.objects.get(slug="caching")
    lead = Section.objects.live().filter(topic=topic, lead__isnull=True).order_by("block_order").first()
    assert "Corrected at once." not in client.get(topic.get_absolute_url()).content.decode()
    Erratum.objects.create(
        note=lead.note,
        claim=lead.text.split(".")[0][:40],
        correction="Corrected at once.",
        source_title="Caching",
        source_url="https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html",
    )
    assert "Corrected at once." in client.get(topic.get_absolute_url()).content.decode()
    Erratum.objects.filter(correction="Corrected at once.").delete()
    assert "Corrected at once." not in client.get(topic.get_absolute_url()).content.decode()

    (notes_dir / "fresh.md").write_text(
        "# Fresh\n\n## Cache keys in depth\n\nA cache key zebra-marker on the caching page.\n"
    )
    ingest_paths([notes_dir])
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "zebra-marker" in page


def test_a_big_topic_still_finds_copies_through_their_rare_words():
    words = "stage deploy cache quota throttle canary alias route token policy".split()
    pieces = [
        Piece(n, n, f"Part {n}", " ".join(words[(n + k) % 10] for k in range(12)) + f" marker{n}") for n in range(400)
    ]
    original = "edge optimized endpoints route requests through cloudfront edge locations to one region"
    pieces.append(Piece(1000, 1000, "Endpoint types", original))
    pieces.append(Piece(1001, 1001, "Endpoint types", original.replace("optimized", "optmized") + " improves latency"))
    groups = cluster(pieces)
    merged = [g for g in groups if {p.section_id for p in g} >= {1000, 1001}]
    assert len(pieces) > 300 and len(merged) == 1
