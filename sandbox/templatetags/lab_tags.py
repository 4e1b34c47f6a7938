"""Labs on other apps' pages: the "Try it: lab" panel of a topic page, and a lab met as a quiz question.

The notes and quizzes views know nothing of the sandbox: their templates include a sandbox
fragment, and these tags give that fragment what it needs.
"""

from __future__ import annotations

from django import template

from sandbox import labs
from sandbox.models import LabProgress

register = template.Library()


@register.simple_tag(takes_context=True)
def topic_labs(context, topic) -> list[dict]:
    """The topic's labs, each with the learner's progress (None when not started or anonymous)."""
    found = labs.labs_for_topic(topic.slug)
    user = context["request"].user
    progress = {}
    if found and user.is_authenticated:
        progress = {p.lab: p for p in LabProgress.objects.filter(user=user, lab__in=[lab.slug for lab in found])}
    return [{"lab": lab, "progress": progress.get(lab.slug)} for lab in found]


@register.simple_tag
def lab_for_question(question):
    """The lab behind a quiz question of type "lab" (None if it is gone)."""
    return labs.get_lab((question.data or {}).get("lab", ""))


@register.filter
def lab_all_passed(results) -> bool:
    return labs.all_passed(results or [])


@register.filter
def lab_passed_count(results) -> int:
    return sum(1 for r in results or [] if r.get("passed"))


@register.filter
def status_class(status) -> str:
    """status-2xx, status-4xx... for the status badge of the test panel."""
    try:
        return f"status-{int(status) // 100}xx"
    except (TypeError, ValueError):
        return ""
