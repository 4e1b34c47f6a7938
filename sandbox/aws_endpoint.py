"""The sandbox as an AWS endpoint: `aws --endpoint-url http://127.0.0.1:8000/aws/ apigateway ...`.

Requests are signed with the access keys of a learner's sandbox IAM users; the key finds the
learner's account (`AccessKeyOwner`) and nothing else, the learner's IAM policies decide, and a
write changes the stored sandbox all or nothing, exactly as the console's forms do (so the
console shows a client's change at once, and the reverse). The protocol is `gateway.awsapi`.

The control plane's request quota is AWS's: 10 requests per second with a burst of 40 per
account (AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html, "Total
operations"); settings SANDBOX_CONTROL_RATE / SANDBOX_CONTROL_BURST change it (the benches do).
AWS's per-operation quotas (CreateRestApi once every 3 s...) are not applied.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gateway.awsapi import dispatch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context
from sandbox import call_log, invoke_host
from sandbox.models import AccessKeyOwner, LimitError, SandboxAccount
from sandbox.runtime import RUNTIME

PREFIX = "/aws"


def _headers(meta: dict) -> list[tuple[str, str]]:
    headers = [(k[5:].replace("_", "-").title(), v) for k, v in meta.items() if k.startswith("HTTP_")]
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if meta.get(name):
            headers.append((name.replace("_", "-").title(), meta[name]))
    return headers


def _signed_path(meta: dict) -> str | None:
    """The path as the client sent it, when the server passes it on (gunicorn, uwsgi)."""
    raw = meta.get("RAW_URI") or meta.get("REQUEST_URI")
    return urlsplit(raw).path if raw else None


def _throttled(sandbox_pk: int, now: float) -> bool:
    rate, burst = settings.SANDBOX_CONTROL_RATE, settings.SANDBOX_CONTROL_BURST
    return not RUNTIME.store.take(f"control:{sandbox_pk}", rate, burst, now)


class _Call:
    """What the call log keeps of one request, filled in as it is understood."""

    def __init__(self) -> None:
        self.service = "apigateway"
        self.operation = ""
        self.seed: int | None = None  # the learner's account, once a known key signed the request
        self.user = ""


def _answer(request: HttpRequest, req: dispatch.AwsRequest, request_id: str, call: _Call) -> tuple:
    target = dispatch.identify(req)
    call.service, call.operation = target.service, target.operation
    owner = AccessKeyOwner.objects.filter(pk=target.access_key_id).select_related("sandbox").first()
    if owner is None:
        raise AwsError("UnrecognizedClientException", dispatch.UNRECOGNIZED, 403)
    now = time.time()
    caller = dispatch.authenticate(req, target, owner.sandbox.account(), now)
    call.seed, call.user = owner.sandbox.account().idSeed, caller.name
    if _throttled(owner.sandbox.pk, now):
        raise AwsError("TooManyRequestsException", "Too Many Requests", 429)

    def invoke_url(api_id: str, stage: str) -> str:
        return invoke_host.invoke_url(request, api_id, stage)

    if not target.writes:
        account = owner.sandbox.account()
        ctx = Context(account, caller, now, RUNTIME, invoke_url, request_id)
        return dispatch.execute(req, target, ctx)
    with SandboxAccount.editing(owner.sandbox.user) as account:
        fresh = account.iamUsers.get(caller.name)
        if fresh is None or not any(
            k.accessKeyId == target.access_key_id and k.status == "Active" for k in fresh.accessKeys
        ):
            raise AwsError("UnrecognizedClientException", dispatch.UNRECOGNIZED, 403)
        ctx = Context(account, fresh, now, RUNTIME, invoke_url, request_id)
        return dispatch.execute(req, target, ctx)


@csrf_exempt
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    request_id = str(uuid.uuid4())
    try:
        body = request.body
    except RequestDataTooBig:
        # AWS documents the limits (an import: 6 MB; a Lambda zip: 50 MB) but not the control
        # plane's answer past them; the sandbox reads at most DATA_UPLOAD_MAX_MEMORY_SIZE.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 1
        failure = AwsError("RequestTooLargeException", f"Request must be smaller than {limit} bytes", 413)
        return _response(*dispatch.error_answer("apigateway", failure, request_id))
    req = dispatch.AwsRequest(
        request.method or "GET",
        "/" + path,
        parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True),
        _headers(request.META),
        body,
        signed_path=_signed_path(request.META),
        prefix=PREFIX,
    )
    call = _Call()
    call.service = "apigatewayv2" if req.path.startswith("/v2/") else "apigateway"
    error = ""
    try:
        status, headers, body = _answer(request, req, request_id, call)
    except (AwsError, LimitError) as exc:
        failure = exc if isinstance(exc, AwsError) else AwsError("LimitExceededException", str(exc), 429)
        status, headers, body = dispatch.error_answer(call.service, failure, request_id)
        error = failure.code
    if call.seed is not None:
        entry = {
            "at": time.time(),
            "service": call.service,
            "operation": call.operation,
            "status": status,
            "error": error,
            "user": call.user,
        }
        call_log.record(RUNTIME.store, call.seed, entry)
    return _response(status, headers, body)


def _response(status: int, headers: list[tuple[str, str]], body: bytes) -> HttpResponse:
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response
