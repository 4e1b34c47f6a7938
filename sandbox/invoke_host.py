"""Learners' APIs on an origin of their own, like execute-api.

AWS serves every API at `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>/<path>`: a
host per API, so what one API answers can never script the console's origin. The sandbox does
the same at `http://<api-id>.<GATEWAY_INVOKE_DOMAIN>:<port>/<stage>/<path>`; the default domain,
`execute-api.localhost`, resolves to the loopback address in browsers and curl with no DNS set-up.

Requests for an invoke host never reach an app page: the WSGI fast path (`gw_wsgi`) and, for
servers that bypass it, `middleware` below answer them from the gateway alone. The old
`/gw/<api-id>/<stage>/` paths on the app's host keep working for scripts, with
`Content-Security-Policy: sandbox` so nothing they serve can run as the app.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_ID = re.compile(r"^[a-z0-9]{1,32}$")
STAGE_PATH = re.compile(r"^/(?P<stage>[A-Za-z0-9_$-]+)/?(?P<path>.*)$", re.S)
GW_PATH = re.compile(r"^/gw/(?P<api_id>[a-z0-9]+)/(?P<stage>[A-Za-z0-9_$-]+)/?(?P<path>.*)$", re.S)
MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit (REST and HTTP APIs)
# What /gw/ on the app's own host adds, so a learner's HTML cannot run as the app.
APP_HOST_GUARD = [("Content-Security-Policy", "sandbox"), ("X-Content-Type-Options", "nosniff")]


def domain() -> str:
    return settings.GATEWAY_INVOKE_DOMAIN.lower().strip(".")


def split_host(host: str) -> tuple[str, str]:
    """("name", ":port" or "") of a Host header value."""
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:8000
        end = host.find("]")
        return host[: end + 1], host[end + 1 :]
    name, colon, port = host.rpartition(":")
    return (name, f":{port}") if colon and port.isdigit() else (host, "")


def api_id_of(host: str) -> str | None:
    """The API id an invoke host names ("" for the bare invoke domain), None for any other host."""
    name, _port = split_host(host)
    suffix = domain()
    if name == suffix:
        return ""
    if not name.endswith("." + suffix):
        return None
    label = name[: -len(suffix) - 1]
    return label if API_ID.match(label) else ""


def invoke_url(request: HttpRequest, api_id: str, stage: str) -> str:
    """The stage's invoke URL, on the scheme and port the page itself was served on."""
    _name, port = split_host(request.get_host())
    return f"{request.scheme}://{api_id}.{domain()}{port}/{stage}/"


def origin_pattern(request: HttpRequest) -> str:
    """A CSP source matching every invoke origin (the app's pages may call them: CORS labs)."""
    _name, port = split_host(request.get_host())
    return f"{request.scheme}://*.{domain()}{port}"


# ---------------------------------------------------------------------------------------
# One request, whatever server delivered it


class RefusedError(Exception):
    """The request cannot be handed to the gateway: (status, message) for the caller."""

    def __init__(self, status: int, message: str):
        self.status, self.message = status, message
        super().__init__(message)


def decoded_path(environ: dict) -> str:
    """PATH_INFO as the client sent it, in UTF-8.

    WSGI servers give the percent-decoded path as Latin-1 characters (PEP 3333); reading those
    bytes as UTF-8 is the only right decoding. AWS documents no message for a path that is not
    UTF-8; the sandbox answers 400 with a JSON message, as API Gateway does for bad requests.
    """
    raw = environ.get("PATH_INFO", "")
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise RefusedError(400, "Invalid request: the path is not valid UTF-8") from None


def read_body(environ: dict) -> tuple[bytes, int]:
    """(body, declared or read length). A body past 10 MB is not read: the gateway answers 413.

    A chunked body has no Content-Length: it is read to its end when the server says the input
    is terminated there (gunicorn, uvicorn; PEP 3333's `wsgi.input_terminated`), never silently
    dropped; a server that cannot deliver it gets 411.
    """
    stream = environ["wsgi.input"]
    declared = environ.get("CONTENT_LENGTH") or ""
    if declared:
        try:
            length = int(declared)
        except ValueError:
            raise RefusedError(400, "Invalid request: Content-Length is not a number") from None
        return (stream.read(length) if 0 < length <= MAX_BODY else b""), length
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        if not environ.get("wsgi.input_terminated"):
            raise RefusedError(411, "Length Required: this server cannot read a chunked body; send Content-Length")
        body = stream.read(MAX_BODY + 1)
        return (b"", len(body)) if len(body) > MAX_BODY else (body, len(body))
    return b"", 0


def headers_of(environ: dict, has_body: bool) -> list[tuple[str, str]]:
    """The request's headers from a WSGI environ.

    wsgiref (Django's runserver) invents `CONTENT_TYPE: text/plain` when the client sent none;
    for a request without a body that is not a header the client sent, so it is left out.
    """
    headers = [
        ("-".join(part.capitalize() for part in key[5:].split("_")), value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    ]
    content_type = environ.get("CONTENT_TYPE") or ""
    invented = (
        content_type == "text/plain" and not has_body and environ.get("SERVER_SOFTWARE", "").startswith("WSGIServer/")
    )
    if content_type and not invented:
        headers.append(("Content-Type", content_type))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("Content-Length", environ["CONTENT_LENGTH"]))
    return headers


def target(environ: dict) -> tuple[str, str, str, bool] | None:
    """(api_id, stage, path, on_invoke_host) when this request is for the gateway, else None.

    Raises RefusedError for a gateway request that cannot be served (bad path, no API on the host).
    """
    api_id = api_id_of(environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""))
    path_info = environ.get("PATH_INFO", "")
    if api_id is None:
        if not path_info.startswith("/gw/"):
            return None
        match = GW_PATH.match(decoded_path(environ))
        return (match["api_id"], match["stage"], match["path"], False) if match else None
    if not api_id:
        # Not an API's host: AWS has no such name at all (DNS fails); here, a JSON 404.
        raise RefusedError(404, f"No API here: invoke URLs look like http://<api-id>.{domain()}/<stage>/")
    match = STAGE_PATH.match(decoded_path(environ))
    if match is None:  # the host alone, no stage: AWS answers this with 403 Forbidden
        raise RefusedError(403, "Forbidden")
    return api_id, match["stage"], match["path"], True


def serve(environ: dict) -> tuple[int, list[tuple[str, str]], bytes] | None:
    """The gateway's answer to a WSGI request for it, or None when the request is for the app."""
    try:
        found = target(environ)
        if found is None:
            return None  # an app page: no gateway work at all
        from sandbox.gw import Call, handle  # the gateway's Django side (models): not imported by settings

        api_id, stage, path, on_invoke_host = found
        body, length = read_body(environ)
        try:
            path = unquote(path, errors="strict")
        except UnicodeDecodeError:
            raise RefusedError(400, "Invalid request: the path is not valid UTF-8") from None
        call = Call(
            method=environ.get("REQUEST_METHOD", "GET"),
            api_id=api_id,
            stage=stage,
            path=path,
            query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            headers=headers_of(environ, has_body=length > 0),
            body=body,
            remote_addr=environ.get("REMOTE_ADDR", "127.0.0.1"),
            content_length=length,
        )
        status, headers, payload = handle(call)
    except RefusedError as refused:
        status, payload = refused.status, json.dumps({"message": refused.message}, separators=(",", ":"))
        headers = [("Content-Type", "application/json")]
        on_invoke_host = api_id_of(environ.get("HTTP_HOST", "")) is not None
    data = payload if isinstance(payload, bytes) else payload.encode("utf-8")
    if not on_invoke_host:
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-security-policy", "x-content-type-options")]
        headers += APP_HOST_GUARD
    return status, headers, data


def status_line(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else 'Unknown'}"


def middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """First in MIDDLEWARE: an invoke host (or /gw/) is answered by the gateway, before sessions,
    CSRF, host validation or any page: for servers that do not take the WSGI fast path."""

    def handler(request: HttpRequest) -> HttpResponse:
        answer = serve(request.META)
        if answer is None:
            return get_response(request)
        status, headers, data = answer
        response = HttpResponse(data, status=status)
        del response["Content-Type"]
        for name, value in headers:
            response[name] = value  # a repeated header keeps the last value (Django's headers are a mapping)
        return response

    return handler
