"""The sandbox console's operations pages: stages, API keys and usage plans, Lambda functions, IAM,
Cognito, authorizers, the traffic generator, metrics and logs, OpenAPI, HTTP and WebSocket APIs.

Every page shows the logged-in learner's own sandbox; an id that is not in it is a 404. A change
goes through a form's `apply` inside `SandboxAccount.editing` (all or nothing); the engine's
errors come back as form errors. htmx is an enhancement: each page's changing part is the
`body` partial, which an htmx request gets on its own.
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

import gateway as gw
from gateway.auth import authorizers, cognito
from gateway.model.call import Call, Request, Runtime
from gateway.model.state import MemoryStore
from gateway.observability.telemetry import METRICS
from gateway.rest.pipeline import _context
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from sandbox import forms_ops as f
from sandbox import invoke_host
from sandbox.confirm import confirm_page, confirmed, plural
from sandbox.models import LimitError, SandboxAccount, data_digest
from sandbox.runtime import RUNTIME, TELEMETRY
from studyapp.charts import line_chart
from studyapp.htmx import render_page

ENGINE_ERRORS = (gw.ValidationError, gw.NotFoundError, gw.ConflictError, LimitError, cognito.CognitoError)


# ---------------------------------------------------------------------------------------
# Helpers


def _account(request: HttpRequest) -> gw.Account:
    """The learner's Account: read only (cached and shared), use `_change` to modify."""
    return SandboxAccount.for_user(request.user).account()


def _rest_api(account: gw.Account, api_id: str) -> gw.RestApi:
    api = account.restApis.get(api_id)
    if api is None:
        raise Http404("No such REST API in your sandbox")
    return api


def _v2_api(account: gw.Account, api_id: str, protocol: str) -> gw.V2Api:
    api = account.v2Apis.get(api_id)
    if api is None or api.protocolType != protocol:
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


# ---------------------------------------------------------------------------------------
# Stages


@login_required
@require_GET
def stages(request: HttpRequest, api_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    definition = api.definition()
    rows = [
        {
            "stage": stage,
            "deployment": api.deployments.get(stage.deploymentId),
            "dirty": _undeployed(definition, api.deployments.get(stage.deploymentId)),
            "invoke_url": _invoke_url(request, api.id, stage.stageName),
        }
        for stage in sorted(api.stages.values(), key=lambda s: s.stageName)
    ]
    return render(request, "sandbox/ops_stages.html", {"api": api, "rows": rows})


STAGE_ACTIONS = {
    "settings": (f.StageSettingsForm, "settings_form"),
    "variables": (f.VariablesFormSet, "variables_formset"),
    "cache": (f.CacheForm, "cache_form"),
    "method-settings": (f.MethodSettingsForm, "method_form"),
    "reset-method-settings": (f.ResetMethodSettingsForm, None),
    "canary": (f.CanaryForm, "canary_form"),
    "promote": (f.PromoteCanaryForm, None),
    "delete-canary": (f.DeleteCanaryForm, None),
    "rollback": (f.RollbackForm, None),
    "delete": (f.DeleteStageForm, "delete_form"),
}


def _stage(api: gw.RestApi, stage_name: str) -> gw.Stage:
    stage = api.stages.get(stage_name)
    if stage is None:
        raise Http404("No such stage")
    return stage


def _curl(request: HttpRequest, api: gw.RestApi, stage: gw.Stage) -> str:
    deployment = api.deployments.get(stage.deploymentId)
    snapshot = gw.RestApi.from_dict(deployment.snapshot) if deployment else api
    resources = sorted((r for r in snapshot.resources.values() if r.resourceMethods), key=lambda r: r.path)
    path, verb, needs_key = "/", "GET", False
    if resources:
        resource = next((r for r in resources if "GET" in r.resourceMethods), resources[0])
        verb = "GET" if "GET" in resource.resourceMethods else sorted(resource.resourceMethods)[0]
        verb = "GET" if verb == "ANY" else verb
        path = _sample_path(resource.path)
        method = resource.resourceMethods.get(verb) or next(iter(resource.resourceMethods.values()))
        needs_key = method.apiKeyRequired
    url = _invoke_url(request, api.id, stage.stageName).rstrip("/") + path
    parts = ["curl -i"]
    if verb != "GET":
        parts.append(f"-X {verb}")
    if needs_key:
        parts.append("-H 'x-api-key: YOUR_KEY'")
    parts.append(f"'{url}'")
    return " ".join(parts)


def _stage_page(
    request: HttpRequest,
    api_id: str,
    stage_name: str,
    *,
    bound: dict | None = None,
    problems: list[str] | None = None,
    notice: str | None = None,
    invalid: bool = False,
) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    stage = _stage(api, stage_name)
    definition = api.definition()
    deployment = api.deployments.get(stage.deploymentId)
    canary = stage.canarySettings
    canary_deployment = api.deployments.get(canary.deploymentId) if canary else None
    settings_key = request.GET.get("settings", "*/*")
    if settings_key != "*/*" and settings_key not in dict(f.method_keys(api)):
        settings_key = "*/*"
    kwargs = {"api": api, "stage": stage}
    cache_setting = stage.methodSettings.get("*/*") or gw.MethodSetting()
    percent = canary.percentTraffic if canary else 10.0
    context = {
        "api": api,
        "stage": stage,
        "deployment": deployment,
        "dirty": _undeployed(definition, deployment),
        "canary": canary,
        "canary_deployment": canary_deployment,
        "canary_dirty": canary is not None and _undeployed(definition, canary_deployment),
        "invoke_url": _invoke_url(request, api.id, stage.stageName),
        "curl": _curl(request, api, stage),
        "history": [
            {"entry": e, "at": _when(e.at), "deployment": api.deployments.get(e.deploymentId)}
            for e in reversed(stage.history)
        ],
        "deployments": [
            {"deployment": d, "at": _when(d.createdDate), "current": d.id == stage.deploymentId}
            for d in sorted(api.deployments.values(), key=lambda d: d.createdDate, reverse=True)
        ],
        "method_settings": [
            {"key": key, "label": _setting_label(key), "setting": setting}
            for key, setting in sorted(stage.methodSettings.items(), key=lambda kv: (kv[0] != "*/*", kv[0]))
        ],
        "settings_key": settings_key,
        "settings_form": f.StageSettingsForm(
            initial={
                "description": stage.description or "",
                "tracing": stage.tracingEnabled,
                "access_log_format": stage.accessLogSettings.format if stage.accessLogSettings else "",
            },
            **kwargs,
        ),
        "variables_formset": f.VariablesFormSet(
            initial=[{"name": k, "value": v} for k, v in sorted(stage.variables.items())], **kwargs
        ),
        "cache_form": f.CacheForm(
            initial={
                "enabled": stage.cacheClusterEnabled,
                "size": stage.cacheClusterSize or "0.5",
                "ttl": cache_setting.cacheTtlInSeconds,
                "encrypted": cache_setting.cacheDataEncrypted,
            },
            **kwargs,
        ),
        "method_form": f.MethodSettingsForm(initial=f.MethodSettingsForm.initial_for(stage, settings_key), **kwargs),
        "canary_form": f.CanaryForm(
            initial={
                "deployment": canary.deploymentId if canary else "new",
                "percent": percent,
                "percent_exact": percent,
                "percent_was": percent,
                "overrides": "\n".join(
                    f"{k}={v}" for k, v in (canary.stageVariableOverrides if canary else {}).items()
                ),
                "use_stage_cache": canary.useStageCache if canary else False,
            },
            **kwargs,
        ),
        "delete_form": f.DeleteStageForm(**kwargs),
        "problems": problems or [],
        "notice": notice,
    }
    context.update(bound or {})
    return _render(request, "sandbox/ops_stage.html", context, invalid=invalid)


@login_required
@require_GET
def stage_detail(request: HttpRequest, api_id: str, stage: str) -> HttpResponse:
    return _stage_page(request, api_id, stage)


@login_required
@require_POST
def stage_action(request: HttpRequest, api_id: str, stage: str, action: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    current = _stage(api, stage)
    url = reverse("sandbox:stage", args=[api_id, stage])
    if action == "flush":
        notice = f.flush_cache(api_id, stage)
        return _done(request, notice, url, lambda **kw: _stage_page(request, api_id, stage, **kw))
    if action not in STAGE_ACTIONS:
        raise Http404("No such action")
    form_class, slot = STAGE_ACTIONS[action]
    form = form_class(request.POST, api=api, stage=current)
    notice = _change(request, form, api_id, stage)
    if notice is None:
        bound = {slot: form} if slot else {}
        problems = [] if slot else _form_problems(form)
        return _stage_page(request, api_id, stage, bound=bound, problems=problems, invalid=True)
    if action == "delete":
        messages.success(request, notice)
        target = reverse("sandbox:stages", args=[api_id])
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if action == "method-settings":
        url += f"?settings={form.cleaned_data['key']}#method-settings"
    return _done(request, notice, url, lambda **kw: _stage_page(request, api_id, stage, **kw))


# ---------------------------------------------------------------------------------------
# API keys and usage plans


def _keys_page(
    request: HttpRequest, *, bound: dict | None = None, notice: str | None = None, invalid: bool = False, problems=None
):
    account = _account(request)
    bound = bound or {}
    keys = sorted(account.apiKeys.values(), key=lambda k: k.name.lower())
    plans = []
    for plan in sorted(account.usagePlans.values(), key=lambda p: p.name.lower()):
        plans.append(
            {
                "plan": plan,
                "stages": [
                    {
                        "api_stage": s,
                        "api": account.restApis.get(s.apiId),
                        "throttle": sorted(s.throttle.items()),
                    }
                    for s in plan.apiStages
                ],
                "keys": [account.apiKeys[k] for k in plan.keyIds if k in account.apiKeys],
                "stage_form": bound.get(("stage", plan.id))
                or f.PlanStageForm(account=account, auto_id=f"id_{plan.id}_stage_%s"),
                "key_form": bound.get(("key", plan.id))
                or f.PlanKeyForm(account=account, auto_id=f"id_{plan.id}_key_%s"),
            }
        )
    context = {
        "keys": [{"key": k, "plans": [p.name for p in account.usagePlans.values() if k.id in p.keyIds]} for k in keys],
        "plans": plans,
        "key_form": bound.get("key") or f.ApiKeyForm(),
        "plan_form": bound.get("plan") or f.UsagePlanForm(),
        "has_stages": bool(f.api_stage_choices(account)),
        "problems": problems or [],
        "notice": notice,
    }
    return _render(request, "sandbox/ops_keys.html", context, invalid=invalid)


@login_required
@require_GET
def keys(request: HttpRequest) -> HttpResponse:
    return _keys_page(request)


def _keys_done(request: HttpRequest, notice: str) -> HttpResponse:
    return _done(request, notice, reverse("sandbox:keys"), lambda **kw: _keys_page(request, **kw))


@login_required
@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    form = f.ApiKeyForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return _keys_page(request, bound={"key": form}, invalid=True)
    return _keys_done(request, notice)


def _own_key(request: HttpRequest, key_id: str) -> gw.model.resources.ApiKey:
    key = _account(request).apiKeys.get(key_id)
    if key is None:
        raise Http404("No such API key in your sandbox")
    return key


def _own_plan(request: HttpRequest, plan_id: str) -> gw.model.resources.UsagePlan:
    plan = _account(request).usagePlans.get(plan_id)
    if plan is None:
        raise Http404("No such usage plan in your sandbox")
    return plan


@login_required
@require_POST
def key_action(request: HttpRequest, key_id: str, action: str) -> HttpResponse:
    key = _own_key(request, key_id)
    form_class = {"enabled": f.KeyEnabledForm, "delete": f.DeleteKeyForm}.get(action)
    if form_class is None:
        raise Http404("No such action")
    if action == "delete" and not confirmed(request):
        plans = [p.name for p in _account(request).usagePlans.values() if key_id in p.keyIds]
        lost = [f"the API key {key.name} and its value: callers that send it get 403 Forbidden"]
        if plans:
            lost.append(f"its place in {plural(len(plans), 'usage plan')} ({', '.join(plans)}) and its usage there")
        return confirm_page(
            request,
            title=f"Delete the API key {key.name}?",
            lost=lost,
            button="Delete the key",
            cancel=reverse("sandbox:keys"),
        )
    form = form_class(request.POST)
    notice = _change(request, form, key_id)
    if notice is None:
        return _keys_page(request, problems=_form_problems(form), invalid=True)
    return _keys_done(request, notice)


@login_required
@require_POST
def create_plan(request: HttpRequest) -> HttpResponse:
    form = f.UsagePlanForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return _keys_page(request, bound={"plan": form}, invalid=True)
    return _keys_done(request, notice)


@login_required
@require_POST
def plan_action(request: HttpRequest, plan_id: str, action: str, key_id: str | None = None) -> HttpResponse:
    _own_plan(request, plan_id)
    account = _account(request)
    forms = {
        "stage": lambda: f.PlanStageForm(request.POST, account=account, auto_id=f"id_{plan_id}_stage_%s"),
        "remove-stage": lambda: f.PlanRemoveStageForm(request.POST),
        "key": lambda: f.PlanKeyForm(request.POST, account=account, auto_id=f"id_{plan_id}_key_%s"),
        "remove-key": lambda: f.PlanRemoveKeyForm(request.POST),
        "delete": lambda: f.DeletePlanForm(request.POST),
    }
    if action not in forms or (action == "remove-key") != (key_id is not None):
        raise Http404("No such action")
    if key_id is not None:
        _own_key(request, key_id)
    if action == "delete" and not confirmed(request):
        plan = _own_plan(request, plan_id)
        lost = [
            f"the usage plan {plan.name}, its throttle and quota settings and its usage records",
            f"access for {plural(len(plan.keyIds), 'API key')} through it, on {plural(len(plan.apiStages), 'API stage')}: "
            "methods that require a key answer those keys 403 unless another plan covers them",
        ]
        return confirm_page(
            request,
            title=f"Delete the usage plan {plan.name}?",
            lost=lost,
            button="Delete the plan",
            cancel=reverse("sandbox:keys"),
        )
    form = forms[action]()
    notice = _change(request, form, plan_id, *([key_id] if key_id else []))
    if notice is None:
        if action in ("stage", "key"):
            return _keys_page(request, bound={(action, plan_id): form}, invalid=True)
        return _keys_page(request, problems=_form_problems(form), invalid=True)
    return _keys_done(request, notice)


@login_required
@require_GET
def plan_usage(request: HttpRequest, plan_id: str) -> HttpResponse:
    """GetUsage: requests per key per day, and the quota left."""
    account = _account(request)
    plan = _own_plan(request, plan_id)
    today = datetime.now(tz=UTC).date()
    form = f.UsageForm(request.GET if request.GET else None, initial=f.UsageForm.default_initial(today))
    start, end = (
        (form.cleaned_data["start"], form.cleaned_data["end"])
        if form.is_bound and form.is_valid()
        else (today - timedelta(days=6), today)
    )
    report = traffic.get_usage(account, RUNTIME.store, plan.id, start.isoformat(), end.isoformat())
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    rows = []
    for key_id, values in report["items"].items():
        key = account.apiKeys.get(key_id)
        rows.append(
            {
                "key": key,
                "key_id": key_id,
                "days": [
                    {"day": d, "used": used, "remaining": remaining}
                    for d, (used, remaining) in zip(days, values, strict=True)
                ],
                "total": sum(used for used, _ in values),
            }
        )
    context = {"plan": plan, "form": form, "rows": rows, "start": start, "end": end, "notice": None}
    return _render(request, "sandbox/ops_usage.html", context, invalid=form.is_bound and not form.is_valid())


# ---------------------------------------------------------------------------------------
# Lambda functions


def _functions_page(request: HttpRequest, *, form=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    rows = [
        {"function": fn, "behaviour": fn.versions.get("$LATEST"), "versions": len(fn.versions) - 1}
        for fn in sorted(account.functions.values(), key=lambda fn: fn.name)
    ]
    context = {"rows": rows, "form": form or f.FunctionForm(), "notice": notice}
    return _render(request, "sandbox/ops_functions.html", context, invalid=invalid)


@login_required
@require_http_methods(["GET", "POST"])
def functions(request: HttpRequest) -> HttpResponse:
    """The functions, and (POST) a new one: a function may be called "new", so there is no /new/ url."""
    if request.method == "GET":
        return _functions_page(request)
    form = f.FunctionForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return _functions_page(request, form=form, invalid=True)
    url = reverse("sandbox:function", args=[form.cleaned_data["name"]])
    if request.htmx:
        messages.success(request, notice)
        return HttpResponseClientRedirect(url)
    messages.success(request, notice)
    return redirect(url)


def _own_function(account: gw.Account, name: str) -> gw.LambdaFunction:
    function = account.functions.get(name)
    if function is None:
        raise Http404("No such function in your sandbox")
    return function


def _function_page(
    request: HttpRequest, name: str, *, bound=None, problems=None, notice=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    function = _own_function(account, name)
    versions = [{"version": v, "behaviour": function.versions[v]} for v in f._versions(function)]
    context = {
        "function": function,
        "versions": versions,
        "aliases": sorted(function.aliases.items()),
        "permissions": list(enumerate(function.permissions)),
        "behaviour_form": f.BehaviourForm(initial=f.BehaviourForm.initial_for(function.versions["$LATEST"])),
        "alias_form": f.AliasForm(function=function),
        "permission_form": f.PermissionForm(function=function),
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
    function = _own_function(_account(request), name)
    forms = {
        "behaviour": (lambda: f.BehaviourForm(request.POST), "behaviour_form"),
        "publish": (lambda: f.PublishForm(request.POST), None),
        "alias": (lambda: f.AliasForm(request.POST, function=function), "alias_form"),
        "permission": (lambda: f.PermissionForm(request.POST, function=function), "permission_form"),
        "remove-permission": (lambda: f.RemovePermissionForm(request.POST), None),
    }
    if action not in forms:
        raise Http404("No such action")
    make, slot = forms[action]
    form = make()
    notice = _change(request, form, name)
    if notice is None:
        bound = {slot: form} if slot else {}
        return _function_page(request, name, bound=bound, problems=[] if slot else _form_problems(form), invalid=True)
    url = reverse("sandbox:function", args=[name])
    return _done(request, notice, url, lambda **kw: _function_page(request, name, **kw))


# ---------------------------------------------------------------------------------------
# IAM users


def _iam_page(request: HttpRequest, *, form=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    users = sorted(account.iamUsers.values(), key=lambda u: u.name.lower())
    context = {"users": users, "form": form or f.IamUserForm(), "notice": notice}
    return _render(request, "sandbox/ops_iam.html", context, invalid=invalid)


@login_required
@require_http_methods(["GET", "POST"])
def iam_users(request: HttpRequest) -> HttpResponse:
    """The IAM users, and (POST) a new one: a user may be called "new", so there is no /new/ url."""
    if request.method == "GET":
        return _iam_page(request)
    form = f.IamUserForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return _iam_page(request, form=form, invalid=True)
    return _done(
        request,
        notice,
        reverse("sandbox:iam_user", args=[form.cleaned_data["name"]]),
        lambda **kw: _iam_page(request, **kw),
    )


def _own_user(account: gw.Account, name: str) -> gw.model.resources.IamUser:
    user = account.iamUsers.get(name)
    if user is None:
        raise Http404("No such IAM user in your sandbox")
    return user


def _iam_user_page(
    request: HttpRequest, name: str, *, bound=None, problems=None, notice=None, new_key=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    user = _own_user(account, name)
    bound = bound or {}
    policies = [
        {
            "index": i,
            "form": bound.get(("policy", i)) or f.PolicyForm(initial={"document": doc}, auto_id=f"id_policy{i}_%s"),
        }
        for i, doc in enumerate(user.policies)
    ]
    context = {
        "user_obj": user,
        "policies": policies,
        "policy_form": bound.get("policy") or f.PolicyForm(auto_id="id_new_%s"),
        "new_key": new_key,
        "problems": problems or [],
        "notice": notice,
    }
    return _render(request, "sandbox/ops_iam_user.html", context, invalid=invalid)


@login_required
@require_GET
def iam_user(request: HttpRequest, name: str) -> HttpResponse:
    return _iam_user_page(request, name)


@login_required
@require_POST
def iam_user_action(request: HttpRequest, name: str, action: str, item: str | None = None) -> HttpResponse:
    user = _own_user(_account(request), name)
    url = reverse("sandbox:iam_user", args=[name])
    if action == "access-key" and item is None:
        form = f.AccessKeyForm(request.POST)
        notice = _change(request, form, name)
        if notice is None:
            return _iam_user_page(request, name, problems=_form_problems(form), invalid=True)
        # The secret is shown once, on this answer: no redirect, nothing to reload.
        return _iam_user_page(request, name, notice=notice, new_key=form.created_key)
    if action == "access-key-status" and item is not None:
        if not any(k.accessKeyId == item for k in user.accessKeys):
            raise Http404("No such access key")
        form, args, slot = f.AccessKeyStatusForm(request.POST), (name, item), None
    elif action == "policy":
        index = None
        if item is not None:
            index = _policy_index(user, item)
        form = f.PolicyForm(request.POST, auto_id="id_new_%s" if index is None else f"id_policy{index}_%s")
        args, slot = (name, index), ("policy", index) if index is not None else "policy"
    elif action == "remove-policy" and item is not None:
        form, args, slot = f.RemovePolicyForm(request.POST), (name, _policy_index(user, item)), None
    else:
        raise Http404("No such action")
    notice = _change(request, form, *args)
    if notice is None:
        bound = {slot: form} if slot else {}
        return _iam_user_page(request, name, bound=bound, problems=[] if slot else _form_problems(form), invalid=True)
    return _done(request, notice, url, lambda **kw: _iam_user_page(request, name, **kw))


def _policy_index(user: gw.model.resources.IamUser, item: str) -> int:
    if not item.isdigit() or int(item) >= len(user.policies):
        raise Http404("No such policy")
    return int(item)


# ---------------------------------------------------------------------------------------
# Cognito


def _cognito_page(request: HttpRequest, *, form=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    pools = sorted(account.userPools.values(), key=lambda p: p.name.lower())
    context = {"pools": pools, "form": form or f.UserPoolForm(), "notice": notice}
    return _render(request, "sandbox/ops_cognito.html", context, invalid=invalid)


@login_required
@require_GET
def cognito_pools(request: HttpRequest) -> HttpResponse:
    return _cognito_page(request)


@login_required
@require_POST
def create_pool(request: HttpRequest) -> HttpResponse:
    form = f.UserPoolForm(request.POST)
    notice = _change(request, form)
    if notice is None:
        return _cognito_page(request, form=form, invalid=True)
    return _done(request, notice, reverse("sandbox:cognito"), lambda **kw: _cognito_page(request, **kw))


def _own_pool(account: gw.Account, pool_id: str) -> gw.model.resources.UserPool:
    pool = account.userPools.get(pool_id)
    if pool is None:
        raise Http404("No such user pool in your sandbox")
    return pool


def _pool_page(
    request: HttpRequest, pool_id: str, *, bound=None, notice=None, tokens=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    pool = _own_pool(account, pool_id)
    users = sorted(pool.users.values(), key=lambda u: u.username.lower())
    context = {
        "pool": pool,
        "users": users,
        "client_form": f.AppClientForm(),
        "user_form": f.CognitoUserForm(),
        "token_form": f.TokenForm(pool=pool, initial={"username": users[0].username if users else ""}),
        "tokens": tokens,
        "notice": notice,
    }
    context.update(bound or {})
    return _render(request, "sandbox/ops_pool.html", context, invalid=invalid)


@login_required
@require_GET
def pool_detail(request: HttpRequest, pool_id: str) -> HttpResponse:
    return _pool_page(request, pool_id)


@login_required
@require_POST
def pool_action(request: HttpRequest, pool_id: str, action: str) -> HttpResponse:
    pool = _own_pool(_account(request), pool_id)
    if action == "token":
        # InitiateAuth changes nothing in the sandbox: no transaction, the tokens are shown once.
        form = f.TokenForm(request.POST, pool=pool)
        if form.is_valid():
            try:
                return _pool_page(request, pool_id, tokens=form.issue(), notice="Signed in: here are the tokens.")
            except (cognito.CognitoError, cognito.TokenError) as exc:
                form.add_error(None, exc.message if isinstance(exc, cognito.CognitoError) else exc.reason)
        return _pool_page(request, pool_id, bound={"token_form": form}, invalid=True)
    forms = {"client": (f.AppClientForm, "client_form"), "user": (f.CognitoUserForm, "user_form")}
    if action not in forms:
        raise Http404("No such action")
    form_class, slot = forms[action]
    form = form_class(request.POST)
    notice = _change(request, form, pool_id)
    if notice is None:
        return _pool_page(request, pool_id, bound={slot: form}, invalid=True)
    return _done(
        request, notice, reverse("sandbox:pool", args=[pool_id]), lambda **kw: _pool_page(request, pool_id, **kw)
    )


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
        "form": f.AuthorizerForm(account=account),
        "tested": tested,
        "test_form": f.AuthorizerTestForm(
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
    form = f.AuthorizerForm(request.POST, account=_account(request))
    _rest_api(_account(request), api_id)
    notice = _change(request, form, api_id)
    if notice is None:
        return _authorizers_page(request, api_id, bound={"form": form}, invalid=True)
    url = reverse("sandbox:authorizers", args=[api_id])
    return _done(request, notice, url, lambda **kw: _authorizers_page(request, api_id, **kw))


@login_required
@require_POST
def delete_authorizer(request: HttpRequest, api_id: str, authorizer_id: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    if authorizer_id not in api.authorizers:
        raise Http404("No such authorizer")
    form = f.DeleteAuthorizerForm(request.POST)
    notice = _change(request, form, api_id, authorizer_id)
    if notice is None:
        return _authorizers_page(request, api_id, problems=_form_problems(form), invalid=True)
    url = reverse("sandbox:authorizers", args=[api_id])
    return _done(request, notice, url, lambda **kw: _authorizers_page(request, api_id, **kw))


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
    form = f.AuthorizerTestForm(request.POST, api=api)
    if not form.is_valid():
        return _authorizers_page(request, api_id, bound={"test_form": form}, test_id=authorizer_id, invalid=True)
    result = run_authorizer_test(request.user, api_id, authorizer_id, form.cleaned_data)
    return _authorizers_page(request, api_id, bound={"test_form": form}, test_id=authorizer_id, result=result)


# ---------------------------------------------------------------------------------------
# Traffic generator


def run_traffic(user, api_id: str, data: dict, *, start: float, rng: random.Random) -> list[gw.Response]:
    """N requests at R per second on a simulated clock (1/R s apart), through the shared runtime:
    real token buckets, quotas, caches and metrics. Simulated data the calls change is kept."""
    sandbox = SandboxAccount.for_user(user)
    account = gw.Account.from_dict(sandbox.state)  # a private copy: calls may change simulated data
    headers = list(data["headers"])
    if data["api_key"]:
        headers.append(("x-api-key", data["api_key"]))
    query = parse_qsl(data["query"], keep_blank_values=True)
    before = data_digest(account)
    responses = []
    for i in range(data["count"]):
        request = Request(
            api_id,
            data["stage"],
            data["method"],
            data["path"],
            query,
            headers,
            data["body"],
            time=start + i / data["rate"],
        )
        responses.append(gw.invoke(account, request, rng=rng, runtime=RUNTIME))
    sandbox.store_data(account, before)
    return responses


def traffic_summary(responses: list[gw.Response], rate: float, *, start: float) -> dict:
    """What a run did: statuses, cache hit ratio, canary share, latency, and the charts."""
    total = len(responses)
    statuses = Counter(r.status for r in responses)
    cache = Counter(r.cache for r in responses if r.cache)
    latencies = sorted(r.latency_ms for r in responses)
    reasons: dict[int, str] = {}
    for r in responses:
        if r.status not in reasons and r.status >= 400:
            error = next((line.message for line in r.log if line.level == "ERROR"), "")
            reasons[r.status] = error or r.reason or r.text[:200]
    duration = total / rate
    width = max(1, int(-(-duration // 60)))  # seconds per bucket: at most about 60 buckets
    buckets = int(duration // width) + 1
    if (buckets - 1) * width >= duration and buckets > 1:
        buckets -= 1
    by_status = {status: [0] * buckets for status in statuses}
    for i, r in enumerate(responses):
        by_status[r.status][min(int((i / rate) // width), buckets - 1)] += 1
    labels = [f"{b * width}s" for b in range(buckets)]
    per_second = {status: [count / width for count in counts] for status, counts in by_status.items()}
    allowed = [sum(v[b] for s, v in per_second.items() if s != 429) for b in range(buckets)]
    throttled = per_second.get(429, [0.0] * buckets)
    top = max([*allowed, *throttled, 1])
    status_top = max([max(v) for v in per_second.values()] + [1])

    def chart(title: str, values: list[float], y_max: float) -> dict:
        return {"title": title, "svg": line_chart(list(zip(labels, values, strict=True)), title=title, y_max=y_max)}

    charts = {
        "rates": [
            chart("Allowed requests per second (not 429)", allowed, top),
            chart("Throttled requests per second (429)", throttled, top),
        ],
        "statuses": [chart(f"Status {s}: responses per second", per_second[s], status_top) for s in sorted(per_second)],
    }
    consulted = cache["hit"] + cache["miss"]
    return {
        "total": total,
        "statuses": [
            {"status": s, "count": n, "share": 100 * n / total, "reason": reasons.get(s, "")}
            for s, n in sorted(statuses.items())
        ],
        "cache_hits": cache["hit"],
        "cache_consulted": consulted,
        "cache_ratio": 100 * cache["hit"] / consulted if consulted else None,
        "canary": sum(1 for r in responses if r.is_canary),
        "canary_share": 100 * sum(1 for r in responses if r.is_canary) / total,
        "latency": {
            "mean": statistics.fmean(latencies),
            "p50": latencies[len(latencies) // 2],
            "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
            "max": latencies[-1],
        },
        "seconds": duration,
        "bucket": width,
        "started": _when(start),
        "charts": charts,
    }


@login_required
@require_http_methods(["GET", "POST"])
def traffic_page(request: HttpRequest, api_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    result, invalid = None, False
    if request.method == "POST":
        form = f.TrafficForm(request.POST, api=api, account=account)
        if form.is_valid():
            start = time.time()
            responses = run_traffic(request.user, api_id, form.cleaned_data, start=start, rng=random.Random())  # noqa: S311
            result = traffic_summary(responses, form.cleaned_data["rate"], start=start)
        else:
            invalid = True
    else:
        form = f.TrafficForm(api=api, account=account, initial={"path": _first_path(api)})
    context = {"api": api, "form": form, "result": result, "max_requests": f.MAX_TRAFFIC, "notice": None}
    return _render(request, "sandbox/ops_traffic.html", context, invalid=invalid)


# ---------------------------------------------------------------------------------------
# Metrics and logs


METRIC_TITLES = {
    "Count": "Requests (Count)",
    "Latency": "Latency (ms, average)",
    "IntegrationLatency": "Integration latency (ms, average)",
    "4XXError": "4XX errors",
    "5XXError": "5XX errors",
    "CacheHitCount": "Cache hits",
    "CacheMissCount": "Cache misses",
}
PERIODS = {"15": 60, "60": 60, "180": 300, "1440": 1800}
FUTURE = 24 * 3600  # the traffic generator's simulated clock runs ahead of real time


def metric_charts(
    api_id: str, stage: str, *, minutes: int, canary: bool, method_key: str | None, now: float
) -> tuple[list[dict], bool]:
    period = PERIODS.get(str(minutes), 60)
    start = now - minutes * 60
    series = {
        m: TELEMETRY.series(
            api_id, stage, m, method_key=method_key, canary=canary, start=start, end=now + FUTURE, period=period
        )
        for m in METRICS
    }
    last = max([now, *(at for points in series.values() for at, _ in points)])
    first = start - start % period
    grid = [first + i * period for i in range(int((last - first) // period) + 1)]
    charts = []
    for metric in ("Count", "Latency", "IntegrationLatency", "4XXError", "5XXError", "CacheHitCount", "CacheMissCount"):
        values = dict(series[metric])
        if metric in ("Latency", "IntegrationLatency"):
            points = [(_clock(at), value) for at, value in sorted(values.items())]
        else:
            points = [(_clock(at), values.get(float(at), 0.0)) for at in grid] if values else []
        charts.append(
            {"metric": metric, "title": METRIC_TITLES[metric], "svg": line_chart(points, title=METRIC_TITLES[metric])}
        )
    return charts, any(series.values())


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%H:%M")


@login_required
@require_GET
def metrics_page(request: HttpRequest, api_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    stage = request.GET.get("stage") or next(iter(sorted(api.stages)), "")
    canary = request.GET.get("canary") in ("on", "true", "1")
    methods = TELEMETRY.metric_methods(api_id, stage, canary=canary) if stage else []
    form = f.MetricsForm(
        request.GET or None, api=api, methods=methods, initial={"stage": stage, "window": "60", "level": "INFO"}
    )
    invalid = form.is_bound and not form.is_valid()
    data = (
        form.cleaned_data
        if form.is_bound and not invalid
        else {"stage": stage, "window": "60", "canary": False, "method": "", "level": "INFO", "q": ""}
    )
    context = {"api": api, "form": form, "stage": data["stage"], "notice": None, "has_data": False}
    if data["stage"] in api.stages:
        charts, has_data = metric_charts(
            api_id,
            data["stage"],
            minutes=int(data["window"]),
            canary=data["canary"],
            method_key=data["method"] or None,
            now=time.time(),
        )
        q = (data["q"] or "").strip()
        access = TELEMETRY.access_logs(api_id, data["stage"], canary=data["canary"], limit=1000)
        context |= {
            "charts": charts,
            "has_data": has_data,
            "execution_logs": [
                {**event, "at": _when(event["time"])}
                for event in TELEMETRY.execution_logs(
                    api_id,
                    data["stage"],
                    canary=data["canary"],
                    level=data["level"] or "INFO",
                    search=q or None,
                    limit=200,
                )
            ],
            "access_logs": [line for line in access if q.lower() in line.lower()][-200:],
            "setting": api.stages[data["stage"]].methodSettings.get("*/*"),
            "access_format": api.stages[data["stage"]].accessLogSettings,
            "log_group": f"API-Gateway-Execution-Logs_{api_id}/{data['stage']}{'/Canary' if data['canary'] else ''}",
        }
    return _render(request, "sandbox/ops_metrics.html", context, invalid=invalid)


# ---------------------------------------------------------------------------------------
# OpenAPI: import, export, SDK


def _openapi_page(
    request: HttpRequest, *, import_form=None, bound=None, notice=None, warnings=None, imported=None, invalid=False
):
    account = _account(request)
    bound = bound or {}
    apis = []
    for api in sorted(account.restApis.values(), key=lambda a: a.name.lower()):
        apis.append(
            {
                "api": api,
                "export_form": bound.get(("export", api.id))
                or f.ExportForm(api=api, auto_id=f"id_{api.id}_export_%s", initial={"extensions": True}),
                "sdk_form": bound.get(("sdk", api.id))
                or (f.SdkForm(api=api, auto_id=f"id_{api.id}_sdk_%s") if api.stages else None),
            }
        )
    context = {
        "apis": apis,
        "import_form": import_form or f.ImportForm(account=account),
        "notice": notice,
        "warnings": warnings or [],
        "imported": imported,
    }
    return _render(request, "sandbox/ops_openapi.html", context, invalid=invalid)


@login_required
@require_GET
def openapi_page(request: HttpRequest) -> HttpResponse:
    return _openapi_page(request)


@login_required
@require_POST
def openapi_import(request: HttpRequest) -> HttpResponse:
    form = f.ImportForm(request.POST, request.FILES, account=_account(request))
    notice = _change(request, form)
    if notice is None:
        return _openapi_page(request, import_form=form, invalid=True)
    warnings = [str(w) for w in form.warnings]
    if request.htmx:
        return _openapi_page(request, notice=notice, warnings=warnings, imported=form.api_id)
    messages.success(request, notice)
    for warning in warnings:
        messages.warning(request, f"Ignored: {warning}")
    return redirect("sandbox:openapi")


def _download(text: str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def openapi_export(request: HttpRequest, api_id: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    form = f.ExportForm(
        request.GET or {"fmt": "json", "version": "oas30", "extensions": "on"},
        api=api,
        auto_id=f"id_{api.id}_export_%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            text = gw.export_openapi(
                api,
                version=data["version"],
                extensions=data["extensions"],
                stage=api.stages.get(data["stage"]) if data["stage"] else None,
                fmt=data["fmt"],
            )
        except ENGINE_ERRORS as exc:
            form.add_error(None, "; ".join(message for _, message in f.engine_problems(exc)))
        else:
            name = f"{slugify(api.name) or api.id}-{data['stage'] or 'working-copy'}-{data['version']}.{data['fmt']}"
            return _download(text, name, "application/json" if data["fmt"] == "json" else "application/yaml")
    return _openapi_page(request, bound={("export", api.id): form}, invalid=True)


@login_required
@require_GET
def openapi_sdk(request: HttpRequest, api_id: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    form = f.SdkForm(request.GET or None, api=api, auto_id=f"id_{api.id}_sdk_%s")
    if form.is_valid():
        data = form.cleaned_data
        base_url = _invoke_url(request, api.id, data["stage"]).rstrip("/")
        try:
            code = gw.generate_sdk(api, api.stages[data["stage"]], language=data["language"], base_url=base_url)
        except ENGINE_ERRORS as exc:
            form.add_error(None, "; ".join(message for _, message in f.engine_problems(exc)))
        else:
            stem = re.sub(r"[^a-z0-9_]", "_", (api.name or api.id).lower()).strip("_") or "api"
            if data["language"] == "python":
                return _download(code, f"{stem}_client.py", "text/x-python")
            return _download(code, f"{stem}_client.mjs", "text/javascript")
    return _openapi_page(request, bound={("sdk", api.id): form}, invalid=True)


# ---------------------------------------------------------------------------------------
# HTTP and WebSocket APIs


V2_PAGES = {"HTTP": ("sandbox/ops_http.html", "sandbox:http_api"), "WEBSOCKET": ("sandbox/ops_ws.html", "sandbox:ws")}


def _v2_page(
    request: HttpRequest,
    api_id: str,
    protocol: str,
    *,
    bound=None,
    problems=None,
    notice=None,
    result=None,
    invalid=False,
):
    account = _account(request)
    api = _v2_api(account, api_id, protocol)
    websocket = protocol == "WEBSOCKET"
    definition = api.definition()
    integrations = sorted(api.integrations.values(), key=lambda i: i.integrationId)
    routes = []
    for route in sorted(api.routes.values(), key=lambda r: r.routeKey):
        target = api.integrations.get((route.target or "").removeprefix("integrations/"))
        routes.append(
            {"route": route, "integration": target, "authorizer": api.authorizers.get(route.authorizerId or "")}
        )
    stages_rows = [
        {
            "stage": stage,
            "dirty": _undeployed(definition, api.deployments.get(stage.deploymentId or "")),
            "invoke_url": _invoke_url(request, api.apiId, stage.stageName),
            "ws_url": invoke_host.invoke_url(request, api.apiId, stage.stageName).rstrip("/").replace("http", "ws", 1),
        }
        for stage in sorted(api.stages.values(), key=lambda s: s.stageName)
    ]
    context = {
        "api": api,
        "routes": routes,
        "integrations": integrations,
        "authorizers": sorted(api.authorizers.values(), key=lambda a: a.name.lower()),
        "stages": stages_rows,
        "integration_form": f.V2IntegrationForm(account=account, websocket=websocket),
        "route_form": f.V2RouteForm(api=api),
        "lambda_authorizer_form": f.V2LambdaAuthorizerForm(account=account, websocket=websocket),
        "stage_form": f.V2StageForm(initial={"name": "dev" if websocket or "$default" in api.stages else "$default"}),
        "result": result,
        "problems": problems or [],
        "notice": notice,
    }
    if websocket:
        connections = sorted(
            (c for c in account.wsConnections.values() if c.apiId == api.apiId), key=lambda c: c.connectedAt
        )
        context |= {
            "connections": [
                {
                    "connection": c,
                    "connected": _when(c.connectedAt),
                    "active": _when(c.lastActiveAt),
                    "outbox": c.outbox[-10:],
                }
                for c in connections
            ],
            "connect_form": f.WsConnectForm(api=api) if api.stages else None,
            "send_form": f.WsSendForm(connections=connections) if connections else None,
            "manage_form": f.WsManageForm(
                api=api,
                initial={
                    "connection_id": connections[-1].connectionId if connections else "",
                    "data": '{"from": "backend"}',
                },
            )
            if api.stages
            else None,
        }
    else:
        context |= {
            "jwt_form": f.JwtAuthorizerForm(account=account),
            "cors_form": f.CorsForm(initial=f.CorsForm.initial_for(api)),
            "rest_only_form": f.RestOnlyForm(),
        }
    context.update(bound or {})
    return _render(request, V2_PAGES[protocol][0], context, invalid=invalid)


@login_required
@require_GET
def http_api(request: HttpRequest, api_id: str) -> HttpResponse:
    return _v2_page(request, api_id, "HTTP")


@login_required
@require_GET
def ws_api(request: HttpRequest, api_id: str) -> HttpResponse:
    return _v2_page(request, api_id, "WEBSOCKET")


def _v2_forms(request: HttpRequest, account: gw.Account, api: gw.V2Api) -> dict:
    """Per action: (make the bound form, the context slot that shows it, whether the action names an item)."""
    websocket = api.protocolType == "WEBSOCKET"
    data = request.POST
    forms = {
        "integration": (
            lambda: f.V2IntegrationForm(data, account=account, websocket=websocket),
            "integration_form",
            False,
        ),
        "route": (lambda: f.V2RouteForm(data, api=api), "route_form", False),
        "delete-route": (lambda: f.DeleteRouteForm(data), None, True),
        "delete-integration": (lambda: f.DeleteIntegrationForm(data), None, True),
        "lambda-authorizer": (
            lambda: f.V2LambdaAuthorizerForm(data, account=account, websocket=websocket),
            "lambda_authorizer_form",
            False,
        ),
        "stage": (lambda: f.V2StageForm(data), "stage_form", False),
        "stage-action": (lambda: f.V2StageActionForm(data), None, True),
    }
    if not websocket:
        forms |= {
            "jwt-authorizer": (lambda: f.JwtAuthorizerForm(data, account=account), "jwt_form", False),
            "cors": (lambda: f.CorsForm(data), "cors_form", False),
        }
    return forms


def _v2_action(request: HttpRequest, api_id: str, action: str, item: str | None, protocol: str) -> HttpResponse:
    account = _account(request)
    api = _v2_api(account, api_id, protocol)
    if protocol == "HTTP" and action == "rest-only":
        form = f.RestOnlyForm(request.POST)
        if not form.is_valid():
            return _v2_page(request, api_id, protocol, bound={"rest_only_form": form}, invalid=True)
        try:
            form.attempt(account, api)
        except gw.ValidationError as exc:
            explanation = "; ".join(p.message for p in exc.problems)
        else:  # pragma: no cover (the engine always refuses)
            explanation = "The engine accepted it."
        return _v2_page(request, api_id, protocol, bound={"rest_only_form": form}, result={"rest_only": explanation})
    if protocol == "WEBSOCKET" and action in ("connect", "send", "manage", "disconnect"):
        return _ws_action(request, api, action)
    forms = _v2_forms(request, account, api)
    if action not in forms or forms[action][2] != (item is not None):
        raise Http404("No such action")
    make, slot, _ = forms[action]
    if (
        item is not None
        and item
        not in {"delete-route": api.routes, "delete-integration": api.integrations, "stage-action": api.stages}[action]
    ):
        raise Http404("No such item")
    form = make()
    notice = _change(request, form, api_id, protocol, *([item] if item else []))
    if notice is None:
        bound = {slot: form} if slot else {}
        return _v2_page(
            request, api_id, protocol, bound=bound, problems=[] if slot else _form_problems(form), invalid=True
        )
    url = reverse(V2_PAGES[protocol][1], args=[api_id])
    return _done(request, notice, url, lambda **kw: _v2_page(request, api_id, protocol, **kw))


@login_required
@require_POST
def http_action(request: HttpRequest, api_id: str, action: str, item: str | None = None) -> HttpResponse:
    return _v2_action(request, api_id, action, item, "HTTP")


@login_required
@require_POST
def ws_action(request: HttpRequest, api_id: str, action: str, item: str | None = None) -> HttpResponse:
    return _v2_action(request, api_id, action, item, "WEBSOCKET")


def _ws_action(request: HttpRequest, api: gw.V2Api, action: str) -> HttpResponse:
    """Connect, send, @connections and disconnect: the connections live in the Account, so each
    action runs in a transaction; the page shows what happened."""
    account = _account(request)
    connections = [c for c in account.wsConnections.values() if c.apiId == api.apiId]
    rng = random.Random()  # noqa: S311 (connection and request ids, not secrets)
    if action == "connect":
        form, slot = f.WsConnectForm(request.POST, api=api), "connect_form"
    elif action == "send":
        form, slot = f.WsSendForm(request.POST, connections=connections), "send_form"
    elif action == "manage":
        form, slot = f.WsManageForm(request.POST, api=api), "manage_form"
    else:
        form, slot = f.WsDisconnectForm(request.POST), None
    if not form.is_valid():
        bound = {slot: form} if slot else {}
        return _v2_page(
            request, api.apiId, "WEBSOCKET", bound=bound, problems=[] if slot else _form_problems(form), invalid=True
        )
    data = form.cleaned_data
    try:
        with SandboxAccount.editing(request.user) as fresh:
            at = time.time()
            if action == "connect":
                outcome = v2.ws_connect(
                    fresh,
                    api.apiId,
                    data["stage"],
                    headers=data["headers"],
                    query=parse_qsl(data["query"]),
                    now=at,
                    rng=rng,
                )
                result = {"kind": "connect", "ws": outcome}
            elif action == "send":
                outcome = v2.ws_send(fresh, data["connection"], data["message"], now=at, rng=rng)
                result = {"kind": "send", "ws": outcome}
            elif action == "manage":
                verbs = {"post": v2.post_to_connection, "get": v2.get_connection, "delete": v2.delete_connection}
                extra = {"data": data["data"]} if data["action"] == "post" else {}
                status, body = verbs[data["action"]](
                    fresh, api.apiId, data["stage"], data["connection_id"].strip(), now=at, **extra
                )
                result = {
                    "kind": "manage",
                    "action": data["action"].upper(),
                    "status": status,
                    "body": json.dumps(body, indent=2) if body is not None else "",
                }
            else:
                connection = fresh.wsConnections.get(data["connection"])
                if connection is None or connection.apiId != api.apiId:
                    raise gw.NotFoundError("No such connection (it is closed already)")
                result = {"kind": "disconnect", "ws": v2.ws_disconnect(fresh, data["connection"], now=at, rng=rng)}
    except ENGINE_ERRORS as exc:
        form.add_engine_error(exc)
        bound = {slot: form} if slot else {}
        return _v2_page(
            request, api.apiId, "WEBSOCKET", bound=bound, problems=[] if slot else _form_problems(form), invalid=True
        )
    bound = {slot: form} if slot and action != "connect" else {}
    return _v2_page(request, api.apiId, "WEBSOCKET", bound=bound, result=result)
