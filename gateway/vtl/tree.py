"""The sandboxed tree: airspeed parses a template, and every node that evaluates something is
re-pointed at these functions (per node, never by patching airspeed's classes)."""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import airspeed
from airspeed import operators as _ops

from gateway.vtl.base import (
    _COMPILE_CACHE_SIZE,
    _MACRO_MAX_DEPTH,
    _MAX_RANGE,
    _TEMPLATE_NAME,
    TemplateError,
    TemplateLimitError,
    _Break,
    _Out,
    _state,
)
from gateway.vtl.methods import _call_method, _get_property, _index, _map_put, _refuse_private
from gateway.vtl.values import _SAFE_BY_ORIGINAL, _ForeachScope, _is_int, _to_text, _truthy

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
