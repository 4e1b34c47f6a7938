"""Starting a lab: clearing what it built before, then building its starting state in the
learner's sandbox with the engine's operations; finding things by name."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import gateway as gw
from gateway.auth import authorizers, cognito
from gateway.model.resources import Behaviour, RestApi, V2Api
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from sandbox.labs.loader import Lab, LabError, _step_body, _step_kind

# ---------------------------------------------------------------------------------------
# Finding things by name


def find_rest_api(account: gw.Account, name: str) -> RestApi | None:
    """The newest REST API with that name (a learner may have made several)."""
    found = [api for api in account.restApis.values() if api.name == name]
    return found[-1] if found else None


def find_v2_api(account: gw.Account, name: str, protocol: str | None = None) -> V2Api | None:
    found = [
        api
        for api in account.v2Apis.values()
        if api.name == name and (protocol is None or api.protocolType == protocol)
    ]
    return found[-1] if found else None


def find_key(account: gw.Account, name: str):
    found = [key for key in account.apiKeys.values() if key.name == name]
    return found[-1] if found else None


def function_arn(account: gw.Account, ref: str) -> str:
    """ "name" or "name:qualifier" -> the function ARN (the console's picker)."""
    return f"arn:aws:lambda:{account.region}:{account.accountId}:function:{ref}"


def api_ids(account: gw.Account, lab: Lab) -> dict[str, tuple[str, str]]:
    """name -> (kind, id) of the lab's APIs present in the sandbox: for the console links."""
    found: dict[str, tuple[str, str]] = {}
    for name in lab.api_names:
        rest = find_rest_api(account, name)
        if rest is not None:
            found[name] = ("REST", rest.id)
            continue
        other = find_v2_api(account, name)
        if other is not None:
            found[name] = (other.protocolType, other.apiId)
    return found


# ---------------------------------------------------------------------------------------
# Starting a lab: clear what it built before, then build its starting state


def start_lab(lab: Lab, account: gw.Account, now: float) -> None:
    """Put the lab's starting state in the account (restarting replaces what it built before)."""
    _clear(lab, account)
    for step in lab.setup:
        SETUP_STEPS[_step_kind(step)](account, _step_body(step), now)


def _clear(lab: Lab, account: gw.Account) -> None:
    names = lab.api_names
    for api_id in [i for i, api in account.restApis.items() if api.name in names]:
        del account.restApis[api_id]
    for api_id in [i for i, api in account.v2Apis.items() if api.name in names]:
        del account.v2Apis[api_id]
        for connection_id in [c for c, conn in account.wsConnections.items() if conn.apiId == api_id]:
            del account.wsConnections[connection_id]
    keys = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) == "api_key"}
    plans = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) == "usage_plan"}
    doomed_keys = {k.id for k in account.apiKeys.values() if k.name in keys}
    for key_id in doomed_keys:
        del account.apiKeys[key_id]
    for plan_id, plan in list(account.usagePlans.items()):
        if plan.name in plans:
            del account.usagePlans[plan_id]
            continue
        plan.apiStages = [s for s in plan.apiStages if s.apiId in account.restApis]
        plan.keyIds = [k for k in plan.keyIds if k not in doomed_keys]


def _policy_text(policy: Any) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


def _setup_rest_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = gw.create_rest_api(
        account,
        step["name"],
        description=step.get("description"),
        endpoint_type=step.get("endpoint", "REGIONAL"),
        now=now,
    )
    if step.get("policy"):
        api.policy = _policy_text(step["policy"])
        api.validate()


def _rest_api(account: gw.Account, name: str) -> RestApi:
    api = find_rest_api(account, name)
    if api is None:
        raise LabError([f"setup refers to the REST API {name!r} before creating it"])
    return api


def _setup_method(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = _rest_api(account, step["api"])
    resource = gw.create_resource_path(account, api, step["path"])
    verb = step["verb"].upper()
    authorizer = None
    if step.get("authorizer"):  # a Lambda authorizer an earlier `authorizer` step made, by name
        authorizer = next((a for a in api.authorizers.values() if a.name == step["authorizer"]), None)
        if authorizer is None:
            raise LabError([f"setup refers to the authorizer {step['authorizer']!r} before creating it"])
    gw.put_method(
        api,
        resource.id,
        verb,
        authorization_type="CUSTOM" if authorizer else step.get("auth", "NONE"),
        authorizerId=authorizer.id if authorizer else None,
        apiKeyRequired=bool(step.get("api_key_required", False)),
        requestParameters=dict(step.get("request_parameters") or {}),
    )
    integration = step.get("integration")
    if not integration:
        return
    kind = integration["type"]
    fields: dict[str, Any] = {}
    if "function" in integration:
        fields["uri"] = function_arn(account, integration["function"])
    if "uri" in integration:
        fields["uri"] = integration["uri"]
    if "http_method" in integration:
        fields["integrationHttpMethod"] = integration["http_method"]
    elif kind in ("AWS", "HTTP"):
        fields["integrationHttpMethod"] = "POST" if kind == "AWS" else verb
    templates = dict(integration.get("request_templates") or {})
    if kind == "MOCK" and not templates:
        templates = {"application/json": '{"statusCode": 200}'}
    if templates:
        fields["requestTemplates"] = templates
    for source, target in (
        ("request_parameters", "requestParameters"),
        ("passthrough", "passthroughBehavior"),
        ("timeout_ms", "timeoutInMillis"),
    ):
        if source in integration:
            fields[target] = integration[source]
    gw.put_integration(api, resource.id, verb, kind, **fields).integrationResponses.clear()
    api.resources[resource.id].resourceMethods[verb].methodResponses.clear()
    if kind in ("AWS_PROXY", "HTTP_PROXY"):
        return
    for response in step.get("responses") or [{"status": "200"}]:
        status = str(response["status"])
        gw.put_method_response(api, resource.id, verb, status)
        gw.put_integration_response(
            api,
            resource.id,
            verb,
            status,
            selectionPattern=response.get("pattern"),
            responseTemplates=dict(response.get("templates") or {}),
            responseParameters=dict(response.get("parameters") or {}),
        )


def _setup_deploy(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = _rest_api(account, step["api"])
    canary = step.get("canary")
    gw.create_deployment(
        account,
        api,
        stage_name=step["stage"],
        description=step.get("description"),
        variables=step.get("variables"),
        canary=(
            {"percentTraffic": float(canary["percent"]), "stageVariableOverrides": canary.get("overrides") or {}}
            if canary
            else None
        ),
        now=now,
    )


def _setup_authorizer(account: gw.Account, step: dict[str, Any], now: float) -> None:
    authorizers.create_authorizer(
        account,
        _rest_api(account, step["api"]),
        step["name"],
        step.get("type", "TOKEN"),
        function_arn=function_arn(account, step["function"]),
        identity_source=step.get("identity_source"),
        ttl=int(step.get("ttl", 300)),
    )


def _setup_function(account: gw.Account, step: dict[str, Any], now: float) -> None:
    name = step["name"]
    account.functions.pop(name, None)
    versions = step.get("versions") or []
    function = gw.create_function(
        account,
        name,
        step.get("behaviour") or (versions[-1] if versions else None),
        allow_api_gateway=step.get("allow_api_gateway", True),
    )
    latest = function.versions["$LATEST"]
    for behaviour in versions:
        function.versions["$LATEST"] = Behaviour.from_dict(behaviour)
        function.publish_version()
    function.versions["$LATEST"] = latest
    for alias, version in (step.get("aliases") or {}).items():
        gw.create_alias(account, name, alias, str(version))
    for permission in step.get("permissions") or []:
        source = permission.get("source_arn") or f"arn:aws:execute-api:{account.region}:{account.accountId}:*"
        gw.add_permission(account, name, source, permission.get("qualifier"))


def _setup_api_key(account: gw.Account, step: dict[str, Any], now: float) -> None:
    for key_id in [k.id for k in account.apiKeys.values() if k.value == step["value"]]:
        del account.apiKeys[key_id]
    traffic.create_api_key(account, step["name"], value=step["value"], enabled=step.get("enabled", True), now=now)


def _setup_usage_plan(account: gw.Account, step: dict[str, Any], now: float) -> None:
    plan = traffic.create_usage_plan(account, step["name"], throttle=step.get("throttle"), quota=step.get("quota"))
    for stage in step.get("stages") or []:
        traffic.add_api_stage(account, plan.id, _rest_api(account, stage["api"]).id, stage["stage"])
    for key_name in step.get("keys") or []:
        key = find_key(account, key_name)
        if key is None:
            raise LabError([f"setup refers to the API key {key_name!r} before creating it"])
        traffic.create_usage_plan_key(account, plan.id, key.id)


def _setup_user_pool(account: gw.Account, step: dict[str, Any], now: float) -> None:
    pool = next((p for p in account.userPools.values() if p.name == step["name"]), None)
    if pool is None:  # kept across restarts: a new pool means a new signing key, for nothing
        pool = cognito.create_user_pool(account, step["name"], now=now)
    if cognito_client(pool, step["client"]) is None:
        cognito.create_client(pool, step["client"])
    for user in step.get("users") or []:
        pool.users.pop(user["username"], None)
        cognito.create_user(pool, user["username"], user["password"], attributes=user.get("attributes"))


def cognito_client(pool, name: str):
    return next((c for c in pool.clients if c.name == name), None)


def _setup_http_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = v2.create_http_api(account, step["name"], cors=step.get("cors"), now=now)
    _v2_routes(account, api, step.get("routes") or [], now)


def _v2_routes(account: gw.Account, api: V2Api, routes: list[dict[str, Any]], now: float) -> None:
    for route in routes:
        target = None
        if "function" in route:
            target = v2.create_v2_integration(
                account, api, "AWS_PROXY", function_arn(account, route["function"]), now=now
            ).integrationId
        elif "url" in route:
            target = v2.create_v2_integration(account, api, "HTTP_PROXY", route["url"], now=now).integrationId
        elif route.get("mock"):
            target = v2.create_v2_integration(account, api, "MOCK", now=now).integrationId
        v2.create_route(
            account,
            api,
            route["key"],
            target,
            route_response_selection_expression="$default" if route.get("reply") else None,
            now=now,
        )


def _setup_websocket_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = v2.create_websocket_api(account, step["name"], step.get("expression", "$request.body.action"), now=now)
    _v2_routes(account, api, step.get("routes") or [], now)
    v2.create_v2_stage(account, api, step["stage"], now=now)
    if api.routes:
        v2.deploy_v2(account, api, step["stage"], now=now)


def _setup_dynamodb_table(account: gw.Account, step: dict[str, Any], now: float) -> None:
    key = step.get("key", "id")
    items = {str(item[key]): dict(item) for item in step.get("items") or []}
    account.dynamodbTables[step["name"]] = {"key": key, "items": items}


SETUP_STEPS: dict[str, Callable[[gw.Account, dict[str, Any], float], None]] = {
    "rest_api": _setup_rest_api,
    "method": _setup_method,
    "deploy": _setup_deploy,
    "authorizer": _setup_authorizer,
    "function": _setup_function,
    "api_key": _setup_api_key,
    "usage_plan": _setup_usage_plan,
    "user_pool": _setup_user_pool,
    "http_api": _setup_http_api,
    "websocket_api": _setup_websocket_api,
    "dynamodb_table": _setup_dynamodb_table,
}
