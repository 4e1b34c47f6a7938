"""Invoking a deployed REST API: the request pipeline, as API Gateway runs it.

route -> method request (checks: a list part 2 fills with policies, authorizers, keys,
throttling, validation) -> integration request (parameter mapping, templates,
passthrough) -> integration (MOCK, HTTP, HTTP_PROXY, AWS, AWS_PROXY) -> integration
response (selection patterns, templates, parameter mapping, responseOverride) -> method
response. Failures become gateway responses (default or customised). Every call returns a
Response with the execution log and a trace of the steps; nothing raises out of `invoke`.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from gateway.auth import authorizers
from gateway.integrations import backends, lambda_proxy
from gateway.integrations.backends import BackendError, HttpResult
from gateway.model.call import (
    DEFAULT_RUNTIME,
    Call,
    Request,
    Response,
    Runtime,
    Stop,
    request_context,
)
from gateway.model.errors import NotFoundError
from gateway.model.recording import LogLine, identity
from gateway.model.resources import (
    AWS_SERVICE_URI,
    LAMBDA_INVOKE_URI,
    Account,
    Integration,
    Stage,
)
from gateway.model.responses import (
    DEFAULT_TEMPLATE,
    GatewayFailure,
    bad_gateway,
    failure,
    internal_error,
    missing_token,
    timeout,
)
from gateway.rest import validation
from gateway.rest.compiled import compile_deployment
from gateway.traffic import cache as caching
from gateway.traffic import limits as traffic
from gateway.vtl.engine import Limits, TemplateError, TemplateInput, render_with_overrides

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # 10485760
OVERHEAD_MS = 3  # simulated time API Gateway itself spends on a request
STAGE_VAR_RE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


# Method request checks, in AWS's order: the resource policy, authentication (IAM, a Lambda
# authorizer or Cognito), the API key and its usage plan (throttle, quota), the stage's
# method throttling, the account throttling, then request validation. A check returns a
# GatewayFailure to stop the request, or None to let it go on.
MethodRequestCheck = Callable[[Call], GatewayFailure | None]
METHOD_REQUEST_CHECKS: list[MethodRequestCheck] = [
    authorizers.check_resource_policy,
    authorizers.check_iam,
    authorizers.check_authorizer,
    traffic.check_api_key,
    traffic.check_stage_throttle,
    traffic.check_account_throttle,
    validation.check_request,
]


def invoke(
    account: Account, request: Request, *, rng: random.Random | None = None, runtime: Runtime | None = None
) -> Response:
    """Run one request through the deployed API. Never raises: every failure is a Response."""
    rng = rng or random.Random()  # noqa: S311 (canary split and ids, not secrets)
    call = Call(account, request, rng, backends.new_request_id(rng), runtime or DEFAULT_RUNTIME)
    started = time.perf_counter()
    try:
        response = _run(call)
    except Stop as stop:
        response = _gateway_response(call, stop.outcome)
    except Exception as exc:  # noqa: BLE001 (the engine must answer, whatever went wrong)
        call.error(f"Execution failed due to an internal error: {type(exc).__name__}: {exc}")
        response = _gateway_response(call, internal_error("integration", "DEFAULT_5XX"))
    response.request_id = call.request_id
    response.is_canary = call.is_canary
    response.deployment_id = call.compiled.deployment_id if call.compiled else None
    response.resource_path = call.resource_path or None
    response.integration_latency_ms = call.integration_ms if response.cache != "hit" else 0.0
    key = call.extra.get("api_key")
    response.api_key_id = key.id if key else None
    response.principal = call.extra.get("principal")
    response.latency_ms = call.clock_ms + OVERHEAD_MS
    response.headers.append(("x-amzn-RequestId", call.request_id))
    # Every REST API response carries the extended request id ($context.extendedRequestId) too.
    response.headers.append(("x-amz-apigw-id", _extended_request_id(call.request_id)))
    response.log = call.log
    response.trace = call.trace
    response.log.append(LogLine(call.clock_ms, "INFO", f"Method completed with status: {response.status}"))
    del started
    for observer in call.runtime.observers:
        try:
            observer(call, response)
        except Exception as exc:  # noqa: BLE001 (telemetry must never break a request)
            response.log.append(LogLine(call.clock_ms, "ERROR", f"Telemetry failed: {exc}"))
    return response


def _run(call: Call) -> Response:
    request = call.request
    api = call.account.restApis.get(request.api_id)
    stage = api.stages.get(request.stage) if api else None
    if api is None or stage is None:
        # No such API or stage: the same answer as a missing resource.
        raise Stop(missing_token())
    call.api, call.stage = api, stage
    deployment_id = stage.deploymentId
    variables = dict(stage.variables)
    canary = stage.canarySettings
    if canary and canary.deploymentId in api.deployments and call.rng.random() * 100 < canary.percentTraffic:
        call.is_canary = True
        deployment_id = canary.deploymentId
        variables.update(canary.stageVariableOverrides)
    deployment = api.deployments.get(deployment_id)
    if deployment is None:
        raise Stop(missing_token())
    call.compiled = compile_deployment(api.id, deployment.id, deployment.snapshot)
    call.stage_variables = variables
    call.info(f"Starting execution for request: {call.request_id}")

    if len(request.body_bytes) > MAX_PAYLOAD_BYTES:
        raise Stop(
            failure(
                "REQUEST_TOO_LARGE",
                f"Request Too Long: the payload limit is 10 MB ({MAX_PAYLOAD_BYTES} bytes)",
                step="method request",
            )
        )

    match = call.compiled.router.match(request.path)
    resource = call.compiled.resources.get(match.resource_id) if match else None
    methods = resource["methods"] if resource else {}
    method = methods.get(request.method.upper()) or methods.get("ANY")
    if match is None or method is None:
        call.step("method request", "failed", 0, f"no resource and method match {request.method} {request.path}")
        raise Stop(missing_token("method request"))
    call.resource_id, call.resource_path, call.method = match.resource_id, resource["path"], method
    call.path_parameters = match.path_parameters
    call.context = _context(call)
    call.info(f"HTTP Method: {request.method.upper()}, Resource Path: {call.resource_path}")
    call.info(f"Method request path: {_java_map(call.path_parameters)}")
    call.info(f"Method request query string: {_java_map(dict(request.query))}")
    call.info(f"Method request headers: {_java_map(dict(request.headers))}")
    call.info(f"Method request body before transformations: {request.body_text}")

    for check in METHOD_REQUEST_CHECKS:
        outcome = check(call)
        if outcome is not None:
            call.step("method request", "failed", 1, outcome.message)
            raise Stop(outcome)
    call.step("method request", "ok", 1)

    integration = method.methodIntegration
    if integration is None:
        call.error("Execution failed due to configuration error: No integration defined for method")
        call.step("integration request", "failed", 0, "the method has no integration")
        raise Stop(internal_error("integration request"))
    handler = {
        "MOCK": _mock,
        "AWS_PROXY": _aws_proxy,
        "HTTP_PROXY": _http_proxy,
        "HTTP": _http,
        "AWS": _aws,
    }[integration.type]
    cached = caching.lookup(call)
    if isinstance(cached, GatewayFailure):
        raise Stop(cached)
    if cached is not None:
        return cached
    response = handler(call, integration)
    caching.remember(call, response)
    return response


# ---------------------------------------------------------------------------------------
# Context and helpers


def _context(call: Call) -> dict[str, Any]:
    request = call.request
    now = datetime.fromtimestamp(request.time, tz=UTC)
    return {
        "accountId": call.account.accountId,
        "apiId": request.api_id,
        "deploymentId": call.compiled.deployment_id if call.compiled else "",
        "domainName": f"{request.api_id}.execute-api.{call.account.region}.amazonaws.com",
        "domainPrefix": request.api_id,
        "extendedRequestId": _extended_request_id(call.request_id),
        "httpMethod": request.method.upper(),
        "identity": identity(
            request.source_ip, request.header("User-Agent") or "", apiKey=None, apiKeyId=None, vpceId=request.vpce_id
        ),
        "path": f"/{request.stage}{request.path}",
        "protocol": request.protocol,
        "requestId": call.request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(request.time * 1000),
        "resourceId": call.resource_id,
        "resourcePath": call.resource_path,
        "stage": request.stage,
        "isCanaryRequest": call.is_canary,
        "authorizer": {},
        "error": {},
    }


def _java_map(data: dict) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in data.items()) + "}"


def _substitute(call: Call, text: str) -> str:
    """${stageVariables.name} in a URI; an undefined variable becomes empty, as in AWS."""
    return STAGE_VAR_RE.sub(lambda m: call.stage_variables.get(m.group(1), ""), text)


def _content_type(call: Call) -> str:
    value = call.request.header("Content-Type") or "application/json"
    return value.split(";")[0].strip().lower()


def _is_binary(call: Call, content_type: str) -> bool:
    for pattern in call.compiled.binary_media_types if call.compiled else []:
        regex = "^" + re.escape(pattern.lower()).replace(r"\*", ".*") + "$"
        if re.match(regex, content_type):
            return True
    return False


def _template_input(call: Call, body: str) -> TemplateInput:
    return TemplateInput(
        body=body,
        path=dict(call.path_parameters),
        querystring=dict(call.request.query),
        header=dict(call.request.headers),
    )


def _render(call: Call, template: str, body: str, where: str) -> tuple[str, int | None, dict[str, str]]:
    try:
        result = render_with_overrides(
            template, _template_input(call, body), call.context, call.stage_variables, Limits()
        )
    except TemplateError as exc:
        call.error(f"Execution failed due to configuration error: Unable to transform {where}: {exc}")
        raise Stop(internal_error(f"{where}")) from None
    return result.text, result.status_override, result.header_overrides


def _select_request_template(call: Call, integration: Integration) -> str | None:
    """The template for the request's Content-Type, or None to pass the body through; 415 per NEVER."""
    templates = integration.requestTemplates
    content_type = _content_type(call)
    if content_type in templates:
        return templates[content_type]
    behaviour = integration.passthroughBehavior
    if behaviour == "WHEN_NO_MATCH" or (behaviour == "WHEN_NO_TEMPLATES" and not templates):
        return None
    if behaviour == "WHEN_NO_TEMPLATES" and "application/json" in templates and not call.request.header("Content-Type"):
        return templates["application/json"]
    call.error(f"Execution failed: no template matches the content type {content_type} and passthrough is {behaviour}")
    raise Stop(failure("UNSUPPORTED_MEDIA_TYPE", "Unsupported Media Type", step="integration request"))


def _request_parameters(call: Call, integration: Integration) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """integration.request.{path,querystring,header}.X = method.request.{...}.Y | 'literal' | stageVariables.x | context.x."""
    path: dict[str, str] = {}
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    targets = {"path": path, "querystring": query, "header": headers}
    for target, source in integration.requestParameters.items():
        parts = target.split(".", 3)
        if len(parts) != 4 or parts[0] != "integration" or parts[1] != "request" or parts[2] not in targets:
            continue
        value = _parameter_value(call, source)
        if value is not None:
            targets[parts[2]][parts[3]] = value
    return path, query, headers


def _parameter_value(call: Call, source: str) -> str | None:
    if source.startswith("'") and source.endswith("'") and len(source) >= 2:
        return source[1:-1]
    if source.startswith("method.request."):
        _, _, kind, name = (source.split(".", 3) + [""] * 4)[:4]
        if kind == "path":
            return call.path_parameters.get(name)
        if kind == "querystring":
            return dict(call.request.query).get(name)
        if kind == "header":
            return call.request.header(name)
        if kind == "multivaluequerystring":
            values = [v for k, v in call.request.query if k == name]
            return ",".join(values) if values else None
        return None
    if source.startswith("stageVariables."):
        return call.stage_variables.get(source.split(".", 1)[1])
    if source.startswith("context."):
        value: Any = call.context
        for part in source.split(".")[1:]:
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None else str(value)
    return None


def _timed_out(call: Call, integration: Integration, duration_ms: int) -> bool:
    if duration_ms > integration.timeoutInMillis:
        call.integration_ms = integration.timeoutInMillis
        call.step(
            "integration", "failed", integration.timeoutInMillis, f"no answer within {integration.timeoutInMillis} ms"
        )
        call.error(
            f"Execution failed due to a timeout error: the endpoint took longer than {integration.timeoutInMillis} ms"
        )
        return True
    return False


def _send(call: Call, integration: Integration, send: Callable[[], Any]) -> Any:
    """Reach the backend: a configuration error is a 500, an answer later than the integration's
    timeout a 504; otherwise the integration latency is recorded and the result returned."""
    try:
        result = send()
    except BackendError as exc:
        call.error(f"Execution failed due to configuration error: {exc}")
        call.step("integration", "failed", 0, str(exc))
        raise Stop(internal_error("integration")) from None
    if _timed_out(call, integration, result.duration_ms):
        raise Stop(timeout())
    call.integration_ms = result.duration_ms
    return result


# ---------------------------------------------------------------------------------------
# Integrations


def _mock(call: Call, integration: Integration) -> Response:
    template = _select_request_template(call, integration)
    text = call.request.body_text
    if template is not None:
        text, _, _ = _render(call, template, text, "request")
    call.info(f"Endpoint request body after transformations: {text}")
    call.step("integration request", "ok", 1)
    status = 200
    try:
        parsed = json.loads(text) if text.strip() else {}
        status = int(parsed.get("statusCode", 200)) if isinstance(parsed, dict) else 200
    except (ValueError, TypeError):
        status = 200
    call.info(f"Received response. Status: {status}, Integration latency: 0 ms")
    call.step("integration", "ok", 0, f"MOCK returned status {status}")
    return _integration_response(call, integration, str(status), None, "", [])


def _lambda_arn(call: Call, integration: Integration) -> str:
    uri = _substitute(call, integration.uri or "")
    match = LAMBDA_INVOKE_URI.match(uri)
    if not match:
        call.error(f"Execution failed due to configuration error: Invalid ARN specified in the request: {uri}")
        call.step("integration", "failed", 0, "the Lambda ARN is not valid (check its stage variables)")
        raise Stop(internal_error("integration"))
    return match["function"]


def _call_lambda(call: Call, integration: Integration, event: Any, proxy: bool) -> backends.LambdaResult:
    arn = _lambda_arn(call, integration)
    call.info(
        f"Endpoint request URI: https://lambda.{call.account.region}.amazonaws.com/2015-03-31/functions/{arn}/invocations"
    )
    call.info(
        f"Endpoint request body after transformations: {json.dumps(event) if not isinstance(event, str) else event}"
    )
    call.step("integration request", "ok", 1)
    call.info(
        f"Sending request to https://lambda.{call.account.region}.amazonaws.com/2015-03-31/functions/{arn}/invocations"
    )
    result = _send(
        call,
        integration,
        lambda: backends.invoke_lambda(call.account, arn, event, proxy=proxy, source_arn=call.source_arn),
    )
    shown = json.dumps(result.error_payload() if result.failed else result.payload)
    call.info(f"Received response. Status: 200, Integration latency: {result.duration_ms} ms")
    call.info(f"Endpoint response body before transformations: {shown}")
    call.step(
        "integration",
        "ok",
        result.duration_ms,
        f"Lambda {arn.rsplit(':function:', 1)[-1]} (version {result.version}) answered",
    )
    return result


def _aws_proxy(call: Call, integration: Integration) -> Response:
    if (integration.httpMethod or "").upper() != "POST":
        call.error("Execution failed due to configuration error: Lambda proxy integrations must call Lambda with POST")
        call.step("integration request", "failed", 0, "a Lambda integration must use POST")
        raise Stop(internal_error("integration request"))
    request = call.request
    binary = _is_binary(call, _content_type(call))
    event = lambda_proxy.build_event(
        resource_path=call.resource_path,
        path=request.path,
        method=request.method.upper(),
        headers=request.headers,
        query=request.query,
        path_parameters=call.path_parameters,
        stage_variables=call.stage_variables,
        request_context=request_context(call),
        body=request.body if request.body else None,
        binary=binary,
    )
    result = _call_lambda(call, integration, event, proxy=True)
    if result.failed:
        call.error(f"Lambda execution failed with status 200 due to customer function error: {result.error_message}")
        call.error("Execution failed due to configuration error: Malformed Lambda proxy response")
        call.step("integration response", "failed", 0, "the function raised an error instead of answering")
        raise Stop(bad_gateway())
    try:
        proxied = lambda_proxy.parse_output(result.payload)
    except lambda_proxy.MalformedProxyResponse as exc:
        call.error(f"Execution failed due to configuration error: Malformed Lambda proxy response ({exc})")
        call.step("integration response", "failed", 0, f"malformed proxy response: {exc}")
        raise Stop(bad_gateway()) from None
    call.step("integration response", "skipped", 0, "proxy: the function's answer is the response")
    call.info(f"Method response body after transformations: {_shown(proxied.body)}")
    call.info(f"Method response headers: {_java_map(dict(proxied.headers))}")
    call.info("Successfully completed execution")
    call.step("method response", "ok", 0)
    return Response(status=proxied.status, headers=proxied.headers, body=proxied.body, decided_by="integration")


def _shown(body: str | bytes) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, bytes) else body


def _http_target(call: Call, integration: Integration, query_extra: dict[str, str], path_params: dict[str, str]) -> str:
    uri = _substitute(call, integration.uri or "")
    for name, value in path_params.items():
        uri = uri.replace("{" + name + "}", quote(value, safe="/" if name.endswith("proxy") else ""))
    parts = urlsplit(uri)
    if not parts.scheme or not parts.hostname:
        call.error(f"Execution failed due to configuration error: Invalid endpoint address {uri}")
        call.step("integration", "failed", 0, "the endpoint URL is not valid (check its stage variables)")
        raise Stop(internal_error("integration"))
    query = [q for q in parts.query.split("&") if q]
    if query_extra:
        query.append(urlencode(query_extra))
    return parts._replace(query="&".join(query)).geturl()


def _send_http(
    call: Call, integration: Integration, method: str, url: str, headers: list[tuple[str, str]], body: str
) -> HttpResult:
    call.info(f"Endpoint request URI: {url}")
    call.info(f"Endpoint request headers: {_java_map(dict(headers))}")
    call.info(f"Endpoint request body after transformations: {body}")
    call.step("integration request", "ok", 1)
    call.info(f"Sending request to {url}")
    result = _send(call, integration, lambda: backends.call_http(call.account, method, url, headers, body))
    call.info(f"Received response. Status: {result.status}, Integration latency: {result.duration_ms} ms")
    call.info(f"Endpoint response headers: {_java_map(dict(result.headers))}")
    call.info(f"Endpoint response body before transformations: {result.body}")
    call.step("integration", "ok", result.duration_ms, f"the backend answered {result.status}")
    return result


def _http_proxy(call: Call, integration: Integration) -> Response:
    path_params, query_params, header_params = _request_parameters(call, integration)
    # With a {proxy+} resource the console maps the greedy path itself.
    for name, value in call.path_parameters.items():
        path_params.setdefault(name, value)
    url = _http_target(call, integration, {}, path_params)
    if call.request.query:
        url += ("&" if "?" in url else "?") + urlencode(call.request.query)
    hop = {"host", "content-length", "connection"}
    headers = [(k, v) for k, v in call.request.headers if k.lower() not in hop] + list(header_params.items())
    result = _send_http(
        call,
        integration,
        (integration.httpMethod or call.request.method).upper()
        if integration.httpMethod and integration.httpMethod != "ANY"
        else call.request.method.upper(),
        url,
        headers,
        call.request.body_text,
    )
    call.step("integration response", "skipped", 0, "proxy: the backend's answer is the response")
    call.info("Successfully completed execution")
    call.step("method response", "ok", 0)
    return Response(status=result.status, headers=list(result.headers), body=result.body, decided_by="integration")


def _http(call: Call, integration: Integration) -> Response:
    path_params, query_params, header_params = _request_parameters(call, integration)
    template = _select_request_template(call, integration)
    body = call.request.body_text
    if template is not None:
        body, _, _ = _render(call, template, body, "request")
    url = _http_target(call, integration, query_params, path_params)
    headers = list(header_params.items())
    if template is not None and not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    result = _send_http(call, integration, (integration.httpMethod or "GET").upper(), url, headers, body)
    return _integration_response(call, integration, str(result.status), None, result.body, result.headers)


def _aws(call: Call, integration: Integration) -> Response:
    template = _select_request_template(call, integration)
    body = call.request.body_text
    if template is not None:
        body, _, _ = _render(call, template, body, "request")
    uri = _substitute(call, integration.uri or "")
    if LAMBDA_INVOKE_URI.match(uri):
        try:
            event = json.loads(body) if body.strip() else {}
        except ValueError:
            event = body
        result = _call_lambda(call, integration, event, proxy=False)
        if result.failed:
            payload = json.dumps(result.error_payload())
            return _integration_response(call, integration, "200", result.error_message, payload, [])
        return _integration_response(
            call, integration, "200", None, json.dumps(result.payload), [("Content-Type", "application/json")]
        )
    match = AWS_SERVICE_URI.match(uri)
    if not match:
        call.error(f"Execution failed due to configuration error: Invalid service uri {uri}")
        raise Stop(internal_error("integration"))
    call.info(
        f"Endpoint request URI: https://{match['service']}.{call.account.region}.amazonaws.com/ ({match['kind']} {match['rest']})"
    )
    call.info(f"Endpoint request body after transformations: {body}")
    call.step("integration request", "ok", 1)
    result = _send(
        call,
        integration,
        lambda: backends.call_aws_service(
            call.account,
            match["service"],
            match["kind"],
            match["rest"],
            body,
            lambda: backends.new_request_id(call.rng),
        ),
    )
    call.info(f"Received response. Status: {result.status}, Integration latency: {result.duration_ms} ms")
    call.info(f"Endpoint response body before transformations: {result.body}")
    call.step("integration", "ok", result.duration_ms, f"{match['service']} answered {result.status}")
    return _integration_response(call, integration, str(result.status), None, result.body, result.headers)


# ---------------------------------------------------------------------------------------
# Integration response -> method response


def select_integration_response(integration: Integration, status: str, error_message: str | None):
    """AWS's selection: the pattern is matched against the Lambda errorMessage when the
    function failed, else against the backend status; a successful Lambda call and an
    unmatched status take the default (the response without a pattern)."""
    default = None
    subject = error_message if error_message is not None else status
    for response in integration.integrationResponses.values():
        pattern = response.selectionPattern
        if not pattern:
            default = default or response
            continue
        if error_message is None and integration.type == "AWS" and LAMBDA_INVOKE_URI.match(integration.uri or ""):
            continue  # a successful Lambda call always takes the default
        try:
            if re.fullmatch(pattern, subject, re.S):
                return response
        except re.error:
            continue
    return default


def _integration_response(
    call: Call,
    integration: Integration,
    status: str,
    error_message: str | None,
    body: str,
    backend_headers: list[tuple[str, str]],
) -> Response:
    chosen = select_integration_response(integration, status, error_message)
    if chosen is None:
        call.error(
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured"
        )
        call.step("integration response", "failed", 0, f"no integration response matches {error_message or status}")
        raise Stop(internal_error("integration response"))
    out_body = body
    status_code = int(chosen.statusCode)
    headers: list[tuple[str, str]] = []
    template = chosen.responseTemplates.get("application/json")
    if template is None and chosen.responseTemplates:
        template = next(iter(chosen.responseTemplates.values()))
    overrides: dict[str, str] = {}
    if template is not None:
        saved = call.context
        call.context = {**call.context, "responseOverride": {}}
        out_body, status_override, overrides = _render(call, template, body, "response")
        call.context = saved
        if status_override:
            status_code = status_override
    for target, source in chosen.responseParameters.items():
        if not target.startswith("method.response.header."):
            continue
        value = _response_parameter(source, body, backend_headers)
        if value is not None:
            headers.append((target.split(".", 3)[3], value))
    headers.extend(overrides.items())
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    call.step(
        "integration response",
        "ok",
        0,
        f"selected {'pattern ' + repr(chosen.selectionPattern) if chosen.selectionPattern else 'the default'} -> {status_code}",
    )
    call.info(f"Method response body after transformations: {out_body}")
    call.info(f"Method response headers: {_java_map(dict(headers))}")
    call.info("Successfully completed execution")
    call.step("method response", "ok", 0)
    return Response(status=status_code, headers=headers, body=out_body, decided_by="integration response")


def _response_parameter(source: str, body: str, backend_headers: list[tuple[str, str]]) -> str | None:
    if source.startswith("'") and source.endswith("'") and len(source) >= 2:
        return source[1:-1]
    if source.startswith("integration.response.header."):
        name = source.split(".", 3)[3].lower()
        return next((v for k, v in reversed(backend_headers) if k.lower() == name), None)
    if source.startswith("integration.response.body"):
        try:
            value: Any = json.loads(body)
        except ValueError:
            return None
        for part in [p for p in source[len("integration.response.body") :].split(".") if p]:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)
    return None


# ---------------------------------------------------------------------------------------
# Gateway responses


def _extended_request_id(request_id: str) -> str:
    """The shape of API Gateway's extended request id (16 characters and "="), from the request id."""
    return request_id.replace("-", "")[:16] + "="


def _gateway_response(call: Call, outcome: GatewayFailure) -> Response:
    """Render the error as the API's gateway response of that type (or DEFAULT_4XX/5XX)."""
    compiled = call.compiled
    status = outcome.status
    custom = None
    if compiled:
        custom = compiled.gateway_responses.get(outcome.response_type) or compiled.gateway_responses.get(
            "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX"
        )
    template = DEFAULT_TEMPLATE
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    if custom is not None:
        if custom.statusCode:
            status = int(custom.statusCode)
        template = custom.responseTemplates.get("application/json", template)
        for target, source in custom.responseParameters.items():
            if target.startswith("gatewayresponse.header."):
                value = (
                    source[1:-1]
                    if source.startswith("'") and source.endswith("'")
                    else _parameter_value(call, source.replace("method.request", "method.request"))
                )
                if value is not None:
                    headers.append((target.split(".", 2)[2], value))
    if outcome.error_header:
        headers.append(("x-amzn-ErrorType", outcome.error_header))
    context = {
        **(call.context or {}),
        "error": {
            "message": outcome.message,
            "messageString": json.dumps(outcome.message),
            "responseType": outcome.response_type,
            "validationErrorString": "",
        },
    }
    try:
        body = render_with_overrides(
            template, TemplateInput("", {}, {}, {}), context, call.stage_variables, Limits()
        ).text
    except TemplateError:
        body = json.dumps({"message": outcome.message}, separators=(",", ":"))
    call.error(f"Gateway response type: {outcome.response_type} with status code: {status}")
    return Response(
        status=status,
        headers=headers,
        body=body,
        error_type=outcome.error_header,
        decided_by=outcome.step or "method request",
        reason=outcome.message,
    )


def find_stage(account: Account, api_id: str, stage: str) -> Stage:
    api = account.restApis.get(api_id)
    if api is None or stage not in api.stages:
        raise NotFoundError(f"No stage {stage} on API {api_id}")
    return api.stages[stage]
