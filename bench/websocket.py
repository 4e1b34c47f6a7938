"""WebSocket messages routed per second over real connections: uvicorn serving `studyapp.asgi`
on a fresh SQLite database, the `websockets` client on the same machine.

Three routes of one WebSocket API (`$request.body.action`):
- `mock`: a MOCK integration, no route response (nothing comes back: the run ends with one
  `echo` message whose answer says every message before it was routed, in order);
- `echo`: the teaching echo function (AWS_PROXY), its answer sent back (a route response);
- `js`: the learner's own JavaScript handler (AWS_PROXY, V8 isolate), its answer sent back.

Each figure is one connection sending its messages one after the other (`--connections N`
opens N connections sending at once, each on its own thread).

Usage: .venv/bin/python bench/websocket.py [--messages 500] [--connections 1]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, fresh_django  # noqa: E402

JS = """
export const handler = async (event) => ({ statusCode: 200, body: event.body });
"""


def setup() -> str:
    """A learner with one WebSocket API on stage `prod`; its id."""
    from django.contrib.auth import get_user_model

    import gateway as gw
    from gateway.v2 import apis as v2
    from sandbox.models import SandboxAccount

    user = get_user_model().objects.create_user("bench", password="bench-pass-123")
    now = time.time()
    with SandboxAccount.editing(user) as account:
        api = v2.create_websocket_api(account, "bench", "$request.body.action", now=now)
        v2.create_v2_stage(account, api, "prod", auto_deploy=True, now=now)
        echo = gw.create_function(account, "bench-echo", {"kind": "echo"})
        code = gw.create_function(account, "bench-js", {"kind": "code", "code": JS})
        for key, target in (("echo", echo.arn), ("js", code.arn), ("mock", None)):
            kind = "MOCK" if target is None else "AWS_PROXY"
            integration = v2.create_v2_integration(account, api, kind, target, now=now).integrationId
            selection = None if target is None else "$default"
            v2.create_route(account, api, key, integration, route_response_selection_expression=selection, now=now)
    return api.apiId


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(url: str, route: str, messages: int, connections: int) -> float:
    """Messages routed per second, all connections together."""
    from websockets.sync.client import connect

    done = threading.Barrier(connections + 1)
    errors: list[BaseException] = []

    def one() -> None:
        try:
            with connect(url, open_timeout=10) as ws:
                done.wait()
                if route == "mock":
                    for n in range(messages):
                        ws.send(json.dumps({"action": "mock", "n": n}))
                    ws.send(json.dumps({"action": "echo", "last": True}))
                    json.loads(ws.recv(timeout=120))
                else:
                    for n in range(messages):
                        ws.send(json.dumps({"action": route, "n": n}))
                        answer = json.loads(ws.recv(timeout=30))
                        assert answer.get("n", n) == n or "body" in answer, answer
                done.wait()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
            done.abort()

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for t in threads:
        t.start()
    done.wait()
    begun = time.perf_counter()
    done.wait()
    elapsed = time.perf_counter() - begun
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return messages * connections / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()
    work = fresh_django("bench-ws-")
    api_id = setup()
    port = _port()
    env = {**os.environ, "STUDYAPP_VAR_DIR": str(work / "var"), "DJANGO_SETTINGS_MODULE": "studyapp.settings"}
    server = subprocess.Popen(  # noqa: S603 (the bench's own server)
        [str(Path(sys.executable).parent / "uvicorn"), "studyapp.asgi:application", "--port", str(port)]
        + ["--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"uvicorn did not start: {server.stderr.read().decode()[-2000:]}") from None
                time.sleep(0.1)
        url = f"ws://127.0.0.1:{port}/gw/{api_id}/prod"
        run(url, "echo", 20, 1)  # warm: the process's caches, the JS helper processes
        run(url, "js", 20, 1)
        print(f"{args.connections} connection(s), {args.messages} messages each, uvicorn (1 process), SQLite")
        for route in ("mock", "echo", "js"):
            rate = run(url, route, args.messages, args.connections)
            print(f"{route:6} {rate:8.1f} messages/s")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
