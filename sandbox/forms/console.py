"""Forms of the core console: APIs, resources, the method's four editors, deploy, test."""

from __future__ import annotations

import json
import re

from django import forms

import gateway as gw

ENDPOINT_TYPES = [("REGIONAL", "Regional"), ("EDGE", "Edge-optimized"), ("PRIVATE", "Private")]
METHODS = [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")]
INTEGRATION_TYPES = [
    ("MOCK", "Mock (no backend)"),
    ("AWS_PROXY", "Lambda proxy (AWS_PROXY)"),
    ("AWS", "Lambda or AWS service, with mapping (AWS)"),
    ("HTTP_PROXY", "HTTP proxy (HTTP_PROXY)"),
    ("HTTP", "HTTP, with mapping (HTTP)"),
]


def json_object(text: str, label: str) -> dict:
    """A JSON object typed in a textarea (e.g. request parameters); empty means {}."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise forms.ValidationError(f"{label} must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise forms.ValidationError(f'{label} must be a JSON object like {{"key": "value"}}')
    return value


class CreateApiForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("REST", "REST API"), ("HTTP", "HTTP API"), ("WEBSOCKET", "WebSocket API")], initial="REST"
    )
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=300, required=False)
    endpoint_type = forms.ChoiceField(
        choices=ENDPOINT_TYPES, initial="REGIONAL", required=False, help_text="REST APIs only."
    )


class ResourceForm(forms.Form):
    parent = forms.CharField(widget=forms.HiddenInput)
    path_part = forms.CharField(max_length=128, help_text="A name, {param} or {proxy+}.")


class MethodRequestForm(forms.Form):
    resource = forms.CharField(widget=forms.HiddenInput)
    http_method = forms.ChoiceField(choices=METHODS)
    authorization_type = forms.ChoiceField(
        choices=[
            ("NONE", "None"),
            ("AWS_IAM", "AWS IAM"),
            ("CUSTOM", "Lambda authorizer"),
            ("COGNITO_USER_POOLS", "Cognito"),
        ]
    )
    authorizer_id = forms.CharField(required=False, help_text="For a Lambda or Cognito authorizer.")
    api_key_required = forms.BooleanField(required=False, label="API key required")
    request_validator_id = forms.CharField(required=False)
    request_parameters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text='JSON: {"method.request.querystring.type": true} (true = required).',
    )

    def clean_request_parameters(self):
        value = json_object(self.cleaned_data["request_parameters"], "Request parameters")
        if not all(isinstance(v, bool) for v in value.values()):
            raise forms.ValidationError("Each request parameter maps to true (required) or false.")
        return value


class IntegrationForm(forms.Form):
    resource = forms.CharField(widget=forms.HiddenInput)
    http_method = forms.CharField(widget=forms.HiddenInput)
    type = forms.ChoiceField(choices=INTEGRATION_TYPES)
    uri = forms.CharField(
        required=False,
        max_length=500,
        label="Integration URI",
        help_text=(
            "Lambda (AWS_PROXY or AWS), any of: a function ARN "
            "<code>arn:aws:lambda:us-east-1:123456789012:function:hello</code>; the full invocation URI "
            "<code>arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:"
            "123456789012:function:hello/invocations</code>; an alias from a stage variable "
            "<code>arn:aws:lambda:us-east-1:123456789012:function:hello:${stageVariables.alias}</code>. "
            "Another AWS service (AWS): <code>arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders</code>. "
            "HTTP or HTTP_PROXY: a URL such as <code>http://pets.example.internal/pets</code>. MOCK: leave empty."
        ),
    )
    integration_http_method = forms.ChoiceField(choices=[("", "—")] + METHODS[:-2], required=False)
    passthrough = forms.ChoiceField(choices=[(v, v) for v in ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")])
    timeout = forms.IntegerField(min_value=50, max_value=29000, initial=29000, label="Timeout (ms)")
    request_template = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text="VTL for application/json (empty: none)."
    )
    request_parameters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text='JSON: {"integration.request.querystring.kind": "method.request.querystring.type"}',
    )
    cache_key_parameters = forms.CharField(required=False, help_text="Comma separated: method.request.querystring.type")

    def clean_request_parameters(self):
        return json_object(self.cleaned_data["request_parameters"], "Request parameters")

    def clean(self):
        data = super().clean()
        problem = uri_problem(data.get("type", ""), (data.get("uri") or "").strip())
        if problem:
            self.add_error("uri", problem)
        return data


def uri_problem(integration_type: str, uri: str) -> str:
    """Why `uri` does not fit the integration type, naming the form that was expected ("" if it fits)."""
    lambda_forms = (
        "a Lambda invocation uri: the function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME, optionally "
        ":ALIAS or :${stageVariables.NAME}) or the full form "
        "(arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations)"
    )
    if integration_type == "MOCK" or (not uri and integration_type == ""):
        return ""
    if not uri:
        return f"A {integration_type} integration needs a URI: " + (
            lambda_forms if integration_type == "AWS_PROXY" else "see the accepted forms below."
        )
    if integration_type in ("HTTP", "HTTP_PROXY"):
        return (
            ""
            if gw.model.resources.HTTP_URI.match(uri)
            else f"Expected a URL for {integration_type}, such as http://pets.example.internal/pets."
        )
    function = uri
    invoke = gw.model.resources.LAMBDA_INVOKE_URI.match(uri)
    if invoke:
        function = invoke["function"]
    if integration_type == "AWS_PROXY":
        return "" if gw.model.resources.LAMBDA_FUNCTION_ARN.match(function) else f"Expected {lambda_forms}."
    if integration_type == "AWS":
        if gw.model.resources.LAMBDA_FUNCTION_ARN.match(function) or (
            not invoke and gw.model.resources.AWS_SERVICE_URI.match(uri)
        ):
            return ""
        return (
            f"Expected {lambda_forms}, or an AWS service URI "
            "(arn:aws:apigateway:REGION:SERVICE:action/ACTION or arn:aws:apigateway:REGION:SERVICE:path/PATH)."
        )
    return ""


class IntegrationResponseForm(forms.Form):
    resource = forms.CharField(widget=forms.HiddenInput)
    http_method = forms.CharField(widget=forms.HiddenInput)
    status_code = forms.RegexField(
        regex=r"^[1-5]\d\d$", max_length=3, error_messages={"invalid": "A status code like 200 or 404."}
    )
    selection_pattern = forms.CharField(
        required=False, help_text="Regex on the backend status or the Lambda errorMessage; empty = default."
    )
    response_template = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    response_parameters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text='JSON: {"method.response.header.X-Id": "integration.response.header.X-Id"}',
    )
    delete = forms.BooleanField(required=False)

    def clean_response_parameters(self):
        return json_object(self.cleaned_data["response_parameters"], "Response parameters")


class DeployForm(forms.Form):
    stage = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{1,128}$", max_length=128, error_messages={"invalid": "Letters, digits, - and _ only."}
    )
    description = forms.CharField(required=False, max_length=200)


# RFC 9110 field names: tokens of tchar.
HEADER_NAME_RE = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class TestForm(forms.Form):
    target = forms.CharField(initial="__working__", help_text="A stage, or the working copy (like the console's Test).")
    method = forms.ChoiceField(choices=METHODS[:-1])
    path = forms.CharField(initial="/", max_length=1000)
    query = forms.CharField(required=False, help_text="a=1&b=2")
    headers = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One per line: Name: value"
    )
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    api_key = forms.CharField(required=False, label="Use API key", help_text="Sent as x-api-key.")
    iam_user = forms.CharField(
        required=False, label="Sign as IAM user", help_text="A user of your sandbox with an access key."
    )
    bearer = forms.CharField(required=False, label="Use token", help_text="A Cognito token (sent in Authorization).")
    raw_body = forms.BooleanField(
        required=False, label="Send the body as it is", help_text="Skip the JSON check of a JSON body."
    )
    source_ip = forms.GenericIPAddressField(
        required=False,
        initial="203.0.113.10",
        label="Source IP",
        help_text="The caller's address, as a resource policy's aws:SourceIp sees it.",
        error_messages={"invalid": "Enter an IPv4 address such as 203.0.113.10, or an IPv6 address."},
    )

    def clean_path(self):
        path = self.cleaned_data["path"].strip()
        return path if path.startswith("/") else "/" + path

    def header_pairs(self) -> list[tuple[str, str]]:
        pairs = []
        for line in self.cleaned_data.get("headers", "").splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                if name.strip():
                    pairs.append((name.strip(), value.strip()))
        return pairs

    def clean_headers(self):
        problems = []
        for number, line in enumerate(self.cleaned_data["headers"].splitlines(), 1):
            if not line.strip():
                continue
            name, colon, _value = line.partition(":")
            if not colon:
                problems.append(f"Line {number}: “{line.strip()}” is not a header: write Name: value")
            elif not HEADER_NAME_RE.match(name.strip()):
                problems.append(
                    f"Line {number}: “{name.strip()}” is not a valid header name "
                    "(letters, digits and !#$%&'*+-.^_`|~ only, no spaces)"
                )
        if problems:
            raise forms.ValidationError(problems)
        return self.cleaned_data["headers"]

    def clean(self):
        data = super().clean()
        body = data.get("body") or ""
        declared = (
            next((v for n, v in self.header_pairs() if n.lower() == "content-type"), "") if "headers" in data else ""
        )
        if body.strip() and "json" in declared.lower() and not data.get("raw_body"):
            try:
                json.loads(body)
            except ValueError as exc:
                self.add_error(
                    "body",
                    f"Not valid JSON ({exc}). To send it anyway, for example to see a request validator "
                    "refuse it, tick “Send the body as it is”.",
                )
        return data


class PreviewForm(forms.Form):
    template = forms.CharField(widget=forms.Textarea, required=False, max_length=65536)
    body = forms.CharField(widget=forms.Textarea, required=False, initial='{"name": "Ada", "items": [1, 2]}')
    query = forms.CharField(required=False, initial="type=dog")


class ApiSettingsForm(forms.Form):
    endpoint_type = forms.ChoiceField(choices=ENDPOINT_TYPES)
    api_key_source = forms.ChoiceField(
        choices=[("HEADER", "HEADER (x-api-key)"), ("AUTHORIZER", "AUTHORIZER (usageIdentifierKey)")]
    )
    binary_media_types = forms.CharField(
        required=False, help_text="Comma separated, e.g. image/png, application/octet-stream"
    )
    policy = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        label="Resource policy (JSON)",
        help_text='e.g. allow only 203.0.113.0/24: a Deny with "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}',
    )

    def clean_policy(self):
        text = self.cleaned_data["policy"].strip()
        if not text:
            return None
        from gateway.auth import iam

        try:
            iam.parse_policy(text, kind="resource")
        except gw.ValidationError as exc:
            raise forms.ValidationError([str(p) for p in exc.problems]) from None
        return text


class CorsForm(forms.Form):
    resource = forms.CharField(widget=forms.HiddenInput)
    origins = forms.CharField(initial="*", help_text="* or origins separated by commas: https://app.example.com")
    headers = forms.CharField(
        required=False, initial="Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token"
    )
    gateway_responses = forms.BooleanField(
        required=False, initial=True, label="Also on DEFAULT_4XX and DEFAULT_5XX responses"
    )
