"""The lab dock: the lab a learner is following stays beside every console page.

A console link from a lab carries `?lab=<slug>`; opening it (or starting the lab) docks that lab
for the rest of the session, until the learner closes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

SESSION_KEY = "lab_dock"


def dock(request: HttpRequest, slug: str) -> None:
    if request.session.get(SESSION_KEY) != slug:
        request.session[SESSION_KEY] = slug


def undock(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)


def docked(request: HttpRequest) -> str:
    return request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""


def lab_dock_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    """`?lab=<slug>` on a sandbox console page docks that lab (labs are checked when shown)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        slug = request.GET.get("lab", "")
        if slug and request.path.startswith("/sandbox/") and request.user.is_authenticated:
            dock(request, slug[:100])
        return get_response(request)

    return middleware
