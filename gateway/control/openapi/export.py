"""Export (GetExport): an API or a stage as OpenAPI 3.0 or Swagger 2.0, with or without the
x-amazon-apigateway-* extensions.

Authorizers become apiKey security schemes named after them (with x-amazon-apigateway-authtype
and -authorizer when extensions are on), and a method's `security` names its authorizer (with
its scopes for Cognito), so that an export imports back to the same API."""

from __future__ import annotations

import copy
import datetime
import json
from typing import Any

import yaml

from gateway.control.openapi.spec import (
    EXT,
    IDENTITY_HEADER,
    METHOD_REQUEST_PARAM,
    METHOD_RESPONSE_HEADER,
    OPERATIONS,
    VERB_KEYS,
)
from gateway.control.openapi.text import _rewrite_refs
from gateway.model.errors import NotFoundError, Problem, ValidationError
from gateway.model.resources import (
    REGION,
    Authorizer,
    Integration,
    Method,
    RestApi,
    Stage,
)

# ---------------------------------------------------------------------------------------
# Export


def export_openapi(
    api: RestApi, *, version: str = "oas30", extensions: bool = True, stage: Stage | None = None, fmt: str = "json"
) -> str:
    """GetExport: the API as OpenAPI 3.0.1 ("oas30") or Swagger 2.0 ("swagger"), JSON or YAML.

    With a stage, as AWS does, the stage's deployed definition is exported, with the stage's
    invoke URL in servers (or host and basePath). Without extensions the document is plain
    OpenAPI: no integrations, validators, gateway responses or policy; an ANY method still
    appears as x-amazon-apigateway-any-method, the only way OpenAPI can say "any method".
    """
    problems = []
    if version not in ("oas30", "swagger"):
        problems.append(Problem("version", "must be oas30 or swagger"))
    if fmt not in ("json", "yaml"):
        problems.append(Problem("fmt", "must be json or yaml"))
    if problems:
        raise ValidationError(problems)
    source = api
    if stage is not None:
        deployment = api.deployments.get(stage.deploymentId)
        if deployment is None:
            raise NotFoundError(f"Invalid Deployment identifier specified: {stage.deploymentId}")
        extra = {
            "description": api.description,
            "version": api.version,
            "createdDate": api.createdDate,
            "disableExecuteApiEndpoint": api.disableExecuteApiEndpoint,
            # a deployment freezes methods, not authorizers: its methods use the API's
            "authorizers": {k: a.to_dict() for k, a in api.authorizers.items()},
        }
        source = RestApi.from_dict({**copy.deepcopy(deployment.snapshot), **extra})
    doc = _Writer(source, swagger=version == "swagger", extensions=extensions, stage=stage).document()
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _timestamp(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def _authorizer_scheme(authorizer: Authorizer, *, extensions: bool) -> dict[str, Any]:
    """An authorizer as the apiKey security scheme AWS imports it from: the header (or query
    parameter) that carries the identity, and with extensions its x-amazon-apigateway-authtype
    and x-amazon-apigateway-authorizer."""
    # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
    # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authtype.html
    sources = [part.strip() for part in (authorizer.identitySource or "").split(",") if part.strip()]
    name, location = "Unused", "header"  # AWS's placeholder when no single header or query parameter says it
    if len(sources) == 1 and (match := IDENTITY_HEADER.match(sources[0])):
        name = match["name"]
    elif len(sources) == 1 and sources[0].startswith("method.request.querystring."):
        name, location = sources[0].split(".", 3)[3], "query"
    scheme: dict[str, Any] = {"type": "apiKey", "name": name, "in": location}
    if not extensions:
        return scheme
    cognito = authorizer.type == "COGNITO_USER_POOLS"
    # authType is free-form; none set, the simulator writes AWS's usual custom / cognito_user_pools
    scheme[EXT + "authtype"] = authorizer.authType or ("cognito_user_pools" if cognito else "custom")
    data: dict[str, Any] = {"type": authorizer.type.lower()}
    if authorizer.authorizerUri and not cognito:
        data["authorizerUri"] = authorizer.authorizerUri
    if authorizer.authorizerCredentials:
        data["authorizerCredentials"] = authorizer.authorizerCredentials
    if authorizer.type == "REQUEST" and authorizer.identitySource:
        data["identitySource"] = authorizer.identitySource
    if authorizer.identityValidationExpression:
        data["identityValidationExpression"] = authorizer.identityValidationExpression
    if cognito:
        data["providerARNs"] = list(authorizer.providerARNs)
    data["authorizerResultTtlInSeconds"] = authorizer.authorizerResultTtlInSeconds
    scheme[EXT + "authorizer"] = data
    return scheme


class _Writer:
    def __init__(self, api: RestApi, *, swagger: bool, extensions: bool, stage: Stage | None):
        self.api = api
        self.swagger = swagger
        self.extensions = extensions
        self.stage = stage
        self.schemes: dict[str, dict[str, Any]] = {}
        self.validator_names = {v.id: v.name for v in api.requestValidators.values()}
        # Security scheme names: each authorizer's name (made unique), then api_key and sigv4.
        taken: set[str] = set()
        self.scheme_names = {a.id: _unique(a.name or a.id, taken) for a in api.authorizers.values()}
        self.api_key_scheme, self.sigv4_scheme = _unique("api_key", taken), _unique("sigv4", taken)

    def model_ref(self, name: str) -> str:
        return ("#/definitions/" if self.swagger else "#/components/schemas/") + name.replace("~", "~0").replace(
            "/", "~1"
        )

    def document(self) -> dict[str, Any]:
        api = self.api
        doc: dict[str, Any] = {"swagger": "2.0"} if self.swagger else {"openapi": "3.0.1"}
        info: dict[str, Any] = {"title": api.name}
        if api.description:
            info["description"] = api.description
        info["version"] = api.version or _timestamp(api.createdDate)
        doc["info"] = info
        endpoint = self.endpoint_configuration()
        if self.stage is not None:
            host = f"{api.id}.execute-api.{REGION}.amazonaws.com"
            if self.swagger:
                doc.update(host=host, basePath=f"/{self.stage.stageName}", schemes=["https"])
            else:
                variables: dict[str, Any] = {"basePath": {"default": f"/{self.stage.stageName}"}}
                for name, value in sorted(self.stage.variables.items()):
                    if name != "basePath":
                        variables[name] = {"default": value, "description": "stage variable"}
                server: dict[str, Any] = {"url": f"https://{host}/{{basePath}}", "variables": variables}
                if endpoint:
                    server[EXT + "endpoint-configuration"] = endpoint
                    endpoint = None
                doc["servers"] = [server]
        doc["paths"] = self.paths()
        if self.extensions:  # every authorizer, used by a method or not, so that none is lost
            for authorizer in api.authorizers.values():
                name = self.scheme_names[authorizer.id]
                self.schemes.setdefault(name, _authorizer_scheme(authorizer, extensions=True))
        schemas = self.schemas()
        if self.swagger:
            if self.schemes:
                doc["securityDefinitions"] = self.schemes
            if schemas:
                doc["definitions"] = schemas
        else:
            components = {}
            if schemas:
                components["schemas"] = schemas
            if self.schemes:
                components["securitySchemes"] = self.schemes
            if components:
                doc["components"] = components
        if self.extensions:
            doc.update(self.api_extensions(endpoint))
        return doc

    def endpoint_configuration(self) -> dict[str, Any] | None:
        if not self.extensions:
            return None
        config: dict[str, Any] = {k: list(v) for k, v in self.api.endpointConfiguration.items()}
        if self.api.disableExecuteApiEndpoint:
            config["disableExecuteApiEndpoint"] = True
        return config or None

    def api_extensions(self, endpoint: dict[str, Any] | None) -> dict[str, Any]:
        api = self.api
        out: dict[str, Any] = {}
        if api.requestValidators:
            out[EXT + "request-validators"] = {
                v.name: {
                    "validateRequestBody": v.validateRequestBody,
                    "validateRequestParameters": v.validateRequestParameters,
                }
                for v in api.requestValidators.values()
            }
        if api.gatewayResponses:
            responses = {}
            for response_type, response in sorted(api.gatewayResponses.items()):
                item: dict[str, Any] = {}
                if response.statusCode:
                    item["statusCode"] = response.statusCode
                if response.responseParameters:
                    item["responseParameters"] = dict(response.responseParameters)
                if response.responseTemplates:
                    item["responseTemplates"] = dict(response.responseTemplates)
                responses[response_type] = item
            out[EXT + "gateway-responses"] = responses
        if api.policy:
            try:
                out[EXT + "policy"] = json.loads(api.policy)
            except ValueError:
                out[EXT + "policy"] = api.policy
        out[EXT + "api-key-source"] = api.apiKeySource
        if api.binaryMediaTypes:
            out[EXT + "binary-media-types"] = list(api.binaryMediaTypes)
        if api.minimumCompressionSize is not None:
            out[EXT + "minimum-compression-size"] = api.minimumCompressionSize
        if endpoint:
            out[EXT + "endpoint-configuration"] = endpoint
        return out

    def schemas(self) -> dict[str, Any]:
        out = {}
        for name, model in sorted(self.api.models.items()):
            try:
                schema = json.loads(model.schema) if model.schema else {}
            except ValueError:
                schema = {}
            out[name] = _rewrite_refs(schema, self.model_ref)
        return out

    def paths(self) -> dict[str, Any]:
        resources = sorted(self.api.resources.values(), key=lambda r: r.path)
        parents = {r.parentId for r in resources}
        out: dict[str, Any] = {}
        for resource in resources:
            if not resource.resourceMethods and (resource.id in parents or resource.parentId is None):
                continue  # an empty resource with children is implied by their paths
            item: dict[str, Any] = {}
            for verb in OPERATIONS.values():
                if verb in resource.resourceMethods:
                    item[VERB_KEYS[verb]] = self.operation(resource.resourceMethods[verb])
            out[resource.path] = item
        return out

    def operation(self, method: Method) -> dict[str, Any]:
        op: dict[str, Any] = {}
        if method.operationName:
            op["operationId"] = method.operationName
        parameters = []
        for key, required in sorted(method.requestParameters.items()):
            match = METHOD_REQUEST_PARAM.match(key)
            if not match:
                continue
            location = {"path": "path", "querystring": "query", "header": "header"}.get(match["loc"])
            if location is None:  # multivalue parameters have no plain OpenAPI form
                location = "query" if match["loc"] == "multivaluequerystring" else "header"
            parameter: dict[str, Any] = {"name": match["name"], "in": location, "required": bool(required)}
            if self.swagger:
                parameter["type"] = "string"
            else:
                parameter["schema"] = {"type": "string"}
            parameters.append(parameter)
        if method.requestModels and self.swagger:
            op["consumes"] = list(method.requestModels)
            model = next(iter(method.requestModels.values()))
            parameters.append(
                {"in": "body", "name": model, "required": True, "schema": {"$ref": self.model_ref(model)}}
            )
        if parameters:
            op["parameters"] = parameters
        if method.requestModels and not self.swagger:
            op["requestBody"] = {
                "content": {ct: {"schema": {"$ref": self.model_ref(m)}} for ct, m in method.requestModels.items()},
                "required": True,
            }
        op["responses"] = self.responses(method, op)
        security = self.security(method)
        if security:
            op["security"] = [security]
        if self.extensions:
            if method.requestValidatorId and method.requestValidatorId in self.validator_names:
                op[EXT + "request-validator"] = self.validator_names[method.requestValidatorId]
            if method.methodIntegration is not None:
                op[EXT + "integration"] = self.integration(method.methodIntegration)
        return op

    def responses(self, method: Method, op: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        produces: list[str] = []
        for status, response in sorted(method.methodResponses.items()):
            item: dict[str, Any] = {"description": f"{status} response"}
            headers = {}
            for key, required in response.responseParameters.items():
                match = METHOD_RESPONSE_HEADER.match(key)
                if not match:
                    continue
                if self.swagger:
                    headers[match["name"]] = {"type": "string"}
                else:
                    headers[match["name"]] = {"schema": {"type": "string"}, **({"required": True} if required else {})}
            if headers:
                item["headers"] = headers
            if response.responseModels:
                if self.swagger:
                    produces += [ct for ct in response.responseModels if ct not in produces]
                    item["schema"] = {"$ref": self.model_ref(next(iter(response.responseModels.values())))}
                else:
                    item["content"] = {
                        ct: {"schema": {"$ref": self.model_ref(m)}} for ct, m in response.responseModels.items()
                    }
            out[status] = item
        if produces:
            op["produces"] = produces
        return out

    def security(self, method: Method) -> dict[str, list[str]]:
        requirement: dict[str, list[str]] = {}
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-usage-plan-oas.html
        if method.apiKeyRequired:
            self.schemes[self.api_key_scheme] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
            requirement[self.api_key_scheme] = []
        if method.authorizationType == "AWS_IAM":
            scheme: dict[str, Any] = {"type": "apiKey", "name": "Authorization", "in": "header"}
            if self.extensions:
                scheme[EXT + "authtype"] = "awsSigv4"
            self.schemes[self.sigv4_scheme] = scheme
            requirement[self.sigv4_scheme] = []
        elif method.authorizationType in ("CUSTOM", "COGNITO_USER_POOLS"):
            authorizer = self.api.authorizers.get(method.authorizerId or "")
            if authorizer is not None:
                name = self.scheme_names[authorizer.id]
                self.schemes[name] = _authorizer_scheme(authorizer, extensions=self.extensions)
                requirement[name] = list(method.authorizationScopes)
        return requirement

    def integration(self, integration: Integration) -> dict[str, Any]:
        out: dict[str, Any] = {"type": integration.type.lower()}
        if integration.httpMethod:
            out["httpMethod"] = integration.httpMethod
        if integration.uri:
            out["uri"] = integration.uri
        if integration.credentials:
            out["credentials"] = integration.credentials
        if integration.requestParameters:
            out["requestParameters"] = dict(integration.requestParameters)
        if integration.requestTemplates:
            out["requestTemplates"] = dict(integration.requestTemplates)
        if integration.integrationResponses:
            responses: dict[str, Any] = {}
            for status, response in integration.integrationResponses.items():
                key = response.selectionPattern or "default"
                if key in responses:
                    key = status  # two responses cannot share a pattern in OpenAPI; match this status instead
                item: dict[str, Any] = {"statusCode": response.statusCode}
                if response.responseParameters:
                    item["responseParameters"] = dict(response.responseParameters)
                if response.responseTemplates:
                    item["responseTemplates"] = dict(response.responseTemplates)
                if response.contentHandling:
                    item["contentHandling"] = response.contentHandling
                responses[key] = item
            out["responses"] = responses
        out["passthroughBehavior"] = integration.passthroughBehavior.lower()
        if integration.contentHandling:
            out["contentHandling"] = integration.contentHandling
        out["timeoutInMillis"] = integration.timeoutInMillis
        if integration.cacheNamespace:
            out["cacheNamespace"] = integration.cacheNamespace
        if integration.cacheKeyParameters:
            out["cacheKeyParameters"] = list(integration.cacheKeyParameters)
        return out
