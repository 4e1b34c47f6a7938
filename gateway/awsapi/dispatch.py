"""One AWS API request, start to end: which service and operation it is, who signed it, whether
their IAM policies allow it, the handler, and AWS's answer (or AWS's error).

The web app calls, in order:
  `identify(request)`                 -> Target (service, operation, access key), or AwsError
  `authenticate(request, target, account, now)` -> the IAM user whose key signed it
  `execute(request, target, ctx)`     -> (status, headers, body)
and `error_answer(service, error, request_id)` for any AwsError on the way. Loading and saving
the learner's account (and holding its lock while a write runs) is the caller's part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qsl, unquote

from gateway.auth import iam, sigv4

# Importing a handler module registers its operations.
from gateway.awsapi import access, lambda_functions, protocol, rest_apis, rest_keys, rest_stages, sts, v2_apis  # noqa: F401
from gateway.awsapi.errors import AwsError, from_engine
from gateway.awsapi.registry import OPERATIONS, Context
from gateway.model.errors import GatewayError
from gateway.model.resources import Account, IamUser

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/")
# Not documented by AWS for the control plane; the text API Gateway answers with (seen in
# real responses), and the execute-api wording AWS documents for a missing signature.
UNRECOGNIZED = "The security token included in the request is invalid."
MISSING = "Missing Authentication Token"


@dataclass
class AwsRequest:
    method: str
    path: str  # decoded, after the endpoint's prefix: "/restapis/abc/resources"
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    signed_path: str | None = None  # the path as sent (with the endpoint's prefix), when the server has it
    prefix: str = ""  # the endpoint's path ("/aws")
    lower: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.lower = {k.lower(): v for k, v in self.headers}


@dataclass(frozen=True)
class Target:
    service: str  # apigateway | apigatewayv2 | lambda | sts
    signing_service: str  # the credential scope's: apigateway (v1 and v2), lambda, sts
    operation: str
    uri: dict[str, str]
    access_key_id: str
    writes: bool


def _credential(request: AwsRequest) -> tuple[str, str]:
    """(access key id, service) of the Authorization header or a presigned query."""
    found = CREDENTIAL.search(request.lower.get("authorization", ""))
    if found:
        return found.group(1), found.group(4)
    credential = dict(request.query).get("X-Amz-Credential", "")
    parts = credential.split("/")
    if len(parts) == 5:
        return parts[0], parts[3]
    if "authorization" in request.lower:
        raise AwsError("IncompleteSignatureException", "Authorization header requires 'Credential' parameter.", 403)
    raise AwsError("MissingAuthenticationTokenException", MISSING, 403)


def identify(request: AwsRequest) -> Target:
    access_key_id, signing = _credential(request)
    if signing == "sts":
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"))) if request.method == "POST" else {}
        action = form.get("Action") or dict(request.query).get("Action", "")
        if ("sts", action) not in OPERATIONS:
            raise AwsError("InvalidAction", f"Could not find operation {action} for version 2011-06-15", 400)
        return Target("sts", "sts", action, {}, access_key_id, False)
    if signing == "apigateway":
        service = "apigatewayv2" if request.path.startswith("/v2/") else "apigateway"
    elif signing == "lambda":
        service = "lambda"
    else:
        raise AwsError("UnrecognizedClientException", f"This endpoint does not serve the {signing} service", 400)
    found = protocol.operation_for(service, request.method, request.path, request.query)
    if found is None:
        raise AwsError(
            "NotFoundException" if service != "lambda" else "ResourceNotFoundException",
            f"No operation at {request.method} {request.path}",
            404,
        )
    name, uri = found
    registered = OPERATIONS.get((service, name))
    if registered is None:
        raise AwsError(
            "BadRequestException" if service != "lambda" else "InvalidParameterValueException",
            f"{name} is not supported by the sandbox (docs/aws-clients.md lists what is)",
            400,
        )
    writes = registered.writes if registered.writes is not None else request.method != "GET"
    return Target(service, signing, name, {k: unquote(v) for k, v in uri.items()}, access_key_id, writes)


def authenticate(request: AwsRequest, target: Target, account: Account, now: float) -> IamUser:
    """The IAM user whose active key signed the request, verified as AWS verifies SigV4."""
    candidates = [request.signed_path] if request.signed_path else []
    if target.service != "sts":  # what the SDK sent, rebuilt from the decoded path
        candidates.append(request.prefix + protocol.sdk_path(target.service, target.operation, target.uri))
    candidates.append(request.prefix + request.path)
    try:
        sigv4.verify_request_paths(
            request.method,
            candidates,
            request.query,
            request.headers,
            request.body,
            lookup_secret=iam.secret_lookup(account),
            region=account.region,
            service=target.signing_service,
            now=now,
        )
    except sigv4.SignatureError as exc:
        if exc.error_type == "UnrecognizedClientException":
            raise AwsError("UnrecognizedClientException", UNRECOGNIZED, 403) from exc
        raise AwsError(exc.error_type, exc.message, 403) from exc
    found = iam.find_access_key(account, target.access_key_id)
    assert found is not None  # verify_request found its secret
    return found[0]


def execute(request: AwsRequest, target: Target, ctx: Context) -> tuple[int, list[tuple[str, str]], bytes]:
    params = (
        sts.parse(request.body)
        if target.service == "sts"
        else protocol.parse_input(
            target.service, target.operation, target.uri, request.query, request.lower, request.body
        )
    )
    access.check(target.service, target.operation, request, params, ctx)
    handler = OPERATIONS[(target.service, target.operation)].handler
    try:
        output = handler(ctx, params)
    except GatewayError as exc:
        raise from_engine(target.service, exc) from exc
    if target.service == "sts":
        status, headers, body = sts.serialize(target.operation, output, ctx.request_id)
    else:
        status, headers, body = protocol.serialize_output(target.service, target.operation, output)
    return status, [*headers, ("x-amzn-RequestId", ctx.request_id)], body


def error_answer(service: str, error: AwsError, request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """AWS's error shape: REST-JSON with x-amzn-ErrorType, or the query protocol's XML."""
    if service == "sts":
        kind = "Sender" if error.status < 500 else "Receiver"
        body = (
            '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            f"<Error><Type>{kind}</Type><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return error.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
    payload = {"message": error.message} if service == "apigateway" else {"Message": error.message}
    if service == "lambda":
        payload["Type"] = "User"  # the Type member's values are not documented; AWS answers "User" for client errors
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", error.code),
        ("x-amzn-RequestId", request_id),
    ]
    return error.status, headers, json.dumps(payload).encode()
