"""The same change made in the console and with boto3 over HTTP ends in the same sandbox."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from django.contrib.auth import get_user_model
from django.test import Client

import gateway as gw
from gateway.traffic import limits
from sandbox import credentials
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)


def starting_state(user) -> dict[str, str]:
    """An API deployed twice to prod, a usage plan on prod, a key not in it."""
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, "orders")
        resource = gw.create_resource_path(account, api, "/status")
        gw.put_method(api, resource.id, "GET", apiKeyRequired=True)
        gw.put_integration(
            api, resource.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        gw.put_integration_response(api, resource.id, "GET", "200")
        first = gw.create_deployment(account, api, stage_name="prod", description="release 1")
        gw.create_deployment(account, api, stage_name="prod", description="release 2")
        key = limits.create_api_key(account, "partner", enabled=True)
        plan = limits.create_usage_plan(account, "partners")
        limits.add_api_stage(account, plan.id, api.id, "prod")
    return {"api": api.id, "first": first.id, "key": key.id, "plan": plan.id}


def outcome(user, ids: dict[str, str]) -> dict:
    account = SandboxAccount.for_user(user).account()
    stage = account.restApis[ids["api"]].stages["prod"]
    return {
        "plan keys": account.usagePlans[ids["plan"]].keyIds == [ids["key"]],
        "serves": account.restApis[ids["api"]].deployments[stage.deploymentId].description,
        "settings": {k: v.to_dict() for k, v in stage.methodSettings.items()},
    }


def test_console_and_cli_agree(live_server):
    users = get_user_model().objects
    console_user, cli_user = (
        users.create_user("by-console", password="pw-console-1"),
        users.create_user("by-cli", password="pw-cli-1"),
    )
    by_console, by_cli = starting_state(console_user), starting_state(cli_user)

    browser = Client()
    browser.force_login(console_user)
    base = f"/sandbox/apis/{by_console['api']}/stages/prod"
    assert browser.post(f"/sandbox/keys/plans/{by_console['plan']}/key/", {"key": by_console["key"]}).status_code == 302
    assert browser.post(f"{base}/rollback/", {"deployment": by_console["first"]}).status_code == 302
    settings = {
        "key": "~1status/GET",
        "throttling_rate": "5",
        "throttling_burst": "10",
        "cache_ttl": "300",
        "unauthorized_strategy": "SUCCEED_WITH_RESPONSE_HEADER",
        "logging_level": "INFO",
        "require_authorization": "on",
    }
    assert browser.post(f"{base}/method-settings/", settings).status_code == 302

    creds = credentials.ensure(cli_user, live_server.url)
    client = boto3.client(
        "apigateway",
        endpoint_url=creds.endpoint,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=Config(retries={"max_attempts": 1}),
    )
    client.create_usage_plan_key(usagePlanId=by_cli["plan"], keyId=by_cli["key"], keyType="API_KEY")
    client.update_stage(
        restApiId=by_cli["api"],
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/deploymentId", "value": by_cli["first"]},
            {"op": "replace", "path": "/~1status/GET/throttling/rateLimit", "value": "5"},
            {"op": "replace", "path": "/~1status/GET/throttling/burstLimit", "value": "10"},
            {"op": "replace", "path": "/~1status/GET/logging/loglevel", "value": "INFO"},
        ],
    )
    console_result, cli_result = outcome(console_user, by_console), outcome(cli_user, by_cli)
    assert console_result == cli_result
    assert console_result["plan keys"] and console_result["serves"] == "release 1"
    assert cli_result["settings"]["~1status/GET"]["throttlingRateLimit"] == 5.0
