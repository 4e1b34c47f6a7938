"""Deployed definitions, compiled once per deployment: the routes, their integrations and authorizers."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import unquote

from gateway.model.resources import (
    Deployment,
    V2Api,
    V2Route,
)
from gateway.v2.setup import parse_route_key

# ---------------------------------------------------------------------------------------
# Deployed definitions, compiled once


@dataclass(frozen=True)
class CompiledRoute:
    route: V2Route
    method: str  # "" for $default
    fixed: tuple[str, ...]  # path parts before a greedy variable
    greedy: str | None  # the greedy variable's name

    def match(self, method: str, parts: list[str]) -> dict[str, str] | None:
        if self.method not in (method, "ANY"):
            return None
        if (self.greedy is None and len(parts) != len(self.fixed)) or (
            self.greedy is not None and len(parts) <= len(self.fixed)
        ):
            return None
        params: dict[str, str] = {}
        for pattern, part in zip(self.fixed, parts, strict=False):
            if pattern.startswith("{"):
                params[pattern[1:-1]] = unquote(part)
            elif pattern != part:
                return None
        if self.greedy is not None:
            params[self.greedy] = unquote("/".join(parts[len(self.fixed) :]))
        return params

    @property
    def specificity(self) -> tuple:
        """Lower sorts first: no greedy variable, longer, literal before {param}, method before ANY."""
        return (
            self.greedy is not None,
            -len(self.fixed),
            tuple(p.startswith("{") for p in self.fixed),
            self.method == "ANY",
        )


@dataclass
class CompiledV2:
    api: V2Api
    routes: list[CompiledRoute]
    default_route: V2Route | None
    by_key: dict[str, V2Route]


_COMPILED: OrderedDict[tuple[str, str, int], CompiledV2] = OrderedDict()


def compile_v2(api_id: str, deployment: Deployment) -> CompiledV2:
    key = (api_id, deployment.id, id(deployment.snapshot))
    cached = _COMPILED.get(key)
    if cached is not None:
        _COMPILED.move_to_end(key)
        return cached
    api = V2Api.from_dict(deployment.snapshot)
    routes = []
    for route in api.routes.values():
        parsed = parse_route_key(route.routeKey) if api.protocolType == "HTTP" else None
        if parsed is None:
            continue
        method, path = parsed
        parts = [p for p in path.split("/") if p]
        greedy = parts[-1][1:-2] if parts and parts[-1].endswith("+}") else None
        routes.append(CompiledRoute(route, method, tuple(parts[:-1] if greedy else parts), greedy))
    routes.sort(key=lambda r: r.specificity)
    by_key = {r.routeKey: r for r in api.routes.values()}
    compiled = CompiledV2(api, routes, by_key.get("$default"), by_key)
    _COMPILED[key] = compiled
    if len(_COMPILED) > 256:
        _COMPILED.popitem(last=False)
    return compiled


def match_route(compiled: CompiledV2, method: str, path: str) -> tuple[V2Route, dict[str, str]] | None:
    """The most specific route for the request, else `$default`, else None."""
    parts = [p for p in path.split("/") if p]
    for candidate in compiled.routes:
        params = candidate.match(method.upper(), parts)
        if params is not None:
            return candidate.route, params
    if compiled.default_route is not None:
        return compiled.default_route, {}
    return None
