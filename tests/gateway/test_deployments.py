"""Deployments, stages, rollback and canaries."""

from __future__ import annotations

import math
import random

import pytest

import gateway as gw
from tests.gateway.conftest import call, deploy, mock_200


def test_changes_reach_callers_only_after_a_deployment(account, api):
    mock_200(account, api, "/v", response_template='{"v": 1}')
    deploy(account, api)
    resource = api.resource_by_path("/v")
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={"application/json": '{"v": 2}'})
    assert call(account, api, "GET", "/v").json() == {"v": 1}
    deploy(account, api)
    assert call(account, api, "GET", "/v").json() == {"v": 2}


def test_rollback_points_the_stage_at_an_earlier_deployment(account, api):
    mock_200(account, api, "/v", response_template='{"v": 1}')
    first = deploy(account, api)
    resource = api.resource_by_path("/v")
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={"application/json": '{"v": 2}'})
    deploy(account, api)
    gw.rollback_stage(api, "dev", first.id)
    assert call(account, api, "GET", "/v").json() == {"v": 1}
    assert [h.reason for h in api.stages["dev"].history] == ["deploy", "deploy", "rollback"]


def test_v1_and_v2_stages_coexist(account, api):
    mock_200(account, api, "/v", response_template='{"v": 1}')
    deploy(account, api, "v1")
    resource = api.resource_by_path("/v")
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={"application/json": '{"v": 2}'})
    deploy(account, api, "v2")
    assert call(account, api, "GET", "/v", stage="v1").json() == {"v": 1}
    assert call(account, api, "GET", "/v", stage="v2").json() == {"v": 2}


def canary_setup(account, api, percent=10.0):
    mock_200(account, api, "/v", response_template='{"v": "$stageVariables.color", "canary": $context.isCanaryRequest}')
    deploy(account, api, "prod", variables={"color": "blue"})
    resource = api.resource_by_path("/v")
    gw.put_integration_response(
        api,
        resource.id,
        "GET",
        "200",
        responseTemplates={
            "application/json": '{"v": "$stageVariables.color", "canary": $context.isCanaryRequest, "new": true}'
        },
    )
    deploy(account, api, "prod", canary={"percentTraffic": percent, "stageVariableOverrides": {"color": "green"}})


def test_canary_split_stays_within_statistical_bounds(account, api):
    canary_setup(account, api, 10.0)
    rng = random.Random(2024)
    n = 2000
    hits = sum(call(account, api, "GET", "/v", stage="prod", rng=rng).is_canary for _ in range(n))
    sd = math.sqrt(n * 0.1 * 0.9)
    assert abs(hits - 200) < 4 * sd


def test_canary_gets_its_deployment_and_overridden_variables(account, api):
    canary_setup(account, api, 100.0)
    assert call(account, api, "GET", "/v", stage="prod").json() == {"v": "green", "canary": True, "new": True}


def test_non_canary_requests_keep_the_stage_deployment_and_variables(account, api):
    canary_setup(account, api, 0.0)
    assert call(account, api, "GET", "/v", stage="prod").json() == {"v": "blue", "canary": False}


def test_promote_makes_the_canary_the_stage(account, api):
    canary_setup(account, api, 5.0)
    canary_deployment = api.stages["prod"].canarySettings.deploymentId
    gw.promote_canary(api, "prod")
    stage = api.stages["prod"]
    assert stage.deploymentId == canary_deployment and stage.canarySettings is None
    assert stage.variables == {"color": "green"}
    assert call(account, api, "GET", "/v", stage="prod").json() == {"v": "green", "canary": False, "new": True}


def test_deleting_the_canary_sends_everything_to_the_stage(account, api):
    canary_setup(account, api, 100.0)
    gw.delete_canary(api, "prod")
    assert call(account, api, "GET", "/v", stage="prod").json() == {"v": "blue", "canary": False}


def test_canary_percent_is_bounded(account, api):
    canary_setup(account, api, 5.0)
    with pytest.raises(gw.ValidationError, match="between 0.0 and 100.0"):
        gw.update_canary(api.stages["prod"], gw.CanarySettings(deploymentId="x", percentTraffic=150.0))


def test_method_settings_validate_cache_ttl(account, api):
    mock_200(account, api)
    deploy(account, api)
    with pytest.raises(gw.ValidationError, match="cacheTtlInSeconds: must be between 0 and 3600"):
        gw.update_method_settings(api.stages["dev"], gw.method_setting_key("/ping", "GET"), cacheTtlInSeconds=4000)
