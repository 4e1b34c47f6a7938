"""HTTP and WebSocket API authorization: JWT authorizers, Lambda REQUEST authorizers (simple
responses and IAM policies) and their identity sources."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from gateway.integrations import backends
from gateway.integrations.backends import BackendError
from gateway.model.resources import (
    V2Authorizer,
    V2Route,
)
from gateway.v2.call import _HttpCall, _Stop
from gateway.v2.compiled import CompiledV2
from gateway.v2.constants import JWT_ERROR_DESCRIPTIONS
from gateway.v2.events import _event_v1, _event_v2

# ---------------------------------------------------------------------------------------
# Authorization


def _authorize(call: _HttpCall, compiled: CompiledV2) -> None:
    route = call.route
    assert route is not None
    if route.authorizationType == "NONE":
        return
    authorizer = compiled.api.authorizers.get(route.authorizerId or "")
    if authorizer is None:
        call.step("authorizer", "failed", 0, "the route's authorizer does not exist")
        raise _Stop(500, "Internal Server Error", "authorizer", "the route names an authorizer that does not exist")
    if authorizer.authorizerType == "JWT":
        _authorize_jwt(call, route, authorizer)
    else:
        _authorize_lambda(call, route, authorizer)


def _authorize_jwt(call: _HttpCall, route: V2Route, authorizer: V2Authorizer) -> None:
    from gateway.auth import cognito  # RSA and JWT libraries: loaded only when a JWT route is called

    source = (authorizer.identitySource or ["$request.header.Authorization"])[0]
    header = source.rsplit(".", 1)[-1]
    raw = call.request.header(header)
    if not raw:
        call.step("authorizer", "failed", 1, f"no token in the {header} header")
        raise _Stop(
            401, "Unauthorized", "authorizer", f"JWT authorizer {authorizer.name}: the {header} header is missing"
        )
    token = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
    config = authorizer.jwtConfiguration or {}
    audiences = config.get("audience") or []
    try:
        claims = cognito.verify_token(
            token,
            pools=list(call.account.userPools.values()),
            audience=audiences,
            issuer=config.get("issuer"),
            required_scopes=list(route.authorizationScopes) or None,
            now=call.now,
        )
    except cognito.TokenError as exc:
        status = int(getattr(exc, "status", 401) or 401)
        reason = str(getattr(exc, "reason", exc))
        call.step("authorizer", "failed", 1, reason)
        if status == 403:
            raise _Stop(
                403,
                "Forbidden",
                "authorizer",
                f"JWT authorizer {authorizer.name}: {reason} (the route needs one of {route.authorizationScopes})",
            ) from None
        kind = getattr(exc, "kind", "")
        description = JWT_ERROR_DESCRIPTIONS.get(kind, reason).replace('"', "'")
        raise _Stop(
            401,
            "Unauthorized",
            "authorizer",
            f"JWT authorizer {authorizer.name}: {reason}",
            [("www-authenticate", f'Bearer scope="" error="invalid_token" error_description="{description}"')],
        ) from None
    scopes = _token_scopes(claims)
    if route.authorizationScopes and not set(route.authorizationScopes) & set(scopes or []):
        # verify_token checks scopes too; this keeps the rule whatever it reports.
        call.step("authorizer", "failed", 1, "the token has none of the route's scopes")
        raise _Stop(
            403,
            "Forbidden",
            "authorizer",
            f"JWT authorizer {authorizer.name}: the token has none of the route's scopes {route.authorizationScopes}",
        )
    call.authorizer = {"jwt": {"claims": {k: _claim_text(v) for k, v in claims.items()}, "scopes": scopes}}
    call.principal = str(claims.get("sub") or claims.get("username") or claims.get("cognito:username") or "")
    call.step("authorizer", "ok", 1, f"JWT valid for {call.principal or 'the caller'}")
    call.info(f"JWT authorizer {authorizer.name}: token valid (sub {claims.get('sub')}, scopes {scopes})")


def _token_scopes(claims: dict[str, Any]) -> list[str] | None:
    value = claims.get("scope", claims.get("scp"))
    if value is None:
        return None
    if isinstance(value, str):
        return [s for s in value.split(" ") if s]
    return [str(s) for s in value]


def _claim_text(value: Any) -> str:
    """Payload 2.0 passes every JWT claim as a string; a list becomes "[a b]"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_claim_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _identity_value(call: _HttpCall, source: str) -> str | None:
    request = call.request
    if source.startswith("$request.header."):
        return request.header(source.split(".", 2)[2])
    if source.startswith("$request.querystring."):
        name = source.split(".", 2)[2]
        values = [v for k, v in request.query if k == name]
        return ",".join(values) if values else None
    if source.startswith("$stageVariables."):
        return call.stage_variables.get(source.split(".", 1)[1])
    if source.startswith("$context."):
        context = {
            "routeKey": call.route.routeKey if call.route else "",
            "stage": call.stage_name,
            "httpMethod": call.method,
            "path": call.raw_path,
            "requestId": call.request_id,
            "apiId": call.api_id,
            "domainName": call.domain,
            "identity.sourceIp": request.source_ip,
        }
        return context.get(source.split(".", 1)[1])
    return None


def _authorize_lambda(call: _HttpCall, route: V2Route, authorizer: V2Authorizer) -> None:
    values = []
    for source in authorizer.identitySource:
        value = _identity_value(call, source)
        if not value:
            call.step("authorizer", "failed", 0, f"identity source {source} is missing")
            raise _Stop(
                401,
                "Unauthorized",
                "authorizer",
                f"Lambda authorizer {authorizer.name}: the identity source {source} is missing, so the function "
                "was not called",
            )
        values.append(value)
    cache_key = None
    if authorizer.authorizerResultTtlInSeconds > 0:
        cache_key = f"v2auth:{call.api_id}:{authorizer.authorizerId}:{json.dumps(values)}"
        cached = call.runtime.store.get(cache_key)
        if cached is not None and cached["expires"] > call.now:
            call.info(f"Lambda authorizer {authorizer.name}: cached result used (identity {values})")
            _authorizer_outcome(call, authorizer, cached["allowed"], cached["context"], cached["principal"], True)
            return
    event = _authorizer_event(call, route, authorizer, values)
    arn = authorizer.authorizerUri or ""
    source_arn = f"{call.arn_prefix}/authorizers/{authorizer.authorizerId}"
    try:
        result = backends.invoke_lambda(call.account, arn, event, proxy=True, source_arn=source_arn)
    except BackendError as exc:
        call.step("authorizer", "failed", 0, str(exc))
        raise _Stop(500, "Internal Server Error", "authorizer", f"the authorizer could not be called: {exc}") from None
    call.clock_ms += result.duration_ms
    if result.failed:
        call.step("authorizer", "failed", 0, f"the authorizer function raised {result.error_message}")
        raise _Stop(
            500, "Internal Server Error", "authorizer", f"the authorizer function failed: {result.error_message}"
        )
    allowed, context, principal, problem = _read_authorizer_answer(call, authorizer, result.payload)
    if problem:
        call.step("authorizer", "failed", 0, problem)
        raise _Stop(
            500, "Internal Server Error", "authorizer", f"the authorizer answered in an invalid format: {problem}"
        )
    if cache_key is not None:
        call.runtime.store.put(
            cache_key,
            {
                "expires": call.now + authorizer.authorizerResultTtlInSeconds,
                "allowed": allowed,
                "context": context,
                "principal": principal,
            },
        )
    _authorizer_outcome(call, authorizer, allowed, context, principal, False)


def _authorizer_outcome(
    call: _HttpCall, authorizer: V2Authorizer, allowed: bool, context: dict, principal: str | None, cached: bool
) -> None:
    how = " (cached)" if cached else ""
    if not allowed:
        call.step("authorizer", "failed", 1, f"the authorizer denied the request{how}")
        raise _Stop(403, "Forbidden", "authorizer", f"Lambda authorizer {authorizer.name} denied the request{how}")
    call.authorizer = {"lambda": context or None}
    call.principal = principal
    call.step("authorizer", "ok", 1, f"the authorizer allowed the request{how}")
    call.info(f"Lambda authorizer {authorizer.name} allowed the request{how}; context {context}")


def _read_authorizer_answer(
    call: _HttpCall, authorizer: V2Authorizer, payload: Any
) -> tuple[bool, dict, str | None, str | None]:
    if not isinstance(payload, dict):
        return False, {}, None, "the answer is not a JSON object"
    context = payload.get("context") or {}
    if not isinstance(context, dict):
        return False, {}, None, "context must be an object"
    if authorizer.enableSimpleResponses:
        allowed = payload.get("isAuthorized")
        if not isinstance(allowed, bool):
            return False, {}, None, 'a simple response needs "isAuthorized": true or false'
        return allowed, context, None, None
    policy = payload.get("policyDocument")
    if not isinstance(policy, dict):
        return False, {}, None, "an IAM policy answer needs principalId and policyDocument"
    return policy_allows(policy, call.route_arn), context, str(payload.get("principalId") or "") or None, None


def policy_allows(policy: dict, resource_arn: str) -> bool:
    """execute-api:Invoke on the resource: an explicit Deny wins, then an Allow, else denied."""
    statements = policy.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", str(a)) for a in actions):
            continue
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        if not any(fnmatch.fnmatchcase(resource_arn, str(r)) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _authorizer_event(call: _HttpCall, route: V2Route, authorizer: V2Authorizer, values: list[str]) -> dict[str, Any]:
    if authorizer.authorizerPayloadFormatVersion == "2.0":
        event = _event_v2(call)
        event.pop("body", None)
        event.pop("isBase64Encoded", None)
        return {
            "version": "2.0",
            "type": "REQUEST",
            "routeArn": call.route_arn,
            "identitySource": values,
            **{k: v for k, v in event.items() if k != "version"},
        }
    event = _event_v1(call)
    for key in ("body", "isBase64Encoded"):
        event.pop(key, None)
    return {
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": call.route_arn,
        "identitySource": ",".join(values),
        "authorizationToken": ",".join(values),
        **{k: v for k, v in event.items() if k != "version"},
    }
