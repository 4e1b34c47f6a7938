"""The sandbox console's operations pages: stages, keys and plans, functions, IAM, Cognito,
authorizers, traffic, metrics, OpenAPI, HTTP and WebSocket APIs.

For every page: login required, a valid change is saved (read back through the stored sandbox),
invalid input shows the error and changes nothing, and another learner's ids are a 404.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import yaml
from django.urls import reverse

import gateway as gw
from gateway.auth import cognito
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from sandbox.models import SandboxAccount
from sandbox.runtime import TELEMETRY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------
# Helpers


def stored(user) -> gw.Account:
    """The learner's sandbox as saved in the database."""
    return SandboxAccount.for_user(user).account()


def build_api(user, *, key_required: bool = False, stage: str = "dev") -> str:
    """A REST API with GET /pets (a MOCK answering {"ok": true}) deployed to `stage`."""
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, "Pets", now=time.time())
        resource = gw.create_resource_path(account, api, "/pets")
        gw.put_method(api, resource.id, "GET", apiKeyRequired=key_required)
        gw.put_integration(
            api, resource.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'}
        )
        gw.put_integration_response(
            api, resource.id, "GET", "200", responseTemplates={"application/json": '{"ok": true}'}
        )
        gw.put_method_response(api, resource.id, "GET", "200")
        gw.create_deployment(account, api, stage_name=stage, description="first", now=time.time())
    return api.id


def error_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def learner(student, client):
    client.force_login(student)
    return student


@pytest.fixture
def other(db):
    return UserFactory(username="other-learner")


@pytest.fixture
def api_id(learner):
    return build_api(learner)


@pytest.fixture
def other_api(other):
    return build_api(other)


# ---------------------------------------------------------------------------------------
# Login required


@pytest.mark.parametrize(
    "name,args",
    [
        ("sandbox:stages", ["abc"]),
        ("sandbox:stage", ["abc", "dev"]),
        ("sandbox:keys", []),
        ("sandbox:plan_usage", ["p1"]),
        ("sandbox:functions", []),
        ("sandbox:function", ["echo"]),
        ("sandbox:iam", []),
        ("sandbox:iam_user", ["alice"]),
        ("sandbox:cognito", []),
        ("sandbox:pool", ["us-east-1_x"]),
        ("sandbox:authorizers", ["abc"]),
        ("sandbox:traffic", ["abc"]),
        ("sandbox:metrics", ["abc"]),
        ("sandbox:openapi", []),
        ("sandbox:openapi_export", ["abc"]),
        ("sandbox:openapi_sdk", ["abc"]),
        ("sandbox:http_api", ["abc"]),
        ("sandbox:ws", ["abc"]),
    ],
)
def test_every_page_requires_login(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_posting_requires_login_and_changes_nothing(client, student):
    response = client.post(reverse("sandbox:create_key"), {"name": "k", "source": "generate"})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert stored(student).apiKeys == {}


# ---------------------------------------------------------------------------------------
# Stages


def stage_url(api_id, action=None, stage="dev"):
    if action is None:
        return reverse("sandbox:stage", args=[api_id, stage])
    return reverse("sandbox:stage_action", args=[api_id, stage, action])


def test_stages_list_and_stage_page_show_the_invoke_url_and_curl(client, api_id):
    listing = client.get(reverse("sandbox:stages", args=[api_id]))
    assert listing.status_code == 200
    # The invoke URL is on the API's own origin, like execute-api (issue: learners' APIs on their own origin).
    assert f"http://{api_id}.execute-api.localhost/dev/" in error_text(listing)
    page = client.get(stage_url(api_id))
    text = error_text(page)
    assert page.status_code == 200
    assert f"http://{api_id}.execute-api.localhost/dev/" in text
    assert f"curl -i &#x27;http://{api_id}.execute-api.localhost/dev/pets&#x27;" in text
    assert "up to date" in text


def test_stage_page_says_when_changes_are_not_deployed(client, learner, api_id):
    with SandboxAccount.editing(learner) as account:
        api = account.restApis[api_id]
        gw.create_resource_path(account, api, "/owners")
    assert "changes not deployed" in error_text(client.get(stage_url(api_id)))


def variables_post(rows, extra_total=None):
    data = {
        "form-TOTAL_FORMS": str(extra_total or len(rows)),
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data[f"form-{i}-name"], data[f"form-{i}-value"] = row[0], row[1]
        if len(row) > 2 and row[2]:
            data[f"form-{i}-DELETE"] = "on"
    return data


def test_stage_variables_are_added_edited_and_removed(client, learner, api_id):
    response = client.post(stage_url(api_id, "variables"), variables_post([("alias", "prod"), ("env", "dev")]))
    assert response.status_code == 302
    assert stored(learner).restApis[api_id].stages["dev"].variables == {"alias": "prod", "env": "dev"}
    client.post(stage_url(api_id, "variables"), variables_post([("alias", "beta"), ("env", "dev", True), ("", "")]))
    assert stored(learner).restApis[api_id].stages["dev"].variables == {"alias": "beta"}


def test_an_invalid_stage_variable_is_shown_and_nothing_changes(client, learner, api_id):
    response = client.post(stage_url(api_id, "variables"), variables_post([("bad name", "x")]))
    assert response.status_code == 422
    assert "names use letters, digits and underscores" in error_text(response)
    assert stored(learner).restApis[api_id].stages["dev"].variables == {}


def test_cache_is_enabled_with_size_and_ttl_then_flushed_and_disabled(client, learner, api_id):
    response = client.post(stage_url(api_id, "cache"), {"enabled": "on", "size": "1.6", "ttl": "60", "encrypted": "on"})
    assert response.status_code == 302
    stage = stored(learner).restApis[api_id].stages["dev"]
    assert (stage.cacheClusterEnabled, stage.cacheClusterSize) == (True, "1.6")
    setting = stage.methodSettings["*/*"]
    assert (setting.cachingEnabled, setting.cacheTtlInSeconds, setting.cacheDataEncrypted) == (True, 60, True)
    flushed = client.post(stage_url(api_id, "flush"), follow=True)
    assert "Flushed the cache of dev" in error_text(flushed)
    client.post(stage_url(api_id, "cache"), {"size": "0.5", "ttl": "300"})
    assert stored(learner).restApis[api_id].stages["dev"].cacheClusterEnabled is False


def test_a_cache_ttl_over_an_hour_is_refused(client, learner, api_id):
    response = client.post(stage_url(api_id, "cache"), {"enabled": "on", "size": "0.5", "ttl": "7200"})
    assert response.status_code == 422
    assert "less than or equal to 3600" in error_text(response)
    assert stored(learner).restApis[api_id].stages["dev"].cacheClusterEnabled is False


METHOD_SETTINGS = {
    "key": "~1pets/GET",
    "throttling_rate": "5",
    "throttling_burst": "2",
    "caching_enabled": "on",
    "cache_ttl": "30",
    "require_authorization": "on",
    "unauthorized_strategy": "FAIL_WITH_403",
    "logging_level": "INFO",
    "data_trace": "on",
    "metrics": "on",
}


def test_method_settings_are_saved_per_method_and_stage_wide(client, learner, api_id):
    response = client.post(stage_url(api_id, "method-settings"), METHOD_SETTINGS)
    assert response.status_code == 302 and "settings=~1pets/GET" in response["Location"]
    setting = stored(learner).restApis[api_id].stages["dev"].methodSettings["~1pets/GET"]
    assert (setting.throttlingRateLimit, setting.throttlingBurstLimit, setting.loggingLevel) == (5.0, 2, "INFO")
    assert setting.dataTraceEnabled and setting.metricsEnabled and setting.cachingEnabled
    assert setting.unauthorizedCacheControlHeaderStrategy == "FAIL_WITH_403"
    client.post(stage_url(api_id, "method-settings"), {**METHOD_SETTINGS, "key": "*/*", "logging_level": "ERROR"})
    assert stored(learner).restApis[api_id].stages["dev"].methodSettings["*/*"].loggingLevel == "ERROR"
    page = error_text(client.get(stage_url(api_id) + "?settings=~1pets/GET"))
    assert "GET /pets" in page and "Whole stage (*/*)" in page


def test_invalid_method_settings_are_refused(client, learner, api_id):
    response = client.post(stage_url(api_id, "method-settings"), {**METHOD_SETTINGS, "throttling_rate": "-1"})
    assert response.status_code == 422
    assert stored(learner).restApis[api_id].stages["dev"].methodSettings == {}


def test_access_log_format_needs_the_request_id(client, learner, api_id):
    response = client.post(stage_url(api_id, "settings"), {"access_log_format": '{"ip": "$context.identity.sourceIp"}'})
    assert response.status_code == 422
    assert "$context.requestId" in error_text(response)
    assert stored(learner).restApis[api_id].stages["dev"].accessLogSettings is None
    fmt = '{"id": "$context.requestId", "status": "$context.status"}'
    client.post(stage_url(api_id, "settings"), {"access_log_format": fmt, "tracing": "on", "description": "Dev stage"})
    stage = stored(learner).restApis[api_id].stages["dev"]
    assert (stage.accessLogSettings.format, stage.tracingEnabled, stage.description) == (fmt, True, "Dev stage")


def test_canary_is_created_with_the_slider_then_promoted(client, learner, api_id):
    with SandboxAccount.editing(learner) as account:
        gw.create_resource_path(account, account.restApis[api_id], "/owners")
    data = {"deployment": "new", "percent": "25", "percent_exact": "10", "percent_was": "10", "overrides": "alias=beta"}
    response = client.post(stage_url(api_id, "canary"), data)
    assert response.status_code == 302
    stage = stored(learner).restApis[api_id].stages["dev"]
    assert stage.canarySettings.percentTraffic == 25.0  # the slider moved, the box did not
    assert stage.canarySettings.stageVariableOverrides == {"alias": "beta"}
    canary_deployment = stage.canarySettings.deploymentId
    assert canary_deployment != stage.deploymentId
    client.post(stage_url(api_id, "promote"))
    stage = stored(learner).restApis[api_id].stages["dev"]
    assert stage.canarySettings is None and stage.deploymentId == canary_deployment
    assert stage.variables == {"alias": "beta"}


def test_canary_percentage_typed_in_the_box_wins_and_the_canary_can_be_deleted(client, learner, api_id):
    first = stored(learner).restApis[api_id].stages["dev"].deploymentId
    client.post(
        stage_url(api_id, "canary"), {"deployment": first, "percent": "10", "percent_exact": "5.5", "percent_was": "10"}
    )
    assert stored(learner).restApis[api_id].stages["dev"].canarySettings.percentTraffic == 5.5
    client.post(stage_url(api_id, "delete-canary"))
    assert stored(learner).restApis[api_id].stages["dev"].canarySettings is None


def test_an_invalid_canary_is_refused(client, learner, api_id):
    response = client.post(
        stage_url(api_id, "canary"), {"deployment": "new", "percent_exact": "150", "overrides": "no equals sign"}
    )
    assert response.status_code == 422
    text = error_text(response)
    assert "less than or equal to 100" in text and "is not a stage variable" in text
    api = stored(learner).restApis[api_id]
    assert api.stages["dev"].canarySettings is None and len(api.deployments) == 1


def test_rollback_to_an_earlier_deployment(client, learner, api_id):
    first = stored(learner).restApis[api_id].stages["dev"].deploymentId
    with SandboxAccount.editing(learner) as account:
        gw.create_deployment(account, account.restApis[api_id], stage_name="dev", description="second", now=time.time())
    assert stored(learner).restApis[api_id].stages["dev"].deploymentId != first
    response = client.post(stage_url(api_id, "rollback"), {"deployment": first})
    assert response.status_code == 302
    stage = stored(learner).restApis[api_id].stages["dev"]
    assert stage.deploymentId == first and stage.history[-1].reason == "rollback"


def test_rollback_to_an_unknown_deployment_is_an_error(client, learner, api_id):
    response = client.post(stage_url(api_id, "rollback"), {"deployment": "nope00"})
    assert response.status_code == 422
    assert "Invalid Deployment identifier" in error_text(response)


def test_stage_is_deleted_only_when_confirmed(client, learner, api_id):
    assert client.post(stage_url(api_id, "delete")).status_code == 422
    assert "dev" in stored(learner).restApis[api_id].stages
    response = client.post(stage_url(api_id, "delete"), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("sandbox:stages", args=[api_id])
    assert "dev" not in stored(learner).restApis[api_id].stages


def test_htmx_gets_the_page_body_with_the_notice(client, learner, api_id):
    response = client.post(stage_url(api_id, "variables"), variables_post([("a", "1")]), headers={"HX-Request": "true"})
    text = error_text(response)
    assert response.status_code == 200
    assert "<html" not in text and 'id="ops-body"' in text
    assert "Saved the stage variables of dev" in text
    invalid = client.post(
        stage_url(api_id, "variables"), variables_post([("a b", "1")]), headers={"HX-Request": "true"}
    )
    assert invalid.status_code == 200 and "names use letters" in error_text(invalid)


def test_another_learners_api_and_stages_are_404(client, learner, other, other_api):
    assert client.get(reverse("sandbox:stages", args=[other_api])).status_code == 404
    assert client.get(stage_url(other_api)).status_code == 404
    assert client.post(stage_url(other_api, "variables"), variables_post([("a", "1")])).status_code == 404
    assert client.post(stage_url(other_api, "flush")).status_code == 404
    assert stored(other).restApis[other_api].stages["dev"].variables == {}


def test_an_unknown_stage_or_action_is_404(client, api_id):
    assert client.get(stage_url(api_id, stage="prod")).status_code == 404
    assert client.post(stage_url(api_id, "explode")).status_code == 404


# ---------------------------------------------------------------------------------------
# API keys and usage plans


def test_a_generated_key_is_disabled_unless_enabled_is_given(client, learner):
    page = error_text(client.get(reverse("sandbox:keys")))
    assert "disabled</strong> unless you say enabled" in page
    client.post(reverse("sandbox:create_key"), {"name": "partner", "source": "generate"})
    (key,) = stored(learner).apiKeys.values()
    assert key.enabled is False and len(key.value) == 40
    client.post(
        reverse("sandbox:create_key"),
        {"name": "mine", "source": "import", "value": "a-very-long-key-value-0001", "enabled": "on"},
    )
    mine = next(k for k in stored(learner).apiKeys.values() if k.name == "mine")
    assert mine.enabled is True and mine.value == "a-very-long-key-value-0001"


def test_an_invalid_imported_key_is_refused(client, learner):
    response = client.post(reverse("sandbox:create_key"), {"name": "short", "source": "import", "value": "too-short"})
    assert response.status_code == 422
    assert "20 to 128 printable ASCII characters" in error_text(response)
    missing = client.post(reverse("sandbox:create_key"), {"name": "none", "source": "import", "value": ""})
    assert missing.status_code == 422
    assert stored(learner).apiKeys == {}


def test_a_key_is_enabled_disabled_and_deleted(client, learner):
    client.post(reverse("sandbox:create_key"), {"name": "k", "source": "generate"})
    (key_id,) = stored(learner).apiKeys
    client.post(reverse("sandbox:key_action", args=[key_id, "enabled"]), {"enabled": "on"})
    assert stored(learner).apiKeys[key_id].enabled is True
    client.post(reverse("sandbox:key_action", args=[key_id, "enabled"]), {})
    assert stored(learner).apiKeys[key_id].enabled is False
    page = client.post(reverse("sandbox:key_action", args=[key_id, "delete"])).content.decode()
    assert "Delete the API key k?" in page and "callers that send it get 403" in page
    assert key_id in stored(learner).apiKeys  # nothing is deleted before the learner confirms
    client.post(reverse("sandbox:key_action", args=[key_id, "delete"]), {"confirm": "yes"})
    assert stored(learner).apiKeys == {}


def test_deleting_a_plan_asks_first_and_says_what_is_lost(client, learner):
    plan_id = make_plan(client, learner)
    page = client.post(reverse("sandbox:plan_action", args=[plan_id, "delete"])).content.decode()
    assert "Delete the usage plan gold?" in page and "access for 0 API keys through it" in page
    assert 'name="confirm" value="yes"' in page and plan_id in stored(learner).usagePlans
    client.post(reverse("sandbox:plan_action", args=[plan_id, "delete"]), {"confirm": "yes"})
    assert stored(learner).usagePlans == {}


def make_plan(client, learner, **fields) -> str:
    client.post(reverse("sandbox:create_plan"), {"name": "gold", "quota_period": "DAY", **fields})
    return next(iter(stored(learner).usagePlans))


def test_usage_plan_with_stage_method_throttle_and_key(client, learner, api_id):
    plan_id = make_plan(client, learner, rate="10", burst="20", quota_limit="1000")
    plan = stored(learner).usagePlans[plan_id]
    assert (plan.throttle.rateLimit, plan.throttle.burstLimit, plan.quota.limit) == (10.0, 20, 1000)
    response = client.post(
        reverse("sandbox:plan_action", args=[plan_id, "stage"]),
        {"api_stage": f"{api_id}/dev", "method": "/pets/GET", "method_rate": "1", "method_burst": "1"},
    )
    assert response.status_code == 302
    (api_stage,) = stored(learner).usagePlans[plan_id].apiStages
    assert (api_stage.apiId, api_stage.stage) == (api_id, "dev")
    assert api_stage.throttle["/pets/GET"].rateLimit == 1.0
    client.post(reverse("sandbox:create_key"), {"name": "k", "source": "generate", "enabled": "on"})
    (key_id,) = stored(learner).apiKeys
    client.post(reverse("sandbox:plan_action", args=[plan_id, "key"]), {"key": key_id})
    assert stored(learner).usagePlans[plan_id].keyIds == [key_id]
    client.post(reverse("sandbox:plan_key_action", args=[plan_id, key_id, "remove-key"]))
    assert stored(learner).usagePlans[plan_id].keyIds == []
    client.post(reverse("sandbox:plan_action", args=[plan_id, "remove-stage"]), {"api_stage": f"{api_id}/dev"})
    assert stored(learner).usagePlans[plan_id].apiStages == []


def test_invalid_plans_are_refused(client, learner, api_id):
    response = client.post(reverse("sandbox:create_plan"), {"name": "x", "burst": "5", "quota_period": "DAY"})
    assert response.status_code == 422 and "A burst needs a rate" in error_text(response)
    assert stored(learner).usagePlans == {}
    plan_id = make_plan(client, learner)
    bad_stage = client.post(reverse("sandbox:plan_action", args=[plan_id, "stage"]), {"api_stage": "zzz/dev"})
    assert bad_stage.status_code == 422
    assert stored(learner).usagePlans[plan_id].apiStages == []


def test_usage_report_counts_requests_per_key_per_day(client, learner):
    api_id = build_api(learner, key_required=True)
    with SandboxAccount.editing(learner) as account:
        key = traffic.create_api_key(account, "k", enabled=True)
        plan = traffic.create_usage_plan(account, "p", quota={"limit": 100, "period": "DAY"})
        traffic.add_api_stage(account, plan.id, api_id, "dev")
        traffic.create_usage_plan_key(account, plan.id, key.id)
    response = client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/pets", "api_key": key.value, "count": "3", "rate": "10"},
    )
    assert response.status_code == 200
    report = client.get(reverse("sandbox:plan_usage", args=[plan.id]))
    text = error_text(report)
    assert report.status_code == 200 and "3 requests" in text and "<td>97</td>" in text
    assert (
        client.get(
            reverse("sandbox:plan_usage", args=[plan.id]), {"start": "2025-02-10", "end": "2025-01-01"}
        ).status_code
        == 422
    )


def test_another_learners_keys_and_plans_are_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        key = traffic.create_api_key(account, "theirs")
        plan = traffic.create_usage_plan(account, "theirs")
    assert client.post(reverse("sandbox:key_action", args=[key.id, "enabled"]), {"enabled": "on"}).status_code == 404
    assert client.post(reverse("sandbox:plan_action", args=[plan.id, "delete"])).status_code == 404
    assert client.get(reverse("sandbox:plan_usage", args=[plan.id])).status_code == 404
    assert stored(other).apiKeys[key.id].enabled is False and plan.id in stored(other).usagePlans
    assert "theirs" not in error_text(client.get(reverse("sandbox:keys")))


# ---------------------------------------------------------------------------------------
# Lambda functions


def test_functions_list_the_teaching_ones_and_create_with_a_behaviour(client, learner):
    page = error_text(client.get(reverse("sandbox:functions")))
    for name in ("echo", "hello", "pets", "slow", "broken", "failing"):
        assert reverse("sandbox:function", args=[name]) in page
    response = client.post(
        reverse("sandbox:functions"),
        {
            "name": "oops",
            "kind": "error",
            "message": "NotFound: nope",
            "error_type": "NotFoundError",
            "duration_ms": "5",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("sandbox:function", args=["oops"])
    behaviour = stored(learner).functions["oops"].versions["$LATEST"]
    assert (behaviour.kind, behaviour.message, behaviour.errorType, behaviour.durationMs) == (
        "error",
        "NotFound: nope",
        "NotFoundError",
        5,
    )


def test_invalid_functions_are_refused(client, learner):
    bad_json = client.post(
        reverse("sandbox:functions"), {"name": "fixed", "kind": "response", "response": "{nope", "duration_ms": "5"}
    )
    assert bad_json.status_code == 422 and "not valid JSON" in error_text(bad_json)
    taken = client.post(reverse("sandbox:functions"), {"name": "echo", "kind": "echo", "duration_ms": "5"})
    assert taken.status_code == 422 and "Function already exist" in error_text(taken)
    assert "fixed" not in stored(learner).functions


def test_publish_alias_and_permission_with_qualifier(client, learner):
    client.post(
        reverse("sandbox:functions"),
        {
            "name": "gate",
            "kind": "authorizer",
            "cases": '[{"when": {"token": "allow"}, "effect": "Allow"}]',
            "duration_ms": "5",
        },
    )
    assert stored(learner).functions["gate"].versions["$LATEST"].cases[0]["effect"] == "Allow"
    client.post(reverse("sandbox:function_action", args=["gate", "publish"]))
    assert "1" in stored(learner).functions["gate"].versions
    client.post(reverse("sandbox:function_action", args=["gate", "alias"]), {"alias": "prod", "version": "1"})
    assert stored(learner).functions["gate"].aliases == {"prod": "1"}
    arn = "arn:aws:execute-api:us-east-1:123456789012:abc/*/GET/pets"
    response = client.post(
        reverse("sandbox:function_action", args=["gate", "permission"]), {"source_arn": arn, "qualifier": "prod"}
    )
    assert response.status_code == 302
    assert gw.model.resources.Permission(arn, "prod") in stored(learner).functions["gate"].permissions
    client.post(reverse("sandbox:function_action", args=["gate", "behaviour"]), {"kind": "hello", "duration_ms": "7"})
    assert stored(learner).functions["gate"].versions["$LATEST"].kind == "hello"
    assert stored(learner).functions["gate"].versions["1"].kind == "authorizer"


def test_invalid_alias_and_permission_are_refused(client, learner):
    alias = client.post(
        reverse("sandbox:function_action", args=["echo", "alias"]), {"alias": "123", "version": "$LATEST"}
    )
    assert alias.status_code == 422
    permission = client.post(
        reverse("sandbox:function_action", args=["echo", "permission"]), {"source_arn": "arn:aws:s3:::bucket"}
    )
    assert permission.status_code == 422 and "arn:aws:execute-api:" in error_text(permission)
    function = stored(learner).functions["echo"]
    assert function.aliases == {} and len(function.permissions) == 1


def test_another_learners_function_is_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        gw.create_function(account, "private-fn")
    assert client.get(reverse("sandbox:function", args=["private-fn"])).status_code == 404
    assert client.post(reverse("sandbox:function_action", args=["private-fn", "publish"])).status_code == 404
    assert list(stored(other).functions["private-fn"].versions) == ["$LATEST"]


# ---------------------------------------------------------------------------------------
# IAM users


def test_iam_user_access_key_secret_is_shown_once(client, learner):
    response = client.post(reverse("sandbox:iam"), {"name": "alice"})
    assert response.status_code == 302
    created = client.post(reverse("sandbox:iam_user_action", args=["alice", "access-key"]))
    (key,) = stored(learner).iamUsers["alice"].accessKeys
    assert created.status_code == 200 and key.secretAccessKey in error_text(created)
    later = error_text(client.get(reverse("sandbox:iam_user", args=["alice"])))
    assert key.accessKeyId in later and key.secretAccessKey not in later


def test_duplicate_or_invalid_iam_users_are_refused(client, learner):
    client.post(reverse("sandbox:iam"), {"name": "alice"})
    again = client.post(reverse("sandbox:iam"), {"name": "alice"})
    assert again.status_code == 422 and "already exists" in error_text(again)
    bad = client.post(reverse("sandbox:iam"), {"name": "no spaces please"})
    assert bad.status_code == 422
    assert list(stored(learner).iamUsers) == ["alice"]


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:123456789012:*/*/GET/*",
        }
    ],
}


def test_identity_policies_are_validated_added_edited_and_removed(client, learner):
    client.post(reverse("sandbox:iam"), {"name": "alice"})
    bad = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "Invoke", "Resource": "*"}],
    }
    refused = client.post(reverse("sandbox:iam_user_action", args=["alice", "policy"]), {"document": json.dumps(bad)})
    text = error_text(refused)
    assert refused.status_code == 422
    assert (
        "Statement[0].Effect" in text
        and "should not specify a principal" in text
        and "must be prefaced by a vendor" in text
    )
    assert stored(learner).iamUsers["alice"].policies == []
    client.post(reverse("sandbox:iam_user_action", args=["alice", "policy"]), {"document": json.dumps(POLICY)})
    (saved,) = stored(learner).iamUsers["alice"].policies
    assert json.loads(saved) == POLICY
    deny = {**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Deny"}]}
    client.post(reverse("sandbox:iam_user_item", args=["alice", "policy", 0]), {"document": json.dumps(deny)})
    assert json.loads(stored(learner).iamUsers["alice"].policies[0])["Statement"][0]["Effect"] == "Deny"
    client.post(reverse("sandbox:iam_user_item", args=["alice", "remove-policy", 0]))
    assert stored(learner).iamUsers["alice"].policies == []


def test_another_learners_iam_user_is_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        account.iamUsers["bob"] = gw.model.resources.IamUser(name="bob")
    assert client.get(reverse("sandbox:iam_user", args=["bob"])).status_code == 404
    assert client.post(reverse("sandbox:iam_user_action", args=["bob", "access-key"])).status_code == 404
    assert stored(other).iamUsers["bob"].accessKeys == []


# ---------------------------------------------------------------------------------------
# Cognito


def test_pool_client_user_and_issued_tokens(client, learner):
    client.post(reverse("sandbox:create_pool"), {"name": "pets-users"})
    (pool_id,) = stored(learner).userPools
    client.post(
        reverse("sandbox:pool_action", args=[pool_id, "client"]), {"name": "web", "scopes": "pets/read pets/write"}
    )
    client.post(
        reverse("sandbox:pool_action", args=[pool_id, "user"]),
        {"username": "ada", "password": "Passw0rd!", "email": "ada@example.com"},
    )
    pool = stored(learner).userPools[pool_id]
    (web,) = pool.clients
    assert web.allowedScopes == ["pets/read", "pets/write"] and "ada" in pool.users
    response = client.post(
        reverse("sandbox:pool_action", args=[pool_id, "token"]),
        {"client": web.clientId, "username": "ada", "password": "Passw0rd!", "scopes": "pets/read", "ttl": "3600"},
    )
    text = error_text(response)
    assert response.status_code == 200 and "ID token" in text and "Access token" in text
    assert "pets/read" in text and "&quot;token_use&quot;: &quot;access&quot;" in text


def test_wrong_password_or_invalid_input_is_refused(client, learner):
    client.post(reverse("sandbox:create_pool"), {"name": "pool"})
    (pool_id,) = stored(learner).userPools
    client.post(reverse("sandbox:pool_action", args=[pool_id, "client"]), {"name": "web"})
    client.post(reverse("sandbox:pool_action", args=[pool_id, "user"]), {"username": "ada", "password": "Passw0rd!"})
    client_id = stored(learner).userPools[pool_id].clients[0].clientId
    wrong = client.post(
        reverse("sandbox:pool_action", args=[pool_id, "token"]),
        {"client": client_id, "username": "ada", "password": "nope", "ttl": "3600"},
    )
    assert wrong.status_code == 422 and "Incorrect username or password" in error_text(wrong)
    short = client.post(reverse("sandbox:pool_action", args=[pool_id, "user"]), {"username": "bo", "password": "short"})
    assert short.status_code == 422
    duplicate = client.post(
        reverse("sandbox:pool_action", args=[pool_id, "user"]), {"username": "ada", "password": "Another1!"}
    )
    assert duplicate.status_code == 422 and "User account already exists" in error_text(duplicate)
    assert list(stored(learner).userPools[pool_id].users) == ["ada"]


def test_another_learners_pool_is_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        pool = cognito.create_user_pool(account, "theirs")
    assert client.get(reverse("sandbox:pool", args=[pool.id])).status_code == 404
    assert client.post(reverse("sandbox:pool_action", args=[pool.id, "client"]), {"name": "x"}).status_code == 404
    assert stored(other).userPools[pool.id].clients == []


# ---------------------------------------------------------------------------------------
# REST API authorizers


GATE_CASES = [
    {"when": {"token": "allow"}, "effect": "Allow", "principalId": "alice", "context": {"plan": "gold"}},
    {"when": {"token": "deny"}, "effect": "Deny", "principalId": "mallory"},
]


@pytest.fixture
def gate(learner):
    with SandboxAccount.editing(learner) as account:
        return gw.create_function(account, "gate", {"kind": "authorizer", "cases": GATE_CASES}).arn


def test_token_authorizer_is_created_and_tested_through_the_engine(client, learner, api_id, gate):
    response = client.post(
        reverse("sandbox:create_authorizer", args=[api_id]),
        {
            "name": "gate",
            "type": "TOKEN",
            "function": gate,
            "identity_source": "method.request.header.Authorization",
            "ttl": "300",
        },
    )
    assert response.status_code == 302
    (authorizer,) = stored(learner).restApis[api_id].authorizers.values()
    assert authorizer.type == "TOKEN" and authorizer.authorizerUri.endswith(":function:gate/invocations")
    test_url = reverse("sandbox:test_authorizer", args=[api_id, authorizer.id])
    allowed = client.post(test_url, {"method": "GET", "path": "/pets", "stage": "dev", "token": "allow"})
    text = error_text(allowed)
    assert allowed.status_code == 200 and "Allowed" in text and "alice" in text
    assert "&quot;Effect&quot;: &quot;Allow&quot;" in text and "&quot;plan&quot;: &quot;gold&quot;" in text
    denied = error_text(client.post(test_url, {"method": "GET", "path": "/pets", "stage": "dev", "token": "deny"}))
    assert "403" in denied and "explicit deny" in denied
    missing = error_text(client.post(test_url, {"method": "GET", "path": "/pets", "stage": ""}))
    assert "401" in missing and "identity source is missing" in missing


def test_cognito_authorizer_test_shows_the_claims(client, learner, api_id):
    with SandboxAccount.editing(learner) as account:
        pool = cognito.create_user_pool(account, "pool")
        web = cognito.create_client(pool, "web")
        cognito.create_user(pool, "ada", "Passw0rd!")
    client.post(
        reverse("sandbox:create_authorizer", args=[api_id]),
        {"name": "users", "type": "COGNITO_USER_POOLS", "pools": [pool.arn], "ttl": "300"},
    )
    (authorizer,) = stored(learner).restApis[api_id].authorizers.values()
    pool = stored(learner).userPools[pool.id]
    token = cognito.issue_tokens(pool, web.clientId, "ada", "Passw0rd!", now=time.time())["IdToken"]
    response = client.post(
        reverse("sandbox:test_authorizer", args=[api_id, authorizer.id]),
        {"method": "GET", "path": "/pets", "token": token},
    )
    text = error_text(response)
    assert "Allowed" in text and "cognito:username" in text


def test_invalid_authorizers_are_refused(client, learner, api_id):
    response = client.post(
        reverse("sandbox:create_authorizer", args=[api_id]), {"name": "gate", "type": "TOKEN", "ttl": "300"}
    )
    assert response.status_code == 422 and "a Lambda authorizer needs a function" in error_text(response)
    cognito_without_pool = client.post(
        reverse("sandbox:create_authorizer", args=[api_id]),
        {"name": "users", "type": "COGNITO_USER_POOLS", "ttl": "9999"},
    )
    assert cognito_without_pool.status_code == 422
    assert stored(learner).restApis[api_id].authorizers == {}


def test_an_authorizer_in_use_cannot_be_deleted(client, learner, api_id, gate):
    client.post(
        reverse("sandbox:create_authorizer", args=[api_id]),
        {"name": "gate", "type": "TOKEN", "function": gate, "ttl": "0"},
    )
    (authorizer_id,) = stored(learner).restApis[api_id].authorizers
    with SandboxAccount.editing(learner) as account:
        api = account.restApis[api_id]
        gw.update_method(
            api, api.resource_by_path("/pets").id, "GET", authorizationType="CUSTOM", authorizerId=authorizer_id
        )
    refused = client.post(reverse("sandbox:delete_authorizer", args=[api_id, authorizer_id]))
    assert refused.status_code == 422 and "in use by GET /pets" in error_text(refused)
    assert authorizer_id in stored(learner).restApis[api_id].authorizers


def test_another_learners_authorizers_are_404(client, learner, other, other_api):
    assert client.get(reverse("sandbox:authorizers", args=[other_api])).status_code == 404
    response = client.post(reverse("sandbox:create_authorizer", args=[other_api]), {"name": "x", "type": "TOKEN"})
    assert response.status_code == 404
    assert stored(other).restApis[other_api].authorizers == {}


# ---------------------------------------------------------------------------------------
# Traffic generator


def throttled_plan(user, api_id: str) -> str:
    with SandboxAccount.editing(user) as account:
        key = traffic.create_api_key(account, "client", enabled=True)
        plan = traffic.create_usage_plan(account, "tight", throttle={"rateLimit": 1, "burstLimit": 1})
        traffic.add_api_stage(account, plan.id, api_id, "dev")
        traffic.create_usage_plan_key(account, plan.id, key.id)
    return key.value


def test_traffic_generator_produces_429s_with_a_throttled_usage_plan(client, learner):
    api_id = build_api(learner, key_required=True)
    value = throttled_plan(learner, api_id)
    response = client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/pets", "api_key": value, "count": "20", "rate": "20"},
    )
    text = error_text(response)
    assert response.status_code == 200
    assert "status 429" in text and "status 200" in text
    assert "throttled key" in text  # why, from the execution log
    assert text.count('class="chart"') >= 4  # allowed, throttled, and one per status
    without_key = error_text(
        client.post(
            reverse("sandbox:traffic", args=[api_id]),
            {"stage": "dev", "method": "GET", "path": "/pets", "count": "2", "rate": "1"},
        )
    )
    assert "status 403" in without_key


def test_traffic_generator_caps_a_run_at_500_requests(client, learner, api_id):
    page = error_text(client.get(reverse("sandbox:traffic", args=[api_id])))
    assert "at most <strong>500 requests</strong>" in page
    refused = client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/pets", "count": "501", "rate": "100"},
    )
    assert refused.status_code == 422
    assert "A run sends at most 500 requests" in error_text(refused)
    now = time.time()
    assert TELEMETRY.series(api_id, "dev", "Count", start=now - 3600, end=now + 86400) == []
    full = client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/pets", "count": "500", "rate": "1000"},
    )
    assert full.status_code == 200
    assert sum(v for _, v in TELEMETRY.series(api_id, "dev", "Count", start=now - 3600, end=now + 86400)) == 500


def test_another_learners_api_cannot_get_traffic(client, learner, other, other_api):
    response = client.post(
        reverse("sandbox:traffic", args=[other_api]),
        {"stage": "dev", "method": "GET", "path": "/pets", "count": "5", "rate": "5"},
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------
# Metrics and logs


def test_metrics_charts_and_logs_with_filters(client, learner, api_id):
    client.post(stage_url(api_id, "method-settings"), {**METHOD_SETTINGS, "key": "*/*", "logging_level": "INFO"})
    client.post(
        stage_url(api_id, "settings"), {"access_log_format": '{"id":"$context.requestId","status":"$context.status"}'}
    )
    client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/pets", "count": "5", "rate": "5"},
    )
    client.post(
        reverse("sandbox:traffic", args=[api_id]),
        {"stage": "dev", "method": "GET", "path": "/nowhere", "count": "2", "rate": "5"},
    )
    page = client.get(reverse("sandbox:metrics", args=[api_id]))
    text = error_text(page)
    assert page.status_code == 200
    for title in ("Requests (Count)", "Latency (ms, average)", "4XX errors", "5XX errors", "Cache hits"):
        assert title in text
    assert text.count('class="chart"') == 7
    assert "Method completed with status: 200" in text and "&quot;status&quot;:&quot;200&quot;" in text
    errors_only = error_text(
        client.get(reverse("sandbox:metrics", args=[api_id]), {"stage": "dev", "window": "60", "level": "ERROR"})
    )
    assert "Method completed with status: 200" not in errors_only
    searched = error_text(
        client.get(reverse("sandbox:metrics", args=[api_id]), {"stage": "dev", "window": "60", "q": "status: 403"})
    )
    assert "Method completed with status: 403" in searched and "Method completed with status: 200" not in searched
    canary = error_text(
        client.get(reverse("sandbox:metrics", args=[api_id]), {"stage": "dev", "window": "60", "canary": "on"})
    )
    assert "No execution log event matches" in canary
    assert client.get(reverse("sandbox:metrics", args=[api_id]), {"stage": "nope", "window": "60"}).status_code == 422


def test_another_learners_metrics_are_404(client, learner, other_api):
    assert client.get(reverse("sandbox:metrics", args=[other_api])).status_code == 404


# ---------------------------------------------------------------------------------------
# OpenAPI


PETS_YAML = """
openapi: 3.0.1
info: {title: Imported pets, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200": {description: ok}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
"""

BAD_YAML = """
openapi: 3.0.1
info: {title: Bad, version: "1"}
paths:
  /pets:
    get:
      responses:
        "abc": {description: x}
      x-amazon-apigateway-integration:
        type: NOPE
"""


def test_openapi_import_of_a_bad_document_lists_every_pointer(client, learner):
    response = client.post(reverse("sandbox:openapi_import"), {"text": BAD_YAML, "mode": "overwrite"})
    text = error_text(response)
    assert response.status_code == 422
    assert "2 problems: nothing was imported" in text
    assert "<code>/paths/~1pets/get/responses/abc</code>" in text
    assert "<code>/paths/~1pets/get/x-amazon-apigateway-integration/type</code>" in text
    assert stored(learner).restApis == {}
    empty = client.post(reverse("sandbox:openapi_import"), {"mode": "overwrite"})
    assert empty.status_code == 422 and "Upload a file or paste" in error_text(empty)


def test_openapi_import_from_a_file_deploys_and_merges(client, learner):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("pets.yaml", PETS_YAML.encode(), content_type="application/yaml")
    response = client.post(
        reverse("sandbox:openapi_import"), {"file": upload, "mode": "overwrite", "deploy_stage": "v1"}
    )
    assert response.status_code == 302
    (api,) = stored(learner).restApis.values()
    assert api.name == "Imported pets" and "v1" in api.stages and api.resource_by_path("/pets")
    owners = PETS_YAML.replace("/pets:", "/owners:")
    client.post(reverse("sandbox:openapi_import"), {"text": owners, "target": api.id, "mode": "merge"})
    merged = stored(learner).restApis[api.id]
    assert merged.resource_by_path("/pets") and merged.resource_by_path("/owners")


def test_export_downloads_json_or_yaml(client, learner, api_id):
    url = reverse("sandbox:openapi_export", args=[api_id])
    response = client.get(url, {"fmt": "json", "version": "oas30", "extensions": "on", "stage": "dev"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert 'attachment; filename="pets-dev-oas30.json"' == response["Content-Disposition"]
    document = json.loads(response.content)
    assert "/pets" in document["paths"] and "x-amazon-apigateway-integration" in document["paths"]["/pets"]["get"]
    plain = client.get(url, {"fmt": "yaml", "version": "swagger"})
    swagger = yaml.safe_load(plain.content)
    assert swagger["swagger"] == "2.0" and "x-amazon-apigateway-integration" not in swagger["paths"]["/pets"]["get"]
    assert client.get(url, {"fmt": "xml", "version": "oas30"}).status_code == 422


def test_sdk_download_is_valid_python_with_this_sites_base_url(client, learner, api_id):
    response = client.get(reverse("sandbox:openapi_sdk", args=[api_id]), {"stage": "dev", "language": "python"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="pets_client.py"'
    code = response.content.decode()
    compile(code, "pets_client.py", "exec")
    assert f"http://{api_id}.execute-api.localhost/dev" in code
    js = client.get(reverse("sandbox:openapi_sdk", args=[api_id]), {"stage": "dev", "language": "javascript"})
    assert js.status_code == 200 and "fetch" in js.content.decode()
    assert (
        client.get(reverse("sandbox:openapi_sdk", args=[api_id]), {"stage": "prod", "language": "python"}).status_code
        == 422
    )


def test_another_learners_api_cannot_be_exported_or_imported_into(client, learner, other, other_api):
    assert client.get(reverse("sandbox:openapi_export", args=[other_api])).status_code == 404
    assert (
        client.get(reverse("sandbox:openapi_sdk", args=[other_api]), {"stage": "dev", "language": "python"}).status_code
        == 404
    )
    response = client.post(
        reverse("sandbox:openapi_import"), {"text": PETS_YAML, "target": other_api, "mode": "overwrite"}
    )
    assert response.status_code == 422
    assert stored(other).restApis[other_api].name == "Pets" and stored(learner).restApis == {}
    assert other_api not in error_text(client.get(reverse("sandbox:openapi")))


# ---------------------------------------------------------------------------------------
# HTTP APIs


@pytest.fixture
def http_api_id(learner):
    with SandboxAccount.editing(learner) as account:
        return v2.create_http_api(account, "Pets HTTP", now=time.time()).apiId


def http_url(api_id, action=None, item=None):
    if action is None:
        return reverse("sandbox:http_api", args=[api_id])
    if item is None:
        return reverse("sandbox:http_action", args=[api_id, action])
    return reverse("sandbox:http_item", args=[api_id, action, item])


def test_http_api_routes_integrations_and_auto_deploy(client, learner, http_api_id):
    echo = stored(learner).functions["echo"].arn
    response = client.post(http_url(http_api_id, "integration"), {"type": "AWS_PROXY", "function": echo})
    assert response.status_code == 302
    (integration_id,) = stored(learner).v2Apis[http_api_id].integrations
    client.post(
        http_url(http_api_id, "route"),
        {"route_key": "GET /pets/{id}", "integration": integration_id, "authorization_type": "NONE"},
    )
    api = stored(learner).v2Apis[http_api_id]
    (route,) = api.routes.values()
    assert route.routeKey == "GET /pets/{id}" and route.target == f"integrations/{integration_id}"
    assert api.stages["$default"].deploymentId  # autoDeploy
    page = error_text(client.get(http_url(http_api_id)))
    assert f"http://{http_api_id}.execute-api.localhost/$default/" in page and "up to date" in page
    called = client.get(f"/gw/{http_api_id}/$default/pets/7")
    assert called.status_code == 200 and json.loads(called.content)["pathParameters"] == {"id": "7"}


def test_http_api_jwt_authorizer_cors_and_stages(client, learner, http_api_id):
    with SandboxAccount.editing(learner) as account:
        pool = cognito.create_user_pool(account, "users")
        web = cognito.create_client(pool, "web")
    response = client.post(
        http_url(http_api_id, "jwt-authorizer"),
        {"name": "jwt", "pool": pool.id, "identity_source": "$request.header.Authorization"},
    )
    assert response.status_code == 302
    (authorizer,) = stored(learner).v2Apis[http_api_id].authorizers.values()
    assert authorizer.jwtConfiguration == {"issuer": pool.issuer, "audience": [web.clientId]}
    client.post(
        http_url(http_api_id, "cors"),
        {"allow_origins": "https://app.example.com", "allow_methods": "get post", "max_age": "600"},
    )
    cors = stored(learner).v2Apis[http_api_id].corsConfiguration
    assert (
        cors.allowOrigins == ["https://app.example.com"] and cors.allowMethods == ["GET", "POST"] and cors.maxAge == 600
    )
    client.post(http_url(http_api_id, "stage"), {"name": "prod", "variables": "env=prod"})
    prod = stored(learner).v2Apis[http_api_id].stages["prod"]
    assert prod.autoDeploy is False and prod.stageVariables == {"env": "prod"}
    client.post(http_url(http_api_id, "stage-action", "prod"), {"action": "auto_on"})
    assert stored(learner).v2Apis[http_api_id].stages["prod"].autoDeploy is True


def test_http_api_invalid_input_is_refused(client, learner, http_api_id):
    bad_route = client.post(http_url(http_api_id, "route"), {"route_key": "get pets", "authorization_type": "NONE"})
    assert bad_route.status_code == 422 and "an HTTP route key is $default or" in error_text(bad_route)
    bad_cors = client.post(http_url(http_api_id, "cors"), {"allow_origins": "*", "allow_credentials": "on"})
    assert bad_cors.status_code == 422 and "credentials cannot be allowed together with the origin *" in error_text(
        bad_cors
    )
    bad_integration = client.post(http_url(http_api_id, "integration"), {"type": "HTTP_PROXY", "uri": "ftp://nope"})
    assert bad_integration.status_code == 422
    api = stored(learner).v2Apis[http_api_id]
    assert api.routes == {} and api.corsConfiguration is None and api.integrations == {}


def test_a_rest_only_feature_on_an_http_api_shows_the_engines_explanation(client, learner, http_api_id):
    response = client.post(http_url(http_api_id, "rest-only"), {"feature": "usage plans"})
    text = error_text(response)
    assert response.status_code == 200
    assert "HTTP APIs do not have usage plans; use a REST API for that" in text


def test_another_learners_http_api_is_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        theirs = v2.create_http_api(account, "theirs").apiId
    assert client.get(http_url(theirs)).status_code == 404
    assert (
        client.post(http_url(theirs, "route"), {"route_key": "$default", "authorization_type": "NONE"}).status_code
        == 404
    )
    assert stored(other).v2Apis[theirs].routes == {}


def test_a_rest_api_id_is_not_an_http_api(client, api_id):
    assert client.get(http_url(api_id)).status_code == 404
    assert client.get(reverse("sandbox:ws", args=[api_id])).status_code == 404


# ---------------------------------------------------------------------------------------
# WebSocket console


def ws_url(api_id, action=None, item=None):
    if action is None:
        return reverse("sandbox:ws", args=[api_id])
    if item is None:
        return reverse("sandbox:ws_action", args=[api_id, action])
    return reverse("sandbox:ws_item", args=[api_id, action, item])


@pytest.fixture
def chat(client, learner):
    """A WebSocket API built through the console: echo integration, $connect, sendMessage, $default, stage dev."""
    with SandboxAccount.editing(learner) as account:
        api_id = v2.create_websocket_api(account, "chat", now=time.time()).apiId
    echo = stored(learner).functions["echo"].arn
    assert client.post(ws_url(api_id, "integration"), {"type": "AWS_PROXY", "function": echo}).status_code == 302
    (integration_id,) = stored(learner).v2Apis[api_id].integrations
    for key, answer in (("$connect", False), ("sendMessage", True), ("$default", True)):
        data = {"route_key": key, "integration": integration_id, "authorization_type": "NONE"}
        if answer:
            data["route_response"] = "on"
        assert client.post(ws_url(api_id, "route"), data).status_code == 302
    assert client.post(ws_url(api_id, "stage"), {"name": "dev", "auto_deploy": "on"}).status_code == 302
    return api_id


def test_websocket_connect_and_send_select_the_right_route(client, learner, chat):
    connected = client.post(ws_url(chat, "connect"), {"stage": "dev"})
    text = error_text(connected)
    assert connected.status_code == 200 and "101" in text and "Connected" in text
    (connection_id,) = stored(learner).wsConnections
    sent = error_text(
        client.post(
            ws_url(chat, "send"), {"connection": connection_id, "message": '{"action": "sendMessage", "text": "hi"}'}
        )
    )
    assert "Route selected: <code>sendMessage</code>" in sent
    assert "&quot;routeKey&quot;: &quot;sendMessage&quot;" in sent or "sendMessage" in sent
    other = error_text(
        client.post(ws_url(chat, "send"), {"connection": connection_id, "message": '{"action": "unknown"}'})
    )
    assert "Route selected: <code>$default</code>" in other
    outbox = stored(learner).wsConnections[connection_id].outbox
    assert len(outbox) == 2 and json.loads(outbox[0]["data"])["body"] == '{"action": "sendMessage", "text": "hi"}'


def test_websocket_connections_management_api(client, learner, chat):
    client.post(ws_url(chat, "connect"), {"stage": "dev"})
    (connection_id,) = stored(learner).wsConnections
    posted = error_text(
        client.post(
            ws_url(chat, "manage"), {"action": "post", "stage": "dev", "connection_id": connection_id, "data": "ping"}
        )
    )
    assert "200" in posted and stored(learner).wsConnections[connection_id].outbox[-1]["data"] == "ping"
    info = error_text(
        client.post(ws_url(chat, "manage"), {"action": "get", "stage": "dev", "connection_id": connection_id})
    )
    assert "ConnectedAt" in info and "SourceIp" in info
    client.post(ws_url(chat, "manage"), {"action": "delete", "stage": "dev", "connection_id": connection_id})
    assert stored(learner).wsConnections == {}
    gone = error_text(
        client.post(ws_url(chat, "manage"), {"action": "get", "stage": "dev", "connection_id": connection_id})
    )
    assert "410" in gone and "GoneException" in gone


def test_websocket_skipping_ahead_shows_the_idle_timeout(client, learner, chat):
    client.post(ws_url(chat, "connect"), {"stage": "dev"})
    (connection_id,) = stored(learner).wsConnections
    later = error_text(client.post(ws_url(chat, "skip"), {"connection": connection_id, "seconds": "60"}))
    assert "Clock skipped ahead" in later and "still open" in later
    assert "runs 1 min ahead" in error_text(client.get(ws_url(chat)))
    idle = error_text(client.post(ws_url(chat, "skip"), {"connection": connection_id, "seconds": "600"}))
    assert "Closed by the gateway" in idle and "idle for 10 minutes" in idle and "$disconnect ran" in idle
    assert stored(learner).wsConnections == {}
    assert client.post(ws_url(chat, "skip"), {"connection": connection_id, "seconds": "600"}).status_code == 422
    assert client.post(ws_url(chat, "skip"), {"connection": connection_id, "seconds": "5"}).status_code == 422


def test_websocket_connect_authorizer_reads_the_headers(client, learner, chat):
    allow = {
        "principalId": "ada",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
        },
    }
    with SandboxAccount.editing(learner) as account:
        gate = gw.create_function(account, "wsgate", {"kind": "response", "response": allow}).arn
    client.post(
        ws_url(chat, "lambda-authorizer"),
        {"name": "gate", "function": gate, "identity_source": "route.request.header.Auth", "ttl": "0"},
    )
    (authorizer_id,) = stored(learner).v2Apis[chat].authorizers
    connect_route = v2.route_by_key(stored(learner).v2Apis[chat], "$connect")
    client.post(
        ws_url(chat, "route"),
        {
            "route_key": "$connect",
            "integration": connect_route.target.removeprefix("integrations/"),
            "authorization_type": "CUSTOM",
            "authorizer": authorizer_id,
        },
    )
    refused = error_text(client.post(ws_url(chat, "connect"), {"stage": "dev"}))
    assert "401" in refused and "Handshake refused" in refused
    assert stored(learner).wsConnections == {}
    accepted = error_text(client.post(ws_url(chat, "connect"), {"stage": "dev", "headers": "Auth: yes"}))
    assert "101" in accepted
    (connection,) = stored(learner).wsConnections.values()
    assert connection.authorizer["principalId"] == "ada"


def test_websocket_invalid_input_is_refused(client, learner, chat):
    not_connected = client.post(ws_url(chat, "send"), {"connection": "nope", "message": "{}"})
    assert not_connected.status_code == 422
    authorized_message_route = client.post(
        ws_url(chat, "route"), {"route_key": "sendMessage", "authorization_type": "CUSTOM"}
    )
    assert authorized_message_route.status_code == 422
    assert stored(learner).wsConnections == {}


def test_another_learners_websocket_api_is_404(client, learner, other):
    with SandboxAccount.editing(other) as account:
        theirs = v2.create_websocket_api(account, "theirs").apiId
    assert client.get(ws_url(theirs)).status_code == 404
    assert client.post(ws_url(theirs, "connect"), {"stage": "dev"}).status_code == 404
    assert client.post(ws_url(theirs, "stage"), {"name": "dev"}).status_code == 404
    assert stored(other).v2Apis[theirs].stages == {}


def test_usage_report_date_filters_show_their_values_as_iso_dates(client, learner):
    with SandboxAccount.editing(learner) as account:
        plan = traffic.create_usage_plan(account, "p")
    default = client.get(reverse("sandbox:plan_usage", args=[plan.id])).content.decode()
    assert re.search(r'type="date" name="start" value="\d{4}-\d\d-\d\d"', default)
    chosen = client.get(reverse("sandbox:plan_usage", args=[plan.id]), {"start": "2025-01-01", "end": "2025-01-07"})
    html = chosen.content.decode()
    assert 'value="2025-01-01"' in html and 'value="2025-01-07"' in html
