"""Lab definitions: reading and validating `sandbox/labs/data/*.yaml` (every field of every step
and check is known, a typo is a load error), and finding the loaded labs."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

LAB_DIR = Path(__file__).resolve().parent / "data"
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
    # Steps done from a terminal: {say: markdown, run: shell commands}; {endpoint},
    # {invoke_domain} and {region} in `run` are the learner's own (see terminal_steps).
    terminal: list[dict[str, str]] = field(default_factory=list)
    terminal_html: list[str] = field(default_factory=list)
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
    "method": (
        {"api", "path", "verb"},
        {"auth", "authorizer", "api_key_required", "request_parameters", "integration", "responses"},
    ),
    "deploy": ({"api", "stage"}, {"description", "variables", "canary"}),
    "authorizer": ({"api", "name", "function"}, {"type", "identity_source", "ttl"}),
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
    "ws_broadcast": ({"api", "stage", "send", "expect"}, set()),
    "v2_api_exists": ({"api", "protocol"}, set()),
    "aws_call": ({"operation"}, {"service"}),
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
    "terminal",
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
        if kind not in CHECK_FIELDS:
            problems.append(f"{where}: unknown kind {kind!r} (use {', '.join(sorted(CHECK_FIELDS))})")
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
    terminal = data.get("terminal") or []
    if not isinstance(terminal, list) or not all(
        isinstance(t, dict) and "run" in t and set(t) <= {"say", "run"} and all(isinstance(v, str) for v in t.values())
        for t in terminal
    ):
        problems.append(f"{source}: terminal must be a list of {{say?, run}} texts")
        terminal = []
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
        terminal=[{"say": t.get("say", "").strip(), "run": t["run"].strip()} for t in terminal],
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
                "terminal_html": [renderer.render(t["say"]).html if t["say"] else "" for t in lab.terminal],
            }
        )
    return rendered


def get_lab(slug: str) -> Lab | None:
    return all_labs().get(slug)


def labs_for_topic(topic: str) -> list[Lab]:
    return [lab for lab in all_labs().values() if lab.topic == topic]
