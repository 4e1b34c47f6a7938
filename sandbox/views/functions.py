"""Lambda functions: the list, a function's page (versions, aliases, permissions) and its changes."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox.forms.functions import (
    AliasForm,
    BehaviourForm,
    FunctionForm,
    PermissionForm,
    PublishForm,
    RemovePermissionForm,
    versions_of,
)
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
