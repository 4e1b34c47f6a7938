"""Pages of a list answer, as each service pages: API Gateway's `limit`/`position`, API Gateway
v2's `MaxResults`/`NextToken`, Lambda's `MaxItems`/`Marker`.

The token is opaque to clients (AWS documents it only as "the current pagination position");
here it is the base64 of the index of the next item.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gateway.awsapi.errors import AwsError

T = TypeVar("T")


def _token(index: int) -> str:
    return base64.urlsafe_b64encode(f"i{index}".encode()).decode().rstrip("=")


def _index(token: str | None, service: str) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if text.startswith("i") and text[1:].isdigit():
            return int(text[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    code = "InvalidParameterValueException" if service == "lambda" else "BadRequestException"
    raise AwsError(code, "Invalid pagination token" if service != "apigateway" else "Invalid position parameter", 400)


def page(
    items: Sequence[T], token: str | None, limit: Any, *, service: str, default: int, maximum: int
) -> tuple[list[T], str | None]:
    """(this page's items, the token of the next page or None)."""
    start = _index(token, service)
    if limit in (None, ""):
        size = default
    else:
        try:
            size = int(limit)
        except (TypeError, ValueError):
            size = -1
        if not 1 <= size <= maximum:
            code = "InvalidParameterValueException" if service == "lambda" else "BadRequestException"
            raise AwsError(code, f"The limit must be between 1 and {maximum}", 400)
    chunk = list(items[start : start + size])
    return chunk, (_token(start + size) if start + size < len(items) else None)


def apigateway(items: Sequence[T], params: dict[str, Any], each: Callable[[T], Any]) -> dict[str, Any]:
    """{"items": [each(item) of this page], "position": ...}: limit 25 by default, 500 at most."""
    chunk, position = page(
        items, params.get("position"), params.get("limit"), service="apigateway", default=25, maximum=500
    )
    return {"items": [each(item) for item in chunk], "position": position}


def apigatewayv2(items: Sequence[T], params: dict[str, Any], each: Callable[[T], Any]) -> dict[str, Any]:
    """{"Items": [each(item) of this page], "NextToken": ...}: AWS documents no default or maximum
    for MaxResults; the sandbox answers 100 by default, 500 at most."""
    chunk, token = page(
        items, params.get("NextToken"), params.get("MaxResults"), service="apigatewayv2", default=100, maximum=500
    )
    return {"Items": [each(item) for item in chunk], "NextToken": token}
