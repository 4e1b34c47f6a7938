"""Serialisation shared by every shape of the model: a dataclass in, AWS's JSON out and back.

`X.from_dict(x.to_dict()) == x`: the web app stores whole accounts this way.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="Shape")


class Shape:
    """Dataclass mix-in: AWS JSON out (`to_dict`), and back in (`from_dict`)."""

    # Fields left out of to_dict when they hold their default (AWS omits unset optional members).
    OMIT_DEFAULTS: ClassVar[bool] = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        omit = self.OMIT_DEFAULTS
        for name, _ in _plan(type(self)):
            value = getattr(self, name)
            if omit and value is None:
                continue
            out[name] = dump(value)
        return out

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return cls(**{name: load(data[name]) for name, load in _plan(cls) if name in data})


@functools.cache
def _plan(cls: type) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """Each field of a shape with the loader of its type, worked out once per class: resolving
    the annotations (`typing.get_type_hints`) costs far more than loading the values."""
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _loader(hints[f.name])) for f in dataclasses.fields(cls))


def _loader(hint: Any) -> Callable[[Any], Any]:
    """A function that loads a JSON value as `hint` says (None stays None)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _loader(options[0]) if len(options) == 1 else _same
    if origin is dict:
        item = _loader(typing.get_args(hint)[1])
        return lambda value: None if value is None else {k: item(v) for k, v in value.items()}
    if origin is list:
        item = _loader(typing.get_args(hint)[0])
        return lambda value: None if value is None else [item(v) for v in value]
    if isinstance(hint, type) and issubclass(hint, Shape):
        return lambda value: None if value is None else hint.from_dict(value)
    if hint is float:
        return lambda value: float(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return _same


def _same(value: Any) -> Any:
    return value


def dump(value: Any) -> Any:
    """A value as AWS JSON: shapes become dicts, inside dicts and lists too."""
    if isinstance(value, Shape):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value
