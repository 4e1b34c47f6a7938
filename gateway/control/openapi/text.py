"""Reading a document's text (YAML or JSON, its size bounded) and naming its parts: JSON pointers,
model names for inline schemas, model $refs."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from gateway.control.openapi.spec import MAX_DEPTH, MAX_NODES, MODEL_URL_RE
from gateway.model.errors import Problem
from gateway.model.resources import (
    Account,
)

# ---------------------------------------------------------------------------------------
# JSON pointers


def pointer(*parts: Any) -> str:
    """RFC 6901: each part prefixed with /, with ~ as ~0 and / as ~1."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


# ---------------------------------------------------------------------------------------
# Reading the text


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML without timestamps: `version: 2016-10-13T23:04:43Z` stays the text it is."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse(document: str | bytes | dict, account: Account) -> tuple[Any, list[Problem]]:
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem("", f"not UTF-8 text: {exc}")]
    if isinstance(document, str):
        text = document.lstrip("\ufeff")
        try:
            json_error = None
            if text.lstrip().startswith(("{", "[")):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    json_error = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            if json_error or not text.lstrip().startswith(("{", "[")):
                try:  # YAML, or JSON-looking YAML flow style ({openapi: 3.0.1, ...})
                    data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 -- a SafeLoader subclass
                except yaml.YAMLError as exc:
                    if json_error:
                        return None, [Problem("", json_error)]
                    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
                    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
                    reason = getattr(exc, "problem", None) or str(exc)
                    return None, [Problem("", f"not valid JSON or YAML: {reason}{where}")]
        except RecursionError:
            return None, [Problem("", "the document is nested too deeply")]
    else:
        data = document
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return None, [Problem("", f"an OpenAPI document must be an object, not {kind}")]
    variables = {
        "${AWS::AccountId}": account.accountId,
        "${AWS::Region}": account.region,
        "${AWS::Partition}": "aws",
    }
    counter = [0]
    try:
        return _normalise(data, variables, counter, 0), []
    except _TooBigError as exc:
        return None, [Problem("", str(exc))]


class _TooBigError(Exception):
    pass


def _normalise(value: Any, variables: dict[str, str], counter: list[int], depth: int) -> Any:
    """A fresh copy with string keys (YAML reads `200:` as a number) and AWS variables resolved."""
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _TooBigError(f"the document is too large (more than {MAX_NODES} values)")
    if depth > MAX_DEPTH:
        raise _TooBigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(value, dict):
        return {_key(k): _normalise(v, variables, counter, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, variables, counter, depth + 1) for v in value]
    if isinstance(value, str) and "${AWS::" in value:
        for name, replacement in variables.items():
            value = value.replace(name, replacement)
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    return str(key)


def pointer_join(base: str, *parts: Any) -> str:
    return base + pointer(*parts)


def _model_name(verb: str, path: str, suffix: str) -> str:
    """A model name for an inline schema: alphanumeric, as AWS requires (POST /pets -> PostPetsInput)."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    return verb.capitalize() + "".join(w[:1].upper() + w[1:] for w in words) + suffix


def _rewrite_refs(schema: Any, make: Any) -> Any:
    """A copy of a schema with every model $ref passed through `make(name)`."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                name = _ref_name(value)
                out[key] = make(name) if name else value
            else:
                out[key] = _rewrite_refs(value, make)
        return out
    if isinstance(schema, list):
        return [_rewrite_refs(item, make) for item in schema]
    return schema


def _ref_name(ref: str) -> str | None:
    for prefix in ("#/components/schemas/", "#/definitions/"):
        if ref.startswith(prefix):
            return _unescape(ref[len(prefix) :])
    match = MODEL_URL_RE.match(ref)
    return match[1] if match else None
