"""The stage cache: per stage, enabled per method, keyed by method + resource path + cache key parameters.

Defaults as AWS: TTL 300 s (0 disables, at most 3600), only GET cached unless a method's own
settings enable it, responses over 1 MB not cached. A client's `Cache-Control: max-age=0`
invalidates the entry when it may: with `requireAuthorizationForCacheControl` only callers
allowed `execute-api:InvalidateCache` (IAM) may; others are handled per
`unauthorizedCacheControlHeaderStrategy`. A canary has its own cache unless `useStageCache`.
Entries live in the runtime store with their expiry in simulated time.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gateway.model.errors import Problem, ValidationError
from gateway.model.responses import GatewayFailure

if TYPE_CHECKING:
    from gateway.model.call import Call, Response
    from gateway.model.resources import Stage

MAX_ENTRY_BYTES = 1_048_576
CACHE_SIZES = ("0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237")
UNAUTHORIZED_WARNING = '199 - "Cache-control headers were ignored because the caller was unauthorized."'


def enable_stage_cache(stage: Stage, size: str = "0.5", *, ttl: int = 300, encrypted: bool = False) -> None:
    """What the console's "Enable API cache" does: the cluster, and caching for every method."""
    if str(size) not in CACHE_SIZES:
        raise ValidationError(Problem("cacheClusterSize", f"must be one of {', '.join(CACHE_SIZES)} (GB)"))
    stage.cacheClusterEnabled, stage.cacheClusterSize, stage.cacheClusterStatus = True, str(size), "AVAILABLE"
    stage.update_method_settings("*/*", cachingEnabled=True, cacheTtlInSeconds=ttl, cacheDataEncrypted=encrypted)


def disable_stage_cache(stage: Stage) -> None:
    stage.cacheClusterEnabled, stage.cacheClusterStatus = False, "NOT_AVAILABLE"


def flush_stage_cache(store: Any, api_id: str, stage: str) -> int:
    """FlushStageCache: empties the stage's cache at once (the canary's too)."""
    return store.drop(f"cache:{api_id}:{stage}:")


def _settings(call: Call):
    from gateway.model.resources import method_setting_key

    verb = call.request.method.upper()
    own = call.stage.methodSettings.get(method_setting_key(call.resource_path, verb))
    setting = own or call.stage.methodSettings.get("*/*")
    if not call.stage.cacheClusterEnabled or setting is None or not setting.cachingEnabled:
        return None
    if verb != "GET" and own is None:
        return None  # only GET is cached unless the method's own settings say otherwise
    if setting.cacheTtlInSeconds <= 0:
        return None
    return setting


def _key(call: Call) -> str:
    integration = call.method.methodIntegration
    parts = []
    for parameter in sorted(integration.cacheKeyParameters if integration else []):
        kind, _, name = parameter.removeprefix("method.request.").partition(".")
        if kind == "querystring":
            value = dict(call.request.query).get(name)
        elif kind == "header":
            value = call.request.header(name)
        elif kind == "path":
            value = call.path_parameters.get(name)
        else:
            value = None
        parts.append(f"{parameter}={value}")
    space = (
        "canary"
        if call.is_canary and not (call.stage.canarySettings and call.stage.canarySettings.useStageCache)
        else "stage"
    )
    return f"cache:{call.request.api_id}:{call.request.stage}:{space}:{call.request.method.upper()} {call.resource_path}?{'&'.join(parts)}"


def _wants_invalidation(call: Call) -> bool:
    value = (call.request.header("Cache-Control") or "").replace(" ", "").lower()
    return "max-age=0" in value.split(",")


def _may_invalidate(call: Call) -> bool:
    """Callers allowed execute-api:InvalidateCache (an IAM identity whose policies allow it)."""
    check = call.extra.get("may_invalidate_cache")
    return bool(check and check())


def lookup(call: Call) -> Response | GatewayFailure | None:
    """A cached response (a hit), a 403 for a refused invalidation, or None to call the integration."""
    setting = _settings(call)
    if setting is None:
        return None
    key = _key(call)
    call.extra["cache"] = (key, setting.cacheTtlInSeconds)
    invalidate = _wants_invalidation(call)
    warning = None
    if invalidate:
        if not setting.requireAuthorizationForCacheControl or _may_invalidate(call):
            call.info("Cache-Control: max-age=0 from an authorized caller: invalidating the cache entry")
            call.runtime.store.put(key, None)
            return None
        strategy = setting.unauthorizedCacheControlHeaderStrategy
        call.error(f"Cache invalidation refused: the caller may not execute-api:InvalidateCache ({strategy})")
        if strategy == "FAIL_WITH_403":
            return GatewayFailure("ACCESS_DENIED", 403, "Forbidden", "AccessDeniedException", "cache")
        if strategy == "SUCCEED_WITH_RESPONSE_HEADER":
            warning = UNAUTHORIZED_WARNING
    entry = call.runtime.store.get(key)
    if entry and entry["expires"] > call.request.time:
        from gateway.model.call import Response

        call.info(
            f"Sending cached response (key {key.split(':', 4)[-1]}, expires in {entry['expires'] - call.request.time:.0f} s)"
        )
        call.step("cache", "ok", 1, "hit: answered from the stage cache")
        headers = [tuple(h) for h in entry["headers"]]
        if warning:
            headers.append(("Warning", warning))
        body = entry["body"]
        return Response(
            status=entry["status"],
            headers=headers,
            body=body.encode("latin-1") if entry.get("bytes") else body,
            cache="hit",
            decided_by="cache",
            reason="served from the stage cache",
        )
    call.info("Cache miss: calling the integration")
    call.step("cache", "ok", 0, "miss")
    call.extra["cache_warning"] = warning
    return None


def remember(call: Call, response: Response) -> None:
    """Store a successful response after a miss (not over 1 MB)."""
    entry_key = call.extra.get("cache")
    if not entry_key:
        return
    key, ttl = entry_key
    response.cache = "miss"
    if call.extra.get("cache_warning"):
        response.headers.append(("Warning", call.extra["cache_warning"]))
    if not 200 <= response.status < 300:
        return
    is_bytes = isinstance(response.body, bytes)
    body = response.body.decode("latin-1") if is_bytes else response.body
    if len(body.encode("utf-8")) > MAX_ENTRY_BYTES:
        call.info("Response larger than 1 MB: not cached")
        return
    headers = [list(h) for h in response.headers if h[0].lower() != "x-amzn-requestid"]
    call.runtime.store.put(
        key,
        {
            "status": response.status,
            "headers": headers,
            "body": body,
            "bytes": is_bytes,
            "expires": call.request.time + ttl,
        },
    )
    json.dumps(headers)  # entries must be JSON-friendly for a shared store
