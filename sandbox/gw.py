"""Real HTTP for every deployed stage: /gw/<api-id>/<stage>/<path>.

Public like the real service: governed only by the API's own auth, keys and policies. The
learner's sandbox is found through ApiOwner, its Account is cached per process by revision
(so a request does not rebuild the model or recompile the deployment), and simulated data an
invocation changed (tables, queues) is merged back into the stored sandbox.
"""

from __future__ import annotations

import random
import time

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

import gateway as gw
from gateway import v2
from gateway.pipeline import MAX_PAYLOAD_BYTES, Request
from sandbox.models import ApiOwner, data_digest
from sandbox.runtime import RUNTIME

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade", "te", "trailer"}
_RNG = random.SystemRandom()


def request_headers(request: HttpRequest) -> list[tuple[str, str]]:
    headers = []
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            headers.append(("-".join(part.capitalize() for part in key[5:].split("_")), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append(("Content-Type" if key == "CONTENT_TYPE" else "Content-Length", value))
    return headers


def _json(status: int, message: str, error_type: str | None = None) -> HttpResponse:
    response = HttpResponse(f'{{"message":"{message}"}}', status=status, content_type="application/json")
    if error_type:
        response["x-amzn-ErrorType"] = error_type
    return response


def to_http(result: gw.Response) -> HttpResponse:
    response = HttpResponse(result.body, status=result.status)
    del response["Content-Type"]
    for name, value in result.headers:
        if name.lower() not in HOP_BY_HOP:
            response[name] = value  # a repeated header keeps the last value (Django's headers are a mapping)
    if "Content-Type" not in response:
        response["Content-Type"] = "application/json"
    return response


@csrf_exempt
def invoke(request: HttpRequest, api_id: str, stage: str, path: str = "") -> HttpResponse:
    owner = ApiOwner.objects.select_related("sandbox").filter(api_id=api_id).first()
    if owner is None:
        return _json(403, "Missing Authentication Token", "MissingAuthenticationTokenException")
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_PAYLOAD_BYTES:
        return _json(
            413, f"Request Too Long: the payload limit is 10 MB ({MAX_PAYLOAD_BYTES} bytes)", "RequestTooLargeException"
        )
    sandbox = owner.sandbox
    account = sandbox.account()
    before = data_digest(account) if owner.kind != "REST" or _touches_data(account, api_id) else None
    gw_request = Request(
        api_id=api_id,
        stage=stage,
        method=request.method or "GET",
        path="/" + path,
        query=[(k, v) for k in request.GET for v in request.GET.getlist(k)],
        headers=request_headers(request),
        body=request.body,
        source_ip=request.META.get("REMOTE_ADDR", "127.0.0.1"),
        time=time.time(),
        vpce_id=request.headers.get("X-Sandbox-Vpce-Id"),
    )
    if owner.kind == "REST":
        result = gw.invoke(account, gw_request, rng=_RNG, runtime=RUNTIME)
    elif owner.kind == "HTTP":
        result = v2.invoke_http_api(account, gw_request, rng=_RNG, runtime=RUNTIME)
    else:
        return _json(400, "This is a WebSocket API: connect to it from the sandbox's WebSocket console")
    if before is not None:
        sandbox.store_data(account, before)
    return to_http(result)


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
