"""The Lambda events of HTTP APIs: payload format 2.0 and 1.0."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from gateway.integrations import lambda_proxy
from gateway.model.call import Request
from gateway.model.recording import identity
from gateway.v2.call import _HttpCall
from gateway.v2.constants import TEXT_TYPES
from gateway.v2.setup import parse_route_key

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
