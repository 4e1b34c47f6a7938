"""API keys and usage plans: keys, plans with their throttle and quota, the keys in a plan, usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gateway.traffic import limits as traffic
from sandbox.confirm import confirm_page, confirmed, plural
from sandbox.forms.keys import (
    ApiKeyForm,
    DeleteKeyForm,
    DeletePlanForm,
    KeyEnabledForm,
    PlanKeyForm,
    PlanRemoveKeyForm,
    PlanRemoveStageForm,
    PlanStageForm,
    UsageForm,
    UsagePlanForm,
    api_stage_choices,
)
from sandbox.runtime import RUNTIME
from sandbox.views.common import _account, _render, apply_form, own_or_404

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
                or PlanStageForm(account=account, auto_id=f"id_{plan.id}_stage_%s"),
                "key_form": bound.get(("key", plan.id)) or PlanKeyForm(account=account, auto_id=f"id_{plan.id}_key_%s"),
            }
        )
    context = {
        "keys": [{"key": k, "plans": [p.name for p in account.usagePlans.values() if k.id in p.keyIds]} for k in keys],
        "plans": plans,
        "key_form": bound.get("key") or ApiKeyForm(),
        "plan_form": bound.get("plan") or UsagePlanForm(),
        "has_stages": bool(api_stage_choices(account)),
        "problems": problems or [],
        "notice": notice,
    }
    return _render(request, "sandbox/ops_keys.html", context, invalid=invalid)


@login_required
@require_GET
def keys(request: HttpRequest) -> HttpResponse:
    return _keys_page(request)


@login_required
@require_POST
def create_key(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST)
    return apply_form(request, form, (), partial(_keys_page, request), reverse("sandbox:keys"), slot="key")


@login_required
@require_POST
def key_action(request: HttpRequest, key_id: str, action: str) -> HttpResponse:
    key = own_or_404(_account(request).apiKeys, key_id, "API key")
    form_class = {"enabled": KeyEnabledForm, "delete": DeleteKeyForm}.get(action)
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
    return apply_form(request, form, (key_id,), partial(_keys_page, request), reverse("sandbox:keys"))


@login_required
@require_POST
def create_plan(request: HttpRequest) -> HttpResponse:
    form = UsagePlanForm(request.POST)
    return apply_form(request, form, (), partial(_keys_page, request), reverse("sandbox:keys"), slot="plan")


@login_required
@require_POST
def plan_action(request: HttpRequest, plan_id: str, action: str, key_id: str | None = None) -> HttpResponse:
    own_or_404(_account(request).usagePlans, plan_id, "usage plan")
    account = _account(request)
    forms = {
        "stage": lambda: PlanStageForm(request.POST, account=account, auto_id=f"id_{plan_id}_stage_%s"),
        "remove-stage": lambda: PlanRemoveStageForm(request.POST),
        "key": lambda: PlanKeyForm(request.POST, account=account, auto_id=f"id_{plan_id}_key_%s"),
        "remove-key": lambda: PlanRemoveKeyForm(request.POST),
        "delete": lambda: DeletePlanForm(request.POST),
    }
    if action not in forms or (action == "remove-key") != (key_id is not None):
        raise Http404("No such action")
    if key_id is not None:
        own_or_404(_account(request).apiKeys, key_id, "API key")
    if action == "delete" and not confirmed(request):
        plan = own_or_404(_account(request).usagePlans, plan_id, "usage plan")
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
    args, slot = (plan_id, *([key_id] if key_id else [])), (action, plan_id) if action in ("stage", "key") else None
    return apply_form(request, form, args, partial(_keys_page, request), reverse("sandbox:keys"), slot=slot)


@login_required
@require_GET
def plan_usage(request: HttpRequest, plan_id: str) -> HttpResponse:
    """GetUsage: requests per key per day, and the quota left."""
    account = _account(request)
    plan = own_or_404(_account(request).usagePlans, plan_id, "usage plan")
    today = datetime.now(tz=UTC).date()
    form = UsageForm(request.GET if request.GET else None, initial=UsageForm.default_initial(today))
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
