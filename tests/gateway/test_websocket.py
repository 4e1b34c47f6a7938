"""WebSocket APIs (API Gateway v2, protocolType WEBSOCKET): $connect, routes, @connections, limits."""

from __future__ import annotations

import json
import random

import pytest

import gateway as gw
from gateway.v2 import apis as v2
from tests.gateway.conftest import NOW

ALLOW = {
    "principalId": "alice",
    "policyDocument": {
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}],
    },
    "context": {"plan": "gold"},
}
DENY = {
    "principalId": "mallory",
    "policyDocument": {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]},
}


def ws_api(account, expression="$request.body.action", *, default=True, authorizer=None):
    """A chat API on stage "dev": $connect, $disconnect, sendMessage (answers back), $default."""
    api = v2.create_websocket_api(account, "chat", expression, now=NOW)
    v2.create_v2_stage(account, api, "dev", auto_deploy=True, now=NOW)
    echo = gw.create_function(account, "echo", {"kind": "echo"})
    target = v2.create_v2_integration(account, api, "AWS_PROXY", echo.arn, now=NOW).integrationId
    connect = v2.create_route(account, api, "$connect", target, now=NOW)
    v2.create_route(account, api, "$disconnect", target, now=NOW)
    v2.create_route(account, api, "sendMessage", target, route_response_selection_expression="$default", now=NOW)
    if default:
        v2.create_route(account, api, "$default", target, route_response_selection_expression="$default", now=NOW)
    if authorizer is not None:
        gw.create_function(account, "gate", {"kind": "response", "response": authorizer})
        created = v2.create_lambda_authorizer(
            account, api, "gate", account.functions["gate"].arn, "route.request.header.Auth", now=NOW
        )
        v2.update_route(
            account, api, connect.routeId, authorization_type="CUSTOM", authorizer_id=created.authorizerId, now=NOW
        )
    return api


def connect(account, api, headers=None, now=NOW, stage="dev"):
    return v2.ws_connect(
        account,
        api.apiId,
        stage,
        headers=headers or {},
        query={},
        source_ip="198.51.100.7",
        now=now,
        rng=random.Random(5),
    )


def send(account, connection_id, message, now=NOW + 1):
    return v2.ws_send(account, connection_id, message, now=now, rng=random.Random(9))


def answered_event(result):
    """The echo function's answer, sent back through the route response: its event."""
    assert len(result.messages) == 1, result
    return json.loads(result.messages[0])


# ---------------------------------------------------------------------------------------
# $connect and authorization


def test_connect_runs_the_connect_route_and_opens_a_connection(account):
    result = connect(account, ws_api(account))
    assert (result.status, result.route_key) == (101, "$connect")
    assert result.connection_id in account.wsConnections


def test_connect_authorizer_allow_keeps_its_context_for_later_messages(account):
    api = ws_api(account, authorizer=ALLOW)
    opened = connect(account, api, headers={"Auth": "token"})
    assert opened.status == 101
    event = answered_event(send(account, opened.connection_id, '{"action": "sendMessage"}'))
    assert event["requestContext"]["authorizer"] == {"principalId": "alice", "plan": "gold"}


def test_connect_authorizer_deny_is_403_and_leaves_no_connection(account):
    result = connect(account, ws_api(account, authorizer=DENY), headers={"Auth": "token"})
    assert (result.status, result.decided_by) == (403, "authorizer")
    assert account.wsConnections == {}


def test_connect_without_the_identity_source_is_401_and_leaves_no_connection(account):
    result = connect(account, ws_api(account, authorizer=ALLOW))
    assert result.status == 401 and account.wsConnections == {}


def test_a_connect_function_refusing_leaves_no_connection(account):
    api = ws_api(account)
    account.functions["echo"].versions["$LATEST"] = gw.Behaviour(kind="response", response={"statusCode": 403})
    assert connect(account, api).status == 403 and account.wsConnections == {}


def test_authorization_is_only_for_connect(account):
    api = ws_api(account, authorizer=ALLOW)
    route = v2.route_by_key(api, "sendMessage")
    authorizer_id = next(iter(api.authorizers))
    with pytest.raises(gw.ValidationError, match="only on the \\$connect route"):
        v2.update_route(account, api, route.routeId, authorization_type="CUSTOM", authorizer_id=authorizer_id)


def test_connecting_to_a_stage_that_does_not_exist_is_refused(account):
    assert connect(account, ws_api(account), stage="prod").status == 403


# ---------------------------------------------------------------------------------------
# Route selection


def test_route_selected_by_action(account):
    api = ws_api(account)
    opened = connect(account, api)
    result = send(account, opened.connection_id, '{"action": "sendMessage", "text": "hi"}')
    assert result.route_key == "sendMessage"
    event = answered_event(result)
    assert event["body"] == '{"action": "sendMessage", "text": "hi"}'
    context = event["requestContext"]
    assert (context["eventType"], context["routeKey"], context["connectionId"]) == (
        "MESSAGE",
        "sendMessage",
        opened.connection_id,
    )
    assert (context["messageDirection"], context["stage"], context["identity"]) == (
        "IN",
        "dev",
        {"sourceIp": "198.51.100.7"},
    )


def test_route_selected_by_a_nested_property(account):
    api = ws_api(account, "$request.body.meta.kind")
    opened = connect(account, api)
    assert send(account, opened.connection_id, '{"meta": {"kind": "sendMessage"}}').route_key == "sendMessage"


def test_an_unknown_action_goes_to_default(account):
    opened = connect(account, ws_api(account))
    assert send(account, opened.connection_id, '{"action": "dance"}').route_key == "$default"


def test_a_message_that_is_not_json_goes_to_default(account):
    opened = connect(account, ws_api(account))
    result = send(account, opened.connection_id, "hello there")
    assert result.route_key == "$default" and answered_event(result)["body"] == "hello there"


def test_without_a_default_route_the_client_gets_forbidden(account):
    opened = connect(account, ws_api(account, default=False))
    result = send(account, opened.connection_id, '{"action": "dance"}')
    assert result.status == 403
    frame = json.loads(result.messages[0])
    assert frame == {"message": "Forbidden", "connectionId": opened.connection_id, "requestId": result.request_id}


def test_without_a_route_response_nothing_is_sent_back(account):
    api = ws_api(account)
    v2.create_route(account, api, "ping", api.routes[next(iter(api.routes))].target.split("/")[1], now=NOW)
    opened = connect(account, api)
    result = send(account, opened.connection_id, '{"action": "ping"}')
    assert (result.status, result.route_key, result.messages) == (200, "ping", [])


def test_a_failing_function_sends_internal_server_error(account):
    api = ws_api(account)
    opened = connect(account, api)
    account.functions["echo"].versions["$LATEST"] = gw.Behaviour(kind="error", message="boom")
    result = send(account, opened.connection_id, '{"action": "sendMessage"}')
    assert json.loads(result.messages[0])["message"] == "Internal server error"


def test_a_message_over_128_kb_is_refused(account):
    opened = connect(account, ws_api(account))
    result = send(account, opened.connection_id, "x" * (128 * 1024 + 1))
    assert result.status == 413 and json.loads(result.messages[0])["message"] == "Message too long"
    assert opened.connection_id in account.wsConnections


def test_route_selection_expression_must_read_the_body(account):
    with pytest.raises(gw.ValidationError, match="request.body"):
        v2.create_websocket_api(account, "chat", "$request.header.action", now=NOW)


# ---------------------------------------------------------------------------------------
# @connections


def test_post_to_connection_pushes_to_the_client(account):
    api = ws_api(account)
    opened = connect(account, api)
    assert v2.post_to_connection(account, api.apiId, "dev", opened.connection_id, "news", now=NOW + 5) == (200, {})
    assert account.wsConnections[opened.connection_id].outbox[-1] == {"at": NOW + 5, "data": "news"}


def test_get_connection_describes_it(account):
    api = ws_api(account)
    opened = connect(account, api)
    send(account, opened.connection_id, '{"action": "sendMessage"}', now=NOW + 60)
    status, body = v2.get_connection(account, api.apiId, "dev", opened.connection_id, now=NOW + 61)
    assert status == 200
    assert body == {
        "ConnectedAt": "2026-09-21T14:13:20.000Z",
        "Identity": {"SourceIp": "198.51.100.7"},
        "LastActiveAt": "2026-09-21T14:14:20.000Z",
    }


def test_delete_connection_disconnects_and_later_calls_are_gone(account):
    api = ws_api(account)
    opened = connect(account, api)
    assert v2.delete_connection(account, api.apiId, "dev", opened.connection_id, now=NOW + 5) == (204, None)
    status, body = v2.get_connection(account, api.apiId, "dev", opened.connection_id, now=NOW + 6)
    assert status == 410 and body["__type"] == "GoneException"


@pytest.mark.parametrize("operation", ["post", "get", "delete"])
def test_an_unknown_connection_is_410_gone(account, operation):
    api = ws_api(account)
    if operation == "post":
        status, _ = v2.post_to_connection(account, api.apiId, "dev", "bm90LWEtY29ubg==", "hi", now=NOW)
    else:
        function = v2.get_connection if operation == "get" else v2.delete_connection
        status, _ = function(account, api.apiId, "dev", "bm90LWEtY29ubg==", now=NOW)
    assert status == 410


# ---------------------------------------------------------------------------------------
# Disconnecting and expiry


def recorded_events(monkeypatch):
    events = []
    real = v2.backends.invoke_lambda

    def spy(account, arn, event, **kw):
        events.append(event)
        return real(account, arn, event, **kw)

    monkeypatch.setattr(v2.backends, "invoke_lambda", spy)
    return events


def test_disconnect_runs_the_disconnect_route_and_removes_the_connection(account, monkeypatch):
    api = ws_api(account)
    opened = connect(account, api)
    events = recorded_events(monkeypatch)
    result = v2.ws_disconnect(account, opened.connection_id, now=NOW + 2, rng=random.Random(1))
    assert result.closed and opened.connection_id not in account.wsConnections
    assert events[0]["requestContext"]["eventType"] == "DISCONNECT"
    assert send(account, opened.connection_id, "late").status == 410


def test_a_connection_idle_for_10_minutes_is_closed(account, monkeypatch):
    api = ws_api(account)
    opened = connect(account, api)
    assert v2.expire_idle(account, NOW + 599) == []
    events = recorded_events(monkeypatch)
    assert v2.expire_idle(account, NOW + 600) == [opened.connection_id]
    assert opened.connection_id not in account.wsConnections
    assert events[0]["requestContext"]["disconnectStatusCode"] == 1001


def test_a_connection_lasts_at_most_2_hours_even_when_active(account):
    opened = connect(account, ws_api(account))
    for minute in range(5, 120, 5):
        assert send(account, opened.connection_id, '{"action": "sendMessage"}', now=NOW + minute * 60).status == 200
    assert v2.expire_idle(account, NOW + 2 * 3600) == [opened.connection_id]


def test_a_message_after_the_idle_timeout_finds_the_connection_closed(account):
    opened = connect(account, ws_api(account))
    result = send(account, opened.connection_id, '{"action": "sendMessage"}', now=NOW + 601)
    assert (result.status, result.closed, result.route_key) == (410, True, "$disconnect")
