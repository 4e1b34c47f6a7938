"""JSONPath, the subset API Gateway templates use in `$input.json()` and `$input.path()`."""

from __future__ import annotations

import functools
import re
from typing import Any

from gateway.vtl.base import TemplateError
from gateway.vtl.values import _JsonList

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
