"""The learner's own JavaScript through the Lambda API: a .zip with index.mjs, invoked by boto3."""

from __future__ import annotations

import base64
import io
import json
import zipfile

from tests.gateway.awsclients import Sandbox

HANDLER = """
let invocations = 0;  // module scope: kept while the container is warm
export const handler = async (event, context) => {
  invocations += 1;
  console.log("hello from", context.functionName, event.name);
  return { statusCode: 200, body: JSON.stringify({ hi: event.name, invocations }) };
};
"""


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_zip_with_index_mjs_runs_the_learners_handler():
    sb = Sandbox()
    client = sb.client("lambda")
    created = client.create_function(
        FunctionName="greeter",
        Runtime="nodejs20.x",
        Role="arn:aws:iam::123456789012:role/lambda-basic",
        Handler="index.handler",
        Code={"ZipFile": package({"index.mjs": HANDLER})},
        Timeout=2,
    )
    assert created["Handler"] == "index.handler"
    assert sb.account.functions["greeter"].versions["$LATEST"].kind == "code"
    answer = client.invoke(FunctionName="greeter", Payload=json.dumps({"name": "Ada"}).encode(), LogType="Tail")
    assert "FunctionError" not in answer
    assert json.loads(json.loads(answer["Payload"].read())["body"])["hi"] == "Ada"
    assert "hello from greeter Ada" in base64.b64decode(answer["LogResult"]).decode()

    client.update_function_code(
        FunctionName="greeter",
        ZipFile=package({"index.mjs": "export const handler = async () => { throw new TypeError('nope'); };"}),
    )
    failed = client.invoke(FunctionName="greeter", Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    body = json.loads(failed["Payload"].read())
    assert (body["errorType"], body["errorMessage"]) == ("TypeError", "nope")


def test_an_endless_handler_times_out_as_lambda_says():
    sb = Sandbox()
    client = sb.client("lambda")
    client.create_function(
        FunctionName="spinner",
        Runtime="nodejs20.x",
        Role="arn:aws:iam::123456789012:role/lambda-basic",
        Handler="index.handler",
        Code={"ZipFile": package({"index.js": "exports.handler = async () => { while (true) {} };"})},
        Timeout=1,
    )
    answer = client.invoke(FunctionName="spinner", Payload=b"{}")
    body = json.loads(answer["Payload"].read())
    assert answer["FunctionError"] == "Unhandled"
    assert body["errorType"] == "Sandbox.Timedout" and "Task timed out after 1.00 seconds" in body["errorMessage"]
