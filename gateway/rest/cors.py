"""CORS for REST APIs: the console's "Enable CORS", and what a browser would conclude.

`enable_cors` does what the console does: an OPTIONS method with a MOCK integration that
answers the preflight with Access-Control-Allow-Methods, -Headers and -Origin, the
Access-Control-Allow-Origin header added to the other methods' responses (non-proxy
integrations; with a proxy integration the backend must send it itself), and optionally to
the DEFAULT_4XX/5XX gateway responses. `browser_verdict` runs the preflight and the request
through the engine and applies the browser's rules, so a learner sees exactly why a call
from another origin would succeed or be blocked.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gateway.control.operations import (
    get_resource,
    put_gateway_response,
    put_integration,
    put_integration_response,
    put_method,
    put_method_response,
)
from gateway.model.errors import Problem, ValidationError
from gateway.model.resources import Account, RestApi

DEFAULT_HEADERS = ["Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token"]
ORIGIN_HEADER = "method.response.header.Access-Control-Allow-Origin"


def _origin_value(origins: list[str]) -> str:
    return "*" if origins == ["*"] else origins[0]


def _origin_override(origins: list[str]) -> str:
    """Several origins: reflect the caller's origin when it is one of them (AWS's documented pattern)."""
    condition = " || ".join(f'$origin == "{o}"' for o in origins)
    return (
        '#set($origin = $input.params("Origin"))\n'
        f"#if({condition})\n#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)\n#end\n"
    )


def enable_cors(
    account: Account,
    api: RestApi,
    resource_id: str,
    *,
    origins: list[str] | None = None,
    methods: list[str] | None = None,
    headers: list[str] | None = None,
    gateway_responses: bool = False,
) -> None:
    resource = get_resource(api, resource_id)
    origins = origins or ["*"]
    if any(o != "*" and not o.startswith(("http://", "https://")) for o in origins) or (
        "*" in origins and len(origins) > 1
    ):
        raise ValidationError(Problem("origins", "use * or one or more origins like https://app.example.com"))
    verbs = methods or sorted({m for m in resource.resourceMethods if m != "OPTIONS"} | {"OPTIONS"})
    if "ANY" in verbs:
        verbs = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    allow_headers = ",".join(headers or DEFAULT_HEADERS)
    several = len(origins) > 1

    put_method(api, resource.id, "OPTIONS")
    put_integration(api, resource.id, "OPTIONS", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    put_method_response(
        api,
        resource.id,
        "OPTIONS",
        "200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Headers": False,
            "method.response.header.Access-Control-Allow-Methods": False,
            ORIGIN_HEADER: False,
        },
    )
    put_integration_response(
        api,
        resource.id,
        "OPTIONS",
        "200",
        responseParameters={
            "method.response.header.Access-Control-Allow-Headers": f"'{allow_headers}'",
            "method.response.header.Access-Control-Allow-Methods": f"'{','.join(verbs)}'",
            ORIGIN_HEADER: f"'{_origin_value(origins)}'",
        },
        responseTemplates={"application/json": _origin_override(origins)} if several else {},
    )

    for verb, method in resource.resourceMethods.items():
        if verb == "OPTIONS" or method.methodIntegration is None:
            continue
        for response in method.methodResponses.values():
            response.responseParameters[ORIGIN_HEADER] = False
        if method.methodIntegration.type in ("AWS_PROXY", "HTTP_PROXY"):
            continue  # the backend's own headers are what count
        for response in method.methodIntegration.integrationResponses.values():
            response.responseParameters[ORIGIN_HEADER] = f"'{_origin_value(origins)}'"
            if several:
                template = response.responseTemplates.get("application/json", "$input.json('$')")
                if "Access-Control-Allow-Origin" not in template:
                    response.responseTemplates["application/json"] = _origin_override(origins) + template
    if gateway_responses:
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX"):
            existing = api.gatewayResponses.get(kind)
            parameters = dict(existing.responseParameters) if existing else {}
            parameters["gatewayresponse.header.Access-Control-Allow-Origin"] = f"'{_origin_value(origins)}'"
            parameters["gatewayresponse.header.Access-Control-Allow-Headers"] = f"'{allow_headers}'"
            put_gateway_response(
                api,
                kind,
                status_code=existing.statusCode if existing else None,
                parameters=parameters,
                templates=existing.responseTemplates if existing else None,
            )


# ---------------------------------------------------------------------------------------
# What a browser concludes


@dataclass
class CorsVerdict:
    allowed: bool
    reason: str
    preflight_status: int | None = None
    status: int | None = None
    steps: list[str] = field(default_factory=list)


SIMPLE_METHODS = {"GET", "HEAD", "POST"}
SIMPLE_HEADERS = {"accept", "accept-language", "content-language", "content-type"}
SIMPLE_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


def _needs_preflight(method: str, headers: dict[str, str]) -> bool:
    if method.upper() not in SIMPLE_METHODS:
        return True
    for name, value in headers.items():
        if name.lower() not in SIMPLE_HEADERS:
            return True
        if name.lower() == "content-type" and value.split(";")[0].strip().lower() not in SIMPLE_TYPES:
            return True
    return False


def _origin_ok(allowed: str | None, origin: str, credentials: bool) -> bool:
    if allowed is None:
        return False
    if allowed.strip() == "*":
        return not credentials
    return allowed.strip() == origin


def browser_verdict(
    account: Account,
    api_id: str,
    stage: str,
    *,
    origin: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: str = "",
    credentials: bool = False,
    now: float = 0.0,
    rng: random.Random | None = None,
    runtime=None,
) -> CorsVerdict:
    """Run a cross-origin call as a browser would: preflight if needed, then the request."""
    from gateway.model.call import Request
    from gateway.rest.pipeline import invoke

    headers = dict(headers or {})
    steps: list[str] = []
    preflight_status = None
    if _needs_preflight(method, headers):
        requested = ",".join(
            sorted(h.lower() for h in headers if h.lower() not in SIMPLE_HEADERS or h.lower() == "content-type")
        )
        pre_headers = [("Origin", origin), ("Access-Control-Request-Method", method.upper())]
        if requested:
            pre_headers.append(("Access-Control-Request-Headers", requested))
        preflight = invoke(
            account, Request(api_id, stage, "OPTIONS", path, headers=pre_headers, time=now), rng=rng, runtime=runtime
        )
        preflight_status = preflight.status
        steps.append(f"Preflight OPTIONS {path}: {preflight.status}")
        if not 200 <= preflight.status < 300:
            return CorsVerdict(
                False,
                f"the preflight answered {preflight.status}: the browser blocks the request "
                "(add an OPTIONS method, e.g. with Enable CORS)",
                preflight_status,
                None,
                steps,
            )
        if not _origin_ok(preflight.header("Access-Control-Allow-Origin"), origin, credentials):
            return CorsVerdict(
                False,
                f"the preflight's Access-Control-Allow-Origin ({preflight.header('Access-Control-Allow-Origin')}) "
                f"does not allow {origin}",
                preflight_status,
                None,
                steps,
            )
        allowed_methods = {
            m.strip().upper() for m in (preflight.header("Access-Control-Allow-Methods") or "").split(",")
        }
        if method.upper() not in allowed_methods and "*" not in allowed_methods:
            return CorsVerdict(
                False,
                f"{method.upper()} is not in Access-Control-Allow-Methods ({', '.join(sorted(allowed_methods)) or 'none'})",
                preflight_status,
                None,
                steps,
            )
        allowed_headers = {
            h.strip().lower() for h in (preflight.header("Access-Control-Allow-Headers") or "").split(",")
        }
        missing = [h for h in requested.split(",") if h and h not in allowed_headers and "*" not in allowed_headers]
        if missing:
            return CorsVerdict(
                False,
                f"the header(s) {', '.join(missing)} are not in Access-Control-Allow-Headers",
                preflight_status,
                None,
                steps,
            )
    request_headers = [("Origin", origin), *headers.items()]
    actual = invoke(
        account,
        Request(api_id, stage, method.upper(), path, headers=request_headers, body=body, time=now),
        rng=rng,
        runtime=runtime,
    )
    steps.append(f"{method.upper()} {path}: {actual.status}")
    if not _origin_ok(actual.header("Access-Control-Allow-Origin"), origin, credentials):
        hint = (
            " (a proxy integration's backend must send it itself)"
            if actual.status < 400
            else " (add it to the DEFAULT_4XX/5XX gateway responses)"
        )
        return CorsVerdict(
            False,
            f"the response has no Access-Control-Allow-Origin allowing {origin}: the browser hides it from the page{hint}",
            preflight_status,
            actual.status,
            steps,
        )
    return CorsVerdict(
        True,
        f"allowed: the page at {origin} can read the {actual.status} response",
        preflight_status,
        actual.status,
        steps,
    )
