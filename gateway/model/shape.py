"""Serialisation shared by every shape of the model: a dataclass in, AWS's JSON out and back.

`X.from_dict(x.to_dict()) == x`: the web app stores whole accounts this way.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, ClassVar, TypeVar

T = TypeVar("T", bound="Shape")


class Shape:
    """Dataclass mix-in: AWS JSON out (`to_dict`), and back in (`from_dict`)."""

    # Fields left out of to_dict when they hold their default (AWS omits unset optional members).
    OMIT_DEFAULTS: ClassVar[bool] = True

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if self.OMIT_DEFAULTS and value is None:
                continue
            out[f.name] = dump(value)
        return out

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _load(hints[f.name], data[f.name])
        return cls(**kwargs)


def dump(value: Any) -> Any:
    """A value as AWS JSON: shapes become dicts, inside dicts and lists too."""
    if isinstance(value, Shape):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, list):
        return [dump(v) for v in value]
    return value


def _load(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _load(options[0], value) if len(options) == 1 else value
    if origin is dict:
        _, item = typing.get_args(hint)
        return {k: _load(item, v) for k, v in value.items()}
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_load(item, v) for v in value]
    if isinstance(hint, type) and issubclass(hint, Shape):
        return hint.from_dict(value)
    if hint is float and isinstance(value, int):
        return float(value)
    return value
