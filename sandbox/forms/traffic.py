"""The traffic generator: how many calls, how fast, with which keys and headers."""

from __future__ import annotations

from django import forms

import gateway as gw
from sandbox.forms.common import MAX_TRAFFIC, METHODS, EngineForm, _choices, parse_pairs

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
