"""The reading pages: home, topics, notes, search, and the instructors' unsorted list."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from notes.models import Section, Topic
from tests.factories import NoteFactory, TopicFactory


def test_home_lists_topics_in_taxonomy_order_with_note_counts(client, shipped_notes):
    response = client.get("/")
    assert response.status_code == 200
    topics = list(response.context["topics"])
    assert [t.slug for t in topics][:3] == ["overview", "endpoint-types", "deployment-stages"]
    canary = next(t for t in topics if t.slug == "canary-deployments")
    assert canary.note_count == 4
    assert b'name="q"' in response.content  # the search box


def test_topic_page_has_summary_tips_sections_with_sources_toc_and_neighbours(client, shipped_notes):
    response = client.get("/topics/usage-plans-api-keys/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "x-api-key" in html  # summary, rendered markdown
    assert "Exam tips" in html and "Usage plan order" in html
    # Sources are named by file and format (two notes are both titled "API Gateway").
    assert (
        '<a href="/notes/api-gateway-dva-study-vault/#usage-plans-api-keys">API Gateway (DVA study vault).md (Obsidian)</a>'
        in html
    )
    assert 'aria-label="On this page"' in html
    assert 'rel="prev"' in html and 'rel="next"' in html
    assert response.context["previous"].slug == "caching"
    assert response.context["next"].slug == "monitoring"


def test_topic_sections_are_paginated_and_htmx_gets_the_next_page(client, db):
    topic = TopicFactory(slug="bulk-topic", keywords=["bulk topic"])
    for n in range(30):
        NoteFactory(source=f"# Note {n}\n\n## Bulk topic part {n}\n\ntext {n}\n")
    assert Section.objects.filter(topic=topic).count() == 30
    first = client.get("/topics/bulk-topic/")
    assert len(first.context["page"]) == 25
    assert b"Show more sections" in first.content
    more = client.get("/topics/bulk-topic/?page=2", headers={"HX-Request": "true"})
    assert more.status_code == 200
    assert b"<html" not in more.content
    assert more.content.count(b'class="note-section"') == 5


def test_unknown_topic_and_note_are_404(client, db):
    assert client.get("/topics/nope/").status_code == 404
    assert client.get("/notes/nope/").status_code == 404


def test_note_page_renders_the_whole_note_with_contents_and_quiz(client, shipped_notes):
    response = client.get("/notes/api-gateway-course-transcript/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Quiz 20: API Gateway Quiz" in html
    assert html.count("<details><summary>") >= 14
    assert 'href="#api-gateway-canary-deployment"' in html
    assert 'class="chip" href="/topics/canary-deployments/"' in html


def test_removed_note_is_gone(client, db):
    note = NoteFactory()
    note.mark_removed()
    assert client.get(note.get_absolute_url()).status_code == 404


def test_search_page_highlights_and_links_to_the_section_anchor(client, shipped_notes):
    response = client.get("/search/", {"q": "InvalidateCache"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>" in html
    assert 'href="/notes/api-gateway/#api-gateway-cache-invalidation"' in html


def test_live_search_returns_only_the_results_fragment(client, shipped_notes):
    response = client.get("/search/", {"q": "canar"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.strip().startswith(b'<section id="results"')
    assert b"Canary" in response.content


def test_search_without_a_query_or_with_nonsense_is_friendly(client, shipped_notes):
    assert b"results appear as you type" in client.get("/search/").content
    assert b"Nothing matches" in client.get("/search/", {"q": "zzqqxx"}).content
    assert client.get("/search/", {"q": '"(* NEAR'}).status_code == 200
    assert client.get("/topics/caching/", {"page": "abc"}).status_code == 200


class TestUnsorted:
    @pytest.fixture
    def unsorted_section(self, db):
        note = NoteFactory(source="# Misc\n\n## Odds and ends\n\nNothing classifiable here.\n")
        return note.sections.get(title="Odds and ends")

    def test_anonymous_is_sent_to_login(self, client, unsorted_section):
        response = client.get("/topics/unsorted/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_student_gets_403(self, client, student, unsorted_section):
        client.force_login(student)
        assert client.get("/topics/unsorted/").status_code == 403
        response = client.post(reverse("notes:assign_topic", args=[unsorted_section.pk]), {"topic": 1})
        assert response.status_code == 403

    def test_instructor_places_a_section_and_it_sticks(self, client, instructor, unsorted_section, shipped_notes):
        client.force_login(instructor)
        page = client.get("/topics/unsorted/")
        assert b"Odds and ends" in page.content
        security = Topic.objects.get(slug="security")
        response = client.post(
            reverse("notes:assign_topic", args=[unsorted_section.pk]),
            {"topic": security.pk},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200
        assert b"Placed in" in response.content
        unsorted_section.refresh_from_db()
        assert unsorted_section.topic == security and unsorted_section.topic_manual

    def test_bad_topic_value_is_a_form_error_and_changes_nothing(self, client, instructor, unsorted_section):
        client.force_login(instructor)
        response = client.post(reverse("notes:assign_topic", args=[unsorted_section.pk]), {"topic": "99999"})
        assert response.status_code == 422
        unsorted_section.refresh_from_db()
        assert unsorted_section.topic is None

    def test_assigning_requires_csrf(self, instructor, unsorted_section):
        client = Client(enforce_csrf_checks=True)
        client.force_login(instructor)
        response = client.post(reverse("notes:assign_topic", args=[unsorted_section.pk]), {"topic": "1"})
        assert response.status_code == 403


def test_home_shows_instructors_the_unsorted_count(client, instructor, db):
    NoteFactory(source="# Misc\n\n## Odds and ends\n\nNothing classifiable here.\n")
    client.force_login(instructor)
    assert b"could not be placed in a topic" in client.get("/").content


def test_pages_send_a_content_security_policy(client, db):
    policy = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy


def test_admin_saving_a_note_rerenders_and_resplits_it(client, shipped_notes, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough-1")
    client.force_login(admin)
    quick = NoteFactory._meta.model.objects.get(file_name="API Gateway quick notes.md")
    url = reverse("admin:notes_note_change", args=[quick.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, (dict, list))}
    data |= {
        "title": quick.title,
        "slug": quick.slug,
        "file_name": quick.file_name,
        "source": "# API Gateway\n\n## Canary Deployments\n\n> [!tip] Promote when healthy\n\n- 10% to the canary\n",
        "sections-TOTAL_FORMS": "0",
        "sections-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    quick.refresh_from_db()
    assert list(quick.sections.values_list("title", flat=True)) == ["Canary Deployments"]  # the empty H1 is no section
    assert quick.sections.get(title="Canary Deployments").topic.slug == "canary-deployments"
    assert '<div class="admonition tip">' in quick.body_html
