"""OpenAPI: importing a document (create, overwrite, merge), exporting, the SDK download."""

from __future__ import annotations

from django import forms

import gateway as gw
from sandbox.forms.common import EngineForm, _choices, engine_problems, now

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
