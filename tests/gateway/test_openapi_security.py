"""OpenAPI import and export of what secures an API: authorizers (Lambda token and request,
Cognito user pools), AWS_IAM, API keys, the resource policy, and the API-level extensions
(api key source, binary media types, endpoint configuration, minimum compression size)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

import gateway as gw
from gateway.control.openapi import export_openapi, import_openapi
from gateway.control.operations import create_deployment
from gateway.model.errors import ValidationError
from gateway.model.resources import Account, Authorizer, RestApi
from tests.gateway.conftest import call

EXT = "x-amazon-apigateway-"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:auth"
LAMBDA_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION}/invocations"
ROLE = "arn:aws:iam::123456789012:role/invoke-authorizer"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": ["execute-api:/*"],
            "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}},
        },
    ],
}


def mock_get() -> dict[str, Any]:
    return {
        "responses": {"200": {"description": "ok"}},
        EXT + "integration": {
            "type": "mock",
            "requestTemplates": {"application/json": '{"statusCode": 200}'},
            "responses": {"default": {"statusCode": "200"}},
        },
    }


def token_scheme(**authorizer: Any) -> dict[str, Any]:
    return {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        EXT + "authtype": "custom",
        EXT + "authorizer": {"type": "token", "authorizerUri": LAMBDA_URI, **authorizer},
    }


def secured() -> dict[str, Any]:
    """An OpenAPI 3.0 document with every kind of security and every API-level extension."""
    document = {
        "openapi": "3.0.1",
        "info": {"title": "Secured", "version": "1"},
        "servers": [
            {
                "url": "/",
                EXT + "endpoint-configuration": {
                    "types": ["PRIVATE"],
                    "vpcEndpointIds": ["vpce-0a1b2c3d4e5f"],
                    "disableExecuteApiEndpoint": True,
                },
            }
        ],
        "paths": {
            "/token": {"get": {**mock_get(), "security": [{"token-auth": []}]}},
            "/request": {"get": {**mock_get(), "security": [{"request-auth": [], "api_key": []}]}},
            "/query": {"get": {**mock_get(), "security": [{"query-auth": []}]}},
            "/cognito": {"get": {**mock_get(), "security": [{"pool": ["pets/read", "pets/write"]}]}},
            "/identity": {"get": {**mock_get(), "security": [{"pool": []}]}},
            "/signed": {"get": {**mock_get(), "security": [{"sigv4": []}]}},
            "/open": {"get": mock_get()},
        },
        "components": {
            "securitySchemes": {
                "token-auth": token_scheme(
                    authorizerCredentials=ROLE, identityValidationExpression="^Bearer [-0-9a-zA-Z._]+$"
                )
                | {EXT + "authtype": "oauth2"},  # free-form for a Lambda authorizer
                "request-auth": {
                    "type": "apiKey",
                    "name": "Unused",
                    "in": "header",
                    EXT + "authtype": "custom",
                    EXT + "authorizer": {
                        "type": "request",
                        "authorizerUri": LAMBDA_URI,
                        "identitySource": "method.request.header.X-User, method.request.querystring.tenant",
                        "authorizerResultTtlInSeconds": 60,
                    },
                },
                "query-auth": {
                    "type": "apiKey",
                    "name": "token",
                    "in": "query",
                    EXT + "authtype": "custom",
                    EXT + "authorizer": {"type": "request", "authorizerUri": LAMBDA_URI},
                },
                "pool": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    EXT + "authtype": "cognito_user_pools",
                    EXT + "authorizer": {"type": "cognito_user_pools", "providerARNs": [POOL]},
                },
                "spare": token_scheme(authorizerResultTtlInSeconds=0) | {"name": "X-Spare"},  # used by no method
                "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", EXT + "authtype": "awsSigv4"},
                "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            }
        },
        EXT + "policy": POLICY,
        EXT + "api-key-source": "AUTHORIZER",
        EXT + "binary-media-types": ["image/png", "*/*"],
        EXT + "minimum-compression-size": 1024,
    }
    return copy.deepcopy(document)


def problems_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {p.where: p.message for p in excinfo.value.problems}


def method_at(api: RestApi, path: str, verb: str = "GET"):
    resource = api.resource_by_path(path)
    assert resource is not None, path
    return resource.resourceMethods[verb]


def authorizer_named(api: RestApi, name: str) -> Authorizer:
    found = [a for a in api.authorizers.values() if a.name == name]
    assert len(found) == 1, [a.name for a in api.authorizers.values()]
    return found[0]


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def api(account: Account) -> RestApi:
    imported, warnings = import_openapi(account, secured())
    assert warnings == []
    return imported


# ---------------------------------------------------------------------------------------
# Import: authorizers and the methods they secure


def test_token_authorizer(api):
    token = authorizer_named(api, "token-auth")
    assert token == Authorizer(
        id=token.id,
        name="token-auth",
        type="TOKEN",
        authorizerUri=LAMBDA_URI,
        identitySource="method.request.header.Authorization",  # the header the scheme names
        identityValidationExpression="^Bearer [-0-9a-zA-Z._]+$",
        authorizerResultTtlInSeconds=300,  # AWS's default
        authorizerCredentials=ROLE,
        authType="oauth2",
    )
    method = method_at(api, "/token")
    assert (method.authorizationType, method.authorizerId) == ("CUSTOM", token.id)
    assert method.authorizationScopes == [] and method.apiKeyRequired is False
    assert len(token.id) == 6


def test_request_authorizers(api):
    request = authorizer_named(api, "request-auth")
    assert request.type == "REQUEST"
    assert request.identitySource == "method.request.header.X-User, method.request.querystring.tenant"
    assert request.authorizerResultTtlInSeconds == 60
    method = method_at(api, "/request")
    assert (method.authorizationType, method.authorizerId, method.apiKeyRequired) == ("CUSTOM", request.id, True)
    # one query parameter named by the scheme is the identity source
    query = authorizer_named(api, "query-auth")
    assert query.identitySource == "method.request.querystring.token"
    assert method_at(api, "/query").authorizerId == query.id


def test_cognito_authorizer_and_scopes(api):
    pool = authorizer_named(api, "pool")
    assert (pool.type, pool.providerARNs, pool.authorizerUri) == ("COGNITO_USER_POOLS", [POOL], None)
    assert pool.identitySource == "method.request.header.Authorization"
    assert pool.authType == "cognito_user_pools"
    scoped = method_at(api, "/cognito")
    assert (scoped.authorizationType, scoped.authorizerId) == ("COGNITO_USER_POOLS", pool.id)
    assert scoped.authorizationScopes == ["pets/read", "pets/write"]  # access tokens
    assert method_at(api, "/identity").authorizationScopes == []  # identity tokens


def test_iam_api_key_and_open_methods(api):
    assert method_at(api, "/signed").authorizationType == "AWS_IAM"
    assert method_at(api, "/signed").authorizerId is None
    assert method_at(api, "/open").authorizationType == "NONE"
    assert method_at(api, "/request").apiKeyRequired is True


def test_an_imported_token_authorizer_guards_its_method(account):
    cases = [{"when": {"token": "allow"}, "effect": "Allow", "principalId": "ada"}]
    fn = gw.create_function(account, "auth", {"kind": "authorizer", "cases": cases})
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "Guarded"},
        "paths": {"/pets": {"get": {**mock_get(), "security": [{"tokens": []}]}}},
        "components": {"securitySchemes": {"tokens": token_scheme(authorizerUri=fn.arn)}},  # converted, warned
    }
    api, _ = import_openapi(account, doc)
    create_deployment(account, api, stage_name="dev")
    assert call(account, api, path="/pets", headers={"Authorization": "allow"}).status == 200
    assert call(account, api, path="/pets").status == 401


def test_a_scheme_no_method_uses_still_becomes_an_authorizer(api):
    spare = authorizer_named(api, "spare")
    assert spare.identitySource == "method.request.header.X-Spare"
    assert spare.authorizerResultTtlInSeconds == 0
    assert sorted(a.name for a in api.authorizers.values()) == [
        "pool",
        "query-auth",
        "request-auth",
        "spare",
        "token-auth",
    ]


def test_swagger_security_definitions_and_global_security(account):
    doc = {
        "swagger": "2.0",
        "info": {"title": "Swagger", "version": "1"},
        "security": [{"test-authorizer": []}],
        "paths": {"/a": {"get": mock_get()}, "/b": {"get": {**mock_get(), "security": []}}},
        "securityDefinitions": {"test-authorizer": token_scheme(authorizerResultTtlInSeconds="60")},
        EXT + "endpoint-configuration": {"types": ["regional"]},
    }
    api, warnings = import_openapi(account, doc)
    assert warnings == []
    authorizer = authorizer_named(api, "test-authorizer")
    assert authorizer.authorizerResultTtlInSeconds == 60  # AWS's table calls it a string
    assert method_at(api, "/a").authorizerId == authorizer.id
    assert method_at(api, "/b").authorizationType == "NONE"  # security: [] turns it off
    assert api.endpointConfiguration == {"types": ["REGIONAL"]}


def test_stage_variable_identity_source_and_cognito_stage_variable_pool(account):
    doc = copy.deepcopy(secured())
    schemes = doc["components"]["securitySchemes"]
    schemes["request-auth"][EXT + "authorizer"]["identitySource"] = "stageVariables.stage"
    schemes["pool"][EXT + "authorizer"]["providerARNs"] = [
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.pool}"
    ]
    api, _ = import_openapi(account, doc)
    assert authorizer_named(api, "request-auth").identitySource == "stageVariables.stage"
    assert authorizer_named(api, "pool").providerARNs[0].endswith("/${stageVariables.pool}")


def test_function_arn_is_converted_and_http_api_settings_are_warnings(account):
    doc = copy.deepcopy(secured())
    doc["components"]["securitySchemes"]["token-auth"][EXT + "authorizer"].update(
        authorizerUri=FUNCTION, enableSimpleResponses=True, colour="blue"
    )
    api, warnings = import_openapi(account, doc)
    where = "/components/securitySchemes/token-auth/x-amazon-apigateway-authorizer"
    assert {w.where for w in warnings} == {
        where + "/authorizerUri",
        where + "/enableSimpleResponses",
        where + "/colour",
    }
    assert authorizer_named(api, "token-auth").authorizerUri == LAMBDA_URI


def test_scopes_on_a_lambda_authorizer_are_a_warning(account):
    doc = copy.deepcopy(secured())
    doc["paths"]["/token"]["get"]["security"] = [{"token-auth": ["pets/read"]}]
    api, warnings = import_openapi(account, doc)
    assert [w.where for w in warnings] == ["/paths/~1token/get/security/0/token-auth"]
    assert method_at(api, "/token").authorizationScopes == []


def test_auth_extension_overrides_the_authorizer(account):
    doc = copy.deepcopy(secured())
    doc["paths"]["/token"]["get"][EXT + "auth"] = {"type": "NONE"}
    api, _ = import_openapi(account, doc)
    method = method_at(api, "/token")
    assert (method.authorizationType, method.authorizerId) == ("NONE", None)


# ---------------------------------------------------------------------------------------
# Import: the resource policy and the API-level extensions


def test_api_level_extensions(api):
    assert json.loads(api.policy) == POLICY  # execute-api:/* stays as written
    assert api.apiKeySource == "AUTHORIZER"
    assert api.binaryMediaTypes == ["image/png", "*/*"]
    assert api.minimumCompressionSize == 1024
    assert api.endpointConfiguration == {"types": ["PRIVATE"], "vpcEndpointIds": ["vpce-0a1b2c3d4e5f"]}
    assert api.disableExecuteApiEndpoint is True


@pytest.mark.parametrize("size", [0, 10_485_760])
def test_compression_size_bounds(account, size):
    api, _ = import_openapi(account, secured() | {EXT + "minimum-compression-size": size})
    assert api.minimumCompressionSize == size


def test_policy_as_json_text_and_key_source_in_any_case(account):
    api, _ = import_openapi(account, secured() | {EXT + "policy": json.dumps(POLICY), EXT + "api-key-source": "header"})
    assert json.loads(api.policy) == POLICY
    assert api.apiKeySource == "HEADER"


def test_vpc_endpoints_on_a_public_api_are_a_warning(account):
    doc = secured()
    doc["servers"][0][EXT + "endpoint-configuration"]["types"] = ["REGIONAL"]
    _, warnings = import_openapi(account, doc)
    assert [w.where for w in warnings] == ["/servers/0/x-amazon-apigateway-endpoint-configuration/vpcEndpointIds"]


# ---------------------------------------------------------------------------------------
# Bad documents: a problem at the pointer of the value at fault, and nothing changed


def changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    doc = secured()
    change(doc)
    return doc


SCHEMES = "/components/securitySchemes"
TOKEN = SCHEMES + "/token-auth/x-amazon-apigateway-authorizer"


def _schemes(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["components"]["securitySchemes"]


def _authorizer(doc: dict[str, Any], name: str = "token-auth") -> dict[str, Any]:
    return _schemes(doc)[name][EXT + "authorizer"]


BAD = [
    pytest.param(
        changed(lambda d: _authorizer(d).update(type="oauth")), TOKEN + "/type", "unknown authorizer type", id="type"
    ),
    pytest.param(changed(lambda d: _authorizer(d).update(type="jwt")), TOKEN + "/type", "HTTP APIs", id="jwt"),
    pytest.param(changed(lambda d: _authorizer(d).pop("type")), TOKEN + "/type", "missing", id="no-type"),
    pytest.param(
        changed(lambda d: d["paths"]["/token"]["get"].update(security=[{"nobody": []}])),
        "/paths/~1token/get/security/0/nobody",
        "no security scheme named 'nobody'",
        id="undefined-scheme",
    ),
    pytest.param(
        changed(lambda d: d.update(security=[{"nobody": []}])),
        "/security/0/nobody",
        "no security scheme",
        id="undefined-global-scheme",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d).pop("authorizerUri")), TOKEN + "/authorizerUri", "missing", id="no-uri"
    ),
    pytest.param(
        changed(lambda d: _authorizer(d).update(authorizerUri="https://auth.example.com")),
        TOKEN + "/authorizerUri",
        "Lambda invocation URI",
        id="uri",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d).update(authorizerCredentials="invoke-role")),
        TOKEN + "/authorizerCredentials",
        "IAM role",
        id="credentials",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d).update(authorizerResultTtlInSeconds=3601)),
        TOKEN + "/authorizerResultTtlInSeconds",
        "3600",
        id="ttl",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d).update(identityValidationExpression="[unclosed")),
        TOKEN + "/identityValidationExpression",
        "regular expression",
        id="validation-expression",
    ),
    pytest.param(
        changed(lambda d: _schemes(d)["token-auth"].update({"in": "query"})),
        SCHEMES + "/token-auth/in",
        "header",
        id="token-in-query",
    ),
    pytest.param(
        changed(lambda d: _schemes(d)["token-auth"].update(type="oauth2")),
        SCHEMES + "/token-auth/type",
        "apiKey",
        id="scheme-type",
    ),
    pytest.param(
        changed(lambda d: _schemes(d)["token-auth"].update({EXT + "authtype": "awsSigv4"})),
        SCHEMES + "/token-auth/x-amazon-apigateway-authtype",
        "reserved",
        id="reserved-authtype",
    ),
    pytest.param(
        changed(lambda d: _schemes(d)["request-auth"].pop(EXT + "authorizer")),
        SCHEMES + "/request-auth/x-amazon-apigateway-authorizer",
        "missing",
        id="authtype-without-authorizer",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d, "request-auth").update(identitySource="header.X-User")),
        SCHEMES + "/request-auth/x-amazon-apigateway-authorizer/identitySource",
        "not an identity source",
        id="identity-source",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d, "pool").pop("providerARNs")),
        SCHEMES + "/pool/x-amazon-apigateway-authorizer/providerARNs",
        "missing",
        id="no-user-pools",
    ),
    pytest.param(
        changed(lambda d: _authorizer(d, "pool").update(providerARNs=["us-east-1_AbCdEf123"])),
        SCHEMES + "/pool/x-amazon-apigateway-authorizer/providerARNs/0",
        "user pool ARN",
        id="user-pool-arn",
    ),
    pytest.param(
        changed(lambda d: d["paths"]["/cognito"]["get"].update(security=[{"pool": "pets/read"}])),
        "/paths/~1cognito/get/security/0/pool",
        "list of scopes",
        id="scopes",
    ),
    pytest.param(
        changed(lambda d: d["paths"]["/token"]["get"].update(security=[{"token-auth": [], "pool": []}])),
        "/paths/~1token/get/security/0/pool",
        "authorized one way",
        id="two-authorizers",
    ),
    pytest.param(
        changed(lambda d: d["paths"]["/token"]["get"].update(security=[{"token-auth": [], "sigv4": []}])),
        "/paths/~1token/get/security/0/sigv4",
        "authorized one way",
        id="authorizer-and-iam",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "policy": "{not json"})),
        "/x-amazon-apigateway-policy",
        "not valid JSON",
        id="policy-not-json",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "policy": ["Allow"]})),
        "/x-amazon-apigateway-policy",
        "IAM policy document",
        id="policy-not-an-object",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "policy": {"Version": "2012-10-17"}})),
        "/x-amazon-apigateway-policy/Statement",
        "needs a Statement",
        id="policy-without-statement",
    ),
    pytest.param(
        changed(lambda d: d[EXT + "policy"]["Statement"][0].update(Effect="Maybe")),
        "/x-amazon-apigateway-policy/Statement/0/Effect",
        "Allow",
        id="policy-effect",
    ),
    pytest.param(
        changed(lambda d: d[EXT + "policy"]["Statement"][1].pop("Resource")),
        "/x-amazon-apigateway-policy/Statement/1/Resource",
        "Resource or NotResource",
        id="policy-resource",
    ),
    pytest.param(
        changed(lambda d: d[EXT + "policy"].update(Version="2024-01-01")),
        "/x-amazon-apigateway-policy/Version",
        "2012-10-17",
        id="policy-version",
    ),
    pytest.param(
        changed(
            lambda d: d.update(
                {EXT + "policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*"}]})}
            )
        ),
        "/x-amazon-apigateway-policy",
        "Statement/0/Action",
        id="policy-text-names-the-element",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "minimum-compression-size": -1})),
        "/x-amazon-apigateway-minimum-compression-size",
        "between 0 and 10485760",
        id="compression-negative",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "minimum-compression-size": 10_485_761})),
        "/x-amazon-apigateway-minimum-compression-size",
        "between 0 and 10485760",
        id="compression-too-large",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "minimum-compression-size": "1024"})),
        "/x-amazon-apigateway-minimum-compression-size",
        "whole number",
        id="compression-text",
    ),
    pytest.param(
        changed(lambda d: d["servers"][0][EXT + "endpoint-configuration"].update(types=["GLOBAL"])),
        "/servers/0/x-amazon-apigateway-endpoint-configuration/types",
        "EDGE, REGIONAL, PRIVATE",
        id="endpoint-type",
    ),
    pytest.param(
        changed(lambda d: d["servers"][0][EXT + "endpoint-configuration"].update(disableExecuteApiEndpoint="yes")),
        "/servers/0/x-amazon-apigateway-endpoint-configuration/disableExecuteApiEndpoint",
        "true or false",
        id="endpoint-disable",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "api-key-source": "QUERY"})),
        "/x-amazon-apigateway-api-key-source",
        "HEADER or AUTHORIZER",
        id="key-source",
    ),
    pytest.param(
        changed(lambda d: d.update({EXT + "binary-media-types": ["image/png", "png"]})),
        "/x-amazon-apigateway-binary-media-types/1",
        "media type",
        id="binary-type",
    ),
]


@pytest.mark.parametrize(("document", "where", "message"), BAD)
def test_bad_document_is_rejected_at_its_pointer(account, document, where, message):
    before = account.to_dict()
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, document)
    found = problems_of(excinfo)
    assert where in found, found
    assert message in found[where]
    assert account.to_dict() == before


def test_unknown_endpoint_type_in_swagger_is_rejected(account):
    doc = {"swagger": "2.0", "info": {"title": "S"}, "paths": {}, EXT + "endpoint-configuration": {"types": ["EDGY"]}}
    with pytest.raises(ValidationError) as excinfo:
        import_openapi(account, doc)
    assert "/x-amazon-apigateway-endpoint-configuration/types" in problems_of(excinfo)


BAD_BY_ID = {param.id: param.values[0] for param in BAD}


@pytest.mark.parametrize("mode", ["overwrite", "merge"])
@pytest.mark.parametrize("bad", ["type", "two-authorizers", "policy-not-json", "compression-negative"])
def test_failed_put_changes_nothing(account, api, mode, bad):
    create_deployment(account, api, stage_name="dev")
    before = account.to_dict()
    with pytest.raises(ValidationError):
        import_openapi(account, BAD_BY_ID[bad], api_id=api.id, mode=mode)
    assert account.to_dict() == before


# ---------------------------------------------------------------------------------------
# PutRestApi: authorizers on overwrite and merge


OTHER = {
    "openapi": "3.0.1",
    "info": {"title": "Other", "version": "2"},
    "paths": {"/other": {"get": {**mock_get(), "security": [{"token-auth": []}]}}},
    "components": {"securitySchemes": {"token-auth": token_scheme(), "new-auth": token_scheme()}},
}


def test_overwrite_replaces_the_authorizers(account, api):
    old_token_id = authorizer_named(api, "token-auth").id
    again, _ = import_openapi(account, OTHER, api_id=api.id, mode="overwrite")
    assert again is api
    assert sorted(a.name for a in api.authorizers.values()) == ["new-auth", "token-auth"]
    token = authorizer_named(api, "token-auth")
    assert token.id == old_token_id  # same name, same id: stages deployed before still find it
    assert token.authType == "custom" and token.authorizerCredentials is None  # but the document's settings
    assert method_at(api, "/other").authorizerId == token.id
    assert api.policy is None and api.apiKeySource == "HEADER" and api.binaryMediaTypes == []


def test_merge_adds_authorizers_and_keeps_the_rest(account, api):
    before = {a.name: a for a in copy.deepcopy(api.authorizers).values()}
    import_openapi(account, OTHER, api_id=api.id, mode="merge")
    after = {a.name: a for a in api.authorizers.values()}
    assert sorted(after) == sorted([*before, "new-auth"])
    assert after["pool"] == before["pool"]
    assert after["token-auth"].id == before["token-auth"].id
    assert after["token-auth"].authType == "custom"  # replaced by the document's
    assert method_at(api, "/cognito").authorizerId == before["pool"].id
    assert method_at(api, "/other").authorizerId == before["token-auth"].id
    assert json.loads(api.policy) == POLICY


# ---------------------------------------------------------------------------------------
# Export and round trips


def test_export_writes_the_schemes_aws_reads(api):
    doc = json.loads(export_openapi(api))
    schemes = doc["components"]["securitySchemes"]
    assert schemes["token-auth"] == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        EXT + "authtype": "oauth2",
        EXT + "authorizer": {
            "type": "token",
            "authorizerUri": LAMBDA_URI,
            "authorizerCredentials": ROLE,
            "identityValidationExpression": "^Bearer [-0-9a-zA-Z._]+$",
            "authorizerResultTtlInSeconds": 300,
        },
    }
    assert schemes["request-auth"]["name"] == "Unused"
    assert schemes["request-auth"][EXT + "authorizer"]["identitySource"] == (
        "method.request.header.X-User, method.request.querystring.tenant"
    )
    assert (schemes["query-auth"]["name"], schemes["query-auth"]["in"]) == ("token", "query")
    assert schemes["pool"][EXT + "authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [POOL],
        "authorizerResultTtlInSeconds": 300,
    }
    assert "spare" in schemes  # no method uses it, but it is the API's
    assert schemes["sigv4"][EXT + "authtype"] == "awsSigv4"
    assert doc["paths"]["/cognito"]["get"]["security"] == [{"pool": ["pets/read", "pets/write"]}]
    assert doc["paths"]["/request"]["get"]["security"] == [{"api_key": [], "request-auth": []}]
    assert doc[EXT + "policy"] == POLICY
    assert doc[EXT + "api-key-source"] == "AUTHORIZER"
    assert doc[EXT + "binary-media-types"] == ["image/png", "*/*"]
    assert doc[EXT + "minimum-compression-size"] == 1024
    assert doc[EXT + "endpoint-configuration"] == {
        "types": ["PRIVATE"],
        "vpcEndpointIds": ["vpce-0a1b2c3d4e5f"],
        "disableExecuteApiEndpoint": True,
    }


@pytest.mark.parametrize("version", ["oas30", "swagger"])
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_import_export_is_the_same_document(account, api, version, fmt):
    first = export_openapi(api, version=version, fmt=fmt)
    again, warnings = import_openapi(account, first)
    assert warnings == []
    assert again.id != api.id
    second = export_openapi(again, version=version, fmt=fmt)
    load = json.loads if fmt == "json" else yaml.safe_load
    assert load(second) == load(first)
    assert sorted(a.name for a in again.authorizers.values()) == sorted(a.name for a in api.authorizers.values())
    for path in ("/token", "/request", "/cognito", "/signed"):
        old, new = method_at(api, path), method_at(again, path)
        assert (new.authorizationType, new.authorizationScopes, new.apiKeyRequired) == (
            old.authorizationType,
            old.authorizationScopes,
            old.apiKeyRequired,
        )
        if old.authorizerId:
            assert again.authorizers[new.authorizerId].name == api.authorizers[old.authorizerId].name


def test_export_of_a_stage_carries_the_authorizers(account, api):
    create_deployment(account, api, stage_name="dev")
    doc = json.loads(export_openapi(api, stage=api.stages["dev"]))
    assert doc["paths"]["/token"]["get"]["security"] == [{"token-auth": []}]
    assert doc["servers"][0][EXT + "endpoint-configuration"]["types"] == ["PRIVATE"]
    again, _ = import_openapi(account, doc)
    assert again.endpointConfiguration == api.endpointConfiguration
    assert authorizer_named(again, "pool").providerARNs == [POOL]


def test_export_without_extensions_keeps_security_plain(api):
    doc = json.loads(export_openapi(api, extensions=False))
    assert EXT + "authorizer" not in json.dumps(doc) and EXT + "policy" not in doc
    schemes = doc["components"]["securitySchemes"]
    assert schemes["token-auth"] == {"type": "apiKey", "name": "Authorization", "in": "header"}
    assert "spare" not in schemes  # only what a method's security names
    assert doc["paths"]["/cognito"]["get"]["security"] == [{"pool": ["pets/read", "pets/write"]}]


def test_scheme_names_stay_unique(account):
    api, _ = import_openapi(
        account,
        {
            "openapi": "3.0.1",
            "info": {"title": "Clash"},
            "paths": {"/a": {"get": {**mock_get(), "security": [{"api_key": [], "k": []}]}}},
            "components": {
                "securitySchemes": {
                    "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
                    "k": token_scheme(),
                }
            },
        },
    )
    authorizer_named(api, "k").name = "api_key"  # an authorizer named like the API key scheme
    doc = json.loads(export_openapi(api))
    assert doc["paths"]["/a"]["get"]["security"] == [{"api_key2": [], "api_key": []}]
    assert doc["components"]["securitySchemes"]["api_key2"]["name"] == "x-api-key"


def test_stored_authorizers_without_the_new_fields_still_load():
    stored = {"id": "abc123", "name": "old", "type": "TOKEN", "authorizerUri": LAMBDA_URI}
    authorizer = Authorizer.from_dict(stored)
    assert authorizer.authorizerCredentials is None and authorizer.authType is None
    assert authorizer.to_dict() == {
        **stored,
        "identitySource": "method.request.header.Authorization",
        "authorizerResultTtlInSeconds": 300,
        "providerARNs": [],
    }
