"""Invoking an HTTP API: routing, authorization, the integration, and the built-in CORS."""

from __future__ import annotations

import random

from gateway.model.call import DEFAULT_RUNTIME, Request, Response, Runtime
from gateway.model.resources import (
    Account,
    CorsConfiguration,
)
from gateway.v2.authorization import _authorize
from gateway.v2.call import _HttpCall, _message_body, _short_id, _Stop
from gateway.v2.compiled import compile_v2, match_route
from gateway.v2.constants import MAX_PAYLOAD_BYTES, OVERHEAD_MS
from gateway.v2.integrations import _integrate


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
