"""apigatewayv2: HTTP and WebSocket APIs, their routes, integrations, authorizers, stages,
deployments and tags.

The handlers call the engine's own set-up functions (`gateway.v2.setup`), the ones the console
calls, so a client and the console change one model and the engine's rules apply to both.
AWS: https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/resources.html

Where the sandbox decides (AWS is silent, or the engine has no such thing):
- CreateApi without Target creates no stage (AWS's quick create alone adds the `$default`
  stage with autoDeploy); with Target (a Lambda function ARN: AWS_PROXY, payload 2.0; an
  http(s) URL: HTTP_PROXY ANY) it adds the integration, the route (RouteKey, `$default` by
  default) and the `$default` stage, as AWS does, and no Lambda permission (add it yourself).
- Accepted and not kept (nothing in the engine uses them): Version, CredentialsArn,
  DisableSchemaValidation, an integration's or a stage's Description, PassthroughBehavior,
  ContentHandlingStrategy, a stage's route settings and access log settings, a route's
  OperationName. Refused with the reason: VPC links, parameter mapping and templates on
  integrations, API keys and request models on routes, DisableExecuteApiEndpoint.
- UpdateStage's StageVariables replace the stage's variables (the map defines them).
- UpdateAuthorizer keeps the authorizer's type (create another one to change it).
- Deleting an authorizer a route uses is a ConflictException, as deleting a used integration.
"""

from __future__ import annotations

from typing import Any

from gateway.awsapi import paging
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context, operation
from gateway.awsapi.rest_apis import set_tags, tags_of
from gateway.model.errors import ConflictError, NotFoundError, Problem, ValidationError, require
from gateway.model.resources import (
    Account,
    V2Api,
    V2Authorizer,
    V2Integration,
    V2Route,
    V2Stage,
    lambda_invocation_uri,
)
from gateway.v2 import setup
from gateway.v2.constants import BODY_EXPRESSION, DEFAULT_ROUTE_SELECTION

S = "apigatewayv2"
HTTP_SELECTION = ("$request.method $request.path", "${request.method} ${request.path}")
AUTOMATIC = "Automatic deployment"  # the engine's description of the deployments autoDeploy makes


def _bad(message: str) -> AwsError:
    return AwsError("BadRequestException", message, 400)


def _changed(ctx: Context, api: V2Api) -> None:
    """The engine's rule: an autoDeploy stage gets a new deployment after every change."""
    setup.api_changed(ctx.account, api, ctx.now)


def api_arn(ctx: Context, api_id: str) -> str:
    return f"arn:aws:apigateway:{ctx.account.region}::/apis/{api_id}"


def stage_arn(ctx: Context, api_id: str, stage: str) -> str:
    return f"{api_arn(ctx, api_id)}/stages/{stage}"


def _api(ctx: Context, p: dict[str, Any]) -> V2Api:
    return setup.get_v2_api(ctx.account, p["ApiId"])


# ---------------------------------------------------------------------------------------
# APIs


def endpoint(ctx: Context, api: V2Api) -> str:
    """The sandbox's invoke host for the API: https:// for HTTP APIs, wss:// for WebSocket APIs."""
    base = ctx.invoke_url(api.apiId, "").rstrip("/")
    if api.protocolType == "WEBSOCKET":
        base = base.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    return base


def api_out(ctx: Context, api: V2Api) -> dict[str, Any]:
    kept = (
        "apiId",
        "name",
        "protocolType",
        "description",
        "routeSelectionExpression",
        "corsConfiguration",
        "createdDate",
    )
    data = {k: v for k, v in api.to_dict().items() if k in kept}
    if "corsConfiguration" in data:  # what was set: AWS leaves out the members not given
        data["corsConfiguration"] = {k: v for k, v in data["corsConfiguration"].items() if v not in ([], False)}
    return data | {
        "apiEndpoint": endpoint(ctx, api),
        "apiKeySelectionExpression": "$request.header.x-api-key",
        "disableExecuteApiEndpoint": False,
        "ipAddressType": "ipv4",
        "tags": tags_of(ctx, api_arn(ctx, api.apiId)) or {},
    }


def _cors_in(cors: dict[str, Any] | None) -> dict[str, Any] | None:
    """CorsConfiguration's members (AllowOrigins...) as the engine's fields (allowOrigins...)."""
    if cors is None:
        return None
    return {name[:1].lower() + name[1:]: value for name, value in cors.items()}


def _route_selection(protocol: str, expression: str | None) -> str:
    if protocol == "HTTP":
        if expression not in (None, *HTTP_SELECTION):
            raise _bad("The route selection expression of an HTTP API is ${request.method} ${request.path}")
        return DEFAULT_ROUTE_SELECTION["HTTP"]
    if not expression:
        raise _bad("A WebSocket API needs a RouteSelectionExpression, e.g. $request.body.action")
    if not BODY_EXPRESSION.match(expression):
        raise _bad(f"Invalid route selection expression {expression!r}: use $request.body.NAME")
    return expression


@operation(S, "CreateApi")
def create_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates an HTTP or WebSocket API; with Target, HTTP quick create (integration, route, $default stage)."""
    protocol = (p.get("ProtocolType") or "").upper()
    if protocol not in ("HTTP", "WEBSOCKET"):
        raise _bad(f"Invalid protocol type {p.get('ProtocolType')!r}: HTTP or WEBSOCKET")
    if p.get("DisableExecuteApiEndpoint"):
        raise _bad("The sandbox serves every API on its invoke host: DisableExecuteApiEndpoint is not simulated")
    quick = p.get("Target")
    if (quick or p.get("RouteKey")) and protocol != "HTTP":
        raise _bad("Quick create (Target, RouteKey) is for HTTP APIs only")
    if p.get("RouteKey") and not quick:
        raise _bad("RouteKey is part of quick create: give Target as well")
    expression = _route_selection(protocol, p.get("RouteSelectionExpression"))
    if protocol == "HTTP":
        api = setup.create_http_api(
            ctx.account,
            p["Name"],
            cors=_cors_in(p.get("CorsConfiguration")),
            description=p.get("Description"),
            now=ctx.now,
        )
        if not quick:  # the engine creates it as the console does; CreateApi alone does not
            del api.stages["$default"]
        else:
            kind = "HTTP_PROXY" if quick.startswith(("http://", "https://")) else "AWS_PROXY"
            integration = setup.create_v2_integration(
                ctx.account, api, kind, quick, "ANY" if kind == "HTTP_PROXY" else None, now=ctx.now
            )
            setup.create_route(
                ctx.account, api, p.get("RouteKey") or "$default", integration.integrationId, now=ctx.now
            )
    else:
        if p.get("CorsConfiguration"):
            raise _bad("CORS configuration exists only in HTTP APIs")
        api = setup.create_websocket_api(
            ctx.account, p["Name"], expression, description=p.get("Description"), now=ctx.now
        )
    set_tags(ctx, api_arn(ctx, api.apiId), p.get("Tags"))
    return api_out(ctx, api)


@operation(S, "GetApis")
def get_apis(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the HTTP and WebSocket APIs, paged by MaxResults and NextToken."""
    return paging.apigatewayv2(list(ctx.account.v2Apis.values()), p, lambda api: api_out(ctx, api))


@operation(S, "GetApi")
def get_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One API."""
    return api_out(ctx, _api(ctx, p))


@operation(S, "UpdateApi")
def update_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Changes the name, description, CORS configuration (replaced whole) or route selection expression."""
    api = _api(ctx, p)
    if p.get("Target") or p.get("RouteKey"):
        raise _bad("Quick create (Target, RouteKey) is part of CreateApi in the sandbox: create a route instead")
    if p.get("DisableExecuteApiEndpoint"):
        raise _bad("The sandbox serves every API on its invoke host: DisableExecuteApiEndpoint is not simulated")
    if "Name" in p:
        if not (p["Name"] or "").strip():
            raise ValidationError(Problem("name", "an API needs a name"))
        api.name = p["Name"]
    if "Description" in p:
        api.description = p["Description"] or None
    if "RouteSelectionExpression" in p:
        api.routeSelectionExpression = _route_selection(api.protocolType, p["RouteSelectionExpression"])
    if "CorsConfiguration" in p:
        setup.update_cors(ctx.account, api, _cors_in(p["CorsConfiguration"]), now=ctx.now)
    else:
        _changed(ctx, api)
    return api_out(ctx, api)


@operation(S, "DeleteCorsConfiguration")
def delete_cors_configuration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes the HTTP API's CORS configuration."""
    setup.update_cors(ctx.account, _api(ctx, p), None, now=ctx.now)
    return {}


@operation(S, "DeleteApi")
def delete_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes the API with its stages, open WebSocket connections and tags."""
    api = _api(ctx, p)
    del ctx.account.v2Apis[api.apiId]
    for connection_id in [c for c, conn in ctx.account.wsConnections.items() if conn.apiId == api.apiId]:
        del ctx.account.wsConnections[connection_id]
    prefix = api_arn(ctx, api.apiId)
    for arn in [a for a in ctx.account.tags if a == prefix or a.startswith(prefix + "/")]:
        del ctx.account.tags[arn]
    return {}


# ---------------------------------------------------------------------------------------
# Routes


def route_out(route: V2Route) -> dict[str, Any]:
    data = route.to_dict()
    if not data.get("authorizationScopes"):
        data.pop("authorizationScopes", None)
    return data | {"apiKeyRequired": False}


def _target_id(target: str | None) -> str | None:
    """The integration id of a route's Target ("integrations/abc123"), None for no target."""
    if not target:
        return None
    if not target.startswith("integrations/") or not target.removeprefix("integrations/"):
        raise _bad(f"Invalid target {target!r}: integrations/{{integrationId}}")
    return target.removeprefix("integrations/")


def _route_extras(p: dict[str, Any]) -> None:
    if p.get("ApiKeyRequired"):
        raise _bad("API keys on routes are not simulated: HTTP APIs have none (use a REST API with a usage plan)")
    if p.get("RequestModels") or p.get("ModelSelectionExpression") or p.get("RequestParameters"):
        raise _bad("Request models and route request parameters are not simulated by the sandbox")


@operation(S, "CreateRoute")
def create_route(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a route ("GET /pets/{id}", "$default"; WebSocket "$connect", "sendMessage"...)."""
    api = _api(ctx, p)
    _route_extras(p)
    route = setup.create_route(
        ctx.account,
        api,
        p["RouteKey"],
        _target_id(p.get("Target")),
        p.get("AuthorizationType") or "NONE",
        p.get("AuthorizerId"),
        p.get("AuthorizationScopes"),
        route_response_selection_expression=p.get("RouteResponseSelectionExpression"),
        now=ctx.now,
    )
    return route_out(route)


@operation(S, "GetRoutes")
def get_routes(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's routes, paged."""
    return paging.apigatewayv2(list(_api(ctx, p).routes.values()), p, lambda r: route_out(r))


@operation(S, "GetRoute")
def get_route(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One route."""
    return route_out(setup.get_route(_api(ctx, p), p["RouteId"]))


ROUTE_FIELDS = {
    "Target": "target_integration_id",
    "AuthorizationType": "authorization_type",
    "AuthorizerId": "authorizer_id",
    "AuthorizationScopes": "scopes",
    "RouteResponseSelectionExpression": "route_response_selection_expression",
}


@operation(S, "UpdateRoute")
def update_route(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Changes a route's key, target, authorization and scopes (NONE drops the authorizer)."""
    api = _api(ctx, p)
    route = setup.get_route(api, p["RouteId"])
    _route_extras(p)
    fields = {name: p[member] for member, name in ROUTE_FIELDS.items() if member in p}
    if "target_integration_id" in fields:
        fields["target_integration_id"] = _target_id(fields["target_integration_id"])
    if (p.get("AuthorizationType") or "").upper() == "NONE":
        fields.setdefault("authorizer_id", None)
        fields.setdefault("scopes", [])
    key = p.get("RouteKey")
    if key is not None and key != route.routeKey:
        problems = setup.route_key_problems(api, key)
        if any(r.routeKey == key for r in api.routes.values()):
            problems.append(Problem("routeKey", f"a route with the key {key!r} already exists in this API"))
        if problems:
            raise ValidationError(problems)
        route.routeKey = key
    return route_out(setup.update_route(ctx.account, api, route.routeId, now=ctx.now, **fields))


@operation(S, "DeleteRoute")
def delete_route(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a route."""
    setup.delete_route(ctx.account, _api(ctx, p), p["RouteId"], now=ctx.now)
    return {}


# ---------------------------------------------------------------------------------------
# Integrations

NOT_SIMULATED = (
    "RequestParameters",
    "RequestTemplates",
    "ResponseParameters",
    "TemplateSelectionExpression",
    "TlsConfig",
    "IntegrationSubtype",
    "ConnectionId",
)


def integration_out(integration: V2Integration) -> dict[str, Any]:
    return integration.to_dict() | {"connectionType": "INTERNET"}


def _integration(api: V2Api, integration_id: str) -> V2Integration:
    return require(api.integrations, integration_id, f"Invalid Integration identifier specified {integration_id}")


def _integration_extras(p: dict[str, Any]) -> None:
    if p.get("ConnectionType", "INTERNET") != "INTERNET":
        raise _bad("VPC links are not part of the sandbox: use ConnectionType INTERNET")
    for member in NOT_SIMULATED:
        if p.get(member):
            raise _bad(
                f"{member} is not simulated: the sandbox runs proxy integrations "
                "(AWS_PROXY to a Lambda function, HTTP_PROXY to a URL; WebSocket APIs also MOCK)"
            )


@operation(S, "CreateIntegration")
def create_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates an AWS_PROXY (Lambda) or HTTP_PROXY integration; WebSocket APIs also MOCK."""
    api = _api(ctx, p)
    _integration_extras(p)
    integration = setup.create_v2_integration(
        ctx.account,
        api,
        p["IntegrationType"],
        p.get("IntegrationUri"),
        p.get("IntegrationMethod"),
        p.get("PayloadFormatVersion"),
        p.get("TimeoutInMillis"),
        now=ctx.now,
    )
    return integration_out(integration)


@operation(S, "GetIntegrations")
def get_integrations(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's integrations, paged."""
    return paging.apigatewayv2(list(_api(ctx, p).integrations.values()), p, lambda i: integration_out(i))


@operation(S, "GetIntegration")
def get_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One integration."""
    return integration_out(_integration(_api(ctx, p), p["IntegrationId"]))


@operation(S, "UpdateIntegration")
def update_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Changes an integration's type, URI, method, payload format or timeout (checked as a new one)."""
    api = _api(ctx, p)
    integration = _integration(api, p["IntegrationId"])
    _integration_extras(p)
    kind = (p.get("IntegrationType") or integration.integrationType).upper()
    same = kind == integration.integrationType
    checked = setup.create_v2_integration(  # the same rules as a new one, on a throwaway API
        Account(),
        V2Api(protocolType=api.protocolType),
        kind,
        p.get("IntegrationUri", integration.integrationUri),
        p.get("IntegrationMethod", integration.integrationMethod if same else None),
        p.get("PayloadFormatVersion", integration.payloadFormatVersion if same else None),
        p.get("TimeoutInMillis", integration.timeoutInMillis),
    )
    checked.integrationId = integration.integrationId
    api.integrations[integration.integrationId] = checked
    _changed(ctx, api)
    return integration_out(checked)


@operation(S, "DeleteIntegration")
def delete_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes an integration no route targets."""
    setup.delete_v2_integration(ctx.account, _api(ctx, p), p["IntegrationId"], now=ctx.now)
    return {}


# ---------------------------------------------------------------------------------------
# Authorizers


def authorizer_out(api: V2Api, authorizer: V2Authorizer) -> dict[str, Any]:
    out: dict[str, Any] = {
        "authorizerId": authorizer.authorizerId,
        "name": authorizer.name,
        "authorizerType": authorizer.authorizerType,
        "identitySource": authorizer.identitySource,
    }
    if authorizer.authorizerType == "JWT":
        return out | {"jwtConfiguration": authorizer.jwtConfiguration}
    out["authorizerUri"] = lambda_invocation_uri(authorizer.authorizerUri or "")  # AWS answers the invocation URI
    out["authorizerResultTtlInSeconds"] = authorizer.authorizerResultTtlInSeconds
    if api.protocolType == "HTTP":
        out["authorizerPayloadFormatVersion"] = authorizer.authorizerPayloadFormatVersion
        out["enableSimpleResponses"] = authorizer.enableSimpleResponses
    return out


def _authorizer(api: V2Api, authorizer_id: str) -> V2Authorizer:
    return require(api.authorizers, authorizer_id, f"Invalid authorizer identifier specified {authorizer_id}")


def _build_authorizer(account: Account, api: V2Api, kind: str, fields: dict[str, Any], now: float) -> V2Authorizer:
    """A JWT or REQUEST authorizer made by the engine from CreateAuthorizer's members."""
    sources = fields.get("IdentitySource") or []
    if kind == "JWT":
        jwt = fields.get("JwtConfiguration") or {}
        if len(sources) != 1:
            raise _bad("A JWT authorizer reads one identity source: $request.header.NAME")
        return setup.create_jwt_authorizer(
            account,
            api,
            fields.get("Name") or "",
            jwt.get("Issuer") or "",
            jwt.get("Audience") or [],
            sources[0],
            now=now,
        )
    if kind == "REQUEST":
        version = fields.get("AuthorizerPayloadFormatVersion")
        if api.protocolType == "HTTP" and not version:
            raise _bad("AuthorizerPayloadFormatVersion is required for HTTP API Lambda authorizers: 1.0 or 2.0")
        return setup.create_lambda_authorizer(
            account,
            api,
            fields.get("Name") or "",
            fields.get("AuthorizerUri") or "",
            sources,
            bool(fields.get("EnableSimpleResponses", False)),
            int(fields.get("AuthorizerResultTtlInSeconds") or 0),
            version or "1.0",
            now=now,
        )
    raise _bad(f"Invalid authorizer type {kind!r}: JWT or REQUEST")


@operation(S, "CreateAuthorizer")
def create_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a JWT authorizer (HTTP APIs) or a Lambda REQUEST authorizer."""
    api = _api(ctx, p)
    authorizer = _build_authorizer(ctx.account, api, (p.get("AuthorizerType") or "").upper(), p, ctx.now)
    return authorizer_out(api, authorizer)


@operation(S, "GetAuthorizers")
def get_authorizers(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's authorizers, paged."""
    api = _api(ctx, p)
    return paging.apigatewayv2(list(api.authorizers.values()), p, lambda a: authorizer_out(api, a))


@operation(S, "GetAuthorizer")
def get_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One authorizer."""
    api = _api(ctx, p)
    return authorizer_out(api, _authorizer(api, p["AuthorizerId"]))


@operation(S, "UpdateAuthorizer")
def update_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Changes an authorizer's name, identity source, issuer and audience, function, TTL or format."""
    api = _api(ctx, p)
    current = _authorizer(api, p["AuthorizerId"])
    kind = current.authorizerType
    if p.get("AuthorizerType") and p["AuthorizerType"].upper() != kind:
        raise _bad(f"An authorizer keeps its type ({kind}): create a {p['AuthorizerType'].upper()} authorizer instead")
    jwt = {"Issuer": current.jwtConfiguration.get("issuer"), "Audience": current.jwtConfiguration.get("audience")}
    fields = {
        "Name": current.name,
        "IdentitySource": current.identitySource,
        "JwtConfiguration": jwt | (p.get("JwtConfiguration") or {}),
        "AuthorizerUri": current.authorizerUri,
        "EnableSimpleResponses": current.enableSimpleResponses,
        "AuthorizerResultTtlInSeconds": current.authorizerResultTtlInSeconds,
        "AuthorizerPayloadFormatVersion": current.authorizerPayloadFormatVersion,
    }
    fields |= {k: v for k, v in p.items() if k in fields and k != "JwtConfiguration"}
    checked = _build_authorizer(Account(), V2Api(protocolType=api.protocolType), kind, fields, ctx.now)
    checked.authorizerId = current.authorizerId
    api.authorizers[current.authorizerId] = checked
    _changed(ctx, api)
    return authorizer_out(api, checked)


@operation(S, "DeleteAuthorizer")
def delete_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes an authorizer no route uses."""
    api = _api(ctx, p)
    authorizer = _authorizer(api, p["AuthorizerId"])
    users = [r.routeKey for r in api.routes.values() if r.authorizerId == authorizer.authorizerId]
    if users:
        raise ConflictError(f"Cannot delete authorizer '{authorizer.name}', is referenced in route: {users[0]}")
    del api.authorizers[authorizer.authorizerId]
    _changed(ctx, api)
    return {}


# ---------------------------------------------------------------------------------------
# Stages


def stage_out(ctx: Context, api: V2Api, stage: V2Stage) -> dict[str, Any]:
    data = stage.to_dict() | {
        "defaultRouteSettings": {"detailedMetricsEnabled": False},
        "routeSettings": {},
        "tags": tags_of(ctx, stage_arn(ctx, api.apiId, stage.stageName)) or {},
    }
    if stage.autoDeploy and stage.deploymentId:
        data["lastDeploymentStatusMessage"] = f"Successfully deployed stage with deployment ID '{stage.deploymentId}'"
    return data


@operation(S, "CreateStage")
def create_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a stage: autoDeploy, stage variables, a deployment to point at."""
    api = _api(ctx, p)
    stage = setup.create_v2_stage(
        ctx.account,
        api,
        p["StageName"],
        bool(p.get("AutoDeploy", False)),
        p.get("StageVariables"),
        deployment_id=p.get("DeploymentId"),
        now=ctx.now,
    )
    set_tags(ctx, stage_arn(ctx, api.apiId, stage.stageName), p.get("Tags"))
    return stage_out(ctx, api, stage)


@operation(S, "GetStages")
def get_stages(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's stages, paged."""
    api = _api(ctx, p)
    stages = sorted(api.stages.values(), key=lambda s: s.stageName)
    return paging.apigatewayv2(stages, p, lambda s: stage_out(ctx, api, s))


@operation(S, "GetStage")
def get_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One stage."""
    api = _api(ctx, p)
    return stage_out(ctx, api, setup.get_v2_stage(api, p["StageName"]))


@operation(S, "UpdateStage")
def update_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Turns autoDeploy on or off, replaces the stage variables, points the stage at a deployment."""
    api = _api(ctx, p)
    stage = setup.update_v2_stage(
        ctx.account,
        api,
        p["StageName"],
        auto_deploy=p.get("AutoDeploy"),
        variables=p.get("StageVariables"),
        deployment_id=p.get("DeploymentId"),
        now=ctx.now,
    )
    return stage_out(ctx, api, stage)


@operation(S, "DeleteStage")
def delete_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a stage (its WebSocket connections close, its tags go)."""
    api = _api(ctx, p)
    setup.delete_v2_stage(api, p["StageName"])
    for connection_id, conn in list(ctx.account.wsConnections.items()):
        if (conn.apiId, conn.stage) == (api.apiId, p["StageName"]):
            del ctx.account.wsConnections[connection_id]
    ctx.account.tags.pop(stage_arn(ctx, api.apiId, p["StageName"]), None)
    return {}


# ---------------------------------------------------------------------------------------
# Deployments


def deployment_out(deployment: Any) -> dict[str, Any]:
    return {
        "deploymentId": deployment.id,
        "description": deployment.description,
        "createdDate": deployment.createdDate,
        "deploymentStatus": "DEPLOYED",
        "autoDeployed": deployment.description == AUTOMATIC,
    }


def _deployment(api: V2Api, deployment_id: str) -> Any:
    return require(api.deployments, deployment_id, f"Invalid deployment identifier specified: {deployment_id}")


@operation(S, "CreateDeployment")
def create_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Freezes the API (it needs a route); with StageName, points that stage at it."""
    api = _api(ctx, p)
    deployment = setup.deploy_v2(ctx.account, api, p.get("StageName"), description=p.get("Description"), now=ctx.now)
    return deployment_out(deployment)


@operation(S, "GetDeployments")
def get_deployments(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's deployments, oldest first, paged."""
    deployments = sorted(_api(ctx, p).deployments.values(), key=lambda d: d.createdDate)
    return paging.apigatewayv2(deployments, p, lambda d: deployment_out(d))


@operation(S, "GetDeployment")
def get_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One deployment."""
    return deployment_out(_deployment(_api(ctx, p), p["DeploymentId"]))


@operation(S, "DeleteDeployment")
def delete_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a deployment no stage points at."""
    api = _api(ctx, p)
    deployment = _deployment(api, p["DeploymentId"])
    if any(s.deploymentId == deployment.id for s in api.stages.values()):
        raise _bad("Active stages pointing to this deployment must be moved or deleted")
    del api.deployments[deployment.id]
    return {}


# ---------------------------------------------------------------------------------------
# Tags


def _tag_target(ctx: Context, arn: str) -> str:
    """The ARN, once it names an existing HTTP or WebSocket API, or one of their stages."""
    prefix = f"arn:aws:apigateway:{ctx.account.region}::"
    parts = (arn[len(prefix) :] if arn.startswith(prefix) else "").strip("/").split("/")
    api = ctx.account.v2Apis.get(parts[1]) if len(parts) in (2, 4) and parts[0] == "apis" else None
    exists = api is not None and (len(parts) == 2 or (parts[2] == "stages" and parts[3] in api.stages))
    if not exists:
        raise NotFoundError(f"Invalid resource identifier specified: {arn}")
    return arn


@operation(S, "TagResource")
def tag_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Tags an API or a stage (at most 50 tags)."""
    set_tags(ctx, _tag_target(ctx, p["ResourceArn"]), p.get("Tags") or {})
    return {}


@operation(S, "UntagResource")
def untag_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes tags by key."""
    arn = _tag_target(ctx, p["ResourceArn"])
    tags = ctx.account.tags.get(arn, {})
    for key in p.get("TagKeys") or []:
        tags.pop(key, None)
    if not tags:
        ctx.account.tags.pop(arn, None)
    return {}


@operation(S, "GetTags")
def get_tags(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The tags of an API or a stage."""
    return {"Tags": dict(ctx.account.tags.get(_tag_target(ctx, p["ResourceArn"]), {}))}
