"""Whether the caller's IAM policies allow a control-plane request.

API Gateway (REST, HTTP and WebSocket APIs alike): the action is `apigateway:` and the HTTP
verb, the resource `arn:aws:apigateway:{region}::{path}`, where HTTP and WebSocket APIs are
`/apis/...` (the request path without its `/v2`).
AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-control-access-using-iam-policies-to-create-and-manage-api.html
and https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
Tags: AWS documents no resource ARN of its own for `/tags/{arn}`; the sandbox checks the verb on
the tagged resource's ARN.

Lambda: the action is `lambda:` and the operation's name (Invoke's is `lambda:InvokeFunction`),
on the function's ARN (with `:qualifier` for a version or alias); ListFunctions on `*`.
AWS: https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html

STS GetCallerIdentity needs no permission and cannot be denied.
AWS: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.auth import iam
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context

if TYPE_CHECKING:
    from gateway.awsapi.dispatch import AwsRequest

LAMBDA_ACTIONS = {"Invoke": "InvokeFunction"}
LAMBDA_ANY_RESOURCE = {"ListFunctions", "GetAccountSettings"}


def function_arn(ctx: Context, name: str, qualifier: str | None = None) -> str:
    """A function's ARN from a name, a partial ARN (123456789012:function:name) or a full ARN."""
    if name.startswith("arn:"):
        arn = name
    elif ":function:" in name:
        arn = f"arn:aws:lambda:{ctx.account.region}:{name}"
    else:
        arn = f"arn:aws:lambda:{ctx.account.region}:{ctx.account.accountId}:function:{name}"
    if qualifier and arn.count(":") == 6:
        arn += f":{qualifier}"
    return arn


def required(
    service: str, operation: str, request: AwsRequest, params: dict[str, Any], ctx: Context
) -> tuple[str, str]:
    """(action, resource ARN) the request needs."""
    if service == "lambda":
        action = "lambda:" + LAMBDA_ACTIONS.get(operation, operation)
        if operation in LAMBDA_ANY_RESOURCE or "FunctionName" not in params:
            return action, "*"
        return action, function_arn(ctx, params["FunctionName"], params.get("Qualifier"))
    path = request.path.split("?")[0].rstrip("/") or "/"
    if service == "apigatewayv2":
        path = path[len("/v2") :]
    if path.startswith("/tags/"):
        arn = params.get("resourceArn") or params.get("ResourceArn") or ""
        return f"apigateway:{request.method}", arn
    return f"apigateway:{request.method}", f"arn:aws:apigateway:{ctx.account.region}::{path}"


def check(service: str, operation: str, request: AwsRequest, params: dict[str, Any], ctx: Context) -> None:
    if service == "sts":
        return
    action, resource = required(service, operation, request, params, ctx)
    decision = iam.caller_may(ctx.caller, action=action, resource=resource)
    if not decision.allowed:
        denial = iam.access_denied(decision, resource_arn=resource, caller_arn=ctx.caller.arn, action=action)
        raise AwsError("AccessDeniedException", denial.message, 403)
