"""Options are shown in a shuffled order, kept with the answer, so position and shape say nothing."""

from __future__ import annotations

import random
import re

import pytest
from django.utils import timezone

from quizzes.models import ExamAttempt, PracticeResponse, PracticeSession, finish_exam, start_exam
from quizzes.scoring import presentation_order
from tests.factories import UserFactory, make_question


def shown_order(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="choice" value="(\d+)"', html)]


def test_presentation_order_shuffles_and_never_starts_ordering_in_the_answer():
    ids = list(range(6))
    orders = {tuple(presentation_order(ids, False, random.Random(seed))) for seed in range(50)}
    assert len(orders) > 10 and all(sorted(o) == ids for o in orders)
    for seed in range(200):
        assert presentation_order([1, 2], True, random.Random(seed)) == [2, 1]
        assert presentation_order(ids, True, random.Random(seed)) != ids


@pytest.fixture
def question(db):
    return make_question("caching-201", "caching", right=(2,), n_options=5)


def test_practice_shows_a_shuffled_order_and_stores_it_with_the_answer(client, student, question):
    client.force_login(student)
    written = [o.pk for o in question.options.order_by("order")]
    seen = set()
    for _ in range(6):
        session = PracticeSession.objects.create(user=student, question_ids=[question.pk])
        page = client.get(f"/quiz/practice/{session.pk}/").content.decode()
        order = shown_order(page)
        assert sorted(order) == sorted(written)
        assert shown_order(client.get(f"/quiz/practice/{session.pk}/").content.decode()) == order  # stable on reload
        right = str(question.options.get(correct=True).pk)
        answer = client.post(f"/quiz/practice/{session.pk}/", {"choice": right}).content.decode()
        assert "Correct." in answer  # scoring does not depend on where the option was
        response = PracticeResponse.objects.get(session=session)
        assert response.option_order == order
        assert re.findall(r'class="feedback-option[^"]*">\s*<div class="feedback-head">', answer)
        seen.add(tuple(order))
    assert len(seen) > 1  # two sessions of one learner can differ


def test_exam_stores_each_learners_order_and_the_result_page_uses_it(db, settings):
    questions = [make_question(f"cors-2{n:02d}", "cors", right=(n % 4,)) for n in range(4)]
    del questions
    now = timezone.now()
    first = start_exam(UserFactory(), now, 4, 130, random.Random(1))
    second = start_exam(UserFactory(), now, 4, 130, random.Random(2))
    orders = lambda attempt: {r.question_id: r.option_order for r in attempt.responses.all()}  # noqa: E731
    assert orders(first) != orders(second)
    for response in first.responses.all():
        assert sorted(response.option_order) == sorted(response.question.options.values_list("pk", flat=True))


def test_exam_question_and_review_follow_the_stored_order(client, student, db):
    make_question("cors-301", "cors", right=(1,), n_options=4)
    client.force_login(student)
    attempt = start_exam(student, timezone.now(), 1, 130, random.Random(7))
    response = attempt.responses.get()
    page = client.get(f"/quiz/exam/{attempt.pk}/q/1/").content.decode()
    assert shown_order(page) == response.option_order
    finish_exam(ExamAttempt.objects.get(pk=attempt.pk), timezone.now())
    result = client.get(f"/quiz/exam/{attempt.pk}/").content.decode()
    texts = {o.pk: o.text for o in response.question.options.all()}
    positions = [result.index(texts[pk]) for pk in response.option_order]
    assert positions == sorted(positions)  # the explanations list the options as the learner saw them
