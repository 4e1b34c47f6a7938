"""Small project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def invoke_origins(request: HttpRequest) -> str:
    """The CSP sources for every learner API's origin, on this page's scheme and port: HTTP(S)
    for fetches, and ws(s) on the same hosts for the WebSocket console (a CSP http: source does
    not cover ws: in every browser, so the WebSocket scheme is named)."""
    host = request.get_host()
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    hosts = f"*.{settings.GATEWAY_INVOKE_DOMAIN.strip('.')}{':' + port if port else ''}"
    socket_scheme = "wss" if request.scheme == "https" else "ws"
    return f"{request.scheme}://{hosts} {socket_scheme}://{hosts}"


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    """Send the project's Content-Security-Policy on every HTML response.

    Notes are sanitised before they are stored; the policy is the second line of
    defence, and it also proves the pages need nothing from another origin.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(
                "Content-Security-Policy",
                settings.CONTENT_SECURITY_POLICY.format(invoke_origins=invoke_origins(request)),
            )
        return response

    return middleware
