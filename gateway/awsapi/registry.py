"""The operations this endpoint serves: one handler per (service, operation), and what it gets.

A handler takes the `Context` and the operation's input (the member names the SDKs use) and
returns the output as a dict (member or wire names); it changes `ctx.account` in place and
raises the engine's errors or `AwsError`. Which operations exist, where they live and what
their input and output look like is AWS's service model (`protocol`); this module only says
which of them the sandbox implements.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.model.resources import Account, IamUser

Handler = Callable[["Context", dict[str, Any]], dict[str, Any]]


@dataclass
class Context:
    account: Account
    caller: IamUser
    now: float
    runtime: Any = None  # the engine's Runtime: the shared store (usage, cache) and the observers
    # The invoke URL of an API's stage, as the sandbox serves it: (api_id, stage) -> URL.
    invoke_url: Callable[[str, str], str] = lambda api_id, stage: f"https://{api_id}.execute-api.localhost/{stage}"
    request_id: str = field(default_factory=lambda: secrets.token_hex(16))


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    handler: Handler
    doc: str  # the first line of the handler's docstring: what the sandbox does with it
    writes: bool | None  # None: as its HTTP method says (GET reads, the others write)


OPERATIONS: dict[tuple[str, str], Operation] = {}


def operation(service: str, *names: str, writes: bool | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for one or more operations of `service`."""

    def register(handler: Handler) -> Handler:
        doc = (handler.__doc__ or "").strip().splitlines()[0] if handler.__doc__ else ""
        for name in names:
            if (service, name) in OPERATIONS:
                raise RuntimeError(f"{service}.{name} is registered twice")
            OPERATIONS[(service, name)] = Operation(service, name, handler, doc, writes)
        return handler

    return register
