"""Forms of the operations pages: stages, API keys and usage plans, Lambda functions, IAM users,
Cognito, authorizers, the traffic generator, metrics, OpenAPI, HTTP and WebSocket APIs.

A form that changes the sandbox has `apply(account, ...)`: it runs the engine's operation on the
fresh Account that `SandboxAccount.editing` hands out and returns a sentence for the learner. The
engine's own errors propagate; the view turns them into form errors with `add_engine_error`.
"""

from __future__ import annotations

import json
import re
import secrets
import string
import time
from datetime import date, timedelta
from typing import Any

from django import forms

import gateway as gw
from gateway.auth import authorizers, cognito, iam
from gateway.control.operations import get_api, get_stage
from gateway.model.resources import AccessLogSettings, IamUser
from gateway.traffic import cache as caching
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from sandbox.runtime import RUNTIME

MAX_TRAFFIC = 500
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
METHODS = [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")]
STRATEGIES = [
    ("SUCCEED_WITH_RESPONSE_HEADER", "Ignore it, add a Warning header"),
    ("SUCCEED_WITHOUT_RESPONSE_HEADER", "Ignore it silently"),
    ("FAIL_WITH_403", "Fail with 403"),
]
BEHAVIOURS = [
    ("echo", "echo: return the event"),
    ("response", "response: return a fixed JSON value"),
    ("error", "error: raise an error"),
    ("hello", "hello: greet ?name="),
    ("pets", "pets: CRUD over a DynamoDB table"),
    ("authorizer", "authorizer: a declared policy per case"),
    ("table", "table: answer by cases"),
]
AUTHORIZER_EXAMPLE = (
    '[{"when": {"token": "allow"}, "effect": "Allow", "principalId": "alice", "context": {"plan": "gold"}},\n'
    ' {"when": {"token": "deny"}, "effect": "Deny"},\n'
    ' {"when": {}, "effect": "Unauthorized"}]'
)
ACCESS_LOG_EXAMPLE = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
    '"path":"$context.path","status":"$context.status","latency":"$context.responseLatency",'
    '"apiKeyId":"$context.identity.apiKeyId","canary":"$context.isCanaryRequest"}'
)
POLICY_EXAMPLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:*/*/GET/*",
            }
        ],
    },
    indent=2,
)


def now() -> float:
    return time.time()


# ---------------------------------------------------------------------------------------
# Parsing helpers


def parse_pairs(text: str, sep: str, what: str) -> list[tuple[str, str]]:
    """One `name<sep>value` per line (blank lines skipped), or a ValidationError naming the line."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        name, found, value = line.partition(sep)
        if not found or not name.strip():
            raise forms.ValidationError(f"Line {number} (“{line.strip()}”) is not {what}: write name{sep}value")
        pairs.append((name.strip(), value.strip()))
    return pairs


def split_list(text: str) -> list[str]:
    """Items separated by commas, spaces or new lines."""
    return [item for item in re.split(r"[,\s]+", text or "") if item]


def json_value(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise forms.ValidationError(f"{what} is not valid JSON: {exc}") from None


def engine_problems(exc: Exception) -> list[tuple[str, str]]:
    """(where, message) for each problem an engine error reports."""
    if isinstance(exc, gw.ValidationError):
        return [(p.where, p.message) for p in exc.problems]
    if isinstance(exc, cognito.CognitoError):
        return [("", f"{exc.message} ({exc.code})")]
    return [("", str(exc).strip("'\""))]


class EngineForm(forms.Form):
    """A form that shows the engine's problems on the field they are about."""

    engine_fields: dict[str, str] = {}  # engine field path (or its prefix) -> form field

    def __init__(self, *args, **kwargs):
        # Pages hold many forms: ids named after the form keep every label pointing at its own input.
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.removesuffix('Form').lower()}_%s")
        super().__init__(*args, **kwargs)

    def field_for(self, where: str) -> str | None:
        if where in self.fields:
            return where
        for prefix, name in self.engine_fields.items():
            if where == prefix or where.startswith((prefix + ".", prefix + "[")):
                return name
        return None

    def add_engine_error(self, exc: Exception) -> None:
        for where, message in engine_problems(exc):
            field = self.field_for(where)
            self.add_error(field, message if field or not where else f"{where}: {message}")


def _choices(items, empty: str | None = None) -> list[tuple[str, str]]:
    out = [("", empty)] if empty is not None else []
    return out + [(str(value), str(label)) for value, label in items]


# ---------------------------------------------------------------------------------------
# Stages


def method_keys(api: gw.RestApi) -> list[tuple[str, str]]:
    """("~1pets/GET", "GET /pets") for every method of the API's working copy."""
    keys = []
    for resource in sorted(api.resources.values(), key=lambda r: r.path):
        for verb in sorted(resource.resourceMethods):
            keys.append((gw.method_setting_key(resource.path, verb), f"{verb} {resource.path}"))
    return keys


class StageForm(EngineForm):
    def __init__(self, *args, api: gw.RestApi, stage: gw.Stage, **kwargs):
        self.api, self.stage = api, stage
        super().__init__(*args, **kwargs)

    def target(self, account: gw.Account, api_id: str, stage_name: str) -> tuple[gw.RestApi, gw.Stage]:
        api = get_api(account, api_id)
        return api, get_stage(api, stage_name)


class StageSettingsForm(StageForm):
    description = forms.CharField(required=False, max_length=200)
    tracing = forms.BooleanField(
        required=False, label="X-Ray tracing", help_text="Every request gets a trace with a subsegment per step."
    )
    access_log_format = forms.CharField(
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Access log format",
        help_text=f"Empty turns access logging off. $context variables, e.g. <code>{ACCESS_LOG_EXAMPLE}</code>",
    )

    def clean_access_log_format(self):
        text = self.cleaned_data["access_log_format"].strip()
        if text and "$context.requestId" not in text and "$context.extendedRequestId" not in text:
            raise forms.ValidationError(
                "An access log format must include $context.requestId or $context.extendedRequestId (AWS refuses it otherwise)."
            )
        return text

    def apply(self, account, api_id, stage_name):
        _, stage = self.target(account, api_id, stage_name)
        data = self.cleaned_data
        stage.description = data["description"].strip() or None
        stage.tracingEnabled = data["tracing"]
        if data["access_log_format"]:
            destination = f"arn:aws:logs:{account.region}:{account.accountId}:log-group:API-Gateway-Access-Logs_{api_id}/{stage_name}"
            stage.accessLogSettings = AccessLogSettings(format=data["access_log_format"], destinationArn=destination)
        else:
            stage.accessLogSettings = None
        stage.lastUpdatedDate = now()
        return f"Saved the settings of stage {stage_name}."


class VariableRowForm(forms.Form):
    name = forms.CharField(required=False, max_length=64)
    value = forms.CharField(required=False, max_length=512)


class BaseVariablesFormSet(forms.BaseFormSet):
    """The stage variables editor: a row per variable (tick Remove to delete it) plus an empty row to add one."""

    def __init__(self, *args, api=None, stage=None, **kwargs):
        self.api, self.stage = api, stage
        super().__init__(*args, **kwargs)

    def clean(self):
        if any(self.errors):
            return
        names = [f.cleaned_data.get("name", "").strip() for f in self.forms if not self._should_delete_form(f)]
        names = [n for n in names if n]
        if len(names) != len(set(names)):
            raise forms.ValidationError("Each stage variable name can appear only once.")

    def variables(self) -> dict[str, str]:
        out = {}
        for form in self.forms:
            if self._should_delete_form(form):
                continue
            name = (form.cleaned_data.get("name") or "").strip()
            if name:
                out[name] = (form.cleaned_data.get("value") or "").strip()
        return out

    def add_engine_error(self, exc: Exception) -> None:
        self.non_form_errors()  # make sure the list exists
        for where, message in engine_problems(exc):
            name = where.rsplit(".", 1)[-1] if where.startswith("variables.") else where
            self._non_form_errors.append(f"{name}: {message}" if name else message)

    def apply(self, account, api_id, stage_name):
        api = get_api(account, api_id)
        stage = get_stage(api, stage_name)
        gw.update_stage_variables(stage, self.variables())
        stage.lastUpdatedDate = now()
        return f"Saved the stage variables of {stage_name}. They apply to the next request: no deployment needed."


VariablesFormSet = forms.formset_factory(VariableRowForm, formset=BaseVariablesFormSet, extra=1, can_delete=True)


class CacheForm(StageForm):
    enabled = forms.BooleanField(required=False, label="Enable the API cache")
    size = forms.ChoiceField(choices=[(s, f"{s} GB") for s in caching.CACHE_SIZES], initial="0.5", label="Cache size")
    ttl = forms.IntegerField(
        min_value=0, max_value=3600, initial=300, label="TTL (seconds)", help_text="0 disables caching; at most 3600."
    )
    encrypted = forms.BooleanField(required=False, label="Encrypt cache data")
    engine_fields = {"cacheClusterSize": "size", "methodSettings": "ttl"}

    def apply(self, account, api_id, stage_name):
        _, stage = self.target(account, api_id, stage_name)
        data = self.cleaned_data
        if data["enabled"]:
            caching.enable_stage_cache(stage, data["size"], ttl=data["ttl"], encrypted=data["encrypted"])
            stage.lastUpdatedDate = now()
            return f"Cache of {data['size']} GB enabled on {stage_name}: GET methods are cached for {data['ttl']} s."
        caching.disable_stage_cache(stage)
        stage.lastUpdatedDate = now()
        return f"Cache disabled on {stage_name}."


class MethodSettingsForm(StageForm):
    key = forms.ChoiceField(label="Applies to")
    throttling_rate = forms.FloatField(min_value=0, label="Throttling rate (requests/s)")
    throttling_burst = forms.IntegerField(min_value=0, label="Throttling burst")
    caching_enabled = forms.BooleanField(required=False, label="Cache responses")
    cache_ttl = forms.IntegerField(min_value=0, max_value=3600, label="Cache TTL (s)")
    cache_encrypted = forms.BooleanField(required=False, label="Encrypt cache data")
    require_authorization = forms.BooleanField(
        required=False,
        label="Require authorization for Cache-Control: max-age=0",
        help_text="Only callers allowed execute-api:InvalidateCache may invalidate.",
    )
    unauthorized_strategy = forms.ChoiceField(choices=STRATEGIES, label="Unauthorized invalidation requests")
    logging_level = forms.ChoiceField(
        choices=[("OFF", "Off"), ("ERROR", "Errors only"), ("INFO", "Errors and info")], label="CloudWatch logs"
    )
    data_trace = forms.BooleanField(required=False, label="Log full requests and responses (data tracing)")
    metrics = forms.BooleanField(required=False, label="Detailed CloudWatch metrics (per method)")
    FIELDS = {
        "throttling_rate": "throttlingRateLimit",
        "throttling_burst": "throttlingBurstLimit",
        "caching_enabled": "cachingEnabled",
        "cache_ttl": "cacheTtlInSeconds",
        "cache_encrypted": "cacheDataEncrypted",
        "require_authorization": "requireAuthorizationForCacheControl",
        "unauthorized_strategy": "unauthorizedCacheControlHeaderStrategy",
        "logging_level": "loggingLevel",
        "data_trace": "dataTraceEnabled",
        "metrics": "metricsEnabled",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("*/*", "The whole stage (*/*)"), *method_keys(self.api)]

    @classmethod
    def initial_for(cls, stage: gw.Stage, key: str) -> dict[str, Any]:
        setting = stage.methodSettings.get(key) or stage.methodSettings.get("*/*") or gw.MethodSetting()
        values = {name: getattr(setting, attr) for name, attr in cls.FIELDS.items()}
        return {"key": key, **values}

    def field_for(self, where: str) -> str | None:
        attr = where.rsplit(".", 1)[-1]
        return next((name for name, a in self.FIELDS.items() if a == attr), None)

    def apply(self, account, api_id, stage_name):
        _, stage = self.target(account, api_id, stage_name)
        data = self.cleaned_data
        gw.update_method_settings(stage, data["key"], **{attr: data[name] for name, attr in self.FIELDS.items()})
        stage.lastUpdatedDate = now()
        label = dict(self.fields["key"].choices).get(data["key"], data["key"])
        return f"Saved the method settings for {label} on {stage_name}."


class ResetMethodSettingsForm(StageForm):
    key = forms.CharField()

    def apply(self, account, api_id, stage_name):
        _, stage = self.target(account, api_id, stage_name)
        key = self.cleaned_data["key"]
        if key not in stage.methodSettings:
            raise gw.NotFoundError(f"No method settings for {key}")
        del stage.methodSettings[key]
        return f"Removed the settings for {key}: {'AWS defaults' if key == '*/*' else 'the stage-wide settings'} apply."


class CanaryForm(StageForm):
    deployment = forms.ChoiceField(label="Canary serves")
    percent = forms.FloatField(
        min_value=0,
        max_value=100,
        required=False,
        label="Traffic to the canary (%)",
        widget=forms.NumberInput(attrs={"type": "range", "step": "0.5"}),
    )
    percent_exact = forms.FloatField(
        min_value=0,
        max_value=100,
        required=False,
        label="or type it (%)",
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )
    percent_was = forms.FloatField(required=False, widget=forms.HiddenInput)
    overrides = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Stage variable overrides",
        help_text="One per line: name=value. The canary's requests see these values instead of the stage's.",
    )
    use_stage_cache = forms.BooleanField(required=False, label="Use the stage cache (otherwise the canary has its own)")
    engine_fields = {
        "canarySettings.percentTraffic": "percent_exact",
        "canarySettings.stageVariableOverrides": "overrides",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        deployments = sorted(self.api.deployments.values(), key=lambda d: d.createdDate, reverse=True)
        self.fields["deployment"].choices = [("new", "A new deployment of the current working copy")] + [
            (d.id, f"{d.id}{' · ' + d.description if d.description else ''}") for d in deployments
        ]

    def clean_overrides(self):
        return dict(parse_pairs(self.cleaned_data["overrides"], "=", "a stage variable"))

    def clean(self):
        data = super().clean()
        # Without JavaScript the slider and the box cannot follow each other: whichever the learner moved wins.
        was, exact, slider = data.get("percent_was"), data.get("percent_exact"), data.get("percent")
        if exact is not None and exact != was:
            data["percent_traffic"] = exact
        elif slider is not None:
            data["percent_traffic"] = slider
        elif exact is not None:
            data["percent_traffic"] = exact
        else:
            self.add_error("percent_exact", "Choose how much traffic goes to the canary.")
        return data

    def apply(self, account, api_id, stage_name):
        api, stage = self.target(account, api_id, stage_name)
        data = self.cleaned_data
        settings = gw.CanarySettings(
            percentTraffic=float(data["percent_traffic"]),
            stageVariableOverrides=data["overrides"],
            useStageCache=data["use_stage_cache"],
        )
        if data["deployment"] == "new":
            deployment = gw.create_deployment(
                account, api, stage_name=stage_name, canary=settings, description=f"canary of {stage_name}", now=now()
            )
            return f"Deployed {deployment.id} as the canary of {stage_name}: {settings.percentTraffic:g}% of requests go to it."
        if data["deployment"] not in api.deployments:
            raise gw.NotFoundError(f"Invalid Deployment identifier specified: {data['deployment']}")
        settings.deploymentId = data["deployment"]
        gw.update_canary(stage, settings)
        stage.lastUpdatedDate = now()
        return (
            f"Canary of {stage_name}: deployment {settings.deploymentId} gets {settings.percentTraffic:g}% of requests."
        )


class PromoteCanaryForm(StageForm):
    def apply(self, account, api_id, stage_name):
        api = get_api(account, api_id)
        stage = gw.promote_canary(api, stage_name, now=now())
        return f"Promoted the canary: {stage_name} now serves deployment {stage.deploymentId} to every request."


class DeleteCanaryForm(StageForm):
    def apply(self, account, api_id, stage_name):
        api, stage = self.target(account, api_id, stage_name)
        if stage.canarySettings is None:
            raise gw.NotFoundError(f"Stage {stage_name} has no canary")
        gw.delete_canary(api, stage_name)
        return f"Deleted the canary of {stage_name}: every request gets deployment {stage.deploymentId} again."


class RollbackForm(StageForm):
    deployment = forms.CharField(max_length=20)

    def apply(self, account, api_id, stage_name):
        api = get_api(account, api_id)
        deployment = self.cleaned_data["deployment"]
        gw.rollback_stage(api, stage_name, deployment, now=now())
        return f"{stage_name} now serves deployment {deployment}."


class DeleteStageForm(StageForm):
    confirm = forms.BooleanField(label="Yes, delete this stage")

    def apply(self, account, api_id, stage_name):
        api = get_api(account, api_id)
        gw.delete_stage(api, stage_name)
        for plan in account.usagePlans.values():
            plan.apiStages = [s for s in plan.apiStages if not (s.apiId == api_id and s.stage == stage_name)]
        return f"Deleted stage {stage_name}: its invoke URL answers 403 Missing Authentication Token now."


def flush_cache(api_id: str, stage_name: str) -> str:
    """FlushStageCache: runtime state only, nothing in the sandbox changes."""
    dropped = caching.flush_stage_cache(RUNTIME.store, api_id, stage_name)
    return f"Flushed the cache of {stage_name}: {dropped} entr{'y' if dropped == 1 else 'ies'} removed."


# ---------------------------------------------------------------------------------------
# API keys and usage plans


class ApiKeyForm(EngineForm):
    name = forms.CharField(max_length=128)
    description = forms.CharField(required=False, max_length=200)
    source = forms.ChoiceField(
        choices=[("generate", "Generate a value"), ("import", "Use my value")],
        initial="generate",
        widget=forms.RadioSelect,
        label="Key value",
    )
    value = forms.CharField(
        required=False, max_length=128, help_text="20 to 128 printable characters (only when you use your own)."
    )
    enabled = forms.BooleanField(
        required=False,
        label="Enabled",
        help_text="AWS creates an API key <strong>disabled</strong> unless you say enabled: a disabled key gets 403 Forbidden.",
    )
    customer_id = forms.CharField(required=False, max_length=100, label="Customer id (optional)")

    def clean(self):
        data = super().clean()
        if data.get("source") == "import" and not (data.get("value") or "").strip():
            self.add_error("value", "Type the key value, or choose “Generate a value”.")
        return data

    def apply(self, account):
        data = self.cleaned_data
        key = traffic.create_api_key(
            account,
            data["name"].strip(),
            value=data["value"].strip() if data["source"] == "import" else None,
            enabled=data["enabled"],
            description=data["description"] or None,
            customer_id=data["customer_id"] or None,
            now=now(),
        )
        state = "enabled" if key.enabled else "disabled (AWS's default: enable it before use)"
        return f"Created the API key {key.name}: {state}. Add it to a usage plan for it to work."


class KeyEnabledForm(EngineForm):
    enabled = forms.BooleanField(required=False)

    def apply(self, account, key_id):
        key = account.apiKeys.get(key_id)
        if key is None:
            raise gw.NotFoundError(f"Invalid API Key identifier specified: {key_id}")
        key.enabled = self.cleaned_data["enabled"]
        return (
            f"The API key {key.name} is {'enabled' if key.enabled else 'disabled: requests with it get 403 Forbidden'}."
        )


class DeleteKeyForm(EngineForm):
    def apply(self, account, key_id):
        key = account.apiKeys.pop(key_id, None)
        if key is None:
            raise gw.NotFoundError(f"Invalid API Key identifier specified: {key_id}")
        for plan in account.usagePlans.values():
            if key_id in plan.keyIds:
                plan.keyIds.remove(key_id)
        return f"Deleted the API key {key.name}."


class UsagePlanForm(EngineForm):
    name = forms.CharField(max_length=128)
    description = forms.CharField(required=False, max_length=200)
    rate = forms.FloatField(
        required=False, min_value=0, label="Throttle rate (requests/s)", help_text="Empty: no throttle."
    )
    burst = forms.IntegerField(required=False, min_value=0, label="Throttle burst")
    quota_limit = forms.IntegerField(
        required=False, min_value=1, label="Quota (requests)", help_text="Empty: no quota."
    )
    quota_period = forms.ChoiceField(
        choices=[("DAY", "per day"), ("WEEK", "per week"), ("MONTH", "per month")], initial="DAY"
    )
    engine_fields = {
        "throttle.rateLimit": "rate",
        "throttle.burstLimit": "burst",
        "quota.limit": "quota_limit",
        "quota.period": "quota_period",
    }

    def clean(self):
        data = super().clean()
        if data.get("burst") is not None and data.get("rate") is None:
            self.add_error("rate", "A burst needs a rate.")
        return data

    def apply(self, account):
        data = self.cleaned_data
        throttle = None
        if data["rate"] is not None:
            throttle = {
                "rateLimit": data["rate"],
                "burstLimit": data["burst"] if data["burst"] is not None else max(1, int(data["rate"])),
            }
        quota = (
            {"limit": data["quota_limit"], "period": data["quota_period"], "offset": 0} if data["quota_limit"] else None
        )
        plan = traffic.create_usage_plan(
            account, data["name"].strip(), throttle=throttle, quota=quota, description=data["description"] or None
        )
        return f"Created the usage plan {plan.name}. Add an API stage and a key to it."


def api_stage_choices(account: gw.Account) -> list[tuple[str, str]]:
    return [
        (f"{api.id}/{stage}", f"{api.name} ({api.id}) · {stage}")
        for api in sorted(account.restApis.values(), key=lambda a: a.name.lower())
        for stage in sorted(api.stages)
    ]


def throttle_keys(account: gw.Account) -> list[tuple[str, str]]:
    """Per-method throttle keys as usage plans spell them: "/pets/GET"."""
    out = []
    for api in sorted(account.restApis.values(), key=lambda a: a.name.lower()):
        for resource in sorted(api.resources.values(), key=lambda r: r.path):
            for verb in sorted(resource.resourceMethods):
                out.append((f"{resource.path}/{verb}", f"{verb} {resource.path}"))
    return sorted(set(out))


def _plan(account: gw.Account, plan_id: str) -> gw.model.resources.UsagePlan:
    plan = account.usagePlans.get(plan_id)
    if plan is None:
        raise gw.NotFoundError(f"Invalid Usage Plan ID specified: {plan_id}")
    return plan


class PlanStageForm(EngineForm):
    api_stage = forms.ChoiceField(label="API stage")
    method = forms.ChoiceField(required=False, label="Per-method throttle (optional)")
    method_rate = forms.FloatField(required=False, min_value=0, label="Method rate (requests/s)")
    method_burst = forms.IntegerField(required=False, min_value=0, label="Method burst")
    engine_fields = {"apiStages": "method_rate"}

    def __init__(self, *args, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["api_stage"].choices = api_stage_choices(account)
        self.fields["method"].choices = [("", "None: the plan's throttle applies"), *throttle_keys(account)]

    def clean(self):
        data = super().clean()
        if data.get("method") and data.get("method_rate") is None:
            self.add_error("method_rate", "Give the method's rate (requests per second).")
        return data

    def apply(self, account, plan_id):
        data = self.cleaned_data
        api_id, _, stage = data["api_stage"].partition("/")
        plan = account.usagePlans.get(plan_id)
        existing = next((s for s in plan.apiStages if s.apiId == api_id and s.stage == stage), None) if plan else None
        throttle = {k: v.to_dict() for k, v in existing.throttle.items()} if existing else {}
        if data["method"]:
            rate = data["method_rate"]
            burst = data["method_burst"] if data["method_burst"] is not None else max(1, int(rate))
            throttle[data["method"]] = {"rateLimit": rate, "burstLimit": burst}
        plan = traffic.add_api_stage(account, plan_id, api_id, stage, throttle=throttle)
        return f"The usage plan {plan.name} now covers {api_id} stage {stage}."


class PlanRemoveStageForm(EngineForm):
    api_stage = forms.CharField()

    def apply(self, account, plan_id):
        api_id, _, stage = self.cleaned_data["api_stage"].partition("/")
        plan = _plan(account, plan_id)
        before = len(plan.apiStages)
        plan.apiStages = [s for s in plan.apiStages if not (s.apiId == api_id and s.stage == stage)]
        if len(plan.apiStages) == before:
            raise gw.NotFoundError(f"The plan does not cover {api_id} stage {stage}")
        return f"Removed {api_id} stage {stage} from {plan.name}: its keys get 403 Forbidden there now."


class PlanKeyForm(EngineForm):
    key = forms.ChoiceField(label="API key")

    def __init__(self, *args, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        keys = sorted(account.apiKeys.values(), key=lambda k: k.name.lower())
        self.fields["key"].choices = [(k.id, f"{k.name} ({'enabled' if k.enabled else 'disabled'})") for k in keys]

    def apply(self, account, plan_id):
        plan = traffic.create_usage_plan_key(account, plan_id, self.cleaned_data["key"])
        key = account.apiKeys[self.cleaned_data["key"]]
        return f"Added {key.name} to {plan.name} (CreateUsagePlanKey): requests with it are metered by this plan."


class PlanRemoveKeyForm(EngineForm):
    def apply(self, account, plan_id, key_id):
        plan = _plan(account, plan_id)
        if key_id not in plan.keyIds:
            raise gw.NotFoundError(f"The key {key_id} is not in {plan.name}")
        traffic.delete_usage_plan_key(account, plan_id, key_id)
        return f"Removed the key from {plan.name}."


class DeletePlanForm(EngineForm):
    def apply(self, account, plan_id):
        plan = _plan(account, plan_id)
        del account.usagePlans[plan_id]
        return f"Deleted the usage plan {plan.name}."


class UsageForm(forms.Form):
    # <input type=date> shows a value only in ISO form, whatever the locale's format.
    start = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    @staticmethod
    def default_initial(today: date) -> dict[str, date]:
        return {"start": today - timedelta(days=6), "end": today}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The end is before the start.")
            elif (end - start).days > 89:
                self.add_error("end", "A usage report covers at most 90 days.")
        return data


# ---------------------------------------------------------------------------------------
# Lambda functions


class BehaviourForm(EngineForm):
    kind = forms.ChoiceField(choices=BEHAVIOURS, label="Behaviour")
    response = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Response (JSON)",
        help_text='For “response”: e.g. {"statusCode": 200, "body": "{\\"ok\\": true}"}',
    )
    message = forms.CharField(
        required=False,
        max_length=500,
        label="Error message",
        help_text="For “error”: the errorMessage selection patterns match.",
    )
    error_type = forms.CharField(required=False, max_length=100, label="Error type")
    table = forms.CharField(
        required=False, max_length=64, initial="Pets", label="DynamoDB table", help_text="For “pets”."
    )
    cases = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Cases (JSON list)",
        help_text=f"For “authorizer” and “table”. An authorizer: <code>{AUTHORIZER_EXAMPLE}</code>",
    )
    duration_ms = forms.IntegerField(
        min_value=0,
        max_value=900_000,
        initial=20,
        label="Duration (ms)",
        help_text="Simulated: over the integration timeout it is a 504.",
    )

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "response":
            if not (data.get("response") or "").strip():
                self.add_error("response", "A “response” function needs the JSON it returns.")
            else:
                try:
                    data["response_value"] = json_value(data["response"], "The response")
                except forms.ValidationError as exc:
                    self.add_error("response", exc)
        if kind == "error" and not (data.get("message") or "").strip():
            self.add_error("message", "An “error” function needs the message it raises.")
        if kind in ("authorizer", "table"):
            try:
                cases = json_value(data.get("cases") or "", "The cases")
            except forms.ValidationError as exc:
                self.add_error("cases", exc)
            else:
                if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
                    self.add_error("cases", "The cases are a JSON list of objects, e.g. " + AUTHORIZER_EXAMPLE)
                else:
                    data["cases_value"] = cases
        return data

    def behaviour(self) -> gw.Behaviour:
        data = self.cleaned_data
        kind = data["kind"]
        return gw.Behaviour(
            kind=kind,
            response=data.get("response_value") if kind == "response" else None,
            message=data["message"].strip() or None if kind == "error" else None,
            errorType=data["error_type"].strip() or None if kind == "error" else None,
            table=(data["table"].strip() or "Pets") if kind == "pets" else None,
            cases=data.get("cases_value", []) if kind in ("authorizer", "table") else [],
            durationMs=data["duration_ms"],
        )

    @staticmethod
    def initial_for(behaviour: gw.Behaviour) -> dict[str, Any]:
        return {
            "kind": behaviour.kind,
            "response": json.dumps(behaviour.response) if behaviour.response is not None else "",
            "message": behaviour.message or "",
            "error_type": behaviour.errorType or "",
            "table": behaviour.table or "Pets",
            "cases": json.dumps(behaviour.cases, indent=1) if behaviour.cases else "",
            "duration_ms": behaviour.durationMs,
        }

    def apply(self, account, name):
        function = account.functions.get(name)
        if function is None:
            raise gw.NotFoundError(f"Function not found: {name}")
        function.versions["$LATEST"] = self.behaviour()
        return f"Saved $LATEST of {name}. Publish a version to freeze it."


class FunctionForm(BehaviourForm):
    name = forms.RegexField(
        regex=NAME, max_length=64, error_messages={"invalid": "Letters, digits, - and _ only (at most 64)."}
    )
    description = forms.CharField(required=False, max_length=200)
    field_order = ["name", "description", "kind"]

    def apply(self, account):
        data = self.cleaned_data
        function = gw.create_function(account, data["name"], self.behaviour())
        function.description = data["description"] or None
        return f"Created the function {function.name} ({data['kind']}). API Gateway may invoke it (the console adds that permission)."


class PublishForm(EngineForm):
    def apply(self, account, name):
        function = account.functions.get(name)
        if function is None:
            raise gw.NotFoundError(f"Function not found: {name}")
        version = function.publish_version()
        return f"Published version {version} of {name}: a frozen copy of $LATEST."


class AliasForm(EngineForm):
    alias = forms.RegexField(
        regex=r"^(?!\d+$)[A-Za-z0-9_-]{1,128}$",
        label="Alias name",
        error_messages={"invalid": "Letters, digits, - and _ (not only digits)."},
    )
    version = forms.ChoiceField()

    def __init__(self, *args, function: gw.LambdaFunction, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].choices = [(v, v) for v in _versions(function)]

    def apply(self, account, name):
        data = self.cleaned_data
        gw.create_alias(account, name, data["alias"], data["version"])
        return (
            f"{name}:{data['alias']} points at version {data['version']}. An integration calling the alias needs a "
            f"permission with qualifier {data['alias']}."
        )


def _versions(function: gw.LambdaFunction) -> list[str]:
    return sorted(function.versions, key=lambda v: (v != "$LATEST", int(v) if v.isdigit() else 0))


class PermissionForm(EngineForm):
    source_arn = forms.CharField(
        max_length=300,
        label="Source ARN",
        initial="arn:aws:execute-api:us-east-1:123456789012:*/*/*/*",
        help_text="arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH, * as a wildcard.",
    )
    qualifier = forms.ChoiceField(
        required=False,
        label="Qualifier",
        help_text="A permission without qualifier does not cover aliases or versions.",
    )
    engine_fields = {"sourceArn": "source_arn"}

    def __init__(self, *args, function: gw.LambdaFunction, **kwargs):
        super().__init__(*args, **kwargs)
        qualifiers = sorted(function.aliases) + [v for v in _versions(function) if v != "$LATEST"]
        self.fields["qualifier"].choices = [("", "None (the function, $LATEST)")] + [(q, q) for q in qualifiers]

    def clean_source_arn(self):
        arn = self.cleaned_data["source_arn"].strip()
        if not arn.startswith("arn:aws:execute-api:"):
            raise forms.ValidationError("API Gateway's source ARN starts with arn:aws:execute-api:")
        return arn

    def apply(self, account, name):
        data = self.cleaned_data
        gw.add_permission(account, name, data["source_arn"], data["qualifier"] or None)
        return f"API Gateway may invoke {name}{':' + data['qualifier'] if data['qualifier'] else ''} from {data['source_arn']}."


class RemovePermissionForm(EngineForm):
    index = forms.IntegerField(min_value=0)

    def apply(self, account, name):
        function = account.functions.get(name)
        index = self.cleaned_data["index"]
        if function is None or index >= len(function.permissions):
            raise gw.NotFoundError("No such permission")
        function.permissions.pop(index)
        return f"Removed the permission from {name}."


# ---------------------------------------------------------------------------------------
# IAM users


class IamUserForm(EngineForm):
    name = forms.RegexField(
        regex=r"^[\w+=,.@-]{1,64}$",
        max_length=64,
        label="User name",
        error_messages={"invalid": "Letters, digits and +=,.@_- (at most 64)."},
    )

    def apply(self, account):
        name = self.cleaned_data["name"]
        if name in account.iamUsers:
            raise gw.ConflictError(f"User with name {name} already exists.")
        account.iamUsers[name] = IamUser(name=name)
        return f"Created the IAM user {name}. Give it an access key and a policy."


def new_access_key() -> gw.model.resources.AccessKey:
    upper = string.ascii_uppercase + string.digits
    key_id = "AKIA" + "".join(secrets.choice(upper) for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    return gw.model.resources.AccessKey(accessKeyId=key_id, secretAccessKey=secret)


class AccessKeyForm(EngineForm):
    def apply(self, account, name):
        user = account.iamUsers.get(name)
        if user is None:
            raise gw.NotFoundError(f"The user with name {name} cannot be found.")
        if len(user.accessKeys) >= 2:
            raise gw.ConflictError(
                "Cannot exceed quota for AccessKeysPerUser: 2 (delete or deactivate an old key first)."
            )
        key = new_access_key()
        user.accessKeys.append(key)
        self.created_key = key
        return f"Created the access key {key.accessKeyId}. Copy the secret now: it is shown only once."


class AccessKeyStatusForm(EngineForm):
    status = forms.ChoiceField(choices=[("Active", "Active"), ("Inactive", "Inactive"), ("Delete", "Delete")])

    def apply(self, account, name, key_id):
        user = account.iamUsers.get(name)
        key = next((k for k in user.accessKeys if k.accessKeyId == key_id), None) if user else None
        if key is None:
            raise gw.NotFoundError(f"The Access Key with id {key_id} cannot be found.")
        status = self.cleaned_data["status"]
        if status == "Delete":
            user.accessKeys.remove(key)
            return f"Deleted the access key {key_id}."
        key.status = status
        return f"The access key {key_id} is {status}."


class PolicyForm(EngineForm):
    document = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        max_length=6144,
        label="Identity policy (JSON)",
        initial=POLICY_EXAMPLE,
    )

    def clean_document(self):
        text = self.cleaned_data["document"]
        problems = iam.policy_problems(text, kind="identity")
        if problems:
            raise forms.ValidationError([str(p) for p in problems])
        return json.dumps(json.loads(text), indent=2)

    def apply(self, account, name, index=None):
        user = account.iamUsers.get(name)
        if user is None:
            raise gw.NotFoundError(f"The user with name {name} cannot be found.")
        if index is None:
            if len(user.policies) >= 10:
                raise gw.ConflictError("A user has at most 10 inline policies in the sandbox.")
            user.policies.append(self.cleaned_data["document"])
            return f"Added a policy to {name}."
        if index >= len(user.policies):
            raise gw.NotFoundError("No such policy")
        user.policies[index] = self.cleaned_data["document"]
        return f"Saved policy {index + 1} of {name}."


class RemovePolicyForm(EngineForm):
    def apply(self, account, name, index):
        user = account.iamUsers.get(name)
        if user is None or index >= len(user.policies):
            raise gw.NotFoundError("No such policy")
        user.policies.pop(index)
        return f"Removed policy {index + 1} of {name}."


# ---------------------------------------------------------------------------------------
# Cognito


class UserPoolForm(EngineForm):
    name = forms.CharField(max_length=128, label="Pool name")

    def apply(self, account):
        pool = cognito.create_user_pool(account, self.cleaned_data["name"], now=now())
        return f"Created the user pool {pool.name} ({pool.id}). Add an app client and a user."


def _pool(account: gw.Account, pool_id: str) -> gw.model.resources.UserPool:
    pool = account.userPools.get(pool_id)
    if pool is None:
        raise gw.NotFoundError(f"User pool {pool_id} does not exist.")
    return pool


class AppClientForm(EngineForm):
    name = forms.CharField(max_length=128, label="App client name")
    scopes = forms.CharField(
        required=False,
        max_length=500,
        label="Allowed scopes",
        help_text="Separated by spaces, e.g. pets/read pets/write",
    )

    def clean_scopes(self):
        scopes = split_list(self.cleaned_data["scopes"])
        bad = [s for s in scopes if not re.match(r"^[\x21\x23-\x5b\x5d-\x7e]{1,256}$", s)]
        if bad:
            raise forms.ValidationError(f"Not a scope: {', '.join(bad)}")
        return scopes

    def apply(self, account, pool_id):
        client = cognito.create_client(
            _pool(account, pool_id), self.cleaned_data["name"], allowed_scopes=self.cleaned_data["scopes"]
        )
        return f"Created the app client {client.name} ({client.clientId})."


class CognitoUserForm(EngineForm):
    username = forms.CharField(max_length=128)
    password = forms.CharField(
        min_length=8, max_length=256, widget=forms.PasswordInput(render_value=False), help_text="At least 8 characters."
    )
    email = forms.EmailField(required=False)
    groups = forms.CharField(required=False, max_length=300, help_text="Separated by spaces or commas.")

    def apply(self, account, pool_id):
        data = self.cleaned_data
        attributes = {"email": data["email"], "email_verified": "true"} if data["email"] else {}
        user = cognito.create_user(
            _pool(account, pool_id),
            data["username"].strip(),
            data["password"],
            attributes=attributes,
            groups=split_list(data["groups"]),
        )
        return f"Created the user {user.username} (confirmed)."


class TokenForm(EngineForm):
    client = forms.ChoiceField(label="App client")
    username = forms.CharField(max_length=128)
    password = forms.CharField(max_length=256, widget=forms.PasswordInput(render_value=False))
    scopes = forms.CharField(
        required=False, max_length=500, help_text="Scopes to request (the client must allow them)."
    )
    ttl = forms.IntegerField(
        min_value=cognito.TOKEN_TTL_MIN, max_value=cognito.TOKEN_TTL_MAX, initial=3600, label="Valid for (s)"
    )

    def __init__(self, *args, pool: gw.model.resources.UserPool, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.fields["client"].choices = [(c.clientId, f"{c.name} ({c.clientId})") for c in pool.clients]

    def issue(self) -> dict[str, Any]:
        data = self.cleaned_data
        tokens = cognito.issue_tokens(
            self.pool,
            data["client"],
            data["username"],
            data["password"],
            now=now(),
            scopes=split_list(data["scopes"]),
            ttl=data["ttl"],
        )
        claims = {
            name: cognito.verify_token(tokens[field], pools=[self.pool], now=now())
            for name, field in (("id", "IdToken"), ("access", "AccessToken"))
        }
        return {"tokens": tokens, "claims": {k: json.dumps(v, indent=2) for k, v in claims.items()}}


# ---------------------------------------------------------------------------------------
# REST API authorizers


def function_choices(account: gw.Account) -> list[tuple[str, str]]:
    out = []
    for function in sorted(account.functions.values(), key=lambda f: f.name):
        out.append((function.arn, function.name))
        out += [(f"{function.arn}:{alias}", f"{function.name}:{alias}") for alias in sorted(function.aliases)]
    return out


class AuthorizerForm(EngineForm):
    name = forms.CharField(max_length=128)
    type = forms.ChoiceField(
        choices=[
            ("TOKEN", "Lambda, TOKEN (a header)"),
            ("REQUEST", "Lambda, REQUEST (headers, query, stage variables...)"),
            ("COGNITO_USER_POOLS", "Cognito user pools"),
        ]
    )
    function = forms.ChoiceField(
        required=False,
        label="Lambda function",
        help_text="Make one with the “authorizer” behaviour on the Functions page.",
    )
    identity_source = forms.CharField(
        required=False,
        max_length=300,
        initial="method.request.header.Authorization",
        help_text="TOKEN: one header. REQUEST: comma separated, e.g. method.request.header.Auth, method.request.querystring.user, stageVariables.env",
    )
    validation_expression = forms.CharField(
        required=False,
        max_length=200,
        label="Token validation regex",
        help_text="TOKEN only: a token that does not match gets 401 without calling the function.",
    )
    ttl = forms.IntegerField(
        min_value=0, max_value=3600, initial=300, label="Result cache TTL (s)", help_text="0 turns caching off."
    )
    pools = forms.MultipleChoiceField(required=False, label="User pools", widget=forms.CheckboxSelectMultiple)
    engine_fields = {
        "authorizerUri": "function",
        "identitySource": "identity_source",
        "identityValidationExpression": "validation_expression",
        "authorizerResultTtlInSeconds": "ttl",
        "providerARNs": "pools",
    }

    def __init__(self, *args, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = _choices(function_choices(account), "—")
        self.fields["pools"].choices = [(p.arn, f"{p.name} ({p.id})") for p in account.userPools.values()]

    def apply(self, account, api_id):
        data = self.cleaned_data
        api = get_api(account, api_id)
        lambda_kind = data["type"] in ("TOKEN", "REQUEST")
        created = authorizers.create_authorizer(
            account,
            api,
            data["name"].strip(),
            data["type"],
            function_arn=(data["function"] or None) if lambda_kind else None,
            identity_source=data["identity_source"].strip() or None,
            validation_expression=(data["validation_expression"].strip() or None) if data["type"] == "TOKEN" else None,
            ttl=data["ttl"],
            provider_arns=data["pools"] if data["type"] == "COGNITO_USER_POOLS" else None,
        )
        return f"Created the authorizer {created.name} ({created.id}). Choose it in a method request, then deploy."


class DeleteAuthorizerForm(EngineForm):
    def apply(self, account, api_id, authorizer_id):
        api = get_api(account, api_id)
        if authorizer_id not in api.authorizers:
            raise gw.NotFoundError(f"Invalid Authorizer identifier specified: {authorizer_id}")
        users = [
            f"{verb} {r.path}"
            for r in api.resources.values()
            for verb, m in r.resourceMethods.items()
            if m.authorizerId == authorizer_id
        ]
        if users:
            raise gw.ConflictError(
                f"The authorizer is in use by {', '.join(sorted(users))}: change those methods first."
            )
        name = api.authorizers.pop(authorizer_id).name
        return f"Deleted the authorizer {name}."


class AuthorizerTestForm(EngineForm):
    method = forms.ChoiceField(choices=METHODS, initial="GET")
    path = forms.CharField(
        max_length=300,
        initial="/",
        label="Resource path",
        help_text="The method ARN the policy must allow is built from it.",
    )
    stage = forms.ChoiceField(
        required=False, label="Stage", help_text="For stageVariables identity sources and the method ARN."
    )
    token = forms.CharField(
        required=False,
        max_length=8192,
        label="Token",
        help_text="Sent in the Authorization header (TOKEN and Cognito).",
    )
    headers = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One per line: Name: value"
    )
    query = forms.CharField(required=False, max_length=1000, label="Query string", help_text="a=1&b=2")

    def __init__(self, *args, api: gw.RestApi, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = _choices(
            ((s, s) for s in sorted(api.stages)), "test-invoke-stage (no variables)"
        )

    def clean_headers(self):
        return parse_pairs(self.cleaned_data["headers"], ":", "a header")

    def clean_path(self):
        path = self.cleaned_data["path"].strip()
        return path if path.startswith("/") else "/" + path


# ---------------------------------------------------------------------------------------
# Traffic generator


class TrafficForm(EngineForm):
    stage = forms.ChoiceField()
    method = forms.ChoiceField(choices=METHODS, initial="GET")
    path = forms.CharField(max_length=1000, initial="/")
    query = forms.CharField(required=False, max_length=1000, help_text="a=1&b=2")
    headers = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="One per line: Name: value"
    )
    api_key = forms.ChoiceField(required=False, label="Send an API key", help_text="As the x-api-key header.")
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=65536)
    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_TRAFFIC,
        initial=50,
        label="Requests",
        error_messages={
            "max_value": f"A run sends at most {MAX_TRAFFIC} requests (the sandbox's limit): ask for {MAX_TRAFFIC} or fewer."
        },
    )
    rate = forms.FloatField(
        min_value=0.1,
        max_value=100_000,
        initial=10,
        label="Per second",
        help_text="The simulated clock moves 1/rate seconds per request.",
    )

    def __init__(self, *args, api: gw.RestApi, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in sorted(api.stages)]
        keys = sorted(account.apiKeys.values(), key=lambda k: k.name.lower())
        self.fields["api_key"].choices = _choices(
            ((k.value, f"{k.name}{'' if k.enabled else ' (disabled)'}") for k in keys), "None"
        )

    def clean_headers(self):
        return parse_pairs(self.cleaned_data["headers"], ":", "a header")

    def clean_path(self):
        path = self.cleaned_data["path"].strip()
        return path if path.startswith("/") else "/" + path


# ---------------------------------------------------------------------------------------
# Metrics and logs


WINDOWS = [("15", "Last 15 minutes"), ("60", "Last hour"), ("180", "Last 3 hours"), ("1440", "Last 24 hours")]


class MetricsForm(forms.Form):
    stage = forms.ChoiceField()
    window = forms.ChoiceField(choices=WINDOWS, initial="60", label="Time range")
    canary = forms.BooleanField(required=False, label="Canary requests")
    method = forms.ChoiceField(required=False, label="Method (detailed metrics)")
    level = forms.ChoiceField(
        choices=[("INFO", "All levels"), ("ERROR", "Errors only")], initial="INFO", required=False, label="Log level"
    )
    q = forms.CharField(required=False, max_length=200, label="Text in the logs")

    def __init__(self, *args, api: gw.RestApi, methods: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in sorted(api.stages)]
        self.fields["method"].choices = _choices(((m, m) for m in methods), "The whole stage")


# ---------------------------------------------------------------------------------------
# OpenAPI


class ImportForm(EngineForm):
    file = forms.FileField(
        required=False, label="Upload a file", help_text="OpenAPI 3.0 or Swagger 2.0, YAML or JSON, at most 1 MB."
    )
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        label="…or paste it",
        max_length=1_048_576,
    )
    target = forms.ChoiceField(required=False, label="Import into")
    mode = forms.ChoiceField(
        choices=[
            ("overwrite", "Overwrite: the document replaces the API's definition"),
            ("merge", "Merge: add or replace what the document defines"),
        ],
        initial="overwrite",
        widget=forms.RadioSelect,
        label="Into an existing API",
    )
    fail_on_warnings = forms.BooleanField(required=False, label="Fail on warnings")
    deploy_stage = forms.RegexField(regex=r"^[A-Za-z0-9_-]{1,128}$", required=False, label="Deploy to stage (optional)")

    def __init__(self, *args, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        apis = sorted(account.restApis.values(), key=lambda a: a.name.lower())
        self.fields["target"].choices = _choices(((a.id, f"{a.name} ({a.id})") for a in apis), "A new API")

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload and text:
            raise forms.ValidationError("Upload a file or paste the document, not both.")
        if upload:
            if upload.size > 1_048_576:
                self.add_error("file", "The file is over 1 MB.")
                return data
            try:
                data["document"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not UTF-8 text.")
        elif text:
            data["document"] = text
        else:
            raise forms.ValidationError("Upload a file or paste an OpenAPI document.")
        return data

    problem_list: list[tuple[str, str]] = []

    def add_engine_error(self, exc: Exception) -> None:
        """A document's problems are listed with their JSON pointers, apart from the fields."""
        if isinstance(exc, gw.ValidationError):
            self.problem_list = engine_problems(exc)
        else:
            super().add_engine_error(exc)

    def apply(self, account):
        data = self.cleaned_data
        api, warnings = gw.import_openapi(
            account,
            data["document"],
            mode=data["mode"],
            api_id=data["target"] or None,
            fail_on_warnings=data["fail_on_warnings"],
            now=now(),
        )
        if data["deploy_stage"]:
            gw.create_deployment(account, api, stage_name=data["deploy_stage"], description="OpenAPI import", now=now())
        self.api_id, self.warnings = api.id, warnings
        where = f" and deployed to {data['deploy_stage']}" if data["deploy_stage"] else ""
        return f"Imported {api.name} ({api.id}){where}."


class ExportForm(forms.Form):
    fmt = forms.ChoiceField(choices=[("json", "JSON"), ("yaml", "YAML")], initial="json", label="Format")
    version = forms.ChoiceField(choices=[("oas30", "OpenAPI 3.0"), ("swagger", "Swagger 2.0")], initial="oas30")
    extensions = forms.BooleanField(required=False, initial=True, label="With API Gateway extensions")
    stage = forms.ChoiceField(required=False, help_text="A stage exports what it serves, with its URL.")

    def __init__(self, *args, api: gw.RestApi, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = _choices(((s, s) for s in sorted(api.stages)), "The working copy")


class SdkForm(forms.Form):
    stage = forms.ChoiceField()
    language = forms.ChoiceField(
        choices=[("python", "Python (standard library)"), ("javascript", "JavaScript (fetch, ES module)")]
    )

    def __init__(self, *args, api: gw.RestApi, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in sorted(api.stages)]


# ---------------------------------------------------------------------------------------
# HTTP and WebSocket APIs


def v2_api(account: gw.Account, api_id: str, protocol: str) -> gw.V2Api:
    return v2.get_v2_api(account, api_id, protocol)


class V2IntegrationForm(EngineForm):
    type = forms.ChoiceField(label="Integration type")
    function = forms.ChoiceField(required=False, label="Lambda function")
    uri = forms.CharField(
        required=False, max_length=500, label="URL", help_text="HTTP_PROXY: e.g. http://echo.example.internal/{proxy}"
    )
    method = forms.ChoiceField(required=False, choices=[("ANY", "ANY"), *METHODS], label="HTTP method")
    payload_format = forms.ChoiceField(
        required=False, choices=[("", "Default"), ("2.0", "2.0"), ("1.0", "1.0")], label="Payload format"
    )
    timeout = forms.IntegerField(required=False, min_value=50, max_value=30_000, label="Timeout (ms)")
    engine_fields = {
        "integrationUri": "uri",
        "integrationType": "type",
        "payloadFormatVersion": "payload_format",
        "timeoutInMillis": "timeout",
        "integrationMethod": "method",
    }

    def __init__(self, *args, account: gw.Account, websocket: bool, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [("AWS_PROXY", "Lambda (AWS_PROXY)"), ("HTTP_PROXY", "HTTP (HTTP_PROXY)")]
        if websocket:
            kinds.append(("MOCK", "Mock"))
            del self.fields["payload_format"]
        self.fields["type"].choices = kinds
        self.fields["function"].choices = _choices(function_choices(account), "—")

    def clean(self):
        data = super().clean()
        if data.get("type") == "AWS_PROXY" and not data.get("function"):
            self.add_error("function", "Choose the Lambda function.")
        if data.get("type") == "HTTP_PROXY" and not (data.get("uri") or "").strip():
            self.add_error("uri", "Give the URL the requests go to.")
        return data

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        api = v2_api(account, api_id, protocol)
        uri = (
            data["function"]
            if data["type"] == "AWS_PROXY"
            else data["uri"].strip()
            if data["type"] == "HTTP_PROXY"
            else None
        )
        integration = v2.create_v2_integration(
            account,
            api,
            data["type"],
            uri,
            data.get("method") or None,
            data.get("payload_format") or None,
            data["timeout"],
            now=now(),
        )
        return f"Created the integration {integration.integrationId} ({integration.integrationType}). Attach it to a route."


class V2RouteForm(EngineForm):
    route_key = forms.CharField(max_length=300, label="Route key")
    integration = forms.ChoiceField(required=False, label="Integration")
    authorization_type = forms.ChoiceField(label="Authorization")
    authorizer = forms.ChoiceField(required=False)
    scopes = forms.CharField(
        required=False, max_length=500, label="Scopes (JWT)", help_text="The token needs one of them."
    )
    route_response = forms.BooleanField(
        required=False, label="Send the backend's answer back to the client (route response $default)"
    )
    engine_fields = {
        "routeKey": "route_key",
        "target": "integration",
        "authorizationType": "authorization_type",
        "authorizerId": "authorizer",
        "authorizationScopes": "scopes",
        "routeResponseSelectionExpression": "route_response",
    }

    def __init__(self, *args, api: gw.V2Api, **kwargs):
        super().__init__(*args, **kwargs)
        websocket = api.protocolType == "WEBSOCKET"
        self.fields["integration"].choices = _choices(
            (
                (i.integrationId, f"{i.integrationId} · {i.integrationType} {i.integrationUri or ''}")
                for i in api.integrations.values()
            ),
            "None",
        )
        kinds = (
            [("NONE", "None"), ("CUSTOM", "Lambda authorizer")]
            if websocket
            else [("NONE", "None"), ("JWT", "JWT"), ("CUSTOM", "Lambda authorizer")]
        )
        self.fields["authorization_type"].choices = kinds
        self.fields["authorizer"].choices = _choices(
            ((a.authorizerId, f"{a.name} ({a.authorizerType})") for a in api.authorizers.values()), "—"
        )
        if websocket:
            del self.fields["scopes"]
            self.fields[
                "route_key"
            ].help_text = "$connect, $disconnect, $default, or the value the selection expression finds (sendMessage)."
        else:
            del self.fields["route_response"]
            self.fields["route_key"].help_text = "METHOD /path, e.g. GET /pets/{id}, ANY /{proxy+}, or $default."

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        api = v2_api(account, api_id, protocol)
        key = data["route_key"].strip()
        fields = {
            "target_integration_id": data["integration"] or None,
            "authorization_type": data["authorization_type"],
            "authorizer_id": data["authorizer"] or None if data["authorization_type"] != "NONE" else None,
        }
        if "scopes" in data:
            fields["scopes"] = split_list(data["scopes"])
        if "route_response" in data:
            fields["route_response_selection_expression"] = "$default" if data["route_response"] else None
        existing = v2.route_by_key(api, key)
        if existing:
            v2.update_route(account, api, existing.routeId, now=now(), **fields)
            return f"Updated the route {key}."
        v2.create_route(
            account,
            api,
            key,
            fields["target_integration_id"],
            fields["authorization_type"],
            fields["authorizer_id"],
            fields.get("scopes"),
            route_response_selection_expression=fields.get("route_response_selection_expression"),
            now=now(),
        )
        return f"Created the route {key}."


class DeleteRouteForm(EngineForm):
    def apply(self, account, api_id, protocol, route_id):
        api = v2_api(account, api_id, protocol)
        key = v2.get_route(api, route_id).routeKey
        v2.delete_route(account, api, route_id, now=now())
        return f"Deleted the route {key}."


class DeleteIntegrationForm(EngineForm):
    def apply(self, account, api_id, protocol, integration_id):
        v2.delete_v2_integration(account, v2_api(account, api_id, protocol), integration_id, now=now())
        return f"Deleted the integration {integration_id}."


class JwtAuthorizerForm(EngineForm):
    name = forms.CharField(max_length=128)
    pool = forms.ChoiceField(
        required=False,
        label="Cognito user pool",
        help_text="Its issuer URL is used, and its app clients are the audience unless you list them.",
    )
    issuer = forms.CharField(required=False, max_length=300, help_text="Or any issuer URL (https://...).")
    audience = forms.CharField(
        required=False, max_length=500, help_text="App client ids, separated by spaces or commas."
    )
    identity_source = forms.CharField(max_length=200, initial="$request.header.Authorization", label="Identity source")
    engine_fields = {
        "jwtConfiguration.issuer": "issuer",
        "jwtConfiguration.audience": "audience",
        "identitySource": "identity_source",
    }

    def __init__(self, *args, account: gw.Account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.fields["pool"].choices = _choices(((p.id, f"{p.name} ({p.id})") for p in account.userPools.values()), "—")

    def clean(self):
        data = super().clean()
        pool = self.account.userPools.get(data.get("pool") or "")
        issuer = (data.get("issuer") or "").strip() or (pool.issuer if pool else "")
        audience = split_list(data.get("audience") or "") or ([c.clientId for c in pool.clients] if pool else [])
        if not issuer:
            self.add_error("issuer", "Choose a user pool or type the issuer URL.")
        if not audience:
            self.add_error("audience", "List the app client ids (the pool has none yet: create an app client).")
        data["issuer_url"], data["audiences"] = issuer, audience
        return data

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        created = v2.create_jwt_authorizer(
            account,
            v2_api(account, api_id, protocol),
            data["name"].strip(),
            data["issuer_url"],
            data["audiences"],
            data["identity_source"].strip(),
            now=now(),
        )
        return f"Created the JWT authorizer {created.name}. Choose it on a route (authorization JWT)."


class V2LambdaAuthorizerForm(EngineForm):
    name = forms.CharField(max_length=128)
    function = forms.ChoiceField(label="Lambda function")
    identity_source = forms.CharField(
        required=False, max_length=300, label="Identity sources", help_text="Comma separated."
    )
    simple_responses = forms.BooleanField(
        required=False, initial=True, label='Simple responses ({"isAuthorized": true})'
    )
    ttl = forms.IntegerField(min_value=0, max_value=3600, initial=0, label="Result cache TTL (s)")
    engine_fields = {
        "authorizerUri": "function",
        "identitySource": "identity_source",
        "authorizerResultTtlInSeconds": "ttl",
        "enableSimpleResponses": "simple_responses",
    }

    def __init__(self, *args, account: gw.Account, websocket: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].choices = function_choices(account)
        self.fields["identity_source"].initial = (
            "route.request.header.Auth" if websocket else "$request.header.Authorization"
        )
        if websocket:
            del self.fields["simple_responses"]

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        created = v2.create_lambda_authorizer(
            account,
            v2_api(account, api_id, protocol),
            data["name"].strip(),
            data["function"],
            data["identity_source"],
            data.get("simple_responses", False),
            data["ttl"],
            now=now(),
        )
        where = "the $connect route" if protocol == "WEBSOCKET" else "a route (authorization Lambda)"
        return f"Created the Lambda authorizer {created.name}. Choose it on {where}."


class CorsForm(EngineForm):
    allow_origins = forms.CharField(
        required=False, max_length=1000, label="Allowed origins", help_text="e.g. https://app.example.com, or *"
    )
    allow_methods = forms.CharField(
        required=False, max_length=200, label="Allowed methods", help_text="e.g. GET POST, or *"
    )
    allow_headers = forms.CharField(
        required=False, max_length=500, label="Allowed headers", help_text="e.g. content-type authorization"
    )
    expose_headers = forms.CharField(required=False, max_length=500, label="Exposed headers")
    max_age = forms.IntegerField(required=False, min_value=-1, max_value=86400, label="Max age (s)")
    allow_credentials = forms.BooleanField(required=False, label="Allow credentials")
    remove = forms.BooleanField(required=False, label="Remove the CORS configuration")
    engine_fields = {
        "corsConfiguration.allowOrigins": "allow_origins",
        "corsConfiguration.allowMethods": "allow_methods",
        "corsConfiguration.allowCredentials": "allow_credentials",
        "corsConfiguration.maxAge": "max_age",
    }

    @staticmethod
    def initial_for(api: gw.V2Api) -> dict[str, Any]:
        cors = api.corsConfiguration
        if cors is None:
            return {}
        return {
            "allow_origins": " ".join(cors.allowOrigins),
            "allow_methods": " ".join(cors.allowMethods),
            "allow_headers": " ".join(cors.allowHeaders),
            "expose_headers": " ".join(cors.exposeHeaders),
            "max_age": cors.maxAge,
            "allow_credentials": cors.allowCredentials,
        }

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        api = v2_api(account, api_id, protocol)
        if data["remove"]:
            v2.update_cors(account, api, None, now=now())
            return "Removed the CORS configuration: browsers on other origins are blocked."
        cors = {
            "allowOrigins": split_list(data["allow_origins"]),
            "allowMethods": [m.upper() if m != "*" else m for m in split_list(data["allow_methods"])],
            "allowHeaders": split_list(data["allow_headers"]),
            "exposeHeaders": split_list(data["expose_headers"]),
            "maxAge": data["max_age"],
            "allowCredentials": data["allow_credentials"],
        }
        v2.update_cors(account, api, cors, now=now())
        return "Saved the CORS configuration: API Gateway answers preflights itself and adds the headers."


class V2StageForm(EngineForm):
    name = forms.CharField(max_length=128, label="Stage name")
    auto_deploy = forms.BooleanField(required=False, initial=True, label="Deploy automatically after every change")
    variables = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Stage variables",
        help_text="One per line: name=value",
    )
    engine_fields = {"stageName": "name", "stageVariables": "variables"}

    def clean_variables(self):
        return dict(parse_pairs(self.cleaned_data["variables"], "=", "a stage variable"))

    def apply(self, account, api_id, protocol):
        data = self.cleaned_data
        stage = v2.create_v2_stage(
            account,
            v2_api(account, api_id, protocol),
            data["name"].strip(),
            data["auto_deploy"],
            data["variables"],
            now=now(),
        )
        deployed = (
            "deployed"
            if stage.deploymentId
            else "not deployed yet (add a route)"
            if data["auto_deploy"]
            else "not deployed yet: deploy it"
        )
        return f"Created the stage {stage.stageName}: {deployed}."


class V2StageActionForm(EngineForm):
    action = forms.ChoiceField(
        choices=[
            ("deploy", "Deploy now"),
            ("auto_on", "Turn autoDeploy on"),
            ("auto_off", "Turn autoDeploy off"),
            ("delete", "Delete"),
        ]
    )

    def apply(self, account, api_id, protocol, stage_name):
        api = v2_api(account, api_id, protocol)
        v2.get_v2_stage(api, stage_name)
        action = self.cleaned_data["action"]
        if action == "deploy":
            deployment = v2.deploy_v2(account, api, stage_name, description="console", now=now())
            return f"Deployed {deployment.id} to {stage_name}."
        if action == "delete":
            v2.delete_v2_stage(api, stage_name)
            return f"Deleted the stage {stage_name}."
        v2.update_v2_stage(account, api, stage_name, auto_deploy=action == "auto_on", now=now())
        return f"autoDeploy is {'on' if action == 'auto_on' else 'off'} for {stage_name}."


REST_ONLY = {
    "usage plans": v2.add_to_usage_plan_v2,
    "API keys": v2.create_api_key_v2,
    "caching": v2.enable_cache_v2,
    "mapping templates": v2.set_mapping_template_v2,
    "request validation": v2.set_request_validator_v2,
}


class RestOnlyForm(EngineForm):
    feature = forms.ChoiceField(choices=[(k, k.capitalize()) for k in REST_ONLY])

    def attempt(self, account: gw.Account, api: gw.V2Api) -> None:
        """Ask the engine for a REST-only feature: it raises with its explanation."""
        REST_ONLY[self.cleaned_data["feature"]](account, api)


class WsConnectForm(EngineForm):
    stage = forms.ChoiceField()
    headers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: Name: value (e.g. Auth: allow)",
    )
    query = forms.CharField(required=False, max_length=1000, label="Query string", help_text="a=1&b=2")

    def __init__(self, *args, api: gw.V2Api, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in sorted(api.stages)]

    def clean_headers(self):
        return parse_pairs(self.cleaned_data["headers"], ":", "a header")


class WsSendForm(EngineForm):
    connection = forms.ChoiceField(label="Connection")
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        max_length=200_000,
        initial='{"action": "sendMessage", "text": "hello"}',
        help_text="The route selection expression reads it (JSON).",
    )

    def __init__(self, *args, connections: list[gw.WsConnection], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["connection"].choices = [(c.connectionId, f"{c.connectionId} ({c.stage})") for c in connections]


class WsManageForm(EngineForm):
    action = forms.ChoiceField(
        choices=[
            ("post", "POST: send data to the client"),
            ("get", "GET: connection info"),
            ("delete", "DELETE: disconnect the client"),
        ]
    )
    stage = forms.ChoiceField()
    connection_id = forms.CharField(max_length=64, label="Connection id")
    data = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=200_000, label="Data (POST)"
    )

    def __init__(self, *args, api: gw.V2Api, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [(s, s) for s in sorted(api.stages)]


class WsDisconnectForm(EngineForm):
    connection = forms.CharField(max_length=64)
