"""Lambda functions: a function and its behaviour, versions, aliases, permissions."""

from __future__ import annotations

import json
from typing import Any

from django import forms

import gateway as gw
from sandbox.forms.common import AUTHORIZER_EXAMPLE, BEHAVIOURS, NAME, EngineForm, json_value

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
    code = forms.CharField(
        required=False,
        max_length=3 * 1024 * 1024,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "data-code-editor": "", "class": "code-input"}),
        label="Handler code (index.mjs)",
        help_text="For “code”: <code>export const handler = async (event, context) =&gt; {…}</code>. "
        "It runs in a V8 isolate with the function's timeout and memory: no network, no files, no require; "
        "console.log goes to the function's log. Tab indents; Escape then Tab moves on.",
    )
    duration_ms = forms.IntegerField(
        min_value=0,
        max_value=900_000,
        initial=20,
        label="Duration (ms)",
        help_text="Simulated: over the integration timeout it is a 504.",
    )

    # Which behaviours use which field: the page shows only those of the chosen behaviour.
    FIELD_KINDS = {
        "response": "response",
        "message": "error",
        "error_type": "error",
        "table": "pets",
        "cases": "authorizer table",
        "code": "code",
        "duration_ms": "echo response error hello pets authorizer table",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kinds in self.FIELD_KINDS.items():
            self.fields[name].widget.attrs["data-behaviour-kinds"] = kinds

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
        if kind == "code" and not (data.get("code") or "").strip():
            self.add_error("code", "A “code” function needs its handler: start from a template.")
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
            code=data["code"] if kind == "code" else None,
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
            "code": behaviour.code or "",
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
        self.fields["version"].choices = [(v, v) for v in versions_of(function)]

    def apply(self, account, name):
        data = self.cleaned_data
        gw.create_alias(account, name, data["alias"], data["version"])
        return (
            f"{name}:{data['alias']} points at version {data['version']}. An integration calling the alias needs a "
            f"permission with qualifier {data['alias']}."
        )


def versions_of(function: gw.LambdaFunction) -> list[str]:
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
        qualifiers = sorted(function.aliases) + [v for v in versions_of(function) if v != "$LATEST"]
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


class TestEventForm(forms.Form):
    """The console's Test: an event (AWS's samples, or the learner's own JSON) for $LATEST."""

    event = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "data-code-editor": "", "class": "code-input"}),
        initial="{}",
        label="Event (JSON)",
        max_length=6 * 1024 * 1024,  # Lambda's synchronous payload limit
    )

    def clean_event(self):
        return json_value(self.cleaned_data["event"], "The event")
