"""IAM users: the list, a user's page (access keys, policies) and its changes."""

from __future__ import annotations

from functools import partial

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import gateway as gw
from sandbox.forms.iam import AccessKeyForm, AccessKeyStatusForm, IamUserForm, PolicyForm, RemovePolicyForm
from sandbox.views.common import _account, _change, _render, apply_form, own_or_404, refused

# ---------------------------------------------------------------------------------------
# IAM users


def _iam_page(request: HttpRequest, *, bound=None, notice=None, invalid=False) -> HttpResponse:
    account = _account(request)
    users = sorted(account.iamUsers.values(), key=lambda u: u.name.lower())
    context = {"users": users, "form": IamUserForm(), "notice": notice} | (bound or {})
    return _render(request, "sandbox/ops_iam.html", context, invalid=invalid)


@login_required
@require_http_methods(["GET", "POST"])
def iam_users(request: HttpRequest) -> HttpResponse:
    """The IAM users, and (POST) a new one: a user may be called "new", so there is no /new/ url."""
    if request.method == "GET":
        return _iam_page(request)
    form = IamUserForm(request.POST)

    def url() -> str:  # once the form is valid
        return reverse("sandbox:iam_user", args=[form.cleaned_data["name"]])

    return apply_form(request, form, (), partial(_iam_page, request), url, slot="form")


def _iam_user_page(
    request: HttpRequest, name: str, *, bound=None, problems=None, notice=None, new_key=None, invalid=False
) -> HttpResponse:
    account = _account(request)
    user = own_or_404(account.iamUsers, name, "IAM user")
    bound = bound or {}
    policies = [
        {
            "index": i,
            "form": bound.get(("policy", i)) or PolicyForm(initial={"document": doc}, auto_id=f"id_policy{i}_%s"),
        }
        for i, doc in enumerate(user.policies)
    ]
    context = {
        "user_obj": user,
        "policies": policies,
        "policy_form": bound.get("policy") or PolicyForm(auto_id="id_new_%s"),
        "new_key": new_key,
        "problems": problems or [],
        "notice": notice,
    }
    return _render(request, "sandbox/ops_iam_user.html", context, invalid=invalid)


@login_required
@require_GET
def iam_user(request: HttpRequest, name: str) -> HttpResponse:
    return _iam_user_page(request, name)


@login_required
@require_POST
def iam_user_action(request: HttpRequest, name: str, action: str, item: str | None = None) -> HttpResponse:
    user = own_or_404(_account(request).iamUsers, name, "IAM user")
    url = reverse("sandbox:iam_user", args=[name])
    if action == "access-key" and item is None:
        form = AccessKeyForm(request.POST)
        notice = _change(request, form, name)
        if notice is None:
            return refused(partial(_iam_user_page, request, name), form)
        # The secret is shown once, on this answer: no redirect, nothing to reload.
        return _iam_user_page(request, name, notice=notice, new_key=form.created_key)
    if action == "access-key-status" and item is not None:
        if not any(k.accessKeyId == item for k in user.accessKeys):
            raise Http404("No such access key")
        form, args, slot = AccessKeyStatusForm(request.POST), (name, item), None
    elif action == "policy":
        index = None
        if item is not None:
            index = _policy_index(user, item)
        form = PolicyForm(request.POST, auto_id="id_new_%s" if index is None else f"id_policy{index}_%s")
        args, slot = (name, index), ("policy", index) if index is not None else "policy"
    elif action == "remove-policy" and item is not None:
        form, args, slot = RemovePolicyForm(request.POST), (name, _policy_index(user, item)), None
    else:
        raise Http404("No such action")
    return apply_form(request, form, args, partial(_iam_user_page, request, name), url, slot=slot)


def _policy_index(user: gw.model.resources.IamUser, item: str) -> int:
    if not item.isdigit() or int(item) >= len(user.policies):
        raise Http404("No such policy")
    return int(item)
