"""Simulated backends: Lambda functions, HTTP services and AWS service actions.

Nothing here touches the network. A URL whose host has no simulated service behind it
fails the way an unreachable endpoint fails in AWS. Durations are simulated milliseconds.
"""

from __future__ import annotations

import fnmatch
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape as xml_escape

from gateway.integrations import jsruntime
from gateway.model.resources import Account, Behaviour, HttpService, LambdaFunction

FUNCTION_ARN = re.compile(
    r"^arn:aws:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:(?P<name>[A-Za-z0-9_-]+)(?::(?P<qualifier>[A-Za-z0-9_$-]+))?$"
)


class BackendError(Exception):
    """The call could not be made at all (configuration error): API Gateway answers 500."""


@dataclass
class LambdaResult:
    payload: Any = None  # what the function returned (parsed JSON)
    error_message: str | None = None  # set when the function raised
    error_type: str | None = None
    duration_ms: int = 0
    version: str = "$LATEST"
    logs: list[str] = field(default_factory=list)  # what a `code` function wrote with console.*
    trace: list[str] = field(default_factory=list)  # a `code` function's error stack, as Node.js reports it

    @property
    def failed(self) -> bool:
        return self.error_message is not None

    def error_payload(self) -> dict[str, Any]:
        if self.trace:  # the Node.js runtime's shape
            return {"errorType": self.error_type or "Error", "errorMessage": self.error_message, "trace": self.trace}
        return {"errorMessage": self.error_message, "errorType": self.error_type or "Error", "stackTrace": []}


@dataclass
class HttpResult:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""
    duration_ms: int = 0


# ---------------------------------------------------------------------------------------
# Lambda


def resolve_function(account: Account, arn: str) -> tuple[LambdaFunction, str | None, str]:
    """(function, qualifier as written, version) for a function ARN, or BackendError."""
    match = FUNCTION_ARN.match(arn)
    if not match:
        raise BackendError(f"Invalid function ARN or invalid uri: {arn}")
    function = account.functions.get(match["name"])
    if function is None:
        raise BackendError(f"Function not found: {arn}")
    qualifier = match["qualifier"]
    if qualifier is None or qualifier == "$LATEST":
        version = "$LATEST"
    elif qualifier in function.aliases:
        version = function.aliases[qualifier]
    elif qualifier in function.versions:
        version = qualifier
    else:
        raise BackendError(f"Function not found: {arn}")
    return function, qualifier, version


def may_invoke(function: LambdaFunction, qualifier: str | None, source_arn: str) -> bool:
    """The function's resource policy lets API Gateway invoke this qualifier from this source."""
    wanted = None if qualifier in (None, "$LATEST") else qualifier
    return any(p.qualifier == wanted and fnmatch.fnmatchcase(source_arn, p.sourceArn) for p in function.permissions)


def invoke_lambda(account: Account, arn: str, event: Any, *, proxy: bool, source_arn: str) -> LambdaResult:
    function, qualifier, version = resolve_function(account, arn)
    if not may_invoke(function, qualifier, source_arn):
        raise BackendError("Invalid permissions on Lambda function")
    behaviour = function.versions[version]
    result = run_behaviour(account, behaviour, event, proxy, function=function, version=version, invoked_arn=arn)
    if behaviour.kind != "code":  # a code function's duration is measured
        result.duration_ms = behaviour.durationMs
    result.version = version
    return result


def run_behaviour(
    account: Account,
    behaviour: Behaviour,
    event: Any,
    proxy: bool,
    *,
    function: LambdaFunction | None = None,
    version: str = "$LATEST",
    invoked_arn: str | None = None,
) -> LambdaResult:
    """What the behaviour answers. `function` and `version` give a code function its limits
    (without them: AWS's defaults, 3 s and 128 MB) and its warm container."""
    kind = behaviour.kind
    if kind == "code":
        return _run_code(account, behaviour, event, function, version, invoked_arn)
    if kind == "error":
        return LambdaResult(
            error_message=behaviour.message or "Unhandled error", error_type=behaviour.errorType or "Error"
        )
    if kind == "response":
        return LambdaResult(payload=behaviour.response)
    if kind == "echo":
        return LambdaResult(payload=_proxy(200, event) if proxy else event)
    if kind == "hello":
        query = (
            (event.get("queryStringParameters") or {})
            if proxy and isinstance(event, dict)
            else (event if isinstance(event, dict) else {})
        )
        name = query.get("name") or "world"
        greeting = {"message": f"Hello, {name}!"}
        return LambdaResult(payload=_proxy(200, greeting) if proxy else greeting)
    if kind == "pets":
        status, body = _pets(account, behaviour.table or "Pets", _rest_view(event, proxy))
        return LambdaResult(payload=_proxy(status, body) if proxy else body)
    if kind == "authorizer":
        return _authorizer(behaviour, event if isinstance(event, dict) else {})
    if kind == "table":
        case = _pick_case(behaviour.cases, _rest_view(event, proxy))
        if case is None:
            return LambdaResult(
                payload=_proxy(404, {"message": "No case matched"}) if proxy else {"message": "No case matched"}
            )
        if "error" in case:
            return LambdaResult(error_message=str(case["error"]), error_type=case.get("errorType", "Error"))
        return LambdaResult(payload=case.get("response"))
    return LambdaResult(error_message=f"Unknown behaviour {kind}", error_type="Runtime.HandlerNotFound")


def _run_code(
    account: Account,
    behaviour: Behaviour,
    event: Any,
    function: LambdaFunction | None,
    version: str,
    invoked_arn: str | None,
) -> LambdaResult:
    """The learner's JavaScript handler, in a V8 isolate of a helper process (jsruntime)."""
    name = function.name if function is not None else "function"
    timeout, memory = _limits(function, version)
    handler = (function.handler if function is not None else None) or "index.handler"
    arn = invoked_arn or f"arn:aws:lambda:{account.region}:{account.accountId}:function:{name}"
    # One warm container per account, function version and configuration (the worker adds the
    # code's hash and the memory): a new configuration or new code starts a new environment, as in AWS.
    warm_key = f"{account.idSeed}|{name}|{version}|{handler}|{timeout}"
    outcome = jsruntime.run(
        behaviour.code or "",
        event,
        handler=handler,
        function_name=name,
        function_version=version,
        invoked_arn=arn,
        timeout_s=timeout,
        memory_mb=memory,
        warm_key=warm_key,
        services=_services(account),
    )
    _apply_effects(account, outcome.effects)
    if outcome.ok:
        return LambdaResult(payload=outcome.result, duration_ms=outcome.duration_ms, logs=outcome.logs)
    return LambdaResult(
        error_message=outcome.error_message or "",
        error_type=outcome.error_type,
        duration_ms=outcome.duration_ms,
        logs=outcome.logs,
        trace=outcome.stack,
    )


# The SDK clients of a code function (jsworker's PRELUDE) read the account's open WebSocket
# connections and its tables, and hand back what they changed; the gateway applies it in order,
# as AWS would have while the handler ran. A @connections call needs the WebSocket engine
# ($disconnect runs on DeleteConnection): it registers itself here (`connections_api`).
connections_api: Callable[[Account, str, str, str, str, str | None], None] | None = None


def _services(account: Account) -> dict[str, Any]:
    connections: dict[str, dict[str, Any]] = {}
    for connection in account.wsConnections.values():
        connections.setdefault(f"{connection.apiId}/{connection.stage}", {})[connection.connectionId] = {
            "connectedAt": connection.connectedAt,
            "lastActiveAt": connection.lastActiveAt,
            "sourceIp": connection.sourceIp,
        }
    return {"connections": connections, "tables": account.dynamodbTables}


def _apply_effects(account: Account, effects: list[dict[str, Any]]) -> None:
    for effect in effects:
        op = effect.get("op")
        if op in ("post", "delete") and connections_api is not None:
            api_id, _, stage = str(effect.get("where", "")).partition("/")
            connections_api(account, op, api_id, stage, str(effect.get("id", "")), effect.get("data"))
        elif op in ("ddb.put", "ddb.delete"):
            table = account.dynamodbTables.get(str(effect.get("table", "")))
            if table is None:
                continue
            if op == "ddb.put" and isinstance(effect.get("item"), dict):
                item = effect["item"]
                key = item.get(table.get("key", "id"))
                if key is not None:
                    table.setdefault("items", {})[str(key)] = item
            elif op == "ddb.delete":
                table.setdefault("items", {}).pop(str(effect.get("key", "")), None)


def _limits(function: LambdaFunction | None, version: str) -> tuple[int, int]:
    """(timeout s, memory MB) a version runs with: $LATEST's configuration, or what the version froze."""
    if function is None:
        return 3, 128
    frozen = function.versionConfigs.get(version, {}) if version != "$LATEST" else {}
    return int(frozen.get("timeout") or function.timeout), int(frozen.get("memorySize") or function.memorySize)


def _authorizer(behaviour: Behaviour, event: dict[str, Any]) -> LambdaResult:
    """A Lambda authorizer with a declared policy: the first case whose `when` matches decides.

    when: {"token": "allow"} (TOKEN) or {"header.X": v, "query.q": v, "stage.var": v} (REQUEST); {} matches anything.
    effect: Allow | Deny | Unauthorized (raises "Unauthorized": 401) | Error (raises: 500).
    resource: "*" (the default: every method of the API) or "method" (only the method that was called,
    the classic mistake once the policy is cached and reused for another method).
    """
    token = event.get("authorizationToken")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    query = event.get("queryStringParameters") or {}
    stage_vars = event.get("stageVariables") or {}
    chosen = None
    for case in behaviour.cases:
        when = case.get("when") or {}
        ok = True
        for key, expected in when.items():
            if key == "token":
                ok = token == expected
            elif key.startswith("header."):
                ok = headers.get(key[7:].lower()) == expected
            elif key.startswith("query."):
                ok = query.get(key[6:]) == expected
            elif key.startswith("stage."):
                ok = stage_vars.get(key[6:]) == expected
            if not ok:
                break
        if ok:
            chosen = case
            break
    if chosen is None:
        return LambdaResult(error_message="Unauthorized", error_type="Error")
    effect = chosen.get("effect", "Allow")
    if effect == "Unauthorized":
        return LambdaResult(error_message="Unauthorized", error_type="Error")
    if effect == "Error":
        return LambdaResult(error_message=chosen.get("message", "authorizer crashed"), error_type="Error")
    method_arn = event.get("methodArn", "")
    if chosen.get("resource", "*") == "method":
        resource = method_arn
    else:
        resource = method_arn.split("/", 1)[0] + "/*" if "/" in method_arn else "*"
    output: dict[str, Any] = {
        "principalId": chosen.get("principalId", "user"),
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if chosen.get("context"):
        output["context"] = chosen["context"]
    if chosen.get("usageIdentifierKey"):
        output["usageIdentifierKey"] = chosen["usageIdentifierKey"]
    return LambdaResult(payload=output)


def _proxy(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@dataclass
class RestView:
    """A request as a backend sees it, whether it came as a proxy event or a mapped payload."""

    method: str = "GET"
    path: str = "/"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    path_params: dict[str, str] = field(default_factory=dict)


def _rest_view(event: Any, proxy: bool) -> RestView:
    if proxy and isinstance(event, dict):
        http = (event.get("requestContext") or {}).get("http") or {}  # payload format 2.0
        body = event.get("body")
        try:
            body = json.loads(body) if isinstance(body, str) and body else body
        except ValueError:
            pass
        return RestView(
            method=event.get("httpMethod") or http.get("method") or "GET",
            path=event.get("path") or event.get("rawPath") or "/",
            query=event.get("queryStringParameters") or {},
            headers=event.get("headers") or {},
            body=body,
            path_params=event.get("pathParameters") or {},
        )
    data = event if isinstance(event, dict) else {}
    return RestView(
        method=str(data.get("method", data.get("httpMethod", "GET"))),
        path=str(data.get("path", "/")),
        query=data.get("query") or {},
        body=data.get("body", data),
        path_params={k: str(v) for k, v in data.items() if k in ("id", "petId")},
    )


def _pick_case(cases: list[dict[str, Any]], view: RestView) -> dict[str, Any] | None:
    for case in cases:
        when = case.get("when") or {}
        ok = True
        for key, expected in when.items():
            if key == "method":
                ok = view.method.upper() == str(expected).upper()
            elif key == "path":
                ok = view.path == expected
            elif key.startswith("query."):
                ok = view.query.get(key[6:]) == expected
            elif key.startswith("header."):
                ok = {k.lower(): v for k, v in view.headers.items()}.get(key[7:].lower()) == expected
            elif key.startswith("body."):
                ok = isinstance(view.body, dict) and view.body.get(key[5:]) == expected
            if not ok:
                break
        if ok:
            return case
    return None


# ---------------------------------------------------------------------------------------
# The pets backend (Lambda and HTTP share it): a tiny CRUD over a simulated DynamoDB table


def _table(account: Account, name: str) -> dict[str, Any]:
    return account.dynamodbTables.setdefault(name, {"key": "id", "items": {}})


def _pets(account: Account, table_name: str, view: RestView) -> tuple[int, Any]:
    table = _table(account, table_name)
    items: dict[str, Any] = table["items"]
    pet_id = view.path_params.get("petId") or view.path_params.get("id")
    if pet_id is None:
        parts = [p for p in view.path.split("/") if p]
        if len(parts) >= 2:
            pet_id = parts[-1]
    method = view.method.upper()
    if method == "GET" and pet_id:
        return (200, items[pet_id]) if pet_id in items else (404, {"message": f"Pet {pet_id} not found"})
    if method == "GET":
        pets = list(items.values())
        pet_type = view.query.get("type")
        return 200, [p for p in pets if not pet_type or p.get("type") == pet_type]
    if method in ("POST", "PUT"):
        body = view.body if isinstance(view.body, dict) else {}
        if not body.get("type") or "price" not in body:
            return 400, {"message": "A pet needs a type and a price"}
        new_id = pet_id or str(max([int(k) for k in items if k.isdigit()], default=0) + 1)
        pet = {"id": new_id, "type": str(body["type"]), "price": body["price"]}
        items[new_id] = pet
        return (201 if method == "POST" else 200), pet
    if method == "DELETE" and pet_id:
        return (204, None) if items.pop(pet_id, None) is not None else (404, {"message": f"Pet {pet_id} not found"})
    return 405, {"message": f"Method {method} not allowed"}


def seed_pets(account: Account, table_name: str = "Pets") -> None:
    table = _table(account, table_name)
    if not table["items"]:
        for pet_id, pet_type, price in (("1", "dog", 249.99), ("2", "cat", 124.99), ("3", "fish", 0.99)):
            table["items"][pet_id] = {"id": pet_id, "type": pet_type, "price": price}


# ---------------------------------------------------------------------------------------
# HTTP services

BUILTIN_SERVICES = {
    "echo.example.internal": HttpService(host="echo.example.internal", kind="echo", durationMs=25),
    "pets.example.internal": HttpService(host="pets.example.internal", kind="pets", durationMs=40),
    "slow.example.internal": HttpService(host="slow.example.internal", kind="slow", durationMs=35_000),
    "soap.example.internal": HttpService(host="soap.example.internal", kind="soap", durationMs=60),
}


def find_service(account: Account, url: str) -> HttpService:
    host = (urlsplit(url).hostname or "").lower()
    service = account.httpServices.get(host) or BUILTIN_SERVICES.get(host)
    if service is None:
        raise BackendError(f"Invalid endpoint address: no service answers at {host or url}")
    return service


def call_http(account: Account, method: str, url: str, headers: list[tuple[str, str]], body: str) -> HttpResult:
    service = find_service(account, url)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    kind = service.kind
    if kind == "echo" or kind == "slow":
        payload = {"method": method, "path": parts.path or "/", "query": query, "headers": dict(headers), "body": body}
        return HttpResult(200, [("Content-Type", "application/json")], json.dumps(payload), service.durationMs)
    if kind == "status":
        return HttpResult(
            service.status,
            list(service.headers.items()) or [("Content-Type", "application/json")],
            service.body or "",
            service.durationMs,
        )
    if kind == "pets":
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            return HttpResult(
                400,
                [("Content-Type", "application/json")],
                json.dumps({"message": "Body is not JSON"}),
                service.durationMs,
            )
        view = RestView(method=method, path=parts.path or "/", query=query, headers=dict(headers), body=parsed)
        seed_pets(account, "pets-http")
        status, payload = _pets(account, "pets-http", view)
        text = "" if payload is None else json.dumps(payload)
        return HttpResult(status, [("Content-Type", "application/json")], text, service.durationMs)
    if kind == "soap":
        return _soap(account, body, service.durationMs)
    if kind == "table":
        case = _pick_case(
            service.cases,
            RestView(method=method, path=parts.path or "/", query=query, headers=dict(headers), body=body),
        )
        if case is None:
            return HttpResult(
                404, [("Content-Type", "application/json")], '{"message":"Not Found"}', service.durationMs
            )
        response = case.get("response") or {}
        text = response.get("body", "")
        return HttpResult(
            int(response.get("status", 200)),
            list((response.get("headers") or {"Content-Type": "application/json"}).items()),
            text if isinstance(text, str) else json.dumps(text),
            service.durationMs,
        )
    raise BackendError(f"Invalid endpoint address: unknown service kind {kind}")


def _soap(account: Account, body: str, duration: int) -> HttpResult:
    """A SOAP 1.1 pet service: <GetPet><id>1</id></GetPet> in an Envelope/Body, XML out."""
    seed_pets(account, "pets-http")
    headers = [("Content-Type", "text/xml; charset=utf-8")]
    match = re.search(r"<(?:\w+:)?GetPet\b[^>]*>.*?<(?:\w+:)?id>\s*([^<\s]+)\s*</", body or "", re.S)
    if not match:
        fault = (
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
            "<faultcode>soap:Client</faultcode><faultstring>Expected a GetPet request with an id</faultstring>"
            "</soap:Fault></soap:Body></soap:Envelope>"
        )
        return HttpResult(500, headers, fault, duration)
    pet = account.dynamodbTables["pets-http"]["items"].get(match.group(1))
    if pet is None:
        inner = f"<GetPetResponse><found>false</found><id>{xml_escape(match.group(1))}</id></GetPetResponse>"
    else:
        inner = (
            f"<GetPetResponse><found>true</found><pet><id>{xml_escape(str(pet['id']))}</id>"
            f"<type>{xml_escape(str(pet['type']))}</type><price>{pet['price']}</price></pet></GetPetResponse>"
        )
    envelope = f'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{inner}</soap:Body></soap:Envelope>'
    return HttpResult(200, headers, envelope, duration)


# ---------------------------------------------------------------------------------------
# AWS service integrations (type AWS, not Lambda)


def call_aws_service(account: Account, service: str, kind: str, rest: str, body: str, new_id) -> HttpResult:
    """SQS SendMessage, DynamoDB PutItem/GetItem/Query, Step Functions StartExecution, Kinesis PutRecord."""
    ok = lambda payload, ms=30: HttpResult(200, [("Content-Type", "application/json")], json.dumps(payload), ms)  # noqa: E731
    fail = lambda status, kind_, message: HttpResult(  # noqa: E731
        status, [("Content-Type", "application/json")], json.dumps({"__type": kind_, "message": message}), 20
    )
    if service == "sqs":
        params = dict(parse_qsl(body, keep_blank_values=True))
        queue = rest.rsplit("/", 1)[-1] if kind == "path" else params.get("QueueUrl", "").rsplit("/", 1)[-1]
        action = params.get("Action", "SendMessage")
        if action != "SendMessage":
            return fail(400, "InvalidAction", f"The action {action} is not simulated")
        if "MessageBody" not in params:
            return fail(400, "MissingParameter", "The request must contain the parameter MessageBody.")
        message_id = new_id()
        account.sqsQueues.setdefault(queue, []).append({"MessageId": message_id, "Body": params["MessageBody"]})
        return ok({"SendMessageResponse": {"SendMessageResult": {"MessageId": message_id}}})
    try:
        payload = json.loads(body) if body else {}
    except ValueError:
        return fail(400, "SerializationException", "Body is not valid JSON")
    action = rest if kind == "action" else rest.rsplit("/", 1)[-1]
    if service == "dynamodb":
        table_name = payload.get("TableName", "")
        if table_name not in account.dynamodbTables:
            return fail(400, "ResourceNotFoundException", "Requested resource not found")
        table = account.dynamodbTables[table_name]
        key_attr = table.get("key", "id")
        if action == "PutItem":
            item = payload.get("Item") or {}
            key = _ddb_value(item.get(key_attr))
            if key is None:
                return fail(400, "ValidationException", f"Missing the key {key_attr} in the item")
            table["items"][str(key)] = {k: _ddb_value(v) for k, v in item.items()}
            return ok({})
        if action == "GetItem":
            key = _ddb_value((payload.get("Key") or {}).get(key_attr))
            item = table["items"].get(str(key))
            return ok({"Item": {k: _ddb_attr(v) for k, v in item.items()}} if item else {})
        if action in ("Query", "Scan"):
            items = list(table["items"].values())
            values = payload.get("ExpressionAttributeValues") or {}
            if action == "Query" and values:
                wanted = {str(_ddb_value(v)) for v in values.values()}
                items = [i for i in items if str(i.get(key_attr)) in wanted]
            return ok({"Count": len(items), "Items": [{k: _ddb_attr(v) for k, v in i.items()} for i in items]})
        return fail(400, "UnknownOperationException", f"The action {action} is not simulated")
    if service == "states" and action == "StartExecution":
        execution = {
            "executionArn": f"arn:aws:states:{account.region}:{account.accountId}:execution:{payload.get('stateMachineArn', 'machine').rsplit(':', 1)[-1]}:{new_id()}",
            "input": payload.get("input", "{}"),
            "stateMachineArn": payload.get("stateMachineArn", ""),
        }
        account.stepFunctionsExecutions.append(execution)
        return ok({"executionArn": execution["executionArn"], "startDate": 0})
    if service == "kinesis" and action == "PutRecord":
        stream = payload.get("StreamName", "")
        records = account.kinesisStreams.setdefault(stream, [])
        records.append({"Data": payload.get("Data"), "PartitionKey": payload.get("PartitionKey")})
        return ok({"SequenceNumber": f"{len(records):056d}", "ShardId": "shardId-000000000000"})
    return fail(400, "UnknownOperationException", f"{service} {action} is not simulated")


def _ddb_value(attr: Any) -> Any:
    """DynamoDB's typed value ({"S": "x"}, {"N": "1"}) to a plain one."""
    if isinstance(attr, dict) and len(attr) == 1:
        ((kind, value),) = attr.items()
        if kind == "N":
            return float(value) if "." in str(value) else int(value)
        if kind in ("S", "BOOL"):
            return value
    return attr


def _ddb_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float)):
        return {"N": str(value)}
    return {"S": str(value)}


def new_request_id(rng) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
