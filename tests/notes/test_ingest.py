"""ingest_notes over the shipped notes and over files a test writes."""

from __future__ import annotations

import re
import shutil

import pytest
from django.core.management import CommandError, call_command

from notes.loader import ingest_paths
from notes.models import Note, Section, Tip, Topic, search_sections
from tests.conftest import SHIPPED

VAULT = "API Gateway (DVA study vault).md"
VUEPRESS = "api-gateway.md"
QUICK = "API Gateway quick notes.md"
OVERVIEW = "API Gateway overview.md"
TRANSCRIPT = "API Gateway course transcript.txt"


def note(file_name: str) -> Note:
    return Note.objects.get(file_name=file_name)


def test_all_five_shipped_notes_are_ingested(shipped_notes):
    assert len(shipped_notes.created) == 5
    assert Note.objects.live().count() == 5
    assert Topic.objects.count() == 18
    dialects = dict(Note.objects.values_list("file_name", "dialect"))
    assert dialects == {
        VAULT: "obsidian",
        VUEPRESS: "vuepress",
        QUICK: "obsidian",
        OVERVIEW: "obsidian",
        TRANSCRIPT: "transcript",
    }


def test_vault_question_callouts_are_details_holding_their_answers(shipped_notes):
    html = note(VAULT).body_html
    blocks = re.findall(r'<details class="question">(.*?)</details>', html, re.S)
    assert len(blocks) == 2
    assert "createUsagePlanKey" in blocks[0].split("</summary>")[1]
    assert "$request.body.action" in blocks[1].split("</summary>")[1]


def test_vault_front_matter_dates_stay_text_and_links_show_unresolved(shipped_notes):
    vault = note(VAULT)
    assert vault.front_matter == {"created": "2022-05-16 16:54", "updated": "2023-02-19 09:50"}
    assert '<span class="wikilink unresolved"' in vault.body_html  # [[102 AWS DVA Index]]
    assert "<img" not in vault.body_html and "Image not included" in vault.body_html


def test_vuepress_json_blocks_are_highlighted(shipped_notes):
    html = note(VUEPRESS).body_html
    assert html.count('<div class="highlight">') >= 3
    assert '<span class="nt">&quot;resource&quot;</span>' in html or '<span class="nt">"resource"</span>' in html


def test_vuepress_two_space_lists_nest(shipped_notes):
    flat = note(VUEPRESS).body_html.replace("\n", "")
    assert "<strong>Lambda Function</strong></p><ul><li>Invoke Lambda function</li>" in flat or (
        "<strong>Lambda Function</strong><ul><li>Invoke Lambda function</li>" in flat
    )


def test_quick_notes_tab_lists_nest_and_tags_stay_tags(shipped_notes):
    quick = note(QUICK)
    flat = re.sub(r"\s*\n\s*|\s+(?=<)", "", quick.body_html)
    assert "<li>Why?<ul><li>Add<ul><li>rate limiting</li>" in flat
    assert '<span class="tag">#Serverless</span>' in quick.body_html
    assert "<h2>Serverless" not in flat and ">Serverless</h" not in flat
    assert {"Serverless", "focus"} <= set(quick.tags)


def test_wiki_link_to_a_topic_alias_resolves(shipped_notes):
    html = note(QUICK).body_html
    assert '<a class="wikilink" href="/topics/cors/"' in html  # [[Cross-Origin resource sharing]]
    assert '<a class="wikilink" href="/topics/security/"' in html  # [[Resource Based Policies]]


def test_transcript_becomes_sections_and_a_fourteen_question_quiz(shipped_notes):
    transcript = note(TRANSCRIPT)
    assert transcript.quiz_title == "Quiz 20: API Gateway Quiz"
    assert len(transcript.quiz) == 14
    assert transcript.quiz[11]["answer"] == "You must associate the API key with the usage plan"
    titles = list(transcript.sections.values_list("title", flat=True))
    assert "API Gateway - Canary Deployment" in titles
    assert "Mapping Example: JSON to XML with SOAP" in titles


def test_canary_section_of_every_note_that_has_one_lands_on_canary_deployments(shipped_notes):
    canary = Topic.objects.get(slug="canary-deployments")
    with_canary = {f for f in (VAULT, VUEPRESS, OVERVIEW, TRANSCRIPT)}
    for file_name in with_canary:
        sections = Section.objects.filter(note__file_name=file_name, title__icontains="canary deployment")
        assert sections, file_name
        assert {s.topic for s in sections} == {canary}, file_name


@pytest.mark.parametrize(
    ("file_name", "title", "slug"),
    [
        (VAULT, "Stage Variables & Aliases", "stage-variables"),
        (VAULT, "Usage Plans & API Keys", "usage-plans-api-keys"),
        (VAULT, "Routing", "websocket"),
        (QUICK, "Logging, Monitoirng, Tracing", "monitoring"),
        (OVERVIEW, "IntegrationTypes", "integration-types"),
        (VUEPRESS, "API Gateway Cache Invalidation", "caching"),
        (VUEPRESS, "Lambda Authorizer (formerly Custom Authorizers)", "security"),
        (TRANSCRIPT, "API Gateway - Endpoints Types", "endpoint-types"),
        (TRANSCRIPT, "API Gateway - HTTP API vs REST API", "http-vs-rest"),
    ],
)
def test_sections_land_on_their_topic(shipped_notes, file_name, title, slug):
    assert Section.objects.get(note__file_name=file_name, title=title).topic.slug == slug


def test_exam_tips_are_collected_per_topic(shipped_notes):
    usage = Tip.objects.filter(section__topic__slug="usage-plans-api-keys")
    assert {t.kind for t in usage} >= {"tip", "note", "question"}
    focus = Tip.objects.get(kind="focus", title_html__contains="heavy loads")
    assert focus.section.topic.slug == "errors"


def test_reingest_of_unchanged_files_changes_nothing(shipped_notes):
    before = list(Section.objects.order_by("pk").values_list("pk", "note_id", "topic_id", "body_html"))
    report = ingest_paths()
    assert (len(report.created), len(report.updated), len(report.unchanged), len(report.failed)) == (0, 0, 5, 0)
    assert list(Section.objects.order_by("pk").values_list("pk", "note_id", "topic_id", "body_html")) == before


def test_changed_file_replaces_its_sections(db, notes_dir):
    path = notes_dir / "caching.md"
    path.write_text("# Caching notes\n\n## Cache TTL\n\nDefault 300 seconds.\n\n## Old part\n\ngone soon\n")
    ingest_paths([notes_dir])
    path.write_text("# Caching notes\n\n## Cache TTL\n\nDefault 300 seconds, max 3600.\n")
    report = ingest_paths([notes_dir])
    assert report.updated == [report.updated[0]] and len(report.updated) == 1
    titles = list(Section.objects.filter(note__file_name="caching.md").values_list("title", flat=True))
    assert titles == ["Caching notes", "Cache TTL"] or titles == ["Cache TTL"]
    assert not Section.objects.filter(title="Old part").exists()
    assert "max 3600" in Section.objects.get(title="Cache TTL").text


def test_removed_file_marks_its_note_removed(db, notes_dir):
    (notes_dir / "keep.md").write_text("# Keep\n\n## Throttling\n\n429 Too Many Requests\n")
    (notes_dir / "drop.md").write_text("# Drop\n\n## Throttling\n\nburst limit\n")
    ingest_paths([notes_dir])
    (notes_dir / "drop.md").unlink()
    report = ingest_paths([notes_dir])
    assert len(report.removed) == 1
    assert Note.objects.get(file_name="drop.md").removed_at is not None
    assert Note.objects.live().get().file_name == "keep.md"
    assert search_sections("burst").total == 0


def test_binary_and_invalid_utf8_are_reported_and_the_rest_ingested(db, notes_dir, capsys):
    shutil.copy(SHIPPED / QUICK, notes_dir / QUICK)
    (notes_dir / "diagram.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    (notes_dir / "latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (notes_dir / "empty.txt").write_bytes(b"")
    with pytest.raises(CommandError, match="3 file"):
        call_command("ingest_notes", str(notes_dir))
    out, err = capsys.readouterr()
    assert "diagram.md: the file is binary" in err
    assert "latin1.md: the file is not UTF-8" in err
    assert "empty.txt: the file is empty" in err
    assert "1 created, 0 updated, 0 unchanged, 0 removed, 3 failed" in out
    assert Note.objects.get().file_name == QUICK


def test_a_missing_path_is_reported(db, tmp_path):
    report = ingest_paths([tmp_path / "nope"])
    assert report.failed == [(str(tmp_path / "nope"), "no such file or folder")]


def test_note_with_active_content_renders_inert(db, notes_dir):
    (notes_dir / "evil.md").write_text(
        "# Evil\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1))\n\n> [!tip] <b onmouseover=alert(1)>hover</b>\n"
    )
    ingest_paths([notes_dir])
    evil = Note.objects.get(file_name="evil.md")
    stored = evil.body_html + "".join(Section.objects.values_list("body_html", flat=True))
    stored += "".join(Tip.objects.values_list("title_html", flat=True))
    for bad in ("<script", "onerror", "javascript:", "onmouseover"):
        assert bad not in stored


def test_search_finds_invalidate_cache(shipped_notes):
    results = search_sections("InvalidateCache")
    assert results.total >= 2
    assert any(hit.section.topic.slug == "caching" for hit in results.hits)
    assert all("<mark>" in hit.snippet_html or "<mark>" in hit.title_html for hit in results.hits)


def test_search_escapes_text_and_handles_operators(shipped_notes):
    assert search_sections('"canary" OR NEAR(* <b>').total >= 0  # never an FTS syntax error
    assert search_sections("   ").total == 0
    hit = search_sections("canary").hits[0]
    assert "<b>" not in hit.snippet_html


def test_manual_topic_survives_reingest(db, notes_dir):
    path = notes_dir / "misc.md"
    path.write_text("# Misc\n\n## Odds and ends\n\nNothing classifiable here at all.\n")
    ingest_paths([notes_dir])
    section = Section.objects.get(title="Odds and ends")
    assert section.topic is None
    section.topic, section.topic_manual = Topic.objects.get(slug="architecture"), True
    section.save()
    path.write_text("# Misc\n\n## Odds and ends\n\nStill nothing classifiable, but longer.\n")
    ingest_paths([notes_dir])
    assert Section.objects.get(title="Odds and ends").topic.slug == "architecture"


def test_taxonomy_edits_in_the_admin_survive_until_the_file_changes(shipped_notes):
    topic = Topic.objects.get(slug="cors")
    topic.title = "Cross-origin requests"
    topic.save()
    ingest_paths()
    assert Topic.objects.get(slug="cors").title == "Cross-origin requests"


def test_overview_note_headings_keep_text_and_show_image_placeholders(shipped_notes):
    overview = note(OVERVIEW)
    assert overview.title == "API Gateway overview"  # no front matter, no H1: the file name
    section = overview.sections.get(title="Stages v1 and v2 API breaking change")
    assert "Image not included: Screenshot 2023-07-17 at 9.13.16 PM.png" in section.body_html
    assert "Image not included: Hellos" in overview.body_html  # ![Hellos](Screenshot%20...png)
    assert "<img" not in overview.body_html


def test_portable_search_used_on_other_databases_finds_and_highlights(shipped_notes):
    from notes.models import _search_portable

    total, rows = _search_portable(["InvalidateCache"], page=1, per_page=5)
    assert total >= 2
    assert any("\x02InvalidateCache\x03" in snippet for _, _, snippet in rows)
