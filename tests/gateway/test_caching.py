"""The stage cache: hits, misses, TTL, keys, invalidation under each strategy, flush, canary."""

from __future__ import annotations

import json

import pytest

import gateway as gw
from gateway.model.call import Request
from gateway.rest.pipeline import invoke
from gateway.traffic import cache as caching
from tests.gateway.conftest import NOW, add_method, call, deploy


def counting_api(account, api, *, cache_keys=None, method="GET"):
    """A backend whose answer changes on every call, so a cached answer is visible."""
    account.httpServices["count.example.internal"] = gw.HttpService(host="count.example.internal", kind="echo")
    resource = add_method(
        account,
        api,
        "/items",
        method,
        "HTTP",
        uri="http://count.example.internal/items",
        httpMethod="GET",
        cacheKeyParameters=cache_keys or [],
        requestParameters={"integration.request.querystring.type": "method.request.querystring.type"}
        if cache_keys
        else {},
    )
    if cache_keys:
        gw.update_method(api, resource.id, method, requestParameters={"method.request.querystring.type": False})
    gw.put_integration_response(
        api,
        resource.id,
        method,
        "200",
        responseTemplates={"application/json": '{"served": "$context.requestId", "type": "$input.params(\'type\')"}'},
    )
    deploy(account, api)
    caching.enable_stage_cache(api.stages["dev"], ttl=60)
    return resource


def at(account, api, t, *, method="GET", query=(), headers=(), runtime=None):
    return invoke(account, Request(api.id, "dev", method, "/items", list(query), list(headers), time=t))


def test_second_call_within_ttl_is_a_hit_with_the_same_body(account, api):
    counting_api(account, api)
    first, second = at(account, api, NOW), at(account, api, NOW + 5)
    assert (first.cache, second.cache) == ("miss", "hit")
    assert first.json() == second.json()
    assert second.integration_latency_ms == 0
    assert any("Sending cached response" in line.message for line in second.log)


def test_entry_expires_after_the_ttl(account, api):
    counting_api(account, api)
    first = at(account, api, NOW)
    later = at(account, api, NOW + 61)
    assert later.cache == "miss" and later.json() != first.json()


def test_ttl_zero_disables_caching(account, api):
    counting_api(account, api)
    gw.update_method_settings(api.stages["dev"], "*/*", cacheTtlInSeconds=0)
    assert at(account, api, NOW).cache is None and at(account, api, NOW + 1).cache is None


def test_only_get_is_cached_by_default(account, api):
    counting_api(account, api, method="POST")
    assert at(account, api, NOW, method="POST").cache is None


def test_cache_key_parameters_separate_entries(account, api):
    counting_api(account, api, cache_keys=["method.request.querystring.type"])
    dog = at(account, api, NOW, query=[("type", "dog")])
    cat = at(account, api, NOW + 1, query=[("type", "cat")])
    dog_again = at(account, api, NOW + 2, query=[("type", "dog")])
    assert (dog.cache, cat.cache, dog_again.cache) == ("miss", "miss", "hit")
    assert dog_again.json() == dog.json() != cat.json()


def test_without_cache_key_parameters_query_strings_share_one_entry(account, api):
    counting_api(account, api)
    assert at(account, api, NOW, query=[("type", "dog")]).cache == "miss"
    assert at(account, api, NOW + 1, query=[("type", "cat")]).cache == "hit"


@pytest.mark.parametrize(
    ("require", "strategy", "status", "cache", "warning"),
    [
        (False, "SUCCEED_WITH_RESPONSE_HEADER", 200, "miss", False),  # anyone may invalidate
        (True, "FAIL_WITH_403", 403, None, False),
        (True, "SUCCEED_WITH_RESPONSE_HEADER", 200, "hit", True),
        (True, "SUCCEED_WITHOUT_RESPONSE_HEADER", 200, "hit", False),
    ],
)
def test_cache_control_max_age_0_from_an_unauthorized_caller(account, api, require, strategy, status, cache, warning):
    counting_api(account, api)
    gw.update_method_settings(
        api.stages["dev"],
        "*/*",
        requireAuthorizationForCacheControl=require,
        unauthorizedCacheControlHeaderStrategy=strategy,
    )
    at(account, api, NOW)
    response = at(account, api, NOW + 1, headers=[("Cache-Control", "max-age=0")])
    assert response.status == status
    assert response.cache == cache
    assert (response.header("Warning") is not None) == warning


def test_flush_empties_the_stage_cache_at_once(account, api, runtime):
    counting_api(account, api)
    at(account, api, NOW)
    assert caching.flush_stage_cache(runtime.store, api.id, "dev") == 1
    assert at(account, api, NOW + 1).cache == "miss"


def test_responses_over_1_mb_are_not_cached(account, api):
    account.httpServices["big.example.internal"] = gw.HttpService(
        host="big.example.internal", kind="status", body="x" * 1_100_000
    )
    resource = add_method(account, api, "/big", "GET", "HTTP", uri="http://big.example.internal/", httpMethod="GET")
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    caching.enable_stage_cache(api.stages["dev"])
    first = call(account, api, "GET", "/big")
    assert len(first.text) > 1_048_576
    assert call(account, api, "GET", "/big").cache == "miss"


def test_canary_has_its_own_cache_unless_use_stage_cache(account, api):
    counting_api(account, api)
    gw.create_deployment(account, api, stage_name="dev", canary={"percentTraffic": 100.0}, now=NOW)
    at(account, api, NOW)
    assert at(account, api, NOW + 1).cache == "hit"  # the canary's own cache
    api.stages["dev"].canarySettings.percentTraffic = 0.0
    assert at(account, api, NOW + 2).cache == "miss"  # the stage's cache is separate
    api.stages["dev"].canarySettings.useStageCache = True
    api.stages["dev"].canarySettings.percentTraffic = 100.0
    assert at(account, api, NOW + 3).cache == "hit"


def test_cache_sizes_are_aws_sizes(account, api):
    counting_api(account, api)
    with pytest.raises(gw.ValidationError, match="0.5, 1.6"):
        caching.enable_stage_cache(api.stages["dev"], size="2")
    assert json.loads(json.dumps(account.to_dict()))
