"""Benchmark: in-process invocations per second of the simulated gateway (one core).

    .venv/bin/python bench/gateway.py [--seconds 3]

Measures a MOCK method with a response template, an AWS_PROXY echo Lambda, and a 4-level
{param} route, each with 1 and with 10,000 resources defined; then a method behind an API key,
a usage plan and a stage-cache hit, and one behind a Lambda authorizer with a cached policy.
Targets on one core: MOCK + template >= 5,000/s, proxy echo >= 3,000/s, routing cost flat in
the number of resources, and the two protected methods within 2x of the plain MOCK figure.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gateway as gw  # noqa: E402
from gateway.model.call import Request, Runtime
from gateway.rest.pipeline import invoke  # noqa: E402

NOW = 1_790_000_000.0


def build(extra_resources: int):
    account = gw.Account()
    api = gw.create_rest_api(account, "bench", now=NOW)
    mock = gw.create_resource_path(account, api, "/mock")
    gw.put_method(api, mock.id, "GET")
    gw.put_integration(api, mock.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(
        api,
        mock.id,
        "GET",
        "200",
        responseTemplates={
            "application/json": '{"id": "$context.requestId", "stage": "$context.stage", "q": "$input.params(\'q\')"}'
        },
    )
    fn = gw.create_function(account, "echo", {"kind": "echo"})
    proxy = gw.create_resource_path(account, api, "/echo")
    gw.put_method(api, proxy.id, "GET")
    gw.put_integration(api, proxy.id, "GET", "AWS_PROXY", uri=fn.arn)
    deep = gw.create_resource_path(account, api, "/a/{b}/c/{d}")
    gw.put_method(api, deep.id, "GET")
    gw.put_integration(api, deep.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(api, deep.id, "GET", "200")
    for n in range(extra_resources):
        resource = gw.create_resource(account, api, api.root.id, f"r{n}")
        child = gw.create_resource(account, api, resource.id, "{id}")
        gw.put_method(api, child.id, "GET")
        gw.put_integration(api, child.id, "GET", "MOCK")
    gw.create_deployment(account, api, stage_name="dev", now=NOW)
    return account, api


def rate(account, api, path: str, seconds: float, query=(), headers=(), runtime=None) -> float:
    """Requests per second; the simulated clock advances 0.5 ms a request (2,000 rps: under every limit)."""
    rng = random.Random(1)
    runtime = runtime or Runtime()
    request = Request(api.id, "dev", "GET", path, list(query), [("User-Agent", "bench"), *headers], "", time=NOW)
    status = invoke(account, request, rng=rng, runtime=runtime).status
    assert status == 200, (path, status)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(100):
            count += 1
            request.time = NOW + count * 0.0005
            assert invoke(account, request, rng=rng, runtime=runtime).status == 200
    return count / (time.perf_counter() - start)


def build_protected():
    from gateway.auth import authorizers
    from gateway.traffic import cache as caching
    from gateway.traffic import limits as traffic

    account = gw.Account()
    api = gw.create_rest_api(account, "protected", now=NOW)
    template = {"application/json": '{"id": "$context.requestId", "who": "$context.authorizer.principalId"}'}
    keyed = gw.create_resource_path(account, api, "/keyed")
    gw.put_method(api, keyed.id, "GET", apiKeyRequired=True)
    gw.put_integration(api, keyed.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(api, keyed.id, "GET", "200", responseTemplates=template)
    fn = gw.create_function(
        account, "auth", {"kind": "authorizer", "cases": [{"when": {"token": "allow"}, "effect": "Allow"}]}
    )
    auth = authorizers.create_authorizer(account, api, "tokens", "TOKEN", function_arn=fn.arn, ttl=300)
    guarded = gw.create_resource_path(account, api, "/guarded")
    gw.put_method(api, guarded.id, "GET", authorization_type="CUSTOM", authorizerId=auth.id)
    gw.put_integration(api, guarded.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(api, guarded.id, "GET", "200", responseTemplates=template)
    gw.create_deployment(account, api, stage_name="dev", now=NOW)
    caching.enable_stage_cache(api.stages["dev"], ttl=3600)
    gw.update_method_settings(api.stages["dev"], gw.method_setting_key("/guarded", "GET"), cachingEnabled=False)
    key = traffic.create_api_key(account, "bench", value="bench-api-key-value-000000001", enabled=True)
    plan = traffic.create_usage_plan(
        account,
        "plan",
        throttle={"rateLimit": 100000, "burstLimit": 100000},
        quota={"limit": 100_000_000, "period": "DAY"},
    )
    traffic.add_api_stage(account, plan.id, api.id, "dev")
    traffic.create_usage_plan_key(account, plan.id, key.id)
    return account, api, key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    for extra in (0, 10_000):
        account, api = build(extra)
        total = len(api.resources)
        print(f"-- {total} resources")
        print(f"MOCK + response template   {rate(account, api, '/mock', args.seconds, [('q', 'x')]):8.0f} req/s")
        print(f"AWS_PROXY echo Lambda      {rate(account, api, '/echo', args.seconds, [('q', 'x')]):8.0f} req/s")
        print(f"4-level {{param}} route      {rate(account, api, '/a/1/c/2', args.seconds):8.0f} req/s")
    account, api, key = build_protected()
    print("-- protected methods")
    keyed = rate(account, api, "/keyed", args.seconds, headers=[("x-api-key", key.value)])
    guarded = rate(account, api, "/guarded", args.seconds, headers=[("Authorization", "allow")])
    print(f"API key + usage plan + cache hit {keyed:8.0f} req/s")
    print(f"Lambda authorizer, cached policy {guarded:8.0f} req/s")


if __name__ == "__main__":
    main()
