"""API keys, usage plans, throttling and quotas, with a controlled clock."""

from __future__ import annotations

import threading

import pytest

import gateway as gw
from gateway.model.state import MemoryStore
from gateway.traffic import limits as traffic
from tests.gateway.conftest import NOW, call, deploy, mock_200

FORBIDDEN = {"message": "Forbidden"}
KEY = "a-learner-api-key-value-0001"


def keyed_api(account, api, **plan):
    resource = mock_200(account, api, "/pets", response_template='{"pets": []}')
    gw.update_method(api, resource.id, "GET", apiKeyRequired=True)
    deploy(account, api, "prod")
    key = traffic.create_api_key(account, "customer", value=KEY, enabled=True, now=NOW)
    usage_plan = traffic.create_usage_plan(account, "basic", **plan)
    return key, usage_plan


def test_the_four_steps_make_a_key_work_and_the_missing_association_is_403(account, api):
    key, plan = keyed_api(account, api)
    headers = {"x-api-key": KEY}
    # Key created, plan created, but the stage and the key are not associated yet.
    response = call(account, api, path="/pets", stage="prod", headers=headers)
    assert (response.status, response.json()) == (403, FORBIDDEN)
    assert response.header("x-amzn-ErrorType") == "ForbiddenException"
    assert any("no usage plan for stage prod contains it" in line.message for line in response.log)
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    assert call(account, api, path="/pets", stage="prod", headers=headers).status == 403  # still not in the plan
    traffic.create_usage_plan_key(account, plan.id, key.id)  # the fix: CreateUsagePlanKey
    response = call(account, api, path="/pets", stage="prod", headers=headers)
    assert response.status == 200 and response.api_key_id == key.id


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "unknown-value-1234567890"}])
def test_missing_or_unknown_key_is_403(account, api, headers):
    key, plan = keyed_api(account, api)
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, key.id)
    assert call(account, api, path="/pets", stage="prod", headers=headers).json() == FORBIDDEN


def test_a_key_created_without_enabled_is_disabled_and_gets_403(account, api):
    keyed_api(account, api)
    disabled = traffic.create_api_key(account, "new", value="b-learner-api-key-value-0002")
    assert disabled.enabled is False
    plan = traffic.create_usage_plan(account, "p2")
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, disabled.id)
    assert call(account, api, path="/pets", stage="prod", headers={"x-api-key": disabled.value}).status == 403


def test_key_values_are_20_to_128_characters(account):
    with pytest.raises(gw.ValidationError, match="20 to 128"):
        traffic.create_api_key(account, "short", value="too-short")
    assert len(traffic.create_api_key(account, "generated").value) == 40


def test_usage_plan_throttle_gives_429_then_refills(account, api):
    key, plan = keyed_api(account, api, throttle={"rateLimit": 1, "burstLimit": 2})
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, key.id)
    headers = {"x-api-key": KEY}
    statuses = [call(account, api, path="/pets", stage="prod", headers=headers).status for _ in range(3)]
    assert statuses == [200, 200, 429]
    throttled = call(account, api, path="/pets", stage="prod", headers=headers)
    assert throttled.json() == {"message": "Too Many Requests"}
    assert throttled.header("x-amzn-ErrorType") == "TooManyRequestsException"
    from gateway.model.call import Request
    from gateway.rest.pipeline import invoke

    refilled = invoke(account, Request(api.id, "prod", "GET", "/pets", headers=[("x-api-key", KEY)], time=NOW + 1.0))
    assert refilled.status == 200


def test_per_method_throttle_override_in_the_plan(account, api):
    key, plan = keyed_api(account, api, throttle={"rateLimit": 100, "burstLimit": 100})
    traffic.add_api_stage(account, plan.id, api.id, "prod", throttle={"/pets/GET": {"rateLimit": 1, "burstLimit": 1}})
    traffic.create_usage_plan_key(account, plan.id, key.id)
    statuses = [call(account, api, path="/pets", stage="prod", headers={"x-api-key": KEY}).status for _ in range(2)]
    assert statuses == [200, 429]


def test_quota_gives_429_limit_exceeded_and_resets_the_next_day(account, api):
    from gateway.model.call import Request
    from gateway.rest.pipeline import invoke

    key, plan = keyed_api(account, api, quota={"limit": 2, "period": "DAY"})
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, key.id)

    def at(t):
        return invoke(account, Request(api.id, "prod", "GET", "/pets", headers=[("x-api-key", KEY)], time=t))

    assert [at(NOW + i).status for i in range(2)] == [200, 200]
    over = at(NOW + 3)
    assert (over.status, over.json()) == (429, {"message": "Limit Exceeded"})
    assert over.header("x-amzn-ErrorType") == "LimitExceededException"
    tomorrow = (traffic.period_start("DAY", NOW).timestamp()) + 86400 + 5
    assert at(tomorrow).status == 200


def test_usage_report_per_key_per_day(account, api, runtime):
    key, plan = keyed_api(account, api, quota={"limit": 10, "period": "DAY"})
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, key.id)
    for _ in range(3):
        call(account, api, path="/pets", stage="prod", headers={"x-api-key": KEY})
    day = traffic.period_start("DAY", NOW).date().isoformat()
    usage = traffic.get_usage(account, runtime.store, plan.id, day, day)
    assert usage["items"] == {key.id: [[3, 7]]}


def test_stage_method_throttling_applies_without_keys(account, api):
    mock_200(account, api, "/open")
    deploy(account, api)
    gw.update_method_settings(
        api.stages["dev"], gw.method_setting_key("/open", "GET"), throttlingRateLimit=1, throttlingBurstLimit=2
    )
    assert [call(account, api, path="/open").status for _ in range(3)] == [200, 200, 429]


def test_account_throttle_is_the_last_limit(account, api):
    mock_200(account, api, "/open")
    deploy(account, api)
    account.accountThrottle = gw.model.resources.ThrottleSettings(burstLimit=1, rateLimit=0.5)
    assert [call(account, api, path="/open").status for _ in range(2)] == [200, 429]


def test_threads_hammering_one_bucket_never_exceed_burst_plus_rate_times_elapsed():
    store = MemoryStore()
    rate, burst = 50.0, 20
    granted = []
    clock = {"now": 0.0}
    lock = threading.Lock()

    def worker():
        for _ in range(400):
            with lock:
                clock["now"] += 0.001
                now = clock["now"]
            if store.take("bucket", rate, burst, now):
                granted.append(now)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = clock["now"]
    assert len(granted) <= burst + rate * elapsed + 1e-9
    assert len(granted) >= burst  # and it does let the burst through
