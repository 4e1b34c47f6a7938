"""The sandbox's AWS endpoint over real HTTP (pytest-django's live server) with boto3: the
learner's keys, one learner's account only, the console and the client in step, the quota,
the credentials command and page, and @connections on a WebSocket stage."""

from __future__ import annotations

import io
import json
import random
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.contrib.auth import get_user_model
from django.core.management import call_command

import gateway as gw
from gateway.v2 import apis as v2
from sandbox import credentials
from sandbox.models import SandboxAccount

pytestmark = pytest.mark.django_db(transaction=True)
NO_RETRIES = Config(retries={"max_attempts": 1})


def learner(name: str):
    return get_user_model().objects.create_user(name, password=f"{name}-pass-123")


def client_for(live_server, creds, service="apigateway", **kwargs):
    return boto3.client(
        service,
        endpoint_url=live_server.url + "/aws/",
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=NO_RETRIES,
        **kwargs,
    )


def error_of(excinfo) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_the_client_and_the_console_see_each_others_changes(live_server, client):
    alice = learner("alice")
    creds = credentials.ensure(alice, live_server.url)
    api = client_for(live_server, creds).create_rest_api(name="made-by-boto3", description="from a script")
    client.force_login(alice)
    page = client.get("/sandbox/")
    assert "made-by-boto3" in page.content.decode()
    with SandboxAccount.editing(alice) as account:
        gw.create_rest_api(account, "made-in-the-console")
    names = {a["name"] for a in client_for(live_server, creds).get_rest_apis()["items"]}
    assert names == {"made-by-boto3", "made-in-the-console"}
    assert client.get(f"/sandbox/apis/{api['id']}/").status_code == 200
    sts = client_for(live_server, creds, "sts")
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/administrator"


def test_one_learners_keys_never_reach_another_learners_resources(live_server):
    alice, bob = learner("alice"), learner("bob")
    alice_creds, bob_creds = credentials.ensure(alice, live_server.url), credentials.ensure(bob, live_server.url)
    secret_api = client_for(live_server, alice_creds).create_rest_api(name="alice-only")
    bobs = client_for(live_server, bob_creds)
    assert bobs.get_rest_apis()["items"] == []
    with pytest.raises(ClientError) as excinfo:
        bobs.get_rest_api(restApiId=secret_api["id"])
    assert error_of(excinfo) == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        bobs.delete_rest_api(restApiId=secret_api["id"])
    assert error_of(excinfo) == ("NotFoundException", 404)
    # Alice's key id with Bob's secret: the signature does not verify
    mixed = credentials.Credentials(alice_creds.access_key_id, bob_creds.secret_access_key, alice_creds.endpoint)
    with pytest.raises(ClientError) as excinfo:
        client_for(live_server, mixed).get_rest_apis()
    assert error_of(excinfo) == ("InvalidSignatureException", 403)
    assert "alice-only" in {a.name for a in SandboxAccount.for_user(alice).account().restApis.values()}


def test_unknown_keys_and_unsigned_requests(live_server):
    ghost = credentials.Credentials("AKIAGHOSTGHOSTGHOST0", "x" * 40, live_server.url + "/aws/")
    with pytest.raises(ClientError) as excinfo:
        client_for(live_server, ghost).get_rest_apis()
    assert error_of(excinfo) == ("UnrecognizedClientException", 403)
    import urllib.request
    from urllib.error import HTTPError

    with pytest.raises(HTTPError) as raised:
        urllib.request.urlopen(live_server.url + "/aws/restapis")  # noqa: S310 (the test's own server)
    assert raised.value.code == 403
    assert raised.value.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(raised.value.read()) == {"message": "Missing Authentication Token"}


def test_the_control_plane_quota_answers_429(live_server, settings):
    settings.SANDBOX_CONTROL_RATE, settings.SANDBOX_CONTROL_BURST = 0.5, 3
    creds = credentials.ensure(learner("alice"), live_server.url)
    calls = client_for(live_server, creds)
    for _ in range(3):
        calls.get_rest_apis()
    with pytest.raises(ClientError) as excinfo:
        calls.get_rest_apis()
    assert error_of(excinfo) == ("TooManyRequestsException", 429)


def test_a_tag_arn_with_slashes_verifies_through_the_dev_server_path(live_server):
    creds = credentials.ensure(learner("alice"), live_server.url)
    calls = client_for(live_server, creds)
    api = calls.create_rest_api(name="tagged")
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    calls.tag_resource(resourceArn=arn, tags={"course": "dva-c02"})
    assert calls.get_tags(resourceArn=arn)["tags"] == {"course": "dva-c02"}


def test_sandbox_credentials_prints_three_exportable_lines_and_rotates(live_server):
    alice = learner("alice")
    out = io.StringIO()
    call_command("sandbox_credentials", "--user", "alice", "--base-url", live_server.url, stdout=out)
    lines = out.getvalue().splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
    ]
    values = dict(line.split("=", 1) for line in lines)
    assert values["AWS_ENDPOINT_URL"] == live_server.url + "/aws/"
    again = io.StringIO()
    call_command("sandbox_credentials", "--user", "alice", "--base-url", live_server.url, stdout=again)
    assert again.getvalue() == out.getvalue()  # shown, not made again
    old = credentials.Credentials(
        values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"], values["AWS_ENDPOINT_URL"]
    )
    client_for(live_server, old).get_rest_apis()
    call_command(
        "sandbox_credentials", "--user", "alice", "--rotate", "--base-url", live_server.url, stdout=io.StringIO()
    )
    with pytest.raises(ClientError) as excinfo:
        client_for(live_server, old).get_rest_apis()
    assert error_of(excinfo) == ("UnrecognizedClientException", 403)
    assert credentials.current(alice, live_server.url).access_key_id != old.access_key_id


def test_the_terminal_page_shows_the_endpoint_the_exports_and_the_calls(live_server, client):
    alice = learner("alice")
    client.force_login(alice)
    page = client.get("/sandbox/terminal/")
    assert page.status_code == 200 and "You have no terminal credentials yet" in page.content.decode()
    created = client.post("/sandbox/terminal/key/")
    assert created.status_code == 302
    creds = credentials.current(alice, "http://testserver")
    text = client.get("/sandbox/terminal/").content.decode()
    assert f"export AWS_ACCESS_KEY_ID={creds.access_key_id}" in text
    assert "export AWS_ENDPOINT_URL=http://testserver/aws/" in text
    calls = client_for(live_server, credentials.current(alice, live_server.url))
    calls.create_rest_api(name="shown")
    with pytest.raises(ClientError):
        calls.get_rest_api(restApiId="missing000")
    fragment = client.get("/sandbox/terminal/?calls", HTTP_HX_REQUEST="true").content.decode()
    assert "<code>CreateRestApi</code>" in fragment and "apigateway · administrator" in fragment
    assert "NotFoundException" in fragment
    assert "<html" not in fragment


def test_a_terminal_key_post_needs_csrf(client):
    from django.test import Client

    alice = learner("alice")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post("/sandbox/terminal/key/").status_code == 403
    assert credentials.current(alice, "http://testserver") is None


def test_connections_management_api_with_boto3(live_server):
    alice = learner("alice")
    creds = credentials.ensure(alice, live_server.url)
    rng = random.Random(3)
    with SandboxAccount.editing(alice) as account:
        api = v2.create_websocket_api(account, "chat", now=time.time())
        v2.create_v2_stage(account, api, "prod", auto_deploy=True, now=time.time())
        target = v2.create_v2_integration(account, api, "MOCK", now=time.time()).integrationId
        v2.create_route(account, api, "$default", target, now=time.time())
        opened = v2.ws_connect(account, api.apiId, "prod", now=time.time(), rng=rng)
    connection_id = opened.connection_id
    assert connection_id, opened
    # Python's resolver (glibc without nss-myhostname) does not resolve *.localhost: the /gw/
    # form on the app's host is the same stage (docs/aws-clients.md says so for learners).
    stage_url = f"{live_server.url}/gw/{api.apiId}/prod"
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=stage_url,
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=NO_RETRIES,
    )
    management.post_to_connection(ConnectionId=connection_id, Data=b'{"hello": "from the backend"}')
    stored = SandboxAccount.for_user(alice).account().wsConnections[connection_id]
    assert stored.outbox[-1]["data"] == '{"hello": "from the backend"}'
    assert "ConnectedAt" in management.get_connection(ConnectionId=connection_id)
    management.delete_connection(ConnectionId=connection_id)
    with pytest.raises(ClientError) as excinfo:
        management.post_to_connection(ConnectionId=connection_id, Data=b"late")
    assert error_of(excinfo) == ("GoneException", 410)
    # another learner's key is unknown to Alice's API
    bob = credentials.ensure(learner("bob"), live_server.url)
    intruder = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=stage_url,
        region_name="us-east-1",
        aws_access_key_id=bob.access_key_id,
        aws_secret_access_key=bob.secret_access_key,
        config=NO_RETRIES,
    )
    with pytest.raises(ClientError) as excinfo:
        intruder.get_connection(ConnectionId=connection_id)
    assert error_of(excinfo)[1] == 403


def test_a_body_over_the_limit_is_413_in_aws_shape(live_server, settings):
    import urllib.request
    from urllib.error import HTTPError

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    url = live_server.url + "/aws/restapis"
    request = urllib.request.Request(url, data=b"x" * (limit + 10), method="POST")  # noqa: S310 (its own server)
    with pytest.raises(HTTPError) as raised:
        urllib.request.urlopen(request)  # noqa: S310 (the test's own server)
    assert raised.value.code == 413
    assert raised.value.headers["x-amzn-ErrorType"] == "RequestTooLargeException"


def test_a_connection_id_with_a_slash_is_reachable(live_server):
    """Connection ids are base64: "/" is one of their characters (boto3 sends it as %2F)."""
    alice = learner("alice")
    creds = credentials.ensure(alice, live_server.url)
    with SandboxAccount.editing(alice) as account:
        api = v2.create_websocket_api(account, "chat", now=time.time())
        v2.create_v2_stage(account, api, "prod", auto_deploy=True, now=time.time())
        target = v2.create_v2_integration(account, api, "MOCK", now=time.time()).integrationId
        v2.create_route(account, api, "$default", target, now=time.time())
        opened = v2.ws_connect(account, api.apiId, "prod", now=time.time(), rng=random.Random(3))
        connection = account.wsConnections.pop(opened.connection_id)
        connection.connectionId = "Ab/cd+EfGhIjKlM="
        account.wsConnections[connection.connectionId] = connection
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=f"{live_server.url}/gw/{api.apiId}/prod",
        region_name="us-east-1",
        aws_access_key_id=creds.access_key_id,
        aws_secret_access_key=creds.secret_access_key,
        config=NO_RETRIES,
    )
    management.post_to_connection(ConnectionId="Ab/cd+EfGhIjKlM=", Data=b"through a slash")
    stored = SandboxAccount.for_user(alice).account().wsConnections["Ab/cd+EfGhIjKlM="]
    assert stored.outbox[-1]["data"] == "through a slash"
