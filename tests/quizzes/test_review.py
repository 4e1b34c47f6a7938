"""Spaced repetition through the views: the queue, the buttons, limits, leeches, settings, stats."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Card, LearnerSettings, ReviewLog, commit_rating, ensure_cards
from quizzes.stats import learner_stats
from tests.factories import UserFactory, make_question


@pytest.fixture
def cards(student):
    questions = [make_question(f"cors-{n:03d}", "cors", right=(1,)) for n in range(3)]
    questions.append(make_question("cors-card", "cors", qtype="flashcard", answer="Access-Control-Allow-Origin"))
    ensure_cards(student, questions, timezone.now() - timedelta(minutes=1))
    return questions


def test_adding_a_topic_creates_one_card_per_question_once(client, student, db):
    make_question("cors-001", "cors")
    make_question("cors-002", "cors")
    client.force_login(student)
    client.post("/quiz/topics/cors/add-cards/")
    client.post("/quiz/topics/cors/add-cards/")
    assert Card.objects.filter(user=student).count() == 2


def test_queue_counts_new_cards_and_respects_the_daily_new_limit(client, student, cards):
    LearnerSettings.objects.update_or_create(user=student, defaults={"new_per_day": 2})
    client.force_login(student)
    page = client.get("/review/").content.decode()
    assert "2 new" in page and "0 learning" in page and "0 review" in page


def test_the_interval_shown_on_a_button_is_the_one_stored(client, student, cards):
    client.force_login(student)
    page = client.get("/review/").content.decode()
    card_id = int(re.search(r"/review/cards/(\d+)/answer/", page).group(1))
    card = Card.objects.get(pk=card_id)
    right = str(card.question.options.get(correct=True).pk)
    answered = client.post(f"/review/cards/{card_id}/answer/", {"choice": right}).content.decode()
    assert "Correct." in answered and "Suggested: <strong>Good</strong>" in answered
    card.refresh_from_db()
    shown_due = card.preview["3"]["card"]["due"]
    label = card.preview["3"]["label"]
    assert f'<span class="rate-interval">{label}</span>' in answered
    client.post(f"/review/cards/{card_id}/rate/", {"rating": "3"})
    card.refresh_from_db()
    assert card.due.isoformat() == shown_due.replace("Z", "+00:00") or card.due.isoformat() == shown_due
    log = card.logs.get()
    assert (log.rating, log.source, log.was_new) == (3, "review", True)
    assert log.duration_ms is not None


def test_wrong_answer_suggests_again(client, student, cards):
    client.force_login(student)
    page = client.get("/review/").content.decode()
    card_id = int(re.search(r"/review/cards/(\d+)/answer/", page).group(1))
    wrong = str(Card.objects.get(pk=card_id).question.options.filter(correct=False).first().pk)
    assert (
        "Suggested: <strong>Again</strong>"
        in client.post(f"/review/cards/{card_id}/answer/", {"choice": wrong}).content.decode()
    )


def test_flashcard_shows_the_four_buttons_with_intervals(client, student, db):
    question = make_question("cors-card", "cors", qtype="flashcard", answer="Access-Control-Allow-Origin")
    ensure_cards(student, [question], timezone.now())
    client.force_login(student)
    page = client.get("/review/").content.decode()
    assert "Access-Control-Allow-Origin" in page
    assert page.count('name="rating"') == 4
    assert re.search(r'rate-interval">1m<', page) and re.search(r'rate-interval">10m<', page)


def test_a_learner_cannot_rate_or_suspend_another_learners_card(client, student, cards):
    card = Card.objects.filter(user=student).first()
    client.force_login(UserFactory())
    assert client.post(f"/review/cards/{card.pk}/rate/", {"rating": "3"}).status_code == 404
    assert client.post(f"/review/cards/{card.pk}/suspend/").status_code == 404
    card.refresh_from_db()
    assert card.reps == 0 and not card.suspended


def test_bad_rating_value_changes_nothing(client, student, cards):
    card = Card.objects.filter(user=student).first()
    client.force_login(student)
    client.post(f"/review/cards/{card.pk}/rate/", {"rating": "9"})
    card.refresh_from_db()
    assert card.reps == 0


def test_suspend_and_bury_take_a_card_out_of_the_queue(client, student, cards):
    client.force_login(student)
    mine = list(Card.objects.filter(user=student))
    client.post(f"/review/cards/{mine[0].pk}/suspend/")
    client.post(f"/review/cards/{mine[1].pk}/bury/")
    assert "2 new" in client.get("/review/").content.decode()
    assert client.post(f"/review/cards/{mine[1].pk}/bury/", {"next": "https://evil.example/"})["Location"] == "/review/"


def test_eight_lapses_make_a_leech_that_points_to_the_topic(client, student, db):
    question = make_question("cors-leech", "cors", right=(1,))
    ensure_cards(student, [question], timezone.now())
    card = Card.objects.get(user=student)
    now = timezone.now()
    commit_rating(card, 4, now, 0.9, "review")  # graduate to Review
    for _ in range(8):
        now = card.due + timedelta(minutes=1)
        commit_rating(card, 1, now, 0.9, "review")  # lapse
        while card.state != Card.State.REVIEW:
            now = card.due + timedelta(minutes=1)
            commit_rating(card, 3, now, 0.9, "review")
    assert card.lapses == 8 and card.leech
    client.force_login(student)
    assert "cors-leech" in client.get("/stats/").content.decode()


def test_settings_are_validated(client, student, db):
    client.force_login(student)
    response = client.post(
        "/review/settings/", {"desired_retention": "1.5", "new_per_day": "20", "reviews_per_day": "200"}
    )
    assert response.status_code == 200 and "field-errors" in response.content.decode()
    assert LearnerSettings.for_user(student).desired_retention == 0.9
    client.post("/review/settings/", {"desired_retention": "0.85", "new_per_day": "5", "reviews_per_day": "50"})
    assert LearnerSettings.for_user(student).desired_retention == 0.85


def test_stats_page_draws_its_charts(client, student, cards):
    card = Card.objects.filter(user=student).first()
    commit_rating(card, 3, timezone.now(), 0.9, ReviewLog.Source.REVIEW)
    client.force_login(student)
    html = client.get("/stats/").content.decode()
    assert html.count("<svg") >= 3
    assert "Due forecast" in html and "Reviews per day" in html and "Mastery by topic" in html
    assert '<span class="tile-value">1</span><span class="tile-label">day streak</span>' in html


def test_home_shows_due_count_and_weakest_topics(client, student, cards):
    card = Card.objects.filter(user=student).first()
    commit_rating(card, 1, timezone.now() - timedelta(days=3), 0.9, ReviewLog.Source.REVIEW)
    client.force_login(student)
    html = client.get("/").content.decode()
    assert "to review now" in html
    assert "Your weakest topics" in html


def test_review_pages_need_login(client, db):
    for url in ("/review/", "/stats/", "/review/settings/"):
        assert client.get(url).status_code == 302


def test_stats_say_when_there_is_too_little_data_and_show_recall_per_topic(client, student, cards):
    card = Card.objects.filter(user=student).first()
    commit_rating(card, 1, timezone.now(), 0.9, ReviewLog.Source.EXAM)  # one wrong answer: a learning card
    client.force_login(student)
    html = client.get("/stats/").content.decode()
    assert "true retention shows after 20 reviews" in html and "log loss shows after 30 reviews" in html
    assert "Not enough data yet" in html
    mastery = learner_stats(student, timezone.now(), LearnerSettings.for_user(student))["mastery"]
    assert mastery and mastery[0]["mastery"] > 0.5  # recalled today with high probability, not 0%


def test_review_space_key_follows_the_suggested_rating(client, student, cards):
    card = Card.objects.filter(user=student, question__type="single").first()
    client.force_login(student)
    wrong = str(card.question.options.filter(correct=False).first().pk)
    html = client.post(f"/review/cards/{card.pk}/answer/", {"choice": wrong}).content.decode()
    assert 'class="rate rate-1 suggested"' in html
