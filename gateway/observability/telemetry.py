"""Metrics, execution logs, access logs and traces: what CloudWatch and X-Ray show for a stage.

`Telemetry` is an observer for `Runtime.observers`: the pipeline calls it with (call, response)
after every request, and it records what the stage's settings ask for, as API Gateway would:

- Metrics (CloudWatch, namespace AWS/ApiGateway): Count, Latency, IntegrationLatency,
  CacheHitCount, CacheMissCount, 4XXError, 5XXError, per minute of simulated time. Stage-level
  metrics are always recorded; per-method ones ("detailed metrics") only when the method's
  settings have `metricsEnabled`. Canary requests have their own series.
- Execution logs (`API-Gateway-Execution-Logs_{apiId}/{stage}`, `.../Canary` for the canary),
  at the method's `loggingLevel`: ERROR keeps the ERROR lines and the summary lines of the
  requests that failed, INFO keeps every line. Request and response data (bodies, headers,
  parameters) only with `dataTraceEnabled`. Events are cut at 1 KB and authorization headers
  and API keys are masked, as in AWS.
- Access logs: one line per request in the stage's `accessLogSettings.format`, with the
  `$context` variables substituted textually (an unknown or empty variable prints "-").
- Traces (X-Ray), only with the stage's `tracingEnabled`: one segment per request, with a
  subsegment per pipeline step and its simulated duration. Every request is traced (no
  sampling).

Memory is bounded, per stage: the last `max_events` (10,000) execution log events and as many
access log lines for the stage and as many for its canary, the last `max_traces` (1,000)
traces, and metric buckets for the last `metric_window` (24 hours) of simulated time before the
stage's latest request (at most 1,441 one-minute buckets per series). At most `max_stages`
(100) stages are kept; the one least recently called is forgotten first. Log events are cut at
1 KB (as AWS does) and access log lines at 4 KB (a simulator bound), so a stage holds a few MB
in practice and about 100 MB at worst (every line at its limit, for the stage and its canary).

Every query returns copies, oldest first (the last `limit` items).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from gateway.model.resources import AWS_SERVICE_URI, LAMBDA_INVOKE_URI, MethodSetting

if TYPE_CHECKING:
    from gateway.model.call import Call, Response

METRICS = ("Count", "Latency", "IntegrationLatency", "CacheHitCount", "CacheMissCount", "4XXError", "5XXError")
STATISTICS = ("Sum", "Average", "SampleCount", "Minimum", "Maximum")
DEFAULT_STATISTIC = {
    "Count": "Sum",
    "Latency": "Average",
    "IntegrationLatency": "Average",
    "CacheHitCount": "Sum",
    "CacheMissCount": "Sum",
    "4XXError": "Sum",
    "5XXError": "Sum",
}

MAX_EVENTS = 10_000
MAX_TRACES = 1_000
MAX_STAGES = 100
METRIC_WINDOW = 24 * 3600  # seconds of simulated time
LOG_EVENT_BYTES = 1024  # standard execution logging truncates events at 1 KB
ACCESS_LINE_BYTES = 4096  # a simulator bound, to keep memory bounded whatever the format
TRUNCATED = " [TRUNCATED]"

# The lines that show the request's or the response's data: logged only with dataTraceEnabled.
DATA_TRACE_PREFIXES = (
    "Method request path:",
    "Method request query string:",
    "Method request headers:",
    "Method request body before transformations:",
    "Endpoint request headers:",
    "Endpoint request body after transformations:",
    "Endpoint response headers:",
    "Endpoint response body before transformations:",
    "Method response body after transformations:",
    "Method response headers:",
)
# At ERROR level, a failed request keeps these lines besides its ERROR lines, to tell which
# request and how it ended.
SUMMARY_PREFIXES = ("Starting execution for request:", "HTTP Method:", "Method completed with status:")
SECRET_HEADER = re.compile(r"(?i)\b(authorization|x-api-key)=([^,}]*)")
CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")
RECEIVED = re.compile(r"^Received response\. Status: (\d+)")
GATEWAY_RESPONSE = re.compile(r"^Gateway response type: (\S+) with status code")
SERVICE_NAMES = {
    "dynamodb": "DynamoDB",
    "sqs": "SQS",
    "sns": "SNS",
    "states": "StepFunctions",
    "kinesis": "Kinesis",
    "lambda": "Lambda",
    "s3": "S3",
}


def method_key(resource_path: str, http_method: str) -> str:
    """How per-method series are named: "/pets/GET", "/pets/{id}/DELETE", "/GET" for the root."""
    return f"{resource_path.rstrip('/')}/{http_method.upper()}"


def execution_log_group(api_id: str, stage: str, canary: bool = False) -> str:
    return f"API-Gateway-Execution-Logs_{api_id}/{stage}" + ("/Canary" if canary else "")


def render_access_log(template: str, values: dict[str, Any]) -> str:
    """Substitute `$context.x.y` textually (no VTL); unknown, null and empty variables print "-"."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1))
        if found is None or found == "":
            return "-"
        if isinstance(found, bool):
            return "true" if found else "false"
        if isinstance(found, float) and found.is_integer():
            return str(int(found))
        if isinstance(found, dict | list):
            return json.dumps(found, separators=(",", ":"))
        return str(found)

    return CONTEXT_VARIABLE.sub(value, template)


# ---------------------------------------------------------------------------------------
# Storage


class _Bucket:
    """One minute of one series: enough to answer every statistic of every metric."""

    __slots__ = (
        "count",
        "e4",
        "e5",
        "hits",
        "int_max",
        "int_min",
        "int_n",
        "int_sum",
        "lat_max",
        "lat_min",
        "lat_sum",
        "misses",
    )

    def __init__(self) -> None:
        self.count = self.e4 = self.e5 = self.hits = self.misses = self.int_n = 0
        self.lat_sum = self.int_sum = 0.0
        self.lat_min = self.int_min = float("inf")
        self.lat_max = self.int_max = float("-inf")

    def add(self, status: int, latency: float, integration: float | None, cache: str | None) -> None:
        self.count += 1
        self.e4 += 400 <= status < 500
        self.e5 += status >= 500
        self.lat_sum += latency
        self.lat_min = min(self.lat_min, latency)
        self.lat_max = max(self.lat_max, latency)
        if integration is not None:
            self.int_n += 1
            self.int_sum += integration
            self.int_min = min(self.int_min, integration)
            self.int_max = max(self.int_max, integration)
        if cache == "hit":
            self.hits += 1
        elif cache == "miss":
            self.misses += 1

    def stats(self, metric: str) -> tuple[float, int, float, float]:
        """(sum, sample count, minimum, maximum) of the metric's data points in this minute."""
        if metric == "Count":
            return float(self.count), self.count, 1.0, 1.0
        if metric == "Latency":
            return self.lat_sum, self.count, self.lat_min, self.lat_max
        if metric == "IntegrationLatency":
            return self.int_sum, self.int_n, self.int_min, self.int_max
        if metric in ("4XXError", "5XXError"):
            errors = self.e4 if metric == "4XXError" else self.e5
            return float(errors), self.count, float(errors == self.count), float(errors > 0)
        # Each request that consulted the cache is a sample of both cache metrics (1 or 0).
        consulted = self.hits + self.misses
        value = self.hits if metric == "CacheHitCount" else self.misses
        return float(value), consulted, float(value == consulted), float(value > 0)


class _StageData:
    """Everything recorded for one stage (and its canary)."""

    def __init__(self, max_events: int, max_traces: int) -> None:
        # (canary, method key or None for the stage) -> minute (epoch seconds) -> bucket
        self.metrics: dict[tuple[bool, str | None], dict[int, _Bucket]] = {}
        self.latest_minute: int | None = None
        self.oldest_minute: int | None = None
        # canary -> (time, request id, level, message)
        self.logs: dict[bool, deque[tuple[float, str, str, str]]] = {
            False: deque(maxlen=max_events),
            True: deque(maxlen=max_events),
        }
        self.access: dict[bool, deque[str]] = {False: deque(maxlen=max_events), True: deque(maxlen=max_events)}
        self.traces: deque[dict[str, Any]] = deque(maxlen=max_traces)


@dataclass
class _Record:
    """What one request leaves behind, computed outside the lock."""

    api_id: str
    stage: str
    canary: bool
    minute: int
    method_key: str | None
    status: int
    latency: float
    integration: float | None
    cache: str | None
    events: list[tuple[float, str, str, str]]
    access_line: str | None
    trace: dict[str, Any] | None


# ---------------------------------------------------------------------------------------
# The observer


class Telemetry:
    """An observer for Runtime.observers plus the queries the sandbox's dashboard needs.

    In memory, thread-safe, bounded (see the module docstring).
    """

    def __init__(
        self,
        *,
        max_events: int = MAX_EVENTS,
        max_traces: int = MAX_TRACES,
        max_stages: int = MAX_STAGES,
        metric_window: int = METRIC_WINDOW,
    ) -> None:
        self.max_events = max_events
        self.max_traces = max_traces
        self.max_stages = max_stages
        self.metric_window = metric_window
        self._lock = threading.Lock()
        self._stages: OrderedDict[tuple[str, str], _StageData] = OrderedDict()

    # -- recording ------------------------------------------------------------------------

    def __call__(self, call: Call, response: Response) -> None:
        """Record one request (called by the pipeline after every request)."""
        record = _record(call, response)
        if record is None:
            return
        with self._lock:
            self._store(record)

    def _store(self, record: _Record) -> None:
        key = (record.api_id, record.stage)
        data = self._stages.get(key)
        if data is None:
            data = self._stages[key] = _StageData(self.max_events, self.max_traces)
            while len(self._stages) > self.max_stages:
                self._stages.popitem(last=False)
        else:
            self._stages.move_to_end(key)
        self._store_metrics(data, record)
        data.logs[record.canary].extend(record.events)
        if record.access_line is not None:
            data.access[record.canary].append(record.access_line)
        if record.trace is not None:
            data.traces.append(record.trace)

    def _store_metrics(self, data: _StageData, record: _Record) -> None:
        minute = record.minute
        if data.latest_minute is not None and minute < data.latest_minute - self.metric_window:
            return  # older than the window: CloudWatch would not show it either
        if data.latest_minute is None or minute > data.latest_minute:
            data.latest_minute = minute
        if data.oldest_minute is None or minute < data.oldest_minute:
            data.oldest_minute = minute
        if data.oldest_minute < data.latest_minute - self.metric_window:
            self._prune(data)
        names = [(record.canary, None)]
        if record.method_key is not None:
            names.append((record.canary, record.method_key))
        for name in names:
            buckets = data.metrics.setdefault(name, {})
            bucket = buckets.get(minute)
            if bucket is None:
                bucket = buckets[minute] = _Bucket()
            bucket.add(record.status, record.latency, record.integration, record.cache)

    def _prune(self, data: _StageData) -> None:
        assert data.latest_minute is not None
        cutoff = data.latest_minute - self.metric_window
        oldest = data.latest_minute
        for name in list(data.metrics):
            buckets = data.metrics[name]
            for minute in [m for m in buckets if m < cutoff]:
                del buckets[minute]
            if not buckets:
                del data.metrics[name]
            else:
                oldest = min(oldest, min(buckets))
        data.oldest_minute = oldest

    def reset(self) -> None:
        with self._lock:
            self._stages.clear()

    # -- queries --------------------------------------------------------------------------

    def series(
        self,
        api_id: str,
        stage: str,
        metric: str,
        *,
        method_key: str | None = None,
        canary: bool = False,
        start: float,
        end: float,
        period: int = 60,
        stat: str | None = None,
    ) -> list[tuple[float, float]]:
        """[(period start, value)] for times in [start, end), sparse: periods without data are absent.

        `stat` defaults to Sum for the counts and Average for the latencies. `period` is a
        multiple of 60 seconds; periods are aligned on the epoch, as CloudWatch does.
        """
        if metric not in METRICS:
            raise ValueError(f"Unknown metric {metric!r}: use one of {', '.join(METRICS)}")
        stat = stat or DEFAULT_STATISTIC[metric]
        if stat not in STATISTICS:
            raise ValueError(f"Unknown statistic {stat!r}: use one of {', '.join(STATISTICS)}")
        if period <= 0 or period % 60:
            raise ValueError("The period must be a positive multiple of 60 seconds")
        with self._lock:
            data = self._stages.get((api_id, stage))
            buckets = data.metrics.get((canary, method_key), {}) if data else {}
            rows = [(minute, bucket.stats(metric)) for minute, bucket in buckets.items() if start <= minute < end]
        periods: dict[int, list[float]] = {}
        for minute, (total, samples, low, high) in rows:
            if samples == 0:
                continue
            at = minute - minute % period
            acc = periods.setdefault(at, [0.0, 0, float("inf"), float("-inf")])
            acc[0] += total
            acc[1] += samples
            acc[2] = min(acc[2], low)
            acc[3] = max(acc[3], high)
        points = []
        for at in sorted(periods):
            total, samples, low, high = periods[at]
            value = {
                "Sum": total,
                "Average": total / samples,
                "SampleCount": float(samples),
                "Minimum": low,
                "Maximum": high,
            }[stat]
            points.append((float(at), value))
        return points

    def metric_methods(self, api_id: str, stage: str, *, canary: bool = False) -> list[str]:
        """The method keys ("/pets/GET") that have detailed metrics."""
        with self._lock:
            data = self._stages.get((api_id, stage))
            names = list(data.metrics) if data else []
        return sorted(key for is_canary, key in names if is_canary == canary and key is not None)

    def execution_logs(
        self,
        api_id: str,
        stage: str,
        *,
        canary: bool = False,
        level: str | None = None,
        search: str | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """The last `limit` execution log events: {time, request_id, level, message, log_group}.

        `level="ERROR"` keeps only ERROR events (INFO or None keeps all); `search` keeps the
        events whose message or request id contains it, ignoring case.
        """
        wanted = (level or "INFO").upper()
        if wanted not in ("ERROR", "INFO"):
            raise ValueError(f"Unknown log level {level!r}: use ERROR or INFO")
        needle = search.lower() if search else None
        with self._lock:
            data = self._stages.get((api_id, stage))
            events = list(data.logs[canary]) if data else []
        group = execution_log_group(api_id, stage, canary)
        found: list[dict[str, Any]] = []
        for at, request_id, event_level, message in reversed(events):
            if len(found) >= limit:
                break
            if wanted == "ERROR" and event_level != "ERROR":
                continue
            if needle and needle not in message.lower() and needle not in request_id.lower():
                continue
            found.append(
                {"time": at, "request_id": request_id, "level": event_level, "message": message, "log_group": group}
            )
        found.reverse()
        return found

    def access_logs(self, api_id: str, stage: str, *, canary: bool = False, limit: int = 200) -> list[str]:
        """The last `limit` access log lines of the stage (or of its canary)."""
        with self._lock:
            data = self._stages.get((api_id, stage))
            lines = list(data.access[canary]) if data else []
        return lines[-limit:] if limit > 0 else []

    def traces(self, api_id: str, stage: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """The last `limit` X-Ray traces of the stage (canary requests included, annotated)."""
        with self._lock:
            data = self._stages.get((api_id, stage))
            traces = list(data.traces)[-limit:] if data and limit > 0 else []
        return copy.deepcopy(traces)


# ---------------------------------------------------------------------------------------
# From a call and its response to what is recorded


def _record(call: Call, response: Response) -> _Record | None:
    stage = call.stage
    if stage is None:
        return None  # no such API or stage: nothing to report to
    request = call.request
    http_method = call.method.httpMethod.upper() if call.method else request.method.upper()
    setting = (
        stage.setting_for(call.resource_path, http_method)
        if call.resource_path
        else stage.methodSettings.get("*/*") or MethodSetting()
    )
    reached = _integration_reached(response)
    trace_id = _trace_id(call, response) if stage.tracingEnabled else None
    access_format = stage.accessLogSettings.format if stage.accessLogSettings else None
    return _Record(
        api_id=request.api_id,
        stage=request.stage,
        canary=call.is_canary,
        minute=int(request.time // 60) * 60,
        method_key=method_key(call.resource_path, http_method)
        if call.resource_path and setting.metricsEnabled
        else None,
        status=response.status,
        latency=float(response.latency_ms),
        integration=float(response.integration_latency_ms) if reached else None,
        cache=response.cache,
        events=_log_events(call, response, setting),
        access_line=_access_line(access_format, call, response, trace_id) if access_format else None,
        trace=_trace(call, response, trace_id) if trace_id else None,
    )


def _integration_reached(response: Response) -> bool:
    """IntegrationLatency is reported only for requests that went to the backend."""
    return any(step.name == "integration" and step.status != "skipped" for step in response.trace)


def _log_events(call: Call, response: Response, setting: MethodSetting) -> list[tuple[float, str, str, str]]:
    level = (setting.loggingLevel or "OFF").upper()
    if level not in ("ERROR", "INFO"):
        return []
    failed = any(line.level == "ERROR" for line in response.log)
    if level == "ERROR" and not failed:
        return []
    events = []
    request_id = response.request_id or call.request_id
    for line in response.log:
        message = line.message
        if not setting.dataTraceEnabled and message.startswith(DATA_TRACE_PREFIXES):
            continue
        if level == "ERROR" and line.level != "ERROR" and not message.startswith(SUMMARY_PREFIXES):
            continue
        events.append((call.request.time + line.at_ms / 1000, request_id, line.level, _clean(message)))
    return events


def _clean(message: str) -> str:
    """Mask secrets and cut at 1 KB, as API Gateway does before sending to CloudWatch Logs."""
    message = SECRET_HEADER.sub(lambda m: f"{m.group(1)}={_mask(m.group(2))}", message)
    return _cut(message, LOG_EVENT_BYTES)


def _mask(value: str) -> str:
    keep = 4 if len(value) > 8 else 0
    return "*" * (len(value) - keep) + value[len(value) - keep :]


def _cut(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore") + TRUNCATED


# ---------------------------------------------------------------------------------------
# Access logs


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def access_log_values(call: Call, response: Response, trace_id: str | None = None) -> dict[str, Any]:
    """The `$context` variables of an access log line, by dotted name ("identity.sourceIp")."""
    request = call.request
    region = call.account.region
    moment = datetime.fromtimestamp(request.time, tz=UTC)
    request_id = response.request_id or call.request_id
    values: dict[str, Any] = {
        "accountId": call.account.accountId,
        "apiId": request.api_id,
        "domainName": f"{request.api_id}.execute-api.{region}.amazonaws.com",
        "domainPrefix": request.api_id,
        "extendedRequestId": request_id.replace("-", "")[:16] + "=",
        "httpMethod": request.method.upper(),
        "identity.sourceIp": request.source_ip,
        "identity.userAgent": request.header("User-Agent"),
        "identity.vpceId": request.vpce_id,
        "path": f"/{request.stage}{request.path}",
        "protocol": request.protocol,
        "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(request.time * 1000),
        "stage": request.stage,
    }
    values.update({k: v for k, v in _flatten(call.context or {}).items() if v is not None})
    backend_status = next((int(m.group(1)) for line in response.log if (m := RECEIVED.match(line.message))), None)
    response_type = next((m.group(1) for line in response.log if (m := GATEWAY_RESPONSE.match(line.message))), None)
    reached = _integration_reached(response)
    integration_latency = int(round(response.integration_latency_ms)) if reached else None
    error_message = (response.reason or None) if response_type else None
    values.update(
        {
            "requestId": request_id,
            "deploymentId": response.deployment_id or values.get("deploymentId"),
            "resourcePath": response.resource_path or values.get("resourcePath"),
            "status": response.status,
            "responseLength": len(response.body.encode("utf-8") if isinstance(response.body, str) else response.body),
            "responseLatency": int(round(response.latency_ms)),
            "integrationLatency": integration_latency,
            "integration.latency": integration_latency,
            "integrationStatus": backend_status,
            "integration.status": backend_status,
            "integration.integrationStatus": backend_status,
            "error.message": error_message,
            "error.messageString": json.dumps(error_message) if error_message else None,
            "error.responseType": response_type,
            "isCanaryRequest": call.is_canary,
            "xrayTraceId": trace_id,
        }
    )
    if not values.get("identity.apiKeyId"):
        values["identity.apiKeyId"] = response.api_key_id
    if not values.get("authorizer.principalId"):
        values["authorizer.principalId"] = response.principal
    return values


def _access_line(template: str, call: Call, response: Response, trace_id: str | None) -> str:
    return _cut(render_access_log(template, access_log_values(call, response, trace_id)), ACCESS_LINE_BYTES)


# ---------------------------------------------------------------------------------------
# Traces


def _hex(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def _trace_id(call: Call, response: Response) -> str:
    request = call.request
    seed = f"{request.api_id}/{request.stage}/{response.request_id or call.request_id}"
    return f"1-{int(request.time) & 0xFFFFFFFF:08x}-{_hex(seed, 24)}"


def _flags(status: int) -> dict[str, bool]:
    """X-Ray's: error for a 4xx, throttle (and error) for a 429, fault for a 5xx."""
    return {"error": 400 <= status < 500, "throttle": status == 429, "fault": status >= 500}


def _integration_subsegment(call: Call) -> tuple[str, str]:
    """(name, namespace) of the integration's subsegment, as X-Ray names the downstream call."""
    integration = call.method.methodIntegration if call.method else None
    if integration is None:
        return "Integration", "remote"
    uri = integration.uri or ""
    if integration.type == "MOCK":
        return "Mock", "local"
    if integration.type in ("HTTP", "HTTP_PROXY"):
        return "HTTP", "remote"
    if LAMBDA_INVOKE_URI.match(uri):
        return "Lambda", "aws"
    match = AWS_SERVICE_URI.match(uri)
    if match:
        return SERVICE_NAMES.get(match["service"], match["service"]), "aws"
    return "Integration", "aws"


def _subsegment_name(call: Call, step_name: str) -> tuple[str, str]:
    lowered = step_name.lower()
    if "authoriz" in lowered:
        return "Authorizer", "aws"
    if "cache" in lowered:
        return "Cache", "local"
    if lowered == "integration":
        return _integration_subsegment(call)
    return step_name[:1].upper() + step_name[1:], "local"


def _trace(call: Call, response: Response, trace_id: str) -> dict[str, Any]:
    request = call.request
    region = call.account.region
    start = request.time
    url = f"https://{request.api_id}.execute-api.{region}.amazonaws.com/{request.stage}{request.path}"
    if request.query:
        url += "?" + urlencode(request.query)
    subsegments = []
    offset = 0.0
    for index, step in enumerate(response.trace):
        begin = offset
        offset += step.duration_ms
        if step.status == "skipped":
            continue
        name, namespace = _subsegment_name(call, step.name)
        failed = step.status == "failed"
        flags = _flags(response.status) if failed else _flags(0)
        if failed and not any(flags.values()):
            flags["error"] = True
        subsegments.append(
            {
                "id": _hex(f"{trace_id}/{index}", 16),
                "name": name,
                "namespace": namespace,
                "step": step.name,
                "status": step.status,
                "detail": step.detail,
                "start": start + begin / 1000,
                "end": start + offset / 1000,
                "duration_ms": step.duration_ms,
                **flags,
            }
        )
    body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
    return {
        "trace_id": trace_id,
        "id": _hex(trace_id, 16),
        "name": f"{request.api_id}/{request.stage}",
        "origin": "AWS::ApiGateway::Stage",
        "resource_arn": f"arn:aws:apigateway:{region}::/restapis/{request.api_id}/stages/{request.stage}",
        "start": start,
        "end": start + response.latency_ms / 1000,
        "duration_ms": response.latency_ms,
        "http": {
            "request": {
                "method": request.method.upper(),
                "url": url,
                "client_ip": request.source_ip,
                "user_agent": request.header("User-Agent") or "",
            },
            "response": {"status": response.status, "content_length": len(body)},
        },
        "aws": {
            "api_gateway": {
                "account_id": call.account.accountId,
                "rest_api_id": request.api_id,
                "stage": request.stage,
                "request_id": response.request_id or call.request_id,
            }
        },
        "annotations": {
            "resource_path": call.resource_path or None,
            "http_method": request.method.upper(),
            "is_canary": call.is_canary,
            "deployment_id": response.deployment_id,
        },
        "subsegments": subsegments,
        **_flags(response.status),
    }
