"""HTTP and WebSocket APIs: integrations, routes, authorizers, CORS, stages, and the console's
WebSocket client (connect, send, manage, disconnect)."""

from __future__ import annotations

from typing import Any

from django import forms

import gateway as gw
from gateway.v2 import apis as v2
from sandbox.forms.authorizers import function_choices
from sandbox.forms.common import METHODS, EngineForm, _choices, now, parse_pairs, split_list

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


class WsSkipForm(EngineForm):
    """Move one connection's simulated clock ahead: AWS's idle timeout (10 minutes) and maximum
    duration (2 hours) without waiting for them."""

    connection = forms.CharField(max_length=64)
    seconds = forms.TypedChoiceField(
        coerce=int,
        choices=[(60, "1 minute"), (600, "10 minutes"), (7200, "2 hours")],
        label="Skip ahead",
    )
