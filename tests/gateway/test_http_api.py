"""HTTP APIs (API Gateway v2, protocolType HTTP): routes, payload 2.0, authorizers, CORS, stages."""

from __future__ import annotations

import json
import random

import pytest

import gateway as gw
from gateway.auth import cognito
from gateway.model.call import Request
from gateway.v2 import apis as v2
from tests.gateway.conftest import NOW


def call(account, api, method="GET", path="/", *, stage="", query=None, headers=None, body="", now=NOW):
    request = Request(
        api_id=api.apiId,
        stage=stage,
        method=method,
        path=path,
        query=list(query or []),
        headers=list((headers or {}).items()),
        body=body,
        time=now,
    )
    return v2.invoke_http_api(account, request, rng=random.Random(3), now=now)


def event_of(response):
    """The echo function answers its event as the JSON body of a proxy response."""
    assert response.status == 200, response.text
    return response.json()


def lambda_api(account, behaviour=None, route_key="ANY /{proxy+}", name="fn", **integration):
    fn = gw.create_function(account, name, behaviour or {"kind": "echo"})
    api = v2.create_http_api(account, "shop", now=NOW)
    target = v2.create_v2_integration(account, api, "AWS_PROXY", fn.arn, now=NOW, **integration)
    route = v2.create_route(account, api, route_key, target.integrationId, now=NOW)
    return api, target, route


# ---------------------------------------------------------------------------------------
# Routes


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1"),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}"),
        ("GET", "/pets/cat/1", "ANY /pets/{proxy+}"),
        ("POST", "/pets/dog/1", "ANY /pets/{proxy+}"),
        ("GET", "/test/5", "$default"),
    ],
)
def test_the_most_specific_route_wins_then_greedy_then_default(account, method, path, expected):
    # The example of AWS docs, "Working with routes for HTTP APIs".
    api, target, _ = lambda_api(account, route_key="GET /pets/dog/1")
    for key in ("GET /pets/dog/{id}", "ANY /pets/{proxy+}", "$default"):
        v2.create_route(account, api, key, target.integrationId, now=NOW)
    assert event_of(call(account, api, method, path))["routeKey"] == expected


def test_no_matching_route_and_no_default_route_is_404_not_found(account):
    api, _, _ = lambda_api(account, route_key="GET /pets")
    response = call(account, api, "GET", "/orders")
    assert (response.status, response.text) == (404, '{"message":"Not Found"}')
    assert response.decided_by == "route"


def test_path_parameters_and_greedy_path(account):
    api, target, _ = lambda_api(account, route_key="GET /pets/{petId}")
    v2.create_route(account, api, "GET /files/{proxy+}", target.integrationId, now=NOW)
    assert event_of(call(account, api, "GET", "/pets/7"))["pathParameters"] == {"petId": "7"}
    assert event_of(call(account, api, "GET", "/files/a/b.txt"))["pathParameters"] == {"proxy": "a/b.txt"}


# ---------------------------------------------------------------------------------------
# Lambda proxy, payload format 2.0


def test_payload_2_0_event_shape(account):
    api, _, _ = lambda_api(account, route_key="POST /items/{id}")
    response = call(
        account,
        api,
        "POST",
        "/items/9",
        query=[("c", "a"), ("c", "b"), ("d", "x")],
        headers={"User-Agent": "curl/8", "X-Multi": "1", "x-multi": "2", "Cookie": "s=1; theme=dark"},
        body='{"n": 1}',
    )
    event = event_of(response)
    assert list(event) == [
        "version",
        "routeKey",
        "rawPath",
        "rawQueryString",
        "cookies",
        "headers",
        "queryStringParameters",
        "requestContext",
        "body",
        "pathParameters",
        "isBase64Encoded",
    ]
    assert event["version"] == "2.0" and event["routeKey"] == "POST /items/{id}"
    assert (event["rawPath"], event["rawQueryString"]) == ("/items/9", "c=a&c=b&d=x")
    assert event["cookies"] == ["s=1", "theme=dark"]
    assert event["headers"] == {"user-agent": "curl/8", "x-multi": "1,2"}  # lowercase, duplicates joined
    assert event["queryStringParameters"] == {"c": "a,b", "d": "x"}
    assert (event["body"], event["isBase64Encoded"], event["pathParameters"]) == ('{"n": 1}', False, {"id": "9"})
    context = event["requestContext"]
    assert set(context) == {
        "accountId",
        "apiId",
        "domainName",
        "domainPrefix",
        "http",
        "requestId",
        "routeKey",
        "stage",
        "time",
        "timeEpoch",
    }
    assert context["http"] == {
        "method": "POST",
        "path": "/items/9",
        "protocol": "HTTP/1.1",
        "sourceIp": "203.0.113.10",
        "userAgent": "curl/8",
    }
    assert (context["stage"], context["domainName"]) == ("$default", f"{api.apiId}.execute-api.us-east-1.amazonaws.com")
    assert context["timeEpoch"] == int(NOW * 1000) and context["requestId"] == response.request_id


def test_absent_parts_of_a_2_0_event_are_left_out(account):
    api, _, _ = lambda_api(account)
    event = event_of(call(account, api, "GET", "/x"))
    assert not {"cookies", "queryStringParameters", "body", "stageVariables"} & set(event)
    assert event["rawQueryString"] == ""


def test_named_stage_passes_its_variables_and_keeps_its_name_in_the_raw_path(account):
    api, _, _ = lambda_api(account)
    v2.create_v2_stage(account, api, "dev", auto_deploy=True, variables={"table": "pets_dev"}, now=NOW)
    event = event_of(call(account, api, "GET", "/x", stage="dev"))
    assert (event["stageVariables"], event["requestContext"]["stage"]) == ({"table": "pets_dev"}, "dev")
    assert event["rawPath"] == "/dev/x"


@pytest.mark.parametrize(
    ("output", "body"),
    [({"message": "hi"}, '{"message": "hi"}'), ("Hello from Lambda!", "Hello from Lambda!"), ([1, 2], "[1, 2]")],
)
def test_an_output_without_status_code_is_the_body_of_a_200_json_response(account, output, body):
    api, _, _ = lambda_api(account, {"kind": "response", "response": output})
    response = call(account, api, "GET", "/x")
    assert (response.status, response.text, response.header("content-type")) == (200, body, "application/json")


def test_a_full_2_0_response_sets_status_headers_and_cookies(account):
    output = {"statusCode": 201, "headers": {"X-Id": 7}, "cookies": ["a=1", "b=2; Secure"], "body": "made"}
    api, _, _ = lambda_api(account, {"kind": "response", "response": output})
    response = call(account, api, "POST", "/x")
    assert (response.status, response.text, response.header("X-Id")) == (201, "made", "7")
    assert [v for k, v in response.headers if k == "set-cookie"] == ["a=1", "b=2; Secure"]


def test_payload_1_0_follows_the_rest_proxy_rules(account):
    api, _, _ = lambda_api(account, payload_format="1.0")
    event = event_of(call(account, api, "GET", "/x", query=[("c", "a"), ("c", "b")]))
    assert event["version"] == "1.0"
    assert (event["queryStringParameters"], event["multiValueQueryStringParameters"]) == ({"c": "b"}, {"c": ["a", "b"]})


def test_payload_1_0_malformed_output_is_500(account):
    api, _, _ = lambda_api(
        account, {"kind": "response", "response": {"message": "no statusCode"}}, payload_format="1.0"
    )
    response = call(account, api, "GET", "/x")
    assert (response.status, response.text) == (500, '{"message":"Internal Server Error"}')


def test_a_failing_function_is_500_internal_server_error(account):
    api, _, _ = lambda_api(account, {"kind": "error", "message": "boom"})
    response = call(account, api, "GET", "/x")
    assert (response.status, response.json()) == (500, {"message": "Internal Server Error"})
    assert response.decided_by == "integration"


def test_integration_timeout_is_503_service_unavailable(account):
    api, _, _ = lambda_api(account, {"kind": "echo", "durationMs": 31_000})
    response = call(account, api, "GET", "/x")
    assert (response.status, response.json()) == (503, {"message": "Service Unavailable"})
    assert response.integration_latency_ms == 30_000


def test_a_slow_http_backend_is_503_too(account):
    api = v2.create_http_api(account, "proxy", now=NOW)
    target = v2.create_v2_integration(account, api, "HTTP_PROXY", "https://slow.example.internal/x", now=NOW)
    v2.create_route(account, api, "GET /x", target.integrationId, now=NOW)
    assert call(account, api, "GET", "/x").status == 503


def test_http_proxy_on_the_default_route_forwards_the_whole_path(account):
    api = v2.create_http_api(account, "proxy", now=NOW)
    target = v2.create_v2_integration(account, api, "HTTP_PROXY", "https://echo.example.internal", now=NOW)
    v2.create_route(account, api, "$default", target.integrationId, now=NOW)
    response = call(account, api, "PUT", "/store/checkout", query=[("a", "1")], body="x")
    forwarded = response.json()
    assert (forwarded["method"], forwarded["path"], forwarded["query"]) == ("PUT", "/store/checkout", {"a": "1"})
    assert target.payloadFormatVersion == "1.0"


# ---------------------------------------------------------------------------------------
# JWT authorizers (Cognito user pools)


@pytest.fixture
def pool(account):
    pool = cognito.create_user_pool(account, "shop-users")
    cognito.create_client(pool, "web", allowed_scopes=["pets/read", "pets/write"])
    cognito.create_user(pool, "alice", "Passw0rd!")
    return pool


def jwt_api(account, pool, *, audience=None, scopes=None):
    api, target, route = lambda_api(account, route_key="GET /pets")
    client_id = pool.clients[0].clientId
    authorizer = v2.create_jwt_authorizer(account, api, "cognito", pool.issuer, audience or [client_id], now=NOW)
    v2.update_route(
        account, api, route.routeId, authorization_type="JWT", authorizer_id=authorizer.authorizerId, scopes=scopes
    )
    return api


def token(pool, kind="AccessToken", scopes=("pets/read",)):
    client_id = pool.clients[0].clientId
    return cognito.issue_tokens(pool, client_id, "alice", "Passw0rd!", now=NOW, scopes=list(scopes))[kind]


def test_a_valid_jwt_reaches_the_function_with_its_claims(account, pool):
    api = jwt_api(account, pool)
    event = event_of(call(account, api, "GET", "/pets", headers={"Authorization": f"Bearer {token(pool)}"}))
    jwt = event["requestContext"]["authorizer"]["jwt"]
    assert jwt["claims"]["username"] == "alice" and jwt["claims"]["exp"] == str(int(NOW) + 3600)
    assert jwt["scopes"] == ["aws.cognito.signin.user.admin", "pets/read"]


def test_a_jwt_without_bearer_prefix_is_accepted_too(account, pool):
    api = jwt_api(account, pool)
    assert call(account, api, "GET", "/pets", headers={"Authorization": token(pool, "IdToken")}).status == 200


def test_no_token_is_401(account, pool):
    response = call(account, jwt_api(account, pool), "GET", "/pets")
    assert (response.status, response.json()) == (401, {"message": "Unauthorized"})


def test_an_expired_jwt_is_401(account, pool):
    api = jwt_api(account, pool)
    response = call(account, api, "GET", "/pets", headers={"Authorization": token(pool)}, now=NOW + 3601)
    assert (response.status, response.json()) == (401, {"message": "Unauthorized"})
    assert 'error_description="the token has expired"' in response.header("www-authenticate")


def test_a_jwt_for_another_audience_is_401(account, pool):
    api = jwt_api(account, pool, audience=["another-app-client"])
    response = call(account, api, "GET", "/pets", headers={"Authorization": token(pool)})
    assert (response.status, response.json()) == (401, {"message": "Unauthorized"})
    assert "audience" in response.reason


def test_a_jwt_without_the_routes_scope_is_403(account, pool):
    api = jwt_api(account, pool, scopes=["pets/write"])
    response = call(account, api, "GET", "/pets", headers={"Authorization": token(pool, scopes=["pets/read"])})
    assert (response.status, response.json()) == (403, {"message": "Forbidden"})


# ---------------------------------------------------------------------------------------
# Lambda authorizers (simple responses)


def lambda_authorizer_api(account, *, ttl=0):
    api, _, route = lambda_api(account, route_key="GET /pets")
    gw.create_function(
        account,
        "gatekeeper",
        {
            "kind": "table",
            "cases": [
                {
                    "when": {"header.authorization": "let-me-in"},
                    "response": {"isAuthorized": True, "context": {"tier": "gold"}},
                },
                {"when": {}, "response": {"isAuthorized": False}},
            ],
        },
    )
    authorizer = v2.create_lambda_authorizer(
        account,
        api,
        "gatekeeper",
        account.functions["gatekeeper"].arn,
        "$request.header.Authorization",
        ttl=ttl,
        now=NOW,
    )
    v2.update_route(
        account, api, route.routeId, authorization_type="CUSTOM", authorizer_id=authorizer.authorizerId, now=NOW
    )
    return api


def test_simple_lambda_authorizer_allows_and_passes_its_context(account):
    api = lambda_authorizer_api(account)
    event = event_of(call(account, api, "GET", "/pets", headers={"Authorization": "let-me-in"}))
    assert event["requestContext"]["authorizer"] == {"lambda": {"tier": "gold"}}


def test_simple_lambda_authorizer_saying_false_is_403(account):
    response = call(account, lambda_authorizer_api(account), "GET", "/pets", headers={"Authorization": "guess"})
    assert (response.status, response.json()) == (403, {"message": "Forbidden"})


def test_missing_identity_source_is_401_without_calling_the_authorizer(account):
    api = lambda_authorizer_api(account)
    account.functions["gatekeeper"].versions["$LATEST"] = gw.Behaviour(kind="error", message="must not be called")
    response = call(account, api, "GET", "/pets")
    assert (response.status, response.json()) == (401, {"message": "Unauthorized"})


def test_cached_authorizer_result_is_reused_within_its_ttl(account):
    api = lambda_authorizer_api(account, ttl=300)
    headers = {"Authorization": "let-me-in"}
    assert call(account, api, "GET", "/pets", headers=headers).status == 200
    account.functions["gatekeeper"].versions["$LATEST"] = gw.Behaviour(
        kind="response", response={"isAuthorized": False}
    )
    assert call(account, api, "GET", "/pets", headers=headers, now=NOW + 10).status == 200
    assert call(account, api, "GET", "/pets", headers=headers, now=NOW + 301).status == 403


def test_lambda_authorizer_iam_policy_deny_is_403(account):
    api, _, route = lambda_api(account, route_key="GET /pets")
    policy = {"Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": "*"}]}
    gate = gw.create_function(
        account, "gate", {"kind": "response", "response": {"principalId": "x", "policyDocument": policy}}
    )
    authorizer = v2.create_lambda_authorizer(
        account, api, "gate", gate.arn, "$request.header.Authorization", simple_responses=False, now=NOW
    )
    v2.update_route(account, api, route.routeId, authorization_type="CUSTOM", authorizer_id=authorizer.authorizerId)
    response = call(account, api, "GET", "/pets", headers={"Authorization": "anything"})
    assert (response.status, response.json()) == (403, {"message": "Forbidden"})


# ---------------------------------------------------------------------------------------
# Built-in CORS


CORS = {
    "allowOrigins": ["https://shop.example.com"],
    "allowMethods": ["GET", "POST"],
    "allowHeaders": ["Content-Type", "Authorization"],
    "exposeHeaders": ["X-Id"],
    "maxAge": 300,
}


def cors_api(account, behaviour=None):
    api, _, _ = lambda_api(account, behaviour)
    v2.update_cors(account, api, CORS, now=NOW)
    return api


def preflight(account, api, origin):
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST"}
    return call(account, api, "OPTIONS", "/cart", headers=headers)


def test_preflight_from_an_allowed_origin_is_answered_by_api_gateway(account):
    api = cors_api(account, {"kind": "error", "message": "the backend must not be called"})
    response = preflight(account, api, "https://shop.example.com")
    assert (response.status, response.decided_by) == (204, "cors")
    assert response.header("access-control-allow-origin") == "https://shop.example.com"
    assert response.header("access-control-allow-methods") == "GET,POST"
    assert response.header("access-control-allow-headers") == "Content-Type,Authorization"
    assert response.header("access-control-max-age") == "300"


def test_preflight_from_a_refused_origin_gets_no_cors_headers(account):
    response = preflight(account, cors_api(account), "https://evil.example.net")
    assert response.status == 204
    assert not [k for k, _ in response.headers if k.startswith("access-control-")]


def test_cors_headers_replace_the_backends_on_an_actual_request(account):
    output = {"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*"}, "body": "ok"}
    api = cors_api(account, {"kind": "response", "response": output})
    response = call(account, api, "GET", "/cart", headers={"Origin": "https://shop.example.com"})
    cors = [(k, v) for k, v in response.headers if k.lower().startswith("access-control-")]
    assert cors == [
        ("access-control-allow-origin", "https://shop.example.com"),
        ("access-control-expose-headers", "X-Id"),
    ]


# ---------------------------------------------------------------------------------------
# What HTTP APIs do not have, and validation


@pytest.mark.parametrize(
    ("operation", "feature"),
    [
        (v2.add_to_usage_plan_v2, "usage plans"),
        (v2.create_api_key_v2, "API keys"),
        (v2.enable_cache_v2, "caching"),
        (v2.set_mapping_template_v2, "mapping templates"),
    ],
)
def test_rest_only_features_are_refused_with_the_reason(account, operation, feature):
    api = v2.create_http_api(account, "shop", now=NOW)
    with pytest.raises(gw.ValidationError) as caught:
        operation(account, api, "anything")
    assert f"HTTP APIs do not have {feature}; use a REST API for that" in str(caught.value)


@pytest.mark.parametrize("kind", ["MOCK", "AWS", "HTTP"])
def test_non_proxy_integrations_are_refused(account, kind):
    api = v2.create_http_api(account, "shop", now=NOW)
    with pytest.raises(
        gw.ValidationError, match=r"simulator runs AWS_PROXY \(Lambda\) or HTTP_PROXY .* not simulated here"
    ):
        v2.create_v2_integration(account, api, kind, "https://echo.example.internal", now=NOW)


def test_integration_timeout_is_50_ms_to_30_s(account):
    api = v2.create_http_api(account, "shop", now=NOW)
    with pytest.raises(gw.ValidationError, match="between 50 and 30000"):
        v2.create_v2_integration(account, api, "HTTP_PROXY", "https://echo.example.internal", timeout_ms=30_001)


@pytest.mark.parametrize("key", ["GET pets", "get /pets", "FETCH /pets", "GET /a/{proxy+}/b", "GET /a//b"])
def test_bad_route_keys_are_refused(account, key):
    api, target, _ = lambda_api(account)
    with pytest.raises(gw.ValidationError) as caught:
        v2.create_route(account, api, key, target.integrationId, now=NOW)
    assert caught.value.problems[0].where == "routeKey"


def test_duplicate_route_key_and_unknown_target_are_refused(account):
    api, target, _ = lambda_api(account, route_key="GET /pets")
    with pytest.raises(gw.ValidationError, match="already exists"):
        v2.create_route(account, api, "GET /pets", target.integrationId, now=NOW)
    with pytest.raises(gw.ValidationError, match="no integration with the id 'nope'"):
        v2.create_route(account, api, "GET /orders", "nope", now=NOW)


# ---------------------------------------------------------------------------------------
# Stages and deployments


def test_auto_deploy_stage_serves_every_change_at_once(account):
    api, target, _ = lambda_api(account, route_key="GET /pets")
    assert call(account, api, "GET", "/orders").status == 404
    v2.create_route(account, api, "GET /orders", target.integrationId, now=NOW)
    assert call(account, api, "GET", "/orders").status == 200


def test_a_stage_without_auto_deploy_serves_only_what_was_deployed(account):
    api, target, _ = lambda_api(account, route_key="GET /pets")
    v2.create_v2_stage(account, api, "prod", now=NOW)
    v2.deploy_v2(account, api, "prod", now=NOW)
    v2.create_route(account, api, "GET /orders", target.integrationId, now=NOW)
    assert call(account, api, "GET", "/orders", stage="prod").status == 404
    v2.deploy_v2(account, api, "prod", now=NOW)
    assert call(account, api, "GET", "/orders", stage="prod").status == 200


def test_an_api_without_routes_cannot_be_deployed(account):
    api = v2.create_http_api(account, "empty", now=NOW)
    with pytest.raises(gw.ValidationError, match="no routes exist"):
        v2.deploy_v2(account, api, "$default", now=NOW)
    assert call(account, api, "GET", "/").status == 404


def test_the_api_survives_a_save_and_load(account):
    api, _, _ = lambda_api(account)
    restored = gw.Account.from_dict(json.loads(json.dumps(account.to_dict())))
    assert restored == account
    assert event_of(call(restored, api, "GET", "/x"))["routeKey"] == "ANY /{proxy+}"
