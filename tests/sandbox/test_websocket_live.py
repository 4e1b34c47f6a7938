"""Real WebSocket connections to a learner's WebSocket API stage, over uvicorn (studyapp.asgi).

The servers are separate processes on a file SQLite database of a temporary directory: uvicorn
serves the stages (and pages, and HTTP invokes), gunicorn (the WSGI app) is a second process
through which a backend calls @connections. The client is the `websockets` library's.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

SETUP = r"""
import json, time
import gateway as gw
from django.contrib.auth import get_user_model
from gateway.v2 import apis as v2
from sandbox import credentials
from sandbox.models import SandboxAccount

DENY = {"principalId": "mallory", "policyDocument": {"Version": "2012-10-17", "Statement": [
    {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]}}
users = {name: get_user_model().objects.create_user(name, password=name + "-pass-123") for name in ("alice", "bob")}
now = time.time()
with SandboxAccount.editing(users["alice"]) as account:
    chat = v2.create_websocket_api(account, "chat", "$request.body.action", now=now)
    v2.create_v2_stage(account, chat, "prod", auto_deploy=True, now=now)
    echo = gw.create_function(account, "chat-echo", {"kind": "echo"})
    target = v2.create_v2_integration(account, chat, "AWS_PROXY", echo.arn, now=now).integrationId
    mock = v2.create_v2_integration(account, chat, "MOCK", now=now).integrationId
    v2.create_route(account, chat, "$connect", target, now=now)
    v2.create_route(account, chat, "$disconnect", target, now=now)
    v2.create_route(account, chat, "sendmessage", target, route_response_selection_expression="$default", now=now)
    v2.create_route(account, chat, "mock", mock, now=now)
    v2.create_route(account, chat, "$default", target, route_response_selection_expression="$default", now=now)
    gated = v2.create_websocket_api(account, "gated", "$request.body.action", now=now)
    v2.create_v2_stage(account, gated, "prod", auto_deploy=True, now=now)
    gate = gw.create_function(account, "chat-gate", {"kind": "response", "response": DENY})
    g_target = v2.create_v2_integration(account, gated, "AWS_PROXY", echo.arn, now=now).integrationId
    connect_route = v2.create_route(account, gated, "$connect", g_target, now=now)
    authorizer = v2.create_lambda_authorizer(account, gated, "gate", gate.arn, "route.request.header.Auth", now=now)
    v2.update_route(account, gated, connect_route.routeId, authorization_type="CUSTOM",
                    authorizer_id=authorizer.authorizerId, now=now)
    # AWS's chat example with the learner's own code: the code editor's template.
    from sandbox import lambda_samples
    template = next(s.text for s in lambda_samples.starters() if s.slug == "websocket-chat")
    account.dynamodbTables["lab-chat-connections"] = {"key": "connectionId", "items": {}}
    room = v2.create_websocket_api(account, "room", "$request.body.action", now=now)
    v2.create_v2_stage(account, room, "prod", auto_deploy=True, now=now)
    coded = gw.create_function(account, "room-fn", {"kind": "code", "code": template})
    r_target = v2.create_v2_integration(account, room, "AWS_PROXY", coded.arn, now=now).integrationId
    for key in ("$connect", "$disconnect", "sendmessage"):
        v2.create_route(account, room, key, r_target, now=now)
keys = {name: credentials.ensure(user, "http://127.0.0.1") for name, user in users.items()}
print(json.dumps({"chat": chat.apiId, "gated": gated.apiId, "room": room.apiId,
                  "keys": {n: [k.access_key_id, k.secret_access_key] for n, k in keys.items()}}))
"""

SKIP = r"""
import sys
from django.contrib.auth import get_user_model
from gateway.v2 import apis as v2
from sandbox.models import SandboxAccount

with SandboxAccount.editing(get_user_model().objects.get(username="alice")) as account:
    connection = account.wsConnections[sys.argv[1]]
    v2.skip_time(account, connection.apiId, sys.argv[1], float(sys.argv[2]))
"""

CONNECTIONS = r"""
import json
from sandbox.models import SandboxAccount
print(json.dumps(sorted(SandboxAccount.objects.get(user__username="alice").account().wsConnections)))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


class Live:
    def __init__(self, env: dict, port: int, wsgi_port: int, ids: dict):
        self.env, self.port, self.wsgi_port = env, port, wsgi_port
        self.chat, self.gated, self.keys = ids["chat"], ids["gated"], ids["keys"]
        self.room = ids.get("room", "")

    def script(self, code: str, *args: str) -> str:
        prelude = (
            "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'studyapp.settings')\ndjango.setup()\n"
        )
        done = subprocess.run(  # noqa: S603 (the test's own servers and scripts)
            [sys.executable, "-c", prelude + code, *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def connect(self, api_id: str | None = None, headers: dict | None = None, gw_form: bool = False):
        api_id = api_id or self.chat
        if gw_form:
            return connect(f"ws://127.0.0.1:{self.port}/gw/{api_id}/prod", additional_headers=headers, open_timeout=10)
        # The invoke host, as a browser or wscat sends it; the socket is opened to 127.0.0.1 here
        # because Python's resolver may not resolve *.localhost.
        return connect(
            f"ws://{api_id}.execute-api.localhost:{self.port}/prod",
            sock=socket.create_connection(("127.0.0.1", self.port), timeout=10),
            additional_headers=headers,
            open_timeout=10,
        )

    def management(self, who: str):
        key, secret = self.keys[who]
        return boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=f"http://127.0.0.1:{self.wsgi_port}/gw/{self.chat}/prod",
            region_name="us-east-1",
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            config=Config(retries={"max_attempts": 1}),
        )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    var = tmp_path_factory.mktemp("wsvar")
    env = {
        **os.environ,
        "STUDYAPP_VAR_DIR": str(var),
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "studyapp.settings",
    }
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port, wsgi_port = _free_port(), _free_port()
    probe = Live(env, port, wsgi_port, {"chat": "", "gated": "", "keys": {}})
    ids = json.loads(probe.script(SETUP).strip().splitlines()[-1])
    servers = [
        subprocess.Popen(  # noqa: S603 (the test's own servers and scripts)
            [str(BIN / "uvicorn"), "studyapp.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
            + ["--ws-max-size", "1048576", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(  # noqa: S603 (the test's own servers and scripts)
            [
                str(BIN / "gunicorn"),
                "studyapp.wsgi",
                "-b",
                f"127.0.0.1:{wsgi_port}",
                "-w",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
    ]
    try:
        _wait_for(port, servers[0])
        _wait_for(wsgi_port, servers[1])
        yield Live(env, port, wsgi_port, ids)
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def _managed(live):
    """A connection and its id, for @connections calls (ids are base64: some hold "/")."""
    ws = live.connect().__enter__()  # the caller's `with ws:` closes it
    ws.send(json.dumps({"action": "sendmessage"}))
    return ws, _event(ws)["requestContext"]["connectionId"]


def _event(ws) -> dict:
    """The echo function's answer (its event), sent back through the route response."""
    return json.loads(ws.recv(timeout=10))


def test_messages_are_routed_by_action_and_the_route_response_comes_back(live):
    with live.connect() as ws:
        ws.send(json.dumps({"action": "sendmessage", "text": "hi"}))
        event = _event(ws)
        assert event["requestContext"]["routeKey"] == "sendmessage"
        assert json.loads(event["body"]) == {"action": "sendmessage", "text": "hi"}
        assert event["requestContext"]["apiId"] == live.chat
        ws.send(json.dumps({"action": "nosuchroute"}))
        assert _event(ws)["requestContext"]["routeKey"] == "$default"
        ws.send("not json at all")
        assert _event(ws)["requestContext"]["routeKey"] == "$default"


def test_the_gw_form_on_the_app_host_is_the_same_stage(live):
    with live.connect(gw_form=True) as ws:
        ws.send(json.dumps({"action": "sendmessage"}))
        assert _event(ws)["requestContext"]["stage"] == "prod"


def test_an_authorizer_refuses_the_handshake_with_its_status(live):
    with pytest.raises(InvalidStatus) as missing:
        live.connect(live.gated)
    assert missing.value.response.status_code == 401  # no Auth header: the authorizer is not called
    assert json.loads(missing.value.response.body) == {"message": "Unauthorized"}
    with pytest.raises(InvalidStatus) as denied:
        live.connect(live.gated, headers={"Auth": "token"})
    assert denied.value.response.status_code == 403


def test_an_unknown_api_or_stage_is_refused(live):
    with pytest.raises(InvalidStatus) as unknown:
        live.connect("nosuchapi0")
    assert unknown.value.response.status_code == 403
    with pytest.raises(InvalidStatus) as no_stage:
        connect(f"ws://127.0.0.1:{live.port}/gw/{live.chat}/nostage", open_timeout=10)
    assert no_stage.value.response.status_code == 403


def test_a_push_from_another_server_process_reaches_the_client(live):
    ws, connection_id = _managed(live)
    with ws:
        live.management("alice").post_to_connection(ConnectionId=connection_id, Data=b'{"from": "backend"}')
        assert json.loads(ws.recv(timeout=5)) == {"from": "backend"}
        # and a route response after it still arrives once, in order
        ws.send(json.dumps({"action": "sendmessage", "n": 2}))
        assert json.loads(_event(ws)["body"])["n"] == 2


def test_another_learners_keys_cannot_post_to_the_connection(live):
    ws, connection_id = _managed(live)
    with ws:
        with pytest.raises(ClientError) as refused:
            live.management("bob").post_to_connection(ConnectionId=connection_id, Data=b"intruder")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1)  # nothing reached the client


def test_delete_connection_closes_the_socket(live):
    ws, connection_id = _managed(live)
    with ws:
        live.management("alice").delete_connection(ConnectionId=connection_id)
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)


def test_a_message_over_128_kb_closes_with_1009(live):
    with live.connect() as ws:
        ws.send(json.dumps({"action": "sendmessage", "text": "x" * (128 * 1024)}))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1009


def test_a_binary_frame_closes_with_1003(live):
    with live.connect() as ws:
        ws.send(b"\x00\x01")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1003


def _closed_by_the_gateway(live, ws, connection_id: str, seconds: float) -> int:
    """Skip the connection's simulated clock ahead (the console's button does the same, from
    another process here); the server's poll applies the engine's limits: the close code."""
    live.script(SKIP, connection_id, str(seconds))
    with pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    return closed.value.rcvd.code


def test_an_idle_connection_is_closed_with_1001_and_disconnect_runs(live):
    with live.connect() as ws:
        ws.send(json.dumps({"action": "sendmessage"}))
        connection_id = _event(ws)["requestContext"]["connectionId"]
        live.script(SKIP, connection_id, "300")  # 5 minutes of silence: still open
        ws.send(json.dumps({"action": "sendmessage", "n": 1}))
        assert json.loads(_event(ws)["body"])["n"] == 1
        assert _closed_by_the_gateway(live, ws, connection_id, 600) == 1001  # then 10 minutes
    assert connection_id not in json.loads(live.script(CONNECTIONS))


def test_an_active_connection_still_ends_after_two_hours(live):
    with live.connect() as ws:
        ws.send(json.dumps({"action": "sendmessage"}))
        connection_id = _event(ws)["requestContext"]["connectionId"]
        for _ in range(13):  # 13 x 9 minutes, a message after each: never idle for 10 minutes
            live.script(SKIP, connection_id, "540")
            ws.send(json.dumps({"action": "sendmessage"}))
            _event(ws)
        assert _closed_by_the_gateway(live, ws, connection_id, 540) == 1001  # 126 minutes
    assert connection_id not in json.loads(live.script(CONNECTIONS))


def test_a_chat_in_learner_code_pushes_to_every_client(live):
    with live.connect(live.room) as ada, live.connect(live.room) as bob:
        ada.send(json.dumps({"action": "sendmessage", "message": "hello from ada"}))
        assert ada.recv(timeout=10) == "hello from ada"
        assert bob.recv(timeout=10) == "hello from ada"  # pushed through @connections by the handler
        bob.send(json.dumps({"action": "sendmessage", "message": "hi ada"}))
        assert bob.recv(timeout=10) == "hi ada" and ada.recv(timeout=10) == "hi ada"


def test_a_client_closing_removes_the_connection(live):
    with live.connect() as ws:
        ws.send(json.dumps({"action": "sendmessage"}))
        connection_id = _event(ws)["requestContext"]["connectionId"]
    deadline = time.monotonic() + 5
    while connection_id in json.loads(live.script(CONNECTIONS)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert connection_id not in json.loads(live.script(CONNECTIONS))


def test_pages_static_files_and_http_invokes_on_the_same_server(live):
    import urllib.request
    from urllib.error import HTTPError

    base = f"http://127.0.0.1:{live.port}"
    with urllib.request.urlopen(base + "/", timeout=10) as page:  # noqa: S310 (the test's own server)
        assert page.status == 200
        assert f"ws://*.execute-api.localhost:{live.port}" in page.headers["Content-Security-Policy"]
    with urllib.request.urlopen(base + "/static/js/ws-console.js", timeout=10) as script:  # noqa: S310
        assert b"WebSocket" in script.read()
    with pytest.raises(HTTPError) as plain_http:  # a WebSocket API's stage over plain HTTP
        urllib.request.urlopen(f"{base}/gw/{live.chat}/prod", timeout=10)  # noqa: S310
    assert plain_http.value.code == 400
