"""A REST API's authorizers: the list, new and deleted ones, and a test run of one."""

from __future__ import annotations

import json
import random
import time
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from gateway.auth import authorizers
from gateway.model.call import Call, Request, Runtime
from gateway.model.state import MemoryStore
from gateway.rest.pipeline import _context
from sandbox.forms.authorizers import AuthorizerForm, AuthorizerTestForm, DeleteAuthorizerForm
from sandbox.models import SandboxAccount
from sandbox.views.common import _account, _first_path, _render, _rest_api, apply_form

# ---------------------------------------------------------------------------------------
# REST API authorizers


def _authorizers_page(
    request, api_id, *, bound=None, problems=None, notice=None, result=None, test_id=None, invalid=False
):
    account = _account(request)
    api = _rest_api(account, api_id)
    rows = []
    for authorizer in sorted(api.authorizers.values(), key=lambda a: a.name.lower()):
        used = [
            f"{v} {r.path}"
            for r in api.resources.values()
            for v, m in r.resourceMethods.items()
            if m.authorizerId == authorizer.id
        ]
        function = (
            authorizer.authorizerUri.split("/functions/")[-1].removesuffix("/invocations")
            if authorizer.authorizerUri
            else None
        )
        rows.append({"authorizer": authorizer, "function": function, "used": sorted(used)})
    test_id = test_id or request.GET.get("test") or (rows[0]["authorizer"].id if rows else None)
    tested = api.authorizers.get(test_id or "")
    context = {
        "api": api,
        "rows": rows,
        "form": AuthorizerForm(account=account),
        "tested": tested,
        "test_form": AuthorizerTestForm(
            api=api, initial={"stage": next(iter(sorted(api.stages)), ""), "path": _first_path(api)}
        )
        if tested
        else None,
        "result": result,
        "problems": problems or [],
        "notice": notice,
    }
    context.update(bound or {})
    return _render(request, "sandbox/ops_authorizers.html", context, invalid=invalid)


@login_required
@require_GET
def authorizers_page(request: HttpRequest, api_id: str) -> HttpResponse:
    return _authorizers_page(request, api_id)


@login_required
@require_POST
def create_authorizer(request: HttpRequest, api_id: str) -> HttpResponse:
    form = AuthorizerForm(request.POST, account=_account(request))
    _rest_api(_account(request), api_id)
    page = partial(_authorizers_page, request, api_id)
    return apply_form(request, form, (api_id,), page, reverse("sandbox:authorizers", args=[api_id]), slot="form")


@login_required
@require_POST
def delete_authorizer(request: HttpRequest, api_id: str, authorizer_id: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    if authorizer_id not in api.authorizers:
        raise Http404("No such authorizer")
    form = DeleteAuthorizerForm(request.POST)
    page = partial(_authorizers_page, request, api_id)
    return apply_form(request, form, (api_id, authorizer_id), page, reverse("sandbox:authorizers", args=[api_id]))


class _RecordingStore(MemoryStore):
    """A private store for one test: it keeps what the authorizer check caches (the function's answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.saved: list[Any] = []

    def put(self, key: str, value: Any) -> None:
        self.saved.append(value)
        super().put(key, value)


def run_authorizer_test(user, api_id: str, authorizer_id: str, data: dict) -> dict:
    """TestInvokeAuthorizer: run the engine's own authorizer check on a request built from the
    identity values, with a private runtime (no cached results are used or left behind)."""
    # A private copy of the sandbox: the function may be any of the learner's, even one that writes data.
    account = gw.Account.from_dict(SandboxAccount.for_user(user).state)
    copy = account.restApis[api_id]
    authorizer = copy.authorizers[authorizer_id]
    # A TTL makes the check store the function's answer in our private store, so the policy can be shown.
    authorizer.authorizerResultTtlInSeconds = max(authorizer.authorizerResultTtlInSeconds, 1)
    stage = copy.stages.get(data["stage"] or "")
    headers = list(data["headers"])
    if data["token"]:
        headers.append(("Authorization", data["token"]))
    request = Request(
        api_id=api_id,
        stage=stage.stageName if stage else "test-invoke-stage",
        method=data["method"],
        path=data["path"],
        query=parse_qsl(data["query"], keep_blank_values=True),
        headers=headers,
        time=time.time(),
    )
    kind = "COGNITO_USER_POOLS" if authorizer.type == "COGNITO_USER_POOLS" else "CUSTOM"
    store = _RecordingStore()
    rng = random.Random()  # noqa: S311 (a request id, not a secret)
    call = Call(account, request, rng, f"test-{rng.getrandbits(32):08x}", Runtime(store=store))
    call.api, call.stage, call.resource_path = copy, stage, data["path"]
    call.method = gw.Method(httpMethod=data["method"], authorizationType=kind, authorizerId=authorizer_id)
    call.stage_variables = dict(stage.variables) if stage else {}
    call.context = _context(call)
    outcome = authorizers.check_authorizer(call)
    answer = next((v["result"] for v in store.saved if isinstance(v, dict) and "result" in v), None)
    context = call.context.get("authorizer") or {}
    return {
        "allowed": outcome is None,
        "status": 200 if outcome is None else outcome.status,
        "message": "Allowed" if outcome is None else outcome.message,
        "principal": call.extra.get("principal") or (answer or {}).get("principalId"),
        "policy": json.dumps(answer["policyDocument"], indent=2) if answer and answer.get("policyDocument") else None,
        "context": json.dumps({k: v for k, v in context.items() if k != "claims"}, indent=2) if context else None,
        "claims": json.dumps(context["claims"], indent=2) if context.get("claims") else None,
        "log": call.log,
        "latency": call.clock_ms,
    }


@login_required
@require_POST
def authorizer_test(request: HttpRequest, api_id: str, authorizer_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    if authorizer_id not in api.authorizers:
        raise Http404("No such authorizer")
    form = AuthorizerTestForm(request.POST, api=api)
    if not form.is_valid():
        return _authorizers_page(request, api_id, bound={"test_form": form}, test_id=authorizer_id, invalid=True)
    result = run_authorizer_test(request.user, api_id, authorizer_id, form.cleaned_data)
    return _authorizers_page(request, api_id, bound={"test_form": form}, test_id=authorizer_id, result=result)
