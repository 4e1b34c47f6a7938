"""AWS's wire protocols, read from AWS's own service models.

The routes (HTTP method and request URI of every operation), the names and places of the
parameters (URI, query string, header, JSON body, payload) and the answer's shape come from
the service definitions that the AWS SDKs themselves are generated from (botocore's data
files), so what boto3, the AWS CLI or Terraform send is read the way AWS reads it, and what
they receive parses with their own parsers. Nothing here knows an operation by hand.

- `operation_for(service, method, path, query)`: which operation a request is, and the values
  its URI template binds;
- `parse_input(...)`: the request as the operation's input, keyed by the member names the SDKs
  use (`restApiId`, `FunctionName`...);
- `serialize_output(...)`: an output dict (member names, or the wire names the engine's model
  already uses) as status, headers and body;
- `sdk_path(...)`: the path an SDK would have sent for these values (the signed path, when the
  server only has the decoded one).
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from urllib.parse import quote

from gateway.awsapi.errors import AwsError

SERVICES = ("apigateway", "apigatewayv2", "lambda", "sts")


@cache
def service_model(name: str) -> Any:
    """botocore's ServiceModel of one service (loaded once per process, on first use)."""
    from botocore.loaders import create_loader
    from botocore.model import ServiceModel

    return ServiceModel(create_loader().load_service_model(name, "service-2"), service_name=name)


@dataclass(frozen=True)
class Route:
    operation: str
    method: str
    template: str  # "/restapis/{restapi_id}/resources/{resource_id}"
    pattern: re.Pattern[str]
    names: tuple[str, ...]  # the URI template's variables, in order
    query: tuple[tuple[str, str], ...]  # literal query parameters the route needs ("mode", "import")
    literal: int  # literal characters: the more, the more specific


def _route(operation: str, method: str, request_uri: str) -> Route:
    path, _, literal_query = request_uri.partition("?")
    query = tuple((k, v) for k, _, v in (part.partition("=") for part in literal_query.split("&") if part))
    names, parts, last = [], [], 0
    for m in re.finditer(r"\{([^}+]+)(\+?)\}", path):
        parts.append(re.escape(path[last : m.start()]))
        names.append(m.group(1))
        # A variable at the end of the template may hold "/" once decoded (a tag's ARN).
        greedy = m.group(2) or m.end() == len(path)
        parts.append("(.+)" if greedy else "([^/]+)")
        last = m.end()
    parts.append(re.escape(path[last:]))
    literal = len(re.sub(r"\{[^}]+\}", "", path))
    return Route(operation, method, path, re.compile("^" + "".join(parts) + "/?$"), tuple(names), query, literal)


@cache
def routes(service: str) -> tuple[Route, ...]:
    model = service_model(service)
    found = [
        _route(name, op.http["method"], op.http["requestUri"])
        for name in model.operation_names
        for op in [model.operation_model(name)]
    ]
    # Most specific first: literal query parameters, then literal path characters.
    return tuple(sorted(found, key=lambda r: (-len(r.query), -r.literal)))


def operation_for(
    service: str, method: str, path: str, query: list[tuple[str, str]]
) -> tuple[str, dict[str, str]] | None:
    """(operation name, URI values) of a REST request, None when no operation has that route."""
    given = dict(query)
    for route in routes(service):
        if route.method != method:
            continue
        m = route.pattern.match(path)
        if m and all(given.get(k) == v for k, v in route.query):
            return route.operation, dict(zip(route.names, m.groups(), strict=True))
    return None


def sdk_path(service: str, operation: str, values: dict[str, str]) -> str:
    """The path an SDK sends for these URI values: each value percent-encoded whole ("/" too)."""
    route = next(r for r in routes(service) if r.operation == operation)

    def fill(m: re.Match[str]) -> str:
        value = values[m.group(1)]
        return quote(value, safe="/~") if m.group(2) else quote(value, safe="~")

    return re.sub(r"\{([^}+]+)(\+?)\}", fill, route.template)


# ---------------------------------------------------------------------------------------
# Requests


def _bad(message: str) -> AwsError:
    return AwsError("BadRequestException", message, 400)


def _scalar(shape: Any, raw: str, where: str) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("float", "double"):
            return float(raw)
    except ValueError:
        raise _bad(f"Invalid value for {where}: {raw!r} is not a number") from None
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise _bad(f"Invalid value for {where}: {raw!r} is not true or false")
        return raw.lower() == "true"
    if kind == "timestamp":
        return _timestamp_in(raw, where)
    return raw


def _timestamp_in(raw: Any, where: str) -> float:
    if isinstance(raw, (int, float)):
        return float(raw)
    try:
        return float(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _bad(f"Invalid timestamp for {where}: {raw!r}") from None


def _from_json(shape: Any, value: Any, where: str) -> Any:
    """A JSON value as the member's type; the wire names become member names."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            raise _bad(f"{where} must be an object")
        wire = {member.serialization.get("name", name): name for name, member in shape.members.items()}
        out = {}
        for key, item in value.items():
            name = wire.get(key, key if key in shape.members else None)
            if name is not None:
                out[name] = _from_json(shape.members[name], item, f"{where}.{key}")
        return out
    if kind == "list":
        if not isinstance(value, list):
            raise _bad(f"{where} must be a list")
        return [_from_json(shape.member, item, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise _bad(f"{where} must be an object")
        return {str(k): _from_json(shape.value, v, f"{where}.{k}") for k, v in value.items()}
    if kind == "blob":
        try:
            return base64.b64decode(value, validate=True)
        except (ValueError, TypeError):
            raise _bad(f"{where} must be base64") from None
    if kind == "timestamp":
        return _timestamp_in(value, where)
    if kind == "boolean" and not isinstance(value, bool):
        raise _bad(f"{where} must be true or false")
    if kind in ("integer", "long") and (isinstance(value, bool) or not isinstance(value, int)):
        raise _bad(f"{where} must be an integer")
    if kind in ("float", "double") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise _bad(f"{where} must be a number")
    if kind == "string" and not isinstance(value, str):
        raise _bad(f"{where} must be a string")
    return value


def parse_input(
    service: str,
    operation: str,
    uri: dict[str, str],
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
) -> dict[str, Any]:
    """The request as the operation's input. `headers` keys are lower case."""
    op = service_model(service).operation_model(operation)
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    payload = shape.serialization.get("payload")
    claimed = set()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in uri:
                params[name] = _scalar(member, uri[wire], name)
        elif location == "querystring":
            if member.type_name == "map":
                continue  # all the other query parameters, below
            values = [v for k, v in query if k == wire]
            claimed.add(wire)
            if values:
                if member.type_name == "list":
                    params[name] = [_scalar(member.member, v, name) for v in values]
                else:
                    params[name] = _scalar(member, values[-1], name)
        elif location == "header":
            if wire.lower() in headers:
                params[name] = _scalar(member, headers[wire.lower()], name)
        elif location == "headers":
            prefix = wire.lower()
            found = {k[len(prefix) :]: v for k, v in headers.items() if k.startswith(prefix)}
            if found:
                params[name] = found
    for name, member in shape.members.items():
        if member.serialization.get("location") == "querystring" and member.type_name == "map":
            literal = {k for k, _v in _route_query(service, operation)}
            rest = {k: v for k, v in query if k not in claimed and k not in literal}
            if rest:
                params[name] = rest
    if payload:
        member = shape.members[payload]
        if member.type_name == "blob":
            params[payload] = body
        elif body:
            params[payload] = _from_json(member, _json(body), payload)
    elif body and any(not m.serialization.get("location") for m in shape.members.values()):
        fields = _from_json(shape, _json(body), "body")
        params.update({k: v for k, v in fields.items() if not shape.members[k].serialization.get("location")})
    _require(shape, params, "")
    return params


def _require(shape: Any, value: Any, where: str) -> None:
    """Required members present, at every level (AWS: "... must not be null")."""
    if shape.type_name == "structure" and isinstance(value, dict):
        for name in shape.required_members:
            if value.get(name) is None:
                raise _bad(
                    f"1 validation error detected: Value null at '{where}{name}' failed to satisfy constraint: Member must not be null"
                )
        for name, item in value.items():
            if name in shape.members:
                _require(shape.members[name], item, f"{where}{name}.")
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _require(shape.member, item, f"{where}{i}.")
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _require(shape.value, item, f"{where}{key}.")


def _route_query(service: str, operation: str) -> tuple[tuple[str, str], ...]:
    return next(r.query for r in routes(service) if r.operation == operation)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise AwsError("SerializationException", "Could not parse request body into json", 400) from None


# ---------------------------------------------------------------------------------------
# Answers


def _timestamp_out(shape: Any, value: Any, default: str) -> Any:
    fmt = shape.serialization.get("timestampFormat") or default
    seconds = float(value)
    if fmt == "iso8601":
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return int(seconds)  # API Gateway and Lambda answer whole epoch seconds


def _to_json(shape: Any, value: Any, default_ts: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            item = value.get(name, value.get(wire)) if isinstance(value, dict) else None
            if item is not None:
                out[wire] = _to_json(member, item, default_ts)
        return out
    if kind == "list":
        return [_to_json(shape.member, item, default_ts) for item in value]
    if kind == "map":
        return {k: _to_json(shape.value, v, default_ts) for k, v in value.items() if v is not None}
    if kind == "timestamp":
        return _timestamp_out(shape, value, default_ts)
    if kind == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else str(value).encode()).decode()
    return value


def serialize_output(service: str, operation: str, output: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
    model = service_model(service)
    op = model.operation_model(operation)
    status = int(op.http.get("responseCode", 200))
    headers: list[tuple[str, str]] = []
    shape = op.output_shape
    if shape is None:
        return status, headers, b""
    default_ts = model.metadata.get("timestampFormat", "unixTimestamp")
    body: dict[str, Any] = {}
    payload = shape.serialization.get("payload")
    data = b""
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        value = output.get(name, output.get(wire))
        if value is None:
            continue
        location = member.serialization.get("location")
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            headers.append((wire, str(value)))
        elif location == "headers":
            headers += [(wire + k, str(v)) for k, v in value.items()]
        elif name == payload:
            if member.type_name == "blob":
                data = value if isinstance(value, bytes) else str(value).encode()
            else:
                data = json.dumps(_to_json(member, value, default_ts)).encode()
        else:
            body[wire] = _to_json(member, value, default_ts)
    if not payload:
        data = json.dumps(body).encode()
        headers.append(("Content-Type", "application/json"))
    return status, headers, data
