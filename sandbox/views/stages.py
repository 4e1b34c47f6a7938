"""A REST API's stages: the list, a stage's page (invoke URL, variables, settings, canary, cache,
history) and the changes made to it."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from sandbox.forms.stages import (
    CacheForm,
    CanaryForm,
    DeleteCanaryForm,
    DeleteStageForm,
    MethodSettingsForm,
    PromoteCanaryForm,
    ResetMethodSettingsForm,
    RollbackForm,
    StageSettingsForm,
    VariablesFormSet,
    flush_cache,
    method_keys,
)
from sandbox.views.common import (
    _account,
    _change,
    _done,
    _invoke_url,
    _render,
    _rest_api,
    _sample_path,
    _setting_label,
    _undeployed,
    _when,
    moved,
    own_or_404,
    refused,
)

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
    "settings": (StageSettingsForm, "settings_form"),
    "variables": (VariablesFormSet, "variables_formset"),
    "cache": (CacheForm, "cache_form"),
    "method-settings": (MethodSettingsForm, "method_form"),
    "reset-method-settings": (ResetMethodSettingsForm, None),
    "canary": (CanaryForm, "canary_form"),
    "promote": (PromoteCanaryForm, None),
    "delete-canary": (DeleteCanaryForm, None),
    "rollback": (RollbackForm, None),
    "delete": (DeleteStageForm, "delete_form"),
}


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
    stage = own_or_404(api.stages, stage_name, "stage")
    definition = api.definition()
    deployment = api.deployments.get(stage.deploymentId)
    canary = stage.canarySettings
    canary_deployment = api.deployments.get(canary.deploymentId) if canary else None
    settings_key = request.GET.get("settings", "*/*")
    if settings_key != "*/*" and settings_key not in dict(method_keys(api)):
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
        "settings_form": StageSettingsForm(
            initial={
                "description": stage.description or "",
                "tracing": stage.tracingEnabled,
                "access_log_format": stage.accessLogSettings.format if stage.accessLogSettings else "",
            },
            **kwargs,
        ),
        "variables_formset": VariablesFormSet(
            initial=[{"name": k, "value": v} for k, v in sorted(stage.variables.items())], **kwargs
        ),
        "cache_form": CacheForm(
            initial={
                "enabled": stage.cacheClusterEnabled,
                "size": stage.cacheClusterSize or "0.5",
                "ttl": cache_setting.cacheTtlInSeconds,
                "encrypted": cache_setting.cacheDataEncrypted,
            },
            **kwargs,
        ),
        "method_form": MethodSettingsForm(initial=MethodSettingsForm.initial_for(stage, settings_key), **kwargs),
        "canary_form": CanaryForm(
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
        "delete_form": DeleteStageForm(**kwargs),
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
    current = own_or_404(api.stages, stage, "stage")
    url = reverse("sandbox:stage", args=[api_id, stage])
    if action == "flush":
        notice = flush_cache(api_id, stage)
        return _done(request, notice, url, partial(_stage_page, request, api_id, stage))
    if action not in STAGE_ACTIONS:
        raise Http404("No such action")
    form_class, slot = STAGE_ACTIONS[action]
    form = form_class(request.POST, api=api, stage=current)
    notice = _change(request, form, api_id, stage)
    if notice is None:
        return refused(partial(_stage_page, request, api_id, stage), form, slot)
    if action == "delete":
        return moved(request, notice, reverse("sandbox:stages", args=[api_id]))
    if action == "method-settings":
        url += f"?settings={form.cleaned_data['key']}#method-settings"
    return _done(request, notice, url, partial(_stage_page, request, api_id, stage))
