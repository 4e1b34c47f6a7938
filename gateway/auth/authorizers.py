"""Method authorization for REST APIs: resource policies, AWS_IAM (SigV4), Lambda authorizers, Cognito.

Each check is a method-request step of the pipeline and returns a GatewayFailure to stop the
request. Lambda authorizer results are cached per identity source for the authorizer's TTL
(0 to 3600 s, default 300) in the runtime store, and a cached policy is evaluated again for
each method: a cached Deny keeps denying, and a policy written for one method denies the
others once it is cached.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from gateway.auth import iam, sigv4
from gateway.integrations import backends
from gateway.model.errors import NotFoundError, Problem, ValidationError
from gateway.model.resources import LAMBDA_INVOKE_URI, Authorizer, RestApi
from gateway.model.responses import GatewayFailure

if TYPE_CHECKING:
    from gateway.model.call import Call

UNAUTHORIZED = ("UNAUTHORIZED", 401, "Unauthorized")


def _method_arn(call: Call) -> str:
    """The ARN of the method being called, as policies and authorizers see it."""
    return iam.method_arn(
        call.account.region,
        call.account.accountId,
        call.request.api_id,
        call.request.stage,
        call.request.method.upper(),
        call.resource_path,
    )


def authorizer_problems(authorizer: Authorizer) -> list[Problem]:
    """AWS's rules for an authorizer: a new one, or one a patch operation changed."""
    a = authorizer
    problems = []
    if a.type not in ("TOKEN", "REQUEST", "COGNITO_USER_POOLS"):
        problems.append(Problem("type", "must be TOKEN, REQUEST or COGNITO_USER_POOLS"))
    if not 0 <= a.authorizerResultTtlInSeconds <= 3600:
        problems.append(Problem("authorizerResultTtlInSeconds", "must be between 0 and 3600 seconds"))
    if a.type in ("TOKEN", "REQUEST") and not a.authorizerUri:
        problems.append(Problem("authorizerUri", "a Lambda authorizer needs a function"))
    if a.type == "COGNITO_USER_POOLS" and not a.providerARNs:
        problems.append(Problem("providerARNs", "a Cognito authorizer needs at least one user pool"))
    if a.identityValidationExpression:
        try:
            re.compile(a.identityValidationExpression)
        except re.error as exc:
            problems.append(Problem("identityValidationExpression", f"not a valid regular expression: {exc}"))
    if a.type == "REQUEST" and not a.identitySource:
        problems.append(
            Problem("identitySource", "a REQUEST authorizer needs identity sources, e.g. method.request.header.Auth")
        )
    return problems


def create_authorizer(
    account,
    api: RestApi,
    name: str,
    type: str,
    *,
    function_arn: str | None = None,  # noqa: A002
    identity_source: str | None = None,
    validation_expression: str | None = None,
    ttl: int = 300,
    provider_arns: list[str] | None = None,
) -> Authorizer:
    from gateway.model.resources import lambda_invocation_uri

    uri = None
    if function_arn:
        uri = function_arn if function_arn.startswith("arn:aws:apigateway:") else lambda_invocation_uri(function_arn)
    authorizer = Authorizer(
        id="",
        name=name,
        type=type,
        authorizerUri=uri,
        identitySource=identity_source,
        identityValidationExpression=validation_expression,
        authorizerResultTtlInSeconds=ttl,
        providerARNs=list(provider_arns or []),
    )
    problems = authorizer_problems(authorizer)
    if problems:
        raise ValidationError(problems)
    authorizer.id = account.next_id(6)
    authorizer.identitySource = identity_source or "method.request.header.Authorization"
    api.authorizers[authorizer.id] = authorizer
    return authorizer


def _stop(call: Call, kind: tuple[str, int, str], reason: str, error_type: str | None = None) -> GatewayFailure:
    call.error(reason)
    response_type, status, message = kind
    return GatewayFailure(response_type, status, message, error_type, "authorizer")


# ---------------------------------------------------------------------------------------
# Resource policy (and private endpoints)


def check_resource_policy(call: Call) -> GatewayFailure | None:
    compiled = call.compiled
    if compiled.endpoint_type == "PRIVATE" and not call.request.vpce_id:
        return _stop(
            call,
            ("ACCESS_DENIED", 403, "Forbidden"),
            "A PRIVATE API is reachable only through an interface VPC endpoint",
            "ForbiddenException",
        )
    if compiled.policy is None:
        if compiled.endpoint_type == "PRIVATE":
            return _stop(
                call,
                ("ACCESS_DENIED", 403, "Forbidden"),
                "A PRIVATE API needs a resource policy that allows the VPC endpoint",
                "ForbiddenException",
            )
        return None
    arn = _method_arn(call)
    context = {"aws:SourceIp": call.request.source_ip}
    if call.request.vpce_id:
        context["aws:SourceVpce"] = call.request.vpce_id
    decision = iam.evaluate(
        [compiled.policy], action="execute-api:Invoke", resource=arn, principal=None, context=context
    )
    call.extra["resource_policy"] = decision
    if decision.effect == "Deny" or (decision.effect != "Allow" and call.method.authorizationType != "AWS_IAM"):
        deny = " with an explicit deny" if decision.effect == "Deny" else ""
        message = f"User: anonymous is not authorized to perform: execute-api:Invoke on resource: {arn}{deny}"
        return _stop(call, ("ACCESS_DENIED", 403, message), f"Resource policy: {message}", "AccessDeniedException")
    return None


# ---------------------------------------------------------------------------------------
# AWS_IAM


def check_iam(call: Call) -> GatewayFailure | None:
    if call.method.authorizationType != "AWS_IAM":
        return None
    secrets = {
        k.accessKeyId: (user, k)
        for user in call.account.iamUsers.values()
        for k in user.accessKeys
        if k.status == "Active"
    }
    try:
        caller = sigv4.verify_request(
            call.request.method.upper(),
            f"/{call.request.stage}{call.request.path}",
            call.request.query,
            call.request.headers,
            call.request.body_bytes,
            lookup_secret=lambda key_id: secrets[key_id][1].secretAccessKey if key_id in secrets else None,
            region=call.account.region,
            now=call.request.time,
        )
    except sigv4.SignatureError as exc:
        return _stop(
            call, (exc.response_type, 403, exc.message), f"IAM: {exc.message}", getattr(exc, "error_type", None)
        )
    user, _ = secrets[caller.access_key_id]
    arn = _method_arn(call)
    context = {"aws:SourceIp": call.request.source_ip}
    decision = iam.caller_may(user, action="execute-api:Invoke", resource=arn, context=context)
    policy = call.extra.get("resource_policy")
    call.context["identity"].update(
        {
            "user": user.name,
            "userArn": user.arn,
            "caller": user.name,
            "accessKey": caller.access_key_id,
            "accountId": call.account.accountId,
        }
    )
    call.extra["principal"] = user.arn
    call.extra["may_invalidate_cache"] = lambda: (
        iam.caller_may(user, action="execute-api:InvalidateCache", resource=arn, context=context).effect == "Allow"
    )
    if decision.effect == "Deny" or (policy is not None and policy.effect == "Deny"):
        message = f"User: {user.arn} is not authorized to perform: execute-api:Invoke on resource: {arn} with an explicit deny"
        return _stop(call, ("ACCESS_DENIED", 403, message), f"IAM: {message}", "AccessDeniedException")
    if decision.effect != "Allow" and (policy is None or policy.effect != "Allow"):
        message = f"User: {user.arn} is not authorized to perform: execute-api:Invoke on resource: {arn}"
        return _stop(call, ("ACCESS_DENIED", 403, message), f"IAM: {message}", "AccessDeniedException")
    call.info(f"IAM: {user.arn} is allowed execute-api:Invoke on {arn}")
    return None


# ---------------------------------------------------------------------------------------
# Lambda authorizers (TOKEN, REQUEST) and Cognito user pools


def _identity(call: Call, authorizer: Authorizer) -> list[str | None]:
    values = []
    for source in (authorizer.identitySource or "").split(","):
        source = source.strip()
        if source.startswith("method.request.header."):
            values.append(call.request.header(source.split(".", 3)[3]))
        elif source.startswith("method.request.querystring."):
            values.append(dict(call.request.query).get(source.split(".", 3)[3]))
        elif source.startswith("stageVariables."):
            values.append(call.stage_variables.get(source.split(".", 1)[1]))
        elif source.startswith("context."):
            value: Any = call.context
            for part in source.split(".")[1:]:
                value = value.get(part) if isinstance(value, dict) else None
            values.append(None if value is None else str(value))
        else:
            values.append(None)
    return values


def check_authorizer(call: Call) -> GatewayFailure | None:
    method = call.method
    if method.authorizationType not in ("CUSTOM", "COGNITO_USER_POOLS"):
        return None
    api = call.api
    authorizer = api.authorizers.get(method.authorizerId or "") if api else None
    snapshot = call.compiled.authorizers.get(method.authorizerId or "") if call.compiled else None
    authorizer = snapshot or authorizer
    if authorizer is None:
        return _stop(
            call,
            ("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error"),
            "Execution failed due to configuration error: the method's authorizer does not exist",
            "InternalServerErrorException",
        )
    if authorizer.type == "COGNITO_USER_POOLS":
        return _cognito(call, authorizer)
    return _lambda_authorizer(call, authorizer)


def _cognito(call: Call, authorizer: Authorizer) -> GatewayFailure | None:
    from gateway.auth import cognito

    token = call.request.header("Authorization")
    if not token:
        return _stop(call, UNAUTHORIZED, "Cognito: no token in the Authorization header", "UnauthorizedException")
    token = token.removeprefix("Bearer ").strip()
    pools = [p for p in call.account.userPools.values() if p.arn in authorizer.providerARNs]
    scopes = call.method.authorizationScopes or None
    try:
        claims = cognito.verify_token(
            token, pools=pools, required_scopes=scopes, token_use="access" if scopes else None, now=call.request.time
        )
    except cognito.TokenError as exc:
        if getattr(exc, "status", 401) == 403:
            return _stop(call, ("ACCESS_DENIED", 403, "Forbidden"), f"Cognito: {exc}", "AccessDeniedException")
        return _stop(call, UNAUTHORIZED, f"Cognito: {exc}", "UnauthorizedException")
    call.context["authorizer"] = {"claims": claims}
    call.extra["principal"] = claims.get("cognito:username") or claims.get("username") or claims.get("sub")
    call.info(f"Cognito user pool authorizer: token of {call.extra['principal']} is valid")
    return None


def _lambda_authorizer(call: Call, authorizer: Authorizer) -> GatewayFailure | None:
    identity = _identity(call, authorizer)
    if any(v is None or v == "" for v in identity):
        return _stop(
            call,
            UNAUTHORIZED,
            f"Authorizer {authorizer.name}: the identity source is missing "
            f"({authorizer.identitySource}): 401 without calling the function",
            "UnauthorizedException",
        )
    if authorizer.type == "TOKEN" and authorizer.identityValidationExpression:
        if not re.fullmatch(authorizer.identityValidationExpression, identity[0] or ""):
            return _stop(
                call,
                UNAUTHORIZED,
                f"Authorizer {authorizer.name}: the token does not match "
                f"{authorizer.identityValidationExpression}: 401 without calling the function",
                "UnauthorizedException",
            )
    method_arn = _method_arn(call)
    cache_key = f"authz:{call.request.api_id}:{call.request.stage}:{authorizer.id}:{json.dumps(identity)}"
    ttl = authorizer.authorizerResultTtlInSeconds
    cached = call.runtime.store.get(cache_key) if ttl > 0 else None
    if cached and cached["expires"] > call.request.time:
        result = cached["result"]
        call.info(
            f"Authorizer {authorizer.name}: using the cached result for this identity (policy of {result.get('principalId')})"
        )
        call.step("authorizer", "ok", 1, "cached result")
    else:
        outcome = _invoke_authorizer(call, authorizer, identity, method_arn)
        if isinstance(outcome, GatewayFailure):
            return outcome
        result = outcome
        if ttl > 0:
            call.runtime.store.put(cache_key, {"result": result, "expires": call.request.time + ttl})
    policy = result.get("policyDocument")
    decision = iam.evaluate([policy], action="execute-api:Invoke", resource=method_arn, principal=None, context={})
    principal = result.get("principalId")
    if decision.effect == "Deny":
        return _stop(
            call,
            ("ACCESS_DENIED", 403, "User is not authorized to access this resource with an explicit deny"),
            f"Authorizer {authorizer.name}: the policy explicitly denies {method_arn}",
            "AccessDeniedException",
        )
    if decision.effect != "Allow":
        return _stop(
            call,
            ("ACCESS_DENIED", 403, "User is not authorized to access this resource"),
            f"Authorizer {authorizer.name}: no statement allows {method_arn}",
            "AccessDeniedException",
        )
    context = {k: v for k, v in (result.get("context") or {}).items()}
    call.context["authorizer"] = {**context, "principalId": principal}
    call.extra["principal"] = principal
    if result.get("usageIdentifierKey"):
        call.extra["usageIdentifierKey"] = result["usageIdentifierKey"]
    call.info(f"Authorizer {authorizer.name}: {principal} is allowed {method_arn}")
    return None


def _invoke_authorizer(call: Call, authorizer: Authorizer, identity: list, method_arn: str) -> dict | GatewayFailure:
    from gateway.integrations.lambda_proxy import build_event
    from gateway.model.call import request_context

    match = LAMBDA_INVOKE_URI.match(authorizer.authorizerUri or "")
    if not match:
        return _stop(
            call,
            ("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error"),
            f"Authorizer {authorizer.name}: invalid function uri",
            "InternalServerErrorException",
        )
    if authorizer.type == "TOKEN":
        event: dict[str, Any] = {"type": "TOKEN", "authorizationToken": identity[0], "methodArn": method_arn}
    else:
        event = build_event(
            resource_path=call.resource_path,
            path=call.request.path,
            method=call.request.method.upper(),
            headers=call.request.headers,
            query=call.request.query,
            path_parameters=call.path_parameters,
            stage_variables=call.stage_variables,
            request_context=request_context(call),
            body=None,
        )
        event = {"type": "REQUEST", "methodArn": method_arn, **{k: v for k, v in event.items() if k != "body"}}
    source_arn = f"arn:aws:execute-api:{call.account.region}:{call.account.accountId}:{call.request.api_id}/authorizers/{authorizer.id}"
    try:
        result = backends.invoke_lambda(call.account, match["function"], event, proxy=False, source_arn=source_arn)
    except (backends.BackendError, NotFoundError) as exc:
        return _stop(
            call,
            ("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error"),
            f"Authorizer {authorizer.name}: {exc}",
            "InternalServerErrorException",
        )
    call.step("authorizer", "ok", result.duration_ms, f"function {match['function'].rsplit(':', 1)[-1]} answered")
    if result.failed:
        if result.error_message == "Unauthorized":
            return _stop(call, UNAUTHORIZED, f"Authorizer {authorizer.name} said Unauthorized", "UnauthorizedException")
        return _stop(
            call,
            ("AUTHORIZER_FAILURE", 500, "Internal server error"),
            f"Authorizer {authorizer.name} failed: {result.error_message}",
            "InternalServerErrorException",
        )
    payload = result.payload
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("policyDocument"), dict)
        or "principalId" not in payload
    ):
        return _stop(
            call,
            ("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error"),
            f"Authorizer {authorizer.name} returned no principalId and policyDocument",
            "InternalServerErrorException",
        )
    for key, value in (payload.get("context") or {}).items():
        if not isinstance(value, (str, int, float, bool)):
            return _stop(
                call,
                ("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error"),
                f"Authorizer {authorizer.name}: context.{key} must be a string, number or boolean",
                "InternalServerErrorException",
            )
    return payload
