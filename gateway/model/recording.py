"""What every invocation records, whichever kind of API: the execution log and the trace."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class LogLine:
    at_ms: float  # simulated milliseconds since the request arrived
    level: str  # INFO | ERROR
    message: str


@dataclass
class TraceStep:
    name: str  # "method request", "integration request", "integration", "integration response", "method response"
    status: str  # ok | failed | skipped
    duration_ms: float
    detail: str = ""


class Recorder:
    """Mix-in for an invocation's state: needs `log`, `trace` and `clock_ms` fields."""

    def info(self, message: str) -> None:
        self.log.append(LogLine(self.clock_ms, "INFO", message))

    def error(self, message: str) -> None:
        self.log.append(LogLine(self.clock_ms, "ERROR", message))

    def step(self, name: str, status: str, duration: float = 0.0, detail: str = "") -> None:
        self.trace.append(TraceStep(name, status, duration, detail))
        self.clock_ms += duration


def identity(source_ip: str, user_agent: str, **extra) -> dict:
    """requestContext.identity of a payload 1.0 event (and $context.identity): AWS's keys, null when unknown."""
    return {
        "accessKey": None,
        "accountId": None,
        "caller": None,
        "cognitoAuthenticationProvider": None,
        "cognitoAuthenticationType": None,
        "cognitoIdentityId": None,
        "cognitoIdentityPoolId": None,
        "principalOrgId": None,
        "sourceIp": source_ip,
        "user": None,
        "userAgent": user_agent,
        "userArn": None,
        **extra,
    }
