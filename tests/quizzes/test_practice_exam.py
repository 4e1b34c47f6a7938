"""Practice sessions and mock exams, through the views."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Card, ExamAttempt, PracticeSession, ReviewLog
from tests.factories import UserFactory, make_question


@pytest.fixture
def bank(db):
    return [
        make_question("caching-101", "caching", right=(2,)),
        make_question("caching-102", "caching", qtype="multiple", right=(0, 3), n_options=5, stem="Pick (Select TWO.)"),
        make_question("cors-101", "cors", right=(1,)),
        make_question("cors-102", "cors", qtype="ordering", n_options=3),
    ]


def option_ids(question, *indexes):
    options = list(question.options.order_by("order"))
    return [str(options[i].pk) for i in indexes]


class TestPractice:
    def test_needs_login(self, client, bank):
        assert client.get("/quiz/practice/").status_code == 302

    def test_wrong_answer_shows_every_explanation_and_schedules_the_card(self, client, student, bank):
        client.force_login(student)
        response = client.post("/quiz/practice/", {"topics": [bank[0].topic.pk], "types": ["single"], "count": 5})
        session = PracticeSession.objects.get(user=student)
        assert response["Location"] == reverse("quizzes:practice", args=[session.pk])
        assert session.question_ids == [bank[0].pk]
        page = client.post(response["Location"], {"choice": option_ids(bank[0], 0)})
        html = page.content.decode()
        assert "Not quite." in html
        for n in range(4):
            assert f"Why option {n} is" in html
        assert 'href="/topics/caching/"' in html  # link to the topic section
        card = Card.objects.get(user=student, question=bank[0])
        assert card.logs.get().rating == 1 and card.logs.get().source == ReviewLog.Source.PRACTICE

    def test_right_answer_is_correct_and_next_moves_on(self, client, student, bank):
        client.force_login(student)
        client.post("/quiz/practice/", {"topics": [bank[0].topic.pk], "types": ["single", "multiple"], "count": 5})
        session = PracticeSession.objects.get(user=student)
        first = bank[0] if session.question_ids[0] == bank[0].pk else bank[1]
        right = option_ids(first, 2) if first is bank[0] else option_ids(first, 0, 3)
        assert "Correct." in client.post(f"/quiz/practice/{session.pk}/", {"choice": right}).content.decode()
        client.post(f"/quiz/practice/{session.pk}/next/")
        session.refresh_from_db()
        assert session.position == 1

    def test_multiple_response_with_one_wrong_choice_is_wrong(self, client, student, bank):
        client.force_login(student)
        client.post("/quiz/practice/", {"topics": [bank[1].topic.pk], "types": ["multiple"], "count": 1})
        session = PracticeSession.objects.get(user=student)
        page = client.post(f"/quiz/practice/{session.pk}/", {"choice": option_ids(bank[1], 0, 1)})
        assert "Not quite." in page.content.decode()

    def test_too_few_picks_are_refused_and_nothing_is_recorded(self, client, student, bank):
        client.force_login(student)
        client.post("/quiz/practice/", {"topics": [bank[1].topic.pk], "types": ["multiple"], "count": 1})
        session = PracticeSession.objects.get(user=student)
        page = client.post(f"/quiz/practice/{session.pk}/", {"choice": option_ids(bank[1], 0)}).content.decode()
        assert "This question asks for 2 answers; you chose 1." in page and "Not quite." not in page
        assert not session.responses.exists() and not ReviewLog.objects.filter(user=student).exists()

    def test_checking_with_nothing_chosen_asks_for_an_option(self, client, student, bank):
        client.force_login(student)
        client.post("/quiz/practice/", {"topics": [bank[0].topic.pk], "types": ["single"], "count": 1})
        session = PracticeSession.objects.get(user=student)
        page = client.post(f"/quiz/practice/{session.pk}/", {}).content.decode()
        assert "Choose an option first." in page and "Not quite." not in page
        assert not session.responses.exists() and not Card.objects.filter(user=student).exists()

    def test_ordering_needs_distinct_positions(self, client, student, bank):
        client.force_login(student)
        client.post("/quiz/practice/", {"topics": [bank[3].topic.pk], "types": ["ordering"], "count": 1})
        session = PracticeSession.objects.get(user=student)
        ids = [o.pk for o in bank[3].options.order_by("order")]
        same = client.post(f"/quiz/practice/{session.pk}/", {f"pos-{pk}": "1" for pk in ids})
        assert "Each position can be used once." in same.content.decode()
        right = client.post(f"/quiz/practice/{session.pk}/", {f"pos-{pk}": str(n) for n, pk in enumerate(ids, 1)})
        assert "Correct." in right.content.decode()

    def test_no_matching_question_is_a_form_error(self, client, student, bank):
        client.force_login(student)
        response = client.post("/quiz/practice/", {"types": ["flashcard"], "count": 5})
        assert response.status_code == 200
        assert "No published question matches" in response.content.decode()

    def test_another_learners_session_is_404(self, client, student, bank):
        other = UserFactory()
        session = PracticeSession.objects.create(user=other, question_ids=[bank[0].pk])
        client.force_login(student)
        assert client.get(f"/quiz/practice/{session.pk}/").status_code == 404


class TestExam:
    @pytest.fixture
    def exam(self, client, student, bank, settings):
        settings.EXAM_QUESTIONS = 3
        client.force_login(student)
        client.post("/quiz/exam/")
        return ExamAttempt.objects.get(user=student)

    def test_draws_only_exam_style_questions_with_the_deadline_on_the_server(self, exam):
        assert exam.total == 3
        assert {r.question.type for r in exam.responses.all()} <= {"single", "multiple"}
        assert abs((exam.deadline - exam.started_at) - timedelta(minutes=130)) < timedelta(seconds=1)

    def test_reload_and_second_start_keep_the_same_clock(self, client, exam):
        deadline = exam.deadline
        client.get(f"/quiz/exam/{exam.pk}/q/1/")
        client.post("/quiz/exam/")  # a second tab pressing Start
        assert ExamAttempt.objects.filter(user=exam.user).count() == 1
        exam.refresh_from_db()
        assert exam.deadline == deadline

    def test_answers_and_flags_show_in_the_navigator(self, client, exam):
        response = exam.responses.get(position=1)
        choice = str(response.question.options.filter(correct=True).first().pk)
        client.post(f"/quiz/exam/{exam.pk}/q/1/", {"choice": [choice], "flagged": "on", "go": "next"})
        html = client.get(f"/quiz/exam/{exam.pk}/q/2/").content.decode()
        assert 'aria-label="Question 1, answered, flagged"' in html
        assert "1 flagged" in client.get(f"/quiz/exam/{exam.pk}/submit/").content.decode()

    def test_submit_scores_unanswered_as_wrong_and_schedules_misses(self, client, exam):
        first, second, third = exam.responses.order_by("position")
        right = [str(pk) for pk in first.question.options.filter(correct=True).values_list("pk", flat=True)]
        client.post(f"/quiz/exam/{exam.pk}/q/1/", {"choice": right, "go": "next"})
        wrong = [str(second.question.options.filter(correct=False).first().pk)]
        client.post(f"/quiz/exam/{exam.pk}/q/2/", {"choice": wrong, "go": "next"})
        response = client.post(f"/quiz/exam/{exam.pk}/submit/")
        assert response["Location"] == reverse("quizzes:exam_result", args=[exam.pk])
        exam.refresh_from_db()
        assert (exam.correct, exam.total) == (1, 3)
        assert exam.scaled == 400 and exam.passed is False
        assert sum(row["total"] for row in exam.by_topic) == 3
        # The wrong answer is scheduled; the question never answered is not a review at all.
        misses = ReviewLog.objects.filter(user=exam.user, source=ReviewLog.Source.EXAM)
        assert list(misses.values_list("card__question_id", flat=True)) == [second.question_id]
        assert not Card.objects.filter(user=exam.user, question=third.question).exists()
        page = client.get(f"/quiz/exam/{exam.pk}/").content.decode()
        assert "1 of 3 correct" in page and "Unanswered" in page and "<svg" in page

    def test_unanswered_questions_create_no_cards_and_no_reviews(self, client, exam):
        first = exam.responses.get(position=1)
        wrong = [str(first.question.options.filter(correct=False).first().pk)]
        client.post(f"/quiz/exam/{exam.pk}/q/1/", {"choice": wrong, "go": "next"})
        client.post(f"/quiz/exam/{exam.pk}/submit/")
        assert list(Card.objects.filter(user=exam.user).values_list("question_id", flat=True)) == [first.question_id]
        assert ReviewLog.objects.filter(user=exam.user).count() == 1
        stats = client.get(reverse("quizzes:stats")).content.decode()
        assert "1 review in the last 26 weeks" in stats

    def test_add_missed_to_reviews_adds_exactly_what_the_button_says(self, client, exam):
        first = exam.responses.get(position=1)
        wrong = [str(first.question.options.filter(correct=False).first().pk)]
        client.post(f"/quiz/exam/{exam.pk}/q/1/", {"choice": wrong, "go": "next"})
        client.post(f"/quiz/exam/{exam.pk}/submit/")
        page = client.get(f"/quiz/exam/{exam.pk}/").content.decode()
        assert "Add 2 to my reviews" in page and "2 of the 3 missed are new; 1 is already in your reviews." in page
        client.post(f"/quiz/exam/{exam.pk}/add-missed/")
        assert Card.objects.filter(user=exam.user).count() == 3
        assert ReviewLog.objects.filter(user=exam.user).count() == 1  # added as new cards, nothing rated
        page = client.get(f"/quiz/exam/{exam.pk}/").content.decode()
        assert "Add 0" not in page and "All 3 missed questions are in your reviews." in page

    def test_deadline_passed_submits_automatically_on_the_next_request(self, client, exam):
        ExamAttempt.objects.filter(pk=exam.pk).update(deadline=timezone.now() - timedelta(seconds=1))
        response = client.get(f"/quiz/exam/{exam.pk}/q/1/")
        assert response["Location"] == reverse("quizzes:exam_result", args=[exam.pk])
        exam.refresh_from_db()
        assert exam.submitted_at is not None and exam.auto_submitted

    def test_answer_posted_after_the_deadline_is_not_saved(self, client, exam):
        ExamAttempt.objects.filter(pk=exam.pk).update(deadline=timezone.now() - timedelta(seconds=1))
        first = exam.responses.get(position=1)
        choice = str(first.question.options.first().pk)
        client.post(f"/quiz/exam/{exam.pk}/q/1/", {"choice": [choice], "go": "next"})
        first.refresh_from_db()
        assert first.chosen == []

    def test_an_early_auto_submit_from_a_fast_browser_clock_is_ignored(self, client, exam):
        client.post(f"/quiz/exam/{exam.pk}/submit/", {"auto": "1"})
        exam.refresh_from_db()
        assert exam.is_open

    def test_past_attempts_are_listed_and_private(self, client, exam, student):
        client.post(f"/quiz/exam/{exam.pk}/submit/")
        assert f'href="/quiz/exam/{exam.pk}/">Review</a>' in client.get("/quiz/exam/").content.decode()
        other = UserFactory()
        client.force_login(other)
        assert client.get(f"/quiz/exam/{exam.pk}/").status_code == 404
        assert client.get(f"/quiz/exam/{exam.pk}/q/1/").status_code == 404
        assert f"/quiz/exam/{exam.pk}/" not in client.get("/quiz/exam/").content.decode()

    def test_retake_missed_questions_starts_a_practice_session(self, client, exam):
        client.post(f"/quiz/exam/{exam.pk}/submit/")
        response = client.post(f"/quiz/exam/{exam.pk}/retake/")
        session = PracticeSession.objects.get(user=exam.user)
        assert response["Location"] == reverse("quizzes:practice", args=[session.pk])
        assert len(session.question_ids) == 3
