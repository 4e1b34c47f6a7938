"""OpenAPI: import a document, export an API or a stage, download a client SDK."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from sandbox.forms.common import engine_problems
from sandbox.forms.openapi import ExportForm, ImportForm, SdkForm
from sandbox.views.common import ENGINE_ERRORS, _account, _change, _invoke_url, _render, _rest_api

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
                or ExportForm(api=api, auto_id=f"id_{api.id}_export_%s", initial={"extensions": True}),
                "sdk_form": bound.get(("sdk", api.id))
                or (SdkForm(api=api, auto_id=f"id_{api.id}_sdk_%s") if api.stages else None),
            }
        )
    context = {
        "apis": apis,
        "import_form": import_form or ImportForm(account=account),
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
    form = ImportForm(request.POST, request.FILES, account=_account(request))
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
    form = ExportForm(
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
            form.add_error(None, "; ".join(message for _, message in engine_problems(exc)))
        else:
            name = f"{slugify(api.name) or api.id}-{data['stage'] or 'working-copy'}-{data['version']}.{data['fmt']}"
            return _download(text, name, "application/json" if data["fmt"] == "json" else "application/yaml")
    return _openapi_page(request, bound={("export", api.id): form}, invalid=True)


@login_required
@require_GET
def openapi_sdk(request: HttpRequest, api_id: str) -> HttpResponse:
    api = _rest_api(_account(request), api_id)
    form = SdkForm(request.GET or None, api=api, auto_id=f"id_{api.id}_sdk_%s")
    if form.is_valid():
        data = form.cleaned_data
        base_url = _invoke_url(request, api.id, data["stage"]).rstrip("/")
        try:
            code = gw.generate_sdk(api, api.stages[data["stage"]], language=data["language"], base_url=base_url)
        except ENGINE_ERRORS as exc:
            form.add_error(None, "; ".join(message for _, message in engine_problems(exc)))
        else:
            stem = re.sub(r"[^a-z0-9_]", "_", (api.name or api.id).lower()).strip("_") or "api"
            if data["language"] == "python":
                return _download(code, f"{stem}_client.py", "text/x-python")
            return _download(code, f"{stem}_client.mjs", "text/javascript")
    return _openapi_page(request, bound={("sdk", api.id): form}, invalid=True)
