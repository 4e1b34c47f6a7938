"""Guided labs: the list, a lab's page (start, hints, check, test panel), progress, and labs as
quiz questions (practice and review)."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from gateway.model.call import Runtime
from notes.models import Topic
from quizzes import labs as quiz_labs
from quizzes.models import Card, PracticeSession, Question, ReviewLog
from sandbox import credentials, dock, invoke_host, labs
from sandbox.models import LabProgress, LimitError, SandboxAccount, data_digest
from sandbox.runtime import RUNTIME
from sandbox.views.terminal import base_url, terminal_context
from studyapp.htmx import render_page

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# Checks share the runtime store with /gw/ (buckets, quotas, cache entries) but are not recorded
# in the learner's metrics and logs: those should show the learner's own traffic.
CHECK_RUNTIME = Runtime(store=RUNTIME.store, observers=[])


class TryForm(forms.Form):
    """The lab's test panel: one request to the lab's API (or one WebSocket message)."""

    stage = forms.CharField(max_length=128)
    method = forms.ChoiceField(choices=[(m, m) for m in METHODS], required=False, initial="GET")
    path = forms.CharField(max_length=1000, required=False, initial="/")
    query = forms.CharField(max_length=2000, required=False, help_text="a=1&b=2")
    headers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One per line: Name: value"
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=100_000)
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=100_000)
    use_token = forms.BooleanField(required=False, label="Send the user's Cognito ID token")

    def clean_path(self) -> str:
        path = self.cleaned_data["path"].strip() or "/"
        return path if path.startswith("/") else "/" + path

    def clean_headers(self) -> list[tuple[str, str]]:
        pairs = []
        for number, line in enumerate(self.cleaned_data["headers"].splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.partition(":")
            if not sep or not name.strip():
                raise forms.ValidationError(f"Line {number}: write a header as Name: value")
            pairs.append((name.strip(), value.strip()))
        return pairs

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["method"] = data["method"] or "GET"
        data["query"] = parse_qsl(data["query"], keep_blank_values=True)
        return data


# ---------------------------------------------------------------------------------------
# Helpers


def _lab(slug: str) -> labs.Lab:
    lab = labs.get_lab(slug)
    if lab is None:
        raise Http404("No such lab")
    return lab


def _progress(user, slug: str) -> LabProgress | None:
    return LabProgress.objects.filter(user=user, lab=slug).first()


def _console_links(lab: labs.Lab, account: gw.Account) -> list[dict]:
    """The lab's console pages that exist, with the ids of the lab's APIs in this sandbox."""
    ids = labs.api_ids(account, lab)
    links = []
    for link in lab.console:
        args = []
        if link.get("api"):
            if link["api"] not in ids:
                continue
            args.append(ids[link["api"]][1])
            if link.get("stage"):
                args.append(link["stage"])
        try:
            links.append({"label": link["label"], "url": f"{reverse(link['url'], args=args)}?lab={lab.slug}"})
        except NoReverseMatch:
            continue  # a console page this deployment does not have
    return links


def _browser_calls(request: HttpRequest, lab: labs.Lab, account: gw.Account) -> list[tuple[str, str]]:
    """Each deployed stage of the lab's REST and HTTP APIs, for a real cross-origin call from the page."""
    calls = []
    for name, (kind, api_id) in labs.api_ids(account, lab).items():
        api = account.restApis.get(api_id) if kind == "REST" else account.v2Apis.get(api_id)
        if api is None or kind == "WEBSOCKET":
            continue
        for stage in sorted(api.stages):
            calls.append((f"{name} {stage}", invoke_host.invoke_url(request, api_id, stage)))
    return calls


def _hints_shown(request: HttpRequest, lab: labs.Lab) -> int:
    try:
        return max(0, min(int(request.GET.get("hints", 0)), len(lab.hints)))
    except ValueError:
        return 0


def _lab_context(request: HttpRequest, lab: labs.Lab, **extra) -> dict:
    account = SandboxAccount.for_user(request.user).account()
    progress = _progress(request.user, lab.slug)
    shown = _hints_shown(request, lab)
    context = {
        "lab": lab,
        "topic": Topic.objects.filter(slug=lab.topic).first(),
        "progress": progress,
        "results": progress.last_result if progress else None,
        "hints": lab.hints_html[:shown],
        "next_hint": shown + 1 if shown < len(lab.hints) else None,
        "console_links": _console_links(lab, account),
        "try_form": TryForm(initial=labs.try_defaults(lab, account)),
        "calls": _browser_calls(request, lab, account) if lab.topic == "cors" else [],
        "call_path": lab.try_.get("path", "/"),
        "started": bool(labs.api_ids(account, lab)) or (progress is not None),
    }
    if lab.terminal:
        context |= terminal_context(request) | {"terminal_steps": _terminal_steps(request, lab)}
    context.update(extra)
    return context


def _terminal_steps(request: HttpRequest, lab: labs.Lab) -> list[dict]:
    """The lab's commands with the learner's endpoint, invoke domain and region filled in."""
    _name, port = invoke_host.split_host(request.get_host())
    values = {
        "{endpoint}": credentials.endpoint_url(base_url(request)),
        "{invoke_domain}": f"{invoke_host.domain()}{port}",
        "{region}": credentials.REGION,
    }
    steps = []
    for step, html in zip(lab.terminal, lab.terminal_html, strict=True):
        run = step["run"]
        for token, value in values.items():
            run = run.replace(token, value)
        steps.append({"html": html, "run": run})
    return steps


def run_lab_checks(user, lab: labs.Lab) -> list[dict]:
    """Check the learner's sandbox and record the attempt: the results as stored in LabProgress."""
    account = SandboxAccount.for_user(user).account()
    progress, _ = LabProgress.objects.get_or_create(user=user, lab=lab.slug)
    since = progress.started_at.timestamp()
    results = [r.to_dict() for r in labs.run_checks(lab, account, runtime=CHECK_RUNTIME, now=time.time(), since=since)]
    progress.checks += 1
    progress.last_result = results
    if labs.all_passed(results) and progress.completed_at is None:
        progress.completed_at = timezone.now()
    progress.save()
    return results


def _question(lab: labs.Lab) -> Question | None:
    return Question.objects.filter(uid=lab.uid, type=Question.Type.LAB).select_related("topic").first()


# ---------------------------------------------------------------------------------------
# Pages


@login_required
@require_GET
def lab_list(request: HttpRequest) -> HttpResponse:
    progress = {p.lab: p for p in LabProgress.objects.filter(user=request.user)}
    topics = {t.slug: t for t in Topic.objects.all()}
    groups: dict[str, dict] = {}
    for lab in labs.all_labs().values():
        topic = topics.get(lab.topic)
        group = groups.setdefault(
            lab.topic, {"topic": topic, "slug": lab.topic, "order": topic.order if topic else 999, "labs": []}
        )
        group["labs"].append({"lab": lab, "progress": progress.get(lab.slug)})
    ordered = sorted(groups.values(), key=lambda g: (g["order"], g["slug"]))
    done = sum(1 for p in progress.values() if p.completed_at and p.lab in labs.all_labs())
    return render(
        request,
        "sandbox/lab_list.html",
        {
            "groups": ordered,
            "done": done,
            "total": len(labs.all_labs()),
            "has_questions": quiz_labs.lab_questions().exists(),
        },
    )


@login_required
@require_GET
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab(slug)
    context = _lab_context(request, lab)
    if request.htmx and request.GET.get("hints") is not None:
        return render(request, "sandbox/_lab_hints.html", context)
    return render(request, "sandbox/lab.html", context)


@login_required
@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab(slug)
    try:
        with SandboxAccount.editing(request.user) as account:
            labs.start_lab(lab, account, time.time())
    except (gw.GatewayError, LimitError, labs.LabError) as exc:
        messages.error(request, f"The lab could not be set up: {exc}")
    else:
        progress, created = LabProgress.objects.get_or_create(user=request.user, lab=lab.slug)
        if not created:
            progress.started_at = timezone.now()
            progress.last_result = []
            progress.save(update_fields=["started_at", "last_result"])
        messages.success(request, f"“{lab.title}” is ready in your sandbox.")
        dock.dock(request, lab.slug)
    if request.htmx:
        return render(
            request, "sandbox/_lab_panel.html", _lab_context(request, lab, inline=request.POST.get("inline") == "1")
        )
    return redirect("sandbox:lab", slug=lab.slug)


@login_required
@require_POST
def lab_check(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab(slug)
    results = run_lab_checks(request.user, lab)
    if request.htmx:
        context = {"lab": lab, "results": results, "progress": _progress(request.user, lab.slug)}
        return render(request, "sandbox/_lab_checks.html", context)
    if labs.all_passed(results):
        messages.success(request, "Every check passes: lab done.")
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)  # checked from the lab dock beside a console page
    return redirect(reverse("sandbox:lab", args=[lab.slug]) + "#checks")


@login_required
@require_POST
def lab_undock(request: HttpRequest) -> HttpResponse:
    """Close the lab panel shown beside console pages."""
    dock.undock(request)
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back.split("?lab=")[0])
    return redirect("sandbox:home")


@login_required
@require_POST
def lab_try(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab(slug)
    form = TryForm(request.POST)
    outcome, problem = None, ""
    if form.is_valid():
        sandbox = SandboxAccount.for_user(request.user)
        account = gw.Account.from_dict(sandbox.state)  # a private copy: a call may change simulated data
        before = data_digest(account)
        found = labs.try_request(lab, account, form.values(), runtime=RUNTIME, now=time.time())
        if isinstance(found, str):
            problem = found
        else:
            outcome = found
            if found.kind != "websocket":  # a test connection is closed again: nothing to keep
                sandbox.store_data(account, before)
    context = {"try_form": form, "outcome": outcome, "try_problem": problem}
    if request.htmx:
        return render(request, "sandbox/_lab_try.html", {"lab": lab, **context})
    page = _lab_context(request, lab, **context)
    return render(request, "sandbox/lab.html", page, status=200 if form.is_valid() else 422)


@login_required
@require_GET
def lab_panel(request: HttpRequest, slug: str) -> HttpResponse:
    """The inline panel of a topic page (htmx); without JavaScript the link goes to the lab page."""
    lab = _lab(slug)
    if not request.htmx:
        return redirect("sandbox:lab", slug=lab.slug)
    return render(request, "sandbox/_lab_panel.html", _lab_context(request, lab, inline=True))


@login_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    mine = {p.lab: p for p in LabProgress.objects.filter(user=request.user)}
    rows = []
    for topic in Topic.objects.all():
        topic_labs = labs.labs_for_topic(topic.slug)
        if not topic_labs:
            continue
        entries = [{"lab": lab, "progress": mine.get(lab.slug)} for lab in topic_labs]
        done = sum(1 for e in entries if e["progress"] and e["progress"].completed_at)
        rows.append({"topic": topic, "entries": entries, "done": done, "total": len(entries)})
    done = sum(r["done"] for r in rows)
    total = sum(r["total"] for r in rows)
    return render(request, "sandbox/lab_progress.html", {"rows": rows, "done": done, "total": total})


# ---------------------------------------------------------------------------------------
# Labs as quiz questions


@login_required
@require_POST
def lab_practice(request: HttpRequest) -> HttpResponse:
    session = quiz_labs.start_lab_practice(request.user, request.POST.getlist("topics"))
    if session is None:
        messages.info(request, "There are no lab questions yet (an administrator runs load_labs).")
        return redirect("sandbox:labs")
    return redirect("quizzes:practice", pk=session.pk)


@login_required
@require_POST
def lab_practice_check(request: HttpRequest, slug: str, session: int) -> HttpResponse:
    """A lab met in practice: run its checks, grade it (all pass = correct), schedule its card."""
    lab = _lab(slug)
    practice = get_object_or_404(PracticeSession, pk=session, user=request.user)
    question = _question(lab)
    if practice.finished or question is None or practice.question_ids[practice.position] != question.pk:
        return redirect("quizzes:practice", pk=practice.pk)
    results = run_lab_checks(request.user, lab)
    passed = labs.all_passed(results)
    if not practice.responses.filter(question=question).exists():  # a second post is not a second attempt
        quiz_labs.record_lab_attempt(request.user, question, passed, timezone.now(), session=practice)
    context = {
        "session": practice,
        "question": question,
        "number": practice.position + 1,
        "lab_results": results,
        "lab_passed": passed,
    }
    return render_page(request, "quizzes/practice.html", context, partial="question-card")


@login_required
@require_POST
def lab_review_check(request: HttpRequest, card: int) -> HttpResponse:
    """A lab card due in review: the checks decide the rating (Good when all pass, else Again)."""
    card_obj = get_object_or_404(Card.objects.select_related("question"), pk=card, user=request.user)
    question = card_obj.question
    lab = labs.get_lab((question.data or {}).get("lab", "")) if question.type == Question.Type.LAB else None
    if lab is None:
        raise Http404("This card is not a lab")
    results = run_lab_checks(request.user, lab)
    passed = labs.all_passed(results)
    quiz_labs.record_lab_attempt(request.user, question, passed, timezone.now(), source=ReviewLog.Source.REVIEW)
    if passed:
        messages.success(request, f"“{lab.title}”: every check passes. Scheduled as Good.")
    else:
        failing = next(r for r in results if not r["passed"])
        messages.warning(request, f"“{lab.title}”: not yet ({failing['message']}). Scheduled as Again.")
    return redirect("quizzes:review")
