"""Real HTTP for every deployed stage: the gateway's answer to one request (see invoke_host).

Public like the real service: governed only by the API's own auth, keys and policies. The
learner's sandbox is found through ApiOwner, its Account is cached per process by revision
(so a request does not rebuild the model or recompile the deployment), and simulated data an
invocation changed (tables, queues) is merged back into the stored sandbox.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass

from django.db import connection

import gateway as gw
from gateway.model.call import Request
from gateway.rest.pipeline import MAX_PAYLOAD_BYTES
from gateway.v2 import apis as v2
from sandbox import connections
from sandbox.models import ApiOwner, SandboxAccount, data_digest
from sandbox.runtime import RUNTIME

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"}
_RNG = random.SystemRandom()


@dataclass
class Call:
    """One HTTP request to a deployed stage, whatever server delivered it."""

    method: str
    api_id: str
    stage: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    remote_addr: str
    content_length: int


def handle(call: Call) -> tuple[int, list[tuple[str, str]], bytes | str]:
    """The public endpoint's logic: (status, headers, body)."""
    owner = _owner(call.api_id)
    if owner is None:
        return _error(403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    kind, sandbox_id, generation = owner
    if call.content_length > MAX_PAYLOAD_BYTES:
        return _error(
            413, f"Request Too Long: the payload limit is 10 MB ({MAX_PAYLOAD_BYTES} bytes)", "RequestTooLargeException"
        )
    account = SandboxAccount.cached(sandbox_id, generation)
    before = data_digest(account) if kind != "REST" or _touches_data(account, call.api_id) else None
    vpce = next((v for k, v in call.headers if k.lower() == "x-sandbox-vpce-id"), None)
    gw_request = Request(
        api_id=call.api_id,
        stage=call.stage,
        method=call.method,
        path="/" + call.path,
        query=call.query,
        headers=call.headers,
        body=call.body,
        source_ip=call.remote_addr,
        time=time.time(),
        vpce_id=vpce,
    )
    if kind == "REST":
        result = gw.invoke(account, gw_request, rng=_RNG, runtime=RUNTIME)
    elif kind == "HTTP":
        result = v2.invoke_http_api(account, gw_request, rng=_RNG, runtime=RUNTIME)
    elif connections.is_management(call.path):
        return connections.manage(call, sandbox_id, generation)
    else:
        return _error(400, "This is a WebSocket API: connect to it from the sandbox's WebSocket console")
    if before is not None:
        SandboxAccount.objects.get(pk=sandbox_id).store_data(account, before)
    headers = [(k, v) for k, v in result.headers if k.lower() not in HOP_BY_HOP]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return result.status, headers, result.body


OWNER_SQL = (  # table names from the models; the id is a bound parameter
    f"SELECT o.kind, o.sandbox_id, s.generation FROM {ApiOwner._meta.db_table} o "
    f"JOIN {SandboxAccount._meta.db_table} s ON s.id = o.sandbox_id WHERE o.api_id = %s"
)


def _owner(api_id: str) -> tuple[str, int, uuid.UUID] | None:
    """Who serves this API, and the generation of their stored state: only that, not the state
    itself (the Account comes from this process's cache). One indexed query on the hot path."""
    with connection.cursor() as cursor:
        cursor.execute(OWNER_SQL, [api_id])
        row = cursor.fetchone()
    if row is None:
        return None
    generation = row[2] if isinstance(row[2], uuid.UUID) else uuid.UUID(str(row[2]))
    return row[0], row[1], generation


def _error(status: int, message: str, error_type: str | None = None) -> tuple[int, list[tuple[str, str]], str]:
    headers = [("Content-Type", "application/json")] + ([("x-amzn-ErrorType", error_type)] if error_type else [])
    return status, headers, json.dumps({"message": message}, separators=(",", ":"))


def _touches_data(account: gw.Account, api_id: str) -> bool:
    """Only APIs with Lambda or AWS service integrations can change simulated data."""
    api = account.restApis.get(api_id)
    if api is None:
        return False
    for resource in api.resources.values():
        for method in resource.resourceMethods.values():
            if method.methodIntegration and method.methodIntegration.type in ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY"):
                return True
    return False
