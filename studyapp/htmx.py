"""htmx responses: one template serves both the whole page and the fragment htmx swaps in."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(request: HttpRequest, template: str, context: dict, *, partial: str, status: int = 200) -> HttpResponse:
    """The whole page, or only its `partial` (django-template-partials) when htmx asked."""
    if request.htmx:
        template = f"{template}#{partial}"
    return render(request, template, context, status=status)
