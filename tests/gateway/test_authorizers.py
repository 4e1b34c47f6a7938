"""Method authorization on REST APIs: Lambda authorizers, Cognito, AWS_IAM, resource policies."""

from __future__ import annotations

import json

import pytest

import gateway as gw
from gateway.auth import authorizers, cognito, sigv4
from gateway.model.call import Request
from gateway.model.resources import AccessKey, IamUser
from gateway.rest.pipeline import invoke
from gateway.traffic import limits as traffic
from tests.gateway.conftest import NOW, call, deploy, mock_200

KEY = "a-learner-api-key-value-0001"
CASES = [
    {"when": {"token": "allow"}, "effect": "Allow", "principalId": "ada", "context": {"tier": "gold", "n": 3}},
    {"when": {"token": "deny"}, "effect": "Deny", "principalId": "eve"},
    {"when": {"token": "only-get"}, "effect": "Allow", "principalId": "bob", "resource": "method"},
    {"when": {"token": "crash"}, "effect": "Error", "message": "boom"},
    {"when": {}, "effect": "Unauthorized"},
]


def token_api(account, api, *, ttl=300, validation=None, paths=("/pets",)):
    fn = gw.create_function(account, "auth", {"kind": "authorizer", "cases": CASES})
    auth = authorizers.create_authorizer(
        account, api, "tokens", "TOKEN", function_arn=fn.arn, ttl=ttl, validation_expression=validation
    )
    for path in paths:
        resource = mock_200(
            account,
            api,
            path,
            response_template='{"who": "$context.authorizer.principalId", "tier": "$context.authorizer.tier"}',
        )
        gw.update_method(api, resource.id, "GET", authorizationType="CUSTOM", authorizerId=auth.id)
    deploy(account, api)
    return fn


def get(account, api, path="/pets", token=None, t=NOW):
    headers = [("Authorization", token)] if token is not None else []
    return invoke(account, Request(api.id, "dev", "GET", path, headers=headers, time=t))


def test_allow_passes_the_context_to_the_integration(account, api):
    token_api(account, api)
    response = get(account, api, token="allow")
    assert response.status == 200 and response.json() == {"who": "ada", "tier": "gold"}
    assert response.principal == "ada"


def test_no_token_is_401_without_calling_the_function(account, api):
    token_api(account, api)
    response = get(account, api)
    assert (response.status, response.json()) == (401, {"message": "Unauthorized"})
    assert response.header("x-amzn-ErrorType") == "UnauthorizedException"


def test_authorizer_saying_unauthorized_is_401(account, api):
    token_api(account, api)
    assert get(account, api, token="who-knows").status == 401


def test_explicit_deny_is_403_with_awss_message(account, api):
    token_api(account, api)
    response = get(account, api, token="deny")
    assert (response.status, response.json()) == (
        403,
        {"message": "User is not authorized to access this resource with an explicit deny"},
    )
    assert response.header("x-amzn-ErrorType") == "AccessDeniedException"


def test_a_failing_authorizer_is_500(account, api):
    token_api(account, api)
    assert get(account, api, token="crash").status == 500


def test_validation_expression_refuses_without_invoking(account, api):
    token_api(account, api, validation=r"^Bearer [a-z]+$")
    response = get(account, api, token="allow")
    assert response.status == 401
    assert any("does not match" in line.message for line in response.log)


def test_a_cached_deny_keeps_denying_until_the_ttl(account, api):
    fn = token_api(account, api, ttl=300)
    assert get(account, api, token="deny").status == 403
    fn.versions["$LATEST"].cases = [{"when": {}, "effect": "Allow", "principalId": "eve"}]
    assert get(account, api, token="deny", t=NOW + 10).status == 403  # the cached policy still denies
    assert get(account, api, token="deny", t=NOW + 301).status == 200  # the TTL ran out: asked again


def test_ttl_zero_asks_the_function_every_time(account, api):
    fn = token_api(account, api, ttl=0)
    assert get(account, api, token="deny").status == 403
    fn.versions["$LATEST"].cases = [{"when": {}, "effect": "Allow", "principalId": "eve"}]
    assert get(account, api, token="deny", t=NOW + 1).status == 200


def test_a_cached_policy_for_one_method_denies_another(account, api):
    token_api(account, api, paths=("/pets", "/orders"))
    assert get(account, api, "/pets", token="only-get").status == 200
    response = get(account, api, "/orders", token="only-get", t=NOW + 1)
    assert (response.status, response.json()) == (403, {"message": "User is not authorized to access this resource"})


def test_request_authorizer_uses_headers_and_query(account, api):
    fn = gw.create_function(
        account,
        "auth",
        {
            "kind": "authorizer",
            "cases": [
                {"when": {"header.X-Team": "blue", "query.env": "dev"}, "effect": "Allow", "principalId": "team-blue"},
                {"when": {}, "effect": "Deny"},
            ],
        },
    )
    auth = authorizers.create_authorizer(
        account,
        api,
        "req",
        "REQUEST",
        function_arn=fn.arn,
        identity_source="method.request.header.X-Team,method.request.querystring.env",
    )
    resource = mock_200(account, api, "/pets", response_template='{"who": "$context.authorizer.principalId"}')
    gw.update_method(api, resource.id, "GET", authorizationType="CUSTOM", authorizerId=auth.id)
    deploy(account, api)
    assert call(account, api, "GET", "/pets", headers={"X-Team": "blue"}, query=[("env", "dev")]).json() == {
        "who": "team-blue"
    }
    assert call(account, api, "GET", "/pets", headers={"X-Team": "blue"}).status == 401  # an identity source is missing


def test_api_key_from_an_authorizer_when_the_key_source_is_authorizer(account, api):
    resource = mock_200(account, api, "/pets")
    api.apiKeySource = "AUTHORIZER"
    fn = gw.create_function(
        account,
        "auth",
        {
            "kind": "authorizer",
            "cases": [{"when": {"token": "good"}, "effect": "Allow", "principalId": "u1", "usageIdentifierKey": KEY}],
        },
    )
    auth = authorizers.create_authorizer(account, api, "a", "TOKEN", function_arn=fn.arn, ttl=0)
    gw.update_method(api, resource.id, "GET", apiKeyRequired=True, authorizationType="CUSTOM", authorizerId=auth.id)
    deploy(account, api, "prod")
    key = traffic.create_api_key(account, "customer", value=KEY, enabled=True)
    plan = traffic.create_usage_plan(account, "p")
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, key.id)
    assert call(account, api, path="/pets", stage="prod", headers={"Authorization": "good"}).status == 200


def test_authorizer_ttl_is_bounded(account, api):
    fn = gw.create_function(account, "auth", {"kind": "authorizer"})
    with pytest.raises(gw.ValidationError, match="between 0 and 3600"):
        authorizers.create_authorizer(account, api, "t", "TOKEN", function_arn=fn.arn, ttl=4000)


# ---------------------------------------------------------------------------------------
# Cognito user pools


def cognito_api(account, api, scopes=None):
    pool = cognito.create_user_pool(account, "learners", now=NOW)
    client = cognito.create_client(pool, "web", allowed_scopes=["pets/read"])
    cognito.create_user(pool, "ada", "Correct-horse-1")
    auth = authorizers.create_authorizer(account, api, "pool", "COGNITO_USER_POOLS", provider_arns=[pool.arn])
    resource = mock_200(
        account, api, "/pets", response_template='{"user": "$context.authorizer.claims.get(\'cognito:username\')"}'
    )
    gw.update_method(
        api,
        resource.id,
        "GET",
        authorizationType="COGNITO_USER_POOLS",
        authorizerId=auth.id,
        authorizationScopes=scopes or [],
    )
    deploy(account, api)
    return pool, client


def test_cognito_id_token_is_accepted_and_claims_reach_the_template(account, api):
    pool, client = cognito_api(account, api)
    tokens = cognito.issue_tokens(pool, client.clientId, "ada", "Correct-horse-1", now=NOW)
    assert get(account, api, token=tokens["IdToken"]).status == 200


def test_cognito_expired_or_foreign_token_is_401(account, api):
    pool, client = cognito_api(account, api)
    tokens = cognito.issue_tokens(pool, client.clientId, "ada", "Correct-horse-1", now=NOW)
    assert get(account, api, token=tokens["IdToken"], t=NOW + 3601).status == 401
    other = cognito.create_user_pool(account, "other", now=NOW)
    other_client = cognito.create_client(other, "x")
    cognito.create_user(other, "ada", "Correct-horse-1")
    foreign = cognito.issue_tokens(other, other_client.clientId, "ada", "Correct-horse-1", now=NOW)
    assert get(account, api, token=foreign["IdToken"]).status == 401
    assert get(account, api).status == 401


def test_cognito_scopes_need_an_access_token_with_the_scope(account, api):
    pool, client = cognito_api(account, api, scopes=["pets/read"])
    with_scope = cognito.issue_tokens(pool, client.clientId, "ada", "Correct-horse-1", now=NOW, scopes=["pets/read"])
    without = cognito.issue_tokens(pool, client.clientId, "ada", "Correct-horse-1", now=NOW)
    assert get(account, api, token=with_scope["AccessToken"]).status == 200
    assert get(account, api, token=without["AccessToken"]).status in (401, 403)


# ---------------------------------------------------------------------------------------
# AWS_IAM and resource policies


def iam_api(account, api, policies):
    user = IamUser(
        name="dev-user",
        accessKeys=[AccessKey("AKIAEXAMPLEDEV0000001", "secret-key-for-the-simulation-0000000001")],
        policies=[json.dumps(p) for p in policies],
    )
    account.iamUsers[user.name] = user
    resource = mock_200(account, api, "/pets", response_template='{"caller": "$context.identity.userArn"}')
    gw.update_method(api, resource.id, "GET", authorizationType="AWS_IAM")
    deploy(account, api)
    return user


def sign(api, user, t=NOW):
    host = f"{api.id}.execute-api.us-east-1.amazonaws.com"
    return sigv4.sign_request(
        "GET",
        f"https://{host}/dev/pets",
        [("Host", host)],
        b"",
        access_key_id=user.accessKeys[0].accessKeyId,
        secret_access_key=user.accessKeys[0].secretAccessKey,
        now=t,
    )


def signed(account, api, user, *, tamper=False, t=NOW):
    headers = sign(api, user, t)
    if tamper:  # one character of the signature changed
        headers = [(k, v[:-1] + ("0" if v[-1] != "0" else "1")) if k == "Authorization" else (k, v) for k, v in headers]
    return invoke(account, Request(api.id, "dev", "GET", "/pets", headers=headers, time=t))


ALLOW_INVOKE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}],
}


def test_iam_signed_request_from_an_allowed_user_passes(account, api):
    user = iam_api(account, api, [ALLOW_INVOKE])
    response = signed(account, api, user)
    assert response.status == 200 and response.json() == {"caller": user.arn}


def test_iam_without_signature_is_missing_authentication_token(account, api):
    iam_api(account, api, [ALLOW_INVOKE])
    response = call(account, api, "GET", "/pets")
    assert (response.status, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_iam_bad_signature_is_the_signature_mismatch_message(account, api):
    user = iam_api(account, api, [ALLOW_INVOKE])
    response = signed(account, api, user, tamper=True)
    assert response.status == 403
    assert response.json()["message"].startswith(
        "The request signature we calculated does not match the signature you provided"
    )


def test_iam_expired_request_date_is_refused(account, api):
    user = iam_api(account, api, [ALLOW_INVOKE])
    response = invoke(account, Request(api.id, "dev", "GET", "/pets", headers=sign(api, user), time=NOW + 3600))
    assert response.status == 403 and "Signature expired" in response.json()["message"]


def test_iam_user_without_an_allowing_policy_is_denied(account, api):
    user = iam_api(
        account,
        api,
        [
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "execute-api:InvalidateCache", "Resource": "*"}],
            }
        ],
    )
    response = signed(account, api, user)
    assert response.status == 403
    assert response.json()["message"].startswith(f"User: {user.arn} is not authorized to perform: execute-api:Invoke")


def test_resource_policy_allows_one_ip_range_only(account, api):
    resource = mock_200(account, api, "/pets")
    del resource
    api.policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
                {
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "execute-api:/*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
                },
            ],
        }
    )
    deploy(account, api)
    assert invoke(account, Request(api.id, "dev", "GET", "/pets", source_ip="203.0.113.77", time=NOW)).status == 200
    denied = invoke(account, Request(api.id, "dev", "GET", "/pets", source_ip="198.51.100.9", time=NOW))
    assert denied.status == 403
    assert denied.json()["message"].startswith(
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:"
    )


def test_private_api_only_through_an_allowed_vpc_endpoint(account, api):
    api.endpointConfiguration = {"types": ["PRIVATE"]}
    mock_200(account, api, "/pets")
    api.policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "execute-api:/*",
                    "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}},
                }
            ],
        }
    )
    deploy(account, api)
    assert invoke(account, Request(api.id, "dev", "GET", "/pets", time=NOW)).status == 403
    assert invoke(account, Request(api.id, "dev", "GET", "/pets", vpce_id="vpce-other", time=NOW)).status == 403
    assert invoke(account, Request(api.id, "dev", "GET", "/pets", vpce_id="vpce-0abc", time=NOW)).status == 200
