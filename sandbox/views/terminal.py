"""The Terminal page: the sandbox's AWS endpoint, the learner's credentials for the AWS CLI and
SDKs, and the calls their clients made (live)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from gateway.awsapi import catalog
from sandbox import call_log, credentials
from sandbox.models import LimitError, SandboxAccount
from sandbox.runtime import RUNTIME


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def terminal_context(request: HttpRequest) -> dict:
    """What the Terminal page and a terminal lab show: the endpoint, the credentials if any."""
    found = credentials.current(request.user, base_url(request))
    return {
        "endpoint": credentials.endpoint_url(base_url(request)),
        "creds": found,
        "region": credentials.REGION,
    }


def _calls(request: HttpRequest) -> list[dict]:
    seed = SandboxAccount.for_user(request.user).account().idSeed
    return [call | {"when": datetime.fromtimestamp(call["at"], UTC)} for call in call_log.recent(RUNTIME.store, seed)]


@login_required
@require_GET
def terminal(request: HttpRequest) -> HttpResponse:
    context = terminal_context(request) | {"calls": _calls(request), "services": catalog.summary()}
    if request.htmx and request.GET.get("calls") is not None:
        return render(request, "sandbox/terminal.html#calls", context)
    return render(request, "sandbox/terminal.html", context)


@login_required
@require_POST
def terminal_key(request: HttpRequest) -> HttpResponse:
    """Create the administrator's key (or, with rotate, replace it)."""
    rotate = request.POST.get("rotate") == "1"
    try:
        credentials.ensure(request.user, base_url(request), rotate=rotate)
    except LimitError as exc:  # pragma: no cover - a sandbox full of IAM users is not a limit today
        return HttpResponse(str(exc), status=422)
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("sandbox:terminal")
