"""apigateway: API keys, usage plans and their keys, usage; authorizers; gateway responses;
models; request validators; tags.

AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.auth.authorizers import authorizer_problems
from gateway.auth.authorizers import create_authorizer as new_authorizer
from gateway.awsapi import paging, patch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context, operation
from gateway.awsapi.rest_apis import rest_api, set_tags, tags_of
from gateway.control import operations as ops
from gateway.model.errors import NotFoundError, ValidationError, require
from gateway.model.resources import ApiKey, UsagePlan
from gateway.model.responses import RESPONSE_TYPES
from gateway.traffic import limits

S = "apigateway"

# ---------------------------------------------------------------------------------------
# API keys


def key_arn(ctx: Context, key_id: str) -> str:
    return f"arn:aws:apigateway:{ctx.account.region}::/apikeys/{key_id}"


def key_out(ctx: Context, key: ApiKey, with_value: bool) -> dict[str, Any]:
    data = key.to_dict()
    if not with_value:
        data.pop("value", None)
    stage_keys = [
        f"{s.apiId}/{s.stage}"
        for plan in ctx.account.usagePlans.values()
        if key.id in plan.keyIds
        for s in plan.apiStages
    ]
    return data | {
        "stageKeys": stage_keys,
        "lastUpdatedDate": key.createdDate,
        "tags": tags_of(ctx, key_arn(ctx, key.id)),
    }


def _key(ctx: Context, key_id: str) -> ApiKey:
    return require(ctx.account.apiKeys, key_id, f"Invalid API Key identifier specified: {key_id}")


@operation(S, "CreateApiKey")
def create_api_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Generates (or imports, with value) a key; disabled unless enabled=true, as AWS does."""
    key = limits.create_api_key(
        ctx.account,
        p.get("name") or "",
        value=p.get("value"),
        enabled=p.get("enabled"),
        description=p.get("description"),
        customer_id=p.get("customerId"),
        now=ctx.now,
    )
    for stage_key in p.get("stageKeys") or []:
        raise AwsError("BadRequestException", f"stageKeys are legacy: add the key to a usage plan ({stage_key})")
    set_tags(ctx, key_arn(ctx, key.id), p.get("tags"))
    return key_out(ctx, key, True)


@operation(S, "GetApiKeys")
def get_api_keys(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists keys (values only with includeValues), filtered by nameQuery or customerId, paged."""
    keys = list(ctx.account.apiKeys.values())
    if p.get("nameQuery"):
        keys = [k for k in keys if k.name.startswith(p["nameQuery"])]
    if p.get("customerId"):
        keys = [k for k in keys if k.customerId == p["customerId"]]
    return paging.apigateway(keys, p, lambda k: key_out(ctx, k, bool(p.get("includeValues"))))


@operation(S, "GetApiKey")
def get_api_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One key (its value only with includeValue)."""
    return key_out(ctx, _key(ctx, p["apiKey"]), bool(p.get("includeValue")))


@operation(S, "UpdateApiKey")
def update_api_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches name, description, enabled and customerId."""
    key = _key(ctx, p["apiKey"])
    patch.apply(key, p.get("patchOperations"), fields={"name", "description", "enabled", "customerId"})
    return key_out(ctx, key, False)


@operation(S, "DeleteApiKey")
def delete_api_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a key; usage plans drop it."""
    key = _key(ctx, p["apiKey"])
    del ctx.account.apiKeys[key.id]
    for plan in ctx.account.usagePlans.values():
        if key.id in plan.keyIds:
            plan.keyIds.remove(key.id)
    ctx.account.tags.pop(key_arn(ctx, key.id), None)
    return {}


# ---------------------------------------------------------------------------------------
# Usage plans and their keys


def plan_arn(ctx: Context, plan_id: str) -> str:
    return f"arn:aws:apigateway:{ctx.account.region}::/usageplans/{plan_id}"


def plan_out(ctx: Context, plan: UsagePlan) -> dict[str, Any]:
    data = plan.to_dict()
    data.pop("keyIds", None)
    for stage in data.get("apiStages", []):
        if not stage.get("throttle"):
            stage.pop("throttle", None)
    return data | {"tags": tags_of(ctx, plan_arn(ctx, plan.id))}


def _plan(ctx: Context, plan_id: str) -> UsagePlan:
    return require(ctx.account.usagePlans, plan_id, f"Invalid Usage Plan ID specified: {plan_id}")


@operation(S, "CreateUsagePlan")
def create_usage_plan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a plan with throttle, quota and API stages."""
    plan = limits.create_usage_plan(
        ctx.account, p["name"], throttle=p.get("throttle"), quota=p.get("quota"), description=p.get("description")
    )
    for stage in p.get("apiStages") or []:
        limits.add_api_stage(
            ctx.account, plan.id, stage.get("apiId", ""), stage.get("stage", ""), stage.get("throttle")
        )
    set_tags(ctx, plan_arn(ctx, plan.id), p.get("tags"))
    return plan_out(ctx, plan)


@operation(S, "GetUsagePlans")
def get_usage_plans(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists plans (those holding keyId when given), paged."""
    plans = list(ctx.account.usagePlans.values())
    if p.get("keyId"):
        plans = [plan for plan in plans if p["keyId"] in plan.keyIds]
    return paging.apigateway(plans, p, lambda plan: plan_out(ctx, plan))


@operation(S, "GetUsagePlan")
def get_usage_plan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One plan."""
    return plan_out(ctx, _plan(ctx, p["usagePlanId"]))


def _stage_change(ctx: Context, plan: UsagePlan, op: dict[str, Any]) -> bool:
    """/apiStages add|remove "apiId:stage", and per-method throttles under /apiStages/{apiId:stage}/throttle."""
    parts = patch.split(op.get("path"))
    if parts[0] != "apiStages":
        return False
    if len(parts) == 1:
        api_id, _, stage = str(op.get("value") or "").partition(":")
        if op.get("op") == "add":
            limits.add_api_stage(ctx.account, plan.id, api_id, stage)
        elif op.get("op") == "remove":
            if not any((s.apiId, s.stage) == (api_id, stage) for s in plan.apiStages):
                raise NotFoundError(
                    f"Invalid API Stage {{api: {api_id}, stage: {stage}}} specified for usageplan {plan.id}"
                )
            plan.apiStages = [s for s in plan.apiStages if (s.apiId, s.stage) != (api_id, stage)]
        else:
            raise AwsError("BadRequestException", f"Invalid patch operation for /apiStages: {op.get('op')}")
        return True
    api_id, _, stage_name = parts[1].partition(":")
    stage = next((s for s in plan.apiStages if (s.apiId, s.stage) == (api_id, stage_name)), None)
    if stage is None or len(parts) < 3 or parts[2] != "throttle":
        raise AwsError("BadRequestException", f"Invalid patch path '{op.get('path')}'")
    overrides = {k: v.to_dict() for k, v in stage.throttle.items()}
    if len(parts) == 3:  # the whole map, as JSON? AWS takes per-method paths: be explicit
        raise AwsError(
            "BadRequestException", "Name the method: /apiStages/{apiId}:{stage}/throttle/{path}/{METHOD}/rateLimit"
        )
    method_key = "/".join(parts[3:-1]) if parts[-1] in ("rateLimit", "burstLimit") else "/".join(parts[3:])
    if op.get("op") == "remove":
        overrides.pop(method_key, None)
    else:
        field = parts[-1]
        value = patch.coerce(float if field == "rateLimit" else int, op.get("value"), op["path"])
        overrides.setdefault(method_key, {})[field] = value
    limits.add_api_stage(ctx.account, plan.id, api_id, stage_name, overrides)
    return True


@operation(S, "UpdateUsagePlan")
def update_usage_plan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches name, description, throttle, quota, and adds or removes API stages."""
    plan = _plan(ctx, p["usagePlanId"])
    for op in p.get("patchOperations") or []:
        if not _stage_change(ctx, plan, op):
            patch.apply(plan, [op], fields={"name", "description", "throttle", "quota", "productCode"})
    problems = limits.plan_problems(plan)
    if problems:
        raise ValidationError(problems)
    return plan_out(ctx, plan)


@operation(S, "DeleteUsagePlan")
def delete_usage_plan(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a plan."""
    plan = _plan(ctx, p["usagePlanId"])
    del ctx.account.usagePlans[plan.id]
    ctx.account.tags.pop(plan_arn(ctx, plan.id), None)
    return {}


def plan_key_out(key: ApiKey) -> dict[str, Any]:
    return {"id": key.id, "type": "API_KEY", "value": key.value, "name": key.name}


@operation(S, "CreateUsagePlanKey")
def create_usage_plan_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Adds an API key to a plan: the step that makes a new key work."""
    if p.get("keyType") != "API_KEY":
        raise AwsError("BadRequestException", "Invalid key type: API_KEY is the only type")
    limits.create_usage_plan_key(ctx.account, p["usagePlanId"], p["keyId"])
    return plan_key_out(_key(ctx, p["keyId"]))


@operation(S, "GetUsagePlanKeys")
def get_usage_plan_keys(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists a plan's keys, paged."""
    plan = _plan(ctx, p["usagePlanId"])
    keys = [ctx.account.apiKeys[k] for k in plan.keyIds if k in ctx.account.apiKeys]
    if p.get("nameQuery"):
        keys = [k for k in keys if k.name.startswith(p["nameQuery"])]
    return paging.apigateway(keys, p, lambda k: plan_key_out(k))


@operation(S, "GetUsagePlanKey")
def get_usage_plan_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One key of a plan."""
    plan = _plan(ctx, p["usagePlanId"])
    if p["keyId"] not in plan.keyIds:
        raise NotFoundError(f"Invalid Usage Plan Key identifier specified: {p['keyId']}")
    return plan_key_out(_key(ctx, p["keyId"]))


@operation(S, "DeleteUsagePlanKey")
def delete_usage_plan_key(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes a key from a plan."""
    plan = _plan(ctx, p["usagePlanId"])
    if p["keyId"] not in plan.keyIds:
        raise NotFoundError(f"Invalid Usage Plan Key identifier specified: {p['keyId']}")
    limits.delete_usage_plan_key(ctx.account, plan.id, p["keyId"])
    return {}


@operation(S, "GetUsage")
def get_usage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Per key and per day between startDate and endDate: [requests used, quota remaining]."""
    _plan(ctx, p["usagePlanId"])
    try:
        first, last = date.fromisoformat(p["startDate"]), date.fromisoformat(p["endDate"])
    except ValueError:
        raise AwsError("BadRequestException", "Invalid date: use YYYY-MM-DD") from None
    if last < first or (last - first).days > 90:
        raise AwsError("BadRequestException", "The end date must follow the start date, within 90 days")
    report = limits.get_usage(ctx.account, ctx.runtime.store, p["usagePlanId"], p["startDate"], p["endDate"])
    if p.get("keyId"):
        report["items"] = {k: v for k, v in report["items"].items() if k == p["keyId"]}
    return report


# ---------------------------------------------------------------------------------------
# Authorizers


def _authorizer(ctx: Context, p: dict[str, Any]) -> Any:
    api = rest_api(ctx, p)
    return api, require(
        api.authorizers, p["authorizerId"], f"Invalid Authorizer identifier specified: {p['authorizerId']}"
    )


@operation(S, "CreateAuthorizer")
def create_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """A Lambda (TOKEN, REQUEST) or Cognito user pools authorizer."""
    api = rest_api(ctx, p)
    authorizer = new_authorizer(
        ctx.account,
        api,
        p["name"],
        p["type"],
        function_arn=p.get("authorizerUri"),
        identity_source=p.get("identitySource"),
        validation_expression=p.get("identityValidationExpression"),
        ttl=p.get("authorizerResultTtlInSeconds", 300),
        provider_arns=p.get("providerARNs"),
    )
    return authorizer.to_dict()


@operation(S, "GetAuthorizers")
def get_authorizers(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's authorizers, paged."""
    return paging.apigateway(list(rest_api(ctx, p).authorizers.values()), p, lambda a: a.to_dict())


@operation(S, "GetAuthorizer")
def get_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One authorizer."""
    return _authorizer(ctx, p)[1].to_dict()


@operation(S, "UpdateAuthorizer")
def update_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches name, function, identity source and validation, result TTL, user pools."""
    api, authorizer = _authorizer(ctx, p)
    fields = {
        "name",
        "authorizerUri",
        "identitySource",
        "identityValidationExpression",
        "authorizerResultTtlInSeconds",
        "providerARNs",
        "type",
    }
    patch.apply(authorizer, p.get("patchOperations"), fields=fields)
    problems = authorizer_problems(authorizer)
    if problems:
        raise ValidationError(problems)
    return authorizer.to_dict()


@operation(S, "DeleteAuthorizer")
def delete_authorizer(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes an authorizer no method uses (AWS refuses the others)."""
    api, authorizer = _authorizer(ctx, p)
    users = [
        f"{r.path} {m.httpMethod}"
        for r in api.resources.values()
        for m in r.resourceMethods.values()
        if m.authorizerId == authorizer.id
    ]
    if users:
        raise AwsError(
            "ConflictException",
            f"Cannot delete authorizer '{authorizer.name}', is referenced in method: {users[0]}",
            409,
        )
    del api.authorizers[authorizer.id]
    return {}


# ---------------------------------------------------------------------------------------
# Gateway responses


def _gateway_response_out(api: Any, response_type: str) -> dict[str, Any]:
    found = api.gatewayResponses.get(response_type)
    if found is not None:
        return found.to_dict()
    return {"responseType": response_type, "defaultResponse": True, "responseParameters": {}, "responseTemplates": {}}


def _response_type(p: dict[str, Any]) -> str:
    if p["responseType"] not in RESPONSE_TYPES:
        raise AwsError("BadRequestException", f"Invalid gateway response type: {p['responseType']}")
    return p["responseType"]


@operation(S, "PutGatewayResponse")
def put_gateway_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Customises a gateway response: status, headers, templates."""
    api = rest_api(ctx, p)
    response = ops.put_gateway_response(
        api,
        _response_type(p),
        status_code=p.get("statusCode"),
        parameters=p.get("responseParameters"),
        templates=p.get("responseTemplates"),
    )
    return response.to_dict()


@operation(S, "GetGatewayResponses")
def get_gateway_responses(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Every response type: the customised ones, and AWS's defaults for the others."""
    api = rest_api(ctx, p)
    return paging.apigateway(sorted(RESPONSE_TYPES), p, lambda t: _gateway_response_out(api, t))


@operation(S, "GetGatewayResponse")
def get_gateway_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One response type."""
    return _gateway_response_out(rest_api(ctx, p), _response_type(p))


@operation(S, "UpdateGatewayResponse")
def update_gateway_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches a gateway response's status, headers and templates."""
    api = rest_api(ctx, p)
    kind = _response_type(p)
    if kind not in api.gatewayResponses:
        ops.put_gateway_response(api, kind)
    response = api.gatewayResponses[kind]
    patch.apply(response, p.get("patchOperations"), fields={"statusCode", "responseParameters", "responseTemplates"})
    api.validate()
    return response.to_dict()


@operation(S, "DeleteGatewayResponse")
def delete_gateway_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Back to AWS's default for that type."""
    api = rest_api(ctx, p)
    if api.gatewayResponses.pop(_response_type(p), None) is None:
        raise NotFoundError("Gateway response type not defined on api")
    return {}


# ---------------------------------------------------------------------------------------
# Models and request validators


def _model(ctx: Context, p: dict[str, Any]) -> Any:
    api = rest_api(ctx, p)
    return api, require(api.models, p["modelName"], f"Invalid model name specified: {p['modelName']}")


@operation(S, "CreateModel")
def create_model(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema (draft 4) model for request validation and SDKs."""
    api = rest_api(ctx, p)
    model = ops.create_model(
        ctx.account, api, p["name"], p.get("schema") or "{}", p.get("contentType") or "application/json"
    )
    model.description = p.get("description")
    return model.to_dict()


@operation(S, "GetModels")
def get_models(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's models, paged."""
    return paging.apigateway(list(rest_api(ctx, p).models.values()), p, lambda m: m.to_dict())


@operation(S, "GetModel")
def get_model(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One model."""
    return _model(ctx, p)[1].to_dict()


@operation(S, "UpdateModel")
def update_model(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches a model's schema and description."""
    api, model = _model(ctx, p)
    patch.apply(model, p.get("patchOperations"), fields={"schema", "description"})
    api.validate()
    return model.to_dict()


@operation(S, "DeleteModel")
def delete_model(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a model no method uses."""
    api, model = _model(ctx, p)
    del api.models[model.name]
    api.validate()
    return {}


def _validator(ctx: Context, p: dict[str, Any]) -> Any:
    api = rest_api(ctx, p)
    found = api.requestValidators.get(p["requestValidatorId"])
    if found is None:
        raise NotFoundError(f"Invalid Request Validator identifier specified: {p['requestValidatorId']}")
    return api, found


@operation(S, "CreateRequestValidator")
def create_request_validator(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Validates the body, the parameters, or both."""
    api = rest_api(ctx, p)
    return ops.create_request_validator(
        ctx.account,
        api,
        p.get("name") or "",
        body=bool(p.get("validateRequestBody")),
        parameters=bool(p.get("validateRequestParameters")),
    ).to_dict()


@operation(S, "GetRequestValidators")
def get_request_validators(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's request validators, paged."""
    return paging.apigateway(list(rest_api(ctx, p).requestValidators.values()), p, lambda v: v.to_dict())


@operation(S, "GetRequestValidator")
def get_request_validator(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One request validator."""
    return _validator(ctx, p)[1].to_dict()


@operation(S, "UpdateRequestValidator")
def update_request_validator(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches a validator's name and what it validates."""
    _api, validator = _validator(ctx, p)
    fields = {"name", "validateRequestBody", "validateRequestParameters"}
    patch.apply(validator, p.get("patchOperations"), fields=fields)
    return validator.to_dict()


@operation(S, "DeleteRequestValidator")
def delete_request_validator(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a validator no method uses."""
    api, validator = _validator(ctx, p)
    del api.requestValidators[validator.id]
    api.validate()
    return {}


# ---------------------------------------------------------------------------------------
# Tags

TAGGABLE = ("/restapis/", "/apikeys/", "/usageplans/")


def _tag_target(ctx: Context, arn: str) -> str:
    """The ARN, once it names an existing API, stage, API key or usage plan of this account."""
    prefix = f"arn:aws:apigateway:{ctx.account.region}::"
    path = arn[len(prefix) :] if arn.startswith(prefix) else ""
    parts = path.strip("/").split("/")
    exists = False
    if len(parts) == 2 and parts[0] == "restapis":
        exists = parts[1] in ctx.account.restApis
    elif len(parts) == 4 and parts[0] == "restapis" and parts[2] == "stages":
        exists = parts[1] in ctx.account.restApis and parts[3] in ctx.account.restApis[parts[1]].stages
    elif len(parts) == 2 and parts[0] == "apikeys":
        exists = parts[1] in ctx.account.apiKeys
    elif len(parts) == 2 and parts[0] == "usageplans":
        exists = parts[1] in ctx.account.usagePlans
    if not exists:
        raise NotFoundError(f"Invalid resource identifier specified: {arn}")
    return arn


@operation(S, "TagResource")
def tag_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Tags a REST API, stage, API key or usage plan."""
    set_tags(ctx, _tag_target(ctx, p["resourceArn"]), p.get("tags") or {})
    return {}


@operation(S, "UntagResource")
def untag_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes tags by key."""
    tags = ctx.account.tags.get(_tag_target(ctx, p["resourceArn"]), {})
    for key in p.get("tagKeys") or []:
        tags.pop(key, None)
    if not tags:
        ctx.account.tags.pop(p["resourceArn"], None)
    return {}


@operation(S, "GetTags")
def get_tags(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The tags of a resource."""
    return {"tags": dict(ctx.account.tags.get(_tag_target(ctx, p["resourceArn"]), {}))}
