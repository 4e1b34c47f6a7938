"""Simulated Cognito user pools: tokens as Cognito issues them, verified as authorizers do."""

from __future__ import annotations

import base64
import json
import re

import jwt
import pytest

from gateway.auth import cognito
from gateway.auth.cognito import CognitoError, TokenError, issue_tokens, verify_token
from gateway.model.resources import Account

NOW = 1_790_000_000.0
PASSWORD = "Corr3ct-Horse!"


@pytest.fixture(scope="module")
def world():
    """One account with a pool, two clients and three users (key generation is slow: built once)."""
    account = Account()
    pool = cognito.create_user_pool(account, "pets-users", now=NOW)
    web = cognito.create_client(pool, "web", allowed_scopes=["pets/read", "pets/write", "openid"])
    mobile = cognito.create_client(pool, "mobile")
    cognito.create_user(
        pool,
        "alice",
        PASSWORD,
        attributes={"email": "alice@example.com", "email_verified": "true", "custom:team": "blue"},
        groups=["admins", "staff"],
    )
    cognito.create_user(pool, "bob", "b0b-Password!")
    cognito.create_user(pool, "carol", "car0l-Password!", enabled=False)
    other_account = Account(counter=500)
    other = cognito.create_user_pool(other_account, "elsewhere")
    other_client = cognito.create_client(other, "web")
    cognito.create_user(other, "alice", PASSWORD)
    return {
        "account": account,
        "pool": pool,
        "web": web,
        "mobile": mobile,
        "other": other,
        "other_client": other_client,
    }


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def tokens(world, **kw):
    kw.setdefault("now", NOW)
    return issue_tokens(
        world["pool"], world["web"].clientId, kw.pop("username", "alice"), kw.pop("password", PASSWORD), **kw
    )


def test_pool_and_client_ids_look_like_aws_and_are_deterministic(world):
    pool = world["pool"]
    assert re.fullmatch(r"us-east-1_[0-9A-Za-z]{9}", pool.id)
    assert world["account"].userPools[pool.id] is pool
    assert pool.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool.id}"
    assert pool.arn == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool.id}"
    assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", pool.keyId)
    assert pool.privateKeyPem.startswith("-----BEGIN PRIVATE KEY-----")
    for client in (world["web"], world["mobile"]):
        assert re.fullmatch(r"[a-z0-9]{26}", client.clientId)
    assert world["web"].clientId != world["mobile"].clientId
    # the id comes from the account's id counter: the same account state gives the same id
    state = Account().to_dict()
    first = cognito.create_user_pool(Account.from_dict(state), "a")
    second = cognito.create_user_pool(Account.from_dict(state), "b")
    assert first.id == second.id and first.keyId != second.keyId  # but each pool has its own key


def test_users_get_a_sub_and_duplicates_are_refused(world):
    alice = world["pool"].users["alice"]
    assert re.fullmatch(r"[0-9a-f-]{36}", alice.attributes["sub"])
    with pytest.raises(CognitoError) as caught:
        cognito.create_user(world["pool"], "alice", "x")
    assert (caught.value.code, caught.value.message) == ("UsernameExistsException", "User account already exists")


def test_issue_tokens_returns_an_authentication_result(world):
    result = tokens(world, scopes=["pets/read"])
    assert set(result) == {"IdToken", "AccessToken", "ExpiresIn", "TokenType"}
    assert (result["ExpiresIn"], result["TokenType"]) == (3600, "Bearer")
    for token in (result["IdToken"], result["AccessToken"]):
        assert jwt.get_unverified_header(token) == {"alg": "RS256", "kid": world["pool"].keyId, "typ": "JWT"}


def test_id_token_claims(world):
    pool, client = world["pool"], world["web"]
    claims = claims_of(tokens(world)["IdToken"])
    assert claims["sub"] == pool.users["alice"].attributes["sub"]
    assert claims["iss"] == pool.issuer
    assert claims["aud"] == client.clientId
    assert claims["token_use"] == "id"
    assert claims["auth_time"] == claims["iat"] == int(NOW)
    assert claims["exp"] == int(NOW) + 3600
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == ["admins", "staff"]
    assert claims["email"] == "alice@example.com"
    assert claims["email_verified"] is True
    assert claims["custom:team"] == "blue"
    assert "scope" not in claims and "client_id" not in claims
    assert {"jti", "origin_jti", "event_id"} <= set(claims)


def test_access_token_claims(world):
    pool, client = world["pool"], world["web"]
    result = tokens(world, scopes=["pets/read", "pets/write"])
    claims = claims_of(result["AccessToken"])
    assert claims["client_id"] == client.clientId
    assert claims["token_use"] == "access"
    assert claims["scope"] == "aws.cognito.signin.user.admin pets/read pets/write"
    assert claims["username"] == "alice"
    assert claims["iss"] == pool.issuer
    assert claims["version"] == 2
    assert "aud" not in claims and "email" not in claims
    assert claims["origin_jti"] == claims_of(result["IdToken"])["origin_jti"]
    assert claims_of(tokens(world)["AccessToken"])["scope"] == "aws.cognito.signin.user.admin"
    # bob has no groups: no cognito:groups claim
    bob = issue_tokens(pool, client.clientId, "bob", "b0b-Password!", now=NOW)
    assert "cognito:groups" not in claims_of(bob["IdToken"])


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"password": "wrong"}, "NotAuthorizedException", "Incorrect username or password."),
        ({"username": "nobody"}, "UserNotFoundException", "User does not exist."),
        ({"username": "carol", "password": "car0l-Password!"}, "NotAuthorizedException", "User is disabled."),
    ],
    ids=["wrong-password", "unknown-user", "disabled-user"],
)
def test_sign_in_failures_answer_like_initiate_auth(world, kwargs, code, message):
    with pytest.raises(CognitoError) as caught:
        tokens(world, **kwargs)
    assert (caught.value.code, caught.value.message, caught.value.status) == (code, message, 400)


def test_unknown_client_disallowed_scope_and_token_lifetime(world):
    with pytest.raises(CognitoError) as caught:
        issue_tokens(world["pool"], "nosuchclient", "alice", PASSWORD, now=NOW)
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.message == "User pool client nosuchclient does not exist."
    with pytest.raises(CognitoError) as caught:
        issue_tokens(world["pool"], world["mobile"].clientId, "alice", PASSWORD, now=NOW, scopes=["pets/read"])
    assert caught.value.code == "invalid_scope" and "pets/read" in caught.value.message
    with pytest.raises(CognitoError, match="between 300 seconds"):
        tokens(world, ttl=60)
    assert tokens(world, ttl=300)["ExpiresIn"] == 300
    # usernames are case-insensitive (the console's default for new pools)
    assert claims_of(tokens(world, username="ALICE")["IdToken"])["cognito:username"] == "alice"


def test_jwks_verifies_tokens_with_a_standard_library(world):
    document = cognito.jwks(world["pool"])
    (key,) = document["keys"]
    assert {k: key[k] for k in ("kid", "kty", "alg", "use", "e")} == {
        "kid": world["pool"].keyId,
        "kty": "RSA",
        "alg": "RS256",
        "use": "sig",
        "e": "AQAB",
    }
    assert len(base64.urlsafe_b64decode(key["n"] + "==")) == 256  # RSA 2048
    public = jwt.PyJWK(key).key
    token = tokens(world)["IdToken"]
    claims = jwt.decode(
        token, public, algorithms=["RS256"], audience=world["web"].clientId, options={"verify_exp": False}
    )
    assert claims["cognito:username"] == "alice"


def test_verify_id_and_access_tokens(world):
    pool, client = world["pool"], world["web"]
    result = tokens(world, scopes=["pets/read"])
    claims = verify_token(result["IdToken"], pools=[pool], now=NOW + 10)
    assert claims["cognito:username"] == "alice"
    assert verify_token(
        result["IdToken"], pools=[world["other"], pool], audience=[client.clientId], token_use="id", now=NOW
    )
    access = verify_token(
        "Bearer " + result["AccessToken"],
        pools=[pool],
        audience=["someone-else", client.clientId],
        issuer=pool.issuer,
        required_scopes=["pets/write", "pets/read"],
        token_use="access",
        now=NOW + 3599,
    )
    assert access["client_id"] == client.clientId


def refusal(token, world, **kw) -> TokenError:
    kw.setdefault("pools", [world["pool"]])
    kw.setdefault("now", NOW)
    with pytest.raises(TokenError) as caught:
        verify_token(token, **kw)
    return caught.value


def test_expired_token_is_401(world):
    err = refusal(tokens(world)["IdToken"], world, now=NOW + 3600)
    assert (err.status, err.kind) == (401, "expired")
    assert err.reason == "token expired at 2026-09-21T15:13:20Z (it is now 2026-09-21T15:13:20Z)"
    assert err.aws_message == "The incoming token has expired"


def test_token_from_another_pool_is_401(world):
    foreign = issue_tokens(world["other"], world["other_client"].clientId, "alice", PASSWORD, now=NOW)["IdToken"]
    err = refusal(foreign, world)
    assert (err.status, err.kind) == (401, "foreign")
    assert err.reason.startswith(f"token was issued by another user pool ({world['other'].issuer})")
    assert err.aws_message == "Unauthorized"
    # signed with the pool's own key but claiming another issuer
    forged = cognito.sign_claims(world["pool"], {**claims_of(foreign), "exp": int(NOW) + 60})
    assert refusal(forged, world).kind == "foreign"
    # the authorizer's configured issuer must match too
    own = tokens(world)["IdToken"]
    assert refusal(own, world, issuer=world["other"].issuer).kind == "foreign"


def test_tampered_forged_and_garbage_tokens_are_401(world):
    token = tokens(world)["IdToken"]
    header, payload, signature = token.split(".")
    changed = json.loads(base64.urlsafe_b64decode(payload + "=="))
    changed["cognito:groups"] = ["admins", "root"]
    fake_payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    err = refusal(f"{header}.{fake_payload}.{signature}", world)
    assert (err.status, err.kind) == (401, "signature")
    hs256 = jwt.encode(
        changed, "guessable-secret-guessable-secret", algorithm="HS256", headers={"kid": world["pool"].keyId}
    )
    err = refusal(hs256, world)
    assert err.kind == "signature" and "RS256" in err.reason
    assert refusal("not-a-jwt", world).kind == "malformed"
    assert refusal("", world).kind == "missing"
    assert refusal(None, world).kind == "missing"
    assert refusal("Bearer ", world).kind == "missing"
    # an unknown kid claiming the pool's issuer
    other_key = cognito.sign_claims(world["other"], {**changed, "exp": int(NOW) + 60})
    assert refusal(other_key, world).kind == "signature"


def test_audience_token_use_and_not_yet_valid(world):
    result = tokens(world)
    err = refusal(result["IdToken"], world, audience=[world["mobile"].clientId])
    assert (err.status, err.kind) == (401, "audience")
    assert "aud" in err.reason
    assert refusal(result["AccessToken"], world, audience=[world["mobile"].clientId]).reason.startswith(
        "the token's client_id"
    )
    err = refusal(result["AccessToken"], world, token_use="id")
    assert (err.status, err.kind, err.reason) == (
        401,
        "token_use",
        "an access token was sent where an ID token is expected",
    )
    assert refusal(result["IdToken"], world, now=NOW - 5).kind == "not_yet_valid"


def test_missing_scope_is_403(world):
    result = tokens(world, scopes=["pets/read"])
    err = refusal(result["AccessToken"], world, required_scopes=["pets/write"])
    assert (err.status, err.kind) == (403, "insufficient_scope")
    assert "pets/write" in err.reason
    assert err.aws_message == "Forbidden"
    err = refusal(result["IdToken"], world, required_scopes=["pets/read"])
    assert err.status == 403 and "no scope claim" in err.reason


def test_state_round_trip_keeps_pools_usable(world):
    account = world["account"]
    reloaded = Account.from_dict(json.loads(json.dumps(account.to_dict())))
    pool = reloaded.userPools[world["pool"].id]
    assert pool == world["pool"]
    token = issue_tokens(pool, world["web"].clientId, "alice", PASSWORD, now=NOW)["IdToken"]
    assert verify_token(token, pools=[world["pool"]], now=NOW)["cognito:username"] == "alice"


def test_find_pool_by_id_arn_or_issuer(world):
    account, pool = world["account"], world["pool"]
    assert cognito.find_pool(account, pool.id) is pool
    assert cognito.find_pool(account, pool.arn) is pool
    assert cognito.find_pool(account, pool.issuer + "/") is pool
    assert cognito.find_pool(account, "us-east-1_missing") is None
    assert cognito.pools_for(account, [pool.arn, "arn:aws:cognito-idp:us-east-1:123456789012:userpool/nope"]) == [pool]
