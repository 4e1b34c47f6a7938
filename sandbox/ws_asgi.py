"""Real WebSocket connections to every deployed WebSocket API stage, and the gateway's HTTP
invokes under ASGI: what `studyapp.asgi` serves beside Django's pages.

A client connects like to AWS (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api.html:
`wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}`) at
`ws://<api-id>.execute-api.localhost:<port>/<stage>`, or at `ws://<app host>/gw/<api-id>/<stage>`
for clients that cannot resolve *.localhost. Each event is the engine's (`gateway.v2.websocket`):
`ws_connect` runs $connect (its authorizer is the only one of a WebSocket API), `ws_send`
selects the route by the API's route selection expression (else $default) and runs it,
`ws_disconnect` runs $disconnect. They run on a private copy of the learner's Account; what
they change in the connections is merged into the newest stored state under the row's lock
(`_commit`), so a push the @connections API stored meanwhile (maybe in another server
process) is never overwritten.

Pushes: `sandbox/connections.py` appends to the connection's `outbox` in the stored state. Any
server process may have stored it, so each connection polls its learner's row (the
`generation` column, one indexed read) every POLL_SECONDS and sends the outbox entries it has
not sent yet. The database is what crosses processes: no channel layer is configured (Channels'
in-memory layer would only reach consumers of this same process).

Limits, from AWS's quotas page for WebSocket APIs
(https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html,
also in https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html):
- message payload 128 KB; a larger message (or frame) makes API Gateway close the connection
  with code 1009 (the page's footnote). The 32 KB frame quota is not enforced: ASGI servers
  hand the application whole messages, never frames, so a frame's size is not visible here.
- idle connection timeout 10 minutes, connection duration 2 hours: the engine's `expiry_reason`
  decides (its constants), checked at every poll. AWS does not document the close code it
  sends then; this sends 1001 (going away), the code the engine gives $disconnect.
- a binary frame: WebSocket APIs take no binary frames from clients; API Gateway rejects one
  and disconnects the client with code 1003
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-binary-media-types.html).
- a refused handshake (authorizer 401/403, $connect's backend refusing) is answered with the
  HTTP status and no connection: the ASGI "websocket.http.response" denial extension (uvicorn
  offers it); a server without it can only close before accepting, which clients see as 403.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import io
import json
import logging
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import URLRouter
from django.db import connection as db_connection
from django.db import transaction
from django.urls import re_path

import gateway as gw
from gateway.model import shape
from gateway.v2 import apis as v2
from gateway.v2 import websocket as engine_ws
from sandbox import invoke_host
from sandbox.models import DATA_SECTIONS, ApiOwner, SandboxAccount

log = logging.getLogger(__name__)
POLL_SECONDS = 0.2
_RNG = random.SystemRandom()
# Close codes (RFC 6455 section 7.4.1); which ones API Gateway sends is said above.
GOING_AWAY, UNSUPPORTED_DATA, TOO_BIG, SERVER_ERROR, NORMAL = 1001, 1003, 1009, 1011, 1000
DENIAL_MESSAGES = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 410: "Gone"}


# ---------------------------------------------------------------------------------------
# The database side (sync: run through database_sync_to_async)
#
# An event runs on a working copy of the newest Account that shares everything with the
# process's cached one but the connections (copied: a backend may push to or delete any of
# them). Nothing is written unless the event changed something another reader must see: a
# connection opened or closed, a push stored for a connection, simulated data (a table a
# Lambda wrote), or this connection's lastActiveAt when the stored one is LAST_ACTIVE_FLUSH
# seconds old. Route responses go straight to the client; they are not stored. So a message
# to a MOCK route costs one indexed read, and @connections GetConnection's LastActiveAt lags
# real activity by at most LAST_ACTIVE_FLUSH seconds (AWS documents no precision for it).

LAST_ACTIVE_FLUSH = 10.0


@dataclass
class Event:
    """What one event did, for the consumer: the engine's result, the connection's stored outbox
    afterwards (None once it is closed) and its lastActiveAt as the gateway now counts it."""

    result: v2.WsResult
    outbox: list[dict] | None
    last_active: float = 0.0


def _section_digest(value: Any) -> str:
    return json.dumps(shape.dump(value), sort_keys=True, default=str)


GENERATION_SQL = f"SELECT generation FROM {SandboxAccount._meta.db_table} WHERE id = %s"  # noqa: S608 (a model's table)


def _generation(sandbox_id: int) -> uuid.UUID | None:
    """The stored state's generation: one indexed read, in SQL (the ORM's query building would
    cost more than the read on every message and every poll)."""
    with db_connection.cursor() as cursor:
        cursor.execute(GENERATION_SQL, [sandbox_id])
        row = cursor.fetchone()
    if row is None:
        return None
    field = SandboxAccount._meta.get_field("generation")
    return field.to_python(row[0])


def _may_change_data(account: gw.Account, api_id: str) -> bool:
    """Only a backend (a Lambda function, an HTTP endpoint) can change simulated data."""
    api = account.v2Apis.get(api_id)
    return api is not None and any(i.integrationType != "MOCK" for i in api.integrations.values())


def _run(sandbox_id: int, api_id: str, connection_id: str | None, last_active: float, event) -> Event:
    """Run `event(working)` for one connection (None: the one $connect opens); store what it
    changed (see above)."""
    base = SandboxAccount.cached(sandbox_id, _generation(sandbox_id))
    working = copy.copy(base)
    working.wsConnections = {
        cid: dataclasses.replace(c, outbox=list(c.outbox)) for cid, c in base.wsConnections.items()
    }
    stored = base.wsConnections.get(connection_id) if connection_id else None
    if stored is not None:
        working.wsConnections[connection_id].lastActiveAt = max(stored.lastActiveAt, last_active)
    watched = _may_change_data(base, api_id)
    sections = [s for s in DATA_SECTIONS if s != "wsConnections"] if watched else []
    before = {s: _section_digest(getattr(base, s)) for s in sections}
    result = event(working)
    connection_id = connection_id or result.connection_id or ""
    changed = [s for s in sections if _section_digest(getattr(working, s)) != before[s]]
    mine = working.wsConnections.get(connection_id)
    if mine is not None and result.messages:  # the route response went out last: not stored
        del mine.outbox[len(mine.outbox) - len(result.messages) :]
    pushed = {
        cid: c.outbox[len(base.wsConnections[cid].outbox) :] if cid in base.wsConnections else c.outbox
        for cid, c in working.wsConnections.items()
    }
    gone = [cid for cid in base.wsConnections if cid not in working.wsConnections]
    opened = mine is not None and stored is None
    stale = mine is not None and stored is not None and mine.lastActiveAt - stored.lastActiveAt >= LAST_ACTIVE_FLUSH
    if not (changed or gone or opened or stale or any(pushed.values())):
        return Event(result, list(stored.outbox) if stored else None, mine.lastActiveAt if mine else 0.0)
    with transaction.atomic():
        row = SandboxAccount.objects.select_for_update().get(pk=sandbox_id)
        fresh = gw.Account.from_dict(row.state)
        for section in changed:
            setattr(fresh, section, getattr(working, section))
        for cid in gone:
            fresh.wsConnections.pop(cid, None)
        for cid, entries in pushed.items():
            theirs = fresh.wsConnections.get(cid)
            if theirs is not None:  # (else deleted meanwhile, maybe by another process: it stays gone)
                theirs.outbox.extend(entries)
        if opened:
            fresh.wsConnections[connection_id] = mine
        elif mine is not None and connection_id in fresh.wsConnections:
            theirs = fresh.wsConnections[connection_id]
            theirs.lastActiveAt = max(theirs.lastActiveAt, mine.lastActiveAt)
        row.save_data(fresh)
    final = fresh.wsConnections.get(connection_id)
    return Event(result, list(final.outbox) if final else None, mine.lastActiveAt if mine else 0.0)


def _owner(api_id: str) -> tuple[str, int, uuid.UUID] | None:
    return ApiOwner.objects.filter(api_id=api_id).values_list("kind", "sandbox_id", "sandbox__generation").first()


def open_connection(
    api_id: str, stage: str, headers: list[tuple[str, str]], query: list[tuple[str, str]], source_ip: str
) -> tuple[Event, int | None]:
    """$connect: (what it did, the learner's sandbox id when it is a WebSocket API's)."""
    owner = _owner(api_id)
    if owner is None or owner[0] != "WEBSOCKET":
        return Event(v2.WsResult(403, decided_by="route", reason=f"there is no WebSocket API {api_id}"), None), None

    def connect(working: gw.Account) -> v2.WsResult:
        result = v2.ws_connect(
            working, api_id, stage, headers=headers, query=query, source_ip=source_ip, now=time.time(), rng=_RNG
        )
        if result.connection_id in working.wsConnections:
            working.wsConnections[result.connection_id].transport = "websocket"
        return result

    return _run(owner[1], api_id, None, 0.0, connect), owner[1]


def send_message(sandbox_id: int, api_id: str, connection_id: str, message: str, last_active: float) -> Event:
    return _run(
        sandbox_id,
        api_id,
        connection_id,
        last_active,
        lambda working: v2.ws_send(working, connection_id, message, now=time.time(), rng=_RNG),
    )


def close_connection(sandbox_id: int, api_id: str, connection_id: str, code: int, reason: str, why: str = "") -> None:
    """The connection ends: $disconnect runs (with AWS's code), unless it is gone already."""

    def event(working: gw.Account) -> v2.WsResult:
        connection = working.wsConnections.get(connection_id)
        if connection is None:
            return v2.WsResult(410, connection_id=connection_id, closed=True)
        if why:  # the gateway closes it (a limit): the engine's own close, with the engine's reason
            return engine_ws.close_connection(working, connection, time.time(), _RNG, code, reason, why)
        return v2.ws_disconnect(working, connection_id, now=time.time(), rng=_RNG, code=code, reason=reason)

    _run(sandbox_id, api_id, connection_id, 0.0, event)


def poll(sandbox_id: int, connection_id: str, seen: uuid.UUID | None) -> tuple[uuid.UUID | None, Any]:
    """(the stored generation, this connection in it or None); the connection is only read when
    the generation moved (one indexed read otherwise); `...` means unchanged."""
    generation = _generation(sandbox_id)
    if generation == seen:
        return generation, ...
    account = SandboxAccount.cached(sandbox_id, generation) if generation else None
    return generation, account.wsConnections.get(connection_id) if account else None


# ---------------------------------------------------------------------------------------
# The consumer: one per WebSocket connection


class StageConsumer(AsyncWebsocketConsumer):
    """One client connection to a WebSocket API's stage."""

    sandbox_id: int | None = None
    connection_id: str | None = None

    async def connect(self) -> None:
        try:
            await self._connect()
        except Exception:
            log.exception("WebSocket handshake failed")
            await self._deny(500, "Internal server error")

    async def _connect(self) -> None:
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self.scope.get("headers", [])]
        host = next((v for k, v in headers if k.lower() == "host"), "")
        kwargs = self.scope.get("url_route", {}).get("kwargs", {})
        host_api = invoke_host.api_id_of(host)
        if host_api and "stage" in kwargs and "api_id" not in kwargs:
            api_id = host_api
        elif host_api is None and "api_id" in kwargs:
            api_id = kwargs["api_id"]
            # The app's own host: its session cookie is no business of the learner's backend.
            headers = [(k, v) for k, v in headers if k.lower() != "cookie"]
        else:  # AWS answers a path that names no stage with 403
            await self._deny(403 if host_api else 404, DENIAL_MESSAGES[403 if host_api else 404])
            return
        stage = kwargs["stage"]
        query = parse_qsl(self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        client = self.scope.get("client") or ("127.0.0.1", 0)
        # As the HTTP invokes spell them (sandbox.invoke_host.headers_of): Sec-Websocket-Key...
        named = [("-".join(part.capitalize() for part in k.split("-")), v) for k, v in headers]
        opened, sandbox_id = await database_sync_to_async(open_connection)(api_id, stage, named, query, client[0])
        result = opened.result
        if result.status != 101:
            await self._deny(result.status, DENIAL_MESSAGES.get(result.status, "Internal server error"), result.reason)
            return
        self.sandbox_id, self.connection_id = sandbox_id, result.connection_id
        self.api_id, self.stage = api_id, stage
        self.sent = 0
        self.last_active = time.time()
        self.generation: uuid.UUID | None = None
        self.connection: gw.WsConnection | None = None
        self.send_lock = asyncio.Lock()
        await self.accept()
        self.poller = asyncio.create_task(self._poll_loop())

    async def _deny(self, status: int, message: str, reason: str = "") -> None:
        if "websocket.http.response" in self.scope.get("extensions", {}):
            body = json.dumps({"message": message}, separators=(",", ":")).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            if reason:
                headers.append((b"x-sandbox-reason", reason.encode("ascii", "replace")[:500]))
            await self.base_send({"type": "websocket.http.response.start", "status": status, "headers": headers})
            await self.base_send({"type": "websocket.http.response.body", "body": body})
        else:
            await self.close()  # before accept: the server answers 403

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.connection_id is None:
            return
        try:
            if text_data is None:
                await self._end(UNSUPPORTED_DATA, "Binary frames are not supported")
                return
            if len(text_data.encode("utf-8")) > v2.WS_MESSAGE_MAX_BYTES:
                await self._end(TOO_BIG, "Message too big")
                return
            sent = await database_sync_to_async(send_message)(
                self.sandbox_id, self.api_id, self.connection_id, text_data, self.last_active
            )
            if sent.outbox is None:  # closed: expired (the engine said so) or deleted meanwhile
                self.connection_id = None
                await self.close(GOING_AWAY if sent.result.status == 410 else NORMAL)
                return
            self.last_active = max(self.last_active, sent.last_active)
            await self._deliver(sent.outbox, sent.result.messages)
        except Exception:
            log.exception("WebSocket message failed on %s", self.connection_id)
            await self._end(SERVER_ERROR, "Internal server error")

    async def _deliver(self, outbox: list[dict], answers: list[str] = ()) -> None:
        """Send the stored pushes the client has not received yet (outboxes only grow while a
        connection lives), then the route's answers: a backend's pushes come before it returns."""
        async with self.send_lock:
            fresh, self.sent = outbox[self.sent :], max(self.sent, len(outbox))
            for entry in fresh:
                await self.send(text_data=str(entry.get("data", "")))
            for text in answers:
                await self.send(text_data=text)

    async def _poll_loop(self) -> None:
        try:
            while self.connection_id is not None:
                await asyncio.sleep(POLL_SECONDS)
                if self.connection_id is None:
                    return
                generation, connection = await database_sync_to_async(poll)(
                    self.sandbox_id, self.connection_id, self.generation
                )
                if connection is not ...:
                    self.generation, self.connection = generation, connection
                    if connection is None:  # deleted through @connections or the console
                        # AWS documents no close code for DeleteConnection: 1000 here.
                        self.connection_id = None
                        await self.close(NORMAL)
                        return
                    await self._deliver(connection.outbox)
                why = self._expired()
                if why:
                    await self._end(GOING_AWAY, "Going away", why)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("WebSocket poll failed on %s", self.connection_id)
            await self._end(SERVER_ERROR, "Internal server error")

    def _expired(self) -> str | None:
        """The engine's verdict on the idle and duration limits, with the activity this consumer
        saw since the stored lastActiveAt was last written."""
        if self.connection is None:
            return None
        seen = dataclasses.replace(self.connection, lastActiveAt=max(self.connection.lastActiveAt, self.last_active))
        return engine_ws.expiry_reason(seen, time.time())

    async def _end(self, code: int, reason: str, why: str = "") -> None:
        """The gateway closes the connection: $disconnect runs, then the close frame goes out."""
        connection_id, self.connection_id = self.connection_id, None
        if connection_id is not None:
            try:
                await database_sync_to_async(close_connection)(
                    self.sandbox_id, self.api_id, connection_id, code, reason, why
                )
            except Exception:
                log.exception("$disconnect failed on %s", connection_id)
        await self.close(code, reason)

    async def disconnect(self, code: int) -> None:
        """The client went away (or the server closed it): $disconnect runs once."""
        poller = getattr(self, "poller", None)
        if poller is not None and poller is not asyncio.current_task():
            poller.cancel()
        connection_id, self.connection_id = self.connection_id, None
        if connection_id is None:
            return
        try:
            await database_sync_to_async(close_connection)(self.sandbox_id, self.api_id, connection_id, code, "")
        except Exception:
            log.exception("$disconnect failed on %s", connection_id)


STAGE = r"(?P<stage>[A-Za-z0-9_$-]+)"
websocket_router = URLRouter(
    [
        re_path(rf"^gw/(?P<api_id>[a-z0-9]+)/{STAGE}/?$", StageConsumer.as_asgi()),
        re_path(rf"^{STAGE}/?$", StageConsumer.as_asgi()),
        re_path(r"", StageConsumer.as_asgi()),  # anything else: refused in the handshake
    ]
)


# ---------------------------------------------------------------------------------------
# HTTP invokes under ASGI: Django's ASGI requests have no WSGI input stream, so the gateway's
# requests (invoke hosts, /gw/) are answered here, as `gw_wsgi` does in front of WSGI Django.


def _environ(scope: dict, body: bytes) -> dict:
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        # As PEP 3333 gives it: percent-decoded bytes as Latin-1 (invoke_host.decoded_path reads UTF-8 back).
        "PATH_INFO": unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "REMOTE_ADDR": (scope.get("client") or ("127.0.0.1", 0))[0],
        "SERVER_NAME": (scope.get("server") or ("127.0.0.1", 0))[0],
        "SERVER_SOFTWARE": "uvicorn",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
    }
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"
        text = value.decode("latin-1")
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ


def _serve(environ: dict):
    from django.db import close_old_connections

    close_old_connections()
    try:
        return invoke_host.serve(environ)
    finally:
        close_old_connections()


def http_app(django_app):
    """Django's ASGI app with the gateway's requests answered in front of it."""

    async def application(scope, receive, send):
        host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"host"), "")
        if scope["type"] != "http" or (not scope["path"].startswith("/gw/") and invoke_host.api_id_of(host) is None):
            return await django_app(scope, receive, send)
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            data = message.get("body", b"")
            size += len(data)
            if size <= invoke_host.MAX_BODY + 1:
                chunks.append(data)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        answer = await database_sync_to_async(_serve)(_environ(scope, body))
        if answer is None:  # a /gw/ path that names no stage: Django answers (its 404)
            replayed = False

            async def replay():
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            return await django_app(scope, replay, send)
        status, headers, data = answer
        raw = [(k.encode("latin-1"), str(v).encode("latin-1", "replace")) for k, v in headers]
        raw.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": data})
        return None

    return application
