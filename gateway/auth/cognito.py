"""Simulated Amazon Cognito user pools: users, app clients, tokens and their verification.

Each pool signs with its own RSA 2048 key (RS256), kept in the account as PEM text, so tokens
are real JWTs a learner can paste into jwt.io. Nothing goes on the network: verification uses
the pools it is given, never a JWKS fetch. Time is passed in (simulated epoch seconds).

What a pipeline needs:

    pool = create_user_pool(account, "pets-users")
    client = create_client(pool, "web", allowed_scopes=["pets/read"])
    create_user(pool, "alice", "Passw0rd!", attributes={"email": "alice@example.com"})
    tokens = issue_tokens(pool, client.clientId, "alice", "Passw0rd!", now=t)   # InitiateAuth
    claims = verify_token(tokens["IdToken"], pools=[pool], now=t)              # or TokenError

Claims follow Cognito's: an ID token has sub, iss, aud (the client id), token_use "id",
auth_time, iat, exp, jti, origin_jti, event_id, cognito:username, cognito:groups and the user's
attributes; an access token has sub, iss, client_id, token_use "access", scope, auth_time,
iat, exp, jti, origin_jti, event_id, version, username, cognito:groups.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.model.resources import Account, CognitoUser, UserPool, UserPoolClient

ALGORITHM = "RS256"
ADMIN_SCOPE = "aws.cognito.signin.user.admin"
TOKEN_TTL_MIN, TOKEN_TTL_MAX = 300, 86_400  # Cognito: ID and access tokens last 5 minutes to 1 day
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyz"
_BOOLEAN_ATTRIBUTES = ("email_verified", "phone_number_verified")


class CognitoError(Exception):
    """What the Cognito API answers (400): `code` is AWS's exception name, `message` its text."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


class TokenError(Exception):
    """A token an authorizer refuses: `reason` for the learner, `status` 401 or 403.

    `kind` names the failure for the caller's own answer: missing, malformed, signature,
    foreign, expired, not_yet_valid, token_use, audience, insufficient_scope.
    """

    def __init__(self, reason: str, status: int = 401, kind: str = "invalid"):
        self.reason = reason
        self.status = status
        self.kind = kind
        super().__init__(reason)

    @property
    def aws_message(self) -> str:
        """The message a REST API Cognito authorizer answers with."""
        if self.kind == "expired":
            return "The incoming token has expired"
        return "Forbidden" if self.status == 403 else "Unauthorized"


# ---------------------------------------------------------------------------------------
# Pools, clients, users


def create_user_pool(account: Account, name: str, *, now: float = 0.0) -> UserPool:
    """A pool with a fresh RS256 key; its id (REGION_xxxxxxxxx) comes from the account's counter."""
    if not name or not name.strip():
        raise CognitoError(
            "InvalidParameterException",
            "1 validation error detected: Value at 'poolName' failed to satisfy constraint: Member must have length greater than or equal to 1",
        )
    raw = account.next_id(9)
    # AWS pool ids mix upper and lower case; derive the case from the id itself so it stays deterministic.
    bits = hashlib.sha256(raw.encode()).digest()
    suffix = "".join(c.upper() if c.isalpha() and bits[i] & 1 else c for i, c in enumerate(raw))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    pool = UserPool(
        id=f"{account.region}_{suffix}",
        name=name.strip(),
        keyId=base64.b64encode(hashlib.sha256(der).digest()).decode(),
        privateKeyPem=pem,
    )
    account.userPools[pool.id] = pool
    return pool


def create_client(pool: UserPool, name: str, *, allowed_scopes: list[str] | None = None) -> UserPoolClient:
    """An app client: its id is 26 lowercase letters and digits, derived from the pool, name and count."""
    if not name or not name.strip():
        raise CognitoError(
            "InvalidParameterException",
            "1 validation error detected: Value at 'clientName' failed to satisfy constraint: Member must have length greater than or equal to 1",
        )
    n = int.from_bytes(hashlib.sha256(f"{pool.id}/{len(pool.clients)}/{name}".encode()).digest(), "big")
    chars = []
    for _ in range(26):
        n, digit = divmod(n, 36)
        chars.append(_ALNUM[digit])
    client = UserPoolClient(clientId="".join(chars), name=name.strip(), allowedScopes=list(allowed_scopes or []))
    pool.clients.append(client)
    return client


def create_user(
    pool: UserPool,
    username: str,
    password: str,
    *,
    attributes: dict[str, str] | None = None,
    groups: list[str] | None = None,
    enabled: bool = True,
) -> CognitoUser:
    """A confirmed user (as AdminCreateUser + AdminSetUserPassword permanent). `sub` is assigned."""
    if not username:
        raise CognitoError("InvalidParameterException", "Username should not be empty")
    if _find_user(pool, username) is not None:
        raise CognitoError("UsernameExistsException", "User account already exists")
    attrs = {k: str(v) for k, v in (attributes or {}).items()}
    attrs["sub"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool.id}/{username}"))
    user = CognitoUser(
        username=username, password=password, attributes=attrs, groups=list(groups or []), enabled=enabled
    )
    pool.users[username] = user
    return user


def find_client(pool: UserPool, client_id: str) -> UserPoolClient | None:
    return next((c for c in pool.clients if c.clientId == client_id), None)


def find_pool(account: Account, ref: str) -> UserPool | None:
    """A pool by id, ARN (arn:aws:cognito-idp:REGION:ACCOUNT:userpool/ID) or issuer URL."""
    pool_id = ref.rstrip("/").rsplit("/", 1)[-1]
    return account.userPools.get(pool_id)


def pools_for(account: Account, refs: list[str]) -> list[UserPool]:
    """The pools an authorizer names (providerARNs or an issuer), skipping any that do not exist."""
    return [pool for ref in refs if (pool := find_pool(account, ref)) is not None]


def _find_user(pool: UserPool, username: str) -> CognitoUser | None:
    # New pools are case-insensitive for usernames (the console's default).
    if username in pool.users:
        return pool.users[username]
    wanted = username.lower()
    return next((u for name, u in pool.users.items() if name.lower() == wanted), None)


# ---------------------------------------------------------------------------------------
# Tokens


@functools.lru_cache(maxsize=64)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _public_key(pool: UserPool) -> rsa.RSAPublicKey:
    return _private_key(pool.privateKeyPem).public_key()


def issue_tokens(
    pool: UserPool,
    client_id: str,
    username: str,
    password: str,
    *,
    now: float,
    scopes: list[str] | None = None,
    ttl: int = 3600,
) -> dict[str, Any]:
    """InitiateAuth (USER_PASSWORD_AUTH): the AuthenticationResult, or CognitoError with AWS's answer."""
    client = find_client(pool, client_id)
    if client is None:
        raise CognitoError("ResourceNotFoundException", f"User pool client {client_id} does not exist.")
    if not TOKEN_TTL_MIN <= ttl <= TOKEN_TTL_MAX:
        raise CognitoError(
            "InvalidParameterException",
            f"Token validity must be between {TOKEN_TTL_MIN} seconds (5 minutes) and {TOKEN_TTL_MAX} seconds (1 day).",
        )
    user = _find_user(pool, username)
    if user is None:
        raise CognitoError("UserNotFoundException", "User does not exist.")
    if not user.enabled:
        raise CognitoError("NotAuthorizedException", "User is disabled.")
    if password != user.password:
        raise CognitoError("NotAuthorizedException", "Incorrect username or password.")
    requested = list(dict.fromkeys(scopes or []))
    refused = [s for s in requested if s != ADMIN_SCOPE and s not in client.allowedScopes]
    if refused:
        raise CognitoError(
            "invalid_scope",
            f"The app client {client.name!r} may not request {', '.join(refused)}; "
            f"its allowed scopes are: {', '.join(client.allowedScopes) or 'none'}.",
        )
    iat = int(now)
    exp = iat + ttl
    sub = user.attributes.get("sub") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool.id}/{user.username}"))
    seed = f"{pool.id}/{client_id}/{user.username}/{now!r}"
    origin_jti = str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "/origin"))
    event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "/event"))
    groups = {"cognito:groups": list(user.groups)} if user.groups else {}

    id_claims: dict[str, Any] = {"sub": sub, **groups}
    for name, value in user.attributes.items():
        if name == "sub":
            continue
        id_claims[name] = (value.lower() == "true") if name in _BOOLEAN_ATTRIBUTES else value
    id_claims.update(
        {
            "iss": pool.issuer,
            "cognito:username": user.username,
            "origin_jti": origin_jti,
            "aud": client_id,
            "event_id": event_id,
            "token_use": "id",
            "auth_time": iat,
            "exp": exp,
            "iat": iat,
            "jti": str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "/id")),
        }
    )
    scope = " ".join([ADMIN_SCOPE, *(s for s in requested if s != ADMIN_SCOPE)])
    access_claims: dict[str, Any] = {
        "sub": sub,
        **groups,
        "iss": pool.issuer,
        "client_id": client_id,
        "origin_jti": origin_jti,
        "event_id": event_id,
        "token_use": "access",
        "scope": scope,
        "auth_time": iat,
        "exp": exp,
        "iat": iat,
        "jti": str(uuid.uuid5(uuid.NAMESPACE_URL, seed + "/access")),
        "version": 2,
        "username": user.username,
    }
    return {
        "IdToken": sign_claims(pool, id_claims),
        "AccessToken": sign_claims(pool, access_claims),
        "ExpiresIn": ttl,
        "TokenType": "Bearer",
    }


def sign_claims(pool: UserPool, claims: dict[str, Any]) -> str:
    """Any claims, signed with the pool's key (RS256, the pool's kid): for tests and exercises."""
    return jwt.encode(claims, _private_key(pool.privateKeyPem), algorithm=ALGORITHM, headers={"kid": pool.keyId})


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwks(pool: UserPool) -> dict[str, list[dict[str, str]]]:
    """The pool's /.well-known/jwks.json document."""
    numbers = _public_key(pool).public_numbers()
    return {
        "keys": [
            {
                "alg": ALGORITHM,
                "e": _b64url_uint(numbers.e),
                "kid": pool.keyId,
                "kty": "RSA",
                "n": _b64url_uint(numbers.n),
                "use": "sig",
            }
        ]
    }


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_token(
    token: str | None,
    *,
    pools: list[UserPool],
    audience: list[str] | None = None,
    issuer: str | None = None,
    required_scopes: list[str] | None = None,
    token_use: str | None = None,
    now: float,
    allow_bearer: bool = True,
) -> dict[str, Any]:
    """Check a token as an authorizer does and return its claims, or raise TokenError.

    Signature (the kid must be a key of one of `pools`), issuer (the pool's, and `issuer` when
    given), expiry against `now`, `token_use` when given, the audience when given (an ID token's
    aud, an access token's client_id), and scopes: when `required_scopes` is given, one of them
    must be in the token's scope claim (403 otherwise; an ID token has no scopes).
    A leading "Bearer " is dropped when `allow_bearer` (HTTP APIs' JWT authorizers do this).
    """
    token = (token or "").strip()
    if allow_bearer and (token.lower() == "bearer" or token[:7].lower() == "bearer "):
        token = token[6:].strip()
    if not token:
        raise TokenError("no token was sent", 401, "missing")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is not a valid JWT ({exc})", 401, "malformed") from exc
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise TokenError(f"the token is signed with {alg!r}; user pools sign with {ALGORITHM}", 401, "signature")
    claimed_iss = unverified.get("iss")
    pool = next((p for p in pools if p.keyId and p.keyId == header.get("kid")), None)
    if pool is None:
        if any(p.issuer == claimed_iss for p in pools):
            raise TokenError(
                f"the token names a signing key (kid {header.get('kid')!r}) its user pool does not have",
                401,
                "signature",
            )
        expected = ", ".join(p.id for p in pools) or "none"
        raise TokenError(
            f"token was issued by another user pool ({claimed_iss or 'no iss claim'}); this authorizer trusts: {expected}",
            401,
            "foreign",
        )
    try:
        claims = jwt.decode(
            token,
            _public_key(pool),
            algorithms=[ALGORITHM],
            options={
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError as exc:
        raise TokenError(
            "the token's signature does not verify: it was changed after the pool signed it", 401, "signature"
        ) from exc
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is not a valid JWT ({exc})", 401, "malformed") from exc

    if claims.get("iss") != pool.issuer:
        raise TokenError(
            f"token was issued by another user pool ({claims.get('iss')!r}, expected {pool.issuer!r})", 401, "foreign"
        )
    if issuer is not None and claims.get("iss") != issuer.rstrip("/"):
        raise TokenError(
            f"token was issued by {claims.get('iss')!r}, the authorizer expects {issuer!r}", 401, "foreign"
        )
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        raise TokenError("the token has no exp claim", 401, "malformed")
    if now >= exp:
        raise TokenError(f"token expired at {_iso(exp)} (it is now {_iso(now)})", 401, "expired")
    iat = claims.get("iat")
    if isinstance(iat, int | float) and iat > now:
        raise TokenError(f"token is not valid yet: issued at {_iso(iat)}, it is now {_iso(now)}", 401, "not_yet_valid")
    use = claims.get("token_use")
    if use not in ("id", "access"):
        raise TokenError(f"token_use is {use!r}: neither an ID token nor an access token", 401, "token_use")
    if token_use is not None and use != token_use:
        names = {"id": "an ID token", "access": "an access token"}
        raise TokenError(f"{names[use]} was sent where {names.get(token_use, token_use)} is expected", 401, "token_use")
    if audience is not None:
        aud = claims.get("aud") if use == "id" else claims.get("client_id")
        auds = aud if isinstance(aud, list) else [aud]
        if not any(a in audience for a in auds):
            field = "aud" if use == "id" else "client_id"
            raise TokenError(
                f"the token's {field} {aud!r} is not one of the authorizer's audiences: {', '.join(audience)}",
                401,
                "audience",
            )
    if required_scopes:
        granted = str(claims.get("scope") or "").split()
        if not any(s in granted for s in required_scopes):
            have = " ".join(granted) if granted else "no scope claim (an ID token carries no scopes)"
            raise TokenError(
                f"the token has {have}; this route needs one of: {', '.join(required_scopes)}",
                403,
                "insufficient_scope",
            )
    return claims
