from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import Group
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from studyapp.forms import SignUpForm
from studyapp.roles import STUDENT


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=lambda _group, _request: settings.SIGNUP_RATE, method="POST", block=False)
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("notes:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and getattr(request, "limited", False):
        form.is_valid()  # keep what was typed, with the limit as the message
        form.add_error(None, "Too many sign-ups from your address: try again in an hour, or ask an instructor.")
        return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request)}, status=429)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        user.groups.add(Group.objects.get_or_create(name=STUDENT)[0])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_safe_next(request))
    return render(request, "registration/signup.html", {"form": form, "next": _safe_next(request)})
