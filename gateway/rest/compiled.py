"""Compiled deployments: what requests need of a deployment's frozen definition (its routing
trie, resources, models, authorizers), built once per deployment and reused by every request."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from gateway.model.resources import GatewayResponse, Model, RestApi
from gateway.rest.routing import Router


@dataclass
class CompiledApi:
    api_id: str
    deployment_id: str
    router: Router
    resources: dict[str, dict]  # id -> {"path", "methods": {VERB: Method}}
    models: dict[str, Model]
    validators: dict[str, Any]
    gateway_responses: dict[str, GatewayResponse]
    authorizers: dict[str, Any]
    binary_media_types: list[str]
    api_key_source: str
    endpoint_type: str
    policy: dict | None
    snapshot: dict[str, Any] = field(default_factory=dict, repr=False)  # the source, held so its id stays unique


_COMPILED: OrderedDict[tuple[str, str, int], CompiledApi] = OrderedDict()
_COMPILED_MAX = 256


def compile_deployment(api_id: str, deployment_id: str, snapshot: dict[str, Any]) -> CompiledApi:
    """Turn a deployment's frozen definition into what requests need (cached: deployments never change)."""
    key = (api_id, deployment_id, id(snapshot))
    cached = _COMPILED.get(key)
    if cached is not None and cached.snapshot is snapshot:
        _COMPILED.move_to_end(key)
        return cached
    api = RestApi.from_dict(snapshot)
    resources = {rid: {"path": r.path, "methods": r.resourceMethods} for rid, r in api.resources.items()}
    policy = None
    if api.policy:
        try:
            policy = json.loads(api.policy)
        except ValueError:
            policy = None
    compiled = CompiledApi(
        api_id=api_id,
        deployment_id=deployment_id,
        router=Router({rid: {"path": r.path} for rid, r in api.resources.items()}),
        resources=resources,
        models=api.models,
        validators=api.requestValidators,
        gateway_responses=api.gatewayResponses,
        authorizers=api.authorizers,
        binary_media_types=api.binaryMediaTypes,
        api_key_source=api.apiKeySource,
        endpoint_type=api.endpoint_type,
        policy=policy,
        snapshot=snapshot,
    )
    _COMPILED[key] = compiled
    if len(_COMPILED) > _COMPILED_MAX:
        _COMPILED.popitem(last=False)
    return compiled
