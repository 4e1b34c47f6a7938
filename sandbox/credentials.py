"""The learner's terminal credentials: an access key of their sandbox's administrator IAM user,
and the lines that point the AWS CLI and SDKs at the sandbox's AWS endpoint (/aws/).

Used by the console's Terminal page and by `manage.py sandbox_credentials`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from gateway.model.resources import AccessKey, IamUser
from sandbox.forms.iam import new_access_key
from sandbox.models import SandboxAccount

ADMIN_USER = "administrator"
# AWS's AdministratorAccess managed policy says the same: every action on every resource.
ADMIN_POLICY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, indent=2
)
REGION = "us-east-1"


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    endpoint: str  # http://127.0.0.1:8000/aws/

    def exports(self) -> list[str]:
        """Three lines a shell can `export` (AWS_ENDPOINT_URL: every service of the CLI and SDKs)."""
        return [
            f"AWS_ACCESS_KEY_ID={self.access_key_id}",
            f"AWS_SECRET_ACCESS_KEY={self.secret_access_key}",
            f"AWS_ENDPOINT_URL={self.endpoint}",
        ]

    def configure(self) -> list[str]:
        """The same as a named profile (`aws configure` writes these files)."""
        return [
            f"aws configure set aws_access_key_id {self.access_key_id} --profile sandbox",
            f"aws configure set aws_secret_access_key {self.secret_access_key} --profile sandbox",
            f"aws configure set region {REGION} --profile sandbox",
            f"aws configure set endpoint_url {self.endpoint} --profile sandbox",
        ]


def endpoint_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/aws/"


def current(user, base_url: str) -> Credentials | None:
    """The administrator's active key, if the learner has made one (nothing is created)."""
    account = SandboxAccount.for_user(user).account()
    admin = account.iamUsers.get(ADMIN_USER)
    key = next((k for k in admin.accessKeys if k.status == "Active"), None) if admin else None
    return Credentials(key.accessKeyId, key.secretAccessKey, endpoint_url(base_url)) if key else None


def ensure(user, base_url: str, *, rotate: bool = False) -> Credentials:
    """The administrator user (created with full access if missing) and an active key of it.

    `rotate` makes a new key and deletes the older ones (IAM allows two keys per user).
    """
    existing = None if rotate else current(user, base_url)
    if existing is not None:
        return existing
    with SandboxAccount.editing(user) as account:
        admin = account.iamUsers.get(ADMIN_USER)
        if admin is None:
            admin = account.iamUsers[ADMIN_USER] = IamUser(name=ADMIN_USER, policies=[ADMIN_POLICY])
        key: AccessKey = new_access_key()
        admin.accessKeys = [*([] if rotate else admin.accessKeys[-1:]), key]
    return Credentials(key.accessKeyId, key.secretAccessKey, endpoint_url(base_url))
