"""Small project-wide middleware."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def invoke_origins(request: HttpRequest) -> str:
    """The CSP source for every learner API's origin, on this page's scheme and port."""
    host = request.get_host()
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    return f"{request.scheme}://*.{settings.GATEWAY_INVOKE_DOMAIN.strip('.')}{':' + port if port else ''}"


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
