"""A confirm step for destructive actions that works without JavaScript.

The action's form posts as usual; without `confirm=yes` the view answers with a page that says
what will be lost and posts the same fields again with `confirm=yes`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "yes"


def confirm_page(request: HttpRequest, *, title: str, lost: list[str], button: str, cancel: str) -> HttpResponse:
    fields = [
        (k, v) for k, values in request.POST.lists() if k not in ("csrfmiddlewaretoken", "confirm") for v in values
    ]
    context = {"title": title, "lost": lost, "button": button, "cancel": cancel, "fields": fields}
    return render(request, "sandbox/confirm.html", context)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
