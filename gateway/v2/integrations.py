"""HTTP API integrations: Lambda proxy (payload formats 1.0 and 2.0) and HTTP proxy, with their timeouts."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import quote, urlsplit

from gateway.integrations import backends, lambda_proxy
from gateway.integrations.backends import BackendError, LambdaResult
from gateway.model.call import Response
from gateway.model.resources import (
    LAMBDA_INVOKE_URI,
    V2Integration,
)
from gateway.v2.call import _HttpCall, _Stop
from gateway.v2.compiled import CompiledV2
from gateway.v2.constants import STAGE_VAR_RE
from gateway.v2.events import _event_v1, _event_v2, _raw_query

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
