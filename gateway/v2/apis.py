"""HTTP APIs and WebSocket APIs (API Gateway v2): what the console does, and what a caller sees.

HTTP APIs (protocolType HTTP): routes `"METHOD /path"` or `$default`; of their integrations this
simulator runs the proxy ones (Lambda with payload format 2.0 or 1.0, HTTP_PROXY). Real HTTP APIs
are not proxy-only: they also have first-class AWS service integrations (EventBridge, SQS,
Kinesis, Step Functions, AppConfig) and private integrations through VPC links (AWS docs,
"Working with AWS service integrations for HTTP APIs", "Working with private integrations for
HTTP APIs"), which the simulator does not run yet. JWT and Lambda REQUEST authorizers,
built-in CORS, stages with autoDeploy (the `$default` stage is created with autoDeploy on).
`invoke_http_api` runs one request and returns the same `Response` the REST pipeline returns.

WebSocket APIs (protocolType WEBSOCKET): `$connect`, `$disconnect`, `$default` and custom
route keys picked by the route selection expression, a Lambda REQUEST authorizer on `$connect`
only, and the `@connections` management API (POST/GET/DELETE) the backend uses to talk back.

Facts and sources (AWS docs = Amazon API Gateway Developer Guide):
- Payload format 2.0 and the inferred response (no statusCode: 200, application/json):
  AWS docs, "Working with AWS Lambda proxy integrations for HTTP APIs".
- Route priority (full match, then greedy, then `$default`; nothing: 404 {"message":"Not Found"}):
  AWS docs, "Working with routes for HTTP APIs".
- JWT: token alone or after "Bearer ", issuer, audience, expiry, at least one of the route's
  scopes: AWS docs, "Controlling access to HTTP APIs with JWT authorizers".
- Lambda authorizers: simple responses `{"isAuthorized", "context"}` or an IAM policy; a
  missing identity source is a 401 without calling the function; a function that fails or
  answers in an invalid format is a 500: AWS docs, "Working with AWS Lambda authorizers for
  HTTP APIs".
- CORS: API Gateway answers preflights itself and ignores the backend's CORS headers:
  AWS docs, "Configuring CORS for an HTTP API".
- Integration timeout 50 ms to 30 s on HTTP APIs (29 s on REST and WebSocket APIs):
  awsdocs/amazon-api-gateway-developer-guide pull request #74 (maintainer: "The maximum
  integration timeout for HTTP APIs is 30 seconds"); on timeout HTTP APIs answer 503
  {"message":"Service Unavailable"} (recorded by users, e.g. github.com/anomalyco/sst issue
  #2232), where REST APIs answer 504.
- WebSocket limits: 128 KB per message (checked here), 32 KB per frame (a message travels in
  several frames; frames are not simulated), 10 minutes idle, 2 hours per connection: AWS docs,
  "Amazon API Gateway quotas for configuring and running a WebSocket API".
- WebSocket: a message no route takes, with no `$default`, gets the frame
  `{"message": "Forbidden", "connectionId":"...", "requestId":"..."}` (widely recorded);
  @connections GetConnection returns ConnectedAt, Identity.SourceIp, LastActiveAt and an
  unknown connection is GoneException 410 (AWS CLI examples, ApiGatewayManagementApi model).
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import random
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NoReturn
from urllib.parse import quote, unquote, urlsplit

from gateway.integrations import backends, lambda_proxy
from gateway.integrations.backends import BackendError, LambdaResult
from gateway.model.call import DEFAULT_RUNTIME, Request, Response, Runtime
from gateway.model.errors import ConflictError, NotFoundError, Problem, ValidationError
from gateway.model.recording import LogLine, Recorder, TraceStep, identity
from gateway.model.resources import (
    HTTP_URI,
    LAMBDA_FUNCTION_ARN,
    LAMBDA_INVOKE_URI,
    STAGE_NAME,
    VARIABLE_NAME,
    VARIABLE_VALUE,
    Account,
    CorsConfiguration,
    Deployment,
    V2Api,
    V2Authorizer,
    V2Integration,
    V2Route,
    V2Stage,
    WsConnection,
)

HTTP_ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
WS_RESERVED_ROUTES = ("$connect", "$disconnect", "$default")
TIMEOUT_MIN_MS = 50
HTTP_TIMEOUT_MAX_MS = 30_000  # HTTP APIs: 30 s
WS_TIMEOUT_MAX_MS = 29_000  # WebSocket APIs: 29 s, as REST APIs
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP APIs: 10 MB
WS_MESSAGE_MAX_BYTES = 128 * 1024  # WebSocket message payload: 128 KB
WS_FRAME_MAX_BYTES = 32 * 1024  # WebSocket frame: 32 KB (a message is sent in several frames; not simulated)
WS_IDLE_SECONDS = 10 * 60  # idle connection timeout
WS_MAX_LIFETIME_SECONDS = 2 * 60 * 60  # connection duration
OVERHEAD_MS = 2  # simulated time API Gateway itself spends on a request

DEFAULT_ROUTE_SELECTION = {"HTTP": "$request.method $request.path", "WEBSOCKET": "$request.body.action"}
ROUTE_PATH_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~:@!$&'()*,;=-]+|\{[A-Za-z0-9._-]+\+?\})$")
BODY_EXPRESSION = re.compile(r"^\$\{?request\.body\.(?P<path>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\}?$")
HTTP_IDENTITY_SOURCE = re.compile(r"^\$(?:request\.(?:header|querystring)|context|stageVariables)\.[A-Za-z0-9_.-]+$")
WS_IDENTITY_SOURCE = re.compile(
    r"^(?:route\.request\.(?:header|querystring)\.[A-Za-z0-9_.-]+|\$(?:request\.(?:header|querystring)|context|stageVariables)\.[A-Za-z0-9_.-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$"
)
STAGE_VAR_RE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
TEXT_TYPES = re.compile(r"^(?:text/.*|application/(?:[a-z0-9.+-]*\+)?(?:json|xml)|application/javascript)$")
# The www-authenticate descriptions HTTP APIs send with a JWT 401 (others: the simulator's reason).
JWT_ERROR_DESCRIPTIONS = {
    "expired": "the token has expired",
    "audience": "the token does not have a valid audience",
}
REST_ONLY_FEATURES = "usage plans, API keys, caching, mapping templates and request validation"


# ---------------------------------------------------------------------------------------
# Looking things up


def get_v2_api(account: Account, api_id: str, protocol: str | None = None) -> V2Api:
    api = account.v2Apis.get(api_id)
    if api is None or (protocol and api.protocolType != protocol):
        raise NotFoundError(f"Invalid API identifier specified {account.accountId}:{api_id}")
    return api


def get_route(api: V2Api, route_id: str) -> V2Route:
    try:
        return api.routes[route_id]
    except KeyError:
        raise NotFoundError(f"Invalid Route identifier specified {route_id}") from None


def route_by_key(api: V2Api, route_key: str) -> V2Route | None:
    return next((r for r in api.routes.values() if r.routeKey == route_key), None)


def get_v2_stage(api: V2Api, stage_name: str) -> V2Stage:
    try:
        return api.stages[stage_name]
    except KeyError:
        raise NotFoundError(f"Invalid stage identifier specified: {stage_name}") from None


# ---------------------------------------------------------------------------------------
# APIs


def create_http_api(
    account: Account,
    name: str,
    *,
    cors: CorsConfiguration | dict | None = None,
    description: str | None = None,
    now: float = 0.0,
) -> V2Api:
    """An HTTP API with its `$default` stage (autoDeploy on), as the console creates it."""
    if not (name or "").strip():
        raise ValidationError(Problem("name", "an API needs a name"))
    configuration = _cors_configuration(cors)
    api = V2Api(
        apiId=account.next_id(),
        name=name,
        protocolType="HTTP",
        description=description,
        routeSelectionExpression=DEFAULT_ROUTE_SELECTION["HTTP"],
        corsConfiguration=configuration,
        createdDate=now,
    )
    api.stages["$default"] = V2Stage(stageName="$default", autoDeploy=True, createdDate=now, lastUpdatedDate=now)
    account.v2Apis[api.apiId] = api
    return api


def create_websocket_api(
    account: Account,
    name: str,
    route_selection_expression: str = "$request.body.action",
    *,
    description: str | None = None,
    now: float = 0.0,
) -> V2Api:
    if not (name or "").strip():
        raise ValidationError(Problem("name", "an API needs a name"))
    if not BODY_EXPRESSION.match(route_selection_expression or ""):
        raise ValidationError(
            Problem(
                "routeSelectionExpression",
                "a WebSocket API selects routes from the JSON message: use $request.body.NAME "
                "(a nested property as $request.body.a.b)",
            )
        )
    api = V2Api(
        apiId=account.next_id(),
        name=name,
        protocolType="WEBSOCKET",
        description=description,
        routeSelectionExpression=route_selection_expression,
        createdDate=now,
    )
    account.v2Apis[api.apiId] = api
    return api


def update_cors(account: Account, api: V2Api, cors: CorsConfiguration | dict | None, *, now: float = 0.0) -> V2Api:
    """Set (or with None remove) the API's CORS configuration. HTTP APIs only."""
    _http_only(api, "CORS configuration")
    api.corsConfiguration = _cors_configuration(cors)
    _api_changed(account, api, now)
    return api


def _cors_configuration(cors: CorsConfiguration | dict | None) -> CorsConfiguration | None:
    if cors is None:
        return None
    configuration = cors if isinstance(cors, CorsConfiguration) else CorsConfiguration.from_dict(cors)
    problems = []
    for method in configuration.allowMethods:
        if method != "*" and method.upper() not in HTTP_ROUTE_METHODS[:-1]:
            problems.append(Problem("corsConfiguration.allowMethods", f"{method!r} is not an HTTP method (or *)"))
    for origin in configuration.allowOrigins:
        if origin != "*" and not re.match(r"^https?://[^\s/]+$", origin):
            problems.append(
                Problem(
                    "corsConfiguration.allowOrigins",
                    f"{origin!r} is not an origin: scheme and host, no path (https://www.example.com) or *",
                )
            )
    if configuration.allowCredentials and "*" in configuration.allowOrigins:
        problems.append(
            Problem(
                "corsConfiguration.allowCredentials",
                "credentials cannot be allowed together with the origin *: list the origins",
            )
        )
    if configuration.maxAge is not None and not -1 <= configuration.maxAge <= 86400:
        problems.append(Problem("corsConfiguration.maxAge", "must be between -1 and 86400 seconds"))
    if problems:
        raise ValidationError(problems)
    return configuration


# ---------------------------------------------------------------------------------------
# Integrations


def create_v2_integration(
    account: Account,
    api: V2Api,
    integration_type: str,
    uri: str | None = None,
    method: str | None = None,
    payload_format: str | None = None,
    timeout_ms: int | None = None,
    *,
    now: float = 0.0,
) -> V2Integration:
    """A proxy integration: AWS_PROXY (a Lambda function ARN, or its invocation URI) or
    HTTP_PROXY (an http(s) URL); WebSocket APIs also MOCK.

    `payload_format` defaults to 2.0 for Lambda on an HTTP API; HTTP_PROXY and WebSocket
    integrations use 1.0 (the only version they support)."""
    websocket = api.protocolType == "WEBSOCKET"
    kind = (integration_type or "").upper()
    allowed = ("AWS_PROXY", "HTTP_PROXY", "MOCK") if websocket else ("AWS_PROXY", "HTTP_PROXY")
    problems: list[Problem] = []
    if kind not in allowed:
        if websocket:
            message = f"must be one of {', '.join(allowed)} in this simulator"
        else:
            message = (
                "this simulator runs AWS_PROXY (Lambda) or HTTP_PROXY (an HTTP URL) integrations on HTTP APIs; "
                f"{kind or 'that type'} integrations (MOCK, HTTP with mapping templates) need a REST API "
                "(real HTTP APIs also have AWS service and private integrations, not simulated here)"
            )
        raise ValidationError(Problem("integrationType", message))
    if payload_format is None:
        payload_format = "2.0" if (kind == "AWS_PROXY" and not websocket) else "1.0"
    if payload_format not in ("1.0", "2.0"):
        problems.append(Problem("payloadFormatVersion", "must be 1.0 or 2.0"))
    elif payload_format == "2.0" and (websocket or kind != "AWS_PROXY"):
        problems.append(
            Problem("payloadFormatVersion", "only Lambda (AWS_PROXY) integrations of HTTP APIs support payload 2.0")
        )
    maximum = WS_TIMEOUT_MAX_MS if websocket else HTTP_TIMEOUT_MAX_MS
    timeout = maximum if timeout_ms is None else timeout_ms
    if not TIMEOUT_MIN_MS <= timeout <= maximum:
        problems.append(Problem("timeoutInMillis", f"must be between {TIMEOUT_MIN_MS} and {maximum} milliseconds"))
    target = uri or ""
    if kind == "AWS_PROXY":
        function = LAMBDA_INVOKE_URI.match(target)
        arn = function["function"] if function else target
        if not LAMBDA_FUNCTION_ARN.match(arn):
            problems.append(
                Problem(
                    "integrationUri",
                    "a Lambda integration needs a function ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME[:ALIAS]",
                )
            )
        verb = "POST"
    elif kind == "HTTP_PROXY":
        if not HTTP_URI.match(target):
            problems.append(Problem("integrationUri", "an HTTP_PROXY integration needs an http:// or https:// URL"))
        verb = (method or "ANY").upper()
        if verb not in HTTP_ROUTE_METHODS:
            problems.append(Problem("integrationMethod", f"must be one of {', '.join(HTTP_ROUTE_METHODS)}"))
    else:
        verb = None
        target = ""
    if problems:
        raise ValidationError(problems)
    integration = V2Integration(
        integrationId=account.next_id(7),
        integrationType=kind,
        integrationUri=target or None,
        integrationMethod=verb,
        payloadFormatVersion=payload_format,
        timeoutInMillis=timeout,
    )
    api.integrations[integration.integrationId] = integration
    _api_changed(account, api, now)
    return integration


def delete_v2_integration(account: Account, api: V2Api, integration_id: str, *, now: float = 0.0) -> None:
    if integration_id not in api.integrations:
        raise NotFoundError(f"Invalid Integration identifier specified {integration_id}")
    users = [r.routeKey for r in api.routes.values() if r.target == f"integrations/{integration_id}"]
    if users:
        raise ConflictError(f"The integration is the target of route(s) {', '.join(users)}; change them first")
    del api.integrations[integration_id]
    _api_changed(account, api, now)


# ---------------------------------------------------------------------------------------
# Routes


def parse_route_key(route_key: str) -> tuple[str, str] | None:
    """("GET", "/pets/{id}") for an HTTP route key, None for `$default`."""
    if route_key == "$default":
        return None
    method, _, path = route_key.partition(" ")
    return method, path


def route_key_problems(api: V2Api, route_key: str) -> list[Problem]:
    key = route_key or ""
    if api.protocolType == "WEBSOCKET":
        if key in WS_RESERVED_ROUTES:
            return []
        if not key.strip() or len(key) > 128:
            return [Problem("routeKey", "a route key is 1 to 128 characters")]
        if key.startswith("$"):
            return [
                Problem("routeKey", "keys starting with $ are reserved: use $connect, $disconnect, $default or a name")
            ]
        return []
    if key == "$default":
        return []
    method, sep, path = key.partition(" ")
    if not sep or method not in HTTP_ROUTE_METHODS or " " in path:
        return [
            Problem(
                "routeKey",
                f"an HTTP route key is $default or 'METHOD /path' with METHOD one of {', '.join(HTTP_ROUTE_METHODS)} "
                "(uppercase), one space, then the path, e.g. 'GET /pets/{petId}'",
            )
        ]
    if not path.startswith("/"):
        return [Problem("routeKey", "the path must start with /")]
    parts = path.split("/")[1:]
    if path == "/":
        return []
    problems: list[Problem] = []
    names: set[str] = set()
    for index, part in enumerate(parts):
        if not ROUTE_PATH_SEGMENT.match(part):
            problems.append(
                Problem("routeKey", f"{part or '(empty)'!r} is not a path part: use letters, digits, -._~, {{param}}")
            )
            continue
        if part.startswith("{"):
            name = part[1:-1].rstrip("+")
            if name in names:
                problems.append(Problem("routeKey", f"the path variable {{{name}}} appears twice"))
            names.add(name)
            if part.endswith("+}") and index != len(parts) - 1:
                problems.append(Problem("routeKey", "a greedy path variable {name+} must be the last part of the path"))
    return problems


def create_route(
    account: Account,
    api: V2Api,
    route_key: str,
    target_integration_id: str | None = None,
    authorization_type: str = "NONE",
    authorizer_id: str | None = None,
    scopes: list[str] | None = None,
    *,
    route_response_selection_expression: str | None = None,
    now: float = 0.0,
) -> V2Route:
    route = V2Route(
        routeId=account.next_id(7),
        routeKey=route_key,
        target=f"integrations/{target_integration_id}" if target_integration_id else None,
        authorizationType=(authorization_type or "NONE").upper(),
        authorizerId=authorizer_id,
        authorizationScopes=list(scopes or []),
        routeResponseSelectionExpression=route_response_selection_expression,
    )
    problems = route_key_problems(api, route_key)
    if any(r.routeKey == route_key for r in api.routes.values()):
        problems.append(Problem("routeKey", f"a route with the key {route_key!r} already exists in this API"))
    problems += _route_problems(api, route)
    if problems:
        raise ValidationError(problems)
    api.routes[route.routeId] = route
    _api_changed(account, api, now)
    return route


def update_route(account: Account, api: V2Api, route_id: str, *, now: float = 0.0, **fields: Any) -> V2Route:
    """Change a route: target_integration_id, authorization_type, authorizer_id, scopes,
    route_response_selection_expression (None to clear)."""
    route = get_route(api, route_id)
    names = {
        "target_integration_id": "target",
        "authorization_type": "authorizationType",
        "authorizer_id": "authorizerId",
        "scopes": "authorizationScopes",
        "route_response_selection_expression": "routeResponseSelectionExpression",
    }
    changed = V2Route.from_dict(route.to_dict())
    for name, value in fields.items():
        if name not in names:
            raise ValidationError(Problem(name, "not a route field"))
        if name == "target_integration_id":
            value = f"integrations/{value}" if value else None
        elif name == "authorization_type":
            value = (value or "NONE").upper()
        elif name == "scopes":
            value = list(value or [])
        setattr(changed, names[name], value)
    problems = _route_problems(api, changed)
    if problems:
        raise ValidationError(problems)
    api.routes[route_id] = changed
    _api_changed(account, api, now)
    return changed


def delete_route(account: Account, api: V2Api, route_id: str, *, now: float = 0.0) -> None:
    get_route(api, route_id)
    del api.routes[route_id]
    _api_changed(account, api, now)


def _route_problems(api: V2Api, route: V2Route) -> list[Problem]:
    problems: list[Problem] = []
    websocket = api.protocolType == "WEBSOCKET"
    if route.target:
        integration_id = route.target.removeprefix("integrations/")
        if not route.target.startswith("integrations/") or integration_id not in api.integrations:
            problems.append(Problem("target", f"no integration with the id {integration_id!r} in this API"))
    kinds = ("NONE", "CUSTOM") if websocket else ("NONE", "JWT", "CUSTOM")
    kind = route.authorizationType
    if kind not in kinds:
        problems.append(
            Problem(
                "authorizationType",
                f"must be one of {', '.join(kinds)}"
                + ("" if kind != "AWS_IAM" else " (AWS_IAM signatures are not simulated for v2 APIs)"),
            )
        )
    elif kind == "NONE":
        if route.authorizerId:
            problems.append(Problem("authorizerId", "authorizationType NONE takes no authorizer"))
    else:
        authorizer = api.authorizers.get(route.authorizerId or "")
        wanted = "JWT" if kind == "JWT" else "REQUEST"
        if authorizer is None:
            problems.append(Problem("authorizerId", f"authorizationType {kind} needs an authorizer of this API"))
        elif authorizer.authorizerType != wanted:
            problems.append(
                Problem(
                    "authorizerId",
                    f"authorizationType {kind} needs a {wanted} authorizer, not {authorizer.authorizerType}",
                )
            )
        if websocket and route.routeKey != "$connect":
            problems.append(
                Problem(
                    "authorizationType",
                    "WebSocket APIs authorize only on the $connect route: the connection, once open, is trusted",
                )
            )
    if route.authorizationScopes and kind != "JWT":
        problems.append(Problem("authorizationScopes", "scopes apply only to routes with JWT authorization"))
    if route.routeResponseSelectionExpression is not None:
        if not websocket:
            problems.append(Problem("routeResponseSelectionExpression", "route responses exist only in WebSocket APIs"))
        elif route.routeResponseSelectionExpression != "$default":
            problems.append(Problem("routeResponseSelectionExpression", "proxy integrations support only $default"))
        elif route.routeKey in ("$connect", "$disconnect"):
            problems.append(
                Problem("routeResponseSelectionExpression", f"{route.routeKey} cannot send an answer to the client")
            )
    return problems


# ---------------------------------------------------------------------------------------
# Authorizers


def create_jwt_authorizer(
    account: Account,
    api: V2Api,
    name: str,
    issuer: str,
    audience: str | list[str],
    identity_source: str = "$request.header.Authorization",
    *,
    now: float = 0.0,
) -> V2Authorizer:
    _http_only(api, "JWT authorizers")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    problems = []
    if not (name or "").strip():
        problems.append(Problem("name", "an authorizer needs a name"))
    if not re.match(r"^https://\S+$", issuer or ""):
        problems.append(
            Problem(
                "jwtConfiguration.issuer", "the issuer is an https URL (a Cognito user pool's: https://cognito-idp...)"
            )
        )
    if not audiences or not all(isinstance(a, str) and a for a in audiences):
        problems.append(Problem("jwtConfiguration.audience", "give at least one audience (an app client id)"))
    if not re.match(r"^\$request\.header\.[A-Za-z0-9_-]+$", identity_source or ""):
        problems.append(Problem("identitySource", "a JWT authorizer reads one header: $request.header.NAME"))
    if problems:
        raise ValidationError(problems)
    authorizer = V2Authorizer(
        authorizerId=account.next_id(6),
        name=name,
        authorizerType="JWT",
        identitySource=[identity_source],
        jwtConfiguration={"issuer": issuer, "audience": audiences},
    )
    api.authorizers[authorizer.authorizerId] = authorizer
    _api_changed(account, api, now)
    return authorizer


def create_lambda_authorizer(
    account: Account,
    api: V2Api,
    name: str,
    function_arn: str,
    identity_source: str | list[str] | None = None,
    simple_responses: bool = True,
    ttl: int = 0,
    payload_format: str = "2.0",
    *,
    now: float = 0.0,
) -> V2Authorizer:
    """A Lambda REQUEST authorizer. WebSocket APIs: identity sources as route.request.header.X
    (or $request.header.X), an IAM policy answer (no simple responses), on $connect only."""
    websocket = api.protocolType == "WEBSOCKET"
    if isinstance(identity_source, str):
        sources = [s.strip() for s in identity_source.split(",") if s.strip()]
    else:
        sources = list(identity_source or [])
    problems = []
    if not (name or "").strip():
        problems.append(Problem("name", "an authorizer needs a name"))
    invoke = LAMBDA_INVOKE_URI.match(function_arn or "")
    arn = invoke["function"] if invoke else (function_arn or "")
    if not LAMBDA_FUNCTION_ARN.match(arn):
        problems.append(
            Problem("authorizerUri", "needs a Lambda function ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME")
        )
    pattern = WS_IDENTITY_SOURCE if websocket else HTTP_IDENTITY_SOURCE
    for source in sources:
        if not pattern.match(source):
            example = (
                "route.request.header.NAME or route.request.querystring.NAME"
                if websocket
                else ("$request.header.NAME, $request.querystring.NAME, $context.NAME or $stageVariables.NAME")
            )
            problems.append(Problem("identitySource", f"{source!r} is not an identity source: use {example}"))
    if not 0 <= ttl <= 3600:
        problems.append(Problem("authorizerResultTtlInSeconds", "must be between 0 and 3600 seconds"))
    elif ttl and not sources:
        problems.append(
            Problem("authorizerResultTtlInSeconds", "caching needs at least one identity source (the cache key)")
        )
    if websocket:
        simple_responses, payload_format = False, "1.0"
    elif payload_format not in ("1.0", "2.0"):
        problems.append(Problem("authorizerPayloadFormatVersion", "must be 1.0 or 2.0"))
    elif simple_responses and payload_format != "2.0":
        problems.append(Problem("enableSimpleResponses", "simple responses need authorizer payload format 2.0"))
    if problems:
        raise ValidationError(problems)
    authorizer = V2Authorizer(
        authorizerId=account.next_id(6),
        name=name,
        authorizerType="REQUEST",
        identitySource=sources,
        authorizerUri=arn,
        authorizerPayloadFormatVersion=payload_format,
        enableSimpleResponses=simple_responses,
        authorizerResultTtlInSeconds=ttl,
    )
    api.authorizers[authorizer.authorizerId] = authorizer
    _api_changed(account, api, now)
    return authorizer


# ---------------------------------------------------------------------------------------
# Stages and deployments


def create_v2_stage(
    account: Account,
    api: V2Api,
    name: str,
    auto_deploy: bool = False,
    variables: dict[str, str] | None = None,
    *,
    deployment_id: str | None = None,
    now: float = 0.0,
) -> V2Stage:
    if name != "$default" and not STAGE_NAME.match(name or ""):
        raise ValidationError(
            Problem("stageName", "use $default or letters, digits, hyphens and underscores (at most 128)")
        )
    if name == "$default" and api.protocolType == "WEBSOCKET":
        raise ValidationError(Problem("stageName", "WebSocket APIs have no $default stage: name the stage"))
    if name in api.stages:
        raise ConflictError(f"Stage already exists: {name}")
    if deployment_id is not None and deployment_id not in api.deployments:
        raise NotFoundError(f"Invalid deployment identifier specified: {deployment_id}")
    _check_variables(variables or {})
    stage = V2Stage(
        stageName=name,
        autoDeploy=auto_deploy,
        deploymentId=deployment_id,
        stageVariables=dict(variables or {}),
        createdDate=now,
        lastUpdatedDate=now,
    )
    api.stages[name] = stage
    if auto_deploy and api.routes:
        _point(stage, _new_deployment(account, api, "Automatic deployment", now), now)
    return stage


def update_v2_stage(
    account: Account,
    api: V2Api,
    name: str,
    *,
    auto_deploy: bool | None = None,
    variables: dict[str, str] | None = None,
    deployment_id: str | None = None,
    now: float = 0.0,
) -> V2Stage:
    stage = get_v2_stage(api, name)
    if variables is not None:
        _check_variables(variables)
        stage.stageVariables = dict(variables)
    if deployment_id is not None:
        if deployment_id not in api.deployments:
            raise NotFoundError(f"Invalid deployment identifier specified: {deployment_id}")
        _point(stage, api.deployments[deployment_id], now)
    if auto_deploy is not None:
        stage.autoDeploy = auto_deploy
        if auto_deploy and api.routes:
            _point(stage, _new_deployment(account, api, "Automatic deployment", now), now)
    stage.lastUpdatedDate = now
    return stage


def delete_v2_stage(api: V2Api, name: str) -> None:
    get_v2_stage(api, name)
    del api.stages[name]


def deploy_v2(
    account: Account, api: V2Api, stage_name: str | None = None, *, description: str | None = None, now: float = 0.0
) -> Deployment:
    """Freeze the API as it is now; with a stage name, point that (existing) stage at it."""
    stage = get_v2_stage(api, stage_name) if stage_name else None
    deployment = _new_deployment(account, api, description, now)
    if stage is not None:
        _point(stage, deployment, now)
    return deployment


def _new_deployment(account: Account, api: V2Api, description: str | None, now: float) -> Deployment:
    if not api.routes:
        raise ValidationError(Problem("routes", "Unable to deploy API because no routes exist in this API"))
    deployment = Deployment(id=account.next_id(6), description=description, createdDate=now, snapshot=api.definition())
    api.deployments[deployment.id] = deployment
    return deployment


def _point(stage: V2Stage, deployment: Deployment, now: float) -> None:
    stage.deploymentId = deployment.id
    stage.lastUpdatedDate = now


def _api_changed(account: Account, api: V2Api, now: float) -> None:
    """autoDeploy stages get a new deployment after every change (once the API has a route)."""
    auto = [s for s in api.stages.values() if s.autoDeploy]
    if not auto or not api.routes:
        return
    deployment = _new_deployment(account, api, "Automatic deployment", now)
    for stage in auto:
        _point(stage, deployment, now)


def _check_variables(variables: dict[str, str]) -> None:
    problems = [
        Problem(f"stageVariables.{name}", "names use letters, digits and underscores (at most 64)")
        for name in variables
        if not VARIABLE_NAME.match(name)
    ]
    problems += [
        Problem(f"stageVariables.{name}", "values use letters, digits and -._~:/?#&=, (at most 512)")
        for name, value in variables.items()
        if not VARIABLE_VALUE.match(str(value))
    ]
    if problems:
        raise ValidationError(problems)


def _http_only(api: V2Api, feature: str) -> None:
    if api.protocolType != "HTTP":
        raise ValidationError(Problem("protocolType", f"{feature} exist only in HTTP APIs"))


# ---------------------------------------------------------------------------------------
# REST-only features: refused with the reason


def refuse_rest_only(feature: str) -> NoReturn:
    """What the console says when a learner looks for a REST-only feature on an HTTP API."""
    raise ValidationError(
        Problem(
            feature,
            f"HTTP APIs do not have {feature}; use a REST API for that "
            f"(HTTP APIs have no {REST_ONLY_FEATURES}: they trade them for lower cost and latency)",
        )
    )


def add_to_usage_plan_v2(account: Account, api: V2Api, *args: Any, **kwargs: Any) -> NoReturn:
    refuse_rest_only("usage plans")


def create_api_key_v2(account: Account, api: V2Api, *args: Any, **kwargs: Any) -> NoReturn:
    refuse_rest_only("API keys")


def enable_cache_v2(account: Account, api: V2Api, *args: Any, **kwargs: Any) -> NoReturn:
    refuse_rest_only("caching")


def set_mapping_template_v2(account: Account, api: V2Api, *args: Any, **kwargs: Any) -> NoReturn:
    refuse_rest_only("mapping templates")


def set_request_validator_v2(account: Account, api: V2Api, *args: Any, **kwargs: Any) -> NoReturn:
    refuse_rest_only("request validation")


# ---------------------------------------------------------------------------------------
# Deployed definitions, compiled once


@dataclass(frozen=True)
class CompiledRoute:
    route: V2Route
    method: str  # "" for $default
    fixed: tuple[str, ...]  # path parts before a greedy variable
    greedy: str | None  # the greedy variable's name

    def match(self, method: str, parts: list[str]) -> dict[str, str] | None:
        if self.method not in (method, "ANY"):
            return None
        if (self.greedy is None and len(parts) != len(self.fixed)) or (
            self.greedy is not None and len(parts) <= len(self.fixed)
        ):
            return None
        params: dict[str, str] = {}
        for pattern, part in zip(self.fixed, parts, strict=False):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = unquote(part)
            elif pattern != part:
                return None
        if self.greedy is not None:
            params[self.greedy] = unquote("/".join(parts[len(self.fixed) :]))
        return params

    @property
    def specificity(self) -> tuple:
        """Lower sorts first: no greedy variable, longer, literal before {param}, method before ANY."""
        return (
            self.greedy is not None,
            -len(self.fixed),
            tuple(p.startswith("{") for p in self.fixed),
            self.method == "ANY",
        )


@dataclass
class CompiledV2:
    api: V2Api
    routes: list[CompiledRoute]
    default_route: V2Route | None
    by_key: dict[str, V2Route]


_COMPILED: OrderedDict[tuple[str, str, int], CompiledV2] = OrderedDict()


def compile_v2(api_id: str, deployment: Deployment) -> CompiledV2:
    key = (api_id, deployment.id, id(deployment.snapshot))
    cached = _COMPILED.get(key)
    if cached is not None:
        _COMPILED.move_to_end(key)
        return cached
    api = V2Api.from_dict(deployment.snapshot)
    routes = []
    for route in api.routes.values():
        parsed = parse_route_key(route.routeKey) if api.protocolType == "HTTP" else None
        if parsed is None:
            continue
        method, path = parsed
        parts = [p for p in path.split("/") if p]
        greedy = parts[-1][1:-2] if parts and parts[-1].endswith("+}") else None
        routes.append(CompiledRoute(route, method, tuple(parts[:-1] if greedy else parts), greedy))
    routes.sort(key=lambda r: r.specificity)
    by_key = {r.routeKey: r for r in api.routes.values()}
    compiled = CompiledV2(api, routes, by_key.get("$default"), by_key)
    _COMPILED[key] = compiled
    if len(_COMPILED) > 256:
        _COMPILED.popitem(last=False)
    return compiled


def match_route(compiled: CompiledV2, method: str, path: str) -> tuple[V2Route, dict[str, str]] | None:
    """The most specific route for the request, else `$default`, else None."""
    parts = [p for p in path.split("/") if p]
    for candidate in compiled.routes:
        params = candidate.match(method.upper(), parts)
        if params is not None:
            return candidate.route, params
    if compiled.default_route is not None:
        return compiled.default_route, {}
    return None


# ---------------------------------------------------------------------------------------
# Invoking an HTTP API


class _Stop(Exception):  # noqa: N818 (control flow)
    def __init__(self, status: int, message: str, step: str, reason: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.step, self.reason = status, message, step, reason
        self.headers = headers or []


@dataclass
class _HttpCall(Recorder):
    account: Account
    request: Request
    rng: random.Random
    now: float
    runtime: Runtime
    request_id: str
    api_id: str = ""
    stage_name: str = "$default"
    path: str = "/"  # after the stage
    raw_path: str = "/"  # as the client sent it (with the stage name for a named stage)
    stage_variables: dict[str, str] = field(default_factory=dict)
    deployment_id: str | None = None
    route: V2Route | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None  # requestContext.authorizer
    principal: str | None = None
    clock_ms: float = 0.0
    integration_ms: float = 0.0
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.request.method.upper()

    @property
    def domain(self) -> str:
        return f"{self.api_id}.execute-api.{self.account.region}.amazonaws.com"

    @property
    def arn_prefix(self) -> str:
        return f"arn:aws:execute-api:{self.account.region}:{self.account.accountId}:{self.api_id}"

    @property
    def route_arn(self) -> str:
        """The request as IAM policies of Lambda authorizers see it: API/STAGE/METHOD/PATH."""
        return f"{self.arn_prefix}/{self.stage_name}/{self.method}/{self.path.lstrip('/')}"

    @property
    def source_arn(self) -> str:
        """What the Lambda permission is checked against: API/STAGE/METHOD/ROUTE-PATH or API/STAGE/$default."""
        route = self.route
        if route is None or route.routeKey == "$default":
            return f"{self.arn_prefix}/{self.stage_name}/$default"
        _, path = parse_route_key(route.routeKey) or ("", "/")
        return f"{self.arn_prefix}/{self.stage_name}/{self.method}/{path.lstrip('/')}"


def _message_body(message: str) -> str:
    return json.dumps({"message": message}, separators=(",", ":"))


def invoke_http_api(
    account: Account,
    request: Request,
    *,
    rng: random.Random | None = None,
    now: float | None = None,
    runtime: Runtime | None = None,
) -> Response:
    """Run one request through a deployed HTTP API. Never raises: every failure is a Response.

    `request.stage` "" or "$default" reaches the `$default` stage; a name that is not a stage
    is, as in AWS, the first part of the path on the `$default` stage."""
    rng = rng or random.Random()  # noqa: S311 (ids, not secrets)
    call = _HttpCall(
        account,
        request,
        rng,
        request.time if now is None else now,
        runtime or DEFAULT_RUNTIME,
        _short_id(rng),
        api_id=request.api_id,
    )
    try:
        response = _run_http(call)
    except _Stop as stop:
        call.error(f"{stop.step}: {stop.reason}")
        response = Response(
            status=stop.status,
            headers=[("content-type", "application/json"), *stop.headers],
            body=_message_body(stop.message),
            decided_by=stop.step,
            reason=stop.reason,
        )
    except Exception as exc:  # noqa: BLE001 (the engine must answer, whatever went wrong)
        call.error(f"Execution failed due to an internal error: {type(exc).__name__}: {exc}")
        response = Response(
            status=500,
            headers=[("content-type", "application/json")],
            body=_message_body("Internal Server Error"),
            decided_by="integration",
            reason=f"the simulator failed: {exc}",
        )
    response.request_id = call.request_id
    response.headers.append(("apigw-requestid", call.request_id))
    response.deployment_id = call.deployment_id
    response.resource_path = call.route.routeKey if call.route else None
    response.principal = response.principal or call.principal
    response.integration_latency_ms = call.integration_ms
    response.latency_ms = call.clock_ms + OVERHEAD_MS
    call.info(f"{call.method} {call.raw_path} -> {response.status}")
    response.log = call.log
    response.trace = call.trace
    return response


def _run_http(call: _HttpCall) -> Response:
    request = call.request
    api = call.account.v2Apis.get(request.api_id)
    if api is None or api.protocolType != "HTTP":
        call.step("route", "failed", 0, f"no HTTP API with the id {request.api_id}")
        raise _Stop(404, "Not Found", "route", f"there is no HTTP API {request.api_id}")
    stage_name = request.stage if request.stage not in ("", "$default") else "$default"
    path = request.path if request.path.startswith("/") else "/" + request.path
    stage = api.stages.get(stage_name)
    raw_path = path if stage_name == "$default" else f"/{stage_name}{path}"
    if stage is None and stage_name != "$default" and "$default" in api.stages:
        # No stage of that name: the name is part of the path on the $default stage.
        stage, path, stage_name = api.stages["$default"], f"/{stage_name}{path}", "$default"
        raw_path = path
    call.stage_name, call.path, call.raw_path = stage_name, path, raw_path
    if stage is None:
        call.step("route", "failed", 0, f"no stage {stage_name}")
        raise _Stop(404, "Not Found", "route", f"the API has no stage {stage_name!r} (and no $default stage)")
    deployment = api.deployments.get(stage.deploymentId or "")
    if deployment is None:
        call.step("route", "failed", 0, "the stage has no deployment")
        raise _Stop(
            404,
            "Not Found",
            "route",
            f"stage {stage_name} has no deployment yet: add a route (autoDeploy) or deploy the API",
        )
    call.deployment_id = deployment.id
    call.stage_variables = dict(stage.stageVariables)
    compiled = compile_v2(api.apiId, deployment)
    call.info(f"Request {call.request_id}: {call.method} {raw_path} on stage {stage_name}")

    if len(request.body_bytes) > MAX_PAYLOAD_BYTES:
        call.step("route", "failed", 0, "payload over 10 MB")
        raise _Stop(413, "Request Entity Too Large", "route", f"the payload limit is 10 MB ({MAX_PAYLOAD_BYTES} bytes)")

    cors = compiled.api.corsConfiguration
    if cors is not None and _is_preflight(request):
        return _preflight(call, cors)

    found = match_route(compiled, call.method, path)
    if found is None:
        call.step("route", "failed", 1, f"no route matches {call.method} {path} and there is no $default route")
        raise _Stop(
            404, "Not Found", "route", f"no route matches {call.method} {path} and the API has no $default route"
        )
    call.route, call.path_parameters = found
    call.step("route", "ok", 1, f"{call.method} {path} -> route {call.route.routeKey}")
    call.info(f"Route selected: {call.route.routeKey} (path parameters {call.path_parameters or {}})")

    _authorize(call, compiled)

    response = _integrate(call, compiled)
    if cors is not None:
        _apply_cors(call, cors, response)
    return response


# ---------------------------------------------------------------------------------------
# CORS (built in)


def _is_preflight(request: Request) -> bool:
    return (
        request.method.upper() == "OPTIONS"
        and request.header("Origin") is not None
        and request.header("Access-Control-Request-Method") is not None
    )


def _origin_allowed(cors: CorsConfiguration, origin: str | None) -> bool:
    if not origin:
        return False
    return "*" in cors.allowOrigins or origin.lower() in {o.lower() for o in cors.allowOrigins}


def _allow_origin_value(cors: CorsConfiguration, origin: str) -> str:
    return "*" if "*" in cors.allowOrigins and not cors.allowCredentials else origin


def _preflight(call: _HttpCall, cors: CorsConfiguration) -> Response:
    request = call.request
    origin = request.header("Origin") or ""
    wanted = (request.header("Access-Control-Request-Method") or "").upper()
    methods = {m.upper() for m in cors.allowMethods}
    headers: list[tuple[str, str]] = []
    if not _origin_allowed(cors, origin):
        verdict = f"origin {origin} is not in allowOrigins: no CORS headers, the browser blocks the call"
    elif methods and "*" not in methods and wanted not in methods:
        verdict = f"method {wanted} is not in allowMethods: no CORS headers, the browser blocks the call"
    else:
        verdict = f"origin {origin} and method {wanted} are allowed"
        headers.append(("access-control-allow-origin", _allow_origin_value(cors, origin)))
        if cors.allowMethods:
            headers.append(("access-control-allow-methods", ",".join(cors.allowMethods)))
        if cors.allowHeaders:
            headers.append(("access-control-allow-headers", ",".join(cors.allowHeaders)))
        if cors.maxAge is not None:
            headers.append(("access-control-max-age", str(cors.maxAge)))
        if cors.allowCredentials:
            headers.append(("access-control-allow-credentials", "true"))
    call.step("cors", "ok", 0, f"preflight answered by API Gateway: {verdict}")
    call.info(f"CORS preflight answered by API Gateway without calling the backend: {verdict}")
    return Response(status=204, headers=headers, body="", decided_by="cors", reason=f"CORS preflight: {verdict}")


def _apply_cors(call: _HttpCall, cors: CorsConfiguration, response: Response) -> None:
    """API Gateway ignores the backend's CORS headers and adds the configured ones for an allowed origin."""
    dropped = [k for k, _ in response.headers if k.lower().startswith("access-control-")]
    response.headers = [(k, v) for k, v in response.headers if not k.lower().startswith("access-control-")]
    if dropped:
        call.info(f"CORS is configured: the backend's {', '.join(dropped)} header(s) are ignored")
    origin = call.request.header("Origin")
    if not _origin_allowed(cors, origin):
        if origin:
            call.info(f"CORS: origin {origin} is not allowed, no CORS headers added")
        return
    response.headers.append(("access-control-allow-origin", _allow_origin_value(cors, origin or "")))
    if cors.exposeHeaders:
        response.headers.append(("access-control-expose-headers", ",".join(cors.exposeHeaders)))
    if cors.allowCredentials:
        response.headers.append(("access-control-allow-credentials", "true"))


# ---------------------------------------------------------------------------------------
# Authorization


def _authorize(call: _HttpCall, compiled: CompiledV2) -> None:
    route = call.route
    assert route is not None
    if route.authorizationType == "NONE":
        return
    authorizer = compiled.api.authorizers.get(route.authorizerId or "")
    if authorizer is None:
        call.step("authorizer", "failed", 0, "the route's authorizer does not exist")
        raise _Stop(500, "Internal Server Error", "authorizer", "the route names an authorizer that does not exist")
    if authorizer.authorizerType == "JWT":
        _authorize_jwt(call, route, authorizer)
    else:
        _authorize_lambda(call, route, authorizer)


def _authorize_jwt(call: _HttpCall, route: V2Route, authorizer: V2Authorizer) -> None:
    from gateway.auth import cognito  # RSA and JWT libraries: loaded only when a JWT route is called

    source = (authorizer.identitySource or ["$request.header.Authorization"])[0]
    header = source.rsplit(".", 1)[-1]
    raw = call.request.header(header)
    if not raw:
        call.step("authorizer", "failed", 1, f"no token in the {header} header")
        raise _Stop(
            401, "Unauthorized", "authorizer", f"JWT authorizer {authorizer.name}: the {header} header is missing"
        )
    token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
    config = authorizer.jwtConfiguration or {}
    audiences = config.get("audience") or []
    try:
        claims = cognito.verify_token(
            token,
            pools=list(call.account.userPools.values()),
            audience=audiences,
            issuer=config.get("issuer"),
            required_scopes=list(route.authorizationScopes) or None,
            now=call.now,
        )
    except cognito.TokenError as exc:
        status = int(getattr(exc, "status", 401) or 401)
        reason = str(getattr(exc, "reason", exc))
        call.step("authorizer", "failed", 1, reason)
        if status == 403:
            raise _Stop(
                403,
                "Forbidden",
                "authorizer",
                f"JWT authorizer {authorizer.name}: {reason} (the route needs one of {route.authorizationScopes})",
            ) from None
        kind = getattr(exc, "kind", "")
        description = JWT_ERROR_DESCRIPTIONS.get(kind, reason).replace('"', "'")
        raise _Stop(
            401,
            "Unauthorized",
            "authorizer",
            f"JWT authorizer {authorizer.name}: {reason}",
            [("www-authenticate", f'Bearer scope="" error="invalid_token" error_description="{description}"')],
        ) from None
    scopes = _token_scopes(claims)
    if route.authorizationScopes and not set(route.authorizationScopes) & set(scopes or []):
        # verify_token checks scopes too; this keeps the rule whatever it reports.
        call.step("authorizer", "failed", 1, "the token has none of the route's scopes")
        raise _Stop(
            403,
            "Forbidden",
            "authorizer",
            f"JWT authorizer {authorizer.name}: the token has none of the route's scopes {route.authorizationScopes}",
        )
    call.authorizer = {"jwt": {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": scopes}}
    call.principal = str(claims.get("sub") or claims.get("username") or claims.get("cognito:username") or "")
    call.step("authorizer", "ok", 1, f"JWT valid for {call.principal or 'the caller'}")
    call.info(f"JWT authorizer {authorizer.name}: token valid (sub {claims.get('sub')}, scopes {scopes})")


def _token_scopes(claims: dict[str, Any]) -> list[str] | None:
    value = claims.get("scope", claims.get("scp"))
    if value is None:
        return None
    if isinstance(value, str):
        return [s for s in value.split(" ") if s]
    return [str(s) for s in value]


def _claim_text(value: Any) -> str:
    """Payload 2.0 passes every JWT claim as a string; a list becomes "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _identity_value(call: _HttpCall, source: str) -> str | None:
    request = call.request
    if source.startswith("$request.header."):
        return request.header(source.split(".", 2)[2])
    if source.startswith("$request.querystring."):
        name = source.split(".", 2)[2]
        values = [v for k, v in request.query if k == name]
        return ",".join(values) if values else None
    if source.startswith("$stageVariables."):
        return call.stage_variables.get(source.split(".", 1)[1])
    if source.startswith("$context."):
        context = {
            "routeKey": call.route.routeKey if call.route else "",
            "stage": call.stage_name,
            "httpMethod": call.method,
            "path": call.raw_path,
            "requestId": call.request_id,
            "apiId": call.api_id,
            "domainName": call.domain,
            "identity.sourceIp": request.source_ip,
        }
        return context.get(source.split(".", 1)[1])
    return None


def _authorize_lambda(call: _HttpCall, route: V2Route, authorizer: V2Authorizer) -> None:
    values = []
    for source in authorizer.identitySource:
        value = _identity_value(call, source)
        if not value:
            call.step("authorizer", "failed", 0, f"identity source {source} is missing")
            raise _Stop(
                401,
                "Unauthorized",
                "authorizer",
                f"Lambda authorizer {authorizer.name}: the identity source {source} is missing, so the function "
                "was not called",
            )
        values.append(value)
    cache_key = None
    if authorizer.authorizerResultTtlInSeconds > 0:
        cache_key = f"v2auth:{call.api_id}:{authorizer.authorizerId}:{json.dumps(values)}"
        cached = call.runtime.store.get(cache_key)
        if cached is not None and cached["expires"] > call.now:
            call.info(f"Lambda authorizer {authorizer.name}: cached result used (identity {values})")
            _authorizer_outcome(call, authorizer, cached["allowed"], cached["context"], cached["principal"], True)
            return
    event = _authorizer_event(call, route, authorizer, values)
    arn = authorizer.authorizerUri or ""
    source_arn = f"{call.arn_prefix}/authorizers/{authorizer.authorizerId}"
    try:
        result = backends.invoke_lambda(call.account, arn, event, proxy=True, source_arn=source_arn)
    except BackendError as exc:
        call.step("authorizer", "failed", 0, str(exc))
        raise _Stop(500, "Internal Server Error", "authorizer", f"the authorizer could not be called: {exc}") from None
    call.clock_ms += result.duration_ms
    if result.failed:
        call.step("authorizer", "failed", 0, f"the authorizer function raised {result.error_message}")
        raise _Stop(
            500, "Internal Server Error", "authorizer", f"the authorizer function failed: {result.error_message}"
        )
    allowed, context, principal, problem = _read_authorizer_answer(call, authorizer, result.payload)
    if problem:
        call.step("authorizer", "failed", 0, problem)
        raise _Stop(
            500, "Internal Server Error", "authorizer", f"the authorizer answered in an invalid format: {problem}"
        )
    if cache_key is not None:
        call.runtime.store.put(
            cache_key,
            {
                "expires": call.now + authorizer.authorizerResultTtlInSeconds,
                "allowed": allowed,
                "context": context,
                "principal": principal,
            },
        )
    _authorizer_outcome(call, authorizer, allowed, context, principal, False)


def _authorizer_outcome(
    call: _HttpCall, authorizer: V2Authorizer, allowed: bool, context: dict, principal: str | None, cached: bool
) -> None:
    how = " (cached)" if cached else ""
    if not allowed:
        call.step("authorizer", "failed", 1, f"the authorizer denied the request{how}")
        raise _Stop(403, "Forbidden", "authorizer", f"Lambda authorizer {authorizer.name} denied the request{how}")
    call.authorizer = {"lambda": context or None}
    call.principal = principal
    call.step("authorizer", "ok", 1, f"the authorizer allowed the request{how}")
    call.info(f"Lambda authorizer {authorizer.name} allowed the request{how}; context {context}")


def _read_authorizer_answer(
    call: _HttpCall, authorizer: V2Authorizer, payload: Any
) -> tuple[bool, dict, str | None, str | None]:
    if not isinstance(payload, dict):
        return False, {}, None, "the answer is not a JSON object"
    context = payload.get("context") or {}
    if not isinstance(context, dict):
        return False, {}, None, "context must be an object"
    if authorizer.enableSimpleResponses:
        allowed = payload.get("isAuthorized")
        if not isinstance(allowed, bool):
            return False, {}, None, 'a simple response needs "isAuthorized": true or false'
        return allowed, context, None, None
    policy = payload.get("policyDocument")
    if not isinstance(policy, dict):
        return False, {}, None, "an IAM policy answer needs principalId and policyDocument"
    return policy_allows(policy, call.route_arn), context, str(payload.get("principalId") or "") or None, None


def policy_allows(policy: dict, resource_arn: str) -> bool:
    """execute-api:Invoke on the resource: an explicit Deny wins, then an Allow, else denied."""
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(a)) for a in actions):
            continue
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatch.fnmatchcase(resource_arn, str(r)) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _authorizer_event(call: _HttpCall, route: V2Route, authorizer: V2Authorizer, values: list[str]) -> dict[str, Any]:
    if authorizer.authorizerPayloadFormatVersion == "2.0":
        event = _event_v2(call)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": call.route_arn,
            "identitySource": values,
            **{k: v for k, v in event.items() if k != "version"},
        }
    event = _event_v1(call)
    for key in ("body", "isBase64Encoded"):
        event.pop(key, None)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": call.route_arn,
        "identitySource": ",".join(values),
        "authorizationToken": ",".join(values),
        **{k: v for k, v in event.items() if k != "version"},
    }


# ---------------------------------------------------------------------------------------
# Events


def _time_text(now: float) -> str:
    return datetime.fromtimestamp(now, tz=UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _content_type(request: Request) -> str:
    return (request.header("Content-Type") or "").split(";")[0].strip().lower()


def _body_for_event(request: Request) -> tuple[str | None, bool]:
    """(body, isBase64Encoded): text content types pass as text, anything else as base64."""
    raw = request.body_bytes
    if not raw:
        return None, False
    content_type = _content_type(request)
    if content_type and not TEXT_TYPES.match(content_type):
        return base64.b64encode(raw).decode(), True
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode(), True


def _raw_query(query: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query)


def _joined(pairs: list[tuple[str, str]], lower: bool) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if lower else name
        out[key] = f"{out[key]},{value}" if key in out else value
    return out


def _event_v2(call: _HttpCall) -> dict[str, Any]:
    request = call.request
    cookies: list[str] = []
    headers: list[tuple[str, str]] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
        else:
            headers.append((name, value))
    body, encoded = _body_for_event(request)
    route_key = call.route.routeKey if call.route else "$default"
    context: dict[str, Any] = {"accountId": call.account.accountId, "apiId": call.api_id}
    if call.authorizer is not None:
        context["authorizer"] = call.authorizer
    context.update(
        {
            "domainName": call.domain,
            "domainPrefix": call.api_id,
            "http": {
                "method": call.method,
                "path": call.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": request.header("User-Agent") or "",
            },
            "requestId": call.request_id,
            "routeKey": route_key,
            "stage": call.stage_name,
            "time": _time_text(call.now),
            "timeEpoch": int(call.now * 1000),
        }
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": call.raw_path,
        "rawQueryString": _raw_query(request.query),
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = _joined(headers, lower=True)
    if request.query:
        event["queryStringParameters"] = _joined(request.query, lower=False)
    event["requestContext"] = context
    if body is not None:
        event["body"] = body
    if call.path_parameters:
        event["pathParameters"] = dict(call.path_parameters)
    event["isBase64Encoded"] = encoded
    if call.stage_variables:
        event["stageVariables"] = dict(call.stage_variables)
    return event


def _event_v1(call: _HttpCall) -> dict[str, Any]:
    request = call.request
    body, encoded = _body_for_event(request)
    route_key = call.route.routeKey if call.route else "$default"
    parsed = parse_route_key(route_key)
    resource_path = parsed[1] if parsed else "$default"
    authorizer: dict[str, Any] = {"claims": None, "scopes": None}
    if call.authorizer and "jwt" in call.authorizer:
        authorizer = dict(call.authorizer["jwt"])
    elif call.authorizer and "lambda" in call.authorizer:
        authorizer = {**(call.authorizer.get("lambda") or {}), "principalId": call.principal}
    context = {
        "accountId": call.account.accountId,
        "apiId": call.api_id,
        "authorizer": authorizer,
        "domainName": call.domain,
        "domainPrefix": call.api_id,
        "extendedRequestId": call.request_id,
        "httpMethod": call.method,
        "identity": identity(request.source_ip, request.header("User-Agent") or ""),
        "path": call.raw_path,
        "protocol": request.protocol,
        "requestId": call.request_id,
        "requestTime": _time_text(call.now),
        "requestTimeEpoch": int(call.now * 1000),
        "resourceId": route_key,
        "resourcePath": resource_path,
        "stage": call.stage_name,
    }
    event = lambda_proxy.build_event(
        resource_path=resource_path,
        path=call.raw_path,
        method=call.method,
        headers=request.headers,
        query=request.query,
        path_parameters=call.path_parameters,
        stage_variables=call.stage_variables,
        request_context=context,
        body=None,
        binary=False,
    )
    event["body"], event["isBase64Encoded"] = body, encoded
    return {"version": "1.0", **event}


# ---------------------------------------------------------------------------------------
# Integrations


def _integrate(call: _HttpCall, compiled: CompiledV2) -> Response:
    route = call.route
    assert route is not None
    integration = compiled.api.integrations.get((route.target or "").removeprefix("integrations/"))
    if integration is None:
        call.error("Execution failed due to configuration error: No integration defined for route")
        call.step("integration", "failed", 0, "the route has no integration (target)")
        raise _Stop(500, "Internal Server Error", "integration", f"route {route.routeKey} has no integration attached")
    if integration.integrationType == "AWS_PROXY":
        return _lambda_integration(call, integration)
    return _http_integration(call, integration)


def _substitute(text: str, variables: dict[str, str]) -> str:
    return STAGE_VAR_RE.sub(lambda m: variables.get(m.group(1), ""), text)


def lambda_arn_of(uri: str) -> str:
    match = LAMBDA_INVOKE_URI.match(uri)
    return match["function"] if match else uri


def _call_lambda(call: _HttpCall, integration: V2Integration, event: Any) -> LambdaResult:
    arn = lambda_arn_of(_substitute(integration.integrationUri or "", call.stage_variables))
    call.info(f"Invoking Lambda {arn} (payload format {integration.payloadFormatVersion})")
    try:
        result = backends.invoke_lambda(call.account, arn, event, proxy=True, source_arn=call.source_arn)
    except BackendError as exc:
        call.error(f"Execution failed due to configuration error: {exc}")
        call.step("integration", "failed", 0, str(exc))
        raise _Stop(500, "Internal Server Error", "integration", f"the function could not be invoked: {exc}") from None
    _check_timeout(call, integration, result.duration_ms)
    call.integration_ms = result.duration_ms
    return result


def _check_timeout(call: _HttpCall, integration: V2Integration, duration_ms: int) -> None:
    if duration_ms > integration.timeoutInMillis:
        call.integration_ms = integration.timeoutInMillis
        call.step(
            "integration", "failed", integration.timeoutInMillis, f"no answer within {integration.timeoutInMillis} ms"
        )
        raise _Stop(
            503,
            "Service Unavailable",
            "integration",
            f"the integration took longer than its timeout of {integration.timeoutInMillis} ms "
            "(HTTP APIs answer 503 Service Unavailable; REST APIs 504)",
        )


def _lambda_integration(call: _HttpCall, integration: V2Integration) -> Response:
    version = integration.payloadFormatVersion
    event = _event_v2(call) if version == "2.0" else _event_v1(call)
    result = _call_lambda(call, integration, event)
    if result.failed:
        call.step("integration", "failed", result.duration_ms, f"the function raised {result.error_type}")
        raise _Stop(
            500,
            "Internal Server Error",
            "integration",
            f"the function failed: {result.error_type}: {result.error_message}",
        )
    call.step("integration", "ok", result.duration_ms, f"Lambda answered (version {result.version})")
    try:
        output = parse_output_v2(result.payload) if version == "2.0" else lambda_proxy.parse_output(result.payload)
    except lambda_proxy.MalformedProxyResponse as exc:
        call.error(f"Malformed Lambda proxy response: {exc}")
        raise _Stop(
            500,
            "Internal Server Error",
            "integration",
            f"the function's answer is not a valid {version} response: {exc}",
        ) from None
    inferred = version == "2.0" and not (isinstance(result.payload, dict) and "statusCode" in result.payload)
    reason = (
        "the function returned no statusCode: payload 2.0 takes its output as the body of a 200 JSON response"
        if inferred
        else f"the function answered {output.status}"
    )
    call.info(reason)
    return Response(
        status=output.status, headers=list(output.headers), body=output.body, decided_by="integration", reason=reason
    )


def parse_output_v2(payload: Any) -> lambda_proxy.ProxyResult:
    """Payload 2.0: an object with statusCode is the response (statusCode, headers, cookies, body,
    isBase64Encoded); anything else is the body of a 200 application/json response."""
    if not (isinstance(payload, dict) and "statusCode" in payload):
        body = payload if isinstance(payload, str) else json.dumps(payload)
        return lambda_proxy.ProxyResult(200, [("content-type", "application/json")], body)
    status = payload["statusCode"]
    if isinstance(status, bool):
        raise lambda_proxy.MalformedProxyResponse("statusCode is not a number")
    try:
        status = int(status)
    except (TypeError, ValueError):
        raise lambda_proxy.MalformedProxyResponse(f"statusCode {status!r} is not a number") from None
    if not 100 <= status <= 599:
        raise lambda_proxy.MalformedProxyResponse(f"statusCode {status} is not an HTTP status")
    headers = payload.get("headers") or {}
    cookies = payload.get("cookies") or []
    if not isinstance(headers, dict):
        raise lambda_proxy.MalformedProxyResponse("headers must be an object")
    if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
        raise lambda_proxy.MalformedProxyResponse("cookies must be a list of strings")
    out: list[tuple[str, str]] = []
    for name, value in headers.items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = value if isinstance(value, str) else json.dumps(value)
        else:
            raise lambda_proxy.MalformedProxyResponse(f"header {name} must be a string, number or boolean")
        out.append((name, text))
    out += [("set-cookie", cookie) for cookie in cookies]
    if not any(k.lower() == "content-type" for k, _ in out):
        out.append(("content-type", "text/plain; charset=utf-8"))
    body = payload.get("body")
    body = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    if payload.get("isBase64Encoded") is True and body:
        try:
            return lambda_proxy.ProxyResult(status, out, base64.b64decode(body, validate=True))
        except (ValueError, binascii.Error):
            raise lambda_proxy.MalformedProxyResponse("isBase64Encoded is true but the body is not base64") from None
    return lambda_proxy.ProxyResult(status, out, body)


def _http_integration(call: _HttpCall, integration: V2Integration) -> Response:
    request = call.request
    uri = _substitute(integration.integrationUri or "", call.stage_variables)
    for name, value in call.path_parameters.items():
        for placeholder in ("{" + name + "+}", "{" + name + "}"):
            uri = uri.replace(placeholder, quote(value, safe="/" if placeholder.endswith("+}") else ""))
    parts = urlsplit(uri)
    path = parts.path
    if call.route is not None and call.route.routeKey == "$default":
        # The $default route sends the whole request path to the integration.
        path = path.rstrip("/") + call.path
    url = parts._replace(path=path or "/", query="&".join(q for q in (parts.query, _raw_query(request.query)) if q))
    verb = integration.integrationMethod if integration.integrationMethod not in (None, "ANY") else call.method
    hop = {"host", "content-length", "connection"}
    headers = [(k, v) for k, v in request.headers if k.lower() not in hop]
    headers.append(("x-forwarded-for", request.source_ip))
    call.info(f"Forwarding {verb} {url.geturl()}")
    try:
        result = backends.call_http(call.account, verb or call.method, url.geturl(), headers, request.body_text)
    except BackendError as exc:
        call.error(f"Execution failed due to configuration error: {exc}")
        call.step("integration", "failed", 0, str(exc))
        raise _Stop(500, "Internal Server Error", "integration", f"the endpoint could not be reached: {exc}") from None
    _check_timeout(call, integration, result.duration_ms)
    call.integration_ms = result.duration_ms
    call.step("integration", "ok", result.duration_ms, f"the backend answered {result.status}")
    return Response(
        status=result.status,
        headers=list(result.headers),
        body=result.body,
        decided_by="integration",
        reason=f"HTTP_PROXY: the backend's {result.status} is passed through",
    )


# ---------------------------------------------------------------------------------------
# WebSocket APIs


@dataclass
class WsResult:
    """What one WebSocket event did: the handshake status (101 when a connection opens), the
    route taken, the messages sent to the client, whether the connection is gone."""

    status: int
    connection_id: str | None = None
    route_key: str | None = None
    messages: list[str] = field(default_factory=list)
    request_id: str = ""
    closed: bool = False
    decided_by: str = ""
    reason: str = ""
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)


@dataclass
class _WsCall(Recorder):
    account: Account
    api: V2Api
    compiled: CompiledV2
    stage: V2Stage
    now: float
    rng: random.Random
    request_id: str
    connection_id: str
    clock_ms: float = 0.0
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)

    def result(self, status: int, **fields: Any) -> WsResult:
        return WsResult(
            status=status,
            connection_id=self.connection_id,
            request_id=self.request_id,
            log=self.log,
            trace=self.trace,
            **fields,
        )

    @property
    def domain(self) -> str:
        return f"{self.api.apiId}.execute-api.{self.account.region}.amazonaws.com"

    def source_arn(self, route_key: str) -> str:
        return f"arn:aws:execute-api:{self.account.region}:{self.account.accountId}:{self.api.apiId}/{self.stage.stageName}/{route_key}"

    def frame(self, message: str) -> str:
        """API Gateway's own error frame, spelled as AWS sends it."""
        return f'{{"message": "{message}", "connectionId":"{self.connection_id}", "requestId":"{self.request_id}"}}'


def _short_id(rng: random.Random) -> str:
    """An id like API Gateway's connection and request ids: 16 characters of base64."""
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(11))).decode()


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]] | None:
    if not pairs:
        return None
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _pairs(values: dict[str, str] | list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    if values is None:
        return []
    if isinstance(values, dict):
        return [(str(k), str(v)) for k, v in values.items()]
    return [(str(k), str(v)) for k, v in values]


def _ws_call(
    account: Account, api_id: str, stage_name: str, rng: random.Random, now: float, connection_id: str
) -> _WsCall | WsResult:
    api = account.v2Apis.get(api_id)
    if api is None or api.protocolType != "WEBSOCKET":
        return WsResult(404, decided_by="route", reason=f"there is no WebSocket API {api_id}")
    stage = api.stages.get(stage_name)
    deployment = api.deployments.get(stage.deploymentId or "") if stage else None
    if stage is None or deployment is None:
        why = f"no stage {stage_name}" if stage is None else f"stage {stage_name} has no deployment"
        return WsResult(403, decided_by="route", reason=f"the handshake is refused: {why}")
    return _WsCall(account, api, compile_v2(api.apiId, deployment), stage, now, rng, _short_id(rng), connection_id)


def _ws_context(
    call: _WsCall, route_key: str, event_type: str, connection: WsConnection | None, source_ip: str = "", **extra: Any
) -> dict:
    context: dict[str, Any] = {
        "routeKey": route_key,
        "messageId": _short_id(call.rng) if event_type == "MESSAGE" else None,
        "eventType": event_type,
        "extendedRequestId": call.request_id,
        "requestTime": _time_text(call.now),
        "messageDirection": "IN",
        "stage": call.stage.stageName,
        "connectedAt": int((connection.connectedAt if connection else call.now) * 1000),
        "requestTimeEpoch": int(call.now * 1000),
        "identity": {"sourceIp": connection.sourceIp if connection else source_ip},
        "requestId": call.request_id,
        "domainName": call.domain,
        "connectionId": call.connection_id,
        "apiId": call.api.apiId,
    }
    if connection is not None and connection.authorizer:
        context["authorizer"] = dict(connection.authorizer)
    context.update(extra)
    return context


def _ws_integrate(call: _WsCall, route: V2Route, event: dict[str, Any]) -> tuple[int, str | None, str]:
    """(status, text to send back or None, why). Status 2xx means the backend answered."""
    integration = call.compiled.api.integrations.get((route.target or "").removeprefix("integrations/"))
    if integration is None:
        call.step("integration", "failed", 0, "the route has no integration")
        return 500, None, f"route {route.routeKey} has no integration attached"
    if integration.integrationType == "MOCK":
        call.step("integration", "ok", 0, "MOCK: nothing is called")
        return 200, None, "MOCK integration: nothing is called"
    if integration.integrationType == "HTTP_PROXY":
        verb = integration.integrationMethod if integration.integrationMethod not in (None, "ANY") else "POST"
        uri = _substitute(integration.integrationUri or "", call.stage.stageVariables)
        try:
            answer = backends.call_http(
                call.account, verb or "POST", uri, [("content-type", "application/json")], event.get("body") or ""
            )
        except BackendError as exc:
            call.step("integration", "failed", 0, str(exc))
            return 500, None, f"the endpoint could not be reached: {exc}"
        if answer.duration_ms > integration.timeoutInMillis:
            call.step("integration", "failed", integration.timeoutInMillis, "timeout")
            return 504, None, f"the endpoint took longer than {integration.timeoutInMillis} ms"
        call.step("integration", "ok", answer.duration_ms, f"the backend answered {answer.status}")
        return answer.status, answer.body, f"HTTP backend answered {answer.status}"
    arn = lambda_arn_of(_substitute(integration.integrationUri or "", call.stage.stageVariables))
    try:
        result = backends.invoke_lambda(
            call.account, arn, event, proxy=True, source_arn=call.source_arn(route.routeKey)
        )
    except BackendError as exc:
        call.step("integration", "failed", 0, str(exc))
        return 500, None, f"the function could not be invoked: {exc}"
    if result.duration_ms > integration.timeoutInMillis:
        call.step("integration", "failed", integration.timeoutInMillis, "timeout")
        return 504, None, f"the function took longer than {integration.timeoutInMillis} ms"
    if result.failed:
        call.step("integration", "failed", result.duration_ms, f"the function raised {result.error_type}")
        return 502, None, f"the function failed: {result.error_type}: {result.error_message}"
    call.step("integration", "ok", result.duration_ms, "Lambda answered")
    payload = result.payload
    if isinstance(payload, dict) and "statusCode" in payload:
        try:
            status = int(payload["statusCode"])
        except (TypeError, ValueError):
            return 502, None, "the function's statusCode is not a number"
        body = payload.get("body")
        text = None if body is None else body if isinstance(body, str) else json.dumps(body)
        return status, text, f"the function answered {status}"
    return 200, None if payload is None else payload if isinstance(payload, str) else json.dumps(payload), "ok"


def ws_connect(
    account: Account,
    api_id: str,
    stage: str,
    *,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    query: dict[str, str] | list[tuple[str, str]] | None = None,
    source_ip: str = "203.0.113.10",
    now: float,
    rng: random.Random,
    runtime: Runtime | None = None,
) -> WsResult:
    """Open a connection: the $connect route (the only place authorization happens). A refused
    handshake (401, 403, the backend's non-2xx, 5xx) leaves no connection."""
    del runtime
    connection_id = _short_id(rng)
    call = _ws_call(account, api_id, stage, rng, now, connection_id)
    if isinstance(call, WsResult):
        return call
    header_pairs, query_pairs = _pairs(headers), _pairs(query)
    call.info(f"WebSocket handshake {connection_id} on {api_id}/{stage}")
    route = call.compiled.by_key.get("$connect")
    authorizer_context: dict[str, Any] = {}
    if route is not None and route.authorizationType == "CUSTOM":
        outcome = _ws_authorize(call, route, header_pairs, query_pairs, source_ip)
        if isinstance(outcome, WsResult):
            return outcome
        authorizer_context = outcome
    connection = WsConnection(
        connectionId=connection_id,
        apiId=api_id,
        stage=stage,
        connectedAt=now,
        lastActiveAt=now,
        sourceIp=source_ip,
        authorizer=authorizer_context,
    )
    if route is not None:
        event = {
            "headers": dict(header_pairs) or None,
            "multiValueHeaders": _multi(header_pairs),
            "queryStringParameters": dict(query_pairs) or None,
            "multiValueQueryStringParameters": _multi(query_pairs),
            "requestContext": _ws_context(call, "$connect", "CONNECT", connection),
            "isBase64Encoded": False,
        }
        status, _, why = _ws_integrate(call, route, event)
        if not 200 <= status < 300:
            call.error(f"$connect refused: {why}")
            return call.result(
                status, route_key="$connect", decided_by="integration", reason=f"handshake refused: {why}"
            )
    else:
        call.step("integration", "skipped", 0, "no $connect route: the connection is accepted")
    account.wsConnections[connection_id] = connection
    call.info(f"Connection {connection_id} open")
    return call.result(
        101, route_key="$connect" if route else None, decided_by="integration", reason="connection open (101)"
    )


def _ws_authorize(
    call: _WsCall,
    route: V2Route,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    source_ip: str,
) -> dict[str, Any] | WsResult:
    authorizer = call.compiled.api.authorizers.get(route.authorizerId or "")
    if authorizer is None:
        call.step("authorizer", "failed", 0, "the route's authorizer does not exist")
        return call.result(500, route_key="$connect", decided_by="authorizer", reason="missing authorizer")
    values = []
    lowered = {k.lower(): v for k, v in headers}
    for source in authorizer.identitySource:
        kind, name = _ws_source(source)
        if kind == "header":
            value = lowered.get(name.lower())
        elif kind == "querystring":
            value = dict(query).get(name)
        elif kind == "stageVariables":
            value = call.stage.stageVariables.get(name)
        else:
            value = {"routeKey": "$connect", "stage": call.stage.stageName, "identity.sourceIp": source_ip}.get(name)
        if not value:
            call.step("authorizer", "failed", 0, f"identity source {source} is missing")
            return call.result(
                401,
                route_key="$connect",
                decided_by="authorizer",
                reason=f"handshake refused (401): the identity source {source} is missing, the authorizer was not called",
            )
        values.append(value)
    method_arn = call.source_arn("$connect")
    event = {
        "type": "REQUEST",
        "methodArn": method_arn,
        "headers": dict(headers) or None,
        "multiValueHeaders": _multi(headers),
        "queryStringParameters": dict(query) or None,
        "multiValueQueryStringParameters": _multi(query),
        "stageVariables": dict(call.stage.stageVariables) or None,
        "requestContext": _ws_context(call, "$connect", "CONNECT", None, source_ip=source_ip),
    }
    arn = authorizer.authorizerUri or ""
    source_arn = f"arn:aws:execute-api:{call.account.region}:{call.account.accountId}:{call.api.apiId}/authorizers/{authorizer.authorizerId}"
    try:
        result = backends.invoke_lambda(call.account, arn, event, proxy=True, source_arn=source_arn)
    except BackendError as exc:
        call.step("authorizer", "failed", 0, str(exc))
        return call.result(500, route_key="$connect", decided_by="authorizer", reason=f"authorizer not callable: {exc}")
    call.clock_ms += result.duration_ms
    payload = result.payload
    if result.failed or not isinstance(payload, dict) or not isinstance(payload.get("policyDocument"), dict):
        why = result.error_message if result.failed else "the answer is not principalId + policyDocument"
        call.step("authorizer", "failed", 0, why or "")
        return call.result(500, route_key="$connect", decided_by="authorizer", reason=f"authorizer failed: {why}")
    if not policy_allows(payload["policyDocument"], method_arn):
        call.step("authorizer", "failed", 1, "the policy does not allow $connect")
        return call.result(
            403, route_key="$connect", decided_by="authorizer", reason="handshake refused (403): the authorizer denied"
        )
    context = payload.get("context") if isinstance(payload.get("context"), dict) else {}
    call.step("authorizer", "ok", 1, "the authorizer allowed the connection")
    call.info(f"Authorizer {authorizer.name} allowed {payload.get('principalId')}")
    return {"principalId": payload.get("principalId"), **context}


def _ws_source(source: str) -> tuple[str, str]:
    for prefix, kind in (
        ("route.request.header.", "header"),
        ("$request.header.", "header"),
        ("route.request.querystring.", "querystring"),
        ("$request.querystring.", "querystring"),
        ("$stageVariables.", "stageVariables"),
        ("stageVariables.", "stageVariables"),
        ("$context.", "context"),
        ("context.", "context"),
    ):
        if source.startswith(prefix):
            return kind, source[len(prefix) :]
    return "", source


def select_route_key(expression: str, message: str) -> str | None:
    """Evaluate `$request.body.a.b` on the message; None when it is not JSON or has no such value."""
    match = BODY_EXPRESSION.match(expression or "")
    if not match:
        return None
    try:
        value: Any = json.loads(message)
    except ValueError:
        return None
    for part in match["path"].split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def _expired(connection: WsConnection, now: float) -> str | None:
    if now - connection.connectedAt >= WS_MAX_LIFETIME_SECONDS:
        return "the 2-hour maximum connection duration was reached"
    if now - connection.lastActiveAt >= WS_IDLE_SECONDS:
        return "the connection was idle for 10 minutes"
    return None


def ws_send(account: Account, connection_id: str, message: str, *, now: float, rng: random.Random) -> WsResult:
    """A message from the client: route selection, the route's integration, and (with a route
    response) the backend's answer sent back to the client."""
    connection = account.wsConnections.get(connection_id)
    if connection is None:
        return WsResult(410, connection_id=connection_id, closed=True, decided_by="route", reason="no such connection")
    expired = _expired(connection, now)
    if expired:
        closing = _close(account, connection, now, rng, 1001, "Going away", expired)
        closing.status, closing.closed = 410, True
        closing.reason = f"the connection is closed: {expired}"
        return closing
    call = _ws_call(account, connection.apiId, connection.stage, rng, now, connection_id)
    if isinstance(call, WsResult):
        return call
    size = len(message.encode("utf-8"))
    if size > WS_MESSAGE_MAX_BYTES:
        frame = call.frame("Message too long")
        connection.outbox.append({"at": now, "data": frame})
        call.step("route", "failed", 0, f"message of {size} bytes is over the 128 KB limit")
        return call.result(
            413,
            messages=[frame],
            decided_by="route",
            reason=f"the message is {size} bytes; WebSocket messages are limited to 128 KB ({WS_MESSAGE_MAX_BYTES} bytes)",
        )
    connection.lastActiveAt = now
    key = select_route_key(call.compiled.api.routeSelectionExpression, message)
    route = call.compiled.by_key.get(key) if key and key not in WS_RESERVED_ROUTES else None
    if route is None:
        why = (
            "the message is not JSON (or the expression finds nothing)"
            if key is None
            else f"no route has the key {key!r}"
        )
        route = call.compiled.by_key.get("$default")
        if route is None:
            frame = call.frame("Forbidden")
            connection.outbox.append({"at": now, "data": frame})
            call.step("route", "failed", 0, f"{why} and there is no $default route")
            return call.result(
                403, messages=[frame], decided_by="route", reason=f"{why}, and the API has no $default route"
            )
        call.step("route", "ok", 0, f"{why}: $default")
    else:
        call.step("route", "ok", 0, f"{call.compiled.api.routeSelectionExpression} = {key!r}")
    call.info(f"Route selected: {route.routeKey}")
    event = {
        "requestContext": _ws_context(call, route.routeKey, "MESSAGE", connection),
        "body": message,
        "isBase64Encoded": False,
    }
    status, answer, why = _ws_integrate(call, route, event)
    messages: list[str] = []
    if status >= 500:
        messages.append(call.frame("Endpoint request timed out" if status == 504 else "Internal server error"))
    elif route.routeResponseSelectionExpression and answer is not None:
        messages.append(answer)
    for text in messages:
        connection.outbox.append({"at": now, "data": text})
    if route.routeResponseSelectionExpression is None and status < 500:
        why += " (no route response: nothing is sent back)"
    return call.result(status, route_key=route.routeKey, messages=messages, decided_by="integration", reason=why)


def _close(
    account: Account, connection: WsConnection, now: float, rng: random.Random, code: int, reason: str, why: str
) -> WsResult:
    """Remove the connection and run $disconnect (best effort: its outcome cannot keep it open)."""
    account.wsConnections.pop(connection.connectionId, None)
    call = _ws_call(account, connection.apiId, connection.stage, rng, now, connection.connectionId)
    if isinstance(call, WsResult):
        call.closed = True
        return call
    call.info(f"Connection {connection.connectionId} closed: {why}")
    route = call.compiled.by_key.get("$disconnect")
    if route is not None:
        event = {
            "headers": None,
            "multiValueHeaders": None,
            "requestContext": _ws_context(
                call, "$disconnect", "DISCONNECT", connection, disconnectStatusCode=code, disconnectReason=reason
            ),
            "isBase64Encoded": False,
        }
        _ws_integrate(call, route, event)
    else:
        call.step("integration", "skipped", 0, "no $disconnect route")
    return call.result(
        200, route_key="$disconnect" if route else None, closed=True, decided_by="integration", reason=why
    )


def ws_disconnect(
    account: Account, connection_id: str, *, now: float, rng: random.Random, code: int = 1000, reason: str = ""
) -> WsResult:
    """The client closes the connection: $disconnect runs, the connection is gone."""
    connection = account.wsConnections.get(connection_id)
    if connection is None:
        return WsResult(410, connection_id=connection_id, closed=True, decided_by="route", reason="no such connection")
    return _close(account, connection, now, rng, code, reason, "the client closed the connection")


def _management_connection(
    account: Account, api_id: str, stage: str, connection_id: str, now: float
) -> WsConnection | None:
    connection = account.wsConnections.get(connection_id)
    if connection is None or connection.apiId != api_id or connection.stage != stage:
        return None
    expired = _expired(connection, now)
    if expired:
        _close(account, connection, now, _close_rng(account), 1001, "Going away", expired)
        return None
    return connection


GONE = {"__type": "GoneException", "message": None}  # AWS sends the type in x-amzn-ErrorType; message is null


def post_to_connection(
    account: Account, api_id: str, stage: str, connection_id: str, data: str | bytes, *, now: float
) -> tuple[int, Any]:
    """POST {stage}/@connections/{id}: the backend sends data to the client."""
    connection = _management_connection(account, api_id, stage, connection_id, now)
    if connection is None:
        return 410, dict(GONE)
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    if len(text.encode("utf-8")) > WS_MESSAGE_MAX_BYTES:
        return 413, {"__type": "PayloadTooLargeException", "message": "Message too long: the limit is 128 KB"}
    connection.outbox.append({"at": now, "data": text})
    return 200, {}


def _iso(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def get_connection(account: Account, api_id: str, stage: str, connection_id: str, *, now: float) -> tuple[int, Any]:
    """GET {stage}/@connections/{id}: when it connected, from where, when it was last active."""
    connection = _management_connection(account, api_id, stage, connection_id, now)
    if connection is None:
        return 410, dict(GONE)
    return 200, {
        "ConnectedAt": _iso(connection.connectedAt),
        "Identity": {"SourceIp": connection.sourceIp},
        "LastActiveAt": _iso(connection.lastActiveAt),
    }


def delete_connection(account: Account, api_id: str, stage: str, connection_id: str, *, now: float) -> tuple[int, Any]:
    """DELETE {stage}/@connections/{id}: the backend disconnects the client ($disconnect runs)."""
    connection = _management_connection(account, api_id, stage, connection_id, now)
    if connection is None:
        return 410, dict(GONE)
    _close(account, connection, now, _close_rng(account), 1000, "", "the backend deleted the connection (@connections)")
    return 204, None


def _close_rng(account: Account) -> random.Random:
    return random.Random(account.counter * 7919 + len(account.wsConnections))  # noqa: S311 (ids, not secrets)


def expire_idle(account: Account, now: float, *, rng: random.Random | None = None) -> list[str]:
    """Close every connection idle for 10 minutes or open for 2 hours ($disconnect runs for each)."""
    rng = rng or _close_rng(account)
    closed = []
    for connection in list(account.wsConnections.values()):
        why = _expired(connection, now)
        if why:
            _close(account, connection, now, rng, 1001, "Going away", why)
            closed.append(connection.connectionId)
    return closed
