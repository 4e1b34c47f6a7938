"""The WebSocket @connections management API on a deployed stage, as a backend calls it:

    POST   https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/@connections/{id}   send data
    GET    .../@connections/{id}                                                         its status
    DELETE .../@connections/{id}                                                         disconnect

Signed with SigV4 (service execute-api) by one of the API owner's IAM users, whose policies
must allow `execute-api:ManageConnections` on
`arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/{METHOD}/@connections/{id}`.
AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html
boto3's `apigatewaymanagementapi` client with endpoint_url `http://{api-id}.execute-api.localhost:8000/{stage}`
talks to it. Only the owner's keys are looked up: another learner's key is unknown here.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import gateway as gw
from gateway.auth import iam, sigv4
from gateway.v2 import apis as v2
from sandbox.models import SandboxAccount, data_digest

# A connection id is base64 and may hold "/" (SDKs send it as %2F; the path arrives decoded).
PATH = re.compile(r"^@connections/(?P<id>.+)$", re.S)
ACTION = "execute-api:ManageConnections"


def is_management(path: str) -> bool:
    return PATH.match(path) is not None


def _error(status: int, error_type: str, message: str | None) -> tuple[int, list[tuple[str, str]], str]:
    headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
    return status, headers, json.dumps({"message": message}, separators=(",", ":"))


def manage(call, sandbox_id: int, generation) -> tuple[int, list[tuple[str, str]], bytes | str]:
    """Answer one @connections request for a WebSocket API's stage (call: sandbox.gw.Call)."""
    connection_id = PATH.match(call.path)["id"]
    now = time.time()
    account = SandboxAccount.cached(sandbox_id, generation)
    host = next((v for k, v in call.headers if k.lower() == "host"), "")
    encoded = quote(connection_id, safe="~")
    # As sent: on the invoke host (/prod/...) or the app host's /gw/<api-id>/ form; the id
    # percent-encoded as SDKs send it, or as the client wrote it.
    candidates = [
        f"{prefix}/{call.stage}/@connections/{cid}"
        for prefix in ("", f"/gw/{call.api_id}")
        for cid in (encoded, connection_id)
    ]
    try:
        verified = sigv4.verify_request_paths(
            call.method,
            candidates,
            call.query,
            call.headers,
            call.body,
            lookup_secret=iam.secret_lookup(account),
            region=account.region,
            service="execute-api",
            now=now,
            host=host,
        )
    except sigv4.SignatureError as exc:
        return _error(403, exc.error_type, exc.message)
    user, _key = iam.find_access_key(account, verified.access_key_id) or (None, None)
    resource = f"arn:aws:execute-api:{account.region}:{account.accountId}:{call.api_id}/{call.stage}/{call.method}/@connections/{connection_id}"
    decision = iam.caller_may(user, action=ACTION, resource=resource)
    if not decision.allowed:
        denial = iam.access_denied(decision, resource_arn=resource, caller_arn=user.arn, action=ACTION)
        return _error(403, "ForbiddenException", denial.message)
    working = gw.Account.from_dict(account.to_dict())  # the cached Account is shared: change a copy
    operation = {"POST": v2.post_to_connection, "GET": v2.get_connection, "DELETE": v2.delete_connection}.get(
        call.method
    )
    if operation is None:
        return _error(404, "NotFoundException", f"No {call.method} on @connections")
    if call.method == "POST":
        status, payload = operation(working, call.api_id, call.stage, connection_id, call.body, now=now)
    else:
        status, payload = operation(working, call.api_id, call.stage, connection_id, now=now)
    SandboxAccount.objects.get(pk=sandbox_id).store_data(working, data_digest(account))
    if status >= 400:
        return _error(status, payload["__type"], payload.get("message"))
    if call.method == "GET":  # the wire names (the SDKs show them as ConnectedAt, Identity.SourceIp...)
        identity = payload.get("Identity", {})
        payload = {
            "connectedAt": payload["ConnectedAt"],
            "identity": {"sourceIp": identity.get("SourceIp"), "userAgent": identity.get("UserAgent")},
            "lastActiveAt": payload["LastActiveAt"],
        }
    body = json.dumps(payload) if payload else ""
    return status, [("Content-Type", "application/json")], body
