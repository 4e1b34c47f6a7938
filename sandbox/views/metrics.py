"""Metrics and logs of a REST API's stages, as CloudWatch would chart them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from gateway.observability.telemetry import METRICS
from sandbox.forms.metrics import MetricsForm
from sandbox.runtime import TELEMETRY
from sandbox.views.common import _account, _render, _rest_api, _when
from studyapp.charts import line_chart

# ---------------------------------------------------------------------------------------
# Metrics and logs


METRIC_TITLES = {
    "Count": "Requests (Count)",
    "Latency": "Latency (ms, average)",
    "IntegrationLatency": "Integration latency (ms, average)",
    "4XXError": "4XX errors",
    "5XXError": "5XX errors",
    "CacheHitCount": "Cache hits",
    "CacheMissCount": "Cache misses",
}
PERIODS = {"15": 60, "60": 60, "180": 300, "1440": 1800}
FUTURE = 24 * 3600  # the traffic generator's simulated clock runs ahead of real time


def metric_charts(
    api_id: str, stage: str, *, minutes: int, canary: bool, method_key: str | None, now: float
) -> tuple[list[dict], bool]:
    period = PERIODS.get(str(minutes), 60)
    start = now - minutes * 60
    series = {
        m: TELEMETRY.series(
            api_id, stage, m, method_key=method_key, canary=canary, start=start, end=now + FUTURE, period=period
        )
        for m in METRICS
    }
    last = max([now, *(at for points in series.values() for at, _ in points)])
    first = start - start % period
    grid = [first + i * period for i in range(int((last - first) // period) + 1)]
    charts = []
    for metric in ("Count", "Latency", "IntegrationLatency", "4XXError", "5XXError", "CacheHitCount", "CacheMissCount"):
        values = dict(series[metric])
        if metric in ("Latency", "IntegrationLatency"):
            points = [(_clock(at), value) for at, value in sorted(values.items())]
        else:
            points = [(_clock(at), values.get(float(at), 0.0)) for at in grid] if values else []
        charts.append(
            {"metric": metric, "title": METRIC_TITLES[metric], "svg": line_chart(points, title=METRIC_TITLES[metric])}
        )
    return charts, any(series.values())


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, tz=UTC).strftime("%H:%M")


@login_required
@require_GET
def metrics_page(request: HttpRequest, api_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    stage = request.GET.get("stage") or next(iter(sorted(api.stages)), "")
    canary = request.GET.get("canary") in ("on", "true", "1")
    methods = TELEMETRY.metric_methods(api_id, stage, canary=canary) if stage else []
    form = MetricsForm(
        request.GET or None, api=api, methods=methods, initial={"stage": stage, "window": "60", "level": "INFO"}
    )
    invalid = form.is_bound and not form.is_valid()
    data = (
        form.cleaned_data
        if form.is_bound and not invalid
        else {"stage": stage, "window": "60", "canary": False, "method": "", "level": "INFO", "q": ""}
    )
    context = {"api": api, "form": form, "stage": data["stage"], "notice": None, "has_data": False}
    if data["stage"] in api.stages:
        charts, has_data = metric_charts(
            api_id,
            data["stage"],
            minutes=int(data["window"]),
            canary=data["canary"],
            method_key=data["method"] or None,
            now=time.time(),
        )
        q = (data["q"] or "").strip()
        access = TELEMETRY.access_logs(api_id, data["stage"], canary=data["canary"], limit=1000)
        context |= {
            "charts": charts,
            "has_data": has_data,
            "execution_logs": [
                {**event, "at": _when(event["time"])}
                for event in TELEMETRY.execution_logs(
                    api_id,
                    data["stage"],
                    canary=data["canary"],
                    level=data["level"] or "INFO",
                    search=q or None,
                    limit=200,
                )
            ],
            "access_logs": [line for line in access if q.lower() in line.lower()][-200:],
            "setting": api.stages[data["stage"]].methodSettings.get("*/*"),
            "access_format": api.stages[data["stage"]].accessLogSettings,
            "log_group": f"API-Gateway-Execution-Logs_{api_id}/{data['stage']}{'/Canary' if data['canary'] else ''}",
        }
    return _render(request, "sandbox/ops_metrics.html", context, invalid=invalid)
