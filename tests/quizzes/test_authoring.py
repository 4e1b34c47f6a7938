"""Instructors author questions; students may not; item analysis from real answers."""

from __future__ import annotations

import pytest
from django.test import Client

from notes.models import Topic
from quizzes.authoring import item_analysis
from quizzes.models import ExamAttempt, ExamResponse, Question
from tests.factories import TopicFactory, UserFactory, make_question

AUTHOR_URLS = ["/quiz/author/", "/quiz/author/new/", "/quiz/author/caching-101/", "/quiz/author/caching-101/edit/"]


@pytest.fixture
def question(db):
    return make_question("caching-101", "caching", right=(2,))


def form_data(topic: Topic, **overrides) -> dict:
    data = {
        "uid": "",
        "type": "single",
        "topic": topic.pk,
        "topics": [],
        "difficulty": 2,
        "stem": "A team caches GET responses. Which TTL is the default?",
        "answer": "",
        "section_ref": "",
        "status": "published",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0",
        "options-MAX_NUM_FORMS": "1000",
    }
    for n, (text, correct) in enumerate([("300 seconds", True), ("60 seconds", False), ("3600 seconds", False)]):
        data |= {f"options-{n}-order": n, f"options-{n}-text": text, f"options-{n}-explanation": f"because {n}"}
        if correct:
            data[f"options-{n}-correct"] = "on"
    return data | overrides


@pytest.mark.parametrize("url", AUTHOR_URLS)
def test_students_get_403_on_authoring_pages(client, student, question, url):
    client.force_login(student)
    assert client.get(url).status_code == 403


def test_students_cannot_post_to_authoring_actions(client, student, question):
    client.force_login(student)
    assert client.post("/quiz/author/caching-101/duplicate/").status_code == 403
    assert client.post("/quiz/author/preview/", {"stem": "x"}).status_code == 403
    assert Question.objects.count() == 1


@pytest.mark.parametrize("url", AUTHOR_URLS)
def test_instructors_see_the_authoring_pages(client, instructor, question, url):
    client.force_login(instructor)
    assert client.get(url).status_code == 200


def test_create_a_valid_question_gets_the_next_id(client, instructor, question):
    client.force_login(instructor)
    response = client.post("/quiz/author/new/", form_data(question.topic))
    assert response.status_code == 302
    created = Question.objects.get(uid="caching-001")
    assert created.status == "published" and created.author == instructor
    assert [o.text for o in created.options.all()] == ["300 seconds", "60 seconds", "3600 seconds"]
    assert created.topic in created.topics.all()


def test_single_choice_with_two_correct_options_is_refused(client, instructor, question):
    client.force_login(instructor)
    data = form_data(question.topic, **{"options-1-correct": "on"})
    response = client.post("/quiz/author/new/", data)
    assert response.status_code == 422
    assert "exactly one correct option (it has 2)" in response.content.decode()
    assert Question.objects.count() == 1


def test_unexplained_option_and_multiple_with_one_right_are_refused(client, instructor, question):
    client.force_login(instructor)
    data = form_data(question.topic, type="multiple", **{"options-2-explanation": ""})
    response = client.post("/quiz/author/new/", data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "at least two correct options" in html
    assert "This field is required." in html  # the empty explanation, under its option
    assert Question.objects.count() == 1


def test_add_option_and_reorder_without_saving(client, instructor, question):
    client.force_login(instructor)
    added = client.post("/quiz/author/new/", form_data(question.topic, add_option="1"))
    assert added.status_code == 200
    assert added.content.decode().count("Why right / why wrong") == 4
    assert Question.objects.count() == 1
    moved = client.post("/quiz/author/new/", form_data(question.topic, move="1:up"))
    html = moved.content.decode()
    assert 'name="options-1-order" value="0"' in html and 'name="options-0-order" value="1"' in html


def test_edit_removes_and_reorders_options(client, instructor, question):
    client.force_login(instructor)
    options = list(question.options.all())
    data = form_data(question.topic, uid="caching-101", **{"options-TOTAL_FORMS": "4", "options-INITIAL_FORMS": "4"})
    for n, option in enumerate(options):
        data |= {
            f"options-{n}-id": option.pk,
            f"options-{n}-question": question.pk,
            f"options-{n}-order": 3 - n,
            f"options-{n}-text": option.text,
            f"options-{n}-explanation": option.explanation,
        }
        data.pop(f"options-{n}-correct", None)
    data["options-2-correct"] = "on"
    data["options-0-DELETE"] = "on"
    response = client.post("/quiz/author/caching-101/edit/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [o.text for o in question.options.all()] == ["Option 3", "Option 2", "Option 1"]


def test_live_preview_renders_sanitised_markdown(client, instructor, db):
    client.force_login(instructor)
    html = client.post("/quiz/author/preview/", {"stem": "Use `x-api-key` <script>alert(1)</script>"}).content.decode()
    assert "<code>x-api-key</code>" in html and "<script" not in html


def test_preview_needs_csrf(instructor, db):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(instructor)
    assert strict.post("/quiz/author/preview/", {"stem": "x"}).status_code == 403


def test_duplicate_makes_a_draft_copy(client, instructor, question):
    client.force_login(instructor)
    client.post("/quiz/author/caching-101/duplicate/")
    copy = Question.objects.get(uid="caching-101-copy")
    assert copy.status == "draft" and copy.options.count() == 4
    assert question.options.count() == 4


def test_list_filters_by_topic_and_status(client, instructor, question):
    make_question("cors-101", "cors")
    client.force_login(instructor)
    html = client.get("/quiz/author/", {"topic": "cors"}).content.decode()
    assert "cors-101" in html and "caching-101" not in html


def test_item_analysis_counts_discriminates_and_flags(db):
    question = make_question("caching-101", "caching", right=(2,))
    other = make_question("caching-102", "caching", right=(0,))
    right, wrong = (str(o.pk) for o in (question.options.get(order=2), question.options.get(order=0)))
    other_wrong = str(other.options.get(order=1).pk)
    for n in range(12):
        learner = UserFactory()
        strong = n % 2 == 0
        attempt = ExamAttempt.objects.create(
            user=learner,
            started_at="2026-01-01T00:00Z",
            deadline="2026-01-01T02:10Z",
            total=2,
            submitted_at="2026-01-01T01:00Z",
            correct=2 if strong else 0,
        )
        ExamResponse.objects.create(
            attempt=attempt, question=question, position=1, chosen=[right if strong else wrong], correct=strong
        )
        ExamResponse.objects.create(attempt=attempt, question=other, position=2, chosen=[other_wrong], correct=False)
    stats = item_analysis([question.pk, other.pk])
    assert stats[question.pk].attempts == 12 and stats[question.pk].share_correct == 0.5
    assert stats[question.pk].discrimination == pytest.approx(1.0)
    assert stats[question.pk].choice_share(int(wrong)) == 0.5
    assert stats[other.pk].flags == ["too hard"]


def test_topic_page_offers_practice_and_adding_cards(client, student, question):
    TopicFactory(slug="caching")
    client.force_login(student)
    html = client.get("/topics/caching/").content.decode()
    assert "1 question · practise this topic" in html
    assert "/quiz/topics/caching/add-cards/" in html


def test_item_analysis_leaves_out_exam_questions_never_answered(db):
    question = make_question("caching-101", "caching", right=(0,))
    for _ in range(3):
        attempt = ExamAttempt.objects.create(
            user=UserFactory(),
            started_at="2026-01-01T00:00Z",
            deadline="2026-01-01T02:10Z",
            total=1,
            submitted_at="2026-01-01T01:00Z",
            correct=0,
        )
        ExamResponse.objects.create(attempt=attempt, question=question, position=1, chosen=[], correct=False)
    stats = item_analysis([question.pk])[question.pk]
    assert stats.attempts == 0 and stats.not_reached == 3 and stats.share_correct is None
