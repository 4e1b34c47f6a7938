"""API Gateway's `patchOperations` (a JSON Patch dialect) applied to the engine's model.

Each operation is `{"op": add|replace|remove|copy|move|test, "path": "/a/b", "value": "...",
"from": "/c"}`; values are strings on the wire and take the type of the field they land in.
In a path, "/" inside a key is written "~1" (and "~" as "~0"): `/requestTemplates/application~1json`.
A list field takes `add`/`remove` of an element named in the path
(`/binaryMediaTypes/image~1png`).
AWS: https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache
from typing import Any

from gateway.awsapi.errors import AwsError

OPS = ("add", "replace", "remove", "copy", "move", "test")


def unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def split(path: str | None) -> list[str]:
    if not path or not path.startswith("/"):
        raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
    return [unescape(p) for p in path[1:].split("/")] if path != "/" else []


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def coerce(kind: Any, value: Any, path: str) -> Any:
    if value is None:
        return None
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and args:
        kind = args[0]
    if kind is bool:
        text = str(value).lower()
        if text not in ("true", "false"):
            raise AwsError("BadRequestException", f"Invalid value '{value}' for {path}: true or false", 400)
        return text == "true"
    if kind in (int, float):
        try:
            return kind(float(value)) if kind is int and float(value).is_integer() else kind(value)
        except (TypeError, ValueError):
            raise AwsError("BadRequestException", f"Invalid value '{value}' for {path}: a number", 400) from None
    if dataclasses.is_dataclass(kind):
        raise AwsError("BadRequestException", f"Invalid patch path {path}: name a field of it", 400)
    return value if isinstance(value, str) else str(value)


def _field_type(obj: Any, name: str) -> Any:
    return _hints(type(obj)).get(name)


def apply(target: Any, operations: list[dict[str, Any]] | None, *, fields: set[str]) -> None:
    """Apply each operation in order; `fields` are the top-level fields a client may patch."""
    for op in operations or []:
        kind = op.get("op")
        if kind not in OPS:
            raise AwsError("BadRequestException", f"Invalid patch operation '{kind}'", 400)
        parts = split(op.get("path"))
        if not parts or parts[0] not in fields:
            raise AwsError(
                "BadRequestException", f"Invalid patch path '{op.get('path')}' specified for op '{kind}'", 400
            )
        if kind == "test":
            continue
        value = op.get("value")
        if kind in ("copy", "move"):
            source = split(op.get("from"))
            value = get(target, source)
            if kind == "move":
                _set(target, source, None, remove=True, path=op.get("from"))
        _set(target, parts, value, remove=kind == "remove", path=op["path"])


def get(target: Any, parts: list[str]) -> Any:
    obj = target
    for part in parts:
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _set(target: Any, parts: list[str], value: Any, *, remove: bool, path: str) -> None:
    obj, kind = target, type(target)
    for i, part in enumerate(parts[:-1]):
        if dataclasses.is_dataclass(obj):
            if not hasattr(obj, part):
                raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
            child, child_kind = getattr(obj, part), _field_type(obj, part)
            if child is None:
                maker = next((a for a in typing.get_args(child_kind) if dataclasses.is_dataclass(a)), None)
                if maker is None or remove:
                    raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
                child = maker()
                setattr(obj, part, child)
            obj, kind = child, child_kind
        elif isinstance(obj, dict):
            if part not in obj:
                if remove:
                    raise AwsError("BadRequestException", f"Cannot remove '{path}': there is nothing there", 400)
                obj[part] = {}
            obj = obj[part]
            args = typing.get_args(kind)
            kind = args[1] if len(args) == 2 else Any
        elif isinstance(obj, list) and i == len(parts) - 2:
            break
        else:
            raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
    last = parts[-1]
    if dataclasses.is_dataclass(obj):
        if not hasattr(obj, last):
            raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
        field_kind = _field_type(obj, last)
        current = getattr(obj, last)
        if isinstance(current, list):
            raise AwsError("BadRequestException", f"Invalid patch path '{path}': name the element", 400)
        if remove:
            default = next(f for f in dataclasses.fields(obj) if f.name == last)
            if default.default is not dataclasses.MISSING:
                setattr(obj, last, default.default)
            elif default.default_factory is not dataclasses.MISSING:
                setattr(obj, last, default.default_factory())
            return
        setattr(obj, last, coerce(field_kind, value, path))
    elif isinstance(obj, dict):
        if remove:
            if last not in obj:
                raise AwsError("BadRequestException", f"Cannot remove '{path}': there is nothing there", 400)
            del obj[last]
        else:
            args = typing.get_args(kind)
            obj[last] = coerce(args[1] if len(args) == 2 else str, value, path)
    elif isinstance(obj, list):
        if remove:
            if last in obj:
                obj.remove(last)
        elif last not in obj:
            obj.append(last if value in (None, "") else value)
    else:
        raise AwsError("BadRequestException", f"Invalid patch path '{path}'", 400)
