"""The allow-listed, Java-style methods a template may call (String, List, Map, `$input`, `$util`):
nothing else is reachable from a template."""

from __future__ import annotations

import base64
import binascii
import inspect
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.vtl.base import (
    _MAX_COLLECTION,
    TemplateError,
    TemplateLimitError,
    _JavaError,
    _NoSuchMethod,
    _output_limit_error,
    _state,
)
from gateway.vtl.jsonpath import _select
from gateway.vtl.regexguard import _regex
from gateway.vtl.values import (
    _clone_json,
    _Entry,
    _eq,
    _equals,
    _ForeachScope,
    _Input,
    _is_int,
    _is_number,
    _parse_json,
    _to_text,
    _Util,
    _want_dict,
    _want_int,
    _want_list,
    _want_str,
)

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
