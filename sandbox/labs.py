"""Guided labs: their definitions (sandbox/labs/*.yaml), their starting state, and the checker.

A lab is data: a goal, a story, a starting state (steps the engine's operations build in the
learner's sandbox), hints, and declarative checks. Nothing in a lab file is executed: each
setup step and each check names a kind this module interprets (`SETUP_STEPS`, `CHECKS`).

Labs find their APIs, keys, plans and functions by name, so a lab can be restarted (its
objects are rebuilt) and a learner may build what a lab asks for however they like. Checks
run on a scratch copy of the learner's account, so checking never changes the sandbox; the
invocations share the runtime store with /gw/ (throttles, quotas and cache entries behave as
for real callers) but are not recorded in the learner's metrics and logs.
"""

from __future__ import annotations

import functools
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

import gateway as gw
from gateway.auth import cognito
from gateway.model.call import Request, Response, Runtime
from gateway.model.resources import Behaviour, RestApi, Stage, V2Api
from gateway.rest import cors
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2

LAB_DIR = Path(__file__).resolve().parent / "labs"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_BURST = 50  # requests one `throttled` check may send


class LabError(ValueError):
    """A lab file is malformed: `problems` lists each one with the file and the field."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# ---------------------------------------------------------------------------------------
# Definitions


@dataclass(frozen=True)
class Check:
    kind: str
    title: str
    message: str  # shown when the check fails: what is still wrong and why it matters
    params: dict[str, Any]


@dataclass(frozen=True)
class Lab:
    slug: str
    title: str
    topic: str
    order: int
    minutes: int
    goal: str
    story: str
    setup: list[dict[str, Any]]
    hints: list[str]
    checks: list[Check]
    console: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, str]] = field(default_factory=list)
    try_: dict[str, Any] = field(default_factory=dict)
    goal_html: str = ""
    story_html: str = ""
    hints_html: list[str] = field(default_factory=list)

    @property
    def uid(self) -> str:
        return f"lab-{self.slug}"

    @property
    def api_names(self) -> set[str]:
        """Every API the lab builds or looks at: restarting the lab rebuilds (or removes) them."""
        names = {_step_body(s).get("name") for s in self.setup if _step_kind(s) in API_STEPS}
        names |= {c.params["api"] for c in self.checks if "api" in c.params}
        if "api" in self.try_:
            names.add(self.try_["api"])
        return {n for n in names if n}


def _step_kind(step: dict[str, Any]) -> str:
    return next(iter(step))


def _step_body(step: dict[str, Any]) -> dict[str, Any]:
    return next(iter(step.values())) or {}


# Allowed fields per setup step and per check kind: a typo in a lab file is a load error, not
# a check that silently passes.
SETUP_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "rest_api": ({"name"}, {"endpoint", "description", "policy"}),
    "method": ({"api", "path", "verb"}, {"auth", "api_key_required", "request_parameters", "integration", "responses"}),
    "deploy": ({"api", "stage"}, {"description", "variables", "canary"}),
    "function": ({"name"}, {"behaviour", "versions", "aliases", "permissions", "allow_api_gateway"}),
    "api_key": ({"name", "value"}, {"enabled"}),
    "usage_plan": ({"name"}, {"throttle", "quota", "stages", "keys"}),
    "user_pool": ({"name", "client"}, {"users"}),
    "http_api": ({"name"}, {"routes", "cors"}),
    "websocket_api": ({"name", "stage"}, {"expression", "routes"}),
    "dynamodb_table": ({"name"}, {"key", "items"}),
}
API_STEPS = {"rest_api", "http_api", "websocket_api"}
REQUEST_FIELDS = {"method", "path", "query", "headers", "body"}
CHECK_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "invoke": (
        {"api", "stage", "expect"},
        REQUEST_FIELDS | {"source_ip", "vpce", "api_key", "cognito", "canary"},
    ),
    "http_invoke": ({"api", "expect"}, REQUEST_FIELDS | {"stage"}),
    "throttled": ({"api", "stage"}, {"method", "path", "api_key", "count"}),
    "cache_hit": ({"api", "stage", "path"}, {"method"}),
    "cache_invalidates": ({"api", "stage", "path"}, {"method"}),
    "resource_exists": ({"api", "path"}, {"method", "stage"}),
    "method_config": ({"api", "path", "method", "expect"}, {"stage"}),
    "method_setting": ({"api", "stage", "path", "method", "expect"}, set()),
    "stage_field": ({"api", "stage", "expect"}, set()),
    "stage_exists": ({"api", "stage"}, set()),
    "stage_points_at_latest": ({"api", "stage"}, set()),
    "stages_differ": ({"api", "stages"}, set()),
    "stage_rolled_back": ({"api", "stage"}, set()),
    "stage_variable": ({"api", "stage", "name", "value"}, set()),
    "canary_percent": ({"api", "stage", "percent"}, set()),
    "canary_promoted": ({"api", "stage"}, set()),
    "endpoint_type": ({"api", "type"}, set()),
    "key_in_plan": ({"api", "stage", "key"}, set()),
    "plan_throttle": ({"api", "stage"}, {"key", "rate_at_most", "burst_at_most"}),
    "cors_allows_origin": ({"api", "stage", "origin", "path"}, {"method", "headers", "allowed"}),
    "ws_route_selected": ({"api", "stage", "send", "route"}, {"reply_contains"}),
    "v2_api_exists": ({"api", "protocol"}, set()),
}
EXPECT_FIELDS = {"status", "body_contains", "body_not_contains", "body_json", "header", "cache"}
TRY_FIELDS = {"kind", "api", "stage", "method", "path", "query", "headers", "body", "api_key", "cognito", "message"}
LAB_FIELDS = {
    "slug",
    "title",
    "topic",
    "order",
    "minutes",
    "goal",
    "story",
    "setup",
    "hints",
    "checks",
    "console",
    "attachments",
    "try",
}


def _problems_of_fields(where: str, data: Any, spec: tuple[set[str], set[str]]) -> list[str]:
    required, optional = spec
    if not isinstance(data, dict):
        return [f"{where}: expected a mapping"]
    problems = [f"{where}: missing {name}" for name in sorted(required - set(data))]
    problems += [f"{where}: unknown field {name}" for name in sorted(set(data) - required - optional)]
    return problems


def parse_lab(text: str, source: str, topics: set[str] | None = None) -> Lab:
    """One lab file -> a Lab, or LabError listing every problem (file, field, rule)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabError([f"{source}: not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise LabError([f"{source}: expected a mapping with slug, title, topic, goal..."])
    problems = [f"{source}: unknown field {k}" for k in sorted(set(data) - LAB_FIELDS)]
    for name in ("slug", "title", "topic", "goal", "story"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            problems.append(f"{source}: {name} is required (text)")
    slug = str(data.get("slug", ""))
    if slug and not SLUG.match(slug):
        problems.append(f"{source}: slug must be lowercase words joined by hyphens")
    if topics is not None and data.get("topic") not in topics:
        problems.append(f"{source}: topic {data.get('topic')!r} is not a topic of the taxonomy")
    setup = data.get("setup") or []
    if not isinstance(setup, list):
        problems.append(f"{source}: setup must be a list of steps")
        setup = []
    for n, step in enumerate(setup, 1):
        if not isinstance(step, dict) or len(step) != 1:
            problems.append(f"{source}: setup step {n} must be one mapping like `- rest_api: {{name: ...}}`")
            continue
        kind = _step_kind(step)
        if kind not in SETUP_FIELDS:
            problems.append(f"{source}: setup step {n}: unknown kind {kind!r} (use {', '.join(SETUP_FIELDS)})")
            continue
        problems += _problems_of_fields(f"{source}: setup step {n} ({kind})", _step_body(step), SETUP_FIELDS[kind])
    hints = data.get("hints") or []
    if not isinstance(hints, list) or not hints or not all(isinstance(h, str) and h.strip() for h in hints):
        problems.append(f"{source}: hints must be a non-empty list of texts")
        hints = []
    checks = []
    raw_checks = data.get("checks") or []
    if not isinstance(raw_checks, list) or not raw_checks:
        problems.append(f"{source}: checks must be a non-empty list")
        raw_checks = []
    for n, raw in enumerate(raw_checks, 1):
        where = f"{source}: check {n}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: expected a mapping with kind and message")
            continue
        kind = raw.get("kind")
        if kind not in CHECKS:
            problems.append(f"{where}: unknown kind {kind!r} (use {', '.join(sorted(CHECKS))})")
            continue
        params = {k: v for k, v in raw.items() if k not in ("kind", "title", "message")}
        if not isinstance(raw.get("message"), str) or not raw["message"].strip():
            problems.append(f"{where}: message is required: what the learner sees when the check fails")
        problems += _problems_of_fields(f"{where} ({kind})", params, CHECK_FIELDS[kind])
        expect = params.get("expect")
        if kind in ("invoke", "http_invoke") and isinstance(expect, dict):
            problems += [f"{where}: unknown expectation {k}" for k in sorted(set(expect) - EXPECT_FIELDS)]
        if kind == "throttled" and int(params.get("count", 10)) > MAX_BURST:
            problems.append(f"{where}: count is at most {MAX_BURST}")
        checks.append(
            Check(kind, str(raw.get("title") or _default_title(kind, params)), str(raw.get("message", "")), params)
        )
    try_ = data.get("try") or {}
    if not isinstance(try_, dict) or set(try_) - TRY_FIELDS:
        problems.append(f"{source}: try may only have {', '.join(sorted(TRY_FIELDS))}")
        try_ = {}
    elif try_ and try_.get("kind", "rest") not in ("rest", "http", "websocket"):
        problems.append(f"{source}: try.kind must be rest, http or websocket")
    console = data.get("console") or []
    if not isinstance(console, list) or not all(isinstance(c, dict) and {"label", "url"} <= set(c) for c in console):
        problems.append(f"{source}: console must be a list of {{label, url, api?}}")
        console = []
    attachments = data.get("attachments") or []
    if not isinstance(attachments, list) or not all(
        isinstance(a, dict) and set(a) == {"name", "content"} for a in attachments
    ):
        problems.append(f"{source}: attachments must be a list of {{name, content}}")
        attachments = []
    if problems:
        raise LabError(problems)
    return Lab(
        slug=slug,
        title=data["title"].strip(),
        topic=data["topic"],
        order=int(data.get("order") or 0),
        minutes=int(data.get("minutes") or 10),
        goal=data["goal"].strip(),
        story=data["story"].strip(),
        setup=setup,
        hints=[h.strip() for h in hints],
        checks=checks,
        console=console,
        attachments=attachments,
        try_=try_,
    )


def _default_title(kind: str, params: dict[str, Any]) -> str:
    expect = params.get("expect")
    if kind in ("invoke", "http_invoke") and isinstance(expect, dict):
        return f"{str(params.get('method', 'GET')).upper()} {params.get('path', '/')} answers {expect.get('status', 'as expected')}"
    return kind.replace("_", " ").capitalize()


def taxonomy_topics() -> set[str]:
    from notes.taxonomy import load_taxonomy

    return {t.slug for t in load_taxonomy(settings.NOTES_TAXONOMY_FILE)}


def load_labs(folder: Path = LAB_DIR, topics: set[str] | None = None) -> dict[str, Lab]:
    """Every lab file of the folder, validated (slugs unique and equal to the file name)."""
    problems: list[str] = []
    labs: dict[str, Lab] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            lab = parse_lab(path.read_text(encoding="utf-8"), path.name, topics)
        except LabError as exc:
            problems += exc.problems
            continue
        if lab.slug != path.stem:
            problems.append(f"{path.name}: the slug {lab.slug!r} must be the file name")
        elif lab.slug in labs:
            problems.append(f"{path.name}: the slug {lab.slug!r} is used twice")
        labs[lab.slug] = lab
    if problems:
        raise LabError(problems)
    return dict(sorted(labs.items(), key=lambda item: (item[1].order, item[0])))


@functools.cache
def all_labs() -> dict[str, Lab]:
    """The shipped labs, loaded once per process, with their markdown rendered once."""
    from notes.markdown import Renderer

    renderer = Renderer()
    rendered = {}
    for slug, lab in load_labs(topics=taxonomy_topics()).items():
        rendered[slug] = Lab(
            **{
                **lab.__dict__,
                "goal_html": renderer.render(lab.goal).html,
                "story_html": renderer.render(lab.story).html,
                "hints_html": [renderer.render(h).html for h in lab.hints],
            }
        )
    return rendered


def get_lab(slug: str) -> Lab | None:
    return all_labs().get(slug)


def labs_for_topic(topic: str) -> list[Lab]:
    return [lab for lab in all_labs().values() if lab.topic == topic]


# ---------------------------------------------------------------------------------------
# Finding things by name


def find_rest_api(account: gw.Account, name: str) -> RestApi | None:
    """The newest REST API with that name (a learner may have made several)."""
    found = [api for api in account.restApis.values() if api.name == name]
    return found[-1] if found else None


def find_v2_api(account: gw.Account, name: str, protocol: str | None = None) -> V2Api | None:
    found = [
        api
        for api in account.v2Apis.values()
        if api.name == name and (protocol is None or api.protocolType == protocol)
    ]
    return found[-1] if found else None


def find_key(account: gw.Account, name: str):
    found = [key for key in account.apiKeys.values() if key.name == name]
    return found[-1] if found else None


def function_arn(account: gw.Account, ref: str) -> str:
    """ "name" or "name:qualifier" -> the function ARN (the console's picker)."""
    return f"arn:aws:lambda:{account.region}:{account.accountId}:function:{ref}"


def api_ids(account: gw.Account, lab: Lab) -> dict[str, tuple[str, str]]:
    """name -> (kind, id) of the lab's APIs present in the sandbox: for the console links."""
    found: dict[str, tuple[str, str]] = {}
    for name in lab.api_names:
        rest = find_rest_api(account, name)
        if rest is not None:
            found[name] = ("REST", rest.id)
            continue
        other = find_v2_api(account, name)
        if other is not None:
            found[name] = (other.protocolType, other.apiId)
    return found


# ---------------------------------------------------------------------------------------
# Starting a lab: clear what it built before, then build its starting state


def start_lab(lab: Lab, account: gw.Account, now: float) -> None:
    """Put the lab's starting state in the account (restarting replaces what it built before)."""
    _clear(lab, account)
    for step in lab.setup:
        SETUP_STEPS[_step_kind(step)](account, _step_body(step), now)


def _clear(lab: Lab, account: gw.Account) -> None:
    names = lab.api_names
    for api_id in [i for i, api in account.restApis.items() if api.name in names]:
        del account.restApis[api_id]
    for api_id in [i for i, api in account.v2Apis.items() if api.name in names]:
        del account.v2Apis[api_id]
        for connection_id in [c for c, conn in account.wsConnections.items() if conn.apiId == api_id]:
            del account.wsConnections[connection_id]
    keys = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) == "api_key"}
    plans = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) == "usage_plan"}
    doomed_keys = {k.id for k in account.apiKeys.values() if k.name in keys}
    for key_id in doomed_keys:
        del account.apiKeys[key_id]
    for plan_id, plan in list(account.usagePlans.items()):
        if plan.name in plans:
            del account.usagePlans[plan_id]
            continue
        plan.apiStages = [s for s in plan.apiStages if s.apiId in account.restApis]
        plan.keyIds = [k for k in plan.keyIds if k not in doomed_keys]


def _policy_text(policy: Any) -> str:
    return policy if isinstance(policy, str) else json.dumps(policy)


def _setup_rest_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = gw.create_rest_api(
        account,
        step["name"],
        description=step.get("description"),
        endpoint_type=step.get("endpoint", "REGIONAL"),
        now=now,
    )
    if step.get("policy"):
        api.policy = _policy_text(step["policy"])
        api.validate()


def _rest_api(account: gw.Account, name: str) -> RestApi:
    api = find_rest_api(account, name)
    if api is None:
        raise LabError([f"setup refers to the REST API {name!r} before creating it"])
    return api


def _setup_method(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = _rest_api(account, step["api"])
    resource = gw.create_resource_path(account, api, step["path"])
    verb = step["verb"].upper()
    gw.put_method(
        api,
        resource.id,
        verb,
        authorization_type=step.get("auth", "NONE"),
        apiKeyRequired=bool(step.get("api_key_required", False)),
        requestParameters=dict(step.get("request_parameters") or {}),
    )
    integration = step.get("integration")
    if not integration:
        return
    kind = integration["type"]
    fields: dict[str, Any] = {}
    if "function" in integration:
        fields["uri"] = function_arn(account, integration["function"])
    if "uri" in integration:
        fields["uri"] = integration["uri"]
    if "http_method" in integration:
        fields["integrationHttpMethod"] = integration["http_method"]
    elif kind in ("AWS", "HTTP"):
        fields["integrationHttpMethod"] = "POST" if kind == "AWS" else verb
    templates = dict(integration.get("request_templates") or {})
    if kind == "MOCK" and not templates:
        templates = {"application/json": '{"statusCode": 200}'}
    if templates:
        fields["requestTemplates"] = templates
    for source, target in (
        ("request_parameters", "requestParameters"),
        ("passthrough", "passthroughBehavior"),
        ("timeout_ms", "timeoutInMillis"),
    ):
        if source in integration:
            fields[target] = integration[source]
    gw.put_integration(api, resource.id, verb, kind, **fields).integrationResponses.clear()
    api.resources[resource.id].resourceMethods[verb].methodResponses.clear()
    if kind in ("AWS_PROXY", "HTTP_PROXY"):
        return
    for response in step.get("responses") or [{"status": "200"}]:
        status = str(response["status"])
        gw.put_method_response(api, resource.id, verb, status)
        gw.put_integration_response(
            api,
            resource.id,
            verb,
            status,
            selectionPattern=response.get("pattern"),
            responseTemplates=dict(response.get("templates") or {}),
            responseParameters=dict(response.get("parameters") or {}),
        )


def _setup_deploy(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = _rest_api(account, step["api"])
    canary = step.get("canary")
    gw.create_deployment(
        account,
        api,
        stage_name=step["stage"],
        description=step.get("description"),
        variables=step.get("variables"),
        canary=(
            {"percentTraffic": float(canary["percent"]), "stageVariableOverrides": canary.get("overrides") or {}}
            if canary
            else None
        ),
        now=now,
    )


def _setup_function(account: gw.Account, step: dict[str, Any], now: float) -> None:
    name = step["name"]
    account.functions.pop(name, None)
    versions = step.get("versions") or []
    function = gw.create_function(
        account,
        name,
        step.get("behaviour") or (versions[-1] if versions else None),
        allow_api_gateway=step.get("allow_api_gateway", True),
    )
    latest = function.versions["$LATEST"]
    for behaviour in versions:
        function.versions["$LATEST"] = Behaviour.from_dict(behaviour)
        function.publish_version()
    function.versions["$LATEST"] = latest
    for alias, version in (step.get("aliases") or {}).items():
        gw.create_alias(account, name, alias, str(version))
    for permission in step.get("permissions") or []:
        source = permission.get("source_arn") or f"arn:aws:execute-api:{account.region}:{account.accountId}:*"
        gw.add_permission(account, name, source, permission.get("qualifier"))


def _setup_api_key(account: gw.Account, step: dict[str, Any], now: float) -> None:
    for key_id in [k.id for k in account.apiKeys.values() if k.value == step["value"]]:
        del account.apiKeys[key_id]
    traffic.create_api_key(account, step["name"], value=step["value"], enabled=step.get("enabled", True), now=now)


def _setup_usage_plan(account: gw.Account, step: dict[str, Any], now: float) -> None:
    plan = traffic.create_usage_plan(account, step["name"], throttle=step.get("throttle"), quota=step.get("quota"))
    for stage in step.get("stages") or []:
        traffic.add_api_stage(account, plan.id, _rest_api(account, stage["api"]).id, stage["stage"])
    for key_name in step.get("keys") or []:
        key = find_key(account, key_name)
        if key is None:
            raise LabError([f"setup refers to the API key {key_name!r} before creating it"])
        traffic.create_usage_plan_key(account, plan.id, key.id)


def _setup_user_pool(account: gw.Account, step: dict[str, Any], now: float) -> None:
    pool = next((p for p in account.userPools.values() if p.name == step["name"]), None)
    if pool is None:  # kept across restarts: a new pool means a new signing key, for nothing
        pool = cognito.create_user_pool(account, step["name"], now=now)
    if cognito_client(pool, step["client"]) is None:
        cognito.create_client(pool, step["client"])
    for user in step.get("users") or []:
        pool.users.pop(user["username"], None)
        cognito.create_user(pool, user["username"], user["password"], attributes=user.get("attributes"))


def cognito_client(pool, name: str):
    return next((c for c in pool.clients if c.name == name), None)


def _setup_http_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = v2.create_http_api(account, step["name"], cors=step.get("cors"), now=now)
    _v2_routes(account, api, step.get("routes") or [], now)


def _v2_routes(account: gw.Account, api: V2Api, routes: list[dict[str, Any]], now: float) -> None:
    for route in routes:
        target = None
        if "function" in route:
            target = v2.create_v2_integration(
                account, api, "AWS_PROXY", function_arn(account, route["function"]), now=now
            ).integrationId
        elif "url" in route:
            target = v2.create_v2_integration(account, api, "HTTP_PROXY", route["url"], now=now).integrationId
        elif route.get("mock"):
            target = v2.create_v2_integration(account, api, "MOCK", now=now).integrationId
        v2.create_route(
            account,
            api,
            route["key"],
            target,
            route_response_selection_expression="$default" if route.get("reply") else None,
            now=now,
        )


def _setup_websocket_api(account: gw.Account, step: dict[str, Any], now: float) -> None:
    api = v2.create_websocket_api(account, step["name"], step.get("expression", "$request.body.action"), now=now)
    _v2_routes(account, api, step.get("routes") or [], now)
    v2.create_v2_stage(account, api, step["stage"], now=now)
    if api.routes:
        v2.deploy_v2(account, api, step["stage"], now=now)


def _setup_dynamodb_table(account: gw.Account, step: dict[str, Any], now: float) -> None:
    key = step.get("key", "id")
    items = {str(item[key]): dict(item) for item in step.get("items") or []}
    account.dynamodbTables[step["name"]] = {"key": key, "items": items}


SETUP_STEPS: dict[str, Callable[[gw.Account, dict[str, Any], float], None]] = {
    "rest_api": _setup_rest_api,
    "method": _setup_method,
    "deploy": _setup_deploy,
    "function": _setup_function,
    "api_key": _setup_api_key,
    "usage_plan": _setup_usage_plan,
    "user_pool": _setup_user_pool,
    "http_api": _setup_http_api,
    "websocket_api": _setup_websocket_api,
    "dynamodb_table": _setup_dynamodb_table,
}


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


class FixedRandom(random.Random):
    """A random source whose draws are fixed: 0.0 always goes to a canary, 0.999999 never does."""

    def __init__(self, value: float):
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def run_checks(lab: Lab, account: gw.Account, *, runtime: Runtime, now: float) -> list[CheckResult]:
    scratch = gw.Account.from_dict(account.to_dict())
    built = {_step_body(s)["name"] for s in lab.setup if _step_kind(s) in API_STEPS}
    context = Context(scratch, runtime, now, built)
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


def check_v2_api_exists(context: Context, params: dict[str, Any]) -> str:
    api = _v2(context, params["api"], params["protocol"])
    return f"{api.name} is an {api.protocolType} API."


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
    "v2_api_exists": check_v2_api_exists,
}


# ---------------------------------------------------------------------------------------
# The test panel: one call through the engine, as the learner typed it


@dataclass
class TryResult:
    kind: str  # rest | http | websocket
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    reason: str = ""
    decided_by: str = ""
    route_key: str | None = None
    messages: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def try_request(
    lab: Lab, account: gw.Account, values: dict[str, Any], *, runtime: Runtime, now: float
) -> TryResult | str:
    """Run the learner's request against the lab's API (in `account`, which it may change: data
    such as DynamoDB items). Returns the result, or a sentence saying why nothing was sent."""
    kind = lab.try_.get("kind", "rest")
    name = lab.try_.get("api")
    context = Context(account, runtime, now)
    if kind == "websocket":
        api = find_v2_api(account, name, "WEBSOCKET")
        if api is None:
            return f"There is no WebSocket API named {name!r} in your sandbox: start the lab first."
        rng = random.Random()
        opened = v2.ws_connect(account, api.apiId, values["stage"], now=now, rng=rng, runtime=runtime)
        if opened.status != 101:
            return TryResult(kind, opened.status, reason=opened.reason, decided_by=opened.decided_by)
        sent = v2.ws_send(account, opened.connection_id, values.get("message") or "", now=now, rng=rng)
        v2.ws_disconnect(account, opened.connection_id, now=now, rng=rng)
        return TryResult(
            kind,
            sent.status,
            reason=sent.reason,
            decided_by=sent.decided_by,
            route_key=sent.route_key,
            messages=sent.messages,
            log=[f"{line.level} {line.message}" for line in sent.log],
        )
    headers = list(values.get("headers") or [])
    if values.get("use_token") and lab.try_.get("cognito"):
        try:
            headers.append(("Authorization", _token(context, lab.try_["cognito"])))
        except (Fail, cognito.CognitoError) as exc:
            return str(exc)
    if kind == "http":
        api = find_v2_api(account, name, "HTTP")
        if api is None:
            return f"There is no HTTP API named {name!r} in your sandbox yet."
        api_id = api.apiId
    else:
        rest = find_rest_api(account, name)
        if rest is None:
            return f"There is no REST API named {name!r} in your sandbox: start the lab first."
        api_id = rest.id
    request = Request(
        api_id=api_id,
        stage=values["stage"],
        method=values["method"],
        path=values["path"],
        query=values.get("query") or [],
        headers=headers,
        body=values.get("body") or "",
        time=now,
        # As on /gw/: a request "comes through" a VPC endpoint when it names one in this header.
        vpce_id=next((v for k, v in headers if k.lower() == "x-sandbox-vpce-id"), None),
    )
    if kind == "http":
        response = v2.invoke_http_api(account, request, rng=random.Random(), runtime=runtime)
    else:
        response = gw.invoke(account, request, rng=random.Random(), runtime=runtime)  # noqa: S311 (canary split)
    return TryResult(
        kind,
        response.status,
        headers=list(response.headers),
        body=response.text,
        reason=_cause(response) if response.status >= 400 else response.reason,
        decided_by=response.decided_by,
        log=[f"{line.level} {line.message}" for line in response.log],
    )


def try_defaults(lab: Lab, account: gw.Account) -> dict[str, Any]:
    """The test panel's initial values: the lab's request, with its API key's value filled in."""
    spec = lab.try_
    headers = dict(spec.get("headers") or {})
    if spec.get("api_key"):
        key = find_key(account, spec["api_key"])
        if key is not None:
            headers["x-api-key"] = key.value
    query = spec.get("query") or {}
    body = spec.get("body", "")
    return {
        "stage": spec.get("stage", "$default" if spec.get("kind") == "http" else "prod"),
        "method": str(spec.get("method", "GET")).upper(),
        "path": spec.get("path", "/"),
        "query": "&".join(f"{k}={v}" for k, v in query.items()),
        "headers": "\n".join(f"{k}: {v}" for k, v in headers.items()),
        "body": body if isinstance(body, str) else json.dumps(body),
        "message": spec.get("message", ""),
        "use_token": bool(spec.get("cognito")),
    }
