from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from quizzes.models import Card, Question
from quizzes.stats import home_summary
from studyapp.charts import topic_bars

register = template.Library()

# Share correct at which the linear scaled score reaches the 720 pass mark (see quizzes.scoring.scaled_score).
PASS_PERCENT = 100 * (720 - 100) / 900


@register.inclusion_tag("quizzes/_home_summary.html", takes_context=True)
def learner_summary(context):
    user = context["request"].user
    if not user.is_authenticated:
        return {"user": user}
    return {"user": user, **home_summary(user, timezone.now())}


@register.inclusion_tag("quizzes/_topic_practice.html", takes_context=True)
def topic_practice(context, topic):
    user = context["request"].user
    questions = Question.objects.practisable().filter(topics=topic)
    count = questions.count()
    cards = Card.objects.filter(user=user, question__in=questions).count() if user.is_authenticated else 0
    return {"topic": topic, "count": count, "cards": cards, "user": user, "csrf_token": context.get("csrf_token")}


@register.filter
def clock(seconds) -> str:
    """Seconds as a countdown: 2:09:59, or 4:05 under an hour."""
    try:
        seconds = max(0, int(seconds))
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.simple_tag
def exam_topic_chart(attempt):
    rows = [
        (row["title"], 100 * row["correct"] / row["total"] if row["total"] else 0, f"{row['correct']}/{row['total']}")
        for row in attempt.by_topic
    ]
    return mark_safe(topic_bars(rows, title="Share correct by topic (weakest first)", target=PASS_PERCENT))  # noqa: S308
