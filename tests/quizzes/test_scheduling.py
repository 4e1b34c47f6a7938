from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from quizzes.scheduling import (
    CardState,
    due_forecast,
    interval_label,
    is_lapse,
    log_loss,
    preview,
    retrievability,
    review_streak,
    scheduler_for,
    true_retention,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
TODAY = NOW.date()


def review_card(stability: float = 20.0, days_since_review: float = 20) -> CardState:
    """A card the learner graduated earlier, due now."""
    return CardState(
        state=2,
        step=None,
        stability=stability,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - timedelta(days=days_since_review),
    )


# previews


def test_preview_offers_all_four_ratings():
    outcomes = preview(review_card(), NOW, 0.9)
    assert sorted(outcomes) == [1, 2, 3, 4]
    assert all(outcome.rating == rating for rating, outcome in outcomes.items())


def test_review_card_intervals_grow_from_again_to_easy():
    outcomes = preview(review_card(), NOW, 0.9)
    intervals = [outcomes[rating].interval for rating in (1, 2, 3, 4)]
    assert intervals == sorted(intervals)
    assert len(set(intervals)) == 4


def test_hard_never_waits_longer_than_good_despite_random_fuzz():
    # Short intervals at high retention are where py-fsrs's independent fuzz could invert Hard and Good.
    for stability in (1.0, 2.0, 3.0, 5.0):
        for _ in range(100):
            outcomes = preview(review_card(stability, stability), NOW, 0.97)
            assert outcomes[1].interval < outcomes[2].interval < outcomes[3].interval < outcomes[4].interval


def test_new_card_buttons_show_the_learning_steps():
    outcomes = preview(CardState.new(NOW), NOW, 0.9)
    assert outcomes[1].label == "1m"
    assert outcomes[3].label == "10m"
    assert outcomes[1].card.state == outcomes[3].card.state == 1  # still learning


def test_easy_on_a_new_card_skips_the_learning_steps():
    outcome = preview(CardState.new(NOW), NOW, 0.9)[4]
    assert outcome.card.state == 2
    assert outcome.interval >= timedelta(days=1)


def test_forgotten_review_card_comes_back_in_ten_minutes_to_relearn():
    again = preview(review_card(), NOW, 0.9)[1]
    assert again.label == "10m"
    assert again.card.state == 3


def test_outcome_interval_and_label_match_the_card_it_would_store():
    for outcome in preview(review_card(), NOW, 0.9).values():
        assert outcome.interval == outcome.card.due - NOW
        assert outcome.label == interval_label(outcome.interval)
        assert outcome.card.last_review == NOW


def test_a_previewed_card_stored_as_json_comes_back_exactly():
    outcomes = preview(review_card(), NOW, 0.9)
    stored = json.loads(json.dumps({rating: outcome.card.to_dict() for rating, outcome in outcomes.items()}))
    for rating, outcome in outcomes.items():
        assert CardState.from_dict(stored[str(rating)]) == outcome.card


def test_a_new_card_stored_as_json_comes_back_exactly():
    card = CardState.new(NOW)
    assert CardState.from_dict(json.loads(json.dumps(card.to_dict()))) == card


def test_card_state_round_trips_through_fsrs_exactly():
    for card in [CardState.new(NOW), review_card(), *(o.card for o in preview(review_card(), NOW, 0.9).values())]:
        assert CardState.from_fsrs(card.to_fsrs()) == card


def test_committed_good_card_waits_longer_after_a_second_good():
    first = preview(review_card(stability=10, days_since_review=10), NOW, 0.9)[3]
    later = first.card.due
    second = preview(CardState.from_dict(first.card.to_dict()), later, 0.9)[3]
    assert second.interval > first.interval


def test_preview_accepts_zoneinfo_utc():
    outcomes = preview(CardState.new(NOW), NOW.replace(tzinfo=ZoneInfo("UTC")), 0.9)
    assert outcomes[3].label == "10m"
    assert outcomes[3].card.due.utcoffset() == timedelta(0)


def test_preview_in_another_time_zone_schedules_from_the_same_instant():
    paris = NOW.astimezone(ZoneInfo("Europe/Paris"))
    assert preview(CardState.new(NOW), paris, 0.9)[3].card.due == NOW + timedelta(minutes=10)


def test_preview_rejects_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        preview(CardState.new(NOW), NOW.replace(tzinfo=None), 0.9)


def test_new_card_rejects_a_naive_time():
    with pytest.raises(ValueError):
        CardState.new(NOW.replace(tzinfo=None))


@pytest.mark.parametrize("retention", [0.69, 0.995, 1.0, 0.0])
def test_desired_retention_outside_70_to_99_percent_is_rejected(retention):
    with pytest.raises(ValueError, match="desired retention"):
        scheduler_for(retention)


@pytest.mark.parametrize("retention", [0.70, 0.85, 0.99])
def test_desired_retention_within_range_is_accepted(retention):
    assert scheduler_for(retention).desired_retention == retention


def test_scheduler_is_reused_for_the_same_retention():
    assert scheduler_for(0.9) is scheduler_for(0.9)


def test_higher_desired_retention_brings_the_next_review_sooner():
    card = review_card(stability=10, days_since_review=10)
    assert preview(card, NOW, 0.95)[3].interval < preview(card, NOW, 0.85)[3].interval


# interval labels


@pytest.mark.parametrize(
    ("interval", "label"),
    [
        (timedelta(seconds=30), "<1m"),
        (timedelta(minutes=1), "1m"),
        (timedelta(minutes=5, seconds=30), "6m"),
        (timedelta(minutes=10), "10m"),
        (timedelta(hours=3), "3h"),
        (timedelta(days=1), "1d"),
        (timedelta(days=2, hours=12), "3d"),
        (timedelta(days=12), "12d"),
        (timedelta(days=45), "1.5mo"),
        (timedelta(days=60), "2mo"),
        (timedelta(days=365), "1y"),
        (timedelta(days=842), "2.3y"),
    ],
)
def test_interval_label_reads_like_anki(interval, label):
    assert interval_label(interval) == label


# lapses


def test_again_on_a_review_card_is_a_lapse():
    assert is_lapse(review_card(), 1)


def test_hard_on_a_review_card_is_not_a_lapse():
    assert not is_lapse(review_card(), 2)


def test_again_while_still_learning_or_relearning_is_not_a_lapse():
    relearning = preview(review_card(), NOW, 0.9)[1].card
    assert not is_lapse(CardState.new(NOW), 1)
    assert not is_lapse(relearning, 1)


# retrievability


def test_predicted_recall_falls_as_days_pass():
    card = review_card(stability=10, days_since_review=0)
    r = [retrievability(card, NOW + timedelta(days=days)) for days in (0, 5, 10, 40)]
    assert r[0] == 1.0
    assert r[0] > r[1] > r[2] > r[3] > 0


def test_predicted_recall_is_90_percent_after_stability_days():
    card = review_card(stability=10, days_since_review=10)
    assert retrievability(card, NOW) == pytest.approx(0.9)


def test_never_reviewed_card_has_zero_predicted_recall():
    assert retrievability(CardState.new(NOW), NOW + timedelta(days=3)) == 0.0


# scheduler quality and statistics


def test_log_loss_of_perfect_predictions_is_near_zero():
    assert log_loss([(1.0, True), (0.0, False)]) == pytest.approx(0, abs=1e-5)


def test_log_loss_of_coin_flip_predictions_is_ln_2():
    assert log_loss([(0.5, True), (0.5, False)]) == pytest.approx(math.log(2))


def test_log_loss_of_a_confident_miss_is_large_but_finite():
    loss = log_loss([(1.0, False)])
    assert loss is not None
    assert 10 < loss < 20


def test_log_loss_without_reviews_is_none():
    assert log_loss([]) is None


def test_true_retention_is_the_share_of_review_cards_recalled():
    assert true_retention([True, True, False, True]) == 0.75


def test_true_retention_without_reviews_is_none():
    assert true_retention([]) is None


# forecast and streak


def test_due_forecast_counts_overdue_cards_on_today():
    dues = [
        NOW - timedelta(days=3),  # overdue
        NOW - timedelta(days=1),  # overdue
        NOW + timedelta(hours=1),  # today
        NOW + timedelta(days=1),
        NOW + timedelta(days=29),  # last day shown
        NOW + timedelta(days=30),  # beyond the forecast
    ]
    forecast = due_forecast(dues, TODAY)
    assert len(forecast) == 30
    assert forecast[0] == 3
    assert forecast[1] == 1
    assert forecast[29] == 1
    assert sum(forecast) == 5


def test_due_forecast_buckets_by_utc_date():
    # 20:00 in New York on the 21st is already the 22nd in UTC.
    evening = datetime(2026, 11, 21, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert due_forecast([evening], TODAY, days=3) == [0, 1, 0]


def test_due_forecast_with_nothing_due_is_all_zeros():
    assert due_forecast([], TODAY, days=7) == [0] * 7


def test_streak_counts_consecutive_days_ending_today():
    days = [TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=2), TODAY - timedelta(days=4)]
    assert review_streak(days, TODAY) == 3


def test_streak_is_still_alive_when_the_learner_reviewed_yesterday_but_not_yet_today():
    days = [TODAY - timedelta(days=1), TODAY - timedelta(days=2)]
    assert review_streak(days, TODAY) == 2


def test_streak_is_broken_when_the_last_review_was_two_days_ago():
    days = [TODAY - timedelta(days=2), TODAY - timedelta(days=3)]
    assert review_streak(days, TODAY) == 0


def test_streak_counts_several_reviews_on_one_day_once():
    assert review_streak([TODAY, TODAY, TODAY], TODAY) == 1


def test_streak_without_reviews_is_zero():
    assert review_streak([], TODAY) == 0


def test_review_dates_may_be_given_as_any_iterable():
    assert review_streak(iter([date(2026, 11, 21)]), date(2026, 11, 21)) == 1


def test_fast_retrievability_matches_fsrs_for_stats():
    import random as _random

    from quizzes.scheduling import retrievability_at

    rng = _random.Random(3)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    for _ in range(200):
        card = CardState(
            state=2,
            step=None,
            stability=rng.uniform(0.1, 300),
            difficulty=rng.uniform(1, 10),
            due=now,
            last_review=now - timedelta(days=rng.uniform(0, 400)),
        )
        assert retrievability_at(card.stability, card.last_review, now) == pytest.approx(
            retrievability(card, now), abs=1e-12
        )
