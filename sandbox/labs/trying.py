"""The lab's test panel: one call through the engine (REST, HTTP or WebSocket), as the learner typed it."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

import gateway as gw
from gateway.auth import cognito
from gateway.model.call import Request, Runtime
from gateway.v2 import apis as v2
from sandbox.labs.checks import Context, Fail, _cause, _token
from sandbox.labs.loader import Lab
from sandbox.labs.setup import find_key, find_rest_api, find_v2_api

# ---------------------------------------------------------------------------------------
# The test panel: one call through the engine, as the learner typed it


@dataclass
class TryResult:
    kind: str  # rest | http | websocket
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    reason: str = ""
    decided_by: str = ""
    route_key: str | None = None
    messages: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def try_request(
    lab: Lab, account: gw.Account, values: dict[str, Any], *, runtime: Runtime, now: float
) -> TryResult | str:
    """Run the learner's request against the lab's API (in `account`, which it may change: data
    such as DynamoDB items). Returns the result, or a sentence saying why nothing was sent."""
    kind = lab.try_.get("kind", "rest")
    name = lab.try_.get("api")
    context = Context(account, runtime, now)
    if kind == "websocket":
        api = find_v2_api(account, name, "WEBSOCKET")
        if api is None:
            return f"There is no WebSocket API named {name!r} in your sandbox: start the lab first."
        rng = random.Random()
        opened = v2.ws_connect(account, api.apiId, values["stage"], now=now, rng=rng, runtime=runtime)
        if opened.status != 101:
            return TryResult(kind, opened.status, reason=opened.reason, decided_by=opened.decided_by)
        sent = v2.ws_send(account, opened.connection_id, values.get("message") or "", now=now, rng=rng)
        v2.ws_disconnect(account, opened.connection_id, now=now, rng=rng)
        return TryResult(
            kind,
            sent.status,
            reason=sent.reason,
            decided_by=sent.decided_by,
            route_key=sent.route_key,
            messages=sent.messages,
            log=[f"{line.level} {line.message}" for line in sent.log],
        )
    headers = list(values.get("headers") or [])
    if values.get("use_token") and lab.try_.get("cognito"):
        try:
            headers.append(("Authorization", _token(context, lab.try_["cognito"])))
        except (Fail, cognito.CognitoError) as exc:
            return str(exc)
    if kind == "http":
        api = find_v2_api(account, name, "HTTP")
        if api is None:
            return f"There is no HTTP API named {name!r} in your sandbox yet."
        api_id = api.apiId
    else:
        rest = find_rest_api(account, name)
        if rest is None:
            return f"There is no REST API named {name!r} in your sandbox: start the lab first."
        api_id = rest.id
    request = Request(
        api_id=api_id,
        stage=values["stage"],
        method=values["method"],
        path=values["path"],
        query=values.get("query") or [],
        headers=headers,
        body=values.get("body") or "",
        time=now,
        # As on /gw/: a request "comes through" a VPC endpoint when it names one in this header.
        vpce_id=next((v for k, v in headers if k.lower() == "x-sandbox-vpce-id"), None),
    )
    if kind == "http":
        response = v2.invoke_http_api(account, request, rng=random.Random(), runtime=runtime)
    else:
        response = gw.invoke(account, request, rng=random.Random(), runtime=runtime)  # noqa: S311 (canary split)
    return TryResult(
        kind,
        response.status,
        headers=list(response.headers),
        body=response.text,
        reason=_cause(response) if response.status >= 400 else response.reason,
        decided_by=response.decided_by,
        log=[f"{line.level} {line.message}" for line in response.log],
    )


def try_defaults(lab: Lab, account: gw.Account) -> dict[str, Any]:
    """The test panel's initial values: the lab's request, with its API key's value filled in."""
    spec = lab.try_
    headers = dict(spec.get("headers") or {})
    if spec.get("api_key"):
        key = find_key(account, spec["api_key"])
        if key is not None:
            headers["x-api-key"] = key.value
    query = spec.get("query") or {}
    body = spec.get("body", "")
    return {
        "stage": spec.get("stage", "$default" if spec.get("kind") == "http" else "prod"),
        "method": str(spec.get("method", "GET")).upper(),
        "path": spec.get("path", "/"),
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": "\n".join(f"{k}: {v}" for k, v in headers.items()),
        "body": body if isinstance(body, str) else json.dumps(body),
        "message": spec.get("message", ""),
        "use_token": bool(spec.get("cognito")),
    }
