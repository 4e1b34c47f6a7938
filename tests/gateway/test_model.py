"""The resource model: AWS defaults, validation messages, and the state as a value."""

from __future__ import annotations

import json

import pytest

import gateway as gw
from tests.gateway.conftest import NOW, add_method, deploy, mock_200


def test_new_stage_has_aws_defaults(account, api):
    mock_200(account, api)
    deploy(account, api)
    stage = api.stages["dev"].to_dict()
    assert stage["cacheClusterEnabled"] is False
    assert stage["cacheClusterStatus"] == "NOT_AVAILABLE"
    assert stage["methodSettings"] == {}
    assert stage["tracingEnabled"] is False


def test_method_settings_default_to_aws_values():
    setting = gw.MethodSetting()
    assert (setting.throttlingRateLimit, setting.throttlingBurstLimit) == (10000.0, 5000)
    assert setting.cacheTtlInSeconds == 300
    assert setting.requireAuthorizationForCacheControl is True
    assert setting.unauthorizedCacheControlHeaderStrategy == "SUCCEED_WITH_RESPONSE_HEADER"


def test_new_integration_has_aws_defaults(account, api):
    resource = add_method(account, api, "/x", "GET", "MOCK")
    integration = api.resources[resource.id].resourceMethods["GET"].methodIntegration
    assert integration.timeoutInMillis == 29000
    assert integration.passthroughBehavior == "WHEN_NO_MATCH"
    assert integration.cacheKeyParameters == []


def test_new_api_is_edge_with_header_key_source(api):
    assert api.endpointConfiguration == {"types": ["EDGE"]}
    assert api.apiKeySource == "HEADER"
    assert api.root.path == "/"


def test_whole_account_round_trips_through_to_dict_exactly(account, api):
    mock_200(account, api, response_template='{"ok": true}')
    gw.create_function(account, "fn", {"kind": "echo"})
    fn = account.functions["fn"]
    fn.publish_version()
    gw.create_alias(account, "fn", "prod", "1")
    gw.add_permission(account, "fn", "arn:aws:execute-api:us-east-1:123456789012:*/*/*/*", qualifier="prod")
    add_method(account, api, "/items/{id}", "POST", "AWS_PROXY", uri=fn.arn + ":${stageVariables.alias}")
    gw.create_model(account, api, "Pet", json.dumps({"type": "object"}))
    deploy(account, api, variables={"alias": "prod"})
    gw.update_method_settings(api.stages["dev"], "*/*", metricsEnabled=True)
    gw.update_canary(
        api.stages["dev"], gw.CanarySettings(deploymentId=api.stages["dev"].deploymentId, percentTraffic=5.0)
    )
    data = account.to_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-friendly
    again = gw.Account.from_dict(data)
    assert again == account
    assert again.to_dict() == data


def test_aws_proxy_uri_must_be_a_lambda_arn_and_the_error_says_so(account, api):
    resource = add_method(account, api, "/x", "GET", integration=None)
    with pytest.raises(gw.ValidationError) as error:
        gw.put_integration(api, resource.id, "GET", "AWS_PROXY", uri="https://example.com/fn")
    assert error.value.problems[0].where == "integration.uri"
    assert "Lambda invocation uri" in error.value.problems[0].message


@pytest.mark.parametrize("timeout", [49, 29001])
def test_timeout_outside_50_to_29000_ms_is_refused(account, api, timeout):
    resource = add_method(account, api, "/x", "GET", integration=None)
    with pytest.raises(gw.ValidationError, match="timeoutInMillis: must be between 50 and 29000"):
        gw.put_integration(api, resource.id, "GET", "MOCK", timeoutInMillis=timeout)


def test_bad_selection_pattern_and_http_uri_are_named(account, api):
    resource = add_method(account, api, "/x", "GET", "HTTP", uri="http://echo.example.internal/", httpMethod="GET")
    with pytest.raises(gw.ValidationError, match="selectionPattern: not a valid regular expression"):
        gw.put_integration_response(api, resource.id, "GET", "400", selectionPattern="4(")
    with pytest.raises(gw.ValidationError, match="an HTTP integration needs an http:// or https:// URL"):
        gw.put_integration(api, resource.id, "GET", "HTTP", uri="ftp://x", httpMethod="GET")


def test_two_variable_siblings_are_refused(account, api):
    gw.create_resource_path(account, api, "/pets/{id}")
    with pytest.raises(gw.ConflictError):
        gw.create_resource_path(account, api, "/pets/{name}")


def test_deploying_an_api_without_methods_is_refused(account, api):
    with pytest.raises(gw.ValidationError, match="doesn't contain any methods"):
        deploy(account, api)


def test_stage_variable_names_and_values_are_checked(account, api):
    mock_200(account, api)
    with pytest.raises(gw.ValidationError, match="variables.bad-name"):
        deploy(account, api, variables={"bad-name": "x"})


def test_a_deployment_is_an_immutable_snapshot(account, api):
    mock_200(account, api)
    deployment = deploy(account, api)
    before = json.dumps(deployment.snapshot, sort_keys=True)
    mock_200(account, api, "/other")
    assert json.dumps(deployment.snapshot, sort_keys=True) == before


def test_function_alias_and_versions(account):
    fn = gw.create_function(account, "fn", {"kind": "hello"})
    assert fn.publish_version() == "1"
    assert fn.publish_version() == "2"
    gw.create_alias(account, "fn", "prod", "2")
    assert fn.aliases == {"prod": "2"}
    with pytest.raises(gw.NotFoundError):
        gw.create_alias(account, "fn", "beta", "9")


def test_ids_are_stable_across_save_and_load(account):
    first = gw.create_rest_api(account, "a", now=NOW).id
    copy = gw.Account.from_dict(account.to_dict())
    assert gw.create_rest_api(copy, "b", now=NOW).id == gw.create_rest_api(account, "b", now=NOW).id != first
