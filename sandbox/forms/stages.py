"""A stage's forms: settings, variables, cache, method settings, canary, rollback, delete."""

from __future__ import annotations

from typing import Any

from django import forms

import gateway as gw
from gateway.control.operations import get_api, get_stage
from gateway.model.resources import AccessLogSettings
from gateway.traffic import cache as caching
from sandbox.forms.common import ACCESS_LOG_EXAMPLE, STRATEGIES, EngineForm, engine_problems, now, parse_pairs
from sandbox.runtime import RUNTIME

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
