from __future__ import annotations

import random
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notes.models import Topic
from quizzes.forms import AnswerForm, LearnerSettingsForm, PracticeForm
from quizzes.models import (
    Card,
    ExamAttempt,
    ExamResponse,
    LearnerSettings,
    PracticeResponse,
    PracticeSession,
    Question,
    ReviewLog,
    add_missed_to_reviews,
    close_if_expired,
    commit_rating,
    ensure_cards,
    finish_exam,
    missed_in_reviews,
    review_queue,
    show_card,
    start_exam,
)
from quizzes.scheduling import RATINGS
from quizzes.scoring import is_correct, presentation_order, suggested_rating
from quizzes.stats import learner_stats
from studyapp.htmx import render_page


def _option_order(question: Question, seed: int) -> list[int]:
    """The order a learner sees the options in: shuffled, and the same on every reload of one
    presentation (the seed names the presentation: a practice session's question, a review)."""
    ids = [o.pk for o in question.options.all()]
    return presentation_order(ids, question.type == Question.Type.ORDERING, random.Random(seed))


def _review_seed(card: Card) -> int:
    """One review of a card: the question and its answer page share an order; the next review differs."""
    return card.pk * 1_000_003 + card.reps


def _grade(question: Question, chosen: list[str]) -> bool:
    return bool(chosen) and is_correct(question.type, question.correct_keys(), chosen)


def _feedback(question: Question, chosen: list[str], option_order: list[int]) -> list[dict]:
    """Every option with whether it was chosen, whether it is right, and why."""
    options = {o.pk: o for o in question.options.all()}
    rows = []
    for pk in option_order:
        option = options[pk]
        rows.append(
            {
                "option": option,
                "chosen": str(pk) in chosen,
                "right": option.correct if question.type != Question.Type.ORDERING else True,
                "position": chosen.index(str(pk)) + 1
                if question.type == Question.Type.ORDERING and str(pk) in chosen
                else None,
            }
        )
    return rows


def _prefs(request: HttpRequest) -> LearnerSettings:
    return LearnerSettings.for_user(request.user)


def _questions_by_id(ids: list[int]) -> dict[int, Question]:
    return Question.objects.select_related("topic").prefetch_related("options").in_bulk(ids)


# ---------------------------------------------------------------------------------------
# Practice


@login_required
@require_http_methods(["GET", "POST"])
def practice_start(request: HttpRequest) -> HttpResponse:
    initial = {"topics": Topic.objects.filter(slug__in=request.GET.getlist("topics"))}
    form = PracticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        slugs = [t.slug for t in data["topics"]]
        questions = Question.objects.practisable().for_topics(slugs)
        if data["types"]:
            questions = questions.filter(type__in=data["types"])
        if data["only_missed"]:
            questions = questions.missed_by(request.user)
        title = ", ".join(t.title for t in data["topics"]) or "All topics"
        session = PracticeSession.objects.start(
            request.user, questions, title=title, count=data["count"], topics=slugs, types=data["types"]
        )
        if session is None:
            form.add_error(None, "No published question matches that choice: pick more topics or types.")
        else:
            return redirect("quizzes:practice", pk=session.pk)
    sessions = PracticeSession.objects.filter(user=request.user).with_scores()[:10]
    counts = Question.objects.topic_counts()
    return render(request, "quizzes/practice_start.html", {"form": form, "sessions": sessions, "counts": counts})


@login_required
@require_POST
def practice_questions(request: HttpRequest) -> HttpResponse:
    """Practise named questions (a topic page's key fact links the bank questions that test it)."""
    uids = request.POST.getlist("uid")[:50]
    title = (request.POST.get("title") or "Selected questions")[:200]
    session = PracticeSession.objects.start(
        request.user, Question.objects.published().filter(uid__in=uids), title=title
    )
    if session is None:
        messages.error(request, "Those questions are not published any more: practise the topic instead.")
        return redirect("quizzes:practice_start")
    return redirect("quizzes:practice", pk=session.pk)


@login_required
@require_http_methods(["GET", "POST"])
def practice(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(PracticeSession, pk=pk, user=request.user)
    if session.finished:
        responses = session.responses.select_related("question__topic")
        return render(request, "quizzes/practice_done.html", {"session": session, "responses": responses})
    question = get_object_or_404(
        Question.objects.select_related("topic").prefetch_related("options"), pk=session.question_ids[session.position]
    )
    order = _option_order(question, seed=session.pk * 100_003 + question.pk)
    form = AnswerForm(question, order, request.POST if request.method == "POST" else None, require_answer=True)
    context = {"session": session, "question": question, "form": form, "number": session.position + 1}
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        chosen = form.chosen()
        ensure_cards(request.user, [question], now)
        card = Card.objects.get(user=request.user, question=question)
        if question.type == Question.Type.FLASHCARD:
            context |= {
                "revealed": True,
                "card": card,
                "outcomes": show_card(card, now, _prefs(request).desired_retention),
            }
        else:
            correct = _grade(question, chosen)
            PracticeResponse.objects.create(
                session=session, question=question, chosen=chosen, correct=correct, option_order=order
            )
            if not correct:  # a wrong answer schedules the card, as in a review
                commit_rating(card, 1, now, _prefs(request).desired_retention, ReviewLog.Source.PRACTICE)
            context |= {
                "answered": True,
                "correct": correct,
                "chosen": chosen,
                "feedback": _feedback(question, chosen, order),
            }
    return render_page(request, "quizzes/practice.html", context, partial="question-card")


@login_required
@require_POST
def practice_next(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(PracticeSession, pk=pk, user=request.user)
    if not session.finished:
        question_id = session.question_ids[session.position]
        rating = request.POST.get("rating")
        if rating in {"1", "2", "3", "4"}:  # a flashcard the learner rated
            card = Card.objects.filter(user=request.user, question_id=question_id).first()
            if card:
                commit_rating(
                    card, int(rating), timezone.now(), _prefs(request).desired_retention, ReviewLog.Source.PRACTICE
                )
                PracticeResponse.objects.create(session=session, question_id=question_id, correct=rating != "1")
        session.position += 1
        session.save(update_fields=["position"])
    return redirect("quizzes:practice", pk=session.pk)


# ---------------------------------------------------------------------------------------
# Mock exam


@login_required
@require_http_methods(["GET", "POST"])
def exam_home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    if request.method == "POST":
        attempt = start_exam(request.user, now, settings.EXAM_QUESTIONS, settings.EXAM_MINUTES)
        if not attempt.total:
            attempt.delete()
            messages.error(request, "There are no published exam questions yet.")
            return redirect("quizzes:exam_home")
        return redirect("quizzes:exam_question", pk=attempt.pk, number=1)
    attempts = list(ExamAttempt.objects.filter(user=request.user))
    for attempt in attempts:
        close_if_expired(attempt, now)
    attempts = ExamAttempt.objects.filter(user=request.user)
    open_attempt = next((a for a in attempts if a.is_open), None)
    context = {
        "attempts": attempts,
        "open": open_attempt,
        "open_remaining": int(open_attempt.remaining(now).total_seconds()) if open_attempt else 0,
        "exam_questions": min(settings.EXAM_QUESTIONS, Question.objects.exam_eligible().count()),
        "exam_minutes": settings.EXAM_MINUTES,
    }
    return render(request, "quizzes/exam_home.html", context)


def _attempt(request: HttpRequest, pk: int) -> ExamAttempt:
    """The learner's own attempt (another learner's id is a 404), closed if its time is up."""
    attempt = get_object_or_404(ExamAttempt, pk=pk, user=request.user)
    return close_if_expired(attempt, timezone.now())


@login_required
@require_http_methods(["GET", "POST"])
def exam_question(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    if not attempt.is_open:
        if request.method == "POST":
            messages.info(request, "Time was up: your exam was submitted with the answers saved until then.")
        return redirect("quizzes:exam_result", pk=attempt.pk)
    responses = list(attempt.responses.only("pk", "position", "chosen", "flagged", "question_id"))
    if not 1 <= number <= len(responses):
        raise Http404("No such question in this exam")
    response = responses[number - 1]
    question = _questions_by_id([response.question_id])[response.question_id]
    form = AnswerForm(question, response.option_order or [o.pk for o in question.options.all()], request.POST or None)
    if request.method == "POST" and form.is_valid():
        response.chosen = form.chosen()
        response.flagged = request.POST.get("flagged") == "on"
        response.answered_at = timezone.now()
        response.save(update_fields=["chosen", "flagged", "answered_at"])
        go = request.POST.get("go", "next")
        if go == "review":
            return redirect("quizzes:exam_submit", pk=attempt.pk)
        target = {"next": number + 1, "previous": number - 1}.get(go)
        if target is None and go.isdigit():
            target = int(go)
        target = min(max(target or number, 1), len(responses))
        return redirect("quizzes:exam_question", pk=attempt.pk, number=target)
    if request.method == "GET":
        form = AnswerForm(question, response.option_order, initial=_initial(question, response))
    context = {
        "attempt": attempt,
        "response": response,
        "responses": responses,
        "question": question,
        "form": form,
        "number": number,
        "remaining": int(attempt.remaining(timezone.now()).total_seconds()),
    }
    return render(request, "quizzes/exam_question.html", context)


def _initial(question: Question, response: ExamResponse) -> dict:
    if question.type == Question.Type.ORDERING:
        return {f"pos-{pk}": str(n) for n, pk in enumerate(response.chosen, 1)}
    if question.type == Question.Type.SINGLE:
        return {"choice": response.chosen[0] if response.chosen else None}
    return {"choice": response.chosen}


@login_required
@require_http_methods(["GET", "POST"])
def exam_submit(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    auto = request.POST.get("auto") == "1"
    if request.method == "POST" and attempt.is_open:
        if auto and attempt.remaining(timezone.now()) > timedelta(seconds=5):
            # The page's clock ran ahead of the server's: the server's deadline is the one that counts.
            return redirect("quizzes:exam_question", pk=attempt.pk, number=1)
        finish_exam(attempt, timezone.now(), auto=auto)
    if not attempt.is_open or request.method == "POST":
        return redirect("quizzes:exam_result", pk=attempt.pk)
    responses = list(attempt.responses.only("position", "chosen", "flagged"))
    context = {
        "attempt": attempt,
        "responses": responses,
        "unanswered": sum(1 for r in responses if not r.chosen),
        "flagged": sum(1 for r in responses if r.flagged),
        "remaining": int(attempt.remaining(timezone.now()).total_seconds()),
    }
    return render(request, "quizzes/exam_submit.html", context)


@login_required
@require_GET
def exam_result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _attempt(request, pk)
    if attempt.is_open:
        return redirect("quizzes:exam_question", pk=attempt.pk, number=1)
    responses = attempt.responses.select_related("question__topic").prefetch_related("question__options")
    review = [
        {
            "response": r,
            "feedback": _feedback(r.question, r.chosen, r.option_order or [o.pk for o in r.question.options.all()]),
        }
        for r in responses
    ]
    context = {
        "attempt": attempt,
        "review": review,
        "unanswered": sum(1 for item in review if not item["response"].answered),
        "to_reviews": missed_in_reviews(attempt),
    }
    return render(request, "quizzes/exam_result.html", context)


@login_required
@require_POST
def exam_add_missed(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(ExamAttempt, pk=pk, user=request.user, submitted_at__isnull=False)
    added = add_missed_to_reviews(attempt, timezone.now())
    if added:
        messages.success(request, f"Added {added} question{'s' if added != 1 else ''} to your reviews as new cards.")
    else:
        messages.info(request, "Every question you missed is already in your reviews.")
    return redirect("quizzes:exam_result", pk=pk)


@login_required
@require_POST
def exam_retake_missed(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(ExamAttempt, pk=pk, user=request.user, submitted_at__isnull=False)
    ids = list(attempt.responses.filter(correct=False).values_list("question_id", flat=True))
    if not ids:
        messages.info(request, "You missed nothing in that exam.")
        return redirect("quizzes:exam_result", pk=pk)
    session = PracticeSession.objects.create(user=request.user, question_ids=ids, title=f"Missed in exam {attempt.pk}")
    return redirect("quizzes:practice", pk=session.pk)


# ---------------------------------------------------------------------------------------
# Spaced repetition


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    prefs = _prefs(request)
    queue = review_queue(request.user, now, prefs)
    context = {"queue": queue, "prefs": prefs, "card": queue.card}
    if queue.card:
        card = queue.card
        question = _questions_by_id([card.question_id])[card.question_id]
        context |= {
            "question": question,
            "form": AnswerForm(question, _option_order(question, seed=_review_seed(card))),
        }
        if question.type == Question.Type.FLASHCARD:
            context["outcomes"] = show_card(card, now, prefs.desired_retention)
    return render_page(request, "quizzes/review.html", context, partial="review-card")


@login_required
@require_POST
def review_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A choice question answered in review: show right/wrong, explanations and the four buttons."""
    card = get_object_or_404(Card.objects.select_related("question"), pk=pk, user=request.user)
    question = _questions_by_id([card.question_id])[card.question_id]
    order = _option_order(question, seed=_review_seed(card))
    form = AnswerForm(question, order, request.POST, require_answer=True)
    prefs = _prefs(request)
    if not form.is_valid():
        context = {
            "queue": review_queue(request.user, timezone.now(), prefs),
            "card": card,
            "question": question,
            "form": form,
        }
        return render_page(request, "quizzes/review.html", context, partial="review-card", status=422)
    chosen = form.chosen()
    correct = _grade(question, chosen)
    outcomes = show_card(card, timezone.now(), prefs.desired_retention)
    context = {
        "queue": review_queue(request.user, timezone.now(), prefs),
        "card": card,
        "question": question,
        "answered": True,
        "correct": correct,
        "chosen": chosen,
        "feedback": _feedback(question, chosen, order),
        "outcomes": outcomes,
        "suggested": suggested_rating(correct),
    }
    return render_page(request, "quizzes/review.html", context, partial="review-card")


@login_required
@require_POST
def review_rate(request: HttpRequest, pk: int) -> HttpResponse:
    card = get_object_or_404(Card, pk=pk, user=request.user)
    rating = request.POST.get("rating", "")
    if rating not in {"1", "2", "3", "4"}:
        messages.error(request, "Choose Again, Hard, Good or Easy.")
        return redirect("quizzes:review")
    now = timezone.now()
    duration = int((now - card.shown_at).total_seconds() * 1000) if card.shown_at else None
    log = commit_rating(card, int(rating), now, _prefs(request).desired_retention, ReviewLog.Source.REVIEW, duration)
    if card.leech and card.lapses == 8:
        messages.warning(
            request,
            f"“{card.question.uid}” is a leech: forgotten 8 times. Re-read the topic before the next review.",
        )
    if request.htmx:
        response = review(_as_get(request))
        response["HX-Trigger"] = "reviewed"
        return response
    del log
    return redirect("quizzes:review")


def _as_get(request: HttpRequest) -> HttpRequest:
    request.method = "GET"
    return request


@login_required
@require_POST
def card_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    card = get_object_or_404(Card, pk=pk, user=request.user)
    if action == "suspend":
        card.suspended = True
        messages.info(request, "Card suspended: it will not come up until you unsuspend it on the stats page.")
    elif action == "unsuspend":
        card.suspended = False
    elif action == "bury":
        card.buried_until = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        messages.info(request, "Card buried until tomorrow.")
    else:
        raise Http404("Unknown card action")
    card.preview = None
    card.save(update_fields=["suspended", "buried_until", "preview"])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("quizzes:review")
    return redirect(target)


@login_required
@require_POST
def add_topic_cards(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(Topic, slug=slug)
    questions = Question.objects.practisable().filter(topics=topic)
    added = ensure_cards(request.user, questions, timezone.now())
    messages.success(request, f"{added} card{'s' if added != 1 else ''} from “{topic.title}” added to your reviews.")
    return redirect(topic.get_absolute_url())


@login_required
@require_http_methods(["GET", "POST"])
def review_settings(request: HttpRequest) -> HttpResponse:
    prefs = _prefs(request)
    form = LearnerSettingsForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Review settings saved.")
        return redirect("quizzes:review")
    return render(request, "quizzes/review_settings.html", {"form": form})


@login_required
@require_GET
def stats(request: HttpRequest) -> HttpResponse:
    context = learner_stats(request.user, timezone.now(), _prefs(request))
    return render(request, "quizzes/stats.html", context | {"ratings": RATINGS})
