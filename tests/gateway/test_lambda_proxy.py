"""Lambda proxy integration (AWS_PROXY), payload format 1.0, as documented and recorded."""

from __future__ import annotations

import json

import pytest

import gateway as gw
from tests.gateway.conftest import add_method, call, deploy

REQUEST_CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
}


def proxy_api(account, api, behaviour, path="/{proxy+}", verb="ANY", **fields):
    fn = gw.create_function(account, "fn", behaviour)
    add_method(account, api, path, verb, "AWS_PROXY", uri=fn.arn, **fields)
    deploy(account, api)
    return fn


def event_of(response):
    return json.loads(response.json()["__event__"]) if "__event__" in response.json() else response.json()


def test_event_shape_for_get_items_with_repeated_query(account, api):
    proxy_api(account, api, {"kind": "echo"})
    response = call(account, api, "GET", "/items", query=[("c", "a"), ("c", "b")], headers={"User-Agent": "curl/8"})
    assert response.status == 200
    event = response.json()
    assert set(event) == {
        "resource",
        "path",
        "httpMethod",
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "requestContext",
        "body",
        "isBase64Encoded",
    }
    assert event["resource"] == "/{proxy+}"
    assert event["path"] == "/items"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"proxy": "items"}
    assert event["queryStringParameters"] == {"c": "b"}  # last value wins
    assert event["multiValueQueryStringParameters"] == {"c": ["a", "b"]}
    assert event["requestContext"]["path"] == "/dev/items"
    assert event["requestContext"]["protocol"] == "HTTP/1.1"
    assert event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["resourcePath"] == "/{proxy+}"
    assert REQUEST_CONTEXT_KEYS <= set(event["requestContext"])
    assert event["requestContext"]["identity"]["sourceIp"] == "203.0.113.10"
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8"


def test_absent_maps_are_null_not_empty(account, api):
    proxy_api(account, api, {"kind": "echo"}, path="/items", verb="GET")
    event = call(account, api, "GET", "/items").json()
    for key in (
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "pathParameters",
        "stageVariables",
        "body",
        "headers",
    ):
        assert event[key] is None, key
    assert event["isBase64Encoded"] is False


def test_stage_variables_reach_the_event(account, api):
    proxy_api(account, api, {"kind": "echo"}, path="/items", verb="GET")
    gw.update_stage_variables(api.stages["dev"], {"env": "dev"})
    assert call(account, api, "GET", "/items").json()["stageVariables"] == {"env": "dev"}


@pytest.mark.parametrize(
    "output",
    [
        "not an object",
        ["a", "list"],
        {"statusCode": 200, "body": "x", "extra": 1},  # unknown top-level key
        {"statusCode": "two hundred"},  # non-numeric status
        {"statusCode": 200, "multiValueHeaders": {"X": "not-a-list"}},
        {"body": "no status"},
    ],
)
def test_malformed_proxy_output_is_502(account, api, output):
    proxy_api(account, api, {"kind": "response", "response": output})
    response = call(account, api, "GET", "/x")
    assert response.status == 502
    assert response.json() == {"message": "Internal server error"}
    assert any("Malformed Lambda proxy response" in line.message for line in response.log)


def test_function_error_with_proxy_is_502(account, api):
    proxy_api(account, api, {"kind": "error", "message": "boom"})
    assert call(account, api, "GET", "/x").status == 502


def test_numeric_string_status_and_header_values_are_coerced(account, api):
    proxy_api(
        account,
        api,
        {
            "kind": "response",
            "response": {"statusCode": "201", "headers": {"X-Count": 3, "X-Ok": True}, "body": "made"},
        },
    )
    response = call(account, api, "POST", "/x")
    assert response.status == 201
    assert response.header("X-Count") == "3" and response.header("X-Ok") == "true"
    assert response.text == "made"


def test_header_in_both_maps_is_joined_multi_then_single(account, api):
    output = {"statusCode": 200, "headers": {"X-Tag": "single"}, "multiValueHeaders": {"X-Tag": ["m1", "m2"]}}
    proxy_api(account, api, {"kind": "response", "response": output})
    assert call(account, api, "GET", "/x").header("X-Tag") == "m1, m2, single"


def test_missing_body_is_empty_and_content_type_defaults_to_json(account, api):
    proxy_api(account, api, {"kind": "response", "response": {"statusCode": 204}})
    response = call(account, api, "GET", "/x")
    assert response.status == 204 and response.text == ""
    assert response.header("Content-Type") == "application/json"


def test_base64_body_is_decoded(account, api):
    output = {"statusCode": 200, "headers": {"Content-Type": "image/png"}, "body": "iVBORw0K", "isBase64Encoded": True}
    proxy_api(account, api, {"kind": "response", "response": output})
    assert call(account, api, "GET", "/x").body == b"\x89PNG\r\n"


def test_proxy_integration_calling_lambda_with_get_fails_with_500(account, api):
    fn = gw.create_function(account, "fn", {"kind": "echo"})
    resource = add_method(account, api, "/x", "GET", integration=None)
    gw.put_integration(api, resource.id, "GET", "AWS_PROXY", uri=fn.arn, httpMethod="GET")
    deploy(account, api)
    response = call(account, api, "GET", "/x")
    assert (response.status, response.json()) == (500, {"message": "Internal server error"})


def test_alias_through_a_stage_variable_without_permission_is_500_then_works(account, api):
    fn = gw.create_function(account, "fn", {"kind": "hello"})
    fn.publish_version()
    gw.create_alias(account, "fn", "prod", "1")
    add_method(account, api, "/hello", "GET", "AWS_PROXY", uri=fn.arn + ":${stageVariables.alias}")
    deploy(account, api, variables={"alias": "prod"})
    denied = call(account, api, "GET", "/hello")
    assert (denied.status, denied.json()) == (500, {"message": "Internal server error"})
    assert denied.header("x-amzn-ErrorType") == "InternalServerErrorException"
    assert any("Invalid permissions on Lambda function" in line.message for line in denied.log)
    gw.add_permission(
        account, "fn", f"arn:aws:execute-api:us-east-1:123456789012:{api.id}/*/GET/hello", qualifier="prod"
    )
    assert call(account, api, "GET", "/hello", query=[("name", "Ada")]).json() == {"message": "Hello, Ada!"}


def test_stage_variable_picks_the_alias_per_stage(account, api):
    fn = gw.create_function(account, "fn", {"kind": "response", "response": {"statusCode": 200, "body": "v1"}})
    fn.publish_version()
    fn.versions["$LATEST"].response = {"statusCode": 200, "body": "v2"}
    fn.publish_version()
    gw.create_alias(account, "fn", "prod", "1")
    gw.create_alias(account, "fn", "dev", "2")
    for alias in ("prod", "dev"):
        gw.add_permission(account, "fn", "arn:aws:execute-api:us-east-1:123456789012:*", qualifier=alias)
    add_method(account, api, "/v", "GET", "AWS_PROXY", uri=fn.arn + ":${stageVariables.lambdaAlias}")
    deploy(account, api, "prod", variables={"lambdaAlias": "prod"})
    deploy(account, api, "dev", variables={"lambdaAlias": "dev"})
    assert call(account, api, "GET", "/v", stage="prod").text == "v1"
    assert call(account, api, "GET", "/v", stage="dev").text == "v2"
