"""One HTTP API call in flight (what the steps have learned so far), and the ids API Gateway gives."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from typing import Any

from gateway.model.call import Request, Runtime
from gateway.model.recording import LogLine, Recorder, TraceStep
from gateway.model.resources import (
    Account,
    V2Route,
)
from gateway.v2.setup import parse_route_key

# ---------------------------------------------------------------------------------------
# Invoking an HTTP API


class _Stop(Exception):  # noqa: N818 (control flow)
    def __init__(self, status: int, message: str, step: str, reason: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.step, self.reason = status, message, step, reason
        self.headers = headers or []


@dataclass
class _HttpCall(Recorder):
    account: Account
    request: Request
    rng: random.Random
    now: float
    runtime: Runtime
    request_id: str
    api_id: str = ""
    stage_name: str = "$default"
    path: str = "/"  # after the stage
    raw_path: str = "/"  # as the client sent it (with the stage name for a named stage)
    stage_variables: dict[str, str] = field(default_factory=dict)
    deployment_id: str | None = None
    route: V2Route | None = None
    path_parameters: dict[str, str] = field(default_factory=dict)
    authorizer: dict[str, Any] | None = None  # requestContext.authorizer
    principal: str | None = None
    clock_ms: float = 0.0
    integration_ms: float = 0.0
    log: list[LogLine] = field(default_factory=list)
    trace: list[TraceStep] = field(default_factory=list)

    @property
    def method(self) -> str:
        return self.request.method.upper()

    @property
    def domain(self) -> str:
        return f"{self.api_id}.execute-api.{self.account.region}.amazonaws.com"

    @property
    def arn_prefix(self) -> str:
        return f"arn:aws:execute-api:{self.account.region}:{self.account.accountId}:{self.api_id}"

    @property
    def route_arn(self) -> str:
        """The request as IAM policies of Lambda authorizers see it: API/STAGE/METHOD/PATH."""
        return f"{self.arn_prefix}/{self.stage_name}/{self.method}/{self.path.lstrip('/')}"

    @property
    def source_arn(self) -> str:
        """What the Lambda permission is checked against: API/STAGE/METHOD/ROUTE-PATH or API/STAGE/$default."""
        route = self.route
        if route is None or route.routeKey == "$default":
            return f"{self.arn_prefix}/{self.stage_name}/$default"
        _, path = parse_route_key(route.routeKey) or ("", "/")
        return f"{self.arn_prefix}/{self.stage_name}/{self.method}/{path.lstrip('/')}"


def _message_body(message: str) -> str:
    return json.dumps({"message": message}, separators=(",", ":"))


def _short_id(rng: random.Random) -> str:
    """An id like API Gateway's connection and request ids: 16 characters of base64."""
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(11))).decode()
