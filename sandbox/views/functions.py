"""Lambda functions: the list, a function's page (versions, aliases, permissions) and its changes."""

from __future__ import annotations

import json
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import gateway as gw
from gateway.integrations import backends
from sandbox import lambda_samples
from sandbox.forms.functions import (
    AliasForm,
    BehaviourForm,
    FunctionForm,
    PermissionForm,
    PublishForm,
    RemovePermissionForm,
    TestEventForm,
    versions_of,
)
from sandbox.models import SandboxAccount, data_digest
from sandbox.views.common import _account, _change, _render, apply_form, moved, own_or_404, refused

# ---------------------------------------------------------------------------------------
# Lambda functions


def _functions_page(request: HttpRequest, *, bound=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    rows = [
        {"function": fn, "behaviour": fn.versions.get("$LATEST"), "versions": len(fn.versions) - 1}
        for fn in sorted(account.functions.values(), key=lambda fn: fn.name)
    ]
    context = {"rows": rows, "form": FunctionForm(), "notice": notice} | (bound or {})
    return _render(request, "sandbox/ops_functions.html", context, invalid=invalid)


@login_required
@require_http_methods(["GET", "POST"])
def functions(request: HttpRequest) -> HttpResponse:
    """The functions, and (POST) a new one: a function may be called "new", so there is no /new/ url."""
    if request.method == "GET":
        return _functions_page(request)
    form = FunctionForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return refused(partial(_functions_page, request), form, "form")
    return moved(request, notice, reverse("sandbox:function", args=[form.cleaned_data["name"]]))


def _function_page(
    request: HttpRequest, name: str, *, bound=None, problems=None, notice=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    function = own_or_404(account.functions, name, "function")
    versions = [{"version": v, "behaviour": function.versions[v]} for v in versions_of(function)]
    context = {
        "function": function,
        "versions": versions,
        "aliases": sorted(function.aliases.items()),
        "permissions": list(enumerate(function.permissions)),
        "behaviour_form": BehaviourForm(initial=BehaviourForm.initial_for(function.versions["$LATEST"])),
        "alias_form": AliasForm(function=function),
        "permission_form": PermissionForm(function=function),
        "test_form": TestEventForm(initial={"event": lambda_samples.events()[0].text}),
        "events": lambda_samples.events(),
        "starters": lambda_samples.starters(),
        "problems": problems or [],
        "notice": notice,
    }
    context.update(bound or {})
    return _render(request, "sandbox/ops_function.html", context, invalid=invalid)


@login_required
@require_GET
def function_detail(request: HttpRequest, name: str) -> HttpResponse:
    return _function_page(request, name)


@login_required
@require_POST
def function_action(request: HttpRequest, name: str, action: str) -> HttpResponse:
    function = own_or_404(_account(request).functions, name, "function")
    forms = {
        "behaviour": (lambda: BehaviourForm(request.POST), "behaviour_form"),
        "publish": (lambda: PublishForm(request.POST), None),
        "alias": (lambda: AliasForm(request.POST, function=function), "alias_form"),
        "permission": (lambda: PermissionForm(request.POST, function=function), "permission_form"),
        "remove-permission": (lambda: RemovePermissionForm(request.POST), None),
    }
    if action not in forms:
        raise Http404("No such action")
    make, slot = forms[action]
    page = partial(_function_page, request, name)
    return apply_form(request, make(), (name,), page, reverse("sandbox:function", args=[name]), slot=slot)


@login_required
@require_POST
def function_test(request: HttpRequest, name: str) -> HttpResponse:
    """Run $LATEST with an event, as the Lambda console's Test does: the result, the error, the log.

    Simulated data the function changes (a DynamoDB table) is kept, as a real test invocation's
    changes are; the learner's code runs in the JavaScript runtime's helper processes.
    """
    sandbox = SandboxAccount.for_user(request.user)
    own_or_404(sandbox.account().functions, name, "function")
    form = TestEventForm(request.POST)
    context = {"test_form": form, "result": None, "function_name": name}
    if form.is_valid():
        account = gw.Account.from_dict(sandbox.state)  # a private copy: the run may change data
        function = account.functions[name]
        before = data_digest(account)
        result = backends.run_behaviour(
            account, function.versions["$LATEST"], form.cleaned_data["event"], False, function=function
        )
        sandbox.store_data(account, before)
        shown = result.error_payload() if result.failed else result.payload
        context["result"] = {
            "failed": result.failed,
            "json": json.dumps(shown, indent=2),
            "log": "\n".join(result.logs),
            "run": result,
        }
    status = 200 if form.is_valid() else 422
    return render(request, "sandbox/_function_test.html", context, status=status)
