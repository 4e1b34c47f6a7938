"""Lambda proxy integration, payload format 1.0 (REST APIs), exactly as documented and recorded."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

OUTPUT_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}


class MalformedProxyResponse(Exception):  # noqa: N818 (AWS's own wording in the log)
    """The function's answer is not a proxy response: API Gateway returns 502."""


@dataclass
class ProxyResult:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | str = ""


def _single(pairs: list[tuple[str, str]]) -> dict[str, str] | None:
    """Last value wins, as in the event's single-value maps; None when there are none."""
    if not pairs:
        return None
    return {k: v for k, v in pairs}


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]] | None:
    if not pairs:
        return None
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def build_event(
    *,
    resource_path: str,
    path: str,
    method: str,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
    path_parameters: dict[str, str],
    stage_variables: dict[str, str],
    request_context: dict[str, Any],
    body: str | bytes | None,
    binary: bool = False,
) -> dict[str, Any]:
    """The event: absent maps are null, not {}; single-value maps take the last value."""
    if isinstance(body, bytes):
        body_out: str | None = base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace")
    else:
        body_out = base64.b64encode(body.encode()).decode() if (binary and body) else body
    return {
        "resource": resource_path,
        "path": path,
        "httpMethod": method,
        "headers": _single(headers),
        "multiValueHeaders": _multi(headers),
        "queryStringParameters": _single(query),
        "multiValueQueryStringParameters": _multi(query),
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": request_context,
        "body": body_out if body_out not in ("",) else None,
        "isBase64Encoded": bool(binary and body),
    }


def _header_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return value
    raise MalformedProxyResponse(f"header {name} must be a string, number or boolean")


def parse_output(payload: Any) -> ProxyResult:
    """Check and read a proxy response; anything malformed raises (-> 502)."""
    if not isinstance(payload, dict):
        raise MalformedProxyResponse("the response is not a JSON object")
    unknown = set(payload) - OUTPUT_KEYS
    if unknown:
        raise MalformedProxyResponse(f"unknown field(s): {', '.join(sorted(unknown))}")
    status = payload.get("statusCode")
    if isinstance(status, bool) or status is None:
        raise MalformedProxyResponse("statusCode is missing")
    try:
        status = int(status)
    except (TypeError, ValueError):
        raise MalformedProxyResponse(f"statusCode {status!r} is not a number") from None
    if not 100 <= status <= 599:
        raise MalformedProxyResponse(f"statusCode {status} is not an HTTP status")
    headers = payload.get("headers") or {}
    multi = payload.get("multiValueHeaders") or {}
    if not isinstance(headers, dict) or not isinstance(multi, dict):
        raise MalformedProxyResponse("headers and multiValueHeaders must be objects")
    combined: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedProxyResponse(f"multiValueHeaders.{name} must be a list")
        combined.setdefault(name.lower(), []).extend(_header_value(name, v) for v in values)
        names.setdefault(name.lower(), name)
    for name, value in headers.items():
        # A header in both maps: "multi, single" (recorded AWS behaviour).
        combined.setdefault(name.lower(), []).append(_header_value(name, value))
        names.setdefault(name.lower(), name)
    out_headers = [(names[key], ", ".join(values)) for key, values in combined.items()]
    if "content-type" not in combined:
        out_headers.append(("Content-Type", "application/json"))
    body = payload.get("body")
    if body is None:
        body = ""
    elif not isinstance(body, str):
        # AWS: the body is a string ("If you're returning JSON, ... convert it to a string"):
        # https://aws.amazon.com/premiumsupport/knowledge-center/malformed-502-api-gateway/
        raise MalformedProxyResponse(f"body must be a string, not a JSON {type(body).__name__}: JSON.stringify it")
    if payload.get("isBase64Encoded") is True and body:
        try:
            body = base64.b64decode(body, validate=True)
        except ValueError:
            raise MalformedProxyResponse("isBase64Encoded is true but the body is not base64") from None
    return ProxyResult(status, out_headers, body)
