"""Labs on other apps' pages: the "Try it: lab" panel of a topic page, and a lab met as a quiz question.

The notes and quizzes views know nothing of the sandbox: their templates include a sandbox
fragment, and these tags give that fragment what it needs.
"""

from __future__ import annotations

from django import template

from sandbox import dock, labs
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


@register.inclusion_tag("sandbox/_lab_dock.html", takes_context=True)
def lab_dock(context):
    """The lab docked beside console pages (sandbox.dock), with its goal, steps and checks."""
    request = context["request"]
    match = request.resolver_match
    slug = dock.docked(request)
    lab = labs.get_lab(slug) if slug else None
    on_lab_page = bool(match and match.url_name and match.url_name.startswith("lab"))
    if lab is None or on_lab_page or not request.user.is_authenticated:
        return {"lab": None}
    progress = LabProgress.objects.filter(user=request.user, lab=lab.slug).first()
    return {
        "lab": lab,
        "progress": progress,
        "results": progress.last_result if progress else None,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
