"""The engine's own errors. The web app turns them into form errors or HTTP responses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class GatewayError(Exception):
    """Base class of everything the engine raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: where (a field path or JSON pointer) and which rule."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ValidationError(GatewayError):
    """A definition breaks AWS's rules; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class NotFoundError(GatewayError):
    """No such API, resource, method, stage, deployment or function (AWS's NotFoundException)."""


class ConflictError(GatewayError):
    """It exists already, or is in use (AWS's ConflictException)."""


def require(items: Mapping[K, V], key: K, message: str) -> V:
    """`items[key]`, or AWS's NotFoundException in the words AWS uses for that kind of thing."""
    try:
        return items[key]
    except KeyError:
        raise NotFoundError(message) from None
