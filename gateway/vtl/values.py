"""Template values as Velocity sees them: JSON lists and map entries, `$input` and `$util` objects,
Java's printing (toString) and JSON writing, and the Velocity operators with Java's arithmetic."""

from __future__ import annotations

import decimal
import json
import math
from collections.abc import Callable
from typing import Any

from airspeed import operators as _ops

from gateway.vtl.base import (
    _MAX_INT_BITS,
    TemplateError,
    TemplateInput,
    TemplateLimitError,
    _NoSuchMethod,
    _output_limit_error,
    _state,
)

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
