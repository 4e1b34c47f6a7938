"""Metrics, execution logs, access logs and traces (CloudWatch and X-Ray, as a stage shows them)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import random
import re
import threading

import pytest

import gateway as gw
from gateway.model.call import Request, Runtime
from gateway.model.recording import TraceStep
from gateway.model.resources import AccessLogSettings
from gateway.observability.telemetry import Telemetry, execution_log_group, method_key, render_access_log
from gateway.rest.pipeline import invoke
from tests.gateway.conftest import NOW, add_method, deploy, mock_200

MINUTE = NOW - NOW % 60  # the start of NOW's minute
_seeds = itertools.count(1)


def send(account, api, telemetry, method="GET", path="/pets", *, stage="dev", at=NOW, headers=None, body="", **kw):
    request = Request(
        api_id=api.id,
        stage=stage,
        method=method,
        path=path,
        headers=list((headers or {}).items()),
        body=body,
        time=at,
        **kw,
    )
    runtime = Runtime(observers=[telemetry])
    return invoke(account, request, rng=random.Random(next(_seeds)), runtime=runtime)


def captured(account, api, path="/pets", at=NOW):
    """A real (call, response) from the pipeline, for feeding a Telemetry by hand."""
    seen = []
    request = Request(api_id=api.id, stage="dev", method="GET", path=path, time=at)
    invoke(
        account,
        request,
        rng=random.Random(next(_seeds)),
        runtime=Runtime(observers=[lambda c, r: seen.append((c, r))]),
    )
    return seen[0]


@pytest.fixture
def telemetry():
    return Telemetry()


@pytest.fixture
def pets(account, api):
    """/pets (MOCK 200), /other (MOCK 200), /broken (no integration: 500), deployed to dev."""
    mock_200(account, api, "/pets", response_template='{"pets": []}')
    mock_200(account, api, "/other")
    add_method(account, api, "/broken", "GET", integration=None)
    deploy(account, api)
    return api


def settings(api, key="*/*", stage="dev", **fields):
    gw.update_method_settings(api.stages[stage], key, **fields)


# ---------------------------------------------------------------------------------------
# Metrics


def test_count_is_per_minute_and_minutes_without_requests_are_absent(account, pets, telemetry):
    send(account, pets, telemetry, at=MINUTE + 1)
    send(account, pets, telemetry, at=MINUTE + 59)
    send(account, pets, telemetry, at=MINUTE + 60)
    send(account, pets, telemetry, at=MINUTE + 300)
    points = telemetry.series(pets.id, "dev", "Count", start=MINUTE, end=MINUTE + 3600)
    assert points == [(MINUTE, 2.0), (MINUTE + 60, 1.0), (MINUTE + 300, 1.0)]


def test_series_keeps_to_the_requested_time_range(account, pets, telemetry):
    for at in (MINUTE, MINUTE + 60, MINUTE + 120):
        send(account, pets, telemetry, at=at)
    assert telemetry.series(pets.id, "dev", "Count", start=MINUTE + 60, end=MINUTE + 120) == [(MINUTE + 60, 1.0)]


def test_longer_periods_add_up_minutes_aligned_on_the_epoch(account, pets, telemetry):
    five = MINUTE - MINUTE % 300
    for at in (five, five + 60, five + 299, five + 300):
        send(account, pets, telemetry, at=at)
    points = telemetry.series(pets.id, "dev", "Count", start=five, end=five + 900, period=300)
    assert points == [(five, 3.0), (five + 300, 1.0)]


def test_4xx_and_5xx_errors_are_counted(account, pets, telemetry):
    send(account, pets, telemetry, path="/pets")
    send(account, pets, telemetry, path="/nowhere")  # 403 Missing Authentication Token
    send(account, pets, telemetry, path="/broken")  # 500: no integration
    send(account, pets, telemetry, path="/broken")
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(pets.id, "dev", "Count", **window) == [(MINUTE, 4.0)]
    assert telemetry.series(pets.id, "dev", "4XXError", **window) == [(MINUTE, 1.0)]
    assert telemetry.series(pets.id, "dev", "5XXError", **window) == [(MINUTE, 2.0)]
    # Every request is a sample (0 or 1), so the Average is the error rate, as in CloudWatch.
    assert telemetry.series(pets.id, "dev", "5XXError", stat="Average", **window) == [(MINUTE, 0.5)]


def test_a_minute_without_errors_reports_zero_errors(account, pets, telemetry):
    send(account, pets, telemetry)
    assert telemetry.series(pets.id, "dev", "4XXError", start=MINUTE, end=MINUTE + 60) == [(MINUTE, 0.0)]


def test_latency_and_integration_latency_are_averages(account, api, telemetry):
    fast = gw.create_function(account, "fast", {"kind": "echo", "durationMs": 100})
    slow = gw.create_function(account, "slow", {"kind": "echo", "durationMs": 300})
    add_method(account, api, "/fast", "GET", "AWS_PROXY", uri=fast.arn)
    add_method(account, api, "/slow", "GET", "AWS_PROXY", uri=slow.arn)
    deploy(account, api)
    a = send(account, api, telemetry, path="/fast")
    b = send(account, api, telemetry, path="/slow")
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(api.id, "dev", "Latency", **window) == [(MINUTE, (a.latency_ms + b.latency_ms) / 2)]
    assert telemetry.series(api.id, "dev", "IntegrationLatency", **window) == [(MINUTE, 200.0)]
    assert telemetry.series(api.id, "dev", "Latency", stat="Maximum", **window) == [(MINUTE, b.latency_ms)]
    assert telemetry.series(api.id, "dev", "Latency", stat="SampleCount", **window) == [(MINUTE, 2.0)]


def test_integration_latency_leaves_out_requests_that_never_reached_the_backend(account, api, telemetry):
    fn = gw.create_function(account, "fn", {"kind": "echo", "durationMs": 80})
    add_method(account, api, "/fn", "GET", "AWS_PROXY", uri=fn.arn)
    deploy(account, api)
    send(account, api, telemetry, path="/fn")
    send(account, api, telemetry, path="/nowhere")
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(api.id, "dev", "IntegrationLatency", **window) == [(MINUTE, 80.0)]
    assert telemetry.series(api.id, "dev", "IntegrationLatency", stat="SampleCount", **window) == [(MINUTE, 1.0)]


def test_cache_hits_and_misses_are_counted(account, pets, telemetry):
    call, response = captured(account, pets)
    telemetry(call, dataclasses.replace(response, cache="miss"))
    telemetry(call, dataclasses.replace(response, cache="hit"))
    telemetry(call, dataclasses.replace(response, cache="hit"))
    telemetry(call, response)  # the cache was not consulted
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(pets.id, "dev", "CacheHitCount", **window) == [(MINUTE, 2.0)]
    assert telemetry.series(pets.id, "dev", "CacheMissCount", **window) == [(MINUTE, 1.0)]
    assert telemetry.series(pets.id, "dev", "Count", **window) == [(MINUTE, 4.0)]


def test_no_cache_metrics_without_a_cache(account, pets, telemetry):
    send(account, pets, telemetry)
    assert telemetry.series(pets.id, "dev", "CacheHitCount", start=MINUTE, end=MINUTE + 60) == []


def test_detailed_metrics_only_for_methods_with_metrics_enabled(account, pets, telemetry):
    settings(pets, "~1pets/GET", metricsEnabled=True)
    send(account, pets, telemetry, path="/pets")
    send(account, pets, telemetry, path="/other")
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(pets.id, "dev", "Count", method_key="/pets/GET", **window) == [(MINUTE, 1.0)]
    assert telemetry.series(pets.id, "dev", "Count", method_key="/other/GET", **window) == []
    assert telemetry.series(pets.id, "dev", "Count", **window) == [(MINUTE, 2.0)]  # the stage: always
    assert telemetry.metric_methods(pets.id, "dev") == ["/pets/GET"]


def test_stage_wide_metrics_enabled_gives_every_method_its_series(account, pets, telemetry):
    settings(pets, "*/*", metricsEnabled=True)
    send(account, pets, telemetry, path="/pets")
    send(account, pets, telemetry, path="/other")
    send(account, pets, telemetry, path="/nowhere")  # no method: stage-level only
    assert telemetry.metric_methods(pets.id, "dev") == ["/other/GET", "/pets/GET"]


def test_method_keys():
    assert method_key("/pets", "get") == "/pets/GET"
    assert method_key("/pets/{id}", "DELETE") == "/pets/{id}/DELETE"
    assert method_key("/", "GET") == "/GET"


def test_canary_metrics_are_kept_apart(account, pets, telemetry):
    deploy(account, pets, canary={"percentTraffic": 100.0})
    settings(pets, "*/*", metricsEnabled=True)
    response = send(account, pets, telemetry)
    assert response.is_canary
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(pets.id, "dev", "Count", canary=True, **window) == [(MINUTE, 1.0)]
    assert telemetry.series(pets.id, "dev", "Count", **window) == []
    assert telemetry.metric_methods(pets.id, "dev", canary=True) == ["/pets/GET"]
    assert telemetry.metric_methods(pets.id, "dev") == []


def test_unknown_metric_statistic_or_period_is_refused(telemetry):
    with pytest.raises(ValueError, match="Unknown metric"):
        telemetry.series("a", "dev", "Errors", start=0, end=60)
    with pytest.raises(ValueError, match="Unknown statistic"):
        telemetry.series("a", "dev", "Count", stat="p99", start=0, end=60)
    with pytest.raises(ValueError, match="multiple of 60"):
        telemetry.series("a", "dev", "Count", start=0, end=60, period=90)


def test_requests_to_no_api_or_no_stage_are_not_recorded(account, pets, telemetry):
    send(account, pets, telemetry, stage="nope")
    assert telemetry.series(pets.id, "nope", "Count", start=0, end=NOW * 2) == []
    assert telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2) == []


# ---------------------------------------------------------------------------------------
# Execution logs


def test_no_execution_logs_when_logging_is_off(account, pets, telemetry):
    send(account, pets, telemetry)
    send(account, pets, telemetry, path="/broken")
    assert telemetry.execution_logs(pets.id, "dev") == []


def test_error_level_logs_only_failed_requests_errors_and_summary(account, pets, telemetry):
    settings(pets, loggingLevel="ERROR")
    send(account, pets, telemetry)
    failed = send(account, pets, telemetry, path="/broken")
    events = telemetry.execution_logs(pets.id, "dev")
    assert {e["request_id"] for e in events} == {failed.request_id}
    assert [(e["level"], e["message"].split(":")[0]) for e in events] == [
        ("INFO", "Starting execution for request"),
        ("INFO", "HTTP Method"),
        ("ERROR", "Execution failed due to configuration error"),
        ("ERROR", "Gateway response type"),
        ("INFO", "Method completed with status"),
    ]
    assert [e["level"] for e in telemetry.execution_logs(pets.id, "dev", level="ERROR")] == ["ERROR", "ERROR"]


def test_info_level_logs_every_request_without_data_unless_data_tracing(account, pets, telemetry):
    settings(pets, loggingLevel="INFO")
    ok = send(account, pets, telemetry, headers={"X-Trace": "1"}, body='{"name": "rex"}')
    messages = [e["message"] for e in telemetry.execution_logs(pets.id, "dev")]
    assert f"Starting execution for request: {ok.request_id}" in messages
    assert "Successfully completed execution" in messages
    assert "Method completed with status: 200" in messages
    assert not any("body" in m or "headers" in m for m in messages)

    telemetry.reset()
    settings(pets, loggingLevel="INFO", dataTraceEnabled=True)
    send(account, pets, telemetry, headers={"X-Trace": "1"}, body='{"name": "rex"}')
    messages = [e["message"] for e in telemetry.execution_logs(pets.id, "dev")]
    assert 'Method request body before transformations: {"name": "rex"}' in messages
    assert "Method request headers: {X-Trace=1}" in messages
    assert 'Method response body after transformations: {"pets": []}' in messages


def test_a_method_can_log_more_than_the_stage(account, pets, telemetry):
    settings(pets, "*/*", loggingLevel="ERROR")
    settings(pets, "~1other/GET", loggingLevel="INFO")
    send(account, pets, telemetry, path="/pets")
    other = send(account, pets, telemetry, path="/other")
    assert {e["request_id"] for e in telemetry.execution_logs(pets.id, "dev")} == {other.request_id}


def test_log_events_carry_time_request_id_level_and_log_group(account, pets, telemetry):
    settings(pets, loggingLevel="INFO")
    response = send(account, pets, telemetry, at=NOW)
    first, last = telemetry.execution_logs(pets.id, "dev")[0], telemetry.execution_logs(pets.id, "dev")[-1]
    assert first == {
        "time": NOW,
        "request_id": response.request_id,
        "level": "INFO",
        "message": f"Starting execution for request: {response.request_id}",
        "log_group": f"API-Gateway-Execution-Logs_{pets.id}/dev",
    }
    assert NOW <= last["time"] <= NOW + response.latency_ms / 1000


def test_log_search_level_and_limit(account, pets, telemetry):
    settings(pets, loggingLevel="INFO")
    first = send(account, pets, telemetry)
    second = send(account, pets, telemetry)
    assert {e["request_id"] for e in telemetry.execution_logs(pets.id, "dev", search=first.request_id)} == {
        first.request_id
    }
    assert telemetry.execution_logs(pets.id, "dev", search="SUCCESSFULLY COMPLETED")[0]["request_id"] == (
        first.request_id
    )
    last_two = telemetry.execution_logs(pets.id, "dev", limit=2)
    assert [e["message"] for e in last_two] == ["Successfully completed execution", "Method completed with status: 200"]
    assert {e["request_id"] for e in last_two} == {second.request_id}
    assert telemetry.execution_logs(pets.id, "dev", level="ERROR") == []
    with pytest.raises(ValueError):
        telemetry.execution_logs(pets.id, "dev", level="DEBUG")


def test_canary_logs_go_to_their_own_log_group(account, pets, telemetry):
    settings(pets, loggingLevel="INFO")
    deploy(account, pets, canary={"percentTraffic": 100.0})
    send(account, pets, telemetry)
    assert telemetry.execution_logs(pets.id, "dev") == []
    events = telemetry.execution_logs(pets.id, "dev", canary=True)
    assert events and {e["log_group"] for e in events} == {f"API-Gateway-Execution-Logs_{pets.id}/dev/Canary"}
    assert execution_log_group("a1", "prod", canary=True) == "API-Gateway-Execution-Logs_a1/prod/Canary"


def test_data_trace_masks_authorization_and_api_keys(account, pets, telemetry):
    settings(pets, loggingLevel="INFO", dataTraceEnabled=True)
    send(account, pets, telemetry, headers={"Authorization": "Bearer abcdefghijkl", "x-api-key": "k" * 20 + "WXYZ"})
    headers = next(
        e["message"] for e in telemetry.execution_logs(pets.id, "dev") if e["message"].startswith("Method request h")
    )
    assert headers == "Method request headers: {Authorization=" + "*" * 15 + "ijkl, x-api-key=" + "*" * 20 + "WXYZ}"


def test_log_events_are_cut_at_1_kb(account, pets, telemetry):
    settings(pets, loggingLevel="INFO", dataTraceEnabled=True)
    send(account, pets, telemetry, body="x" * 5000)
    body = next(e["message"] for e in telemetry.execution_logs(pets.id, "dev", search="before transformations"))
    assert body.endswith(" [TRUNCATED]") and len(body.encode()) == 1024 + len(" [TRUNCATED]")


# ---------------------------------------------------------------------------------------
# Access logs

CLF = (
    "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "
    '"$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength '
    "$context.requestId"
)
JSON_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "agent": "$context.identity.userAgent",
        "method": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "length": "$context.responseLength",
        "latency": "$context.responseLatency",
        "integrationLatency": "$context.integrationLatency",
        "error": "$context.error.message",
        "errorType": "$context.error.responseType",
        "api": "$context.apiId",
        "stage": "$context.stage",
        "canary": "$context.isCanaryRequest",
        "principal": "$context.authorizer.principalId",
        "apiKeyId": "$context.identity.apiKeyId",
        "made_up": "$context.no.such.thing",
    }
)


def access_format(api, template, stage="dev"):
    api.stages[stage].accessLogSettings = AccessLogSettings(
        format=template, destinationArn="arn:aws:logs:us-east-1:123456789012:log-group:access"
    )


def test_no_access_logs_without_a_format(account, pets, telemetry):
    send(account, pets, telemetry)
    assert telemetry.access_logs(pets.id, "dev") == []


def test_common_log_format(account, pets, telemetry):
    access_format(pets, CLF)
    response = send(account, pets, telemetry, at=NOW)
    assert telemetry.access_logs(pets.id, "dev") == [
        f'203.0.113.10 - - [21/Sep/2026:14:13:20 +0000] "GET /pets HTTP/1.1" 200 12 {response.request_id}'
    ]


def test_json_format_with_unknown_variables_as_dashes(account, pets, telemetry):
    access_format(pets, JSON_FORMAT)
    ok = send(account, pets, telemetry, headers={"User-Agent": "curl/8.4"})
    send(account, pets, telemetry, path="/nowhere")
    first, second = (json.loads(line) for line in telemetry.access_logs(pets.id, "dev"))
    assert first == {
        "requestId": ok.request_id,
        "ip": "203.0.113.10",
        "agent": "curl/8.4",
        "method": "GET",
        "resourcePath": "/pets",
        "status": "200",
        "length": "12",
        "latency": str(int(ok.latency_ms)),
        "integrationLatency": "0",
        "error": "-",
        "errorType": "-",
        "api": pets.id,
        "stage": "dev",
        "canary": "false",
        "principal": "-",
        "apiKeyId": "-",
        "made_up": "-",
    }
    assert (second["status"], second["error"], second["errorType"]) == (
        "403",
        "Missing Authentication Token",
        "MISSING_AUTHENTICATION_TOKEN",
    )
    assert (second["resourcePath"], second["integrationLatency"], second["agent"]) == ("-", "-", "-")


def test_xml_format_and_the_trace_id(account, pets, telemetry):
    access_format(pets, '<request id="$context.requestId"><trace>$context.xrayTraceId</trace></request>')
    pets.stages["dev"].tracingEnabled = True
    response = send(account, pets, telemetry)
    (trace,) = telemetry.traces(pets.id, "dev")
    assert telemetry.access_logs(pets.id, "dev") == [
        f'<request id="{response.request_id}"><trace>{trace["trace_id"]}</trace></request>'
    ]


def test_principal_and_api_key_come_from_the_response(account, pets, telemetry):
    call, response = captured(account, pets)
    access_format(pets, "$context.authorizer.principalId $context.identity.apiKeyId $context.requestId")
    telemetry(call, dataclasses.replace(response, principal="user-7", api_key_id="k1abc"))
    assert telemetry.access_logs(pets.id, "dev") == [f"user-7 k1abc {response.request_id}"]


def test_canary_access_logs_are_kept_apart(account, pets, telemetry):
    access_format(pets, "$context.requestId $context.isCanaryRequest")
    deploy(account, pets, canary={"percentTraffic": 100.0})
    response = send(account, pets, telemetry)
    assert telemetry.access_logs(pets.id, "dev") == []
    assert telemetry.access_logs(pets.id, "dev", canary=True) == [f"{response.request_id} true"]


def test_render_access_log_is_textual():
    values = {"status": 200, "error.message": "", "flag": False, "latency": 12.0, "path": "/a b"}
    template = "$context.status|$context.error.message|$context.flag|$context.latency|$context.path|$stageVariables.x"
    assert render_access_log(template, values) == "200|-|false|12|/a b|$stageVariables.x"


# ---------------------------------------------------------------------------------------
# Traces


def test_no_traces_unless_tracing_is_enabled(account, pets, telemetry):
    send(account, pets, telemetry)
    assert telemetry.traces(pets.id, "dev") == []


def test_trace_segment_with_subsegments_from_the_steps(account, api, telemetry):
    fn = gw.create_function(account, "fn", {"kind": "echo", "durationMs": 120})
    add_method(account, api, "/fn", "GET", "AWS_PROXY", uri=fn.arn)
    deploy(account, api)
    api.stages["dev"].tracingEnabled = True
    response = send(account, api, telemetry, path="/fn", at=NOW)
    (trace,) = telemetry.traces(api.id, "dev")
    assert re.fullmatch(rf"1-{int(NOW):08x}-[0-9a-f]{{24}}", trace["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", trace["id"])
    assert trace["name"] == f"{api.id}/dev"
    assert (trace["start"], trace["end"]) == (NOW, NOW + response.latency_ms / 1000)
    assert trace["http"]["request"]["method"] == "GET"
    assert trace["http"]["request"]["url"] == f"https://{api.id}.execute-api.us-east-1.amazonaws.com/dev/fn"
    assert trace["http"]["response"]["status"] == 200
    assert (trace["error"], trace["fault"], trace["throttle"]) == (False, False, False)
    assert trace["aws"]["api_gateway"]["request_id"] == response.request_id
    # The proxy integration response was skipped: no subsegment for it.
    names = [s["name"] for s in trace["subsegments"]]
    assert names == ["Method request", "Integration request", "Lambda", "Method response"]
    lam = trace["subsegments"][2]
    assert lam["namespace"] == "aws" and lam["duration_ms"] == 120
    assert lam["start"] == NOW + 0.002 and lam["end"] == pytest.approx(NOW + 0.122)
    assert all(trace["start"] <= s["start"] <= s["end"] <= trace["end"] for s in trace["subsegments"])


def test_http_and_aws_service_integrations_are_named(account, api, telemetry):
    account.httpServices["backend.example.internal"] = gw.HttpService(host="backend.example.internal", kind="echo")
    add_method(account, api, "/h", "GET", "HTTP_PROXY", uri="http://backend.example.internal/h", httpMethod="GET")
    deploy(account, api)
    api.stages["dev"].tracingEnabled = True
    send(account, api, telemetry, path="/h")
    (trace,) = telemetry.traces(api.id, "dev")
    assert "HTTP" in [s["name"] for s in trace["subsegments"]]


def test_trace_flags_error_fault_and_throttle(account, pets, telemetry):
    pets.stages["dev"].tracingEnabled = True
    send(account, pets, telemetry, path="/nowhere")
    send(account, pets, telemetry, path="/broken")
    call, response = captured(account, pets)
    telemetry(call, dataclasses.replace(response, status=429))
    missing, broken, throttled = telemetry.traces(pets.id, "dev")
    assert (missing["error"], missing["fault"], missing["throttle"]) == (True, False, False)
    assert missing["subsegments"][0]["error"] is True  # the failed step
    assert (broken["error"], broken["fault"]) == (False, True)
    assert (throttled["error"], throttled["throttle"], throttled["fault"]) == (True, True, False)


def test_subsegments_name_authorizer_and_cache_steps(account, pets, telemetry):
    pets.stages["dev"].tracingEnabled = True
    call, response = captured(account, pets)
    steps = [
        TraceStep("authorizer", "ok", 40, "Lambda authorizer allowed"),
        TraceStep("cache", "ok", 1, "hit"),
    ]
    telemetry(call, dataclasses.replace(response, trace=steps, latency_ms=44))
    (trace,) = telemetry.traces(pets.id, "dev")
    assert [(s["name"], s["duration_ms"]) for s in trace["subsegments"]] == [("Authorizer", 40), ("Cache", 1)]


def test_canary_requests_are_traced_and_annotated(account, pets, telemetry):
    pets.stages["dev"].tracingEnabled = True
    deploy(account, pets, canary={"percentTraffic": 100.0})
    send(account, pets, telemetry)
    (trace,) = telemetry.traces(pets.id, "dev")
    assert trace["annotations"]["is_canary"] is True


def test_traces_returned_are_copies(account, pets, telemetry):
    pets.stages["dev"].tracingEnabled = True
    send(account, pets, telemetry)
    telemetry.traces(pets.id, "dev")[0]["subsegments"].clear()
    assert telemetry.traces(pets.id, "dev")[0]["subsegments"]


# ---------------------------------------------------------------------------------------
# Memory bounds, concurrency, reset


def test_logs_access_lines_and_traces_are_bounded_per_stage(account, pets):
    telemetry = Telemetry(max_events=5, max_traces=3)
    settings(pets, loggingLevel="INFO")
    access_format(pets, "$context.requestId")
    pets.stages["dev"].tracingEnabled = True
    responses = [send(account, pets, telemetry) for _ in range(6)]
    events = telemetry.execution_logs(pets.id, "dev", limit=100)
    assert len(events) == 5 and events[-1]["request_id"] == responses[-1].request_id
    assert telemetry.access_logs(pets.id, "dev", limit=100) == [r.request_id for r in responses[-5:]]
    traces = telemetry.traces(pets.id, "dev", limit=100)
    assert [t["aws"]["api_gateway"]["request_id"] for t in traces] == [r.request_id for r in responses[-3:]]


def test_metric_buckets_older_than_the_window_are_dropped(account, pets, telemetry):
    send(account, pets, telemetry, at=MINUTE)
    send(account, pets, telemetry, at=MINUTE + 3600)
    assert len(telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2)) == 2
    send(account, pets, telemetry, at=MINUTE + 25 * 3600)
    assert telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2) == [
        (MINUTE + 3600, 1.0),
        (MINUTE + 25 * 3600, 1.0),
    ]
    send(account, pets, telemetry, at=MINUTE)  # too old now: ignored
    assert len(telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2)) == 2


def test_a_series_never_holds_more_than_a_day_of_minutes(account, pets, telemetry):
    call, response = captured(account, pets)
    for minute in range(3 * 1440):
        call.request.time = MINUTE + minute * 60
        telemetry(call, response)
    points = telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2)
    assert len(points) == 1441 and points[-1][0] == MINUTE + (3 * 1440 - 1) * 60


def test_the_least_recently_called_stage_is_forgotten_first(account, pets):
    telemetry = Telemetry(max_stages=2)
    for stage in ("a", "b"):
        deploy(account, pets, stage)
    send(account, pets, telemetry, stage="dev")
    send(account, pets, telemetry, stage="a")
    send(account, pets, telemetry, stage="dev")
    send(account, pets, telemetry, stage="b")
    counts = {s: telemetry.series(pets.id, s, "Count", start=0, end=NOW * 2) for s in ("dev", "a", "b")}
    assert counts == {"dev": [(MINUTE, 2.0)], "a": [], "b": [(MINUTE, 1.0)]}


def test_concurrent_requests_are_all_counted(account, pets, telemetry):
    call, response = captured(account, pets)
    threads = [threading.Thread(target=lambda: [telemetry(call, response) for _ in range(200)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert telemetry.series(pets.id, "dev", "Count", start=MINUTE, end=MINUTE + 60) == [(MINUTE, 1600.0)]


def test_reset_forgets_everything(account, pets, telemetry):
    settings(pets, loggingLevel="INFO")
    send(account, pets, telemetry)
    telemetry.reset()
    assert telemetry.series(pets.id, "dev", "Count", start=0, end=NOW * 2) == []
    assert telemetry.execution_logs(pets.id, "dev") == []


def test_telemetry_never_adds_a_failure_line_to_the_response(account, pets, telemetry):
    settings(pets, loggingLevel="INFO", metricsEnabled=True, dataTraceEnabled=True)
    access_format(pets, JSON_FORMAT)
    pets.stages["dev"].tracingEnabled = True
    for path in ("/pets", "/nowhere", "/broken"):
        response = send(account, pets, telemetry, path=path)
        assert not any(line.message.startswith("Telemetry failed") for line in response.log)


def test_the_stage_cache_through_the_pipeline(account, api, telemetry):
    from gateway.traffic import cache as caching

    account.httpServices["count.example.internal"] = gw.HttpService(host="count.example.internal", kind="echo")
    resource = add_method(
        account, api, "/items", "GET", "HTTP", uri="http://count.example.internal/items", httpMethod="GET"
    )
    gw.put_integration_response(api, resource.id, "GET", "200")
    deploy(account, api)
    caching.enable_stage_cache(api.stages["dev"], ttl=60)
    api.stages["dev"].tracingEnabled = True
    runtime = Runtime(observers=[telemetry])
    rng = random.Random(3)
    for dt in (0, 5, 10):
        invoke(account, Request(api.id, "dev", "GET", "/items", time=NOW + dt), rng=rng, runtime=runtime)
    window = {"start": MINUTE, "end": MINUTE + 60}
    assert telemetry.series(api.id, "dev", "CacheHitCount", **window) == [(MINUTE, 2.0)]
    assert telemetry.series(api.id, "dev", "CacheMissCount", **window) == [(MINUTE, 1.0)]
    assert telemetry.series(api.id, "dev", "IntegrationLatency", stat="SampleCount", **window) == [(MINUTE, 1.0)]
    miss, hit, _ = telemetry.traces(api.id, "dev")
    assert [s["name"] for s in miss["subsegments"]] == [
        "Method request",
        "Cache",
        "Integration request",
        "HTTP",
        "Integration response",
        "Method response",
    ]
    assert [s["name"] for s in hit["subsegments"]] == ["Method request", "Cache"]
