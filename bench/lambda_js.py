"""Learner-written JavaScript handlers: invocations per second through the runtime's helper
processes (V8 isolates, mini-racer), warm (the function's execution environment kept) and cold
(a fresh isolate each time), and through a REST API (AWS_PROXY) end to end in process.

Usage: .venv/bin/python bench/lambda_js.py [--calls 300] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gateway as gw  # noqa: E402
from gateway.integrations import jsruntime  # noqa: E402
from gateway.model.call import Request, Runtime  # noqa: E402

HANDLER = """
export const handler = async (event) => ({
  statusCode: 200,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ hello: event.queryStringParameters?.name ?? "world" }),
});
"""


def measure(name: str, call, calls: int, threads: int) -> None:
    times: list[float] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        mine = []
        for _ in range(n):
            started = time.perf_counter()
            call()
            mine.append(time.perf_counter() - started)
        with lock:
            times.extend(mine)

    call()  # start the helper processes
    begun = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(calls // threads,)) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - begun
    ms = sorted(t * 1000 for t in times)
    p99 = ms[min(len(ms) - 1, int(0.99 * len(ms)))]
    print(f"{name:24} {len(ms) / elapsed:8.1f} calls/s   p50 {statistics.median(ms):6.2f} ms   p99 {p99:6.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    event = {"queryStringParameters": {"name": "Ada"}}

    def warm() -> None:
        result = jsruntime.run(HANDLER, event, warm_key="bench-warm")
        assert result.ok, result

    def cold() -> None:
        result = jsruntime.run(HANDLER, event)
        assert result.ok, result

    account = gw.Account()
    function = gw.create_function(account, "hello-js", {"kind": "code", "code": HANDLER})
    api = gw.create_rest_api(account, "bench")
    resource = gw.create_resource_path(account, api, "/hello")
    gw.put_method(api, resource.id, "GET")
    gw.put_integration(api, resource.id, "GET", "AWS_PROXY", uri=function.arn)
    gw.create_deployment(account, api, stage_name="dev")
    runtime = Runtime()

    def through_api() -> None:
        response = gw.invoke(account, Request(api.id, "dev", "GET", "/hello", [("name", "Ada")]), runtime=runtime)
        assert response.status == 200, response.body

    print(f"JavaScript handlers, {args.calls} calls, {args.threads} thread(s):")
    measure("warm (same version)", warm, args.calls, args.threads)
    measure("cold (fresh isolate)", cold, args.calls, args.threads)
    measure("REST API -> AWS_PROXY", through_api, args.calls, args.threads)


if __name__ == "__main__":
    main()
