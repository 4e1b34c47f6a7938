"""What every console page shares: the learner's account, their own objects or a 404, a change
applied all or nothing, the page or its htmx partial, and the page/detail/action shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

import gateway as gw
from gateway.auth import cognito
from sandbox import invoke_host
from sandbox.models import LimitError, SandboxAccount
from studyapp.htmx import render_page

T = TypeVar("T")
ENGINE_ERRORS = (gw.ValidationError, gw.NotFoundError, gw.ConflictError, LimitError, cognito.CognitoError)


# ---------------------------------------------------------------------------------------
# Helpers


def _account(request: HttpRequest) -> gw.Account:
    """The learner's Account: read only (cached and shared), use `_change` to modify."""
    return SandboxAccount.for_user(request.user).account()


def own_or_404(items: Mapping[str, T], key: str, what: str) -> T:
    """One of the learner's own objects, or a 404: what is not in their sandbox does not exist for them."""
    item = items.get(key)
    if item is None:
        raise Http404(f"No such {what} in your sandbox")
    return item


def _rest_api(account: gw.Account, api_id: str) -> gw.RestApi:
    return own_or_404(account.restApis, api_id, "REST API")


def _v2_api(account: gw.Account, api_id: str, protocol: str) -> gw.V2Api:
    api = own_or_404(account.v2Apis, api_id, "API")
    if api.protocolType != protocol:
        raise Http404("No such API in your sandbox")
    return api


def _change(request: HttpRequest, form, *args) -> str | None:
    """Validate the form, then apply it to the learner's sandbox in one transaction.

    Returns the sentence for the learner, or None when the form or the engine refused (the
    problems are then on the form and nothing was saved).
    """
    if not form.is_valid():
        return None
    try:
        with SandboxAccount.editing(request.user) as account:
            return form.apply(account, *args)
    except ENGINE_ERRORS as exc:
        form.add_engine_error(exc)
        return None


def _render(request: HttpRequest, template: str, context: dict, *, invalid: bool = False) -> HttpResponse:
    """The page, or its `body` partial for htmx. Invalid input: 422 for a page, 200 for htmx (which swaps only 2xx)."""
    return render_page(request, template, context, partial="body", status=422 if invalid and not request.htmx else 200)


def _done(request: HttpRequest, notice: str, url: str, page) -> HttpResponse:
    """After a change: htmx gets the fresh body with the notice; a plain form post is redirected (PRG)."""
    if request.htmx:
        return page(notice=notice)
    messages.success(request, notice)
    return redirect(url)


def apply_form(
    request: HttpRequest, form, args: tuple, page: Callable[..., HttpResponse], url: str | Callable[[], str], slot=None
) -> HttpResponse:
    """The action every console page shares: apply the form to the learner's sandbox; when the form
    or the engine refuses, the page again (422) with the form in its `slot`, or its errors above
    the body when it has no place of its own; when it is done, `_done` (a `url` that needs the
    valid form is a function)."""
    notice = _change(request, form, *args)
    if notice is None:
        return refused(page, form, slot)
    return _done(request, notice, url() if callable(url) else url, page)


def moved(request: HttpRequest, notice: str, url: str) -> HttpResponse:
    """After a change that ends on another page (a new object, a deleted one): go there with the notice."""
    messages.success(request, notice)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def refused(page: Callable[..., HttpResponse], form, slot=None) -> HttpResponse:
    """The page again with a refused form: bound in its slot, or its errors listed above the body."""
    if slot is not None:
        return page(bound={slot: form}, invalid=True)
    return page(problems=_form_problems(form), invalid=True)


def _form_problems(form) -> list[str]:
    """The errors of a form that has no visible fields (a button): shown above the page's body."""
    if form is None:
        return []
    if hasattr(form, "non_form_errors"):
        return list(form.non_form_errors())
    return [str(e) for errors in form.errors.values() for e in errors]


def _undeployed(definition: dict, deployment: gw.Deployment | None) -> bool:
    return deployment is None or deployment.snapshot != definition


def _invoke_url(request: HttpRequest, api_id: str, stage: str) -> str:
    return invoke_host.invoke_url(request, api_id, stage)


def _when(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def _sample_path(path: str) -> str:
    parts = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("+}"):
            parts.append("a/b")
        elif part.startswith("{"):
            parts.append("1")
        else:
            parts.append(part)
    return "/".join(parts) or "/"


def _first_path(api: gw.RestApi) -> str:
    """A path to try: the first resource that has a method, its {params} filled in."""
    first = next((r for r in sorted(api.resources.values(), key=lambda r: r.path) if r.resourceMethods), None)
    return _sample_path(first.path) if first else "/"


def _setting_label(key: str) -> str:
    if key == "*/*":
        return "Whole stage (*/*)"
    path, _, verb = key.rpartition("/")
    return f"{verb} {path.replace('~1', '/') or '/'}"
