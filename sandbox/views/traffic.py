"""The traffic generator: many calls to a stage on the simulated clock, summarised."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from urllib.parse import parse_qsl

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

import gateway as gw
from gateway.model.call import Request
from sandbox.forms.common import MAX_TRAFFIC
from sandbox.forms.traffic import TrafficForm
from sandbox.models import SandboxAccount, data_digest
from sandbox.runtime import RUNTIME
from sandbox.views.common import _account, _first_path, _render, _rest_api, _when
from studyapp.charts import line_chart

# ---------------------------------------------------------------------------------------
# Traffic generator


def run_traffic(user, api_id: str, data: dict, *, start: float, rng: random.Random) -> list[gw.Response]:
    """N requests at R per second on a simulated clock (1/R s apart), through the shared runtime:
    real token buckets, quotas, caches and metrics. Simulated data the calls change is kept."""
    sandbox = SandboxAccount.for_user(user)
    account = gw.Account.from_dict(sandbox.state)  # a private copy: calls may change simulated data
    headers = list(data["headers"])
    if data["api_key"]:
        headers.append(("x-api-key", data["api_key"]))
    query = parse_qsl(data["query"], keep_blank_values=True)
    before = data_digest(account)
    responses = []
    for i in range(data["count"]):
        request = Request(
            api_id,
            data["stage"],
            data["method"],
            data["path"],
            query,
            headers,
            data["body"],
            time=start + i / data["rate"],
        )
        responses.append(gw.invoke(account, request, rng=rng, runtime=RUNTIME))
    sandbox.store_data(account, before)
    return responses


def traffic_summary(responses: list[gw.Response], rate: float, *, start: float) -> dict:
    """What a run did: statuses, cache hit ratio, canary share, latency, and the charts."""
    total = len(responses)
    statuses = Counter(r.status for r in responses)
    cache = Counter(r.cache for r in responses if r.cache)
    latencies = sorted(r.latency_ms for r in responses)
    reasons: dict[int, str] = {}
    for r in responses:
        if r.status not in reasons and r.status >= 400:
            error = next((line.message for line in r.log if line.level == "ERROR"), "")
            reasons[r.status] = error or r.reason or r.text[:200]
    duration = total / rate
    width = max(1, int(-(-duration // 60)))  # seconds per bucket: at most about 60 buckets
    buckets = int(duration // width) + 1
    if (buckets - 1) * width >= duration and buckets > 1:
        buckets -= 1
    by_status = {status: [0] * buckets for status in statuses}
    for i, r in enumerate(responses):
        by_status[r.status][min(int((i / rate) // width), buckets - 1)] += 1
    labels = [f"{b * width}s" for b in range(buckets)]
    per_second = {status: [count / width for count in counts] for status, counts in by_status.items()}
    allowed = [sum(v[b] for s, v in per_second.items() if s != 429) for b in range(buckets)]
    throttled = per_second.get(429, [0.0] * buckets)
    top = max([*allowed, *throttled, 1])
    status_top = max([max(v) for v in per_second.values()] + [1])

    def chart(title: str, values: list[float], y_max: float) -> dict:
        return {"title": title, "svg": line_chart(list(zip(labels, values, strict=True)), title=title, y_max=y_max)}

    charts = {
        "rates": [
            chart("Allowed requests per second (not 429)", allowed, top),
            chart("Throttled requests per second (429)", throttled, top),
        ],
        "statuses": [chart(f"Status {s}: responses per second", per_second[s], status_top) for s in sorted(per_second)],
    }
    consulted = cache["hit"] + cache["miss"]
    return {
        "total": total,
        "statuses": [
            {"status": s, "count": n, "share": 100 * n / total, "reason": reasons.get(s, "")}
            for s, n in sorted(statuses.items())
        ],
        "cache_hits": cache["hit"],
        "cache_consulted": consulted,
        "cache_ratio": 100 * cache["hit"] / consulted if consulted else None,
        "canary": sum(1 for r in responses if r.is_canary),
        "canary_share": 100 * sum(1 for r in responses if r.is_canary) / total,
        "latency": {
            "mean": statistics.fmean(latencies),
            "p50": latencies[len(latencies) // 2],
            "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
            "max": latencies[-1],
        },
        "seconds": duration,
        "bucket": width,
        "started": _when(start),
        "charts": charts,
    }


@login_required
@require_http_methods(["GET", "POST"])
def traffic_page(request: HttpRequest, api_id: str) -> HttpResponse:
    account = _account(request)
    api = _rest_api(account, api_id)
    result, invalid = None, False
    if request.method == "POST":
        form = TrafficForm(request.POST, api=api, account=account)
        if form.is_valid():
            start = time.time()
            responses = run_traffic(request.user, api_id, form.cleaned_data, start=start, rng=random.Random())  # noqa: S311
            result = traffic_summary(responses, form.cleaned_data["rate"], start=start)
        else:
            invalid = True
    else:
        form = TrafficForm(api=api, account=account, initial={"path": _first_path(api)})
    context = {"api": api, "form": form, "result": result, "max_requests": MAX_TRAFFIC, "notice": None}
    return _render(request, "sandbox/ops_traffic.html", context, invalid=invalid)
