"""What every part of the template engine shares: the public errors and settings (`TemplateError`,
`Limits`, `TemplateInput`, `RenderResult`), the render state with its time and size budget, and the
bounded output stream. Underscore names are internal to `gateway.vtl`."""

from __future__ import annotations

import contextvars
import time
from dataclasses import dataclass, field
from typing import Any

from airspeed import operators as _ops

# --------------------------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------------------------


class TemplateError(Exception):
    """A mapping template failed; the message is what the execution log shows."""


class TemplateLimitError(TemplateError):
    """A mapping template went past one of the :class:`Limits` (time, output, template size, growth)."""


@dataclass(frozen=True)
class Limits:
    max_output_bytes: int = 1_048_576  # rendered text larger than this -> TemplateError (also caps built strings)
    max_seconds: float = 0.5  # render time budget, measured with time.monotonic (parsing is not counted)
    max_foreach: int = 1000  # AWS: each #foreach stops (silently) after 1000 iterations
    max_template_bytes: int = 65_536  # a larger template -> TemplateError before parsing


@dataclass
class TemplateInput:
    body: str = ""  # raw request/response body ('' when empty)
    path: dict[str, str] = field(default_factory=dict)  # path parameters
    querystring: dict[str, str] = field(default_factory=dict)  # single-value query string
    header: dict[str, str] = field(default_factory=dict)  # request headers (case as received)


@dataclass
class RenderResult:
    text: str
    status_override: int | None = None  # from #set($context.responseOverride.status = 400)
    header_overrides: dict[str, str] = field(default_factory=dict)  # $context.responseOverride.header.X = "v"
    # $context.requestOverride.{header,path,querystring}.name = "v" (integration request templates)
    request_overrides: dict[str, dict[str, str]] = field(default_factory=dict)


_DEFAULT_LIMITS = Limits()


# --------------------------------------------------------------------------------------------------------------------
# Internal limits and render state
# --------------------------------------------------------------------------------------------------------------------

_MACRO_MAX_DEPTH = 20  # Velocity's velocimacro.max.depth
_MAX_COLLECTION = 100_000  # a list or map grown by the template (add, addAll, put...) stays below this
_MAX_RANGE = 100_000  # [a..b]
_MAX_INT_BITS = 1024  # integer arithmetic stays below 2**1024
_MAX_REGEX_CHARS = 4096  # a regular expression longer than this is refused
_REGEX_INPROCESS_COST = 3_000_000  # estimated backtracking steps still run in this process
_COMPILE_CACHE_SIZE = 256
_TEMPLATE_NAME = "<mapping template>"


class _RenderState:
    __slots__ = ("limits", "deadline", "max_string", "depth")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.max_seconds
        self.max_string = limits.max_output_bytes
        self.depth = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _time_limit_error(self.limits)

    def check_string(self, text: str) -> str:
        if len(text) > self.max_string:
            raise _output_limit_error(self.max_string)
        return text


def _time_limit_error(limits: Limits, what: str = "") -> TemplateLimitError:
    return TemplateLimitError(
        f"Mapping template exceeded the rendering time limit of {limits.max_seconds:g} s{what}",
    )


def _output_limit_error(limit: int) -> TemplateLimitError:
    return TemplateLimitError(f"Mapping template output exceeds the limit of {limit} bytes")


_STATE: contextvars.ContextVar[_RenderState | None] = contextvars.ContextVar("gateway_vtl_state", default=None)


def _state() -> _RenderState:
    st = _STATE.get()
    if st is None:  # only outside a render (never in practice): use fresh default limits
        st = _RenderState(_DEFAULT_LIMITS)
    return st


class _Break(BaseException):  # noqa: N818 - control flow, not an error
    """#break: a BaseException so that airspeed's `except Exception` wrappers let it through."""


class _NoSuchMethod(Exception):  # noqa: N818 - Java-side 'method not found' (renders as null)
    pass


class _JavaError(Exception):
    """A Java exception thrown by a method (e.g. StringIndexOutOfBoundsException): the template fails."""


class _Out(_ops.StoppableStream):
    """Output stream that refuses to grow past a limit (the template's output or an interpolated string)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self._size = 0
        self._limit = limit

    def write(self, s: str) -> int:
        if self.stop:
            return 0
        self._size += len(s)
        if self._size > self._limit:
            raise _output_limit_error(self._limit)
        return super().write(s)


class _NoLoader:
    """Loader given to airspeed: #include / #parse never read files."""

    def load_text(self, name: str) -> str:
        raise TemplateError("#include and #parse are not supported in mapping templates")

    def load_template(self, name: str) -> Any:
        raise TemplateError("#include and #parse are not supported in mapping templates")


_NO_LOADER = _NoLoader()
