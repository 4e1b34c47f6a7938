"""Setting HTTP and WebSocket APIs up, as the console and the apigatewayv2 API do: APIs, CORS,
integrations, routes, authorizers, stages and deployments; REST-only features refused with the reason."""

from __future__ import annotations

import re
from typing import Any, NoReturn

from gateway.model.errors import ConflictError, NotFoundError, Problem, ValidationError, require
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
)
from gateway.v2.constants import (
    BODY_EXPRESSION,
    DEFAULT_ROUTE_SELECTION,
    HTTP_IDENTITY_SOURCE,
    HTTP_ROUTE_METHODS,
    HTTP_TIMEOUT_MAX_MS,
    REST_ONLY_FEATURES,
    ROUTE_PATH_SEGMENT,
    TIMEOUT_MIN_MS,
    WS_IDENTITY_SOURCE,
    WS_RESERVED_ROUTES,
    WS_TIMEOUT_MAX_MS,
)

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
    return require(api.stages, stage_name, f"Invalid stage identifier specified: {stage_name}")


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
    api_changed(account, api, now)
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
    api_changed(account, api, now)
    return integration


def delete_v2_integration(account: Account, api: V2Api, integration_id: str, *, now: float = 0.0) -> None:
    if integration_id not in api.integrations:
        raise NotFoundError(f"Invalid Integration identifier specified {integration_id}")
    users = [r.routeKey for r in api.routes.values() if r.target == f"integrations/{integration_id}"]
    if users:
        raise ConflictError(f"The integration is the target of route(s) {', '.join(users)}; change them first")
    del api.integrations[integration_id]
    api_changed(account, api, now)


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
    api_changed(account, api, now)
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
    api_changed(account, api, now)
    return changed


def delete_route(account: Account, api: V2Api, route_id: str, *, now: float = 0.0) -> None:
    get_route(api, route_id)
    del api.routes[route_id]
    api_changed(account, api, now)


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
    api_changed(account, api, now)
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
    api_changed(account, api, now)
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


def api_changed(account: Account, api: V2Api, now: float) -> None:
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
