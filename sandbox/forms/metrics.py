"""The metrics page's choices: the window and the stage."""

from __future__ import annotations

from django import forms

import gateway as gw
from sandbox.forms.common import _choices

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
