"""What the console's forms share: parsing helpers (key=value pairs, lists, JSON), the engine's errors
as form errors (`EngineForm`), the example texts shown in the fields."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from django import forms

import gateway as gw
from gateway.auth import cognito

MAX_TRAFFIC = 500
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
METHODS = [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")]
STRATEGIES = [
    ("SUCCEED_WITH_RESPONSE_HEADER", "Ignore it, add a Warning header"),
    ("SUCCEED_WITHOUT_RESPONSE_HEADER", "Ignore it silently"),
    ("FAIL_WITH_403", "Fail with 403"),
]
BEHAVIOURS = [
    ("code", "code: your own handler (JavaScript, Node.js style)"),
    ("echo", "echo: return the event"),
    ("response", "response: return a fixed JSON value"),
    ("error", "error: raise an error"),
    ("hello", "hello: greet ?name="),
    ("pets", "pets: CRUD over a DynamoDB table"),
    ("authorizer", "authorizer: a declared policy per case"),
    ("table", "table: answer by cases"),
]
AUTHORIZER_EXAMPLE = (
    '[{"when": {"token": "allow"}, "effect": "Allow", "principalId": "alice", "context": {"plan": "gold"}},\n'
    ' {"when": {"token": "deny"}, "effect": "Deny"},\n'
    ' {"when": {}, "effect": "Unauthorized"}]'
)
ACCESS_LOG_EXAMPLE = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod",'
    '"path":"$context.path","status":"$context.status","latency":"$context.responseLatency",'
    '"apiKeyId":"$context.identity.apiKeyId","canary":"$context.isCanaryRequest"}'
)
POLICY_EXAMPLE = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:*/*/GET/*",
            }
        ],
    },
    indent=2,
)


def now() -> float:
    return time.time()


# ---------------------------------------------------------------------------------------
# Parsing helpers


def parse_pairs(text: str, sep: str, what: str) -> list[tuple[str, str]]:
    """One `name<sep>value` per line (blank lines skipped), or a ValidationError naming the line."""
    pairs = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        name, found, value = line.partition(sep)
        if not found or not name.strip():
            raise forms.ValidationError(f"Line {number} (“{line.strip()}”) is not {what}: write name{sep}value")
        pairs.append((name.strip(), value.strip()))
    return pairs


def split_list(text: str) -> list[str]:
    """Items separated by commas, spaces or new lines."""
    return [item for item in re.split(r"[,\s]+", text or "") if item]


def json_value(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise forms.ValidationError(f"{what} is not valid JSON: {exc}") from None


def engine_problems(exc: Exception) -> list[tuple[str, str]]:
    """(where, message) for each problem an engine error reports."""
    if isinstance(exc, gw.ValidationError):
        return [(p.where, p.message) for p in exc.problems]
    if isinstance(exc, cognito.CognitoError):
        return [("", f"{exc.message} ({exc.code})")]
    return [("", str(exc).strip("'\""))]


class EngineForm(forms.Form):
    """A form that shows the engine's problems on the field they are about."""

    engine_fields: dict[str, str] = {}  # engine field path (or its prefix) -> form field

    def __init__(self, *args, **kwargs):
        # Pages hold many forms: ids named after the form keep every label pointing at its own input.
        kwargs.setdefault("auto_id", f"id_{type(self).__name__.removesuffix('Form').lower()}_%s")
        super().__init__(*args, **kwargs)

    def field_for(self, where: str) -> str | None:
        if where in self.fields:
            return where
        for prefix, name in self.engine_fields.items():
            if where == prefix or where.startswith((prefix + ".", prefix + "[")):
                return name
        return None

    def add_engine_error(self, exc: Exception) -> None:
        for where, message in engine_problems(exc):
            field = self.field_for(where)
            self.add_error(field, message if field or not where else f"{where}: {message}")


def _choices(items, empty: str | None = None) -> list[tuple[str, str]]:
    out = [("", empty)] if empty is not None else []
    return out + [(str(value), str(label)) for value, label in items]
