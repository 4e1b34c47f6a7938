"""Checking a lab: the declarative checks, run on a scratch copy of the learner's account, each
saying what happened when it did not pass."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gateway as gw
from gateway.auth import cognito
from gateway.model.call import Request, Response, Runtime
from gateway.model.resources import RestApi, Stage, V2Api
from gateway.rest import cors
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from sandbox import call_log
from sandbox.labs.loader import API_STEPS, Lab, _step_body, _step_kind
from sandbox.labs.setup import cognito_client, find_key, find_rest_api, find_v2_api

# ---------------------------------------------------------------------------------------
# Checking


@dataclass
class CheckResult:
    title: str
    passed: bool
    message: str = ""  # the lab's explanation, when the check failed
    detail: str = ""  # what actually happened (status, body, API Gateway's reason)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "passed": self.passed, "message": self.message, "detail": self.detail}


class Fail(Exception):  # noqa: N818 (control flow: a check that did not pass, with what happened)
    pass


@dataclass
class Context:
    account: gw.Account  # a scratch copy: checks never change the learner's sandbox
    runtime: Runtime
    now: float
    built: set[str] = field(default_factory=set)  # the APIs the lab's starting state builds
    since: float = 0.0  # when the learner (re)started the lab: AWS calls before it do not count


class FixedRandom(random.Random):
    """A random source whose draws are fixed: 0.0 always goes to a canary, 0.999999 never does."""

    def __init__(self, value: float):
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def run_checks(lab: Lab, account: gw.Account, *, runtime: Runtime, now: float, since: float = 0.0) -> list[CheckResult]:
    scratch = gw.Account.from_dict(account.to_dict())
    built = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) in API_STEPS}
    context = Context(scratch, runtime, now, built, since)
    results = []
    for check in lab.checks:
        try:
            detail = CHECKS[check.kind](context, check.params) or ""
        except Fail as failed:
            results.append(CheckResult(check.title, False, check.message, str(failed)))
        except (gw.GatewayError, cognito.CognitoError) as exc:  # e.g. the lab's user was deleted
            results.append(CheckResult(check.title, False, check.message, f"The check could not run: {exc}"))
        else:
            results.append(CheckResult(check.title, True, "", detail))
    return results


def all_passed(results: list[CheckResult] | list[dict[str, Any]]) -> bool:
    return bool(results) and all(r.passed if isinstance(r, CheckResult) else r.get("passed") for r in results)


# -- helpers ----------------------------------------------------------------------------


def _api(context: Context, name: str) -> RestApi:
    api = find_rest_api(context.account, name)
    if api is None:
        start = " (start the lab to create it)" if name in context.built else ""
        raise Fail(f"There is no REST API named {name!r} in your sandbox{start}.")
    return api


def _v2(context: Context, name: str, protocol: str) -> V2Api:
    api = find_v2_api(context.account, name, protocol)
    if api is None:
        label = "HTTP API" if protocol == "HTTP" else "WebSocket API"
        start = " (start the lab to create it)" if name in context.built else ""
        raise Fail(f"There is no {label} named {name!r} in your sandbox{start}.")
    return api


def _stage(api: RestApi, name: str) -> Stage:
    stage = api.stages.get(name)
    if stage is None:
        raise Fail(f"The API {api.name} has no stage {name!r}: deploy it to a stage named {name}.")
    return stage


def _deployed(api: RestApi, stage_name: str) -> RestApi:
    stage = _stage(api, stage_name)
    deployment = api.deployments.get(stage.deploymentId)
    if deployment is None:
        raise Fail(f"Stage {stage_name} points at no deployment.")
    return RestApi.from_dict(deployment.snapshot)


def _method(api: RestApi, path: str, verb: str, where: str) -> gw.Method:
    resource = api.resource_by_path(path)
    if resource is None:
        raise Fail(f"{where} has no resource {path}.")
    method = resource.resourceMethods.get(verb.upper())
    if method is None:
        raise Fail(f"{where} has no {verb.upper()} method on {path}.")
    return method


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _compare(actual: Any, wanted: Any) -> bool:
    """`wanted` is a value (equal), or {at_most, at_least, contains, one_of, present}."""
    if isinstance(wanted, dict) and set(wanted) <= {"at_most", "at_least", "contains", "one_of", "present"}:
        ok = True
        if "present" in wanted:
            ok = ok and ((actual not in (None, "", [], {})) == bool(wanted["present"]))
        if "at_most" in wanted:
            ok = ok and isinstance(actual, (int, float)) and actual <= wanted["at_most"]
        if "at_least" in wanted:
            ok = ok and isinstance(actual, (int, float)) and actual >= wanted["at_least"]
        if "contains" in wanted:
            ok = ok and actual is not None and str(wanted["contains"]) in str(actual)
        if "one_of" in wanted:
            ok = ok and actual in wanted["one_of"]
        return ok
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return actual is wanted or actual == wanted
    if isinstance(wanted, (int, float)) and isinstance(actual, (int, float)):
        return abs(actual - wanted) < 1e-9
    return actual == wanted or (actual is not None and str(actual) == str(wanted))


def _expect_fields(data: dict[str, Any], expect: dict[str, Any], what: str) -> list[str]:
    wrong = []
    for dotted, wanted in expect.items():
        actual = _lookup(data, dotted)
        if not _compare(actual, wanted):
            wrong.append(f"{what} {dotted} is {json.dumps(actual)}")
    return wrong


def _cause(response: Response) -> str:
    """API Gateway's own reason: the first error in the execution log, else the response's reason."""
    for line in response.log:
        if line.level == "ERROR" and not line.message.startswith("Gateway response type"):
            return line.message
    return response.reason


def _describe(request: Request, response: Response) -> str:
    body = response.text.strip().replace("\n", " ")
    if len(body) > 240:
        body = body[:240] + "…"
    text = f"{request.method} {request.path} answered {response.status} {body}".rstrip()
    cause = _cause(response)
    if cause and response.status >= 400:
        text += f" — API Gateway: {cause}"
    return text


def _headers(params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in (params.get("headers") or {}).items()]


def _body(params: dict[str, Any]) -> str:
    body = params.get("body", "")
    return body if isinstance(body, str) else json.dumps(body)


def _query(params: dict[str, Any]) -> list[tuple[str, str]]:
    return [(str(k), str(v)) for k, v in (params.get("query") or {}).items()]


def _token(context: Context, spec: dict[str, Any]) -> str:
    pool = next((p for p in context.account.userPools.values() if p.name == spec["pool"]), None)
    if pool is None:
        raise Fail(f"There is no user pool named {spec['pool']!r} (start the lab to create it).")
    client = cognito_client(pool, spec.get("client", "web"))
    if client is None:
        raise Fail(f"The user pool {pool.name} has no app client {spec.get('client', 'web')!r}.")
    tokens = cognito.issue_tokens(pool, client.clientId, spec["username"], spec["password"], now=context.now)
    return tokens["AccessToken" if spec.get("token") == "access" else "IdToken"]


def rest_request(context: Context, api: RestApi, params: dict[str, Any], **extra: Any) -> Request:
    headers = _headers(params)
    if params.get("api_key"):
        key = find_key(context.account, params["api_key"])
        if key is None:
            raise Fail(f"There is no API key named {params['api_key']!r} in your sandbox.")
        headers.append(("x-api-key", key.value))
    if params.get("cognito"):
        headers.append(("Authorization", _token(context, params["cognito"])))
    return Request(
        api_id=api.id,
        stage=params["stage"],
        method=str(params.get("method", "GET")).upper(),
        path=params.get("path", "/"),
        query=_query(params),
        headers=headers + list(extra.pop("headers", [])),
        body=_body(params),
        source_ip=params.get("source_ip", "203.0.113.10"),
        vpce_id=params.get("vpce"),
        time=context.now,
        **extra,
    )


def _invoke(context: Context, request: Request, canary: bool = False) -> Response:
    return gw.invoke(context.account, request, rng=FixedRandom(0.0 if canary else 0.999999), runtime=context.runtime)


def _check_response(request: Request, response: Response, expect: dict[str, Any]) -> str:
    """'' when the response is as expected, else what differs."""
    wrong = []
    if "status" in expect:
        wanted = expect["status"] if isinstance(expect["status"], list) else [expect["status"]]
        if response.status not in [int(s) for s in wanted]:
            wrong.append(f"expected status {' or '.join(str(s) for s in wanted)}")
    for text in _as_list(expect.get("body_contains")):
        if str(text) not in response.text:
            wrong.append(f"expected the body to contain {text!r}")
    for text in _as_list(expect.get("body_not_contains")):
        if str(text) in response.text:
            wrong.append(f"expected the body not to contain {text!r}")
    if "body_json" in expect:
        try:
            parsed = json.loads(response.text)
        except ValueError:
            parsed = None
        if not _json_subset(expect["body_json"], parsed):
            wrong.append(f"expected the JSON body to include {json.dumps(expect['body_json'])}")
    for name, value in (expect.get("header") or {}).items():
        actual = response.header(name)
        if value is True and actual is None:
            wrong.append(f"expected a {name} header")
        elif value is not True and actual != str(value):
            wrong.append(f"expected the header {name}: {value} (got {actual!r})")
    if "cache" in expect and response.cache != expect["cache"]:
        wrong.append(f"expected a cache {expect['cache']} (got {response.cache or 'no cache'})")
    if not wrong:
        return ""
    return f"{_describe(request, response)} ({'; '.join(wrong)})"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _json_subset(wanted: Any, actual: Any) -> bool:
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(k in actual and _json_subset(v, actual[k]) for k, v in wanted.items())
    return wanted == actual


# -- the check kinds ----------------------------------------------------------------------


def check_invoke(context: Context, params: dict[str, Any]) -> str:
    """A real call through the REST pipeline, compared with `expect`."""
    api = _api(context, params["api"])
    request = rest_request(context, api, params)
    response = _invoke(context, request, bool(params.get("canary")))
    wrong = _check_response(request, response, params["expect"])
    if wrong:
        raise Fail(wrong)
    return _describe(request, response)


def check_http_invoke(context: Context, params: dict[str, Any]) -> str:
    api = _v2(context, params["api"], "HTTP")
    request = Request(
        api_id=api.apiId,
        stage=params.get("stage", "$default"),
        method=str(params.get("method", "GET")).upper(),
        path=params.get("path", "/"),
        query=_query(params),
        headers=_headers(params),
        body=_body(params),
        time=context.now,
    )
    response = v2.invoke_http_api(context.account, request, rng=random.Random(0), runtime=context.runtime)
    wrong = _check_response(request, response, params["expect"])
    if wrong:
        raise Fail(wrong)
    return _describe(request, response)


def check_throttled(context: Context, params: dict[str, Any]) -> str:
    """A burst of requests at the same instant: some must get 429 Too Many Requests."""
    api = _api(context, params["api"])
    statuses = []
    throttled = None
    for _ in range(int(params.get("count", 10))):
        request = rest_request(context, api, params)
        response = _invoke(context, request)
        statuses.append(response.status)
        if response.status == 429 and throttled is None:
            throttled = response
    summary = ", ".join(str(s) for s in statuses)
    if throttled is None:
        first_error = next((s for s in statuses if s != 200), None)
        hint = "" if first_error is None else f" (a {first_error} is not throttling: check the key and the plan)"
        raise Fail(f"{len(statuses)} requests at once answered {summary}: none was throttled{hint}.")
    if throttled.json().get("message") != "Too Many Requests":
        raise Fail(f"{summary}: the 429 says {throttled.text} (a spent quota, not the rate limit).")
    if 200 not in statuses:
        raise Fail(f"{summary}: every request was refused; a client within its limits should get 200 first.")
    return f"{len(statuses)} requests at once answered {summary}."


def _cache_pair(context: Context, params: dict[str, Any]) -> tuple[RestApi, dict[str, Any]]:
    api = _api(context, params["api"])
    return api, {"stage": params["stage"], "path": params["path"], "method": params.get("method", "GET")}


def check_cache_hit(context: Context, params: dict[str, Any]) -> str:
    api, request_params = _cache_pair(context, params)
    _invoke(context, rest_request(context, api, request_params))
    request = rest_request(context, api, request_params)
    response = _invoke(context, request)
    if response.status != 200:
        raise Fail(_describe(request, response))
    if response.cache != "hit":
        why = (
            "the stage cache was not consulted (enable the cache on the stage and caching for this method, with a TTL above 0)"
            if response.cache is None
            else "the second identical request missed the cache"
        )
        raise Fail(f"Two identical requests: the second was not served from the cache: {why}.")
    return "The second identical request was served from the stage cache (cache hit)."


def check_cache_invalidates(context: Context, params: dict[str, Any]) -> str:
    api, request_params = _cache_pair(context, params)
    _invoke(context, rest_request(context, api, request_params))
    request = rest_request(context, api, request_params, headers=[("Cache-Control", "max-age=0")])
    response = _invoke(context, request)
    if response.status == 403:
        raise Fail(f"{_describe(request, response)}: the cache refused the invalidation (FAIL_WITH_403).")
    if response.cache == "hit":
        warning = response.header("Warning")
        raise Fail(
            "A request with Cache-Control: max-age=0 was still served from the cache"
            + (f" (Warning: {warning})" if warning else "")
            + "."
        )
    if response.cache != "miss":
        raise Fail("The stage cache is not on for this method, so there is nothing to invalidate.")
    return "Cache-Control: max-age=0 fetched a fresh response from the integration."


def check_resource_exists(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    where = f"The API {api.name}"
    if params.get("stage"):
        api = _deployed(api, params["stage"])
        where = f"What stage {params['stage']} serves"
    if params.get("method"):
        _method(api, params["path"], params["method"], where)
        return f"{params['method'].upper()} {params['path']} exists."
    if api.resource_by_path(params["path"]) is None:
        raise Fail(f"{where} has no resource {params['path']}.")
    return f"{params['path']} exists."


def check_method_config(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    where = f"The API {api.name} (working copy)"
    if params.get("stage"):
        api = _deployed(api, params["stage"])
        where = f"Stage {params['stage']}"
    method = _method(api, params["path"], params["method"], where)
    wrong = _expect_fields(method.to_dict(), params["expect"], f"{params['method'].upper()} {params['path']}:")
    if wrong:
        raise Fail(f"{where}: " + "; ".join(wrong) + ".")
    return f"{where}: {params['method'].upper()} {params['path']} is configured as expected."


def check_method_setting(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    setting = stage.setting_for(params["path"], params["method"]).to_dict()
    wrong = _expect_fields(setting, params["expect"], "the setting")
    if wrong:
        raise Fail(f"Stage {stage.stageName}, {params['method'].upper()} {params['path']}: " + "; ".join(wrong) + ".")
    return f"Stage {stage.stageName} settings for {params['method'].upper()} {params['path']} are as expected."


def check_stage_field(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    wrong = _expect_fields(stage.to_dict(), params["expect"], "")
    if wrong:
        raise Fail(f"Stage {stage.stageName}:" + ";".join(wrong) + ".")
    return f"Stage {stage.stageName} is configured as expected."


def check_stage_exists(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    _stage(api, params["stage"])
    return f"Stage {params['stage']} exists."


def check_stage_points_at_latest(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    deployment = api.deployments.get(stage.deploymentId)
    if deployment is None or deployment.snapshot != api.definition():
        raise Fail(
            f"The API has changes that stage {stage.stageName} does not serve yet: deploy it to {stage.stageName}."
        )
    return f"Stage {stage.stageName} serves the API as it is now."


def check_stages_differ(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stages = [_stage(api, name) for name in params["stages"]]
    if len({s.deploymentId for s in stages}) < len(stages):
        raise Fail(f"Stages {', '.join(params['stages'])} serve the same deployment.")
    return f"Stages {', '.join(params['stages'])} serve different deployments."


def check_stage_rolled_back(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    if not stage.history or stage.history[-1].reason != "rollback":
        last = stage.history[-1].reason if stage.history else "nothing"
        raise Fail(f"Stage {stage.stageName}'s last change was a {last}, not a rollback to an earlier deployment.")
    return f"Stage {stage.stageName} was rolled back to deployment {stage.deploymentId}."


def check_stage_variable(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    actual = stage.variables.get(params["name"])
    if actual != str(params["value"]):
        shown = "is not set" if actual is None else f"is {actual!r}"
        raise Fail(f"On stage {stage.stageName} the variable {params['name']} {shown}.")
    return f"{params['name']} = {actual} on stage {stage.stageName}."


def check_canary_percent(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    canary = stage.canarySettings
    if canary is None:
        raise Fail(f"Stage {stage.stageName} has no canary.")
    if abs(canary.percentTraffic - float(params["percent"])) > 1e-6:
        raise Fail(f"The canary of {stage.stageName} gets {canary.percentTraffic:g}% of the requests.")
    if canary.deploymentId == stage.deploymentId:
        raise Fail("The canary serves the same deployment as the stage: deploy the new version to the canary.")
    return f"The canary gets {canary.percentTraffic:g}% of the requests to {stage.stageName}."


def check_canary_promoted(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    stage = _stage(api, params["stage"])
    if stage.canarySettings is not None:
        raise Fail(
            f"Stage {stage.stageName} still has a canary ({stage.canarySettings.percentTraffic:g}% of the requests)."
        )
    if not any(entry.reason == "promote" for entry in stage.history):
        raise Fail(f"Stage {stage.stageName}'s canary was removed, not promoted.")
    return f"The canary was promoted: stage {stage.stageName} serves its deployment."


def check_endpoint_type(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    if api.endpoint_type != params["type"]:
        raise Fail(f"The API {api.name} is {api.endpoint_type}.")
    return f"The API {api.name} is {api.endpoint_type}."


def check_key_in_plan(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    key = find_key(context.account, params["key"])
    if key is None:
        raise Fail(f"There is no API key named {params['key']!r}.")
    if not key.enabled:
        raise Fail(f"The key {key.name} is disabled: requests with it get 403 Forbidden.")
    plans = traffic.plans_for(context.account, api.id, params["stage"], key.id)
    if not plans:
        raise Fail(
            f"Your key {key.name} exists but no usage plan for stage {params['stage']} contains it: "
            "requests get 403 Forbidden."
        )
    return f"The key {key.name} is in the usage plan {plans[0].name} for stage {params['stage']}."


def check_plan_throttle(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    plans = [
        p
        for p in context.account.usagePlans.values()
        if any(s.apiId == api.id and s.stage == params["stage"] for s in p.apiStages)
    ]
    if params.get("key"):
        key = find_key(context.account, params["key"])
        plans = [p for p in plans if key is not None and key.id in p.keyIds]
    if not plans:
        raise Fail(
            f"No usage plan covers stage {params['stage']}"
            + (f" with the key {params['key']}" if params.get("key") else "")
            + "."
        )
    for plan in plans:
        throttle = plan.throttle
        if throttle is None or throttle.rateLimit is None:
            continue
        if "rate_at_most" in params and throttle.rateLimit > params["rate_at_most"]:
            continue
        burst = throttle.burstLimit if throttle.burstLimit is not None else throttle.rateLimit
        if "burst_at_most" in params and burst > params["burst_at_most"]:
            continue
        return f"The plan {plan.name} allows {throttle.rateLimit:g} requests per second, burst {burst:g}."
    shown = ", ".join(
        f"{p.name}: " + (f"rate {p.throttle.rateLimit}, burst {p.throttle.burstLimit}" if p.throttle else "no throttle")
        for p in plans
    )
    raise Fail(f"The plans for stage {params['stage']} allow more: {shown}.")


def check_cors_allows_origin(context: Context, params: dict[str, Any]) -> str:
    api = _api(context, params["api"])
    verdict = cors.browser_verdict(
        context.account,
        api.id,
        params["stage"],
        origin=params["origin"],
        method=params.get("method", "GET"),
        path=params["path"],
        headers=dict(params.get("headers") or {}),
        now=context.now,
        rng=FixedRandom(0.999999),
        runtime=context.runtime,
    )
    wanted = params.get("allowed", True)
    steps = "; ".join(verdict.steps)
    if verdict.allowed != wanted:
        if wanted:
            raise Fail(f"A page at {params['origin']} is blocked: {verdict.reason} ({steps}).")
        raise Fail(f"A page at {params['origin']} can read the response too ({steps}): the API allows any origin.")
    return f"{params['origin']}: {verdict.reason}" if wanted else f"{params['origin']} is blocked: {verdict.reason}"


def check_ws_route_selected(context: Context, params: dict[str, Any]) -> str:
    api = _v2(context, params["api"], "WEBSOCKET")
    rng = random.Random(0)
    opened = v2.ws_connect(
        context.account, api.apiId, params["stage"], now=context.now, rng=rng, runtime=context.runtime
    )
    if opened.status != 101:
        raise Fail(f"Connecting to stage {params['stage']} answered {opened.status}: {opened.reason}.")
    sent = v2.ws_send(context.account, opened.connection_id, params["send"], now=context.now, rng=rng)
    if sent.route_key != params["route"]:
        taken = sent.route_key or "no route"
        raise Fail(f"The message {params['send']} took {taken} ({sent.status}: {sent.reason}).")
    reply = " ".join(sent.messages)
    if params.get("reply_contains") and str(params["reply_contains"]) not in reply:
        raise Fail(f"The message took {sent.route_key}, but the client got {reply or 'nothing back'} ({sent.reason}).")
    return (
        f"The message took the route {sent.route_key}" + (f" and the client got {reply[:160]}" if reply else "") + "."
    )


def check_ws_broadcast(context: Context, params: dict[str, Any]) -> str:
    """Two clients connect; what the first sends must reach both (pushed by the backend)."""
    api = _v2(context, params["api"], "WEBSOCKET")
    rng = random.Random(0)
    clients = []
    for n in (1, 2):
        opened = v2.ws_connect(
            context.account, api.apiId, params["stage"], now=context.now, rng=rng, runtime=context.runtime
        )
        if opened.status != 101:
            raise Fail(f"Client {n} could not connect to stage {params['stage']}: {opened.status}, {opened.reason}.")
        clients.append(opened.connection_id)
    sent = v2.ws_send(context.account, clients[0], params["send"], now=context.now, rng=rng)
    heard = [
        " ".join(m["data"] for m in connection.outbox) if connection else ""
        for connection in (context.account.wsConnections.get(c) for c in clients)
    ]
    for client in clients:
        v2.ws_disconnect(context.account, client, now=context.now, rng=rng)
    if sent.status >= 400:
        raise Fail(f"Sending {params['send']} answered {sent.status}: {sent.reason}.")
    wanted = str(params["expect"])
    got = ", ".join(f"client {n} got {text[:120] or 'nothing'}" for n, text in enumerate(heard, 1))
    if not all(wanted in text for text in heard):
        raise Fail(f"Client 1 sent {params['send']} (route {sent.route_key}: {sent.reason}); {got}.")
    return f"Client 1 sent {params['send']}; {got}."


def check_v2_api_exists(context: Context, params: dict[str, Any]) -> str:
    api = _v2(context, params["api"], params["protocol"])
    return f"{api.name} is an {api.protocolType} API."


def check_aws_call(context: Context, params: dict[str, Any]) -> str:
    """The learner's AWS client made this call to the sandbox's AWS endpoint, and it succeeded."""
    service = params.get("service")
    calls = [
        c
        for c in call_log.recent(context.runtime.store, context.account.idSeed)
        if c["operation"] == params["operation"]
        and (service is None or c["service"] == service)
        and c["at"] >= context.since
    ]
    if any(not c["error"] for c in calls):
        return f"{params['operation']} answered {next(c['status'] for c in calls if not c['error'])}"
    if calls:
        raise Fail(f"Your last {params['operation']} call was refused: {calls[0]['status']} {calls[0]['error']}")
    raise Fail(f"No {params['operation']} call has reached your sandbox's AWS endpoint since the lab started")


CHECKS: dict[str, Callable[[Context, dict[str, Any]], str]] = {
    "invoke": check_invoke,
    "http_invoke": check_http_invoke,
    "throttled": check_throttled,
    "cache_hit": check_cache_hit,
    "cache_invalidates": check_cache_invalidates,
    "resource_exists": check_resource_exists,
    "method_config": check_method_config,
    "method_setting": check_method_setting,
    "stage_field": check_stage_field,
    "stage_exists": check_stage_exists,
    "stage_points_at_latest": check_stage_points_at_latest,
    "stages_differ": check_stages_differ,
    "stage_rolled_back": check_stage_rolled_back,
    "stage_variable": check_stage_variable,
    "canary_percent": check_canary_percent,
    "canary_promoted": check_canary_promoted,
    "endpoint_type": check_endpoint_type,
    "key_in_plan": check_key_in_plan,
    "plan_throttle": check_plan_throttle,
    "cors_allows_origin": check_cors_allows_origin,
    "ws_route_selected": check_ws_route_selected,
    "ws_broadcast": check_ws_broadcast,
    "v2_api_exists": check_v2_api_exists,
    "aws_call": check_aws_call,
}
