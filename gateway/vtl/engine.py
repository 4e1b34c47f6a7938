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

import re
from collections.abc import Callable
from typing import Any

import airspeed

from gateway.vtl.base import (
    _DEFAULT_LIMITS,
    _NO_LOADER,
    _STATE,
    Limits,
    RenderResult,
    TemplateError,
    TemplateInput,
    TemplateLimitError,
    _Break,
    _Out,
    _output_limit_error,
    _RenderState,
)
from gateway.vtl.tree import _compile
from gateway.vtl.values import _UTIL, _Input, _is_int, _plain, _string_map, _to_text

__all__ = [
    "Limits",
    "RenderResult",
    "TemplateError",
    "TemplateInput",
    "TemplateLimitError",
    "render",
    "render_with_overrides",
]


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
