"""API keys and usage plans: keys, plans, their stages and keys, usage."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms

import gateway as gw
from gateway.model.errors import require
from gateway.traffic import limits as traffic
from sandbox.forms.common import EngineForm, now

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
    return require(account.usagePlans, plan_id, f"Invalid Usage Plan ID specified: {plan_id}")


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
