"""Cognito user pools: pools, app clients, users, and signing in for tokens."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

import gateway as gw
from gateway.auth import cognito
from gateway.model.errors import require
from sandbox.forms.common import EngineForm, now, split_list

# ---------------------------------------------------------------------------------------
# Cognito


class UserPoolForm(EngineForm):
    name = forms.CharField(max_length=128, label="Pool name")

    def apply(self, account):
        pool = cognito.create_user_pool(account, self.cleaned_data["name"], now=now())
        return f"Created the user pool {pool.name} ({pool.id}). Add an app client and a user."


def _pool(account: gw.Account, pool_id: str) -> gw.model.resources.UserPool:
    return require(account.userPools, pool_id, f"User pool {pool_id} does not exist.")


class AppClientForm(EngineForm):
    name = forms.CharField(max_length=128, label="App client name")
    scopes = forms.CharField(
        required=False,
        max_length=500,
        label="Allowed scopes",
        help_text="Separated by spaces, e.g. pets/read pets/write",
    )

    def clean_scopes(self):
        scopes = split_list(self.cleaned_data["scopes"])
        bad = [s for s in scopes if not re.match(r"^[\x21\x23-\x5b\x5d-\x7e]{1,256}$", s)]
        if bad:
            raise forms.ValidationError(f"Not a scope: {', '.join(bad)}")
        return scopes

    def apply(self, account, pool_id):
        client = cognito.create_client(
            _pool(account, pool_id), self.cleaned_data["name"], allowed_scopes=self.cleaned_data["scopes"]
        )
        return f"Created the app client {client.name} ({client.clientId})."


class CognitoUserForm(EngineForm):
    username = forms.CharField(max_length=128)
    password = forms.CharField(
        min_length=8, max_length=256, widget=forms.PasswordInput(render_value=False), help_text="At least 8 characters."
    )
    email = forms.EmailField(required=False)
    groups = forms.CharField(required=False, max_length=300, help_text="Separated by spaces or commas.")

    def apply(self, account, pool_id):
        data = self.cleaned_data
        attributes = {"email": data["email"], "email_verified": "true"} if data["email"] else {}
        user = cognito.create_user(
            _pool(account, pool_id),
            data["username"].strip(),
            data["password"],
            attributes=attributes,
            groups=split_list(data["groups"]),
        )
        return f"Created the user {user.username} (confirmed)."


class TokenForm(EngineForm):
    client = forms.ChoiceField(label="App client")
    username = forms.CharField(max_length=128)
    password = forms.CharField(max_length=256, widget=forms.PasswordInput(render_value=False))
    scopes = forms.CharField(
        required=False, max_length=500, help_text="Scopes to request (the client must allow them)."
    )
    ttl = forms.IntegerField(
        min_value=cognito.TOKEN_TTL_MIN, max_value=cognito.TOKEN_TTL_MAX, initial=3600, label="Valid for (s)"
    )

    def __init__(self, *args, pool: gw.model.resources.UserPool, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = pool
        self.fields["client"].choices = [(c.clientId, f"{c.name} ({c.clientId})") for c in pool.clients]

    def issue(self) -> dict[str, Any]:
        data = self.cleaned_data
        tokens = cognito.issue_tokens(
            self.pool,
            data["client"],
            data["username"],
            data["password"],
            now=now(),
            scopes=split_list(data["scopes"]),
            ttl=data["ttl"],
        )
        claims = {
            name: cognito.verify_token(tokens[field], pools=[self.pool], now=now())
            for name, field in (("id", "IdToken"), ("access", "AccessToken"))
        }
        return {"tokens": tokens, "claims": {k: json.dumps(v, indent=2) for k, v in claims.items()}}
