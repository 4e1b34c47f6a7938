"""API keys, usage plans, throttling and quotas.

The exam's order holds: a method requires a key -> deploy -> create a key -> create a usage
plan with throttle and quota -> add the API stage to the plan -> add the key to the plan. A
key that is not in a plan for the stage gets 403 Forbidden.

Token buckets apply in AWS's order: the usage plan per client (per method when the plan's
stage overrides it), then the stage's method throttling, then the account (10,000 rps,
burst 5,000 per Region by default). Over a bucket: 429 Too Many Requests; over a quota:
429 Limit Exceeded. Counters live in the runtime `Store`, so several processes agree.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from gateway.model.errors import ConflictError, NotFoundError, Problem, ValidationError
from gateway.model.resources import Account, ApiKey, ApiStage, QuotaSettings, ThrottleSettings, UsagePlan
from gateway.model.responses import GatewayFailure, failure

if TYPE_CHECKING:
    from gateway.model.call import Call

KEY_VALUE = re.compile(r"^[\x21-\x7e]{20,128}$")
PERIODS = ("DAY", "WEEK", "MONTH")


# ---------------------------------------------------------------------------------------
# Operations


def create_api_key(
    account: Account,
    name: str,
    *,
    value: str | None = None,
    enabled: bool | None = None,
    description: str | None = None,
    customer_id: str | None = None,
    now: float = 0.0,
) -> ApiKey:
    """Generate or import a key. Like AWS, a key created without `enabled` is disabled."""
    if value is None:
        alphabet = string.ascii_letters + string.digits
        value = "".join(secrets.choice(alphabet) for _ in range(40))
    if not KEY_VALUE.match(value):
        raise ValidationError(Problem("value", "an API key is 20 to 128 printable ASCII characters"))
    if any(k.value == value for k in account.apiKeys.values()):
        raise ConflictError("API Key already exists")
    key = ApiKey(
        id=account.next_id(),
        name=name,
        value=value,
        enabled=bool(enabled),
        description=description,
        customerId=customer_id,
        createdDate=now,
    )
    account.apiKeys[key.id] = key
    return key


def _check_throttle(throttle: ThrottleSettings | None, where: str) -> list[Problem]:
    if throttle is None:
        return []
    problems = []
    if throttle.rateLimit is not None and throttle.rateLimit < 0:
        problems.append(Problem(f"{where}.rateLimit", "cannot be negative"))
    if throttle.burstLimit is not None and throttle.burstLimit < 0:
        problems.append(Problem(f"{where}.burstLimit", "cannot be negative"))
    return problems


def plan_problems(plan: UsagePlan) -> list[Problem]:
    """AWS's rules for a plan's throttle and quota: a new plan, or one a patch operation changed."""
    problems = _check_throttle(plan.throttle, "throttle")
    quota = plan.quota
    if quota is not None:
        if quota.period not in PERIODS:
            problems.append(Problem("quota.period", "must be DAY, WEEK or MONTH"))
        if quota.limit < 0:
            problems.append(Problem("quota.limit", "cannot be negative"))
        if not 0 <= quota.offset < max(quota.limit, 1):
            problems.append(Problem("quota.offset", "must be between 0 and the limit"))
    return problems


def create_usage_plan(
    account: Account,
    name: str,
    *,
    throttle: ThrottleSettings | dict | None = None,
    quota: QuotaSettings | dict | None = None,
    description: str | None = None,
) -> UsagePlan:
    throttle = ThrottleSettings.from_dict(throttle) if isinstance(throttle, dict) else throttle
    quota = QuotaSettings.from_dict(quota) if isinstance(quota, dict) else quota
    plan = UsagePlan(id="", name=name, description=description, throttle=throttle, quota=quota)
    problems = plan_problems(plan)
    if problems:
        raise ValidationError(problems)
    plan.id = account.next_id(6)
    account.usagePlans[plan.id] = plan
    return plan


def add_api_stage(account: Account, plan_id: str, api_id: str, stage: str, throttle: dict | None = None) -> UsagePlan:
    """Associate an API stage with a plan (optionally with per-method throttles keyed "/path/METHOD")."""
    plan = _plan(account, plan_id)
    api = account.restApis.get(api_id)
    if api is None:
        raise NotFoundError(f"Invalid API identifier specified {account.accountId}:{api_id}")
    if api.endpoint_type and stage not in api.stages:
        raise NotFoundError(f"Invalid stage identifier specified: {stage}")
    overrides = {
        k: v if isinstance(v, ThrottleSettings) else ThrottleSettings.from_dict(v) for k, v in (throttle or {}).items()
    }
    problems = [p for k, v in overrides.items() for p in _check_throttle(v, f"apiStages.throttle.{k}")]
    if problems:
        raise ValidationError(problems)
    for other in account.usagePlans.values():
        if other.id != plan_id and any(s.apiId == api_id and s.stage == stage for s in other.apiStages):
            shared = set(other.keyIds) & set(plan.keyIds)
            if shared:
                raise ConflictError("A key cannot be in two usage plans for the same API stage")
    plan.apiStages = [s for s in plan.apiStages if not (s.apiId == api_id and s.stage == stage)]
    plan.apiStages.append(ApiStage(apiId=api_id, stage=stage, throttle=overrides))
    return plan


def create_usage_plan_key(account: Account, plan_id: str, key_id: str) -> UsagePlan:
    """CreateUsagePlanKey: the step that makes a new key work (the classic 403 exam question)."""
    plan = _plan(account, plan_id)
    if key_id not in account.apiKeys:
        raise NotFoundError(f"Invalid API Key identifier specified: {key_id}")
    for other in account.usagePlans.values():
        if other.id != plan_id and key_id in other.keyIds:
            overlap = {(s.apiId, s.stage) for s in other.apiStages} & {(s.apiId, s.stage) for s in plan.apiStages}
            if overlap:
                raise ConflictError(
                    "Usage Plan already has a key for this API stage; a key can be in one plan per API stage"
                )
    if key_id not in plan.keyIds:
        plan.keyIds.append(key_id)
    return plan


def delete_usage_plan_key(account: Account, plan_id: str, key_id: str) -> None:
    plan = _plan(account, plan_id)
    if key_id in plan.keyIds:
        plan.keyIds.remove(key_id)


def _plan(account: Account, plan_id: str) -> UsagePlan:
    try:
        return account.usagePlans[plan_id]
    except KeyError:
        raise NotFoundError(f"Invalid Usage Plan ID specified: {plan_id}") from None


# ---------------------------------------------------------------------------------------
# Quota periods


def period_start(period: str, now: float) -> datetime:
    """Quotas reset at 00:00 UTC: each day, each week (Monday), each month (the 1st)."""
    moment = datetime.fromtimestamp(now, tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "WEEK":
        return moment - timedelta(days=moment.weekday())
    if period == "MONTH":
        return moment.replace(day=1)
    return moment


def _quota_key(plan: UsagePlan, key: ApiKey, now: float) -> str:
    return f"quota:{plan.id}:{key.id}:{period_start(plan.quota.period, now).date().isoformat()}"


def _day(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).date().isoformat()


def get_usage(account: Account, store, plan_id: str, start: str, end: str) -> dict:
    """GetUsage: per key, per day from `start` to `end` (YYYY-MM-DD): [used, remaining quota]."""
    plan = _plan(account, plan_id)
    first, last = datetime.fromisoformat(start).date(), datetime.fromisoformat(end).date()
    items: dict[str, list[list[int]]] = {}
    for key_id in plan.keyIds:
        rows = []
        day = first
        while day <= last:
            used = store.peek(f"usage:{plan.id}:{key_id}:{day.isoformat()}")
            remaining = 0
            if plan.quota:
                moment = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
                key = account.apiKeys.get(key_id)
                spent = store.peek(_quota_key(plan, key, moment)) if key else 0
                remaining = max(0, plan.quota.limit - spent)
            rows.append([used, remaining])
            day += timedelta(days=1)
        items[key_id] = rows
    return {"usagePlanId": plan.id, "startDate": start, "endDate": end, "items": items}


# ---------------------------------------------------------------------------------------
# The method-request checks


def _presented_key(call: Call) -> str | None:
    if call.compiled.api_key_source == "AUTHORIZER":
        return call.extra.get("usageIdentifierKey")
    return call.request.header("x-api-key")


def plans_for(account: Account, api_id: str, stage: str, key_id: str) -> list[UsagePlan]:
    return [
        p
        for p in account.usagePlans.values()
        if key_id in p.keyIds and any(s.apiId == api_id and s.stage == stage for s in p.apiStages)
    ]


def check_api_key(call: Call) -> GatewayFailure | None:
    """Key required -> a known, enabled key in a usage plan for this stage; then the plan's throttle and quota."""
    method = call.method
    if method is None or not method.apiKeyRequired:
        return None
    value = _presented_key(call)
    forbidden = lambda reason: _forbidden(call, reason)  # noqa: E731
    if not value:
        missing = (
            "the authorizer returned no usageIdentifierKey"
            if call.compiled.api_key_source == "AUTHORIZER"
            else "the request has no x-api-key header"
        )
        return forbidden(f"the method requires an API key and {missing}")
    key = next((k for k in call.account.apiKeys.values() if k.value == value), None)
    if key is None:
        return forbidden("no API key has this value")
    if not key.enabled:
        return forbidden(f"the API key {key.name} is disabled")
    plans = plans_for(call.account, call.request.api_id, call.request.stage, key.id)
    if not plans:
        return forbidden(
            f"your key {key.name} exists but no usage plan for stage {call.request.stage} contains it: "
            "add the stage to a usage plan and the key to that plan (CreateUsagePlanKey)"
        )
    plan = plans[0]
    call.extra["api_key"], call.extra["usage_plan"] = key, plan
    call.context["identity"]["apiKey"], call.context["identity"]["apiKeyId"] = key.value, key.id
    call.info(
        f"API Key {key.id} authorized because method '{call.request.method.upper()} {call.resource_path}' requires API Key and key is in usage plan {plan.id}"
    )
    return _plan_limits(call, plan, key)


def _forbidden(call: Call, reason: str) -> GatewayFailure:
    call.error(f"Forbidden: {reason}")
    return GatewayFailure("INVALID_API_KEY", 403, "Forbidden", "ForbiddenException", "method request")


def _plan_limits(call: Call, plan: UsagePlan, key: ApiKey) -> GatewayFailure | None:
    store, now = call.runtime.store, call.request.time
    stage = next(s for s in plan.apiStages if s.apiId == call.request.api_id and s.stage == call.request.stage)
    method_key = f"{call.resource_path}/{call.request.method.upper()}"
    override = stage.throttle.get(method_key)
    throttle = override or plan.throttle
    if throttle and throttle.rateLimit is not None:
        bucket = f"bucket:plan:{plan.id}:{key.id}" + (f":{method_key}" if override else "")
        burst = throttle.burstLimit if throttle.burstLimit is not None else max(1, int(throttle.rateLimit))
        if not store.take(bucket, float(throttle.rateLimit), int(burst), now):
            call.error(
                f"Usage plan {plan.id} throttled key {key.id}: {throttle.rateLimit} requests per second, burst {burst}"
            )
            return failure("THROTTLED", "Too Many Requests", step="method request")
    if plan.quota:
        limit = plan.quota.limit
        allowed, used = store.count(_quota_key(plan, key, now), limit)
        if not allowed:
            call.error(f"Usage plan {plan.id} quota of {limit} per {plan.quota.period} is spent for key {key.id}")
            return failure("QUOTA_EXCEEDED", "Limit Exceeded", step="method request")
        call.extra["quota_used"] = used
    store.count(f"usage:{plan.id}:{key.id}:{_day(now)}", None)
    return None


def check_stage_throttle(call: Call) -> GatewayFailure | None:
    setting = call.stage.setting_for(call.resource_path, call.request.method.upper())
    bucket = (
        f"bucket:stage:{call.request.api_id}:{call.request.stage}:{call.resource_path}/{call.request.method.upper()}"
    )
    if not call.runtime.store.take(
        bucket, float(setting.throttlingRateLimit), int(setting.throttlingBurstLimit), call.request.time
    ):
        call.error(
            f"Stage {call.request.stage} throttled the method: {setting.throttlingRateLimit} requests per second, burst {setting.throttlingBurstLimit}"
        )
        return failure("THROTTLED", "Too Many Requests", step="method request")
    return None


def check_account_throttle(call: Call) -> GatewayFailure | None:
    limits = call.account.accountThrottle
    bucket = f"bucket:account:{call.account.accountId}:{call.account.region}"
    if not call.runtime.store.take(
        bucket, float(limits.rateLimit or 0), int(limits.burstLimit or 0), call.request.time
    ):
        call.error(
            f"Account throttle: {limits.rateLimit} requests per second, burst {limits.burstLimit} across all APIs in the Region"
        )
        return failure("THROTTLED", "Too Many Requests", step="method request")
    return None
