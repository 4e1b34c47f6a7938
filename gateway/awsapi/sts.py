"""sts GetCallerIdentity, in the query protocol (a form-encoded POST, an XML answer).

AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
An IAM user's unique id starts with AIDA:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-prefixes
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from gateway.awsapi.registry import Context, operation

NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"


def parse(body: bytes) -> dict[str, Any]:
    return dict(parse_qsl(body.decode("utf-8", "replace")))


def user_id(ctx: Context) -> str:
    """A stable unique id for the IAM user, in AWS's form (AIDA + 17 characters)."""
    digest = hashlib.sha256(f"{ctx.account.idSeed}:{ctx.caller.name}".encode()).digest()
    return "AIDA" + base64.b32encode(digest).decode()[:17]


@operation("sts", "GetCallerIdentity", writes=False)
def get_caller_identity(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Who signed the request: the IAM user's id, the account and the user's ARN."""
    return {"UserId": user_id(ctx), "Account": ctx.account.accountId, "Arn": ctx.caller.arn}


def serialize(operation_name: str, output: dict[str, Any], request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in output.items())
    body = (
        f'<{operation_name}Response xmlns="{NAMESPACE}">'
        f"<{operation_name}Result>{fields}</{operation_name}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation_name}Response>"
    )
    return 200, [("Content-Type", "text/xml")], body.encode()
