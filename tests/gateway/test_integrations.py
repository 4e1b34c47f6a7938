"""Non-proxy integrations (MOCK, HTTP, AWS), templates, selection patterns, timeouts, gateway responses."""

from __future__ import annotations

import json

import pytest

import gateway as gw
from tests.gateway.conftest import add_method, call, deploy, mock_200


def test_mock_request_template_status_selects_the_integration_response(account, api):
    resource = add_method(
        account,
        api,
        "/m",
        "GET",
        "MOCK",
        requestTemplates={
            "application/json": '#if($input.params("fail") == "yes"){"statusCode": 500}#else{"statusCode": 200}#end'
        },
    )
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={"application/json": '{"ok": true}'})
    gw.put_integration_response(
        api,
        resource.id,
        "GET",
        "500",
        selectionPattern="5\\d{2}",
        responseTemplates={"application/json": '{"ok": false}'},
    )
    deploy(account, api)
    assert call(account, api, "GET", "/m").json() == {"ok": True}
    failed = call(account, api, "GET", "/m", query=[("fail", "yes")])
    assert (failed.status, failed.json()) == (500, {"ok": False})


def test_mock_calls_nothing(account, api):
    mock_200(account, api, "/m", response_template='{"from": "mock"}')
    deploy(account, api)
    response = call(account, api, "GET", "/m")
    assert response.json() == {"from": "mock"} and response.integration_latency_ms == 0


def http_api(account, api, status_body, *, proxy=False, responses=None):
    account.httpServices["backend.example.internal"] = gw.HttpService(
        host="backend.example.internal", kind="status", status=status_body[0], body=status_body[1]
    )
    kind = "HTTP_PROXY" if proxy else "HTTP"
    resource = add_method(account, api, "/r", "GET", kind, uri="http://backend.example.internal/r", httpMethod="GET")
    if not proxy:
        for status, fields in (responses or {"200": {}}).items():
            gw.put_integration_response(api, resource.id, "GET", status, **fields)
    deploy(account, api)
    return resource


def test_http_backend_400_with_only_a_default_200_reaches_the_client_as_200(account, api):
    http_api(account, api, (400, '{"error": "bad"}'))
    response = call(account, api, "GET", "/r")
    assert (response.status, response.json()) == (200, {"error": "bad"})


def test_http_proxy_passes_the_backend_400_through(account, api):
    http_api(account, api, (400, '{"error": "bad"}'), proxy=True)
    response = call(account, api, "GET", "/r")
    assert (response.status, response.json()) == (400, {"error": "bad"})


def test_selection_pattern_matches_the_backend_status(account, api):
    http_api(
        account,
        api,
        (404, '{"error": "nope"}'),
        responses={
            "200": {},
            "404": {"selectionPattern": "4\\d{2}", "responseTemplates": {"application/json": '{"missing": true}'}},
        },
    )
    response = call(account, api, "GET", "/r")
    assert (response.status, response.json()) == (404, {"missing": True})


def lambda_api(account, api, behaviour, responses):
    fn = gw.create_function(account, "fn", behaviour)
    resource = add_method(account, api, "/l", "POST", "AWS", uri=fn.arn, httpMethod="POST")
    for status, fields in responses.items():
        gw.put_integration_response(api, resource.id, "POST", status, **fields)
    deploy(account, api)


def test_lambda_error_message_selects_the_integration_response(account, api):
    lambda_api(
        account,
        api,
        {"kind": "error", "message": "NotFound: no such pet"},
        {
            "200": {},
            "404": {
                "selectionPattern": "NotFound:.*",
                "responseTemplates": {"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
            },
        },
    )
    response = call(account, api, "POST", "/l", body="{}")
    assert (response.status, response.json()) == (404, {"error": "NotFound: no such pet"})


def test_a_successful_lambda_call_always_takes_the_default(account, api):
    lambda_api(
        account,
        api,
        {"kind": "response", "response": {"errorMessage": "NotFound: looks like one"}},
        {
            "200": {},
            "404": {"selectionPattern": ".*NotFound.*"},
        },
    )
    assert call(account, api, "POST", "/l", body="{}").status == 200


def test_no_matching_and_no_default_response_is_500(account, api):
    lambda_api(account, api, {"kind": "error", "message": "boom"}, {"400": {"selectionPattern": "Bad.*"}})
    response = call(account, api, "POST", "/l", body="{}")
    assert (response.status, response.json()) == (500, {"message": "Internal server error"})


def test_response_override_sets_status_and_header(account, api):
    resource = mock_200(
        account,
        api,
        "/o",
        response_template=(
            '#set($context.responseOverride.status = 418)#set($context.responseOverride.header.X-Teapot = "yes"){"tea": 1}'
        ),
    )
    del resource
    deploy(account, api)
    response = call(account, api, "GET", "/o")
    assert response.status == 418 and response.header("X-Teapot") == "yes"


def test_request_template_renames_a_query_parameter_for_the_backend(account, api):
    resource = add_method(
        account,
        api,
        "/search",
        "GET",
        "HTTP",
        uri="http://echo.example.internal/find",
        httpMethod="POST",
        requestTemplates={"application/json": '{"term": "$input.params(\'q\')", "stage": "$context.stage"}'},
    )
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    echoed = call(account, api, "GET", "/search", query=[("q", "canary")]).json()
    assert json.loads(echoed["body"]) == {"term": "canary", "stage": "dev"}
    assert echoed["method"] == "POST" and echoed["path"] == "/find"


def test_request_parameters_map_path_query_and_literal_headers(account, api):
    resource = add_method(
        account,
        api,
        "/pets/{petId}",
        "GET",
        "HTTP",
        uri="http://echo.example.internal/animals/{id}",
        httpMethod="GET",
        requestParameters={
            "integration.request.path.id": "method.request.path.petId",
            "integration.request.querystring.kind": "method.request.querystring.type",
            "integration.request.header.X-Source": "'gateway'",
        },
    )
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    echoed = call(account, api, "GET", "/pets/9", query=[("type", "dog")]).json()
    assert echoed["path"] == "/animals/9"
    assert echoed["query"] == {"kind": "dog"}
    assert echoed["headers"]["X-Source"] == "gateway"


@pytest.mark.parametrize(
    ("behaviour", "templates", "content_type", "status"),
    [
        ("WHEN_NO_MATCH", {"application/json": "{}"}, "text/plain", 200),  # passed through
        ("WHEN_NO_TEMPLATES", {}, "text/plain", 200),  # no templates at all: passed through
        ("WHEN_NO_TEMPLATES", {"application/json": "{}"}, "text/plain", 415),
        ("NEVER", {"application/json": "{}"}, "text/plain", 415),
        ("NEVER", {"application/json": "{}"}, "application/json", 200),
    ],
)
def test_passthrough_behaviour(account, api, behaviour, templates, content_type, status):
    resource = add_method(
        account,
        api,
        "/p",
        "POST",
        "HTTP",
        uri="http://echo.example.internal/p",
        httpMethod="POST",
        requestTemplates=templates,
        passthroughBehavior=behaviour,
    )
    gw.put_integration_response(api, resource.id, "POST", "200")
    deploy(account, api)
    response = call(account, api, "POST", "/p", headers={"Content-Type": content_type}, body="raw text")
    assert response.status == status
    if status == 415:
        assert response.json() == {"message": "Unsupported Media Type"}
        assert response.header("x-amzn-ErrorType") == "UnsupportedMediaTypeException"
    elif not templates or content_type not in templates:
        assert response.json()["body"] == "raw text"


def test_backend_slower_than_the_timeout_is_504_at_once(account, api):
    resource = add_method(account, api, "/slow", "GET", "HTTP", uri="http://slow.example.internal/", httpMethod="GET")
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    response = call(account, api, "GET", "/slow")
    assert (response.status, response.json()) == (504, {"message": "Endpoint request timed out"})
    assert response.integration_latency_ms == 29000


def test_lambda_that_takes_35_seconds_times_out_at_the_configured_timeout(account, api):
    fn = gw.create_function(account, "slow", {"kind": "echo", "durationMs": 35000})
    add_method(account, api, "/s", "GET", "AWS_PROXY", uri=fn.arn, timeoutInMillis=5000)
    deploy(account, api)
    response = call(account, api, "GET", "/s")
    assert response.status == 504 and response.integration_latency_ms == 5000


def test_url_with_no_service_behind_it_fails_like_an_unreachable_endpoint(account, api):
    resource = add_method(account, api, "/x", "GET", "HTTP", uri="https://nowhere.example.com/", httpMethod="GET")
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    response = call(account, api, "GET", "/x")
    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    assert any("Invalid endpoint address" in line.message for line in response.log)


def test_stage_variable_in_an_http_url_and_in_a_template(account, api):
    resource = add_method(
        account,
        api,
        "/s",
        "GET",
        "HTTP",
        uri="http://${stageVariables.host}/s",
        httpMethod="POST",
        requestTemplates={"application/json": '{"env": "$stageVariables.env", "missing": "$stageVariables.nope"}'},
    )
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api, variables={"host": "echo.example.internal", "env": "dev"})
    assert json.loads(call(account, api, "GET", "/s").json()["body"]) == {"env": "dev", "missing": ""}


def test_payload_over_10_mb_is_413(account, api):
    mock_200(account, api, "/big", "POST")
    deploy(account, api)
    response = call(account, api, "POST", "/big", body="x" * (10 * 1024 * 1024 + 1))
    assert response.status == 413
    assert "10485760" in response.json()["message"]


def test_customised_gateway_response_changes_status_headers_and_template(account, api):
    mock_200(account, api, "/pets")
    gw.put_gateway_response(
        api,
        "MISSING_AUTHENTICATION_TOKEN",
        status_code="404",
        parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        templates={
            "application/json": '{"error": $context.error.messageString, "type": "$context.error.responseType"}'
        },
    )
    deploy(account, api)
    response = call(account, api, "GET", "/nope")
    assert response.status == 404
    assert response.header("Access-Control-Allow-Origin") == "*"
    assert response.json() == {"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}


def test_default_4xx_customisation_applies_to_every_4xx(account, api):
    mock_200(account, api, "/pets")
    gw.put_gateway_response(
        api,
        "DEFAULT_4XX",
        parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'https://app.example.com'"},
    )
    deploy(account, api)
    assert call(account, api, "GET", "/nope").header("Access-Control-Allow-Origin") == "https://app.example.com"


def test_broken_template_is_500_with_the_error_in_the_log(account, api):
    mock_200(account, api, "/t", response_template="#foreach($x in )broken#end")
    deploy(account, api)
    response = call(account, api, "GET", "/t")
    assert (response.status, response.json()) == (500, {"message": "Internal server error"})
    assert any(line.level == "ERROR" and "Unable to transform response" in line.message for line in response.log)


def test_sqs_send_message_through_an_aws_integration(account, api):
    resource = add_method(
        account,
        api,
        "/orders",
        "POST",
        "AWS",
        httpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders",
        requestParameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
        requestTemplates={"application/json": "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"},
    )
    gw.put_integration_response(api, resource.id, "POST", "200")
    deploy(account, api)
    response = call(account, api, "POST", "/orders", body='{"item": "book"}')
    assert response.status == 200
    assert account.sqsQueues["orders"][0]["Body"] == '{"item": "book"}'


def test_dynamodb_put_and_get_item(account, api):
    account.dynamodbTables["Pets"] = {"key": "id", "items": {}}
    put = add_method(
        account,
        api,
        "/pets",
        "POST",
        "AWS",
        httpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        requestTemplates={
            "application/json": '{"TableName": "Pets", "Item": {"id": {"S": "$input.path(\'$.id\')"}, "type": {"S": "$input.path(\'$.type\')"}}}'
        },
    )
    gw.put_integration_response(api, put.id, "POST", "200")
    get = add_method(
        account,
        api,
        "/pets/{id}",
        "GET",
        "AWS",
        httpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:dynamodb:action/GetItem",
        requestTemplates={"application/json": '{"TableName": "Pets", "Key": {"id": {"S": "$input.params(\'id\')"}}}'},
    )
    gw.put_integration_response(
        api, get.id, "GET", "200", responseTemplates={"application/json": '{"type": "$input.path(\'$.Item.type.S\')"}'}
    )
    deploy(account, api)
    assert call(account, api, "POST", "/pets", body='{"id": "4", "type": "parrot"}').status == 200
    assert call(account, api, "GET", "/pets/4").json() == {"type": "parrot"}


def test_soap_backend_for_json_to_xml_mapping(account, api):
    resource = add_method(
        account,
        api,
        "/pets/{id}",
        "GET",
        "HTTP",
        uri="http://soap.example.internal/PetService",
        httpMethod="POST",
        requestTemplates={
            "application/json": "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetPet><id>$input.params('id')</id></GetPet></soap:Body></soap:Envelope>"
        },
    )
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    response = call(account, api, "GET", "/pets/2")
    assert "<type>cat</type>" in response.text


def test_execution_log_reads_like_the_console_test(account, api):
    mock_200(account, api, "/ping", response_template='{"pong": true}')
    deploy(account, api)
    messages = [line.message for line in call(account, api, "GET", "/ping", query=[("a", "1")]).log]
    assert messages[0].startswith("Starting execution for request: ")
    assert "HTTP Method: GET, Resource Path: /ping" in messages
    assert "Method request query string: {a=1}" in messages
    assert any(m.startswith("Endpoint request body after transformations:") for m in messages)
    assert 'Method response body after transformations: {"pong": true}' in messages
    assert messages[-1] == "Method completed with status: 200"


def test_trace_names_every_step(account, api):
    mock_200(account, api, "/ping")
    deploy(account, api)
    steps = [step.name for step in call(account, api, "GET", "/ping").trace]
    assert steps == ["method request", "integration request", "integration", "integration response", "method response"]


def test_step_functions_start_execution_is_recorded(account, api):
    resource = add_method(
        account,
        api,
        "/run",
        "POST",
        "AWS",
        httpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:states:action/StartExecution",
        requestTemplates={
            "application/json": '{"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:orders", "input": "$util.escapeJavaScript($input.body)"}'
        },
    )
    gw.put_integration_response(api, resource.id, "POST", "200")
    deploy(account, api)
    response = call(account, api, "POST", "/run", body='{"order": 1}')
    assert response.status == 200 and "executionArn" in response.json()
    assert (
        account.stepFunctionsExecutions[0]["input"] == '{\\"order\\": 1}'
        or "order" in account.stepFunctionsExecutions[0]["input"]
    )


def test_kinesis_put_record(account, api):
    resource = add_method(
        account,
        api,
        "/events",
        "POST",
        "AWS",
        httpMethod="POST",
        uri="arn:aws:apigateway:us-east-1:kinesis:action/PutRecord",
        requestTemplates={
            "application/json": '{"StreamName": "clicks", "Data": "$util.base64Encode($input.body)", "PartitionKey": "k"}'
        },
    )
    gw.put_integration_response(api, resource.id, "POST", "200")
    deploy(account, api)
    assert call(account, api, "POST", "/events", body="hi").json()["ShardId"] == "shardId-000000000000"
    assert account.kinesisStreams["clicks"][0]["Data"] == "aGk="


def test_teaching_functions_behave_as_named(account, api):
    gw.install_teaching_functions(account)
    for name, path in (("pets", "/pets"), ("broken", "/broken"), ("failing", "/failing"), ("slow", "/slow")):
        add_method(account, api, path, "GET", "AWS_PROXY", uri=account.functions[name].arn)
    deploy(account, api)
    assert [p["type"] for p in call(account, api, "GET", "/pets").json()] == ["dog", "cat", "fish"]
    assert call(account, api, "GET", "/broken").status == 502
    assert call(account, api, "GET", "/failing").status == 502
    assert call(account, api, "GET", "/slow").status == 504
