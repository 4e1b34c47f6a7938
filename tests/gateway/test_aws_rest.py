"""boto3's `apigateway` client against the sandbox's AWS endpoint (answered in-process): every
operation group, paging, patch operations, AWS's errors, SigV4 and IAM."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

from gateway.model.call import Request
from gateway.rest.pipeline import invoke
from tests.gateway.awsclients import Sandbox

READ_ONLY = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apigateway:GET", "Resource": "*"}]}
)


def error_of(excinfo) -> tuple[str, int, str]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


@pytest.fixture
def sb():
    return Sandbox()


@pytest.fixture
def client(sb):
    return sb.client("apigateway")


def mock_api(client, name="pets", *, key_required=False):
    api = client.create_rest_api(name=name, endpointConfiguration={"types": ["REGIONAL"]})
    root = api["rootResourceId"]
    pets = client.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
    client.put_method(
        restApiId=api["id"],
        resourceId=pets["id"],
        httpMethod="GET",
        authorizationType="NONE",
        apiKeyRequired=key_required,
    )
    client.put_integration(
        restApiId=api["id"],
        resourceId=pets["id"],
        httpMethod="GET",
        type="MOCK",
        requestTemplates={"application/json": '{"statusCode": 200}'},
    )
    client.put_method_response(restApiId=api["id"], resourceId=pets["id"], httpMethod="GET", statusCode="200")
    client.put_integration_response(
        restApiId=api["id"],
        resourceId=pets["id"],
        httpMethod="GET",
        statusCode="200",
        responseTemplates={"application/json": '{"pets": ["rex"], "color": "$stageVariables.color"}'},
    )
    return api, pets


def get(sb, api_id, stage, path, headers=None):
    request = Request(api_id, stage, "GET", path, [], list((headers or {}).items()), "", time=1_790_000_000.0)
    return invoke(sb.account, request, runtime=sb.runtime)


def test_a_client_builds_deploys_and_the_api_answers(sb, client):
    api, pets = mock_api(client)
    assert api["endpointConfiguration"] == {"types": ["REGIONAL"]}
    deployment = client.create_deployment(restApiId=api["id"], stageName="prod", variables={"color": "blue"})
    assert deployment["id"] in sb.account.restApis[api["id"]].deployments
    response = get(sb, api["id"], "prod", "/pets")
    assert response.status == 200
    assert json.loads(response.body) == {"pets": ["rex"], "color": "blue"}
    method = client.get_method(restApiId=api["id"], resourceId=pets["id"], httpMethod="GET")
    assert method["methodIntegration"]["type"] == "MOCK"
    assert method["methodIntegration"]["integrationResponses"]["200"]["responseTemplates"]
    resources = client.get_resources(restApiId=api["id"], embed=["methods"])["items"]
    assert {r["path"] for r in resources} == {"/", "/pets"}
    assert "GET" in next(r for r in resources if r["path"] == "/pets")["resourceMethods"]


def test_paging_with_limit_and_position_and_the_paginator(client):
    for n in range(7):
        client.create_rest_api(name=f"api-{n}")
    first = client.get_rest_apis(limit=3)
    assert len(first["items"]) == 3 and first["position"]
    second = client.get_rest_apis(limit=3, position=first["position"])
    assert {a["name"] for a in first["items"]}.isdisjoint(a["name"] for a in second["items"])
    every = client.get_paginator("get_rest_apis").paginate(PaginationConfig={"PageSize": 2}).build_full_result()
    assert sorted(a["name"] for a in every["items"]) == [f"api-{n}" for n in range(7)]
    with pytest.raises(ClientError) as excinfo:
        client.get_rest_apis(limit=501)
    assert error_of(excinfo)[:2] == ("BadRequestException", 400)
    with pytest.raises(ClientError) as excinfo:
        client.get_rest_apis(position="not-a-position")
    assert error_of(excinfo)[:2] == ("BadRequestException", 400)


def test_not_found_and_conflict_in_aws_words(client):
    with pytest.raises(ClientError) as excinfo:
        client.get_rest_api(restApiId="nosuchapi1")
    assert error_of(excinfo) == (
        "NotFoundException",
        404,
        "Invalid API identifier specified 123456789012:nosuchapi1",
    )
    api, pets = mock_api(client)
    with pytest.raises(ClientError) as excinfo:
        client.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="pets")
    assert error_of(excinfo)[:2] == ("ConflictException", 409)
    with pytest.raises(ClientError) as excinfo:
        client.get_method(restApiId=api["id"], resourceId=pets["id"], httpMethod="POST")
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)
    with pytest.raises(ClientError) as excinfo:
        client.put_method(restApiId=api["id"], resourceId=pets["id"], httpMethod="FETCH", authorizationType="NONE")
    assert error_of(excinfo)[:2] == ("BadRequestException", 400)


def test_a_refused_write_changes_nothing(sb, client):
    api, pets = mock_api(client)
    before = sb.account.to_dict()
    with pytest.raises(ClientError):
        client.update_integration(
            restApiId=api["id"],
            resourceId=pets["id"],
            httpMethod="GET",
            patchOperations=[
                {"op": "replace", "path": "/timeoutInMillis", "value": "1000"},
                {"op": "replace", "path": "/type", "value": "CARRIER_PIGEON"},
            ],
        )
    assert sb.account.to_dict() == before


def test_stage_patch_operations_method_settings_variables_and_the_canary(sb, client):
    api, pets = mock_api(client)
    first = client.create_deployment(restApiId=api["id"], stageName="prod", variables={"color": "blue"})["id"]
    stage = client.update_stage(
        restApiId=api["id"],
        stageName="prod",
        patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "5"},
            {"op": "replace", "path": "/~1pets/GET/caching/enabled", "value": "true"},
            {"op": "replace", "path": "/cacheClusterEnabled", "value": "true"},
            {"op": "replace", "path": "/variables/color", "value": "green"},
        ],
    )
    assert stage["methodSettings"]["*/*"]["throttlingRateLimit"] == 5.0
    assert stage["methodSettings"]["~1pets/GET"]["cachingEnabled"] is True
    assert stage["cacheClusterEnabled"] is True and stage["variables"] == {"color": "green"}
    second = client.create_deployment(
        restApiId=api["id"],
        stageName="prod",
        canarySettings={"percentTraffic": 10.0, "stageVariableOverrides": {"color": "red"}},
    )["id"]
    stage = client.get_stage(restApiId=api["id"], stageName="prod")
    assert stage["deploymentId"] == first
    assert stage["canarySettings"]["deploymentId"] == second and stage["canarySettings"]["percentTraffic"] == 10.0
    client.update_stage(
        restApiId=api["id"],
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/canarySettings/percentTraffic", "value": "25"}],
    )
    assert sb.account.restApis[api["id"]].stages["prod"].canarySettings.percentTraffic == 25.0
    # AWS's promotion: copy the canary's deployment and variables, then remove the canary
    stage = client.update_stage(
        restApiId=api["id"],
        stageName="prod",
        patchOperations=[
            {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"},
            {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"},
            {"op": "remove", "path": "/canarySettings"},
        ],
    )
    assert stage["deploymentId"] == second and stage["variables"]["color"] == "red"
    assert "canarySettings" not in stage
    # and a rollback is a replace of /deploymentId
    stage = client.update_stage(
        restApiId=api["id"],
        stageName="prod",
        patchOperations=[{"op": "replace", "path": "/deploymentId", "value": first}],
    )
    assert stage["deploymentId"] == first
    with pytest.raises(ClientError) as excinfo:
        client.update_stage(
            restApiId=api["id"],
            stageName="prod",
            patchOperations=[{"op": "replace", "path": "/nonsense", "value": "1"}],
        )
    assert error_of(excinfo)[:2] == ("BadRequestException", 400)


def test_keys_usage_plans_and_the_403_exam_question(sb, client):
    api, _pets = mock_api(client, key_required=True)
    client.create_deployment(restApiId=api["id"], stageName="prod")
    key = client.create_api_key(name="partner", enabled=True)
    assert len(key["value"]) >= 20
    plan = client.create_usage_plan(
        name="basic", apiStages=[{"apiId": api["id"], "stage": "prod"}], quota={"limit": 100, "period": "DAY"}
    )
    assert get(sb, api["id"], "prod", "/pets", {"x-api-key": key["value"]}).status == 403
    client.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
    assert get(sb, api["id"], "prod", "/pets", {"x-api-key": key["value"]}).status == 200
    keys = client.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
    assert [(k["id"], k["type"]) for k in keys] == [(key["id"], "API_KEY")]
    assert "value" not in client.get_api_key(apiKey=key["id"])
    assert client.get_api_key(apiKey=key["id"], includeValue=True)["value"] == key["value"]
    usage = client.get_usage(usagePlanId=plan["id"], startDate="2026-12-01", endDate="2026-12-02")
    assert list(usage["items"]) == [key["id"]] and len(usage["items"][key["id"]]) == 2
    updated = client.update_usage_plan(
        usagePlanId=plan["id"], patchOperations=[{"op": "replace", "path": "/throttle/rateLimit", "value": "7"}]
    )
    assert updated["throttle"]["rateLimit"] == 7.0
    client.delete_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"])
    assert get(sb, api["id"], "prod", "/pets", {"x-api-key": key["value"]}).status == 403
    with pytest.raises(ClientError) as excinfo:
        client.create_usage_plan_key(usagePlanId=plan["id"], keyId="nosuchkey", keyType="API_KEY")
    assert error_of(excinfo)[:2] == ("NotFoundException", 404)


def test_models_validators_gateway_responses_authorizers_and_tags(sb, client):
    api, pets = mock_api(client)
    model = client.create_model(
        restApiId=api["id"], name="Pet", contentType="application/json", schema='{"type": "object"}'
    )
    assert client.get_models(restApiId=api["id"])["items"][0]["name"] == model["name"]
    validator = client.create_request_validator(restApiId=api["id"], name="body", validateRequestBody=True)
    assert client.get_request_validator(restApiId=api["id"], requestValidatorId=validator["id"])["validateRequestBody"]
    client.put_gateway_response(
        restApiId=api["id"], responseType="MISSING_AUTHENTICATION_TOKEN", statusCode="404", responseTemplates={}
    )
    responses = {r["responseType"]: r for r in client.get_gateway_responses(restApiId=api["id"], limit=500)["items"]}
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert responses["DEFAULT_4XX"]["defaultResponse"] is True
    function_arn = "arn:aws:lambda:us-east-1:123456789012:function:token-checker"
    authorizer = client.create_authorizer(
        restApiId=api["id"],
        name="tokens",
        type="TOKEN",
        authorizerUri=function_arn,
        identitySource="method.request.header.Authorization",
    )
    client.update_method(
        restApiId=api["id"],
        resourceId=pets["id"],
        httpMethod="GET",
        patchOperations=[
            {"op": "replace", "path": "/authorizationType", "value": "CUSTOM"},
            {"op": "replace", "path": "/authorizerId", "value": authorizer["id"]},
        ],
    )
    with pytest.raises(ClientError) as excinfo:
        client.delete_authorizer(restApiId=api["id"], authorizerId=authorizer["id"])
    assert error_of(excinfo)[:2] == ("ConflictException", 409)
    arn = f"arn:aws:apigateway:us-east-1::/restapis/{api['id']}"
    client.tag_resource(resourceArn=arn, tags={"team": "payments", "env": "lab"})
    client.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert client.get_tags(resourceArn=arn)["tags"] == {"team": "payments"}
    assert client.get_rest_api(restApiId=api["id"])["tags"] == {"team": "payments"}


def test_openapi_import_put_export_and_sdk(client):
    document = {
        "openapi": "3.0.1",
        "info": {"title": "imported", "version": "1"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "paths": {
            "/hello": {
                "get": {
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": {
                        "type": "mock",
                        "requestTemplates": {"application/json": '{"statusCode": 200}'},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
    }
    api = client.import_rest_api(
        body=json.dumps(document).encode(), parameters={"endpointConfigurationTypes": "REGIONAL"}
    )
    assert api["name"] == "imported" and api["endpointConfiguration"]["types"] == ["REGIONAL"]
    assert api["binaryMediaTypes"] == ["image/png"]
    document["paths"]["/bye"] = document["paths"]["/hello"]
    client.put_rest_api(restApiId=api["id"], mode="merge", body=json.dumps(document).encode())
    paths = {r["path"] for r in client.get_resources(restApiId=api["id"])["items"]}
    assert paths == {"/", "/hello", "/bye"}
    client.create_deployment(restApiId=api["id"], stageName="v1")
    exported = client.get_export(
        restApiId=api["id"],
        stageName="v1",
        exportType="oas30",
        parameters={"extensions": "apigateway"},
        accepts="application/json",
    )
    spec = json.loads(exported["body"].read())
    assert set(spec["paths"]) == {"/hello", "/bye"}
    assert "x-amazon-apigateway-integration" in spec["paths"]["/hello"]["get"]
    sdk = client.get_sdk(restApiId=api["id"], stageName="v1", sdkType="javascript")
    with zipfile.ZipFile(io.BytesIO(sdk["body"].read())) as archive:
        assert any(name.endswith(".js") for name in archive.namelist())
    with pytest.raises(ClientError) as excinfo:
        client.import_rest_api(body=b'{"openapi": "3.0.1", "paths": {"/x": {"get": "nonsense"}}}')
    code, status, message = error_of(excinfo)
    assert (code, status) == ("BadRequestException", 400) and "/paths/~1x/get" in message


def test_test_invoke_method_runs_the_working_copy_without_deploying(sb, client):
    api, pets = mock_api(client)
    result = client.test_invoke_method(
        restApiId=api["id"], resourceId=pets["id"], httpMethod="GET", stageVariables={"color": "teal"}
    )
    assert result["status"] == 200 and json.loads(result["body"])["color"] == "teal"
    assert "Method completed with status: 200" in result["log"]
    assert sb.account.restApis[api["id"]].deployments == {}


def test_flush_stage_cache_empties_the_shared_cache(sb, client):
    api, _pets = mock_api(client)
    client.create_deployment(restApiId=api["id"], stageName="prod", cacheClusterEnabled=True, cacheClusterSize="0.5")
    sb.runtime.store.put(f"cache:{api['id']}:prod:GET /pets", {"body": "cached"})
    client.flush_stage_cache(restApiId=api["id"], stageName="prod")
    assert sb.runtime.store.get(f"cache:{api['id']}:prod:GET /pets") is None


def test_iam_policies_decide_with_aws_denial_message(sb):
    reader = sb.client("apigateway", sb.user("reader", READ_ONLY))
    assert reader.get_rest_apis()["items"] == []
    with pytest.raises(ClientError) as excinfo:
        reader.create_rest_api(name="nope")
    assert error_of(excinfo) == (
        "AccessDeniedException",
        403,
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: apigateway:POST "
        "on resource: arn:aws:apigateway:us-east-1::/restapis",
    )
    nobody = sb.client("apigateway", sb.user("nobody", None))
    with pytest.raises(ClientError) as excinfo:
        nobody.get_rest_apis()
    assert error_of(excinfo)[:2] == ("AccessDeniedException", 403)
    assert sb.account.restApis == {}
    sts = sb.client("sts", sb.user("nobody2", None))  # GetCallerIdentity needs no permission
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/nobody2"


def test_one_api_scoped_policy(sb, client):
    mine, _ = mock_api(client, "mine")
    other, _ = mock_api(client, "other")
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "apigateway:*",
                    "Resource": f"arn:aws:apigateway:us-east-1::/restapis/{mine['id']}/*",
                }
            ],
        }
    )
    scoped = sb.client("apigateway", sb.user("scoped", policy))
    scoped.create_deployment(restApiId=mine["id"], stageName="dev")
    with pytest.raises(ClientError) as excinfo:
        scoped.create_deployment(restApiId=other["id"], stageName="dev")
    assert error_of(excinfo)[:2] == ("AccessDeniedException", 403)


def test_signatures_are_checked_as_aws_does(sb):
    key_id, _secret = sb.user("admin")
    forged = sb.client("apigateway", (key_id, "not-the-secret-" + "y" * 25))
    with pytest.raises(ClientError) as excinfo:
        forged.get_rest_apis()
    assert error_of(excinfo)[:2] == ("InvalidSignatureException", 403)
    unknown = sb.client("apigateway", ("AKIAUNKNOWNKEY000000", "whatever-secret"))
    with pytest.raises(ClientError) as excinfo:
        unknown.get_rest_apis()
    assert error_of(excinfo) == (
        "UnrecognizedClientException",
        403,
        "The security token included in the request is invalid.",
    )
    sb.account.iamUsers["admin"].accessKeys[0].status = "Inactive"
    with pytest.raises(ClientError) as excinfo:
        sb.client("apigateway", (key_id, _secret)).get_rest_apis()
    assert error_of(excinfo)[:2] == ("UnrecognizedClientException", 403)


def test_unsigned_and_unknown_requests(sb):
    from gateway.awsapi import dispatch

    status, headers, body = sb.answer(dispatch.AwsRequest("GET", "/restapis", [], [("Host", "h")], b""))
    assert status == 403 and dict(headers)["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {"message": "Missing Authentication Token"}
