"""OpenAPI import (ImportRestApi / PutRestApi) and export (GetExport)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from gateway.control.openapi import export_openapi, import_openapi, pointer
from gateway.control.operations import (
    create_deployment,
    create_model,
    create_request_validator,
    create_resource_path,
    create_rest_api,
    put_gateway_response,
    put_integration,
    put_integration_response,
    put_method,
    put_method_response,
)
from gateway.model.errors import Problem, ValidationError
from gateway.model.resources import Account, RestApi

FIXTURES = Path(__file__).parent / "fixtures"
OAS30 = (FIXTURES / "pets-oas30.yaml").read_text()
SWAGGER = (FIXTURES / "pets-swagger20.json").read_text()
LAMBDA = (
    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets"
)


def normalise(api: RestApi) -> dict[str, Any]:
    """api.definition() without ids: resources by path, models and validators by name."""
    data = copy.deepcopy(api.definition())
    api_id = data.pop("id")
    resources = data.pop("resources")
    paths = {r["id"]: r["path"] for r in resources.values()}
    validators = {v["id"]: v["name"] for v in data.get("requestValidators", {}).values()}
    data["resources"] = {}
    for resource in resources.values():
        methods = resource.get("resourceMethods", {})
        for method in methods.values():
            if method.get("requestValidatorId"):
                method["requestValidatorId"] = validators[method["requestValidatorId"]]
        data["resources"][resource["path"]] = {
            "parent": paths.get(resource.get("parentId")),
            "pathPart": resource.get("pathPart"),
            "methods": methods,
        }
    data["models"] = {
        name: {
            **{k: v for k, v in model.items() if k not in ("id", "schema")},
            "schema": json.loads(model["schema"].replace(api_id, "API_ID")) if model.get("schema") else None,
        }
        for name, model in data.get("models", {}).items()
    }
    data["requestValidators"] = {
        v["name"]: {k: x for k, x in v.items() if k != "id"} for v in data.get("requestValidators", {}).values()
    }
    if data.get("policy"):
        data["policy"] = json.loads(data["policy"].replace(api_id, "API_ID"))
    return data


def method_at(api: RestApi, path: str, verb: str):
    resource = api.resource_by_path(path)
    assert resource is not None, path
    return resource.resourceMethods[verb]


def minimal(paths: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"openapi": "3.0.1", "info": {"title": "Mini", "version": "1"}, "paths": paths or {}, **extra}


def mock_get() -> dict[str, Any]:
    return {
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}},
        },
    }


def problems_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {p.where: p.message for p in excinfo.value.problems}


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def pets(account: Account) -> RestApi:
    api, warnings = import_openapi(account, OAS30, now=1_700_000_000.0)
    assert warnings == []
    return api


# ---------------------------------------------------------------------------------------
# Import


def test_import_creates_every_resource_and_method(account, pets):
    assert account.restApis[pets.id] is pets
    assert pets.name == "PetStore"
    assert pets.description == "Pets for the API Gateway study sandbox"
    assert pets.version == "2024-05-01"
    assert pets.createdDate == 1_700_000_000.0
    assert sorted(r.path for r in pets.resources.values()) == ["/", "/pets", "/pets/{petId}", "/{proxy+}"]
    assert sorted(pets.resource_by_path("/pets").resourceMethods) == ["GET", "OPTIONS", "POST"]
    assert list(pets.resource_by_path("/{proxy+}").resourceMethods) == ["ANY"]
    pet = pets.resource_by_path("/pets/{petId}")
    assert pet.parentId == pets.resource_by_path("/pets").id
    assert pet.pathPart == "{petId}"


def test_import_creates_intermediate_resources(account):
    api, _ = import_openapi(account, minimal({"/a/b/{c}": {"get": mock_get()}}))
    assert sorted(r.path for r in api.resources.values()) == ["/", "/a", "/a/b", "/a/b/{c}"]
    assert api.resource_by_path("/a").resourceMethods == {}


def test_parameters_become_method_request_parameters(pets):
    assert method_at(pets, "/pets", "GET").requestParameters == {
        "method.request.querystring.limit": False,
        "method.request.querystring.type": True,
    }
    assert method_at(pets, "/pets/{petId}", "GET").requestParameters == {
        "method.request.path.petId": True,
        "method.request.header.X-Request-Id": False,
    }


def test_operation_id_security_and_validators(pets):
    listing = method_at(pets, "/pets", "GET")
    assert listing.operationName == "listPets"
    assert listing.apiKeyRequired is True
    validators = {v.id: v for v in pets.requestValidators.values()}
    assert validators[listing.requestValidatorId].name == "params-only"  # the API-level default
    create = method_at(pets, "/pets", "POST")
    assert validators[create.requestValidatorId].name == "all"
    assert validators[create.requestValidatorId].validateRequestBody is True
    assert method_at(pets, "/pets/{petId}", "GET").apiKeyRequired is False


def test_request_body_ref_becomes_request_model(pets):
    create = method_at(pets, "/pets", "POST")
    assert create.requestModels == {"application/json": "NewPet"}
    assert create.methodResponses["201"].responseModels == {"application/json": "Pet"}
    assert sorted(pets.models) == ["Error", "NewPet", "Pet", "Pets"]
    assert pets.models["NewPet"].schema_dict()["required"] == ["name", "type"]


def test_schema_refs_are_rewritten_to_model_urls(pets):
    items = pets.models["Pets"].schema_dict()["items"]
    assert items == {"$ref": f"https://apigateway.amazonaws.com/restapis/{pets.id}/models/Pet"}


def test_response_headers_become_method_response_parameters(pets):
    responses = method_at(pets, "/pets/{petId}", "GET").methodResponses
    assert sorted(responses) == ["200", "404", "500"]
    assert responses["200"].responseParameters == {"method.response.header.X-Backend": False}


def test_lambda_proxy_integration_keeps_stage_variable(pets):
    integration = method_at(pets, "/pets", "GET").methodIntegration
    assert integration.type == "AWS_PROXY"
    assert integration.httpMethod == "POST"
    assert integration.uri == LAMBDA + ":${stageVariables.alias}/invocations"
    assert integration.passthroughBehavior == "WHEN_NO_MATCH"
    assert integration.timeoutInMillis == 29_000


def test_integration_responses_are_keyed_by_status_with_the_pattern_inside(pets):
    integration = method_at(pets, "/pets/{petId}", "GET").methodIntegration
    assert integration.type == "HTTP"
    assert integration.requestParameters == {
        "integration.request.path.id": "method.request.path.petId",
        "integration.request.header.X-Request-Id": "method.request.header.X-Request-Id",
    }
    assert integration.timeoutInMillis == 5000
    assert integration.passthroughBehavior == "WHEN_NO_TEMPLATES"
    responses = integration.integrationResponses
    assert sorted(responses) == ["200", "404", "500"]
    assert responses["200"].selectionPattern is None
    assert responses["200"].responseTemplates["application/json"].startswith("#set($pet = $input.path('$'))")
    assert responses["200"].responseParameters == {"method.response.header.X-Backend": "'petstore'"}
    assert responses["404"].selectionPattern == "404"
    assert responses["500"].selectionPattern == r"5\d{2}"


def test_lambda_integration_response_selected_by_error_message(pets):
    integration = method_at(pets, "/pets", "POST").methodIntegration
    assert integration.type == "AWS"
    assert integration.passthroughBehavior == "NEVER"
    assert integration.integrationResponses["201"].selectionPattern is None
    assert integration.integrationResponses["400"].selectionPattern == "Invalid.*"


def test_any_method_http_proxy(pets):
    method = method_at(pets, "/{proxy+}", "ANY")
    assert method.requestParameters == {"method.request.path.proxy": True}
    integration = method.methodIntegration
    assert (integration.type, integration.httpMethod) == ("HTTP_PROXY", "ANY")
    assert integration.cacheKeyParameters == ["method.request.path.proxy"]
    assert integration.cacheNamespace == "proxyns"


def test_cors_options_mock(pets):
    method = method_at(pets, "/pets", "OPTIONS")
    assert method.methodIntegration.type == "MOCK"
    assert method.methodIntegration.requestTemplates == {"application/json": '{"statusCode": 200}'}
    parameters = method.methodIntegration.integrationResponses["200"].responseParameters
    assert parameters["method.response.header.Access-Control-Allow-Origin"] == "'*'"
    assert parameters["method.response.header.Access-Control-Allow-Methods"] == "'GET,POST,OPTIONS'"
    assert set(method.methodResponses["200"].responseParameters) == {
        "method.response.header.Access-Control-Allow-Origin",
        "method.response.header.Access-Control-Allow-Methods",
        "method.response.header.Access-Control-Allow-Headers",
    }


def test_api_level_extensions(pets):
    assert pets.apiKeySource == "HEADER"
    assert pets.binaryMediaTypes == ["image/png", "application/octet-stream"]
    assert pets.endpointConfiguration == {"types": ["REGIONAL"]}
    policy = json.loads(pets.policy)
    assert [s["Effect"] for s in policy["Statement"]] == ["Allow", "Deny"]
    cors = pets.gatewayResponses["DEFAULT_4XX"]
    assert cors.responseParameters == {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}
    assert pets.gatewayResponses["MISSING_AUTHENTICATION_TOKEN"].statusCode == "404"


def test_swagger_and_openapi_variants_import_to_the_same_definition(account, pets):
    swagger, warnings = import_openapi(account, SWAGGER)
    assert warnings == []
    assert swagger.id != pets.id
    assert normalise(swagger) == normalise(pets)


def test_imported_api_can_be_deployed(account, pets):
    deployment = create_deployment(account, pets, stage_name="dev", variables={"alias": "prod"})
    assert pets.stages["dev"].deploymentId == deployment.id
    assert normalise(RestApi.from_dict(deployment.snapshot)) == normalise(pets)


def test_aws_variables_are_resolved(account):
    doc = minimal(
        {
            "/hello": {
                "get": {
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:hello/invocations",
                    }
                }
            }
        }
    )
    api, _ = import_openapi(account, doc)
    uri = method_at(api, "/hello", "GET").methodIntegration.uri
    assert uri == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"
    )


def test_inline_schemas_become_models(account):
    doc = minimal(
        {
            "/items": {
                "post": {
                    "requestBody": {
                        "content": {"application/json": {"schema": {"type": "object", "required": ["sku"]}}}
                    },
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": "{}"}},
                }
            }
        }
    )
    api, _ = import_openapi(account, doc)
    assert method_at(api, "/items", "POST").requestModels == {"application/json": "PostItemsInput"}
    assert api.models["PostItemsInput"].schema_dict() == {"type": "object", "required": ["sku"]}


def test_json_text_and_unquoted_yaml_status_codes(account):
    api, _ = import_openapi(account, json.dumps(minimal({"/a": {"get": mock_get()}})))
    assert method_at(api, "/a", "GET").methodResponses["200"].statusCode == "200"
    text = (
        "openapi: 3.0.1\ninfo: {title: Y, version: 2016-10-13T23:04:43Z}\n"
        "paths:\n  /a:\n    get:\n      responses:\n        200: {description: ok}\n"
        "      x-amazon-apigateway-integration:\n        type: MOCK\n"
        "        requestTemplates: {application/json: '{\"statusCode\": 200}'}\n"
        "        responses: {default: {statusCode: 200}}\n"
    )
    api, _ = import_openapi(account, text)
    assert api.version == "2016-10-13T23:04:43Z"
    assert method_at(api, "/a", "GET").methodIntegration.integrationResponses["200"].statusCode == "200"


def test_yaml_flow_style_is_not_mistaken_for_json(account):
    api, _ = import_openapi(account, "{openapi: 3.0.1, info: {title: Flow}, paths: {/a: {}}}")
    assert api.name == "Flow"
    assert api.resource_by_path("/a") is not None


def test_iam_authorization_from_sigv4_scheme_and_auth_extension(account):
    doc = minimal(
        {
            "/signed": {"get": {**mock_get(), "security": [{"sigv4": []}]}},
            "/open": {"get": {**mock_get(), "x-amazon-apigateway-auth": {"type": "aws_iam"}}},
        },
        components={
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            }
        },
    )
    api, _ = import_openapi(account, doc)
    assert method_at(api, "/signed", "GET").authorizationType == "AWS_IAM"
    assert method_at(api, "/open", "GET").authorizationType == "AWS_IAM"


# ---------------------------------------------------------------------------------------
# Warnings


def test_unknown_aws_extensions_are_warnings_and_authorizers_are_read(account):
    doc = minimal(
        {"/a": {"get": {**mock_get(), "security": [{"lambda-auth": []}], "x-amazon-apigateway-shiny": 1}}},
        components={
            "securitySchemes": {
                "lambda-auth": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": LAMBDA + "/invocations"},
                }
            }
        },
        **{"x-amazon-apigateway-documentation": {"version": "1"}, "x-internal": True},
    )
    api, warnings = import_openapi(account, doc)
    where = {w.where for w in warnings}
    assert "/x-amazon-apigateway-documentation" in where
    assert "/paths/~1a/get/x-amazon-apigateway-shiny" in where
    assert "/components/securitySchemes/lambda-auth" not in where
    assert not any("x-internal" in w for w in where)
    assert method_at(api, "/a", "GET").authorizationType == "CUSTOM"


def test_default_response_and_missing_integration_are_warnings(account):
    doc = minimal({"/a": {"get": {"responses": {"default": {"description": "whatever"}}}}})
    api, warnings = import_openapi(account, doc)
    assert {w.where for w in warnings} == {"/paths/~1a/get/responses/default", "/paths/~1a/get"}
    assert method_at(api, "/a", "GET").methodIntegration is None


def test_fail_on_warnings_rejects_and_changes_nothing(account):
    before = account.to_dict()
    doc = minimal({"/a": {"get": mock_get()}}, **{"x-amazon-apigateway-shiny": True})
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, doc, fail_on_warnings=True)
    assert "/x-amazon-apigateway-shiny" in problems_of(excinfo)
    assert account.to_dict() == before


def test_plain_lambda_arn_is_converted_with_a_warning(account):
    doc = minimal(
        {
            "/a": {
                "get": {
                    "x-amazon-apigateway-integration": {
                        "type": "aws_proxy",
                        "httpMethod": "POST",
                        "uri": "arn:aws:lambda:us-east-1:123456789012:function:hello",
                    }
                }
            }
        }
    )
    api, warnings = import_openapi(account, doc)
    assert method_at(api, "/a", "GET").methodIntegration.uri == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:hello/invocations"
    )
    assert [w.where for w in warnings] == ["/paths/~1a/get/x-amazon-apigateway-integration/uri"]


# ---------------------------------------------------------------------------------------
# Bad documents: every problem at its JSON pointer, nothing changed


def integration_doc(**integration: Any) -> dict[str, Any]:
    get = mock_get()
    get["x-amazon-apigateway-integration"] = {**get["x-amazon-apigateway-integration"], **integration}
    return minimal({"/pets": {"get": get}})


INTEGRATION = "/paths/~1pets/get/x-amazon-apigateway-integration"

BAD_DOCUMENTS = [
    pytest.param('{"openapi": "3.0.1",\n "info": ', "", "line 2", id="not-json"),
    pytest.param("openapi: 3.0.1\ninfo:\n  title: [unclosed\npaths: {}\n", "", "line", id="not-yaml"),
    pytest.param("[1, 2, 3]", "", "must be an object", id="not-an-object"),
    pytest.param("just words", "", "must be an object", id="yaml-scalar"),
    pytest.param({"info": {"title": "x"}, "paths": {}}, "/openapi", "missing", id="no-version"),
    pytest.param(minimal(openapi="3.1.0"), "/openapi", "3.0.x", id="openapi-3.1"),
    pytest.param({"swagger": "1.2", "info": {"title": "x"}, "paths": {}}, "/swagger", "2.0", id="swagger-1.2"),
    pytest.param({"openapi": "3.0.1", "info": {"version": "1"}, "paths": {}}, "/info/title", "name", id="no-title"),
    pytest.param(minimal(paths=None) | {"paths": []}, "/paths", "object", id="paths-not-object"),
    pytest.param(minimal({"pets": {}}), "/paths/pets", "start with /", id="path-without-slash"),
    pytest.param(minimal({"/pets/{id}.json": {}}), "/paths/~1pets~1{id}.json", "not valid", id="partial-param"),
    pytest.param(minimal({"/a/{proxy+}/b": {}}), "/paths/~1a~1{proxy+}~1b", "last", id="greedy-not-last"),
    pytest.param(minimal({"/pets/": {}}), "/paths/~1pets~1", "end with /", id="trailing-slash"),
    pytest.param(minimal({"/pets": {"fetch": {}}}), "/paths/~1pets/fetch", "unknown HTTP method", id="unknown-verb"),
    pytest.param(minimal({"/pets": {"GET": {}}}), "/paths/~1pets/GET", "lowercase", id="uppercase-verb"),
    pytest.param(integration_doc(type="lambda"), INTEGRATION + "/type", "unknown integration type", id="type"),
    pytest.param(
        integration_doc(type="aws_proxy", httpMethod="POST", uri="https://example.com/fn"),
        INTEGRATION + "/uri",
        "Lambda invocation uri",
        id="lambda-uri-form",
    ),
    pytest.param(
        integration_doc(type="http", httpMethod="GET", uri="petstore.example.com/pets"),
        INTEGRATION + "/uri",
        "http://",
        id="http-uri-form",
    ),
    pytest.param(
        integration_doc(type="http", uri="http://x.example"), INTEGRATION + "/httpMethod", "HTTP", id="no-verb"
    ),
    pytest.param(
        integration_doc(passthroughBehavior="sometimes"),
        INTEGRATION + "/passthroughBehavior",
        "when_no_match",
        id="passthrough",
    ),
    pytest.param(integration_doc(timeoutInMillis=30_000), INTEGRATION + "/timeoutInMillis", "29000", id="timeout-high"),
    pytest.param(integration_doc(timeoutInMillis=10), INTEGRATION + "/timeoutInMillis", "between 50", id="timeout-low"),
    pytest.param(
        integration_doc(timeoutInMillis="soon"), INTEGRATION + "/timeoutInMillis", "whole number", id="timeout-type"
    ),
    pytest.param(
        integration_doc(contentHandling="CONVERT_TO_XML"),
        INTEGRATION + "/contentHandling",
        "CONVERT_TO_TEXT",
        id="content-handling",
    ),
    pytest.param(
        integration_doc(responses={"default": {"statusCode": "200"}, "(5\\d{2}": {"statusCode": "200"}}),
        INTEGRATION + "/responses/(5\\d{2}",
        "regular expression",
        id="selection-pattern",
    ),
    pytest.param(
        integration_doc(responses={"default": {}}),
        INTEGRATION + "/responses/default/statusCode",
        "missing",
        id="no-status",
    ),
    pytest.param(
        integration_doc(responses={"default": {"statusCode": "201"}}),
        INTEGRATION + "/responses/default/statusCode",
        "no method response for status 201",
        id="undeclared-method-response",
    ),
    pytest.param(
        integration_doc(
            responses={"default": {"statusCode": "200", "responseParameters": {"method.response.header.X-Id": "'1'"}}}
        ),
        INTEGRATION + "/responses/default/responseParameters/method.response.header.X-Id",
        "Invalid mapping expression",
        id="undeclared-response-header",
    ),
    pytest.param(
        integration_doc(
            type="http",
            httpMethod="GET",
            uri="http://x.example/{id}",
            requestParameters={"integration.request.path.id": "method.request.path.id"},
        ),
        INTEGRATION + "/requestParameters/integration.request.path.id",
        "method.request.path.id",
        id="undeclared-request-parameter",
    ),
    pytest.param(
        integration_doc(cacheKeyParameters=["method.request.querystring.q"]),
        INTEGRATION + "/cacheKeyParameters/0",
        "not a request parameter",
        id="cache-key",
    ),
    pytest.param(
        minimal({"/pets": {"get": {**mock_get(), "x-amazon-apigateway-request-validator": "strict"}}}),
        "/paths/~1pets/get/x-amazon-apigateway-request-validator",
        "no request validator named 'strict'",
        id="unknown-validator",
    ),
    pytest.param(
        minimal(**{"x-amazon-apigateway-request-validator": "strict"}),
        "/x-amazon-apigateway-request-validator",
        "strict",
        id="unknown-default-validator",
    ),
    pytest.param(
        minimal(
            {
                "/pets": {
                    "get": {
                        **mock_get(),
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                            }
                        },
                    }
                }
            }
        ),
        "/paths/~1pets/get/responses/200/content/application~1json/schema/$ref",
        "no schema named 'Pet'",
        id="missing-schema-ref",
    ),
    pytest.param(
        minimal(components={"schemas": {"Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}),
        "/components/schemas/Pets/items/$ref",
        "no schema named 'Pet'",
        id="missing-ref-in-schema",
    ),
    pytest.param(
        minimal(components={"schemas": {"pet-input": {"type": "object"}}}),
        "/components/schemas/pet-input",
        "alphanumeric",
        id="model-name",
    ),
    pytest.param(
        minimal({"/pets": {"get": {**mock_get(), "parameters": [{"$ref": "#/components/parameters/Limit"}]}}}),
        "/paths/~1pets/get/parameters/0/$ref",
        "does not exist",
        id="missing-parameter-ref",
    ),
    pytest.param(
        minimal({"/pets": {"get": {**mock_get(), "security": [{"api_key": []}]}}}),
        "/paths/~1pets/get/security/0/api_key",
        "no security scheme",
        id="unknown-scheme",
    ),
    pytest.param(
        minimal({"/pets": {"get": {**mock_get(), "parameters": [{"name": "q", "in": "body"}]}}}),
        "/paths/~1pets/get/parameters/0/in",
        "path, query or header",
        id="parameter-location",
    ),
    pytest.param(
        minimal({"/pets": {"get": {**mock_get(), "responses": {"2xx": {"description": "?"}}}}}),
        "/paths/~1pets/get/responses/2xx",
        "status code",
        id="bad-status",
    ),
    pytest.param(
        minimal({"/a/{id}": {}, "/a/{name}": {}}),
        "/paths/~1a~1{name}",
        "only one variable path part",
        id="sibling-variables",
    ),
    pytest.param(
        minimal(**{"x-amazon-apigateway-gateway-responses": {"OOPS": {}}}),
        "/x-amazon-apigateway-gateway-responses/OOPS",
        "unknown gateway response",
        id="gateway-response-type",
    ),
    pytest.param(
        minimal(
            **{"x-amazon-apigateway-gateway-responses": {"DEFAULT_4XX": {"responseParameters": {"header.X": "'1'"}}}}
        ),
        "/x-amazon-apigateway-gateway-responses/DEFAULT_4XX/responseParameters/header.X",
        "gatewayresponse.header",
        id="gateway-response-parameter",
    ),
    pytest.param(
        minimal(**{"x-amazon-apigateway-api-key-source": "QUERY"}),
        "/x-amazon-apigateway-api-key-source",
        "HEADER or AUTHORIZER",
        id="key-source",
    ),
    pytest.param(
        minimal(**{"x-amazon-apigateway-binary-media-types": "image/png"}),
        "/x-amazon-apigateway-binary-media-types",
        "list",
        id="binary-types",
    ),
    pytest.param(
        minimal(**{"x-amazon-apigateway-policy": "{not json"}),
        "/x-amazon-apigateway-policy",
        "not valid JSON",
        id="policy",
    ),
    pytest.param(
        minimal(servers=[{"url": "/", "x-amazon-apigateway-endpoint-configuration": {"types": ["GLOBAL"]}}]),
        "/servers/0/x-amazon-apigateway-endpoint-configuration/types",
        "EDGE, REGIONAL, PRIVATE",
        id="endpoint-type",
    ),
]


@pytest.mark.parametrize(("document", "where", "message"), BAD_DOCUMENTS)
def test_bad_document_is_rejected_at_its_pointer(account, document, where, message):
    before = account.to_dict()
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, document)
    found = problems_of(excinfo)
    assert where in found, found
    assert message in found[where]
    assert account.to_dict() == before


def test_every_problem_is_reported_at_once(account):
    doc = minimal(
        {
            "/pets": {
                "get": {
                    **mock_get(),
                    "x-amazon-apigateway-request-validator": "nope",
                    "x-amazon-apigateway-integration": {
                        "type": "http",
                        "httpMethod": "GET",
                        "uri": "http://x.example",
                        "timeoutInMillis": 99_999,
                        "passthroughBehavior": "maybe",
                        "responses": {"(": {"statusCode": "200"}},
                    },
                },
                "fetch": {},
            },
            "nope": {},
        }
    )
    doc["openapi"] = "3.1.0"
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, doc)
    assert set(problems_of(excinfo)) >= {
        "/openapi",
        "/paths/nope",
        "/paths/~1pets/fetch",
        "/paths/~1pets/get/x-amazon-apigateway-request-validator",
        INTEGRATION + "/timeoutInMillis",
        INTEGRATION + "/passthroughBehavior",
        INTEGRATION + "/responses/(",
    }
    assert all(isinstance(p, Problem) for p in excinfo.value.problems)


def test_failed_put_changes_nothing(account, pets):
    create_deployment(account, pets, stage_name="dev")
    before = account.to_dict()
    bad = integration_doc(timeoutInMillis=0)
    for mode in ("overwrite", "merge"):
        with pytest.raises(ValidationError):
            import_openapi(account, bad, api_id=pets.id, mode=mode)
        assert account.to_dict() == before


def test_yaml_alias_bomb_is_refused(account):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 12)]
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, "\n".join(lines) + "\n")
    assert "too large" in str(excinfo.value)


def test_unknown_mode_is_refused(account, pets):
    with pytest.raises(ValidationError):
        import_openapi(account, OAS30, api_id=pets.id, mode="replace")


# ---------------------------------------------------------------------------------------
# PutRestApi: overwrite and merge


ORDERS = minimal({"/orders": {"get": mock_get()}, "/pets": {"delete": mock_get()}}) | {"info": {"title": "Orders"}}


def test_overwrite_replaces_the_definition_and_keeps_stages(account, pets):
    create_deployment(account, pets, stage_name="dev")
    root_id, pets_id = pets.root.id, pets.resource_by_path("/pets").id
    api, _ = import_openapi(account, ORDERS, api_id=pets.id, mode="overwrite")
    assert api is pets
    assert api.name == "Orders"
    assert sorted(r.path for r in api.resources.values()) == ["/", "/orders", "/pets"]
    assert list(api.resource_by_path("/pets").resourceMethods) == ["DELETE"]
    assert api.root.id == root_id
    assert api.resource_by_path("/pets").id == pets_id  # same path, same id
    assert api.models == {} and api.requestValidators == {} and api.gatewayResponses == {}
    assert api.binaryMediaTypes == [] and api.policy is None
    assert "dev" in api.stages and api.deployments


def test_merge_adds_and_replaces_and_keeps_the_rest(account, pets):
    before = normalise(pets)
    api, _ = import_openapi(account, ORDERS, api_id=pets.id, mode="merge")
    after = normalise(api)
    assert api.name == "PetStore"  # a merged fragment does not rename the API
    assert sorted(after["resources"]) == ["/", "/orders", "/pets", "/pets/{petId}", "/{proxy+}"]
    assert sorted(after["resources"]["/pets"]["methods"]) == ["DELETE", "GET", "OPTIONS", "POST"]
    assert after["models"] == before["models"]
    assert after["gatewayResponses"] == before["gatewayResponses"]
    assert after["policy"] == before["policy"]


def test_merge_replaces_a_method_and_models_by_name(account, pets):
    old_model_id = pets.models["Pet"].id
    doc = minimal(
        {"/pets": {"get": {**mock_get(), "x-amazon-apigateway-request-validator": "all"}}},
        components={"schemas": {"Pet": {"type": "object", "properties": {"nickname": {"type": "string"}}}}},
    )
    api, _ = import_openapi(account, doc, api_id=pets.id, mode="merge")
    listing = method_at(api, "/pets", "GET")
    assert listing.methodIntegration.type == "MOCK"
    assert listing.apiKeyRequired is False
    assert api.requestValidators[listing.requestValidatorId].name == "all"  # the API's existing validator
    assert api.models["Pet"].id == old_model_id
    assert "nickname" in api.models["Pet"].schema_dict()["properties"]
    assert len(api.requestValidators) == 2


def test_merge_refuses_a_second_variable_sibling(account, pets):
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, minimal({"/pets/{id}": {"get": mock_get()}}), api_id=pets.id, mode="merge")
    assert "/paths/~1pets~1{id}" in problems_of(excinfo)


# ---------------------------------------------------------------------------------------
# Export and round trips


@pytest.mark.parametrize("version", ["oas30", "swagger"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_round_trip_keeps_the_definition(account, pets, version, fmt):
    text = export_openapi(pets, version=version, fmt=fmt)
    again, warnings = import_openapi(account, text)
    assert warnings == []
    assert again.id != pets.id
    assert normalise(again) == normalise(pets)


def test_round_trip_of_an_api_built_with_operations(account):
    api = create_rest_api(account, "Built", description="by hand", endpoint_type="PRIVATE")
    api.binaryMediaTypes = ["*/*"]
    api.minimumCompressionSize = 1024
    validator = create_request_validator(account, api, "body", body=True)
    create_model(account, api, "Thing", json.dumps({"type": "object", "properties": {"n": {"type": "integer"}}}))
    create_model(
        account,
        api,
        "Things",
        json.dumps(
            {"type": "array", "items": {"$ref": f"https://apigateway.amazonaws.com/restapis/{api.id}/models/Thing"}}
        ),
    )
    put_gateway_response(api, "THROTTLED", status_code="429", templates={"application/json": '{"slow": "down"}'})
    things = create_resource_path(account, api, "/v1/things/{thingId}")
    put_method(
        api,
        things.id,
        "PUT",
        requestParameters={"method.request.path.thingId": True},
        requestModels={"application/json": "Thing"},
        requestValidatorId=validator.id,
        authorization_type="AWS_IAM",
        apiKeyRequired=True,
    )
    put_integration(
        api,
        things.id,
        "PUT",
        "AWS",
        integrationHttpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        credentials="arn:aws:iam::123456789012:role/ddb",
        requestTemplates={"application/json": '{"TableName": "things"}'},
        contentHandling="CONVERT_TO_TEXT",
    )
    put_method_response(
        api,
        things.id,
        "PUT",
        "200",
        responseModels={"application/json": "Things"},
        responseParameters={"method.response.header.ETag": True},
    )
    put_integration_response(
        api,
        things.id,
        "PUT",
        "200",
        responseParameters={"method.response.header.ETag": "integration.response.header.ETag"},
    )
    put_method_response(api, things.id, "PUT", "400")
    put_integration_response(
        api, things.id, "PUT", "400", selectionPattern="4\\d{2}", contentHandling="CONVERT_TO_TEXT"
    )
    for version in ("oas30", "swagger"):
        again, _ = import_openapi(account, export_openapi(api, version=version))
        expected = normalise(api)
        if version == "swagger":  # Swagger 2.0 headers cannot say "required"
            expected["resources"]["/v1/things/{thingId}"]["methods"]["PUT"]["methodResponses"]["200"][
                "responseParameters"
            ] = {"method.response.header.ETag": False}
        assert normalise(again) == expected, version
    assert normalise(again)["endpointConfiguration"] == {"types": ["PRIVATE"]}
    assert method_at(again, "/v1/things/{thingId}", "PUT").authorizationType == "AWS_IAM"


def test_export_oas30_looks_like_aws(pets):
    doc = json.loads(export_openapi(pets))
    assert doc["openapi"] == "3.0.1"
    assert doc["info"] == {
        "title": "PetStore",
        "description": "Pets for the API Gateway study sandbox",
        "version": "2024-05-01",
    }
    listing = doc["paths"]["/pets"]["get"]
    assert listing["operationId"] == "listPets"
    assert listing["security"] == [{"api_key": []}]
    assert listing["x-amazon-apigateway-request-validator"] == "params-only"
    assert {"name": "limit", "in": "query", "required": False, "schema": {"type": "string"}} in listing["parameters"]
    create = doc["paths"]["/pets"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewPet"}
    integration = doc["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"]
    assert integration["type"] == "http"
    assert integration["passthroughBehavior"] == "when_no_templates"
    assert {k: v["statusCode"] for k, v in integration["responses"].items()} == {
        "default": "200",
        "404": "404",
        "5\\d{2}": "500",
    }
    assert "x-amazon-apigateway-any-method" in doc["paths"]["/{proxy+}"]
    assert doc["components"]["schemas"]["Pets"]["items"] == {"$ref": "#/components/schemas/Pet"}
    assert doc["components"]["securitySchemes"]["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}
    assert doc["x-amazon-apigateway-policy"]["Version"] == "2012-10-17"
    assert doc["x-amazon-apigateway-gateway-responses"]["DEFAULT_4XX"]["responseParameters"] == {
        "gatewayresponse.header.Access-Control-Allow-Origin": "'*'"
    }
    assert doc["x-amazon-apigateway-binary-media-types"] == ["image/png", "application/octet-stream"]
    assert doc["x-amazon-apigateway-endpoint-configuration"] == {"types": ["REGIONAL"]}
    assert "servers" not in doc  # no stage: no invoke URL
    assert "/" not in doc["paths"]  # the root has no methods


def test_export_swagger_looks_like_aws(pets):
    doc = json.loads(export_openapi(pets, version="swagger"))
    assert doc["swagger"] == "2.0"
    create = doc["paths"]["/pets"]["post"]
    assert create["consumes"] == ["application/json"]
    assert create["parameters"] == [
        {"in": "body", "name": "NewPet", "required": True, "schema": {"$ref": "#/definitions/NewPet"}}
    ]
    assert create["responses"]["201"]["schema"] == {"$ref": "#/definitions/Pet"}
    assert doc["definitions"]["Pets"]["items"] == {"$ref": "#/definitions/Pet"}
    assert doc["securityDefinitions"]["api_key"]["name"] == "x-api-key"
    assert "components" not in doc


def test_export_yaml_is_yaml(pets):
    text = export_openapi(pets, fmt="yaml")
    assert text.startswith("openapi: 3.0.1\n")
    doc = yaml.safe_load(text)
    assert doc == json.loads(export_openapi(pets))


def test_export_without_extensions_is_plain_openapi(account, pets):
    doc = json.loads(export_openapi(pets, extensions=False))
    text = json.dumps(doc)
    assert "x-amazon-apigateway-integration" not in text
    assert "x-amazon-apigateway-request-validator" not in text
    extension_keys = {k for k in _keys(doc) if k.startswith("x-amazon-apigateway")}
    assert extension_keys == {"x-amazon-apigateway-any-method"}  # how OpenAPI says ANY
    assert doc["paths"]["/pets"]["get"]["security"] == [{"api_key": []}]
    again, warnings = import_openapi(account, text)
    assert sorted(r.path for r in again.resources.values()) == sorted(r.path for r in pets.resources.values())
    assert all(m.methodIntegration is None for r in again.resources.values() for m in r.resourceMethods.values())
    assert len(warnings) == 5  # one per method: no integration


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_export_with_stage_exports_the_deployed_definition(account, pets):
    create_deployment(account, pets, stage_name="dev", variables={"alias": "prod", "host": "petstore.example.com"})
    resource = create_resource_path(account, pets, "/later")
    put_method(pets, resource.id, "GET")  # not deployed yet
    doc = json.loads(export_openapi(pets, stage=pets.stages["dev"]))
    assert doc["servers"] == [
        {
            "url": f"https://{pets.id}.execute-api.us-east-1.amazonaws.com/{{basePath}}",
            "variables": {
                "basePath": {"default": "/dev"},
                "alias": {"default": "prod", "description": "stage variable"},
                "host": {"default": "petstore.example.com", "description": "stage variable"},
            },
            "x-amazon-apigateway-endpoint-configuration": {"types": ["REGIONAL"]},
        }
    ]
    assert "/later" not in doc["paths"]
    swagger = json.loads(export_openapi(pets, version="swagger", stage=pets.stages["dev"]))
    assert swagger["host"] == f"{pets.id}.execute-api.us-east-1.amazonaws.com"
    assert swagger["basePath"] == "/dev"
    assert swagger["schemes"] == ["https"]
    again, warnings = import_openapi(account, json.dumps(doc))
    assert warnings == []
    expected = normalise(pets)
    del expected["resources"]["/later"]
    assert normalise(again) == expected


def test_export_refuses_unknown_version_and_format(pets):
    with pytest.raises(ValidationError) as excinfo:
        export_openapi(pets, version="raml", fmt="xml")
    assert set(problems_of(excinfo)) == {"version", "fmt"}


def test_pointer_escapes_slash_and_tilde():
    assert pointer("paths", "/pets/{id}", "get") == "/paths/~1pets~1{id}/get"
    assert pointer("a~b") == "/a~0b"
