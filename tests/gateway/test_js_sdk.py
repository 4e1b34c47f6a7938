"""The AWS SDK clients a learner's JavaScript handler may import (@connections and DynamoDB's
document client): what they read is the account's state, what they change the gateway applies
once the handler returns, and their errors have the SDK's names and statuses."""

from __future__ import annotations

import json
import random
import time

import pytest

import gateway as gw
from gateway.integrations import backends, jsruntime
from gateway.v2 import apis as v2

pytest.importorskip("py_mini_racer")

IMPORTS = """\
import { ApiGatewayManagementApiClient, PostToConnectionCommand, GetConnectionCommand,
         DeleteConnectionCommand, GoneException } from "@aws-sdk/client-apigatewaymanagementapi";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand, GetCommand, DeleteCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const api = (event) => new ApiGatewayManagementApiClient({
  endpoint: `https://${event.requestContext.domainName}/${event.requestContext.stage}` });
"""


def room(code: str, clients: int = 2):
    """A WebSocket API whose every route runs `code`, on stage prod, with `clients` connected."""
    account = gw.Account()
    account.dynamodbTables["room"] = {"key": "connectionId", "items": {}}
    now = time.time()
    api = v2.create_websocket_api(account, "room", "$request.body.action", now=now)
    function = gw.create_function(account, "room-fn", {"kind": "code", "code": IMPORTS + code})
    target = v2.create_v2_integration(account, api, "AWS_PROXY", function.arn, now=now).integrationId
    for key in ("$connect", "$disconnect", "$default"):
        v2.create_route(account, api, key, target, now=now)
    v2.create_v2_stage(account, api, "prod", auto_deploy=True, now=now)
    rng = random.Random(7)
    ids = [v2.ws_connect(account, api.apiId, "prod", now=now, rng=rng).connection_id for _ in range(clients)]
    return account, ids, rng


def heard(account, connection_id) -> list[str]:
    return [m["data"] for m in account.wsConnections[connection_id].outbox]


CHAT = """
export const handler = async (event) => {
  const { routeKey, connectionId } = event.requestContext;
  if (routeKey === "$connect") { await db.send(new PutCommand({ TableName: "room", Item: { connectionId } })); return { statusCode: 200 }; }
  if (routeKey === "$disconnect") { await db.send(new DeleteCommand({ TableName: "room", Key: { connectionId } })); return { statusCode: 200 }; }
  const { Items } = await db.send(new ScanCommand({ TableName: "room" }));
  for (const { connectionId: id } of Items) {
    await api(event).send(new PostToConnectionCommand({ ConnectionId: id, Data: `${connectionId.slice(0, 4)}: ${event.body}` }));
  }
  return { statusCode: 200 };
};
"""


def test_a_message_is_pushed_to_every_connection_in_the_table():
    account, (ada, bob), rng = room(CHAT)
    assert set(account.dynamodbTables["room"]["items"]) == {ada, bob}  # $connect stored both
    result = v2.ws_send(account, ada, "hi all", now=time.time(), rng=rng)
    assert result.status == 200, result.reason
    assert heard(account, ada) == heard(account, bob) == [f"{ada[:4]}: hi all"]
    v2.ws_disconnect(account, bob, now=time.time(), rng=rng)
    assert set(account.dynamodbTables["room"]["items"]) == {ada}  # $disconnect removed bob


def test_a_gone_connection_is_a_410_gone_exception():
    code = """
    export const handler = async (event) => {
      if (event.requestContext.routeKey !== "$default") return { statusCode: 200 };
      try {
        await api(event).send(new PostToConnectionCommand({ ConnectionId: "nobody", Data: "x" }));
      } catch (e) {
        await api(event).send(new PostToConnectionCommand({ ConnectionId: event.requestContext.connectionId,
          Data: JSON.stringify({ name: e.name, gone: e instanceof GoneException, status: e.$metadata.httpStatusCode }) }));
      }
      return { statusCode: 200 };
    };
    """
    account, (ada,), rng = room(code, clients=1)
    v2.ws_send(account, ada, "go", now=time.time(), rng=rng)
    assert json.loads(heard(account, ada)[0]) == {"name": "GoneException", "gone": True, "status": 410}


def test_get_and_delete_connection_from_the_handler():
    code = """
    export const handler = async (event) => {
      const { routeKey, connectionId } = event.requestContext;
      if (routeKey !== "$default") return { statusCode: 200 };
      const other = event.body;
      const info = await api(event).send(new GetConnectionCommand({ ConnectionId: other }));
      await api(event).send(new PostToConnectionCommand({ ConnectionId: connectionId,
        Data: JSON.stringify({ ip: info.Identity.SourceIp, date: info.ConnectedAt instanceof Date }) }));
      await api(event).send(new DeleteConnectionCommand({ ConnectionId: other }));
      return { statusCode: 200 };
    };
    """
    account, (ada, bob), rng = room(code)
    v2.ws_send(account, ada, bob, now=time.time(), rng=rng)
    assert json.loads(heard(account, ada)[0]) == {"ip": "203.0.113.10", "date": True}
    assert bob not in account.wsConnections  # DeleteConnection closed it ($disconnect ran)


def test_document_client_reads_its_own_writes_and_says_when_a_table_is_missing():
    code = """
    export const handler = async (event) => {
      await db.send(new PutCommand({ TableName: "room", Item: { connectionId: "k1", n: 1, tags: ["a"] } }));
      const got = await db.send(new GetCommand({ TableName: "room", Key: { connectionId: "k1" } }));
      await db.send(new DeleteCommand({ TableName: "room", Key: { connectionId: "k0" } }));
      const all = await db.send(new ScanCommand({ TableName: "room" }));
      let missing, invalid;
      try { await db.send(new ScanCommand({ TableName: "nope" })); } catch (e) { missing = [e.name, e.message]; }
      try { await db.send(new PutCommand({ TableName: "room", Item: { other: 1 } })); } catch (e) { invalid = e.name; }
      return { got: got.Item, count: all.Count, missing, invalid };
    };
    """
    tables = {"room": {"key": "connectionId", "items": {"k0": {"connectionId": "k0"}}}}
    result = jsruntime.run(IMPORTS + code, {}, services={"tables": tables}, timeout_s=2)
    assert result.ok, result
    assert result.result == {
        "got": {"connectionId": "k1", "n": 1, "tags": ["a"]},
        "count": 1,
        "missing": ["ResourceNotFoundException", "Requested resource not found"],
        "invalid": "ValidationException",
    }
    assert [e["op"] for e in result.effects] == ["ddb.put", "ddb.delete"]
    assert tables["room"]["items"] == {"k0": {"connectionId": "k0"}}  # applied by the gateway, not here


def test_writes_made_before_a_handler_fails_still_happened():
    code = """
    export const handler = async () => {
      await db.send(new PutCommand({ TableName: "room", Item: { connectionId: "early" } }));
      throw new Error("then it broke");
    };
    """
    account = gw.Account()
    account.dynamodbTables["room"] = {"key": "connectionId", "items": {}}
    function = gw.create_function(account, "breaks", {"kind": "code", "code": IMPORTS + code})
    result = backends.run_behaviour(account, function.versions["$LATEST"], {}, False, function=function)
    assert result.error_message == "then it broke"
    assert "early" in account.dynamodbTables["room"]["items"]


@pytest.mark.parametrize(
    ("source", "error_type", "text"),
    [
        ('import { Nope } from "@aws-sdk/lib-dynamodb";', "Runtime.UserCodeSyntaxError", "export named 'Nope'"),
        ('import sdk from "@aws-sdk/lib-dynamodb";', "Runtime.UserCodeSyntaxError", "export named 'default'"),
        ('import { S3Client } from "@aws-sdk/client-s3";', "Runtime.ImportModuleError", "@aws-sdk/client-s3"),
    ],
)
def test_imports_outside_the_provided_modules_fail_as_node_does(source, error_type, text):
    result = jsruntime.run(source + "\nexport const handler = async () => 1;", {}, timeout_s=1)
    assert not result.ok and result.error_type == error_type and text in result.error_message


def test_namespace_and_renamed_imports():
    code = """
    import * as ddb from "@aws-sdk/lib-dynamodb";
    import { DynamoDBClient as Client } from "@aws-sdk/client-dynamodb";
    export const handler = async () => typeof ddb.ScanCommand + " " + typeof Client;
    """
    result = jsruntime.run(code, {}, timeout_s=1)
    assert result.ok and result.result == "function function"


def test_a_client_without_the_stage_endpoint_says_what_it_needs():
    code = """
    import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
    export const handler = async () =>
      new ApiGatewayManagementApiClient({}).send(new PostToConnectionCommand({ ConnectionId: "x", Data: "y" }));
    """
    result = jsruntime.run(code, {}, timeout_s=1)
    assert not result.ok and result.error_type == "TypeError"
    assert "https://{api-id}.execute-api.{region}.amazonaws.com/{stage}" in result.error_message
