"""Lambda functions whose handler is the learner's JavaScript: run in V8 isolates of a helper
process, with Lambda's answers for errors, timeouts, memory and oversized responses."""

from __future__ import annotations

import json
import time
import uuid

import pytest

import gateway as gw
from gateway.integrations import jsruntime
from gateway.integrations.backends import invoke_lambda
from gateway.model.resources import Behaviour, Permission
from tests.gateway.conftest import add_method, call, deploy

pytest.importorskip("py_mini_racer")


def run(code, event=None, **kw):
    kw.setdefault("timeout_s", 1)
    kw.setdefault("function_name", "fn")
    return jsruntime.run(code, {"x": 1} if event is None else event, **kw)


def key():
    return f"test-{uuid.uuid4()}"  # a function of its own: no warm container shared with another test


def test_event_in_proxy_response_out():
    code = """
    export const handler = async (event) => ({
      statusCode: 200,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: event.path, name: event.queryStringParameters.name }),
    });
    """
    result = run(code, {"path": "/pets", "queryStringParameters": {"name": "Rex"}})
    assert result.ok, result
    assert result.result == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": '{"path":"/pets","name":"Rex"}',
    }
    assert result.duration_ms >= 0


@pytest.mark.parametrize(
    "code",
    [
        "export const handler = async (event) => event.x + 1;",
        "export async function handler(event) { return event.x + 1 }",
        "const handler = async (event) => event.x + 1; export { handler };",
        "const go = async (event) => event.x + 1; export { go as handler };",
        "exports.handler = async (event) => event.x + 1;",
        "module.exports.handler = async (event) => event.x + 1;",
        "async function handler(event) { return event.x + 1 }\nmodule.exports = { handler };",
        "exports.handler = (event, context, callback) => { callback(null, event.x + 1) };",
        "exports.handler = (event, context, callback) => { setTimeout(() => callback(null, event.x + 1), 5) };",
        "exports.handler = (event) => new Promise((resolve) => setTimeout(() => resolve(event.x + 1), 5));",
    ],
)
def test_handler_shapes(code):
    result = run(code)
    assert result.ok, result
    assert result.result == 2


def test_callback_errors_and_a_plain_return():
    failed = run("exports.handler = (event, context, callback) => callback(new Error('nope'))")
    assert (failed.ok, failed.error_type, failed.error_message) == (False, "Error", "nope")
    as_string = run("exports.handler = (event, context, callback) => callback('boom')")
    assert (as_string.error_type, as_string.error_message) == ("string", "boom")
    # Node.js: a handler that neither returns a promise nor calls back answers null
    assert run("exports.handler = () => 5").result is None


def test_console_lines_are_captured_as_the_node_runtime_writes_them():
    code = """
    console.log("loading");
    export const handler = async (event, context) => {
      console.log("hello", { a: 1 }, [2]);
      console.warn("careful %s and %d", "this", 42);
      console.error(new TypeError("shown"));
      return "done";
    };
    """
    result = run(code, request_id="11111111-2222-3333-4444-555555555555")
    assert result.ok, result
    fields = [line.split("\t", 3) for line in result.logs]
    assert [f[1:] for f in fields[:3]] == [
        ["undefined", "INFO", "loading"],  # module level, before any request: as in Lambda's logs
        ["11111111-2222-3333-4444-555555555555", "INFO", 'hello {"a":1} [2]'],
        ["11111111-2222-3333-4444-555555555555", "WARN", "careful this and 42"],
    ]
    assert fields[3][2] == "ERROR" and fields[3][3].startswith("TypeError: shown")
    assert all(f[0].endswith("Z") for f in fields)


def test_the_context_object():
    code = """
    export const handler = async (event, context) => {
      const first = context.getRemainingTimeInMillis();
      await new Promise((resolve) => setTimeout(resolve, 30));
      return {
        first, second: context.getRemainingTimeInMillis(),
        fields: [context.functionName, context.functionVersion, context.invokedFunctionArn, context.memoryLimitInMB,
                 context.awsRequestId, context.logGroupName, context.callbackWaitsForEmptyEventLoop],
        stream: context.logStreamName,
      };
    };
    """
    arn = "arn:aws:lambda:us-east-1:123456789012:function:fn:live"
    result = run(code, timeout_s=1, memory_mb=256, request_id="req-1", invoked_arn=arn, function_version="3")
    assert result.ok, result
    out = result.result
    assert 0 < out["second"] < out["first"] <= 1000
    assert out["first"] - out["second"] >= 25
    assert out["fields"] == ["fn", "3", arn, "256", "req-1", "/aws/lambda/fn", True]
    assert "/[3]" in out["stream"]


def test_thrown_errors_keep_their_name_and_message():
    result = run("exports.handler = async () => { null.x }")
    assert (result.error_type, result.error_message) == ("TypeError", "Cannot read properties of null (reading 'x')")
    assert result.stack[0].startswith("TypeError:") and "/var/task/index.js:1" in result.stack[1]
    custom = run(
        "class NotFound extends Error { constructor(m) { super(m); this.name = 'NotFound' } }\n"
        "export const handler = async () => { throw new NotFound('no pet 7') }"
    )
    assert (custom.error_type, custom.error_message) == ("NotFound", "no pet 7")
    assert any("Invoke Error" in line and '"errorType":"NotFound"' in line for line in custom.logs)


def test_syntax_errors_and_missing_handlers():
    syntax = run("export const handler = async () => { let x = ; }")
    assert (syntax.error_type, syntax.error_message) == (
        "Runtime.UserCodeSyntaxError",
        "SyntaxError: Unexpected token ';'",
    )
    for code in (
        "exports.other = async () => 1",
        "export const other = async () => 1",
        "export default async function handler() { return 1 }",
    ):
        missing = run(code)
        assert (missing.error_type, missing.error_message) == (
            "Runtime.HandlerNotFound",
            "index.handler is undefined or not exported",
        ), code
    named = run("exports.main = async () => 1", handler="app.lambdaHandler")
    assert named.error_message == "app.lambdaHandler is undefined or not exported"
    assert run("exports.handler = 'not a function'").error_message == "index.handler is not a function"
    imported = run("import fs from 'fs';\nexport const handler = async () => 1;")
    assert imported.error_type == "Runtime.ImportModuleError"


def test_an_infinite_loop_times_out_and_the_next_invocation_works():
    started = time.monotonic()
    result = run("exports.handler = async () => { while (true) {} }", timeout_s=1, request_id="loop-1")
    elapsed = time.monotonic() - started
    assert (result.error_type, result.error_message) == (
        "Sandbox.Timedout",
        "RequestId: loop-1 Error: Task timed out after 1.00 seconds",
    )
    assert elapsed < 1 + 2
    assert result.duration_ms == 1000
    assert run("exports.handler = async () => 'fine'").result == "fine"


def test_a_loop_after_an_await_times_out_too():
    result = run("exports.handler = async () => { await new Promise((r) => setTimeout(r, 5)); while (true) {} }")
    assert result.error_type == "Sandbox.Timedout"
    assert run("exports.handler = async () => 'fine'").result == "fine"


def test_a_memory_bomb_is_killed_as_lambda_kills_it():
    code = "exports.handler = async () => { const a = []; while (true) a.push(new Array(1e6).fill(1)) }"
    result = run(code, timeout_s=5, memory_mb=128, request_id="mem-1")
    assert (result.error_type, result.error_message) == (
        "Runtime.ExitError",
        "RequestId: mem-1 Error: Runtime exited with error: signal: killed",
    )
    buffers = run(
        "exports.handler = async () => { const a = []; while (true) a.push(new Uint8Array(1e7).fill(1)) }",
        timeout_s=5,
        memory_mb=128,
    )
    assert buffers.error_type == "Runtime.ExitError"  # outside V8's heap: the worker's memory watch
    assert run("exports.handler = async () => 'fine'").result == "fine"


def test_a_response_over_six_megabytes_is_refused():
    result = run("exports.handler = async () => 'x'.repeat(10 * 1024 * 1024)")
    assert (result.error_type, result.error_message) == (
        "Function.ResponseSizeTooLarge",
        "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
    )
    circular = run("exports.handler = async () => { const a = {}; a.self = a; return a }")
    assert (circular.error_type, circular.error_message) == (
        "Runtime.JSONStringifyError",
        "Unable to stringify response body",
    )


def test_no_node_apis_reach_outside(tmp_path):
    target = tmp_path / "written"
    attempts = {
        "require": f"exports.handler = async () => require('fs').writeFileSync({json.dumps(str(target))}, 'x')",
        "process": "exports.handler = async () => process.env",
        "fetch": "exports.handler = async () => fetch('http://example.com')",
        "import": "exports.handler = async () => import('fs')",
    }
    for name, code in attempts.items():
        result = run(code)
        assert not result.ok, name
        assert result.error_type in ("ReferenceError", "TypeError", "Error"), (name, result)
    assert run(attempts["require"]).error_message == "require is not defined"
    assert run(attempts["process"]).error_message == "process is not defined"
    assert not target.exists()


def test_prototype_tampering_stays_in_its_own_isolate():
    tamper = "exports.handler = async () => { Object.prototype.x = 1; Array.prototype.map = null; return ({}).x }"
    look = "exports.handler = async () => [({}).x === undefined, typeof [].map]"
    assert run(tamper, warm_key=key()).result == 1
    assert run(look, warm_key=key()).result == [True, "function"]
    assert run(look).result == [True, "function"]


def test_warm_containers_keep_module_state_per_function_version():
    code = "let count = 0;\nexport const handler = async () => ++count;"
    v1, v2 = key(), key()
    assert [run(code, warm_key=v1).result for _ in range(3)] == [1, 2, 3]
    assert run(code, warm_key=v2).result == 1
    assert run(code, warm_key=v1).result == 4
    assert run(code).result == 1  # no key: a cold start every time
    changed = code.replace("++count", "(count += 10)")
    assert run(changed, warm_key=v1).result == 10  # new code: a new environment


def test_a_crashed_environment_is_replaced():
    code = (
        "let n = 0; exports.handler = async () => { n++; setTimeout(() => { throw new Error('late') }, 1); return n }"
    )
    k = key()
    assert run(code, warm_key=k).result == 1
    time.sleep(0.05)
    assert run(code, warm_key=k).result == 1  # the uncaught exception ended that environment


# ---------------------------------------------------------------------------------------------
# Through the engine


SOURCE = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/x"


def code_function(account, name, code, **config):
    fn = gw.create_function(account, name, {"kind": "code", "code": code})
    fn.timeout = config.get("timeout", 1)
    fn.memorySize = config.get("memory", 128)
    return fn


def test_invoke_lambda_uses_the_version_and_its_limits(account):
    fn = code_function(
        account, "counter", "let n = 0; exports.handler = async (e, c) => [++n, c.functionVersion, c.memoryLimitInMB]"
    )
    result = invoke_lambda(account, fn.arn, {}, proxy=False, source_arn=SOURCE)
    assert (result.failed, result.payload, result.version) == (False, [1, "$LATEST", "128"], "$LATEST")
    version = fn.publish_version()
    assert fn.versions[version].code == fn.versions["$LATEST"].code
    fn.permissions.append(Permission(sourceArn="*", qualifier=version))
    published = invoke_lambda(account, f"{fn.arn}:{version}", {}, proxy=False, source_arn=SOURCE)
    assert published.payload == [1, version, "128"]  # another version: another environment
    assert invoke_lambda(account, fn.arn, {}, proxy=False, source_arn=SOURCE).payload[0] == 2


def test_a_failing_code_function_reports_the_node_runtime_payload(account):
    fn = code_function(account, "thrower", "exports.handler = async () => { throw new RangeError('too far') }")
    result = invoke_lambda(account, fn.arn, {}, proxy=False, source_arn=SOURCE)
    payload = result.error_payload()
    assert (payload["errorType"], payload["errorMessage"]) == ("RangeError", "too far")
    assert payload["trace"][0] == "RangeError: too far"
    assert any("Invoke Error" in line for line in result.logs)


def test_a_rest_api_proxies_to_a_code_function(account, api):
    ok = code_function(account, "hi", "export const handler = async () => ({ statusCode: 200, body: 'hi' });")
    bad = code_function(account, "bad", "export const handler = async () => ({ status: 200 });")
    add_method(account, api, "/hi", "GET", "AWS_PROXY", uri=ok.arn)
    add_method(account, api, "/bad", "GET", "AWS_PROXY", uri=bad.arn)
    deploy(account, api)
    response = call(account, api, "GET", "/hi")
    assert (response.status, response.text) == (200, "hi")
    assert call(account, api, "GET", "/bad").status == 502


def test_stored_behaviours_without_code_still_load():
    assert Behaviour.from_dict({"kind": "echo"}).code is None
    assert Behaviour.from_dict({"kind": "code", "code": "x"}).to_dict()["code"] == "x"
