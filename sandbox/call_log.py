"""The last calls a learner's AWS clients made to the AWS endpoint (/aws/), kept in the shared
store so every server process sees them: the Terminal page lists them, and labs check that a
command was run (`aws_call` checks)."""

from __future__ import annotations

from typing import Any

KEEP = 50


def _key(account_seed: int) -> str:
    return f"aws-calls:{account_seed}"


def record(store: Any, account_seed: int, entry: dict[str, Any]) -> None:
    calls = store.get(_key(account_seed)) or []
    store.put(_key(account_seed), [*calls[-(KEEP - 1) :], entry])


def recent(store: Any, account_seed: int) -> list[dict[str, Any]]:
    """Newest first: {at, service, operation, status, error, user}."""
    return list(reversed(store.get(_key(account_seed)) or []))
