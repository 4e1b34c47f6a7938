"""Mapping templates (VTL) as API Gateway renders them, in a sandbox.

The parser is `airspeed` (the Velocity engine LocalStack uses). After parsing, every node of the tree that
evaluates something is re-pointed at the functions of this module (per node instance, never by patching
airspeed's classes), so that:

- names resolve only through allow-listed, Java-style methods: no Python attribute or method is reachable, and any
  name starting with ``_`` is refused when the template is compiled;
- the semantics are API Gateway's (Velocity 1.7): undefined references print nothing, ``#if`` on null is false,
  ``#set`` with a null right-hand side leaves the variable alone, ``#foreach`` over a map iterates its values and
  stops after 1000 iterations, maps print as ``{k=v}``, JSON arrays print as JSON, ``#break`` works;
- time, output size, string and collection growth, macro depth and regular expressions are bounded
  (see :class:`Limits`); ``#include``, ``#parse`` and ``#evaluate`` are refused.

Every failure surfaces as :class:`TemplateError`.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import contextvars
import decimal
import functools
import inspect
import json
import math
import os
import re
import select
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import airspeed
from airspeed import operators as _ops

try:  # used to estimate how costly a regular expression can be; without it every pattern counts as costly
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # pragma: no cover - other Python versions
    _sre_constants = None
    _sre_parser = None

__all__ = [
    "Limits",
    "RenderResult",
    "TemplateError",
    "TemplateInput",
    "TemplateLimitError",
    "render",
    "render_with_overrides",
]


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


def render(
    template: str,
    inp: TemplateInput,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    limits: Limits = _DEFAULT_LIMITS,
    extra: dict[str, Any] | None = None,
) -> str:
    """Render a mapping template; raise TemplateError (and nothing else) on any failure."""
    return _guarded(lambda: _render(template, inp, context, stage_variables, limits, extra, False)).text


def render_with_overrides(
    template: str,
    inp: TemplateInput,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    limits: Limits = _DEFAULT_LIMITS,
    extra: dict[str, Any] | None = None,
) -> RenderResult:
    """Render a mapping template and report what it set in $context.responseOverride / requestOverride."""
    return _guarded(lambda: _render(template, inp, context, stage_variables, limits, extra, True))


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


# --------------------------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------------------------


class _JsonList(list):
    """A JSON array (from the body, $input.path or $util.parseJson): prints as JSON, like API Gateway's JSONArray."""

    __slots__ = ()


class _Entry:
    """A Map.Entry of entrySet(): $e.key, $e.value, $e.getKey(), $e.getValue(), $e.setValue(v)."""

    __slots__ = ("mapping", "key", "value")

    def __init__(self, mapping: dict[Any, Any], key: Any, value: Any) -> None:
        self.mapping = mapping
        self.key = key
        self.value = value


class _ForeachScope:
    """$foreach inside #foreach: count, index, hasNext, first, last."""

    __slots__ = ("index", "total")

    def __init__(self, index: int, total: int) -> None:
        self.index = index
        self.total = total


class _Input:
    """$input: body, json(path), path(path), params()."""

    __slots__ = ("raw", "path_params", "querystring", "header", "parsed", "document")

    def __init__(self, inp: TemplateInput) -> None:
        body = getattr(inp, "body", "")
        self.raw = "" if body is None else body if isinstance(body, str) else str(body)
        self.path_params = _string_map(getattr(inp, "path", None))
        self.querystring = _string_map(getattr(inp, "querystring", None))
        self.header = _string_map(getattr(inp, "header", None))
        self.parsed = False
        self.document: Any = None

    def body(self) -> str:
        return self.raw if self.raw != "" else "{}"

    def json_document(self) -> Any:
        if not self.parsed:
            self.document = _parse_json(self.body(), "the body")
            self.parsed = True
        return self.document


class _Util:
    """$util: escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode."""

    __slots__ = ()


_UTIL = _Util()


def _string_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v if isinstance(v, str) else _plain_text(v) for k, v in value.items()}


def _plain_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _plain(value: Any, depth: int = 0) -> Any:
    """Deep copy of caller data ($context, extra) into plain str/int/float/bool/None/list/dict."""
    if depth > 64:
        raise TemplateError("Context data is nested too deeply")
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    return str(value)


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return _JsonList(_from_json(v) for v in value)
    if isinstance(value, dict):
        return {k: _from_json(v) for k, v in value.items()}
    return value


def _clone_json(value: Any) -> Any:
    if isinstance(value, list):
        return _JsonList(_clone_json(v) for v in value)
    if isinstance(value, dict):
        return {k: _clone_json(v) for k, v in value.items()}
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str, what: str) -> Any:
    try:
        return _from_json(json.loads(text, parse_constant=_reject_constant))
    except RecursionError:
        raise TemplateError(f"Invalid JSON in {what}: nested too deeply") from None
    except ValueError as exc:
        raise TemplateError(f"Invalid JSON in {what}: {exc}") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --------------------------------------------------------------------------------------------------------------------
# Printing (Java toString) and JSON
# --------------------------------------------------------------------------------------------------------------------


class _Builder:
    __slots__ = ("parts", "size", "limit", "ops")

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit
        self.ops = 0

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limit:
            raise _output_limit_error(self.limit)
        self.parts.append(text)
        self.ops += 1
        if not self.ops & 1023:
            _state().tick()

    def text(self) -> str:
        return "".join(self.parts)


def _to_text(value: Any) -> str:
    """How a value prints in the template output (null prints nothing)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    builder = _Builder(_state().max_string)
    _write_text(builder, value)
    return builder.text()


def _write_text(b: _Builder, value: Any) -> None:
    if value is None:
        b.add("null")
    elif isinstance(value, str):
        b.add(value)
    elif isinstance(value, bool):
        b.add("true" if value else "false")
    elif isinstance(value, int):
        b.add(str(value))
    elif isinstance(value, float):
        b.add(_java_double(value))
    elif isinstance(value, _JsonList):
        _write_json(b, value)
    elif isinstance(value, list):
        b.add("[")
        for i, item in enumerate(value):
            if i:
                b.add(", ")
            _write_text(b, item)
        b.add("]")
    elif isinstance(value, dict):
        b.add("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                b.add(", ")
            _write_text(b, key)
            b.add("=")
            _write_text(b, item)
        b.add("}")
    elif isinstance(value, _Entry):
        _write_text(b, value.key)
        b.add("=")
        _write_text(b, value.value)
    # $input, $util, $foreach print nothing


def _write_json(b: _Builder, value: Any) -> None:
    if value is None:
        b.add("null")
    elif isinstance(value, str):
        b.add(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, bool):
        b.add("true" if value else "false")
    elif isinstance(value, int):
        b.add(str(value))
    elif isinstance(value, float):
        b.add(json.dumps(value) if math.isfinite(value) else "null")
    elif isinstance(value, list):
        b.add("[")
        for i, item in enumerate(value):
            if i:
                b.add(",")
            _write_json(b, item)
        b.add("]")
    elif isinstance(value, dict):
        b.add("{")
        for i, (key, item) in enumerate(value.items()):
            if i:
                b.add(",")
            b.add(json.dumps(_to_text(key), ensure_ascii=False))
            b.add(":")
            _write_json(b, item)
        b.add("}")
    else:
        b.add(json.dumps(_to_text(value), ensure_ascii=False))


def _java_double(value: float) -> str:
    """Double.toString: 1.5, 100.0, 1.0E7, 1.234E-5, NaN, Infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e7:
        text = repr(value)
        return text if ("." in text or "e" in text) else text + ".0"
    sign, digits, exponent = decimal.Decimal(repr(magnitude)).as_tuple()
    digit_text = "".join(map(str, digits)).rstrip("0") or "0"
    exp10 = len(digits) + int(exponent) - 1
    mantissa = digit_text[0] + "." + (digit_text[1:] or "0")
    return ("-" if value < 0 else "") + f"{mantissa}E{exp10}"


# --------------------------------------------------------------------------------------------------------------------
# Velocity operators
# --------------------------------------------------------------------------------------------------------------------


def _truthy(value: Any) -> bool:
    """Velocity 1.7: null and false are false, everything else (even "" and 0) is true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return True


def _equals(a: Any, b: Any) -> bool:
    return _eq(a, b, [0])


def _eq(a: Any, b: Any, counter: list[int]) -> bool:
    counter[0] += 1
    if not counter[0] & 1023:
        _state().tick()
    if a is b:
        return True
    if a is None or b is None:
        return False
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_eq(x, y, counter) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_eq(a[k], b[k], counter) for k in a)
    if isinstance(a, _Entry) and isinstance(b, _Entry):
        return _eq(a.key, b.key, counter) and _eq(a.value, b.value, counter)
    if type(a) is type(b):
        return False
    return _to_text(a) == _to_text(b)  # Velocity compares the toString() of different classes


def _checked_number(value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > _MAX_INT_BITS:
        raise TemplateLimitError("Numeric overflow in mapping template arithmetic")
    return value


def _op_add(a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    if _is_number(a) and _is_number(b):
        return _checked_number(a + b)
    if isinstance(a, str) or isinstance(b, str):
        return _state().check_string(_to_text(a) + _to_text(b))
    return None


def _op_sub(a: Any, b: Any) -> Any:
    return _checked_number(a - b) if _is_number(a) and _is_number(b) else None


def _op_mul(a: Any, b: Any) -> Any:
    return _checked_number(a * b) if _is_number(a) and _is_number(b) else None


def _op_div(a: Any, b: Any) -> Any:
    if not (_is_number(a) and _is_number(b)) or b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        quotient = abs(a) // abs(b)  # Java truncates toward zero
        return quotient if (a >= 0) == (b >= 0) else -quotient
    return a / b


def _op_mod(a: Any, b: Any) -> Any:
    if not (_is_number(a) and _is_number(b)) or b == 0:
        return None
    if isinstance(a, int) and isinstance(b, int):
        rest = abs(a) % abs(b)  # Java: the sign follows the dividend
        return rest if a >= 0 else -rest
    return math.fmod(a, b)


def _numeric_compare(check: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        return bool(check(a, b)) if _is_number(a) and _is_number(b) else False  # Velocity 1.7: numbers only

    return compare


_SAFE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": _equals,
    "!=": lambda a, b: not _equals(a, b),
    ">": _numeric_compare(lambda a, b: a > b),
    ">=": _numeric_compare(lambda a, b: a >= b),
    "<": _numeric_compare(lambda a, b: a < b),
    "<=": _numeric_compare(lambda a, b: a <= b),
    "&&": lambda a, b: _truthy(a) and _truthy(b),
    "||": lambda a, b: _truthy(a) or _truthy(b),
    "+": _op_add,
    "-": _op_sub,
    "*": _op_mul,
    "/": _op_div,
    "%": _op_mod,
}
_OPERATOR_ALIASES = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "and": "&&", "or": "||"}
_SAFE_BY_ORIGINAL: dict[int, Callable[[Any, Any], Any]] = {
    id(function): _SAFE_OPERATORS[_OPERATOR_ALIASES.get(name, name)]
    for name, function in _ops.BinaryOperator.OPERATORS.items()
}


# --------------------------------------------------------------------------------------------------------------------
# Allow-listed methods (Java-style); nothing else is reachable
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Method:
    function: Callable[..., Any]
    min_args: int
    max_args: int


def _method_table(**functions: Callable[..., Any]) -> dict[str, _Method]:
    table = {}
    for name, function in functions.items():
        params = list(inspect.signature(function).parameters.values())[1:]
        required = sum(1 for p in params if p.default is inspect.Parameter.empty)
        table[name] = _Method(function, required, len(params))
    return table


def _want_str(value: Any) -> str:
    if not isinstance(value, str):
        raise _NoSuchMethod
    return value


def _want_int(value: Any) -> int:
    if not _is_int(value):
        raise _NoSuchMethod
    return value


def _want_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _NoSuchMethod
    return value


def _want_dict(value: Any) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _NoSuchMethod
    return value


def _check_growth(size: int) -> None:
    if size > _MAX_COLLECTION:
        raise TemplateLimitError(f"A list or map in the mapping template grew past {_MAX_COLLECTION} elements")


# --- java.lang.String ---------------------------------------------------------------------------------------------


def _str_substring(s: str, begin: Any, end: Any = None) -> str:
    begin = _want_int(begin)
    end = len(s) if end is None else _want_int(end)
    if begin < 0 or end > len(s) or begin > end:
        raise _JavaError(f"StringIndexOutOfBoundsException: begin {begin}, end {end}, length {len(s)}")
    return s[begin:end]


def _str_char_at(s: str, index: Any) -> str:
    index = _want_int(index)
    if not 0 <= index < len(s):
        raise _JavaError(f"StringIndexOutOfBoundsException: index {index}, length {len(s)}")
    return s[index]


def _str_index_of(s: str, sub: Any, start: Any = 0) -> int:
    return s.find(_want_str(sub), max(_want_int(start), 0))


def _str_last_index_of(s: str, sub: Any) -> int:
    return s.rfind(_want_str(sub))


def _str_replace(s: str, old: Any, new: Any) -> str:
    old, new = _want_str(old), _want_str(new)
    count = s.count(old) if old else len(s) + 1
    grown = len(s) + count * (len(new) - len(old))
    limit = max(_state().max_string, len(s))
    if grown > limit:  # checked before Python builds the string
        raise _output_limit_error(_state().max_string)
    return s.replace(old, new)


def _str_compare_to(s: str, other: Any) -> int:
    other = _want_str(other)
    for a, b in zip(s, other, strict=False):
        if a != b:
            return ord(a) - ord(b)
    return len(s) - len(other)


_JAVA_WHITESPACE = "".join(chr(c) for c in range(33))

_STR_METHODS = _method_table(
    length=lambda s: len(s),
    isEmpty=lambda s: len(s) == 0,
    contains=lambda s, sub: _want_str(sub) in s,
    startsWith=lambda s, prefix, offset=0: s.startswith(_want_str(prefix), _want_int(offset)),
    endsWith=lambda s, suffix: s.endswith(_want_str(suffix)),
    indexOf=_str_index_of,
    lastIndexOf=_str_last_index_of,
    substring=_str_substring,
    charAt=_str_char_at,
    replace=_str_replace,
    replaceAll=lambda s, pattern, replacement: _regex("replaceAll", pattern, s, replacement),
    replaceFirst=lambda s, pattern, replacement: _regex("replaceFirst", pattern, s, replacement),
    matches=lambda s, pattern: _regex("matches", pattern, s),
    split=lambda s, pattern, limit=0: _regex("split", pattern, s, limit=_want_int(limit)),
    toLowerCase=lambda s: s.lower(),
    toUpperCase=lambda s: s.upper(),
    trim=lambda s: s.strip(_JAVA_WHITESPACE),
    concat=lambda s, other: _state().check_string(s + _want_str(other)),
    equals=lambda s, other: isinstance(other, str) and s == other,
    equalsIgnoreCase=lambda s, other: isinstance(other, str) and s.lower() == other.lower(),
    compareTo=_str_compare_to,
    toString=lambda s: s,
)


# --- java.util.List -----------------------------------------------------------------------------------------------


def _list_index(items: list[Any], index: Any, upper: int | None = None) -> int:
    index = _want_int(index)
    if not 0 <= index < (len(items) if upper is None else upper):
        raise _JavaError(f"IndexOutOfBoundsException: Index {index} out of bounds for length {len(items)}")
    return index


def _list_add(items: list[Any], first: Any, second: Any = _NoSuchMethod) -> Any:
    _check_growth(len(items) + 1)
    if second is _NoSuchMethod:
        items.append(first)
        return True
    items.insert(_list_index(items, first, len(items) + 1), second)
    return None


def _list_add_all(items: list[Any], others: Any) -> bool:
    others = list(_want_list(others))
    _check_growth(len(items) + len(others))
    items.extend(others)
    return bool(others)


def _list_set(items: list[Any], index: Any, value: Any) -> Any:
    index = _list_index(items, index)
    previous, items[index] = items[index], value
    return previous


def _list_remove(items: list[Any], what: Any) -> Any:
    if _is_int(what):
        return items.pop(_list_index(items, what))
    counter = [0]
    for i, item in enumerate(items):
        if _eq(item, what, counter):
            del items[i]
            return True
    return False


def _list_index_of(items: list[Any], value: Any) -> int:
    counter = [0]
    for i, item in enumerate(items):
        if _eq(item, value, counter):
            return i
    return -1


def _list_sub_list(items: list[Any], start: Any, end: Any) -> list[Any]:
    start, end = _want_int(start), _want_int(end)
    if start < 0 or end > len(items) or start > end:
        raise _JavaError(f"IndexOutOfBoundsException: fromIndex {start}, toIndex {end}, size {len(items)}")
    return type(items)(items[start:end])


_LIST_METHODS = _method_table(
    size=lambda items: len(items),
    isEmpty=lambda items: len(items) == 0,
    get=lambda items, index: items[_list_index(items, index)],
    contains=lambda items, value: _list_index_of(items, value) >= 0,
    indexOf=_list_index_of,
    add=_list_add,
    addAll=_list_add_all,
    set=_list_set,
    remove=_list_remove,
    subList=_list_sub_list,
    clear=lambda items: items.clear(),
    equals=lambda items, other: _equals(items, other),
    toString=lambda items: _to_text(items),
)


# --- java.util.Map ------------------------------------------------------------------------------------------------


def _map_get(mapping: dict[Any, Any], key: Any, default: Any = None) -> Any:
    try:
        return mapping.get(key, default)
    except TypeError:  # unhashable key: not found
        return default


def _map_contains_key(mapping: dict[Any, Any], key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:
        return False


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    try:
        previous = mapping.get(key)
        if key not in mapping:
            _check_growth(len(mapping) + 1)
        mapping[key] = value
    except TypeError:
        raise _JavaError("IllegalArgumentException: a list or map cannot be a map key") from None
    return previous


def _map_put_all(mapping: dict[Any, Any], other: Any) -> None:
    other = _want_dict(other)
    _check_growth(len(mapping) + len(other))
    mapping.update(other)


def _map_remove(mapping: dict[Any, Any], key: Any) -> Any:
    try:
        return mapping.pop(key, None)
    except TypeError:
        return None


def _map_contains_value(mapping: dict[Any, Any], value: Any) -> bool:
    counter = [0]
    return any(_eq(item, value, counter) for item in mapping.values())


_MAP_METHODS = _method_table(
    get=_map_get,
    getOrDefault=_map_get,
    containsKey=_map_contains_key,
    containsValue=_map_contains_value,
    keySet=lambda mapping: list(mapping.keys()),
    values=lambda mapping: list(mapping.values()),
    entrySet=lambda mapping: [_Entry(mapping, k, v) for k, v in mapping.items()],
    size=lambda mapping: len(mapping),
    isEmpty=lambda mapping: len(mapping) == 0,
    put=_map_put,
    putAll=_map_put_all,
    remove=_map_remove,
    clear=lambda mapping: mapping.clear(),
    equals=lambda mapping, other: _equals(mapping, other),
    toString=lambda mapping: _to_text(mapping),
)


def _entry_set_value(entry: _Entry, value: Any) -> Any:
    previous = entry.value
    entry.value = value
    entry.mapping[entry.key] = value
    return previous


_ENTRY_METHODS = _method_table(
    getKey=lambda entry: entry.key,
    getValue=lambda entry: entry.value,
    setValue=_entry_set_value,
    toString=lambda entry: _to_text(entry),
)

_NUMBER_METHODS = _method_table(
    toString=lambda n: _to_text(n),
    intValue=lambda n: int(n),
    longValue=lambda n: int(n),
    doubleValue=lambda n: float(n),
    equals=lambda n, other: _is_number(other) and type(n) is type(other) and n == other,
)

_BOOLEAN_METHODS = _method_table(
    toString=lambda b: _to_text(b),
    booleanValue=lambda b: b,
    equals=lambda b, other: isinstance(other, bool) and b == other,
)

_FOREACH_METHODS = _method_table(
    getCount=lambda scope: scope.index + 1,
    getIndex=lambda scope: scope.index,
    hasNext=lambda scope: scope.index + 1 < scope.total,
    getHasNext=lambda scope: scope.index + 1 < scope.total,
    isFirst=lambda scope: scope.index == 0,
    isLast=lambda scope: scope.index + 1 == scope.total,
)


# --- $input -------------------------------------------------------------------------------------------------------

_ABSENT = object()


def _input_json(inp: _Input, path: Any) -> Any:
    found, value = _select(inp.json_document(), _want_str(path))
    if not found:
        return ""
    return _state().check_string(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _input_path(inp: _Input, path: Any) -> Any:
    found, value = _select(inp.json_document(), _want_str(path))
    return _clone_json(value) if found else None


def _input_params(inp: _Input, name: Any = _ABSENT) -> Any:
    if name is _ABSENT:
        return {"path": dict(inp.path_params), "querystring": dict(inp.querystring), "header": dict(inp.header)}
    if not isinstance(name, str):
        return ""
    for source in (inp.path_params, inp.querystring, inp.header):
        if name in source:
            return source[name]
    lowered = name.lower()  # header names are case-insensitive
    for key, value in inp.header.items():
        if key.lower() == lowered:
            return value
    return ""


_INPUT_METHODS = _method_table(
    getBody=lambda inp: inp.body(),
    json=_input_json,
    path=_input_path,
    params=_input_params,
)


# --- $util --------------------------------------------------------------------------------------------------------

_JS_ESCAPES = {
    '"': '\\"',
    "'": "\\'",
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
}
_JS_ESCAPE_PATTERN = re.compile("[\"'\\\\/\x00-\x1f\x80-\U0010ffff]")


def _js_escape_char(match: re.Match[str]) -> str:
    ch = match.group()
    named = _JS_ESCAPES.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code > 0xFFFF:  # Java strings are UTF-16: a surrogate pair, each unit escaped
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"
    return f"\\u{code:04X}"


def _util_escape_javascript(util: _Util, text: Any) -> Any:
    """Commons Lang StringEscapeUtils.escapeJavaScript: quotes, \\, /, control and non-ASCII characters."""
    if text is None:
        return None
    return _state().check_string(_JS_ESCAPE_PATTERN.sub(_js_escape_char, _want_str(text)))


def _util_parse_json(util: _Util, text: Any) -> Any:
    if text is None:
        raise TemplateError("$util.parseJson: the argument is null")
    return _parse_json(_want_str(text), "the argument of $util.parseJson")


def _util_url_encode(util: _Util, text: Any) -> Any:
    """java.net.URLEncoder (application/x-www-form-urlencoded, UTF-8)."""
    if text is None:
        return None
    encoded = urllib.parse.quote_plus(_want_str(text), safe="*", errors="replace").replace("~", "%7E")
    return _state().check_string(encoded)


_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _util_url_decode(util: _Util, text: Any) -> Any:
    """java.net.URLDecoder (UTF-8): '+' is a space; a malformed % escape fails."""
    if text is None:
        return None
    text = _want_str(text)
    if _BAD_PERCENT.search(text):
        raise _JavaError("IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern")
    return urllib.parse.unquote_plus(text, errors="replace")


def _util_base64_encode(util: _Util, text: Any) -> Any:
    if text is None:
        return None
    data = _want_str(text).encode("utf-8", errors="replace")
    return _state().check_string(base64.b64encode(data).decode("ascii"))


_WHITESPACE = re.compile(r"\s+")


def _util_base64_decode(util: _Util, text: Any) -> Any:
    if text is None:
        return None
    cleaned = _WHITESPACE.sub("", _want_str(text)).replace("-", "+").replace("_", "/").rstrip("=")
    cleaned += "=" * (-len(cleaned) % 4)
    try:
        data = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise _JavaError("IllegalArgumentException: the text is not valid base64") from None
    return data.decode("utf-8", errors="replace")


_UTIL_METHODS = _method_table(
    escapeJavaScript=_util_escape_javascript,
    parseJson=_util_parse_json,
    urlEncode=_util_url_encode,
    urlDecode=_util_url_decode,
    base64Encode=_util_base64_encode,
    base64Decode=_util_base64_decode,
)

_WRAPPER_METHODS: dict[type, dict[str, _Method]] = {
    _Input: _INPUT_METHODS,
    _Util: _UTIL_METHODS,
    _Entry: _ENTRY_METHODS,
    _ForeachScope: _FOREACH_METHODS,
}


def _methods_for(obj: Any) -> dict[str, _Method] | None:
    if isinstance(obj, str):
        return _STR_METHODS
    if isinstance(obj, bool):
        return _BOOLEAN_METHODS
    if isinstance(obj, (int, float)):
        return _NUMBER_METHODS
    if isinstance(obj, list):
        return _LIST_METHODS
    if isinstance(obj, dict):
        return _MAP_METHODS
    return _WRAPPER_METHODS.get(type(obj))


def _refuse_private(name: str) -> None:
    if name.startswith("_"):
        raise TemplateError(f"Access to '{name}' is not allowed in mapping templates")


def _invoke(method: _Method, name: str, obj: Any, args: list[Any] | tuple[Any, ...]) -> Any:
    _state().tick()
    try:
        return method.function(obj, *args)
    except _NoSuchMethod:
        return None
    except (TemplateError, RecursionError, MemoryError):
        raise
    except _JavaError as exc:
        raise TemplateError(f"Method '{name}' threw {exc}") from None
    except Exception as exc:
        raise TemplateError(f"Method '{name}' failed: {type(exc).__name__}: {exc}") from exc


def _call_method(obj: Any, name: str, args: list[Any]) -> Any:
    """$obj.name(args): only allow-listed methods; an unknown method or a wrong arity is null (renders empty)."""
    _refuse_private(name)
    table = _methods_for(obj)
    method = table.get(name) if table is not None else None
    if method is None or not method.min_args <= len(args) <= method.max_args:
        return None
    return _invoke(method, name, obj, args)


def _get_property(obj: Any, name: str) -> Any:
    """$obj.name: a map key, else an allow-listed Java bean getter (getName() / isName())."""
    _refuse_private(name)
    if isinstance(obj, dict):
        return obj.get(name)
    table = _methods_for(obj)
    if table is None:
        return None
    capitalised = name[:1].upper() + name[1:]
    for getter in ("get" + capitalised, "is" + capitalised):
        method = table.get(getter)
        if method is not None and method.min_args == 0:
            return _invoke(method, getter, obj, ())
    return None


def _index(value: Any, key: Any) -> Any:
    """$value[key]: a list position (negative counts from the end) or a map key; anything else is null."""
    if isinstance(value, list):
        if _is_int(key) and -len(value) <= key < len(value):
            return value[key]
        return None
    if isinstance(value, dict):
        try:
            return value.get(key)
        except TypeError:
            return None
    return None


# --------------------------------------------------------------------------------------------------------------------
# JSONPath (the subset API Gateway templates use)
# --------------------------------------------------------------------------------------------------------------------

_JP_NAME = re.compile(r"[^.\[\]\s]+")
_JP_INT = re.compile(r"\s*-?\d+\s*")


def _jsonpath_error(path: str, why: str = "") -> TemplateError:
    return TemplateError(f"Invalid JSONPath expression '{path}'{': ' + why if why else ''}")


@functools.lru_cache(maxsize=512)
def _compile_jsonpath(path: str) -> tuple[tuple[tuple[Any, ...], ...], bool]:
    text = path.strip()
    if not text:
        raise _jsonpath_error(path, "empty path")
    if text[0] != "$":
        text = ("$" if text[0] == "[" else "$.") + text
    steps: list[tuple[Any, ...]] = []
    definite = True
    i = 1
    while i < len(text):
        if text.startswith("..", i):
            i += 2
            step, i = _jp_bracket(text, i, path) if text.startswith("[", i) else _jp_dot(text, i, path)
            steps.append(("deep", step))
            definite = False
        elif text[i] == ".":
            step, i = _jp_dot(text, i + 1, path)
            steps.append(step)
            definite = definite and step[0] == "prop"
        elif text[i] == "[":
            step, i = _jp_bracket(text, i, path)
            steps.append(step)
            definite = definite and step[0] in ("prop", "index")
        else:
            raise _jsonpath_error(path)
    return tuple(steps), definite


def _jp_dot(text: str, i: int, path: str) -> tuple[tuple[Any, ...], int]:
    if text.startswith("*", i):
        return ("wild",), i + 1
    match = _JP_NAME.match(text, i)
    if not match:
        raise _jsonpath_error(path)
    return ("prop", match.group()), match.end()


def _jp_bracket(text: str, i: int, path: str) -> tuple[tuple[Any, ...], int]:
    j = i + 1
    quote = ""
    while j < len(text):
        ch = text[j]
        if quote:
            if ch == "\\":
                j += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "]":
            break
        j += 1
    else:
        raise _jsonpath_error(path, "missing ']'")
    inner = text[i + 1 : j].strip()
    end = j + 1
    if inner == "*":
        return ("wild",), end
    if inner.startswith(("?", "(")):
        raise _jsonpath_error(path, "filter and script expressions are not supported by the simulator")
    if inner[:1] in ("'", '"'):
        match = re.fullmatch(r"""'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)\"""", inner)
        if not match:
            raise _jsonpath_error(path, "only one quoted property name per bracket is supported")
        name = match.group(1) if match.group(1) is not None else match.group(2)
        return ("prop", re.sub(r"\\(.)", r"\1", name)), end
    if ":" in inner:
        parts = inner.split(":")
        if len(parts) > 3 or not all(not p.strip() or _JP_INT.fullmatch(p) for p in parts):
            raise _jsonpath_error(path)
        bounds = [int(p) if p.strip() else None for p in parts]
        if len(bounds) == 3 and bounds[2] == 0:
            raise _jsonpath_error(path, "slice step cannot be zero")
        return ("slice", slice(*bounds)), end
    parts = inner.split(",")
    if not all(_JP_INT.fullmatch(p) for p in parts):
        raise _jsonpath_error(path)
    indexes = tuple(int(p) for p in parts)
    return (("index", indexes[0]) if len(indexes) == 1 else ("indexes", indexes)), end


def _jp_apply(step: tuple[Any, ...], node: Any, out: list[Any]) -> None:
    kind = step[0]
    if kind == "prop":
        if isinstance(node, dict) and step[1] in node:
            out.append(node[step[1]])
    elif kind in ("index", "indexes"):
        if isinstance(node, list):
            for index in (step[1],) if kind == "index" else step[1]:
                if -len(node) <= index < len(node):
                    out.append(node[index])
    elif kind == "slice":
        if isinstance(node, list):
            out.extend(node[step[1]])
    elif kind == "wild":
        if isinstance(node, dict):
            out.extend(node.values())
        elif isinstance(node, list):
            out.extend(node)
    elif kind == "deep":
        stack = [node]
        while stack:
            current = stack.pop()
            _jp_apply(step[1], current, out)
            children = current.values() if isinstance(current, dict) else current if isinstance(current, list) else ()
            stack.extend(reversed(list(children)))


def _select(document: Any, path: str) -> tuple[bool, Any]:
    """(found, value): a definite path gives the value or not found; an indefinite one gives a JSON list."""
    steps, definite = _compile_jsonpath(path)
    nodes = [document]
    for step in steps:
        found: list[Any] = []
        for node in nodes:
            _jp_apply(step, node, found)
        nodes = found
    if definite:
        return (True, nodes[0]) if nodes else (False, None)
    return True, _JsonList(nodes)


# --------------------------------------------------------------------------------------------------------------------
# Regular expressions (Java semantics, bounded in time)
# --------------------------------------------------------------------------------------------------------------------


class _RegexError(Exception):
    pass


def _java_regex(pattern: str) -> str:
    """Translate the Java-only syntax that Python's re lacks: \\Q..\\E, \\z, \\Z, (?<name>..), \\k<name>."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                out.append(re.escape(pattern[i + 2 :] if end == -1 else pattern[i + 2 : end]))
                i = n if end == -1 else end + 2
                continue
            if nxt == "z":
                out.append("\\Z")
            elif nxt == "Z":
                out.append("(?=\\n?\\Z)")
            elif nxt == "k" and pattern.startswith("<", i + 2) and pattern.find(">", i + 3) != -1:
                end = pattern.find(">", i + 3)
                out.append(f"(?P={pattern[i + 3 : end]})")
                i = end + 1
                continue
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if pattern.startswith("(?<", i) and i + 3 < n and pattern[i + 3] not in "=!":
            out.append("(?P<")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _parse_replacement(replacement: str) -> list[list[str]]:
    """Java Matcher replacement: backslash quotes the next character, $n and ${name} are groups."""
    tokens: list[list[str]] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            tokens.append(["t", "".join(literal)])
            literal.clear()

    i, n = 0, len(replacement)
    while i < n:
        ch = replacement[i]
        if ch == "\\":
            if i + 1 >= n:
                raise TemplateError("Invalid replacement string: character to be escaped is missing")
            literal.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            if i + 1 >= n:
                raise TemplateError("Invalid replacement string: Illegal group reference: group index is missing")
            if replacement[i + 1] == "{":
                end = replacement.find("}", i + 2)
                name = replacement[i + 2 : end] if end != -1 else ""
                if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name):
                    raise TemplateError("Invalid replacement string: named capturing group is missing or invalid")
                flush()
                tokens.append(["n", name])
                i = end + 1
            elif "0" <= replacement[i + 1] <= "9":
                end = i + 1
                while end < n and "0" <= replacement[end] <= "9":
                    end += 1
                flush()
                tokens.append(["d", replacement[i + 1 : end]])
                i = end
            else:
                raise TemplateError("Invalid replacement string: Illegal group reference")
        else:
            literal.append(ch)
            i += 1
    flush()
    return tokens


def _expand_replacement(tokens: list[list[str]], match: re.Match[str], groups: int) -> str:
    parts = []
    for kind, value in tokens:
        if kind == "t":
            parts.append(value)
        elif kind == "d":
            ref = int(value[0])
            if ref > groups:
                raise _RegexError(f"Invalid replacement string: No group {ref}")
            used = 1
            while used < len(value) and ref * 10 + int(value[used]) <= groups:
                ref = ref * 10 + int(value[used])
                used += 1
            parts.append(match.group(ref) or "")
            parts.append(value[used:])
        else:
            try:
                parts.append(match.group(value) or "")
            except IndexError:
                raise _RegexError(f"Invalid replacement string: No group with name {{{value}}}") from None
    return "".join(parts)


def _java_split(compiled: re.Pattern[str], subject: str, limit: int) -> list[str]:
    parts: list[str] = []
    index = 0
    for match in compiled.finditer(subject):
        if limit > 0 and len(parts) >= limit - 1:
            break
        if index == 0 and match.start() == 0 and match.end() == 0:
            continue  # Java 8+: no leading empty string for a zero-width match at the beginning
        parts.append(subject[index : match.start()])
        index = match.end()
    if index == 0:
        return [subject]
    parts.append(subject[index:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


def _regex_apply(request: dict[str, Any]) -> Any:
    """Run one regular-expression operation (here or in the helper process)."""
    compiled = re.compile(request["pattern"])
    subject: str = request["subject"]
    op = request["op"]
    if op == "matches":
        return compiled.fullmatch(subject) is not None
    if op == "split":
        return _java_split(compiled, subject, request["limit"])
    tokens = request["repl"]
    limit = max(request["max_chars"], len(subject))
    size = [len(subject)]

    def replace(match: re.Match[str]) -> str:
        text = _expand_replacement(tokens, match, compiled.groups)
        size[0] += len(text) - (match.end() - match.start())
        if size[0] > limit:
            raise _RegexError(f"Mapping template output exceeds the limit of {request['max_chars']} bytes")
        return text

    return compiled.sub(replace, subject, count=1 if op == "replaceFirst" else 0)


_INFINITE = math.inf


def _regex_weight(items: Any, in_variable: bool) -> float:
    """How many nested 'variable' repeats a pattern has: n ** (weight + 1) bounds the backtracking steps."""
    c = _sre_constants
    total: float = 0
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, inner = av
            variable = high != low or low > 16
            if variable and in_variable:
                return _INFINITE
            weight = _regex_weight(inner, in_variable or variable)
            if weight == _INFINITE:
                return _INFINITE
            total += 1 if variable else weight * low
        elif op is c.BRANCH:
            if in_variable:
                return _INFINITE
            total += max((_regex_weight(alt, in_variable) for alt in av[1]), default=0)
        elif op is c.SUBPATTERN:
            total += _regex_weight(av[3], in_variable)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            total += _regex_weight(av[1], in_variable)
        elif op is c.ATOMIC_GROUP:
            total += _regex_weight(av, in_variable)
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            return _INFINITE
        if total > 20:
            return _INFINITE
    return total


def _regex_cost(pattern: str, size: int) -> float:
    if _sre_parser is None or _sre_constants is None:
        return _INFINITE
    try:
        weight = _regex_weight(_sre_parser.parse(pattern), False)
    except Exception:
        return _INFINITE
    return _INFINITE if weight == _INFINITE else float(size + 1) ** (weight + 1)


class _RegexWorker:
    """A helper process for costly regular expressions: Python's re cannot be interrupted, a process can be killed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()

    def run(self, request: dict[str, Any], st: _RenderState) -> Any:
        if self._owner != os.getpid():  # forked: the helper belongs to the parent
            self._lock, self._proc, self._owner = threading.Lock(), None, os.getpid()
        remaining = st.remaining()
        if remaining <= 0 or not self._lock.acquire(timeout=remaining):
            raise _time_limit_error(st.limits)
        try:
            response = self._exchange(request, st)
        finally:
            self._lock.release()
        if "error" in response:
            raise TemplateError(str(response["error"]))
        return response["ok"]

    def _exchange(self, request: dict[str, Any], st: _RenderState) -> dict[str, Any]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            proc.stdin.flush()
            remaining = st.remaining()
            ready = select.select([proc.stdout], [], [], remaining)[0] if remaining > 0 else []
            if not ready:
                self.close()
                raise _time_limit_error(st.limits, " (regular expression)")
            line = proc.stdout.readline()
        except OSError as exc:
            self.close()
            raise TemplateError(f"Regular expression helper failed: {exc}") from None
        if not line:
            self.close()
            raise TemplateError("Regular expression helper stopped unexpectedly")
        return json.loads(line)

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if not sys.executable:
            raise TemplateError("This regular expression is too costly to evaluate safely")
        command = [sys.executable, "-I", os.path.abspath(__file__), "--regex-worker"]
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter running this very file
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._owner == os.getpid():
            proc.kill()
            proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()


_REGEX_WORKER = _RegexWorker()
atexit.register(_REGEX_WORKER.close)


def _regex_worker_main() -> None:
    for line in sys.stdin.buffer:
        try:
            response = {"ok": _regex_apply(json.loads(line))}
        except _RegexError as exc:
            response = {"error": str(exc)}
        except Exception as exc:
            response = {"error": f"Regular expression failed: {type(exc).__name__}: {exc}"}
        sys.stdout.buffer.write(json.dumps(response).encode("utf-8") + b"\n")
        sys.stdout.buffer.flush()


def _regex(op: str, pattern: Any, subject: str, replacement: Any = None, limit: int = 0) -> Any:
    """replaceAll / replaceFirst / matches / split with a Java regular expression."""
    pattern = _want_str(pattern)
    if replacement is not None or op in ("replaceAll", "replaceFirst"):
        replacement = _want_str(replacement)
    if len(pattern) > _MAX_REGEX_CHARS:
        raise TemplateLimitError(f"Regular expression longer than {_MAX_REGEX_CHARS} characters")
    st = _state()
    python_pattern = _java_regex(pattern)
    try:
        re.compile(python_pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise TemplateError(f"Invalid regular expression '{pattern}': {exc}") from None
    request = {
        "op": op,
        "pattern": python_pattern,
        "subject": subject,
        "repl": _parse_replacement(replacement) if replacement is not None else None,
        "limit": limit,
        "max_chars": st.max_string,
    }
    if _regex_cost(python_pattern, len(subject)) <= _REGEX_INPROCESS_COST:
        try:
            return _regex_apply(request)
        except _RegexError as exc:
            raise TemplateError(str(exc)) from None
    return _REGEX_WORKER.run(request, st)


# --------------------------------------------------------------------------------------------------------------------
# The sandboxed tree: airspeed parses, these functions evaluate
# --------------------------------------------------------------------------------------------------------------------


class _BreakElement:
    """#break (airspeed does not know it): stops the innermost #foreach, or the template outside one."""

    def evaluate(self, stream: Any, namespace: Any, loader: Any) -> None:
        raise _Break


def _top_local(namespace: Any) -> Any:
    while isinstance(namespace, _ops.LocalNamespace) and isinstance(namespace.parent, _ops.LocalNamespace):
        namespace = namespace.parent
    return namespace


def _run_function(function: Any, namespace: Any, params: list[Any], loader: Any) -> str:
    st = _state()
    st.depth += 1
    try:
        if st.depth > _MACRO_MAX_DEPTH:
            raise TemplateError(f"Macro nesting exceeds the limit of {_MACRO_MAX_DEPTH} levels")
        out = _Out(st.max_string)
        function.execute_function(out, namespace, params, loader)
        return out.getvalue()
    finally:
        st.depth -= 1


def _name_or_call(node: Any, current: Any, loader: Any, top: Any) -> Any:
    if isinstance(current, _ops.LocalNamespace):  # a variable: $name
        try:
            value = current[node.name]
        except KeyError:
            value = None
        if isinstance(value, _ops._FunctionDefinition):  # #define($name)
            params = node.parameters.calculate(top, loader) if node.parameters is not None else []
            return _run_function(value, top, params, loader)
        if node.parameters is not None:
            return None
    elif node.parameters is not None:  # a method: $x.name(args)
        value = _call_method(current, node.name, node.parameters.calculate(top, loader))
    else:  # a property: $x.name
        value = _get_property(current, node.name)
    if node.index is not None:
        value = _index(value, node.index.calculate(top, loader))
    return value


def _sub_expression(node: Any, current: Any, loader: Any, top: Any) -> Any:
    if not isinstance(node.expression, _ops.ArrayIndex):
        return node.expression.calculate(current, loader, top)
    value = _index(current, node.expression.calculate(top, loader))
    if node.subexpression is not None:
        value = node.subexpression.calculate(value, loader, top)
    return value


def _formal_reference(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    value = node.expression.calculate(namespace, loader) if node.expression is not None else None
    if value is None and node.alternate is not None:
        value = node.alternate.calculate(namespace, loader)
    if value is None:
        if node.expression is None:
            stream.write(node.my_text())
        return  # API Gateway prints nothing for an undefined or null reference
    stream.write(_to_text(value))


def _interpolated_string(node: Any, namespace: Any, loader: Any) -> str:
    out = _Out(_state().max_string)
    node.block.evaluate(out, namespace, loader)
    return out.getvalue()


def _range(node: Any, namespace: Any, loader: Any) -> Any:
    low = node.value1.calculate(namespace, loader)
    high = node.value2.calculate(namespace, loader)
    if not (_is_int(low) and _is_int(high)):
        return None
    if abs(high - low) + 1 > _MAX_RANGE:
        raise TemplateLimitError(f"Range [{low}..{high}] has more than {_MAX_RANGE} elements")
    return list(range(low, high + 1)) if low <= high else list(range(low, high - 1, -1))


def _array_literal(node: Any, namespace: Any, loader: Any) -> Any:
    return node.values.calculate(namespace, loader)


def _unary(node: Any, namespace: Any, loader: Any) -> bool:
    return not _truthy(node.value.calculate(namespace, loader))


def _condition(node: Any, namespace: Any, loader: Any) -> bool:
    return _truthy(node.expression.calculate(namespace, loader))


def _elseif(node: Any, namespace: Any, loader: Any) -> bool:
    return node.condition.calculate(namespace, loader)


def _assignment(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    value = node.value.calculate(namespace, loader)
    if value is None:
        return  # Velocity: a null right-hand side leaves the left-hand side unchanged
    if not node.terms:
        target = namespace.find_outermost(node.root_term) if isinstance(namespace, _ops.LocalNamespace) else None
        if target is None:
            target = _top_local(namespace)  # #set is global in Velocity, even inside #foreach or a macro
        dict.__setitem__(target, node.root_term, value)
        return
    try:
        current = namespace[node.root_term]
    except KeyError:
        return
    for term in node.terms[:-1]:
        current = _index(current, term.calculate(namespace, loader))
    key = node.terms[-1].calculate(namespace, loader)
    if isinstance(current, dict):
        _map_put(current, key, value)
    elif isinstance(current, list) and _is_int(key) and -len(current) <= key < len(current):
        current[key] = value
    # anything else: Velocity logs the failed #set and goes on


def _iteration_items(value: Any) -> list[Any]:
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return list(value.values())  # Velocity iterates a map's values
    return []


def _foreach(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    st = _state()
    items = _iteration_items(node.value.calculate(namespace, loader))
    total = len(items)
    for i in range(min(total, st.limits.max_foreach)):
        st.tick()
        local = _ops.LocalNamespace(namespace)
        local[node.loop_var_name] = items[i]
        local["velocityCount"] = i + 1
        local["velocityHasNext"] = i + 1 < total
        local["foreach"] = _ForeachScope(i, total)
        try:
            node.block.evaluate(stream, local, loader)
        except _Break:
            break


def _block(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    st = _state()
    for child in node.children:
        st.tick()
        child.evaluate(stream, namespace, loader)


def _macro_definition(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    top = namespace.top() if isinstance(namespace, _ops.LocalNamespace) else namespace
    top["#" + node.function_name.lower()] = node


def _macro_call(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    try:
        macro = namespace["#" + node.macro_name]
    except KeyError:
        macro = None
    if not isinstance(macro, _ops.MacroDefinition):
        if node.macro_name == "break":
            raise _Break
        stream.write(node.my_text())  # Velocity prints an unknown macro call as it is
        return
    args = [arg.calculate(namespace, loader) for arg in node.args]
    st = _state()
    st.depth += 1
    try:
        if st.depth > _MACRO_MAX_DEPTH:
            raise TemplateError(f"Macro nesting exceeds the limit of {_MACRO_MAX_DEPTH} levels")
        macro.execute_function(stream, namespace, args, loader)
    finally:
        st.depth -= 1


_REFUSED_DIRECTIVES = {
    _ops.IncludeDirective: "#include",
    _ops.ParseDirective: "#parse",
    _ops.EvaluateDirective: "#evaluate",
    _ops.ReturnDirective: "#return",
}


def _refused(node: Any, stream: Any, namespace: Any, loader: Any) -> None:
    raise TemplateError(f"{_REFUSED_DIRECTIVES[type(node)]} is not supported in API Gateway mapping templates")


_BREAK_TEXT = re.compile(r"(?:break|\{break\})(?![A-Za-z0-9_])")
_MALFORMED_DIRECTIVE = re.compile(r"\{?(if|elseif|foreach|set|macro|define|include|parse|evaluate)\}?\s*(?:\(|$)")


def _rewrite_hash_text(block: Any) -> None:
    """airspeed leaves '#break' and malformed directives as a lone '#' and text: handle both.

    '#break' becomes a _BreakElement; '#if(' / '#foreach(' / '#set(' that did not parse are a syntax error (Velocity
    rejects them; airspeed would print them as text).
    """
    children = block.children
    result: list[Any] = []
    i = 0
    while i < len(children):
        child = children[i]
        following = children[i + 1] if i + 1 < len(children) else None
        if type(child) is _ops.FallthroughHashText and child.text == "#" and type(following) is _ops.Text:
            malformed = _MALFORMED_DIRECTIVE.match(following.text)
            if malformed:
                text, start = child.full_text(), child.start
                where = f"line {text.count(chr(10), 0, start) + 1}, column {start - text.rfind(chr(10), 0, start)}"
                raise TemplateError(
                    f"Mapping template syntax error: {where}: malformed #{malformed.group(1)} directive"
                )
            match = _BREAK_TEXT.match(following.text)
            if match:
                result.append(_BreakElement())
                rest = following.text[match.end() :]
                if rest:
                    following.text = rest
                    result.append(following)
                i += 2
                continue
        result.append(child)
        i += 1
    block.children = result


_PASSIVE_ELEMENTS = frozenset(
    {
        _ops.Text,
        _ops.FallthroughHashText,
        _ops.NullLiteral,
        _ops.IntegerLiteral,
        _ops.FloatingPointLiteral,
        _ops.BooleanLiteral,
        _ops.StringLiteral,
        _ops.ValueList,
        _ops.DictionaryLiteral,
        _ops.Value,
        _ops.VariableExpression,
        _ops.ParameterList,
        _ops.ArrayIndex,
        _ops.AlternateValue,
        _ops.Comment,
        _ops.Expression,
        _ops.ParenthesizedExpression,
        _ops.End,
        _ops.ElseBlock,
        _ops.IfDirective,
        _ops.DotDictAccessTerm,
        _ops.BracketedValueTerm,
        _ops.AssignmentTerm,
        _ops.DefineDefinition,
        _ops.StopDirective,
        _ops.SetDirective,
        _ops.TemplateBody,
        _ops.UserDefinedDirective,
    },
)

_CALCULATE_HOOKS: dict[type, Callable[..., Any]] = {
    _ops.SubExpression: _sub_expression,
    _ops.InterpolatedStringLiteral: _interpolated_string,
    _ops.Range: _range,
    _ops.ArrayLiteral: _array_literal,
    _ops.UnaryOperatorValue: _unary,
    _ops.Condition: _condition,
    _ops.ElseifBlock: _elseif,
}
_EVALUATE_HOOKS: dict[type, Callable[..., Any]] = {
    _ops.FormalReference: _formal_reference,
    _ops.Assignment: _assignment,
    _ops.ForeachDirective: _foreach,
    _ops.Block: _block,
    _ops.MacroDefinition: _macro_definition,
    _ops.MacroCall: _macro_call,
    _ops.IncludeDirective: _refused,
    _ops.ParseDirective: _refused,
    _ops.EvaluateDirective: _refused,
    _ops.ReturnDirective: _refused,
}


def _sandbox_node(node: Any, macros: list[Any]) -> None:
    kind = type(node)
    if kind is _ops.NameOrCall:
        _refuse_private(node.name)
        node.calculate = functools.partial(_name_or_call, node)
    elif kind is _ops.BinaryOperator:
        safe = _SAFE_BY_ORIGINAL.get(id(node.apply_to))
        if safe is None:
            raise TemplateError(f"Unsupported operator '{node.my_text().strip()}'")
        node.apply_to = safe
    elif kind in _CALCULATE_HOOKS:
        node.calculate = functools.partial(_CALCULATE_HOOKS[kind], node)
    elif kind in _EVALUATE_HOOKS:
        if kind is _ops.Block:
            _rewrite_hash_text(node)
        elif kind is _ops.MacroDefinition:
            macros.append(node)
        node.evaluate_raw = functools.partial(_EVALUATE_HOOKS[kind], node)
    elif kind not in _PASSIVE_ELEMENTS:
        raise TemplateError(f"Unsupported template construct: {kind.__name__}")


def _children(value: Any, found: list[Any]) -> None:
    if isinstance(value, _ops._Element):
        found.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _children(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _children(key, found)
            _children(item, found)
    elif inspect.ismethod(value) and isinstance(value.__self__, _ops._Element):
        found.append(value.__self__)  # e.g. ParenthesizedExpression keeps only `expression.calculate`


def _sandbox(root: Any) -> list[Any]:
    """Re-point every evaluating node of the parsed tree at this module's functions; return the macros."""
    macros: list[Any] = []
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found: list[Any] = []
        for value in list(vars(node).values()):
            _children(value, found)
        _sandbox_node(node, macros)
        stack.extend(found)
    return macros


@dataclass(frozen=True)
class _Compiled:
    root: Any
    macros: tuple[Any, ...]


@functools.lru_cache(maxsize=_COMPILE_CACHE_SIZE)
def _compile(template: str) -> _Compiled:
    try:
        root = _ops.TemplateBody(_TEMPLATE_NAME, template)
    except airspeed.TemplateSyntaxError as exc:
        raise TemplateError(f"Mapping template syntax error: {exc}") from None
    except RecursionError:
        raise TemplateError("Mapping template syntax error: the template is nested too deeply") from None
    except Exception as exc:
        raise TemplateError(f"Mapping template syntax error: {type(exc).__name__}: {exc}") from None
    return _Compiled(root, tuple(_sandbox(root)))


# --------------------------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------------------------

_BUILTIN_NAMES = frozenset({"input", "util", "context", "stageVariables"})
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _render(
    template: str,
    inp: TemplateInput,
    context: dict[str, Any],
    stage_variables: dict[str, str],
    limits: Limits,
    extra: dict[str, Any] | None,
    want_overrides: bool,
) -> RenderResult:
    if not isinstance(template, str):
        raise TemplateError("The mapping template must be text")
    if not isinstance(limits, Limits):
        raise TemplateError("limits must be a Limits")
    if len(template) > limits.max_template_bytes or (
        len(template.encode("utf-8", "surrogatepass")) > limits.max_template_bytes
    ):
        raise TemplateLimitError(f"Mapping template is larger than {limits.max_template_bytes} bytes")
    compiled = _compile(template)

    st = _RenderState(limits)
    token = _STATE.set(st)
    try:
        ctx = _plain(context if context is not None else {})
        if not isinstance(ctx, dict):
            raise TemplateError("The $context data must be a mapping")
        for name, sections in (
            ("responseOverride", ("header",)),
            ("requestOverride", ("header", "path", "querystring")),
        ):
            override = ctx.get(name)
            if not isinstance(override, dict):
                override = ctx[name] = {}
            for section in sections:  # the maps #set($context.responseOverride.header.X = ..) writes into
                if not isinstance(override.get(section), dict):
                    override[section] = {}
        namespace: dict[str, Any] = {
            "input": _Input(inp),
            "util": _UTIL,
            "context": ctx,
            "stageVariables": _string_map(stage_variables),
        }
        for name, value in (extra or {}).items():
            if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name) or name in _BUILTIN_NAMES:
                raise TemplateError(f"Invalid extra template name {name!r}")
            namespace[name] = _plain(value)
        for macro in compiled.macros:  # Velocity defines macros when parsing: usable before their #macro
            namespace["#" + macro.function_name.lower()] = macro

        out = _Out(limits.max_output_bytes)
        try:
            compiled.root.evaluate(out, namespace, _NO_LOADER)
        except _Break:
            pass
        text = out.getvalue()
        if len(text.encode("utf-8", "surrogatepass")) > limits.max_output_bytes:
            raise _output_limit_error(limits.max_output_bytes)
        if not want_overrides:
            return RenderResult(text)
        return _with_overrides(text, ctx)
    finally:
        _STATE.reset(token)


def _with_overrides(text: str, ctx: dict[str, Any]) -> RenderResult:
    result = RenderResult(text)
    response = ctx.get("responseOverride")
    if isinstance(response, dict):
        result.status_override = _override_status(response.get("status"))
        headers = response.get("header")
        if isinstance(headers, dict):
            result.header_overrides = {_to_text(k): _to_text(v) for k, v in headers.items() if v is not None}
    request = ctx.get("requestOverride")
    if isinstance(request, dict):
        for section in ("header", "path", "querystring"):
            values = request.get(section)
            if isinstance(values, dict) and values:
                result.request_overrides[section] = {
                    _to_text(k): _to_text(v) for k, v in values.items() if v is not None
                }
    return result


def _override_status(value: Any) -> int | None:
    if value is None:
        return None
    status: int | None = None
    if _is_int(value):
        status = value
    elif isinstance(value, float) and value.is_integer():
        status = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        status = int(value.strip())
    if status is None or not 100 <= status <= 599:
        raise TemplateError(f"Invalid $context.responseOverride.status {_to_text(value)!r}: not an HTTP status code")
    return status


def _position(element: Any) -> str:
    try:
        text = element.full_text()
        start = element.start
        line = text.count("\n", 0, start) + 1
        column = start - text.rfind("\n", 0, start)
        snippet = element.my_text().strip().replace("\n", " ")
    except Exception:
        return ""
    if len(snippet) > 60:
        snippet = snippet[:57] + "..."
    return f" at line {line}, column {column} ({snippet})"


def _translate(exc: airspeed.TemplateExecutionError) -> TemplateError:
    cause = exc.__cause__
    if isinstance(cause, TemplateLimitError):
        return TemplateLimitError(str(cause))
    if isinstance(cause, RecursionError):
        return TemplateError("Mapping template execution failed: nested too deeply")
    if isinstance(cause, MemoryError):
        return TemplateLimitError("Mapping template execution failed: out of memory")
    where = _position(exc.element)
    if isinstance(cause, TemplateError):
        return TemplateError(f"{cause}{where}")
    return TemplateError(f"Mapping template execution failed{where}: {type(cause).__name__}: {cause}")


def _guarded(run: Callable[[], RenderResult]) -> RenderResult:
    try:
        return run()
    except TemplateError:
        raise
    except airspeed.TemplateExecutionError as exc:
        raise _translate(exc) from None
    except airspeed.TemplateSyntaxError as exc:
        raise TemplateError(f"Mapping template syntax error: {exc}") from None
    except RecursionError:
        raise TemplateError("Mapping template execution failed: nested too deeply") from None
    except MemoryError:
        raise TemplateLimitError("Mapping template execution failed: out of memory") from None
    except _Break:
        raise TemplateError("Mapping template execution failed: misplaced #break") from None
    except Exception as exc:
        raise TemplateError(f"Mapping template failed: {type(exc).__name__}: {exc}") from None


if __name__ == "__main__" and sys.argv[1:] == ["--regex-worker"]:
    _regex_worker_main()
