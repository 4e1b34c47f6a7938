"""A learner's review statistics: the queries, and the pure functions and charts that shape them."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from notes.models import Topic
from quizzes.charts import bar_chart, calendar_heatmap, topic_bars
from quizzes.models import Card, LearnerSettings, ReviewLog
from quizzes.scheduling import REVIEW, CardState, due_forecast, log_loss, retrievability, review_streak, true_retention

HEATMAP_WEEKS = 26


def topic_mastery(user, now: datetime, retention: float) -> list[dict]:
    """Mean predicted recall of each topic's reviewed cards, weakest first."""
    values: dict[int, list[float]] = defaultdict(list)
    rows = Card.objects.filter(user=user, is_new=False, suspended=False).values_list(
        "question__topic_id", "state", "step", "stability", "difficulty", "due", "last_review"
    )
    for topic_id, *state in rows:
        values[topic_id].append(retrievability(CardState(*state), now, retention))
    topics = Topic.objects.in_bulk(values.keys())
    mastery = [
        {"topic": topics[pk], "mastery": sum(v) / len(v), "cards": len(v)} for pk, v in values.items() if pk in topics
    ]
    return sorted(mastery, key=lambda row: (row["mastery"], row["topic"].order))


def learner_stats(user, now: datetime, prefs: LearnerSettings) -> dict:
    today = now.date()
    cards = Card.objects.filter(user=user)
    counts = cards.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(is_new=True)),
        learning=Count("pk", filter=Q(is_new=False, state__in=[1, 3])),
        review=Count("pk", filter=Q(is_new=False, state=2)),
        suspended=Count("pk", filter=Q(suspended=True)),
    )
    dues = cards.active(now).filter(is_new=False).values_list("due", flat=True)
    forecast = due_forecast(dues, today, 30)
    labels = [(today + timedelta(days=n)).strftime("%d %b") for n in range(30)]

    logs = ReviewLog.objects.filter(user=user)
    since = today - timedelta(weeks=HEATMAP_WEEKS)
    per_day = dict(
        logs.filter(reviewed_at__date__gte=since)
        .annotate(day=TruncDate("reviewed_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    review_days = set(logs.filter(reviewed_at__date__gte=today - timedelta(days=400)).dates("reviewed_at", "day"))
    mature = logs.filter(state_before=REVIEW).aggregate(
        total=Count("pk"),
        recalled=Count("pk", filter=Q(rating__gt=1)),
        total_30=Count("pk", filter=Q(reviewed_at__gte=now - timedelta(days=30))),
        recalled_30=Count("pk", filter=Q(reviewed_at__gte=now - timedelta(days=30), rating__gt=1)),
    )
    retention_all = true_retention([True] * mature["recalled"] + [False] * (mature["total"] - mature["recalled"]))
    retention_30 = true_retention(
        [True] * mature["recalled_30"] + [False] * (mature["total_30"] - mature["recalled_30"])
    )
    predictions = list(logs.filter(retrievability__isnull=False).values_list("retrievability", "rating"))
    loss = log_loss((p, rating > 1) for p, rating in predictions)
    mastery = topic_mastery(user, now, prefs.desired_retention)
    leeches = cards.filter(leech=True).select_related("question__topic")
    suspended = cards.filter(suspended=True).select_related("question__topic")
    return {
        "counts": counts,
        "forecast_svg": bar_chart(forecast, labels, title="Reviews due in the next 30 days", unit="cards"),
        "due_today": forecast[0] if forecast else 0,
        "heatmap_svg": calendar_heatmap(per_day, end=today, weeks=HEATMAP_WEEKS, title="Reviews per day"),
        "reviews_total": sum(per_day.values()),
        "streak": review_streak(review_days, today),
        "retention_all": retention_all,
        "retention_30": retention_30,
        "mature_reviews": mature["total"],
        "desired_retention": prefs.desired_retention,
        "log_loss": loss,
        "predictions": len(predictions),
        "mastery": mastery,
        "mastery_svg": topic_bars(
            [(row["topic"].title, row["mastery"] * 100, f"{row['cards']} cards") for row in mastery],
            title="Mastery by topic (mean predicted recall)",
            target=prefs.desired_retention * 100,
        ),
        "leeches": leeches,
        "suspended": suspended,
    }


def home_summary(user, now: datetime) -> dict:
    """What the home page shows a logged-in learner: due now and the weakest topics."""
    prefs = LearnerSettings.for_user(user)
    from quizzes.models import review_queue

    queue = review_queue(user, now, prefs)
    return {"queue": queue, "weakest": topic_mastery(user, now, prefs.desired_retention)[:3]}
