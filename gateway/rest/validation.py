"""Request validators: required parameters, and the body against the method's JSON schema model."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT4

from gateway.model.responses import GatewayFailure, failure

if TYPE_CHECKING:
    from gateway.model.call import Call


def check_request(call: Call) -> GatewayFailure | None:
    method = call.method
    validator = (
        call.compiled.validators.get(method.requestValidatorId) if method and method.requestValidatorId else None
    )
    if validator is None:
        return None
    if validator.validateRequestParameters:
        missing = []
        for parameter, required in method.requestParameters.items():
            if not required:
                continue
            kind, _, name = parameter.removeprefix("method.request.").partition(".")
            if kind == "querystring":
                present = name in dict(call.request.query)
            elif kind == "header":
                present = call.request.header(name) is not None
            elif kind == "path":
                present = name in call.path_parameters
            else:
                present = True
            if not present:
                missing.append(name)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            call.error(f"Request validation failed for request: {message}")
            call.context["error"]["validationErrorString"] = message
            return failure("BAD_REQUEST_PARAMETERS", message, step="method request")
    if validator.validateRequestBody:
        content_type = (call.request.header("Content-Type") or "application/json").split(";")[0].strip().lower()
        model_name = method.requestModels.get(content_type) or method.requestModels.get("$default")
        model = call.compiled.models.get(model_name) if model_name else None
        schema = model.schema_dict() if model else None
        if schema is not None:
            problem = _body_problem(call.request.body_text, schema, call.compiled.models)
            if problem:
                call.error(f"Request body does not match model schema for content type {content_type}: {problem}")
                call.context["error"]["validationErrorString"] = problem
                return failure("BAD_REQUEST_BODY", "Invalid request body", step="method request")
    return None


def _body_problem(text: str, schema: dict, models: dict) -> str | None:
    try:
        document = json.loads(text) if text.strip() else None
    except ValueError as exc:
        return f"[Invalid JSON: {exc}]"
    if document is None:
        return "[The request body is empty]"
    # Models refer to each other by https://apigateway.amazonaws.com/restapis/{id}/models/{name}.
    registry_schemas = {}
    for name, model in models.items():
        if model.schema:
            try:
                registry_schemas[name] = json.loads(model.schema)
            except ValueError:
                continue

    def retrieve(uri: str) -> Resource:
        name = uri.rstrip("/").rsplit("/", 1)[-1]
        if name not in registry_schemas:
            raise LookupError(f"no model named {name}")  # nothing is ever fetched from the network
        return Resource.from_contents(registry_schemas[name], default_specification=DRAFT4)

    try:
        validator_cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft4Validator)
        validator_cls.check_schema(schema)
        checker = validator_cls(schema, registry=Registry(retrieve=retrieve))
        errors = sorted(checker.iter_errors(document), key=lambda e: list(e.path))
    except (jsonschema.SchemaError, Unresolvable) as exc:
        return f"[The model's schema is invalid: {getattr(exc, 'message', exc)}]"
    if not errors:
        return None
    return "[" + ", ".join(_describe(e) for e in errors[:5]) + "]"


def _describe(error: jsonschema.ValidationError) -> str:
    where = "/" + "/".join(str(p) for p in error.absolute_path)
    return f"instance {where}: {error.message}" if error.absolute_path else error.message
