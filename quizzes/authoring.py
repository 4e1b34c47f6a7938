"""Instructors write and improve questions: list, edit with live preview, item analysis."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.models import Topic
from quizzes.forms import OptionFormSet, QuestionForm, question_errors
from quizzes.models import ExamResponse, Option, PracticeResponse, Question, render_markdown
from quizzes.scoring import item_flags, point_biserial
from studyapp.htmx import render_page


def instructor_required(view):
    """Logged in, and allowed to change questions (the instructor group or staff); others get 403."""

    @wraps(view)
    @login_required
    @permission_required("quizzes.change_question", raise_exception=True)
    def wrapper(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapper


@dataclass
class ItemStats:
    attempts: int = 0
    correct: int = 0
    not_reached: int = 0  # exam questions left unanswered: no answer, so not counted
    discrimination: float | None = None
    choices: Counter = field(default_factory=Counter)
    flags: list[str] = field(default_factory=list)

    @property
    def share_correct(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    def choice_share(self, option_id: int) -> float:
        return self.choices[str(option_id)] / self.attempts if self.attempts else 0.0


def item_analysis(question_ids: list[int]) -> dict[int, ItemStats]:
    """From real answers: practice and submitted exams; discrimination against the exam score."""
    stats: dict[int, ItemStats] = defaultdict(ItemStats)
    exam_pairs: dict[int, list[tuple[bool, float]]] = defaultdict(list)
    exam_rows = ExamResponse.objects.filter(
        question_id__in=question_ids, attempt__submitted_at__isnull=False
    ).values_list("question_id", "correct", "chosen", "attempt__correct", "attempt__total")
    for question_id, correct, chosen, attempt_correct, attempt_total in exam_rows:
        item = stats[question_id]
        if not chosen:
            item.not_reached += 1
            continue
        item.attempts += 1
        item.correct += bool(correct)
        item.choices.update(chosen)
        if attempt_total:
            exam_pairs[question_id].append((bool(correct), attempt_correct / attempt_total))
    practice_rows = PracticeResponse.objects.filter(question_id__in=question_ids, correct__isnull=False).values_list(
        "question_id", "correct", "chosen"
    )
    for question_id, correct, chosen in practice_rows:
        item = stats[question_id]
        item.attempts += 1
        item.correct += bool(correct)
        item.choices.update(chosen)
    for question_id, item in stats.items():
        pairs = exam_pairs.get(question_id, [])
        item.discrimination = point_biserial([p[0] for p in pairs], [p[1] for p in pairs])
        item.flags = item_flags(item.attempts, item.share_correct or 0.0, item.discrimination)
    return stats


@instructor_required
@require_GET
def question_list(request: HttpRequest) -> HttpResponse:
    questions = Question.objects.select_related("topic").prefetch_related("options").order_by("topic__order", "uid")
    topic, qtype, status, text = (request.GET.get(k, "") for k in ("topic", "type", "status", "q"))
    if topic:
        questions = questions.filter(topics__slug=topic).distinct()
    if qtype:
        questions = questions.filter(type=qtype)
    if status:
        questions = questions.filter(status=status)
    if text:
        questions = questions.filter(Q(stem__icontains=text) | Q(uid__icontains=text))
    page = Paginator(questions, 50).get_page(request.GET.get("page"))
    stats = item_analysis([q.pk for q in page])
    rows = [(q, stats.get(q.pk)) for q in page]
    context = {
        "page": page,
        "rows": rows,
        "topics": Topic.objects.all(),
        "types": Question.Type.choices,
        "statuses": Question.Status.choices,
        "filters": {"topic": topic, "type": qtype, "status": status, "q": text},
        "query": request.GET.urlencode(),
    }
    return render_page(request, "quizzes/author_list.html", context, partial="question-table")


@instructor_required
@require_GET
def question_detail(request: HttpRequest, uid: str) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("topic").prefetch_related("options"), uid=uid)
    stats = item_analysis([question.pk]).get(question.pk, ItemStats())
    options = [(o, stats.choice_share(o.pk)) for o in question.options.all()]
    return render(request, "quizzes/author_detail.html", {"question": question, "stats": stats, "options": options})


def _next_uid(topic: Topic) -> str:
    used = set(Question.objects.filter(uid__startswith=f"{topic.slug}-").values_list("uid", flat=True))
    n = 1
    while f"{topic.slug}-{n:03d}" in used:
        n += 1
    return f"{topic.slug}-{n:03d}"


def _move(data, prefix: str, move: str):
    """Swap the order numbers of two options (the up/down buttons), without JavaScript."""
    index, direction = move.split(":")
    index = int(index)
    other = index - 1 if direction == "up" else index + 1
    total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    if 0 <= other < total:
        data = data.copy()
        a, b = f"{prefix}-{index}-order", f"{prefix}-{other}-order"
        data[a], data[b] = data.get(b, other), data.get(a, index)
    return data


@instructor_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, uid: str | None = None) -> HttpResponse:
    question = get_object_or_404(Question, uid=uid) if uid else Question(author=request.user, status="draft")
    data = request.POST if request.method == "POST" else None
    prefix = "options"
    extra_requested = "add_option" in request.POST
    move = request.POST.get("move", "")
    if data is not None and re.fullmatch(r"\d+:(up|down)", move):
        data = _move(data, prefix, move)
    form = QuestionForm(data, instance=question)
    form.fields["uid"].required = False
    formset = OptionFormSet(data, instance=question, prefix=prefix)
    if not question.pk and data is None:
        formset = OptionFormSet(instance=question, prefix=prefix)
        formset.extra = 4
    errors: list[str] = []
    if data is not None and (extra_requested or move):
        # Add a blank option row or reorder: show the form again, save nothing yet.
        if extra_requested:
            mutable = data.copy()
            mutable[f"{prefix}-TOTAL_FORMS"] = str(int(data.get(f"{prefix}-TOTAL_FORMS", 0)) + 1)
            formset = OptionFormSet(mutable, instance=question, prefix=prefix)
            form = QuestionForm(mutable, instance=question)
            form.fields["uid"].required = False
        formset.is_valid()
        form.is_valid()
        form.errors.clear()
        return render(request, "quizzes/author_edit.html", {"form": form, "formset": formset, "question": question})
    if data is not None and form.is_valid():
        options_valid = formset.is_valid()
        if not form.cleaned_data.get("uid"):
            form.cleaned_data["uid"] = _next_uid(form.cleaned_data["topic"])
            form.instance.uid = form.cleaned_data["uid"]
        errors = question_errors(form, formset)  # every problem at once, with the field errors
        if options_valid and not errors:
            with transaction.atomic():
                saved = form.save()
                kept = formset.kept_forms()
                for instance in formset.save(commit=False):
                    instance.question = saved
                for obj in formset.deleted_objects:
                    obj.delete()
                for position, option_form in enumerate(kept):
                    option = option_form.instance
                    option.question, option.order = saved, position
                    option.save()
                if saved.topic not in saved.topics.all():
                    saved.topics.add(saved.topic)
            messages.success(request, f"Saved {saved.uid} ({saved.get_status_display().lower()}).")
            return redirect("quizzes:author_detail", uid=saved.uid)
    context = {"form": form, "formset": formset, "question": question, "errors": errors}
    status = 422 if data is not None else 200
    return render(request, "quizzes/author_edit.html", context, status=status)


@instructor_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Live markdown preview (htmx): the same sanitised rendering learners will see."""
    text = next((request.POST[k] for k in ("stem", "answer") if k in request.POST), "")
    html = render_markdown(text[:20_000]) or '<p class="meta">Nothing to preview yet.</p>'
    return HttpResponse(f'<div class="prose preview-body">{html}</div>')


@instructor_required
@require_POST
def duplicate(request: HttpRequest, uid: str) -> HttpResponse:
    original = get_object_or_404(Question.objects.prefetch_related("options", "topics"), uid=uid)
    with transaction.atomic():
        copy_uid, n = f"{original.uid}-copy", 1
        while Question.objects.filter(uid=copy_uid).exists():
            n += 1
            copy_uid = f"{original.uid}-copy-{n}"
        topics = list(original.topics.all())
        options = list(original.options.all())
        original.pk, original.uid, original.status = None, copy_uid, Question.Status.DRAFT
        original.source, original.author, original.content_hash = Question.Source.AUTHORED, request.user, ""
        original.save()
        original.topics.set(topics)
        for option in options:
            Option.objects.create(
                question=original,
                order=option.order,
                text=option.text,
                correct=option.correct,
                explanation=option.explanation,
            )
    messages.success(request, f"Copied to {escape(copy_uid)} (a draft).")
    return redirect("quizzes:author_edit", uid=copy_uid)
