"""The request types every stage of a REST API call shares: the request, the response, the
call in flight (what the pipeline has learned so far) and the runtime state between calls.

A leaf of the REST pipeline: `gateway.rest.pipeline` runs a `Call`, and the checks it runs
(`authorizers`, `traffic`, `validation`, `caching`) take the `Call` from here, so none of them
imports the pipeline that imports them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gateway.model.recording import LogLine, Recorder, TraceStep
from gateway.model.resources import Account, Method, RestApi, Stage
from gateway.model.responses import GatewayFailure
from gateway.model.state import MemoryStore, Store

if TYPE_CHECKING:
    from gateway.rest.compiled import CompiledApi

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
