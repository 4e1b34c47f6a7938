"""Cognito user pools: the list, a pool's page (users, app clients, tokens) and its changes."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from gateway.auth import cognito
from sandbox.forms.cognito import AppClientForm, CognitoUserForm, TokenForm, UserPoolForm
from sandbox.views.common import _account, _render, apply_form, own_or_404

# ---------------------------------------------------------------------------------------
# Cognito


def _cognito_page(request: HttpRequest, *, bound=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    pools = sorted(account.userPools.values(), key=lambda p: p.name.lower())
    context = {"pools": pools, "form": UserPoolForm(), "notice": notice} | (bound or {})
    return _render(request, "sandbox/ops_cognito.html", context, invalid=invalid)


@login_required
@require_GET
def cognito_pools(request: HttpRequest) -> HttpResponse:
    return _cognito_page(request)


@login_required
@require_POST
def create_pool(request: HttpRequest) -> HttpResponse:
    form = UserPoolForm(request.POST)
    return apply_form(request, form, (), partial(_cognito_page, request), reverse("sandbox:cognito"), slot="form")


def _pool_page(
    request: HttpRequest, pool_id: str, *, bound=None, notice=None, tokens=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    pool = own_or_404(account.userPools, pool_id, "user pool")
    users = sorted(pool.users.values(), key=lambda u: u.username.lower())
    context = {
        "pool": pool,
        "users": users,
        "client_form": AppClientForm(),
        "user_form": CognitoUserForm(),
        "token_form": TokenForm(pool=pool, initial={"username": users[0].username if users else ""}),
        "tokens": tokens,
        "notice": notice,
    }
    context.update(bound or {})
    return _render(request, "sandbox/ops_pool.html", context, invalid=invalid)


@login_required
@require_GET
def pool_detail(request: HttpRequest, pool_id: str) -> HttpResponse:
    return _pool_page(request, pool_id)


@login_required
@require_POST
def pool_action(request: HttpRequest, pool_id: str, action: str) -> HttpResponse:
    pool = own_or_404(_account(request).userPools, pool_id, "user pool")
    if action == "token":
        # InitiateAuth changes nothing in the sandbox: no transaction, the tokens are shown once.
        form = TokenForm(request.POST, pool=pool)
        if form.is_valid():
            try:
                return _pool_page(request, pool_id, tokens=form.issue(), notice="Signed in: here are the tokens.")
            except (cognito.CognitoError, cognito.TokenError) as exc:
                form.add_error(None, exc.message if isinstance(exc, cognito.CognitoError) else exc.reason)
        return _pool_page(request, pool_id, bound={"token_form": form}, invalid=True)
    forms = {"client": (AppClientForm, "client_form"), "user": (CognitoUserForm, "user_form")}
    if action not in forms:
        raise Http404("No such action")
    form_class, slot = forms[action]
    form = form_class(request.POST)
    page = partial(_pool_page, request, pool_id)
    return apply_form(request, form, (pool_id,), page, reverse("sandbox:pool", args=[pool_id]), slot=slot)
