"""Request validators and CORS (Enable CORS, and what a browser concludes)."""

from __future__ import annotations

import json

import gateway as gw
from gateway.rest import cors
from tests.gateway.conftest import NOW, add_method, call, deploy, mock_200

PET_SCHEMA = json.dumps(
    {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "type": "object",
        "required": ["type", "price"],
        "properties": {"type": {"type": "string"}, "price": {"type": "number", "minimum": 0}},
    }
)


def validated(account, api, *, body=False, parameters=False):
    resource = mock_200(account, api, "/pets", "POST")
    gw.create_model(account, api, "Pet", PET_SCHEMA)
    validator = gw.create_request_validator(account, api, "v", body=body, parameters=parameters)
    gw.update_method(
        api,
        resource.id,
        "POST",
        requestValidatorId=validator.id,
        requestModels={"application/json": "Pet"},
        requestParameters={"method.request.querystring.store": True, "method.request.header.X-Team": True},
    )
    deploy(account, api)


def test_missing_required_parameters_are_400_with_their_names(account, api):
    validated(account, api, parameters=True)
    response = call(account, api, "POST", "/pets", body="{}")
    assert response.status == 400
    assert response.json() == {"message": "Missing required request parameters: [store, X-Team]"}
    assert response.header("x-amzn-ErrorType") == "BadRequestException"


def test_body_that_fails_the_model_is_400_invalid_request_body(account, api):
    validated(account, api, body=True)
    bad = call(account, api, "POST", "/pets", body='{"type": "dog", "price": -1}')
    assert (bad.status, bad.json()) == (400, {"message": "Invalid request body"})
    assert call(account, api, "POST", "/pets", body="not json").status == 400
    assert call(account, api, "POST", "/pets", body='{"type": "dog", "price": 3}').status == 200


def test_no_validator_means_no_validation(account, api):
    resource = mock_200(account, api, "/pets", "POST")
    gw.update_method(api, resource.id, "POST", requestParameters={"method.request.querystring.store": True})
    deploy(account, api)
    assert call(account, api, "POST", "/pets").status == 200


def cors_api(account, api, origins, *, proxy=False, gateway_responses=False):
    if proxy:
        fn = gw.create_function(account, "fn", {"kind": "echo"})
        resource = add_method(account, api, "/pets", "GET", "AWS_PROXY", uri=fn.arn)
    else:
        resource = mock_200(account, api, "/pets", "GET", response_template='{"pets": []}')
    cors.enable_cors(account, api, resource.id, origins=origins, gateway_responses=gateway_responses)
    deploy(account, api)
    return resource


def test_enable_cors_adds_an_options_mock_with_the_three_headers(account, api):
    cors_api(account, api, ["https://app.example.com"])
    preflight = call(
        account,
        api,
        "OPTIONS",
        "/pets",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert "GET" in preflight.header("Access-Control-Allow-Methods")
    assert "Authorization" in preflight.header("Access-Control-Allow-Headers")
    assert call(account, api, "GET", "/pets").header("Access-Control-Allow-Origin") == "https://app.example.com"


def test_browser_allows_a_configured_origin_and_refuses_another(account, api):
    cors_api(account, api, ["https://app.example.com"])
    kw = {"method": "GET", "path": "/pets", "headers": {"Authorization": "x"}, "now": NOW}
    ok = cors.browser_verdict(account, api.id, "dev", origin="https://app.example.com", **kw)
    assert ok.allowed and ok.preflight_status == 200
    refused = cors.browser_verdict(account, api.id, "dev", origin="https://evil.example.com", **kw)
    assert not refused.allowed and "does not allow https://evil.example.com" in refused.reason


def test_several_origins_reflect_the_callers_origin(account, api):
    cors_api(account, api, ["https://a.example.com", "https://b.example.com"])
    for origin in ("https://a.example.com", "https://b.example.com"):
        assert (
            cors.browser_verdict(
                account, api.id, "dev", origin=origin, method="PUT", path="/pets", now=NOW
            ).preflight_status
            == 200
        )
    response = call(account, api, "GET", "/pets", headers={"Origin": "https://b.example.com"})
    assert response.header("Access-Control-Allow-Origin") == "https://b.example.com"


def test_without_cors_the_preflight_is_refused(account, api):
    mock_200(account, api, "/pets")
    deploy(account, api)
    verdict = cors.browser_verdict(
        account, api.id, "dev", origin="https://app.example.com", method="DELETE", path="/pets", now=NOW
    )
    assert not verdict.allowed and "the preflight answered 403" in verdict.reason


def test_with_a_proxy_integration_the_backend_must_send_the_header(account, api):
    cors_api(account, api, ["*"], proxy=True)
    verdict = cors.browser_verdict(
        account, api.id, "dev", origin="https://app.example.com", method="GET", path="/pets", now=NOW
    )
    assert not verdict.allowed and "backend must send it itself" in verdict.reason


def test_cors_on_4xx_gateway_responses_when_asked(account, api):
    cors_api(account, api, ["*"], gateway_responses=True)
    assert call(account, api, "GET", "/missing").header("Access-Control-Allow-Origin") == "*"
