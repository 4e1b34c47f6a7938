"""Import, last step: the plan built into the account (ImportRestApi, PutRestApi overwrite or merge),
all or nothing."""

from __future__ import annotations

import copy
import dataclasses
import json

from gateway.control.openapi.paths import _Reader
from gateway.control.openapi.reader import _Plan
from gateway.control.openapi.spec import MODEL_URL
from gateway.control.openapi.text import _parse, _rewrite_refs
from gateway.control.operations import get_api
from gateway.model.errors import Problem, ValidationError
from gateway.model.resources import (
    Account,
    Model,
    Resource,
    RestApi,
)


def _build(account: Account, plan: _Plan, target: RestApi | None, mode: str, now: float) -> RestApi:
    if target is None:
        api = RestApi(id=account.next_id(), name=plan.fields.get("name", ""), createdDate=now)
        root = Resource(id=account.next_id(), path="/")
        api.resources[root.id] = root
        old_ids: dict[str, str] = {}
        mode = "overwrite"
    else:
        api = copy.deepcopy(target)
        old_ids = {r.path: r.id for r in target.resources.values()}
        if mode == "overwrite":
            root = Resource(id=target.root.id, path="/")
            api.resources = {root.id: root}
            defaults = RestApi()
            for name in (
                "description",
                "version",
                "binaryMediaTypes",
                "apiKeySource",
                "policy",
                "minimumCompressionSize",
            ):
                setattr(api, name, copy.deepcopy(getattr(defaults, name)))
            api.models, api.requestValidators, api.gatewayResponses, api.authorizers = {}, {}, {}, {}
    fields = dict(plan.fields)
    if mode == "merge":
        for name in ("name", "description", "version"):  # a merged fragment does not rename the API
            fields.pop(name, None)
    for name, value in fields.items():
        setattr(api, name, value)

    old_models = target.models if target else {}
    for name, schema in plan.schemas.items():
        schema = _rewrite_refs(schema, lambda ref: MODEL_URL.format(api_id=api.id, name=ref))
        model_id = old_models[name].id if name in old_models else account.next_id(6)
        api.models[name] = Model(
            id=model_id,
            name=name,
            contentType=plan.model_types.get(name, "application/json"),
            schema=json.dumps(schema),
        )

    validator_ids = {v.name: v.id for v in reversed(list(api.requestValidators.values()))}
    old_validators = {v.name: v.id for v in reversed(list(target.requestValidators.values()))} if target else {}
    for name, validator in plan.validators.items():
        validator_id = validator_ids.get(name) or old_validators.get(name) or account.next_id(6)
        api.requestValidators[validator_id] = dataclasses.replace(validator, id=validator_id)
        validator_ids[name] = validator_id

    api.gatewayResponses.update(copy.deepcopy(plan.gateway_responses))

    # Authorizers by name: a document's authorizer replaces the API's of the same name and keeps its
    # id (overwrite as for validators and models: stages deployed before still find it).
    authorizer_ids = {a.name: a.id for a in reversed(list(api.authorizers.values()))}
    old_authorizers = {a.name: a.id for a in reversed(list(target.authorizers.values()))} if target else {}
    for name, authorizer in plan.authorizers.items():
        authorizer_id = authorizer_ids.get(name) or old_authorizers.get(name) or account.next_id(6)
        api.authorizers[authorizer_id] = dataclasses.replace(copy.deepcopy(authorizer), id=authorizer_id)
        authorizer_ids[name] = authorizer_id

    by_path = {r.path: r for r in api.resources.values()}
    for path in sorted(plan.paths):
        resource = by_path["/"]
        for part in [p for p in path.split("/") if p]:
            child_path = ("" if resource.path == "/" else resource.path) + "/" + part
            child = by_path.get(child_path)
            if child is None:
                child = Resource(
                    id=old_ids.get(child_path) or account.next_id(),
                    parentId=resource.id,
                    pathPart=part,
                    path=child_path,
                )
                api.resources[child.id] = by_path[child_path] = child
            resource = child
        for verb, method in plan.paths[path].items():
            method = copy.deepcopy(method)
            if method.requestValidatorId is not None:
                method.requestValidatorId = validator_ids[method.requestValidatorId]
            if method.authorizerId is not None:
                method.authorizerId = authorizer_ids[method.authorizerId]
            resource.resourceMethods[verb] = method
    return api


def import_openapi(
    account: Account,
    document: str | bytes | dict,
    *,
    mode: str = "overwrite",
    api_id: str | None = None,
    fail_on_warnings: bool = False,
    now: float = 0.0,
) -> tuple[RestApi, list[Problem]]:
    """ImportRestApi (no api_id) or PutRestApi (api_id, mode overwrite or merge).

    `document` is JSON or YAML text, or a parsed dict. Overwrite replaces the API's resources,
    models, request validators, gateway responses and authorizers with the document's (stages
    and deployments stay); merge adds or replaces what the document defines and keeps the rest,
    and keeps the API's name. Returns the API and the warnings (what was ignored); raises
    ValidationError listing every problem, each at its JSON pointer, and then changes nothing.
    With fail_on_warnings, warnings fail the import too, as AWS's failonwarnings=true.
    """
    if mode not in ("overwrite", "merge"):
        raise ValidationError(Problem("mode", "must be overwrite or merge"))
    target = get_api(account, api_id) if api_id is not None else None
    doc, problems = _parse(document, account)
    if problems:
        raise ValidationError(problems)
    reader = _Reader(doc, target, mode if target else "create")
    plan = reader.read()
    if reader.errors:
        raise ValidationError(reader.errors)
    if fail_on_warnings and reader.warnings:
        raise ValidationError(reader.warnings)
    counter = account.counter
    try:
        api = _build(account, plan, target, mode, now)
        api.validate()
    except Exception:
        account.counter = counter
        raise
    if target is None:
        account.restApis[api.id] = api
        return api, reader.warnings
    for f in dataclasses.fields(api):
        setattr(target, f.name, getattr(api, f.name))
    return target, reader.warnings
