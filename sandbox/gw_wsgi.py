"""The /gw/ fast path: a lean WSGI app in front of Django for the public endpoint.

The endpoint is public, sessionless and hot (every call a learner or a load test makes), so
it skips Django's middleware and URL resolution and calls the same `gw.handle` the Django
view uses. Everything else goes to Django.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

from django.db import close_old_connections

from sandbox.gw import Call, handle

PATH = re.compile(r"^/gw/(?P<api_id>[a-z0-9]+)/(?P<stage>[A-Za-z0-9_$-]+)/?(?P<path>.*)$")
MAX_READ = 10 * 1024 * 1024


def _headers(environ: dict) -> list[tuple[str, str]]:
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append(("-".join(part.capitalize() for part in key[5:].split("_")), value))
    if environ.get("CONTENT_TYPE"):
        headers.append(("Content-Type", environ["CONTENT_TYPE"]))
    if environ.get("CONTENT_LENGTH"):
        headers.append(("Content-Length", environ["CONTENT_LENGTH"]))
    return headers


def wrap(django_app):
    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        match = PATH.match(path) if path.startswith("/gw/") else None
        if match is None:
            return django_app(environ, start_response)
        close_old_connections()
        try:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            body = environ["wsgi.input"].read(length) if 0 < length <= MAX_READ else b""
            call = Call(
                method=environ.get("REQUEST_METHOD", "GET"),
                api_id=match["api_id"],
                stage=match["stage"],
                path=unquote(match["path"]),
                query=parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True),
                headers=_headers(environ),
                body=body,
                remote_addr=environ.get("REMOTE_ADDR", "127.0.0.1"),
                content_length=length,
            )
            status, headers, payload = handle(call)
        finally:
            close_old_connections()
        data = payload if isinstance(payload, bytes) else payload.encode("utf-8")
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
        start_response(f"{status} {phrase}", [*headers, ("Content-Length", str(len(data)))])
        return [data]

    return application
