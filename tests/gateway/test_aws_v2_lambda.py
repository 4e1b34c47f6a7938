"""The apigatewayv2 and lambda control planes, through real boto3 clients answered in-process:
HTTP and WebSocket APIs, routes, integrations, authorizers, stages, deployments, tags; Lambda
functions from a .zip holding sandbox.json, versions, aliases, permissions and Invoke."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import random
import re
import zipfile

import pytest
from botocore.exceptions import ClientError

import gateway as gw
from gateway.model.call import Request
from gateway.v2 import apis as v2
from tests.gateway.awsclients import Sandbox

ROLE = "arn:aws:iam::123456789012:role/lambda-basic"
ARN = "arn:aws:lambda:us-east-1:123456789012:function:"


def package(behaviour: dict | None = None, *, raw: str | None = None) -> bytes:
    """A deployment package: the learner's source, and sandbox.json when a behaviour is given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return event\n")
        if behaviour is not None or raw is not None:
            archive.writestr("sandbox.json", raw if raw is not None else json.dumps(behaviour))
    return buffer.getvalue()


def answer(status=200, body="hi"):
    return {"kind": "response", "response": {"statusCode": status, "body": body}}


def failure(call, *args, **kwargs) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response
    return error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Message"]


@pytest.fixture
def sb():
    return Sandbox()


@pytest.fixture
def apigw(sb):
    return sb.client("apigatewayv2")


@pytest.fixture
def lam(sb):
    return sb.client("lambda")


def new_function(lam, name="hello", behaviour=None, **fields):
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package(behaviour)},
        **fields,
    )


def invoke(lam, name, event=None, **kw):
    out = lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(), **kw)
    return out, json.loads(out["Payload"].read())


def call_http(sb, api_id, method="GET", path="/", stage=""):
    request = Request(api_id=api_id, stage=stage, method=method, path=path, query=[], headers=[], body="", time=0)
    return v2.invoke_http_api(sb.account, request, rng=random.Random(1), now=1_790_000_000.0)


# ---------------------------------------------------------------------------------------
# HTTP and WebSocket APIs


def test_create_get_update_and_delete_an_http_api(apigw):
    created = apigw.create_api(
        Name="shop",
        ProtocolType="HTTP",
        Description="the shop",
        CorsConfiguration={"AllowOrigins": ["https://www.example.com"], "AllowMethods": ["GET"], "MaxAge": 300},
        Tags={"team": "pets"},
    )
    api_id = created["ApiId"]
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["ApiEndpoint"] == f"https://{api_id}.execute-api.localhost"
    assert created["ProtocolType"] == "HTTP"
    assert created["RouteSelectionExpression"] == "$request.method $request.path"
    assert created["CorsConfiguration"] == {
        "AllowOrigins": ["https://www.example.com"],
        "AllowMethods": ["GET"],
        "MaxAge": 300,
    }
    assert created["Tags"] == {"team": "pets"}
    assert created["CreatedDate"].year >= 2024
    assert apigw.get_stages(ApiId=api_id)["Items"] == []  # only quick create adds a $default stage

    got = apigw.get_api(ApiId=api_id)
    assert (got["Name"], got["Description"]) == ("shop", "the shop")

    updated = apigw.update_api(
        ApiId=api_id, Name="store", Description="renamed", CorsConfiguration={"AllowOrigins": ["*"]}
    )
    assert (updated["Name"], updated["Description"]) == ("store", "renamed")
    assert updated["CorsConfiguration"] == {"AllowOrigins": ["*"]}
    apigw.delete_cors_configuration(ApiId=api_id)
    assert "CorsConfiguration" not in apigw.get_api(ApiId=api_id)

    assert failure(apigw.update_api, ApiId=api_id, Name=" ")[:2] == ("BadRequestException", 400)
    assert apigw.delete_api(ApiId=api_id)["ResponseMetadata"]["HTTPStatusCode"] == 204
    code, status, message = failure(apigw.get_api, ApiId=api_id)
    assert (code, status) == ("NotFoundException", 404)
    assert api_id in message


def test_websocket_apis_select_routes_from_the_body(apigw):
    api = apigw.create_api(Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    assert api["ApiEndpoint"] == f"wss://{api['ApiId']}.execute-api.localhost"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    mock = apigw.create_integration(ApiId=api["ApiId"], IntegrationType="MOCK")
    for key in ("$connect", "sendMessage"):
        apigw.create_route(ApiId=api["ApiId"], RouteKey=key, Target=f"integrations/{mock['IntegrationId']}")
    assert sorted(r["RouteKey"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]) == ["$connect", "sendMessage"]
    assert apigw.create_stage(ApiId=api["ApiId"], StageName="prod")["StageName"] == "prod"
    assert failure(apigw.create_stage, ApiId=api["ApiId"], StageName="$default")[:2] == ("BadRequestException", 400)
    assert failure(apigw.create_api, Name="chat", ProtocolType="WEBSOCKET")[:2] == ("BadRequestException", 400)
    code, status, _ = failure(
        apigw.create_api,
        Name="chat",
        ProtocolType="WEBSOCKET",
        RouteSelectionExpression="$request.body.action",
        CorsConfiguration={"AllowOrigins": ["*"]},
    )
    assert (code, status) == ("BadRequestException", 400)


def test_quick_create_makes_the_integration_route_and_auto_deployed_default_stage(apigw, lam):
    fn = new_function(lam)
    api = apigw.create_api(Name="quick", ProtocolType="HTTP", Target=fn["FunctionArn"])
    (route,) = apigw.get_routes(ApiId=api["ApiId"])["Items"]
    (integration,) = apigw.get_integrations(ApiId=api["ApiId"])["Items"]
    (stage,) = apigw.get_stages(ApiId=api["ApiId"])["Items"]
    assert route["RouteKey"] == "$default"
    assert route["Target"] == f"integrations/{integration['IntegrationId']}"
    assert (integration["IntegrationType"], integration["PayloadFormatVersion"]) == ("AWS_PROXY", "2.0")
    assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
    assert stage["DeploymentId"]
    assert failure(apigw.create_api, Name="x", ProtocolType="HTTP", RouteKey="GET /")[:2] == (
        "BadRequestException",
        400,
    )


def test_get_apis_and_get_routes_page_with_the_boto3_paginators(apigw):
    ids = [apigw.create_api(Name=f"api-{i}", ProtocolType="HTTP")["ApiId"] for i in range(7)]
    pages = list(apigw.get_paginator("get_apis").paginate(PaginationConfig={"PageSize": 3}))
    assert [len(page["Items"]) for page in pages] == [3, 3, 1]
    assert [a["ApiId"] for page in pages for a in page["Items"]] == ids

    for i in range(5):
        apigw.create_route(ApiId=ids[0], RouteKey=f"GET /r{i}")
    pages = list(apigw.get_paginator("get_routes").paginate(ApiId=ids[0], PaginationConfig={"PageSize": 2}))
    assert [len(page["Items"]) for page in pages] == [2, 2, 1]
    assert failure(apigw.get_apis, NextToken="not-a-token")[:2] == ("BadRequestException", 400)


# ---------------------------------------------------------------------------------------
# Routes, integrations, authorizers


def test_routes_create_get_update_and_delete(apigw):
    api_id = apigw.create_api(Name="shop", ProtocolType="HTTP")["ApiId"]
    target = apigw.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://echo.example.internal/",
        IntegrationMethod="GET",
    )
    route = apigw.create_route(ApiId=api_id, RouteKey="GET /pets", Target=f"integrations/{target['IntegrationId']}")
    assert (route["RouteKey"], route["AuthorizationType"]) == ("GET /pets", "NONE")
    assert apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])["Target"] == route["Target"]

    renamed = apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], RouteKey="GET /pets/{petId}")
    assert renamed["RouteKey"] == "GET /pets/{petId}"
    detached = apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], Target="")
    assert "Target" not in detached

    code, status, message = failure(apigw.create_route, ApiId=api_id, RouteKey="get pets")
    assert (code, status) == ("BadRequestException", 400)
    assert "route key" in message
    assert failure(apigw.create_route, ApiId=api_id, RouteKey="GET /pets/{petId}")[:2] == ("BadRequestException", 400)
    assert failure(apigw.create_route, ApiId=api_id, RouteKey="GET /x", Target="abc")[:2] == (
        "BadRequestException",
        400,
    )

    apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    assert failure(apigw.get_route, ApiId=api_id, RouteId=route["RouteId"])[:2] == ("NotFoundException", 404)
    assert failure(apigw.get_routes, ApiId="nope")[:2] == ("NotFoundException", 404)


def test_integrations_create_get_update_and_delete(apigw, lam):
    api_id = apigw.create_api(Name="shop", ProtocolType="HTTP")["ApiId"]
    fn = new_function(lam)
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=fn["FunctionArn"], PayloadFormatVersion="1.0"
    )
    integration_id = integration["IntegrationId"]
    assert (integration["IntegrationMethod"], integration["TimeoutInMillis"]) == ("POST", 30000)
    assert apigw.get_integration(ApiId=api_id, IntegrationId=integration_id)["PayloadFormatVersion"] == "1.0"

    changed = apigw.update_integration(
        ApiId=api_id, IntegrationId=integration_id, TimeoutInMillis=5000, PayloadFormatVersion="2.0"
    )
    assert (changed["TimeoutInMillis"], changed["PayloadFormatVersion"]) == (5000, "2.0")
    moved = apigw.update_integration(
        ApiId=api_id,
        IntegrationId=integration_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://echo.example.internal/x",
    )
    assert (moved["IntegrationType"], moved["PayloadFormatVersion"], moved["IntegrationMethod"]) == (
        "HTTP_PROXY",
        "1.0",
        "ANY",
    )
    assert failure(apigw.update_integration, ApiId=api_id, IntegrationId=integration_id, IntegrationUri="ftp://x")[
        :2
    ] == (
        "BadRequestException",
        400,
    )
    assert failure(apigw.create_integration, ApiId=api_id, IntegrationType="MOCK")[:2] == ("BadRequestException", 400)
    assert failure(
        apigw.create_integration,
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationUri="https://a.example",
        ConnectionType="VPC_LINK",
    )[:2] == ("BadRequestException", 400)

    route = apigw.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}", Target=f"integrations/{integration_id}")
    assert failure(apigw.delete_integration, ApiId=api_id, IntegrationId=integration_id)[:2] == (
        "ConflictException",
        409,
    )
    apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
    apigw.delete_integration(ApiId=api_id, IntegrationId=integration_id)
    assert apigw.get_integrations(ApiId=api_id)["Items"] == []
    assert failure(apigw.get_integration, ApiId=api_id, IntegrationId=integration_id)[:2] == ("NotFoundException", 404)


def test_jwt_and_request_authorizers(apigw, lam):
    api_id = apigw.create_api(Name="shop", ProtocolType="HTTP")["ApiId"]
    jwt = apigw.create_authorizer(
        ApiId=api_id,
        Name="cognito",
        AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={
            "Issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
            "Audience": ["client1"],
        },
    )
    assert jwt["JwtConfiguration"]["Audience"] == ["client1"]
    assert "AuthorizerUri" not in jwt
    fn = new_function(lam, "gate")
    request = apigw.create_authorizer(
        ApiId=api_id,
        Name="gate",
        AuthorizerType="REQUEST",
        AuthorizerUri=gw.model.resources.lambda_invocation_uri(fn["FunctionArn"]),
        IdentitySource=["$request.header.X-Key"],
        AuthorizerPayloadFormatVersion="2.0",
        EnableSimpleResponses=True,
    )
    assert request["AuthorizerUri"].endswith(f"functions/{fn['FunctionArn']}/invocations")
    assert (request["AuthorizerPayloadFormatVersion"], request["EnableSimpleResponses"]) == ("2.0", True)
    assert failure(
        apigw.create_authorizer,
        ApiId=api_id,
        Name="x",
        AuthorizerType="REQUEST",
        AuthorizerUri=fn["FunctionArn"],
        IdentitySource=[],
    )[:2] == ("BadRequestException", 400)

    listed = apigw.get_authorizers(ApiId=api_id)["Items"]
    assert {a["Name"] for a in listed} == {"cognito", "gate"}
    updated = apigw.update_authorizer(
        ApiId=api_id, AuthorizerId=jwt["AuthorizerId"], Name="pool", JwtConfiguration={"Audience": ["client2"]}
    )
    assert updated["Name"] == "pool"
    assert updated["JwtConfiguration"] == {"Audience": ["client2"], "Issuer": jwt["JwtConfiguration"]["Issuer"]}
    assert failure(apigw.update_authorizer, ApiId=api_id, AuthorizerId=jwt["AuthorizerId"], AuthorizerType="REQUEST")[
        :2
    ] == (
        "BadRequestException",
        400,
    )

    route = apigw.create_route(
        ApiId=api_id,
        RouteKey="GET /me",
        AuthorizationType="JWT",
        AuthorizerId=jwt["AuthorizerId"],
        AuthorizationScopes=["read"],
    )
    assert route["AuthorizationScopes"] == ["read"]
    assert failure(apigw.delete_authorizer, ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])[:2] == (
        "ConflictException",
        409,
    )
    opened = apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationType="NONE")
    assert "AuthorizerId" not in opened
    apigw.delete_authorizer(ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])
    assert failure(apigw.get_authorizer, ApiId=api_id, AuthorizerId=jwt["AuthorizerId"])[:2] == (
        "NotFoundException",
        404,
    )


# ---------------------------------------------------------------------------------------
# Stages, deployments, tags


def test_stages_and_deployments(apigw):
    api_id = apigw.create_api(Name="shop", ProtocolType="HTTP")["ApiId"]
    code, status, message = failure(apigw.create_deployment, ApiId=api_id)
    assert (code, status) == ("BadRequestException", 400)
    assert "no routes" in message
    apigw.create_route(ApiId=api_id, RouteKey="GET /pets")
    stage = apigw.create_stage(ApiId=api_id, StageName="dev", StageVariables={"color": "blue"}, Tags={"env": "dev"})
    assert (stage["StageVariables"], stage["AutoDeploy"], stage["Tags"]) == ({"color": "blue"}, False, {"env": "dev"})
    assert "DeploymentId" not in stage
    assert failure(apigw.create_stage, ApiId=api_id, StageName="dev")[:2] == ("ConflictException", 409)

    first = apigw.create_deployment(ApiId=api_id, StageName="dev", Description="v1")
    assert (first["DeploymentStatus"], first["Description"], first["AutoDeployed"]) == ("DEPLOYED", "v1", False)
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["DeploymentId"] == first["DeploymentId"]
    second = apigw.create_deployment(ApiId=api_id)
    assert (
        apigw.get_deployment(ApiId=api_id, DeploymentId=second["DeploymentId"])["DeploymentId"]
        == second["DeploymentId"]
    )
    pages = list(apigw.get_paginator("get_deployments").paginate(ApiId=api_id, PaginationConfig={"PageSize": 1}))
    assert [d["DeploymentId"] for page in pages for d in page["Items"]] == [
        first["DeploymentId"],
        second["DeploymentId"],
    ]

    moved = apigw.update_stage(
        ApiId=api_id, StageName="dev", DeploymentId=second["DeploymentId"], StageVariables={"color": "red"}
    )
    assert (moved["DeploymentId"], moved["StageVariables"]) == (second["DeploymentId"], {"color": "red"})
    auto = apigw.update_stage(ApiId=api_id, StageName="dev", AutoDeploy=True)
    assert auto["AutoDeploy"] and auto["DeploymentId"] not in (first["DeploymentId"], second["DeploymentId"])
    assert "Successfully deployed" in auto["LastDeploymentStatusMessage"]
    assert failure(apigw.update_stage, ApiId=api_id, StageName="dev", DeploymentId="nope")[:2] == (
        "NotFoundException",
        404,
    )

    apigw.delete_deployment(ApiId=api_id, DeploymentId=first["DeploymentId"])
    assert failure(apigw.get_deployment, ApiId=api_id, DeploymentId=first["DeploymentId"])[:2] == (
        "NotFoundException",
        404,
    )
    apigw.delete_stage(ApiId=api_id, StageName="dev")
    assert failure(apigw.get_stage, ApiId=api_id, StageName="dev")[:2] == ("NotFoundException", 404)


def test_tags_of_apis_and_stages(apigw):
    api_id = apigw.create_api(Name="shop", ProtocolType="HTTP")["ApiId"]
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    assert apigw.tag_resource(ResourceArn=arn, Tags={"a": "1", "b": "2"})["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == {"a": "1", "b": "2"}
    apigw.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert apigw.get_tags(ResourceArn=arn)["Tags"] == {"b": "2"}
    assert apigw.get_api(ApiId=api_id)["Tags"] == {"b": "2"}

    apigw.create_stage(ApiId=api_id, StageName="dev")
    apigw.tag_resource(ResourceArn=f"{arn}/stages/dev", Tags={"env": "dev"})
    assert apigw.get_stage(ApiId=api_id, StageName="dev")["Tags"] == {"env": "dev"}
    missing = "arn:aws:apigateway:us-east-1::/apis/nope"
    assert failure(apigw.get_tags, ResourceArn=missing)[:2] == ("NotFoundException", 404)
    assert failure(apigw.tag_resource, ResourceArn=f"{arn}/stages/prod", Tags={"x": "y"})[:2] == (
        "NotFoundException",
        404,
    )


def test_iam_a_reader_may_list_apis_but_not_create_one(sb, apigw):
    apigw.create_api(Name="shop", ProtocolType="HTTP")
    reader_policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apigateway:GET", "Resource": "*"}]}
    )
    reader = sb.client("apigatewayv2", sb.user("reader", reader_policy))
    assert [a["Name"] for a in reader.get_apis()["Items"]] == ["shop"]
    code, status, message = failure(reader.create_api, Name="mine", ProtocolType="HTTP")
    assert (code, status) == ("AccessDeniedException", 403)
    assert "apigateway:POST" in message
    assert len(sb.account.v2Apis) == 1


# ---------------------------------------------------------------------------------------
# Lambda functions


def test_create_get_update_and_delete_a_function(lam):
    zipped = package(answer())
    created = lam.create_function(
        FunctionName="hello",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": zipped},
        Description="says hi",
        Timeout=10,
        MemorySize=256,
        Environment={"Variables": {"GREETING": "hi"}},
        Tags={"team": "pets"},
    )
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == ARN + "hello"
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(zipped).digest()).decode()
    assert created["CodeSize"] == len(zipped)
    assert (created["Version"], created["State"], created["Runtime"], created["Handler"]) == (
        "$LATEST",
        "Active",
        "python3.12",
        "app.handler",
    )
    assert (created["Timeout"], created["MemorySize"], created["Role"]) == (10, 256, ROLE)
    assert created["Environment"] == {"Variables": {"GREETING": "hi"}}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000", created["LastModified"])

    got = lam.get_function(FunctionName="hello")
    assert got["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert got["Tags"] == {"team": "pets"}
    assert lam.get_function_configuration(FunctionName=ARN + "hello")["Description"] == "says hi"

    changed = lam.update_function_configuration(
        FunctionName="hello", Timeout=30, Environment={"Variables": {}}, Description=""
    )
    assert (changed["Timeout"], changed["Description"], "Environment" in changed) == (30, "", False)
    assert changed["RevisionId"] != created["RevisionId"]
    code, status, _ = failure(
        lam.update_function_configuration, FunctionName="hello", Timeout=5, RevisionId=created["RevisionId"]
    )
    assert (code, status) == ("PreconditionFailedException", 412)
    code, status, message = failure(
        lam.update_function_configuration, FunctionName="hello", Environment={"Variables": {"AWS_REGION": "x"}}
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "AWS_REGION" in message
    assert failure(lam.update_function_configuration, FunctionName="hello", Timeout=901)[:2] == (
        "ValidationException",
        400,
    )

    code, status, message = failure(new_function, lam, "hello")
    assert (code, status, message) == ("ResourceConflictException", 409, "Function already exist: hello")

    newer = lam.update_function_code(FunctionName="hello", ZipFile=package(answer(201, "again")))
    assert newer["CodeSha256"] != created["CodeSha256"]
    assert invoke(lam, "hello")[1] == {"statusCode": 201, "body": "again"}

    assert lam.delete_function(FunctionName="hello")["ResponseMetadata"]["HTTPStatusCode"] == 204
    code, status, message = failure(lam.get_function, FunctionName="hello")
    assert (code, status, message) == ("ResourceNotFoundException", 404, f"Function not found: {ARN}hello")


def test_invoke_runs_the_behaviour_of_sandbox_json(lam):
    new_function(lam, "hello", answer(200, "hi"))
    out, payload = invoke(lam, "hello", {"name": "ada"}, LogType="Tail")
    assert (out["StatusCode"], out["ExecutedVersion"], payload) == (200, "$LATEST", {"statusCode": 200, "body": "hi"})
    assert "FunctionError" not in out
    assert "REPORT RequestId" in base64.b64decode(out["LogResult"]).decode()

    new_function(lam, "echo")  # no sandbox.json: the function echoes
    assert invoke(lam, "echo", {"name": "ada"})[1] == {"name": "ada"}

    new_function(lam, "broken", {"kind": "error", "message": "boom", "errorType": "ValueError"})
    out, payload = invoke(lam, "broken")
    assert (out["StatusCode"], out["FunctionError"]) == (200, "Unhandled")
    assert (payload["errorMessage"], payload["errorType"]) == ("boom", "ValueError")

    new_function(lam, "slow", {"kind": "echo", "durationMs": 5000}, Timeout=3)
    out, payload = invoke(lam, "slow")
    assert (out["FunctionError"], payload["errorType"]) == ("Unhandled", "Sandbox.Timedout")
    assert "Task timed out after 3.00 seconds" in payload["errorMessage"]

    assert lam.invoke(FunctionName="hello", InvocationType="Event")["StatusCode"] == 202
    assert lam.invoke(FunctionName="hello", InvocationType="DryRun")["StatusCode"] == 204
    code, status, _ = failure(lam.invoke, FunctionName="hello", Payload=b"{not json")
    assert (code, status) == ("InvalidRequestContentException", 400)
    assert failure(lam.invoke, FunctionName="nope")[:2] == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (b"this is not a zip", "Could not unzip uploaded file"),
        (package(raw="{not json"), "not valid JSON"),
        (package({"kind": "teleport"}), "kind must be one of"),
        (package({"kind": "response"}), "needs `response`"),
        (package({"kind": "echo", "colour": "red"}), "unknown field"),
    ],
)
def test_a_bad_package_is_refused_and_nothing_is_created(sb, lam, code, words):
    error, status, message = failure(
        lam.create_function,
        FunctionName="bad",
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": code},
    )
    assert (error, status) == ("InvalidParameterValueException", 400)
    assert words in message
    assert lam.list_functions()["Functions"] == []
    assert "bad" not in sb.account.functions


def test_a_bad_package_leaves_the_code_as_it_was(lam):
    created = new_function(lam, "hello", answer())
    assert failure(lam.update_function_code, FunctionName="hello", ZipFile=b"PK nope")[:2] == (
        "InvalidParameterValueException",
        400,
    )
    assert lam.get_function(FunctionName="hello")["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert invoke(lam, "hello")[1] == {"statusCode": 200, "body": "hi"}
    assert failure(
        lam.create_function,
        FunctionName="s3",
        Role=ROLE,
        Runtime="python3.12",
        Handler="a.b",
        Code={"S3Bucket": "code-bucket", "S3Key": "k"},
    )[:2] == ("InvalidParameterValueException", 400)


def test_list_functions_pages_fifty_at_most(sb, lam):
    for i in range(55):
        gw.create_function(sb.account, f"fn-{i:02d}", {"kind": "echo"})
    pages = list(lam.get_paginator("list_functions").paginate())
    assert [len(page["Functions"]) for page in pages] == [50, 5]
    assert [f["FunctionName"] for page in pages for f in page["Functions"]] == [f"fn-{i:02d}" for i in range(55)]
    first = lam.list_functions(MaxItems=200)
    assert (len(first["Functions"]), bool(first["NextMarker"])) == (50, True)
    pages = list(lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 20}))
    assert [len(page["Functions"]) for page in pages] == [20, 20, 15]
    assert failure(lam.list_functions, Marker="garbage")[:2] == ("InvalidParameterValueException", 400)


def test_versions_and_aliases_snapshot_the_behaviour(lam):
    new_function(lam, "hello", answer(200, "one"))
    v1 = lam.publish_version(FunctionName="hello", Description="first")
    assert (v1["Version"], v1["FunctionArn"], v1["Description"]) == ("1", ARN + "hello:1", "first")
    lam.update_function_code(FunctionName="hello", ZipFile=package(answer(200, "two")))
    assert lam.publish_version(FunctionName="hello")["Version"] == "2"
    assert lam.publish_version(FunctionName="hello")["Version"] == "2"  # nothing changed: no new version
    lam.update_function_code(FunctionName="hello", ZipFile=package(answer(200, "three")))

    alias = lam.create_alias(FunctionName="hello", Name="prod", FunctionVersion="1", Description="live")
    assert (alias["AliasArn"], alias["FunctionVersion"], alias["Description"]) == (ARN + "hello:prod", "1", "live")
    out, payload = invoke(lam, "hello", Qualifier="prod")
    assert (payload["body"], out["ExecutedVersion"]) == ("one", "1")
    assert invoke(lam, "hello:2")[1]["body"] == "two"
    assert invoke(lam, "hello")[1]["body"] == "three"
    assert lam.get_function(FunctionName="hello", Qualifier="prod")["Configuration"]["Version"] == "1"
    assert failure(lam.create_alias, FunctionName="hello", Name="prod", FunctionVersion="2")[:2] == (
        "ResourceConflictException",
        409,
    )
    assert failure(lam.create_alias, FunctionName="hello", Name="beta", FunctionVersion="9")[:2] == (
        "ResourceNotFoundException",
        404,
    )

    moved = lam.update_alias(FunctionName="hello", Name="prod", FunctionVersion="2")
    assert moved["FunctionVersion"] == "2"
    assert invoke(lam, "hello", Qualifier="prod")[1]["body"] == "two"
    assert failure(
        lam.update_alias, FunctionName="hello", Name="prod", FunctionVersion="1", RevisionId=alias["RevisionId"]
    )[:2] == ("PreconditionFailedException", 412)
    lam.create_alias(FunctionName="hello", Name="old", FunctionVersion="1")
    assert [a["Name"] for a in lam.list_aliases(FunctionName="hello")["Aliases"]] == ["old", "prod"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName="hello", FunctionVersion="1")["Aliases"]] == ["old"]
    pages = list(lam.get_paginator("list_versions_by_function").paginate(FunctionName="hello"))
    assert [v["Version"] for page in pages for v in page["Versions"]] == ["$LATEST", "1", "2"]

    code, status, message = failure(lam.delete_function, FunctionName="hello", Qualifier="2")
    assert (code, status) == ("ResourceConflictException", 409)
    assert "prod" in message
    lam.delete_alias(FunctionName="hello", Name="prod")
    assert failure(lam.get_alias, FunctionName="hello", Name="prod")[:2] == ("ResourceNotFoundException", 404)
    lam.delete_function(FunctionName="hello", Qualifier="2")
    assert failure(lam.invoke, FunctionName="hello", Qualifier="2")[:2] == ("ResourceNotFoundException", 404)
    assert invoke(lam, "hello", Qualifier="old")[1]["body"] == "one"


def test_add_permission_get_policy_and_remove_permission(lam):
    new_function(lam, "hello", answer())
    assert failure(lam.get_policy, FunctionName="hello")[:2] == ("ResourceNotFoundException", 404)
    source = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/pets"
    added = lam.add_permission(
        FunctionName="hello",
        StatementId="apigw-pets",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=source,
    )
    assert json.loads(added["Statement"]) == {
        "Sid": "apigw-pets",
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": ARN + "hello",
        "Condition": {"ArnLike": {"AWS:SourceArn": source}},
    }
    grant = {"Action": "lambda:InvokeFunction", "Principal": "apigateway.amazonaws.com"}
    lam.add_permission(FunctionName="hello", StatementId="anywhere", **grant)
    code, status, _ = failure(lam.add_permission, FunctionName="hello", StatementId="anywhere", **grant)
    assert (code, status) == ("ResourceConflictException", 409)
    assert failure(
        lam.add_permission,
        FunctionName="hello",
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
    )[:2] == ("InvalidParameterValueException", 400)

    policy = json.loads(lam.get_policy(FunctionName="hello")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["apigw-pets", "anywhere"]
    assert "Condition" not in policy["Statement"][1]

    lam.publish_version(FunctionName="hello")
    lam.create_alias(FunctionName="hello", Name="prod", FunctionVersion="1")
    lam.add_permission(FunctionName="hello", Qualifier="prod", StatementId="prod-only", **grant)
    prod = json.loads(lam.get_policy(FunctionName="hello", Qualifier="prod")["Policy"])
    assert [(s["Sid"], s["Resource"]) for s in prod["Statement"]] == [("prod-only", ARN + "hello:prod")]

    lam.remove_permission(FunctionName="hello", StatementId="apigw-pets")
    assert [s["Sid"] for s in json.loads(lam.get_policy(FunctionName="hello")["Policy"])["Statement"]] == ["anywhere"]
    assert failure(lam.remove_permission, FunctionName="hello", StatementId="apigw-pets")[:2] == (
        "ResourceNotFoundException",
        404,
    )
    assert failure(lam.add_permission, FunctionName="nope", StatementId="x", **grant)[:2] == (
        "ResourceNotFoundException",
        404,
    )


def test_a_console_function_is_seen_by_the_client_with_its_permission(sb, lam):
    gw.create_function(sb.account, "pets", {"kind": "pets"})
    config = lam.get_function_configuration(FunctionName="pets")
    assert (config["FunctionName"], config["Version"], config["CodeSize"] > 0) == ("pets", "$LATEST", True)
    (statement,) = json.loads(lam.get_policy(FunctionName="pets")["Policy"])["Statement"]
    assert statement["Sid"].startswith("sandbox-")
    lam.remove_permission(FunctionName="pets", StatementId=statement["Sid"])
    assert sb.account.functions["pets"].permissions == []


def test_iam_a_user_allowed_one_function_is_denied_another(sb, lam):
    new_function(lam, "mine")
    new_function(lam, "theirs")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": ARN + "mine"}],
        }
    )
    limited = sb.client("lambda", sb.user("limited", policy))
    assert limited.get_function(FunctionName="mine")["Configuration"]["FunctionName"] == "mine"
    code, status, message = failure(limited.get_function, FunctionName="theirs")
    assert (code, status) == ("AccessDeniedException", 403)
    assert "lambda:GetFunction" in message
    assert failure(limited.invoke, FunctionName="mine")[:2] == ("AccessDeniedException", 403)


# ---------------------------------------------------------------------------------------
# The client's API, invoked by the engine


def test_an_http_api_built_by_the_clients_answers_through_the_engine(sb, apigw, lam):
    fn = new_function(lam, "hello", answer(200, "hello from the sandbox"))
    api_id = apigw.create_api(Name="hello-api", ProtocolType="HTTP")["ApiId"]
    integration = apigw.create_integration(
        ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=fn["FunctionArn"], PayloadFormatVersion="2.0"
    )
    apigw.create_route(ApiId=api_id, RouteKey="GET /hello", Target=f"integrations/{integration['IntegrationId']}")
    stage = apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    assert stage["DeploymentId"]

    denied = call_http(sb, api_id, "GET", "/hello")  # API Gateway may not invoke the function yet
    assert denied.status == 500

    lam.add_permission(
        FunctionName="hello",
        StatementId="apigw",
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/*/GET/hello",
    )
    response = call_http(sb, api_id, "GET", "/hello")
    assert (response.status, response.text) == (200, "hello from the sandbox")
    assert call_http(sb, api_id, "GET", "/other").status == 404

    apigw.create_stage(ApiId=api_id, StageName="dev")
    apigw.create_deployment(ApiId=api_id, StageName="dev")
    assert call_http(sb, api_id, "GET", "/hello", stage="dev").status == 200
