"""The request types every stage of a REST API call shares: the request, the response, the
call in flight (what the pipeline has learned so far) and the runtime state between calls.

A leaf of the REST pipeline: `gateway.pipeline` runs a `Call`, and the checks it runs
(`authorizers`, `traffic`, `validation`, `caching`) take the `Call` from here, so none of them
imports the pipeline that imports them.
"""

from __future__ import annotations

import json
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.model import Account, GatewayResponse, Method, Model, RestApi, Stage
from gateway.recording import LogLine, Recorder, TraceStep
from gateway.responses import GatewayFailure
from gateway.routing import Router
from gateway.state import MemoryStore, Store

# ---------------------------------------------------------------------------------------
# Requests, responses, logs


@dataclass
class Request:
    api_id: str
    stage: str
    method: str
    path: str = "/"  # after the stage: "/items"
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | bytes = ""
    source_ip: str = "203.0.113.10"
    time: float = 0.0  # epoch seconds (simulated clock)
    vpce_id: str | None = None  # the VPC endpoint it came through (private APIs)
    protocol: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == wanted:
                found = value
        return found

    @property
    def body_bytes(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode("utf-8")

    @property
    def body_text(self) -> str:
        return self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str | bytes = ""
    request_id: str = ""
    is_canary: bool = False
    deployment_id: str | None = None
    resource_path: str | None = None
    latency_ms: float = 0.0
    integration_latency_ms: float = 0.0
    error_type: str | None = None  # x-amzn-ErrorType when API Gateway answered itself
    cache: str | None = None  # "hit" | "miss" when the stage cache was consulted
    api_key_id: str | None = None  # the API key the request was identified by
    principal: str | None = None  # who the authorizer / IAM said the caller is
    decided_by: str = ""  # the step that decided the outcome, for the diagram
    reason: str = ""  # a learner-facing sentence on why
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in reversed(self.headers) if k.lower() == wanted), None)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace") if isinstance(self.body, bytes) else self.body

    def json(self) -> Any:
        return json.loads(self.text)


# ---------------------------------------------------------------------------------------
# Runtime state


@dataclass
class Runtime:
    """What lives between requests but is not configuration: counters, buckets, caches, telemetry.

    `observers` are called with (call, response) after every request (metrics, logs, traces).
    """

    store: Store = field(default_factory=MemoryStore)
    observers: list[Callable[[Call, Response], None]] = field(default_factory=list)


DEFAULT_RUNTIME = Runtime()


# ---------------------------------------------------------------------------------------
# Compiled deployments: built once per deployment, reused by every request


@dataclass
class CompiledApi:
    api_id: str
    deployment_id: str
    router: Router
    resources: dict[str, dict]  # id -> {"path", "methods": {VERB: Method}}
    models: dict[str, Model]
    validators: dict[str, Any]
    gateway_responses: dict[str, GatewayResponse]
    authorizers: dict[str, Any]
    binary_media_types: list[str]
    api_key_source: str
    endpoint_type: str
    policy: dict | None
    snapshot: dict[str, Any] = field(default_factory=dict, repr=False)  # the source, held so its id stays unique


_COMPILED: OrderedDict[tuple[str, str, int], CompiledApi] = OrderedDict()
_COMPILED_MAX = 256


def compile_deployment(api_id: str, deployment_id: str, snapshot: dict[str, Any]) -> CompiledApi:
    """Turn a deployment's frozen definition into what requests need (cached: deployments never change)."""
    key = (api_id, deployment_id, id(snapshot))
    cached = _COMPILED.get(key)
    if cached is not None and cached.snapshot is snapshot:
        _COMPILED.move_to_end(key)
        return cached
    api = RestApi.from_dict(snapshot)
    resources = {rid: {"path": r.path, "methods": r.resourceMethods} for rid, r in api.resources.items()}
    policy = None
    if api.policy:
        try:
            policy = json.loads(api.policy)
        except ValueError:
            policy = None
    compiled = CompiledApi(
        api_id=api_id,
        deployment_id=deployment_id,
        router=Router({rid: {"path": r.path} for rid, r in api.resources.items()}),
        resources=resources,
        models=api.models,
        validators=api.requestValidators,
        gateway_responses=api.gatewayResponses,
        authorizers=api.authorizers,
        binary_media_types=api.binaryMediaTypes,
        api_key_source=api.apiKeySource,
        endpoint_type=api.endpoint_type,
        policy=policy,
        snapshot=snapshot,
    )
    _COMPILED[key] = compiled
    if len(_COMPILED) > _COMPILED_MAX:
        _COMPILED.popitem(last=False)
    return compiled


# ---------------------------------------------------------------------------------------
# One call through the pipeline


class Stop(Exception):  # noqa: N818 (control flow, not an error)
    def __init__(self, outcome: GatewayFailure):
        self.outcome = outcome


@dataclass
class Call(Recorder):
    account: Account
    request: Request
    rng: random.Random
    request_id: str
    runtime: Runtime = field(default_factory=lambda: DEFAULT_RUNTIME)
    api: RestApi | None = None
    stage: Stage | None = None
    compiled: CompiledApi | None = None
    resource_id: str = ""
    resource_path: str = ""
    method: Method | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    stage_variables: dict[str, str] = field(default_factory=dict)
    is_canary: bool = False
    clock_ms: float = 0.0
    integration_ms: float = 0.0
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)
    context: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # part 2 keeps its state here (key, usage plan...)

    @property
    def source_arn(self) -> str:
        """arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, as Lambda permissions see it."""
        path = self.resource_path.lstrip("/")
        verb = self.request.method.upper()
        return f"arn:aws:execute-api:{self.account.region}:{self.account.accountId}:{self.request.api_id}/{self.request.stage}/{verb}/{path}"


def request_context(call: Call) -> dict[str, Any]:
    """The `requestContext` a Lambda sees (proxy integrations and REQUEST authorizers)."""
    keep = (
        "accountId",
        "apiId",
        "deploymentId",
        "domainName",
        "domainPrefix",
        "extendedRequestId",
        "httpMethod",
        "identity",
        "path",
        "protocol",
        "requestId",
        "requestTime",
        "requestTimeEpoch",
        "resourceId",
        "resourcePath",
        "stage",
    )
    context = {k: call.context[k] for k in keep}
    if call.context.get("authorizer"):
        context["authorizer"] = call.context["authorizer"]
    return context
