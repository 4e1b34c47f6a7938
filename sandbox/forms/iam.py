"""IAM users: users, access keys and their status, policies."""

from __future__ import annotations

import json
import secrets
import string

from django import forms

import gateway as gw
from gateway.auth import iam
from gateway.model.resources import IamUser
from sandbox.forms.common import POLICY_EXAMPLE, EngineForm

# ---------------------------------------------------------------------------------------
# IAM users


class IamUserForm(EngineForm):
    name = forms.RegexField(
        regex=r"^[\w+=,.@-]{1,64}$",
        max_length=64,
        label="User name",
        error_messages={"invalid": "Letters, digits and +=,.@_- (at most 64)."},
    )

    def apply(self, account):
        name = self.cleaned_data["name"]
        if name in account.iamUsers:
            raise gw.ConflictError(f"User with name {name} already exists.")
        account.iamUsers[name] = IamUser(name=name)
        return f"Created the IAM user {name}. Give it an access key and a policy."


def new_access_key() -> gw.model.resources.AccessKey:
    upper = string.ascii_uppercase + string.digits
    key_id = "AKIA" + "".join(secrets.choice(upper) for _ in range(16))
    secret = "".join(secrets.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    return gw.model.resources.AccessKey(accessKeyId=key_id, secretAccessKey=secret)


class AccessKeyForm(EngineForm):
    def apply(self, account, name):
        user = account.iamUsers.get(name)
        if user is None:
            raise gw.NotFoundError(f"The user with name {name} cannot be found.")
        if len(user.accessKeys) >= 2:
            raise gw.ConflictError(
                "Cannot exceed quota for AccessKeysPerUser: 2 (delete or deactivate an old key first)."
            )
        key = new_access_key()
        user.accessKeys.append(key)
        self.created_key = key
        return f"Created the access key {key.accessKeyId}. Copy the secret now: it is shown only once."


class AccessKeyStatusForm(EngineForm):
    status = forms.ChoiceField(choices=[("Active", "Active"), ("Inactive", "Inactive"), ("Delete", "Delete")])

    def apply(self, account, name, key_id):
        user = account.iamUsers.get(name)
        key = next((k for k in user.accessKeys if k.accessKeyId == key_id), None) if user else None
        if key is None:
            raise gw.NotFoundError(f"The Access Key with id {key_id} cannot be found.")
        status = self.cleaned_data["status"]
        if status == "Delete":
            user.accessKeys.remove(key)
            return f"Deleted the access key {key_id}."
        key.status = status
        return f"The access key {key_id} is {status}."


class PolicyForm(EngineForm):
    document = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        max_length=6144,
        label="Identity policy (JSON)",
        initial=POLICY_EXAMPLE,
    )

    def clean_document(self):
        text = self.cleaned_data["document"]
        problems = iam.policy_problems(text, kind="identity")
        if problems:
            raise forms.ValidationError([str(p) for p in problems])
        return json.dumps(json.loads(text), indent=2)

    def apply(self, account, name, index=None):
        user = account.iamUsers.get(name)
        if user is None:
            raise gw.NotFoundError(f"The user with name {name} cannot be found.")
        if index is None:
            if len(user.policies) >= 10:
                raise gw.ConflictError("A user has at most 10 inline policies in the sandbox.")
            user.policies.append(self.cleaned_data["document"])
            return f"Added a policy to {name}."
        if index >= len(user.policies):
            raise gw.NotFoundError("No such policy")
        user.policies[index] = self.cleaned_data["document"]
        return f"Saved policy {index + 1} of {name}."


class RemovePolicyForm(EngineForm):
    def apply(self, account, name, index):
        user = account.iamUsers.get(name)
        if user is None or index >= len(user.policies):
            raise gw.NotFoundError("No such policy")
        user.policies.pop(index)
        return f"Removed policy {index + 1} of {name}."
