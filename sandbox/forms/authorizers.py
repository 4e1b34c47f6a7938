"""A REST API's authorizers: Lambda (TOKEN, REQUEST) and Cognito, deleting one, testing one."""

from __future__ import annotations

from django import forms

import gateway as gw
from gateway.auth import authorizers
from gateway.control.operations import get_api
from sandbox.forms.common import METHODS, EngineForm, _choices, parse_pairs

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
