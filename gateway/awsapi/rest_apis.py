"""apigateway: REST APIs, resources, methods, integrations and their responses.

The handlers call the same operations as the console (`gateway.control.operations`), so a
client and the console change one model and see each other's changes at once.
AWS: https://docs.aws.amazon.com/apigateway/latest/api/API_Operations.html
"""

from __future__ import annotations

from typing import Any

from gateway.awsapi import paging, patch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context, operation
from gateway.control import operations as ops
from gateway.model.errors import NotFoundError
from gateway.model.resources import RestApi

S = "apigateway"
API_FIELDS = {
    "name",
    "description",
    "version",
    "binaryMediaTypes",
    "apiKeySource",
    "minimumCompressionSize",
    "policy",
    "disableExecuteApiEndpoint",
    "endpointConfiguration",
}


def api_arn(ctx: Context, api_id: str) -> str:
    return f"arn:aws:apigateway:{ctx.account.region}::/restapis/{api_id}"


def tags_of(ctx: Context, arn: str) -> dict[str, str] | None:
    return ctx.account.tags.get(arn) or None


def set_tags(ctx: Context, arn: str, tags: dict[str, str] | None) -> None:
    if tags:
        if len(tags) > 50:
            raise AwsError("BadRequestException", "A resource holds at most 50 tags", 400)
        ctx.account.tags.setdefault(arn, {}).update(tags)


def api_out(ctx: Context, api: RestApi) -> dict[str, Any]:
    data = {k: v for k, v in api.to_dict().items() if k in API_FIELDS | {"id", "createdDate"}}
    return data | {"rootResourceId": api.root.id, "tags": tags_of(ctx, api_arn(ctx, api.id))}


def rest_api(ctx: Context, params: dict[str, Any]) -> RestApi:
    return ops.get_api(ctx.account, params["restApiId"])


@operation(S, "CreateRestApi")
def create_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates the API with its root resource; endpoint type EDGE unless given."""
    if p.get("cloneFrom"):  # AWS copies the source API; the sandbox says so rather than half-doing it
        raise AwsError("BadRequestException", "cloneFrom is not supported by the sandbox: export and import instead")
    types = (p.get("endpointConfiguration") or {}).get("types") or ["EDGE"]
    fields = {
        k: p[k] for k in ("binaryMediaTypes", "minimumCompressionSize", "apiKeySource", "policy", "version") if k in p
    }
    if "disableExecuteApiEndpoint" in p:
        fields["disableExecuteApiEndpoint"] = p["disableExecuteApiEndpoint"]
    api = ops.create_rest_api(
        ctx.account, p["name"], description=p.get("description"), endpoint_type=types[0], now=ctx.now, **fields
    )
    set_tags(ctx, api_arn(ctx, api.id), p.get("tags"))
    return api_out(ctx, api)


@operation(S, "GetRestApis")
def get_rest_apis(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the learner's REST APIs, paged by limit and position."""
    return paging.apigateway(list(ctx.account.restApis.values()), p, lambda api: api_out(ctx, api))


@operation(S, "GetRestApi")
def get_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One REST API."""
    return api_out(ctx, rest_api(ctx, p))


@operation(S, "UpdateRestApi")
def update_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches name, description, binary media types, API key source, compression, policy, endpoint type."""
    api = rest_api(ctx, p)
    for op in p.get("patchOperations") or []:
        if op.get("path") == "/endpointConfiguration/types/EDGE" or (op.get("path") or "").startswith(
            "/endpointConfiguration/types/"
        ):
            # AWS: replace /endpointConfiguration/types/EDGE with value REGIONAL
            if op.get("op") == "replace" and op.get("value") in ("EDGE", "REGIONAL", "PRIVATE"):
                api.endpointConfiguration = {**api.endpointConfiguration, "types": [op["value"]]}
                continue
            raise AwsError("BadRequestException", f"Invalid endpoint type change: {op}")
        patch.apply(api, [op], fields=API_FIELDS - {"endpointConfiguration"})
    api.validate()
    return api_out(ctx, api)


@operation(S, "DeleteRestApi")
def delete_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes the API, its stages and its tags; usage plans lose its stages."""
    api = rest_api(ctx, p)
    del ctx.account.restApis[api.id]
    for plan in ctx.account.usagePlans.values():
        plan.apiStages = [s for s in plan.apiStages if s.apiId != api.id]
    prefix = api_arn(ctx, api.id)
    for arn in [a for a in ctx.account.tags if a == prefix or a.startswith(prefix + "/")]:
        del ctx.account.tags[arn]
    return {}


# ---------------------------------------------------------------------------------------
# Resources


def resource_out(resource: Any, embed: bool) -> dict[str, Any]:
    data = resource.to_dict()
    methods = data.pop("resourceMethods", {})
    if methods:
        data["resourceMethods"] = methods if embed else {verb: {} for verb in methods}
    return data


def _embeds(p: dict[str, Any]) -> bool:
    return "methods" in (p.get("embed") or [])


@operation(S, "GetResources")
def get_resources(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the resources (with their methods when embed=methods), paged."""
    api = rest_api(ctx, p)
    resources = sorted(api.resources.values(), key=lambda r: r.path)
    return paging.apigateway(resources, p, lambda r: resource_out(r, _embeds(p)))


@operation(S, "GetResource")
def get_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One resource."""
    return resource_out(ops.get_resource(rest_api(ctx, p), p["resourceId"]), _embeds(p))


@operation(S, "CreateResource")
def create_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a child resource (a path part, {param} or {proxy+})."""
    api = rest_api(ctx, p)
    return resource_out(ops.create_resource(ctx.account, api, p["parentId"], p["pathPart"]), False)


@operation(S, "UpdateResource")
def update_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Renames a resource's path part (its children's paths follow)."""
    api = rest_api(ctx, p)
    resource = ops.get_resource(api, p["resourceId"])
    for op in p.get("patchOperations") or []:
        if op.get("op") != "replace" or op.get("path") != "/pathPart":
            raise AwsError("BadRequestException", f"Invalid patch path '{op.get('path')}': only /pathPart can change")
        if resource.parentId is None:
            raise AwsError("BadRequestException", "The root resource cannot be renamed")
        ops.rename_resource(api, resource.id, op.get("value") or "")
    return resource_out(resource, False)


@operation(S, "DeleteResource")
def delete_resource(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a resource and everything under it."""
    ops.delete_resource(rest_api(ctx, p), p["resourceId"])
    return {}


# ---------------------------------------------------------------------------------------
# Methods and method responses

METHOD_FIELDS = (
    "authorizerId",
    "apiKeyRequired",
    "operationName",
    "requestParameters",
    "requestModels",
    "requestValidatorId",
    "authorizationScopes",
)


@operation(S, "PutMethod")
def put_method(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates or replaces a method request (keeping its integration and responses)."""
    api = rest_api(ctx, p)
    fields = {k: p[k] for k in METHOD_FIELDS if k in p}
    method = ops.put_method(api, p["resourceId"], p["httpMethod"], authorization_type=p["authorizationType"], **fields)
    return method.to_dict()


def _method(ctx: Context, p: dict[str, Any]) -> Any:
    return ops.get_method(rest_api(ctx, p), p["resourceId"], p["httpMethod"])


@operation(S, "GetMethod")
def get_method(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One method, with its integration and responses."""
    return _method(ctx, p).to_dict()


@operation(S, "UpdateMethod")
def update_method(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches authorization, API key, validator, parameters, models and scopes."""
    api = rest_api(ctx, p)
    method = ops.get_method(api, p["resourceId"], p["httpMethod"])
    patch.apply(method, p.get("patchOperations"), fields={"authorizationType", *METHOD_FIELDS})
    api.validate()
    return method.to_dict()


@operation(S, "DeleteMethod")
def delete_method(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a method."""
    ops.delete_method(rest_api(ctx, p), p["resourceId"], p["httpMethod"])
    return {}


def _method_response(ctx: Context, p: dict[str, Any]) -> Any:
    method = _method(ctx, p)
    found = method.methodResponses.get(str(p["statusCode"]))
    if found is None:
        raise NotFoundError("Invalid Response status code specified")
    return method, found


@operation(S, "PutMethodResponse")
def put_method_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Declares a method response: its status, headers and models."""
    api = rest_api(ctx, p)
    fields = {k: p[k] for k in ("responseParameters", "responseModels") if k in p}
    return ops.put_method_response(api, p["resourceId"], p["httpMethod"], p["statusCode"], **fields).to_dict()


@operation(S, "GetMethodResponse")
def get_method_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One method response."""
    return _method_response(ctx, p)[1].to_dict()


@operation(S, "UpdateMethodResponse")
def update_method_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches a method response's headers and models."""
    _method, response = _method_response(ctx, p)
    patch.apply(response, p.get("patchOperations"), fields={"responseParameters", "responseModels"})
    rest_api(ctx, p).validate()
    return response.to_dict()


@operation(S, "DeleteMethodResponse")
def delete_method_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a method response."""
    method, response = _method_response(ctx, p)
    del method.methodResponses[response.statusCode]
    return {}


# ---------------------------------------------------------------------------------------
# Integrations and integration responses

INTEGRATION_FIELDS = (
    "integrationHttpMethod",
    "uri",
    "credentials",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "contentHandling",
    "timeoutInMillis",
    "cacheNamespace",
    "cacheKeyParameters",
    "connectionType",
)


@operation(S, "PutIntegration")
def put_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Sets the method's integration: MOCK, HTTP, HTTP_PROXY, AWS or AWS_PROXY."""
    api = rest_api(ctx, p)
    fields = {k: p[k] for k in INTEGRATION_FIELDS if k in p and k != "connectionType"}
    if p.get("connectionType", "INTERNET") != "INTERNET":
        raise AwsError("BadRequestException", "VPC links are not part of the sandbox: use connectionType INTERNET")
    return ops.put_integration(api, p["resourceId"], p["httpMethod"], p["type"], **fields).to_dict()


def _integration(ctx: Context, p: dict[str, Any]) -> Any:
    method = _method(ctx, p)
    if method.methodIntegration is None:
        raise NotFoundError("No integration defined for method")
    return method


@operation(S, "GetIntegration")
def get_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The method's integration, with its responses."""
    return _integration(ctx, p).methodIntegration.to_dict()


@operation(S, "UpdateIntegration")
def update_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches the integration's URI, templates, parameters, timeout, passthrough and cache keys."""
    integration = _integration(ctx, p).methodIntegration
    fields = {"type", "httpMethod", *INTEGRATION_FIELDS} - {"integrationHttpMethod", "connectionType"}
    patch.apply(integration, p.get("patchOperations"), fields=fields)
    rest_api(ctx, p).validate()
    return integration.to_dict()


@operation(S, "DeleteIntegration")
def delete_integration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes the method's integration."""
    _integration(ctx, p).methodIntegration = None
    return {}


def _integration_response(ctx: Context, p: dict[str, Any]) -> Any:
    integration = _integration(ctx, p).methodIntegration
    found = integration.integrationResponses.get(str(p["statusCode"]))
    if found is None:
        raise NotFoundError("Invalid Response status code specified")
    return integration, found


@operation(S, "PutIntegrationResponse")
def put_integration_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Maps a backend answer (selection pattern) to a method response."""
    api = rest_api(ctx, p)
    fields = {
        k: p[k] for k in ("selectionPattern", "responseParameters", "responseTemplates", "contentHandling") if k in p
    }
    return ops.put_integration_response(api, p["resourceId"], p["httpMethod"], p["statusCode"], **fields).to_dict()


@operation(S, "GetIntegrationResponse")
def get_integration_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One integration response."""
    return _integration_response(ctx, p)[1].to_dict()


@operation(S, "UpdateIntegrationResponse")
def update_integration_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches an integration response's pattern, templates and header mappings."""
    _integration, response = _integration_response(ctx, p)
    fields = {"selectionPattern", "responseParameters", "responseTemplates", "contentHandling"}
    patch.apply(response, p.get("patchOperations"), fields=fields)
    rest_api(ctx, p).validate()
    return response.to_dict()


@operation(S, "DeleteIntegrationResponse")
def delete_integration_response(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes an integration response."""
    integration, response = _integration_response(ctx, p)
    del integration.integrationResponses[response.statusCode]
    return {}
