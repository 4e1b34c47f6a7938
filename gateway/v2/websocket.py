"""WebSocket APIs: $connect with its authorizer, messages routed by the route selection
expression, $disconnect, the idle and lifetime limits, and the @connections management API."""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.integrations import backends
from gateway.integrations.backends import BackendError
from gateway.model.call import Runtime
from gateway.model.errors import NotFoundError, ValidationError
from gateway.model.recording import LogLine, Recorder, TraceStep
from gateway.model.resources import (
    Account,
    V2Api,
    V2Route,
    V2Stage,
    WsConnection,
)
from gateway.v2.authorization import policy_allows
from gateway.v2.call import _short_id
from gateway.v2.compiled import CompiledV2, compile_v2
from gateway.v2.constants import (
    BODY_EXPRESSION,
    WS_IDLE_SECONDS,
    WS_MAX_LIFETIME_SECONDS,
    WS_MESSAGE_MAX_BYTES,
    WS_RESERVED_ROUTES,
)
from gateway.v2.events import _time_text
from gateway.v2.integrations import _substitute, lambda_arn_of

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


def expiry_reason(connection: WsConnection, now: float) -> str | None:
    """Why the gateway closes the connection at `now` (on its simulated clock), or None."""
    now += connection.clockOffset or 0.0
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
    expired = expiry_reason(connection, now)
    if expired:
        closing = close_connection(account, connection, now, rng, 1001, "Going away", expired)
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
    connection.lastActiveAt = now + (connection.clockOffset or 0.0)  # on its simulated clock
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


def close_connection(
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
    return close_connection(account, connection, now, rng, code, reason, "the client closed the connection")


def _management_connection(
    account: Account, api_id: str, stage: str, connection_id: str, now: float
) -> WsConnection | None:
    connection = account.wsConnections.get(connection_id)
    if connection is None or connection.apiId != api_id or connection.stage != stage:
        return None
    expired = expiry_reason(connection, now)
    if expired:
        close_connection(account, connection, now, _close_rng(account), 1001, "Going away", expired)
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
    close_connection(
        account, connection, now, _close_rng(account), 1000, "", "the backend deleted the connection (@connections)"
    )
    return 204, None


def skip_time(account: Account, api_id: str, connection_id: str, seconds: float) -> WsConnection:
    """Move one connection's simulated clock `seconds` ahead (the console's "skip 10 minutes"):
    the gateway's limits then see it idle, or open for that much longer, at once."""
    connection = account.wsConnections.get(connection_id)
    if connection is None or connection.apiId != api_id:
        raise NotFoundError("No such connection (it is closed already)")
    if not 0 < seconds <= WS_MAX_LIFETIME_SECONDS:
        raise ValidationError(f"Skip between 1 second and {WS_MAX_LIFETIME_SECONDS // 3600} hours")
    connection.clockOffset = (connection.clockOffset or 0.0) + seconds
    return connection


def _sdk_call(account: Account, op: str, api_id: str, stage: str, connection_id: str, data: str | None) -> None:
    """A learner's handler called @connections through the AWS SDK (PostToConnection or
    DeleteConnection): the same calls as the signed HTTP API, on the same account."""
    if op == "post":
        post_to_connection(account, api_id, stage, connection_id, data or "", now=time.time())
    elif op == "delete":
        delete_connection(account, api_id, stage, connection_id, now=time.time())


backends.connections_api = _sdk_call


def _close_rng(account: Account) -> random.Random:
    return random.Random(account.counter * 7919 + len(account.wsConnections))  # noqa: S311 (ids, not secrets)


def expire_idle(account: Account, now: float, *, rng: random.Random | None = None) -> list[str]:
    """Close every connection idle for 10 minutes or open for 2 hours ($disconnect runs for each)."""
    rng = rng or _close_rng(account)
    closed = []
    for connection in list(account.wsConnections.values()):
        why = expiry_reason(connection, now)
        if why:
            close_connection(account, connection, now, rng, 1001, "Going away", why)
            closed.append(connection.connectionId)
    return closed
