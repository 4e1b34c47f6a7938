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
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from gateway.awsapi import dispatch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context
from sandbox import invoke_host
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


def _answer(request: HttpRequest, req: dispatch.AwsRequest, request_id: str) -> tuple[str, tuple]:
    target = dispatch.identify(req)
    owner = AccessKeyOwner.objects.filter(pk=target.access_key_id).select_related("sandbox").first()
    if owner is None:
        raise AwsError("UnrecognizedClientException", dispatch.UNRECOGNIZED, 403)
    now = time.time()
    caller = dispatch.authenticate(req, target, owner.sandbox.account(), now)
    if _throttled(owner.sandbox.pk, now):
        raise AwsError("TooManyRequestsException", "Too Many Requests", 429)

    def invoke_url(api_id: str, stage: str) -> str:
        return invoke_host.invoke_url(request, api_id, stage)

    if not target.writes:
        account = owner.sandbox.account()
        ctx = Context(account, caller, now, RUNTIME, invoke_url, request_id)
        return target.service, dispatch.execute(req, target, ctx)
    with SandboxAccount.editing(owner.sandbox.user) as account:
        fresh = account.iamUsers.get(caller.name)
        if fresh is None or not any(
            k.accessKeyId == target.access_key_id and k.status == "Active" for k in fresh.accessKeys
        ):
            raise AwsError("UnrecognizedClientException", dispatch.UNRECOGNIZED, 403)
        ctx = Context(account, fresh, now, RUNTIME, invoke_url, request_id)
        return target.service, dispatch.execute(req, target, ctx)


@csrf_exempt
def serve(request: HttpRequest, path: str = "") -> HttpResponse:
    request_id = str(uuid.uuid4())
    req = dispatch.AwsRequest(
        request.method or "GET",
        "/" + path,
        parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True),
        _headers(request.META),
        request.body,
        signed_path=_signed_path(request.META),
        prefix=PREFIX,
    )
    service = "apigatewayv2" if req.path.startswith("/v2/") else "apigateway"
    try:
        service, (status, headers, body) = _answer(request, req, request_id)
    except AwsError as exc:
        status, headers, body = dispatch.error_answer(service, exc, request_id)
    except LimitError as exc:
        status, headers, body = dispatch.error_answer(
            service, AwsError("LimitExceededException", str(exc), 429), request_id
        )
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response
