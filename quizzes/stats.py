"""A learner's review statistics: the queries, and the pure functions and charts that shape them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from django.db import connection
from django.db.models import Avg, CharField, Count, Q
from django.db.models.functions import Substr, TruncDate

from notes.models import Topic
from quizzes.models import Card, LearnerSettings, ReviewLog, day_start
from quizzes.scheduling import REVIEW, due_forecast, retrievability_at, review_streak
from studyapp.charts import bar_chart, calendar_heatmap, topic_bars

HEATMAP_WEEKS = 26
# Below these counts a percentage or a log loss is noise: the page says how many more it needs.
# 20 mature reviews give a retention figure +-10 points at 90% (binomial, 1 s.d. ~ 6.7 points);
# log loss averages one term per review and swings widely over a handful of them.
MIN_RETENTION_REVIEWS = 20
MIN_LOG_LOSS_REVIEWS = 30


def _day(field: str):
    """The UTC date of a datetime column, computed by the database.

    On SQLite Django's date functions are Python callbacks, far too slow over 100,000 rows;
    datetimes are stored there as ISO text in UTC, so the date is the first ten characters.
    """
    if connection.vendor == "sqlite":
        return Substr(field, 1, 10, output_field=CharField())
    return TruncDate(field, tzinfo=UTC)


def reviews_per_day(user, since: datetime) -> dict[date, int]:
    rows = (
        ReviewLog.objects.filter(user=user, reviewed_at__gte=since)
        .annotate(day=_day("reviewed_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {day if isinstance(day, date) else date.fromisoformat(day): n for day, n in rows}


def topic_mastery(user, now: datetime) -> list[dict]:
    """Mean predicted recall (FSRS retrievability now) of each topic's reviewed cards, weakest first.

    Every card the learner has rated counts with its own prediction, learning cards included: a card
    just answered wrong has a small stability, so its recall falls within a day, which is the honest
    figure (counting it as 0 showed 0% for every topic after one exam).
    """
    values: dict[int, list[float]] = defaultdict(list)
    rows = Card.objects.filter(user=user, is_new=False, suspended=False).values_list(
        "question__topic_id", "stability", "last_review"
    )
    for topic_id, stability, last_review in rows:
        values[topic_id].append(retrievability_at(stability, last_review, now))
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

    # One pass over the last 400 days serves the heatmap (26 weeks) and the streak.
    per_day = reviews_per_day(user, day_start(now) - timedelta(days=400))
    since = today - timedelta(weeks=HEATMAP_WEEKS)
    heat = {day: n for day, n in per_day.items() if day > since}
    logs = ReviewLog.objects.filter(user=user)
    month_ago = now - timedelta(days=30)
    summary = logs.aggregate(
        mature=Count("pk", filter=Q(state_before=REVIEW)),
        recalled=Count("pk", filter=Q(state_before=REVIEW, rating__gt=1)),
        mature_30=Count("pk", filter=Q(state_before=REVIEW, reviewed_at__gte=month_ago)),
        recalled_30=Count("pk", filter=Q(state_before=REVIEW, reviewed_at__gte=month_ago, rating__gt=1)),
        mean_loss=Avg("loss"),
        predicted=Count("loss"),
    )
    mastery = topic_mastery(user, now)
    return {
        "counts": counts,
        "forecast_svg": bar_chart(forecast, labels, title="Reviews due in the next 30 days", unit="cards"),
        "due_today": forecast[0] if forecast else 0,
        "heatmap_svg": calendar_heatmap(heat, end=today, weeks=HEATMAP_WEEKS, title="Reviews per day"),
        "reviews_total": sum(heat.values()),
        "streak": review_streak(per_day.keys(), today),
        "retention_all": _share(summary["recalled"], summary["mature"], MIN_RETENTION_REVIEWS),
        "retention_30": _share(summary["recalled_30"], summary["mature_30"], MIN_RETENTION_REVIEWS),
        "mature_reviews": summary["mature"],
        "mature_30": summary["mature_30"],
        "min_retention_reviews": MIN_RETENTION_REVIEWS,
        "desired_retention": prefs.desired_retention,
        "log_loss": summary["mean_loss"] if summary["predicted"] >= MIN_LOG_LOSS_REVIEWS else None,
        "predictions": summary["predicted"],
        "min_log_loss_reviews": MIN_LOG_LOSS_REVIEWS,
        "mastery": mastery,
        "mastery_svg": topic_bars(
            [(row["topic"].title, row["mastery"] * 100, f"{row['cards']} cards") for row in mastery],
            title="Predicted recall by topic (mean over the cards you have reviewed)",
            target=prefs.desired_retention * 100,
        ),
        "leeches": cards.filter(leech=True).select_related("question__topic"),
        "suspended": cards.filter(suspended=True).select_related("question__topic"),
    }


def _share(part: int, whole: int, minimum: int = 1) -> float | None:
    """True retention: the share recalled (scheduling.true_retention over counts), once it means something."""
    return part / whole if whole >= max(minimum, 1) else None


def home_summary(user, now: datetime) -> dict:
    """What the home page shows a logged-in learner: due now and the weakest topics."""
    prefs = LearnerSettings.for_user(user)
    from quizzes.models import review_queue

    queue = review_queue(user, now, prefs)
    return {"queue": queue, "weakest": topic_mastery(user, now)[:3]}
