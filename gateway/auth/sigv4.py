"""AWS Signature Version 4, for real: signing requests and verifying them as API Gateway does.

The algorithm is AWS's, checked against AWS's published test suite (tests/gateway/test_sigv4.py):

    canonical request = METHOD \\n canonical URI \\n canonical query \\n canonical headers \\n
                        signed headers \\n hex(sha256(payload))
    string to sign    = AWS4-HMAC-SHA256 \\n X-Amz-Date \\n DATE/REGION/SERVICE/aws4_request \\n
                        hex(sha256(canonical request))
    signing key       = HMAC chain over "AWS4" + secret: date, region, service, "aws4_request"
    signature         = hex(HMAC(signing key, string to sign))

The canonical URI is the path as sent on the wire, normalised (no `.`/`..` segments, no empty
segments) and URI-encoded once more, segment by segment: non-S3 services (execute-api
included) encode twice. For API Gateway the signed path includes the stage: `/dev/pets/1`.

`verify_request` answers with AWS's own messages (SignatureError); see its docstring.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# Headers clients leave unsigned (botocore's list): proxies may change them.
UNSIGNED_HEADERS = frozenset({"authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"})

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
MISSING_AUTH_MESSAGE = "Missing Authentication Token"
UNRECOGNIZED_KEY_MESSAGE = "The security token included in the request is invalid."

ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "INVALID_SIGNATURE": "InvalidSignatureException",
}


class SignatureError(Exception):
    """Why API Gateway refused a signed (or unsigned) request.

    `response_type` is the gateway response type (MISSING_AUTHENTICATION_TOKEN or
    INVALID_SIGNATURE), `message` AWS's text, `status` 403, `error_type` the
    x-amzn-ErrorType header. On a mismatch, `canonical_request` and `string_to_sign` hold what
    the gateway computed (AWS shows these to callers of some services; useful in a log).
    """

    def __init__(
        self,
        response_type: str,
        message: str,
        *,
        status: int = 403,
        error_type: str | None = None,
        canonical_request: str | None = None,
        string_to_sign: str | None = None,
    ):
        self.response_type = response_type
        self.message = message
        self.status = status
        self.error_type = error_type or ERROR_TYPES.get(response_type, "InvalidSignatureException")
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign
        super().__init__(message)


@dataclass
class VerifiedCaller:
    """Who signed a request that verified."""

    access_key_id: str
    region: str
    service: str
    signed_headers: list[str]
    session_token: str | None = None
    signed_at: str = ""  # the X-Amz-Date used, e.g. 20150830T123600Z
    presigned: bool = False


@dataclass(frozen=True)
class SigningSteps:
    """Every intermediate value, as the AWS docs show them (for tests and for learners)."""

    canonical_request: str
    string_to_sign: str
    signature: str
    signed_headers: str  # "host;x-amz-date"
    credential_scope: str  # "20150830/us-east-1/service/aws4_request"
    amz_date: str
    authorization: str = field(default="")


# ---------------------------------------------------------------------------------------
# The canonical request


def _uri_encode(text: str) -> str:
    """SigV4's URI encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX of its UTF-8 bytes."""
    return quote(text, safe="-_.~")


def normalize_path(path: str) -> str:
    """Remove `.`/`..` and empty segments, keeping a trailing slash (AWS's normalize-path cases)."""
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    result = "/" + "/".join(segments)
    if result != "/" and (path.endswith("/") or path.endswith("/.") or path.endswith("/..")):
        result += "/"
    return result


def canonical_uri(path: str, *, normalize: bool = True) -> str:
    """The wire path, normalised, each segment URI-encoded again (non-S3 services)."""
    path = normalize_path(path) if normalize else (path or "/")
    return "/".join(_uri_encode(segment) for segment in path.split("/"))


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """`a=1&b&c=%20` into decoded pairs; `+` stays a plus (SigV4 is not form encoding)."""
    pairs = []
    for part in query_string.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def canonical_query_string(query: list[tuple[str, str]]) -> str:
    """Decoded pairs, each name and value URI-encoded, sorted by name then value."""
    encoded = sorted((_uri_encode(name), _uri_encode(value)) for name, value in query)
    return "&".join(f"{name}={value}" for name, value in encoded)


def _trimall(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip())


def canonical_headers(headers: list[tuple[str, str]], signed: list[str]) -> str:
    """`name:value\\n` for each signed header: lowercased names, trimmed values, repeats joined by commas."""
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.strip().lower(), []).append(_trimall(value))
    return "".join(f"{name}:{','.join(values.get(name, []))}\n" for name in signed)


def payload_hash(body: bytes | str) -> str:
    return hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()


def canonical_request(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    signed: list[str],
    hashed_payload: str,
) -> str:
    return "\n".join(
        [
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            canonical_headers(headers, signed),
            ";".join(signed),
            hashed_payload,
        ]
    )


def credential_scope(date: str, region: str, service: str) -> str:
    return f"{date}/{region}/{service}/{TERMINATOR}"


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])


def signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret_access_key).encode()
    for part in (date, region, service, TERMINATOR):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signing_steps(
    method: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes | str,
    *,
    access_key_id: str,
    secret_access_key: str,
    amz_date: str,
    region: str = "us-east-1",
    service: str = "execute-api",
    signed_headers: list[str] | None = None,
    hashed_payload: str | None = None,
) -> SigningSteps:
    """Sign what is given, as it is: every step of SigV4. Signs all headers unless told which."""
    if signed_headers is None:
        signed_headers = sorted({n.strip().lower() for n, _ in headers} - UNSIGNED_HEADERS)
    signed = sorted(h.lower() for h in signed_headers)
    creq = canonical_request(method, path, query, headers, signed, hashed_payload or payload_hash(body))
    scope = credential_scope(amz_date[:8], region, service)
    sts = string_to_sign(amz_date, scope, creq)
    key = signing_key(secret_access_key, amz_date[:8], region, service)
    signature = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={access_key_id}/{scope}, SignedHeaders={';'.join(signed)}, Signature={signature}"
    )
    return SigningSteps(creq, sts, signature, ";".join(signed), scope, amz_date, authorization)


def amz_date(now: float) -> str:
    return time.strftime(AMZ_DATE_FORMAT, time.gmtime(now))


# ---------------------------------------------------------------------------------------
# Signing (what an SDK does)


def _without(headers: list[tuple[str, str]], names: set[str]) -> list[tuple[str, str]]:
    return [(n, v) for n, v in headers if n.lower() not in names]


def sign_request(
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | str,
    *,
    access_key_id: str,
    secret_access_key: str,
    region: str = "us-east-1",
    service: str = "execute-api",
    now: float,
    session_token: str | None = None,
    include_content_sha256: bool = False,
) -> list[tuple[str, str]]:
    """The headers to send: the originals plus Host (if missing), X-Amz-Date, X-Amz-Security-Token
    (with a session token), X-Amz-Content-Sha256 (when asked) and Authorization.

    Every header is signed except those proxies change (User-Agent, Expect, ...). The URL's path
    is taken as it will be sent (percent-encoded or not, as written).
    """
    parts = urlsplit(url)
    replaced = {"authorization", "x-amz-date"}
    if session_token is not None:
        replaced.add("x-amz-security-token")
    if include_content_sha256:
        replaced.add("x-amz-content-sha256")
    out = _without(list(headers), replaced)
    if not any(n.lower() == "host" for n, _ in out):
        out.insert(0, ("Host", parts.netloc))
    date = amz_date(now)
    out.append(("X-Amz-Date", date))
    if session_token is not None:
        out.append(("X-Amz-Security-Token", session_token))
    hashed = payload_hash(body)
    if include_content_sha256:
        out.append(("X-Amz-Content-Sha256", hashed))
    steps = signing_steps(
        method,
        parts.path or "/",
        parse_query(parts.query),
        out,
        body,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        amz_date=date,
        region=region,
        service=service,
        hashed_payload=hashed,
    )
    out.append(("Authorization", steps.authorization))
    return out


def presign_url(
    method: str,
    url: str,
    *,
    access_key_id: str,
    secret_access_key: str,
    region: str = "us-east-1",
    service: str = "execute-api",
    now: float,
    expires: int = 900,
    session_token: str | None = None,
    body: bytes | str = b"",
) -> str:
    """The URL with the signature in its query string (X-Amz-Algorithm ... X-Amz-Signature); only Host is signed."""
    parts = urlsplit(url)
    date = amz_date(now)
    scope = credential_scope(date[:8], region, service)
    query = parse_query(parts.query)
    query += [
        ("X-Amz-Algorithm", ALGORITHM),
        ("X-Amz-Credential", f"{access_key_id}/{scope}"),
        ("X-Amz-Date", date),
        ("X-Amz-Expires", str(expires)),
        ("X-Amz-SignedHeaders", "host"),
    ]
    if session_token is not None:
        query.append(("X-Amz-Security-Token", session_token))
    steps = signing_steps(
        method,
        parts.path or "/",
        query,
        [("Host", parts.netloc)],
        body,
        access_key_id=access_key_id,
        secret_access_key=secret_access_key,
        amz_date=date,
        region=region,
        service=service,
        signed_headers=["host"],
    )
    query.append(("X-Amz-Signature", steps.signature))
    encoded = "&".join(f"{_uri_encode(n)}={_uri_encode(v)}" for n, v in query)
    return f"{parts.scheme}://{parts.netloc}{parts.path or '/'}?{encoded}"


# ---------------------------------------------------------------------------------------
# Verifying (what API Gateway does for AWS_IAM methods)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    return next((v for n, v in headers if n.lower() == wanted), None)


def _incomplete(message: str) -> SignatureError:
    return SignatureError("INVALID_SIGNATURE", message, error_type="IncompleteSignatureException")


def _parse_authorization(value: str, has_date: bool) -> tuple[str, dict[str, str]]:
    """AWS's parser: the algorithm, then comma-separated key=value pairs; AWS's messages when malformed."""
    text = value.strip()
    scheme, _, rest = text.partition(" ")
    params: dict[str, str] = {}
    for part in (p.strip() for p in rest.split(",")):
        if not part:
            continue
        if "=" not in part:
            digest = base64.b64encode(hashlib.sha256(value.encode()).digest()).decode()
            raise _incomplete(
                "Invalid key=value pair (missing equal-sign) in Authorization header "
                f"(hashed with SHA-256 and encoded with Base64): '{digest}'."
            )
        key, _, val = part.partition("=")
        params[key.strip()] = val.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in params
    ]
    if not has_date:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing:
        raise _incomplete(" ".join(missing) + f" Authorization={value}")
    return scheme, params


def malformed_authorization(headers: list[tuple[str, str]]) -> SignatureError | None:
    """What AWS answers for a request whose Authorization header is not SigV4 at all (e.g. "Bearer x").

    API Gateway gives this answer (instead of "Missing Authentication Token") even on paths that
    match no method, which puzzles learners who sent a JWT to a mistyped URL.
    """
    value = _header(headers, "Authorization")
    if value is None:
        return None
    has_date = _header(headers, "X-Amz-Date") is not None or _header(headers, "Date") is not None
    try:
        _parse_authorization(value, has_date)
    except SignatureError as exc:
        return exc
    return None


def _parse_date(amz: str | None, http_date: str | None) -> tuple[str, float]:
    if amz is not None:
        try:
            parsed = datetime.strptime(amz.strip(), AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError as exc:
            raise _incomplete(
                f"Date must be in ISO-8601 'basic format'. Got '{amz}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ) from exc
        return amz.strip(), parsed.timestamp()
    assert http_date is not None
    try:
        parsed = parsedate_to_datetime(http_date)
    except (TypeError, ValueError) as exc:
        raise _incomplete(f"Date must be an HTTP date or ISO-8601 'basic format'. Got '{http_date}'.") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return amz_date(parsed.timestamp()), parsed.timestamp()


def _check_skew(signed_at: str, signed_ts: float, now: float, window: int, unit: str) -> None:
    if signed_ts < now - window:
        raise SignatureError(
            "INVALID_SIGNATURE",
            f"Signature expired: {signed_at} is now earlier than {amz_date(now - window)} ({amz_date(now)} - {unit}.)",
        )
    if signed_ts > now + window:
        raise SignatureError(
            "INVALID_SIGNATURE",
            f"Signature not yet current: {signed_at} is still later than {amz_date(now + window)} "
            f"({amz_date(now)} + {unit}.)",
        )


def verify_request(
    method: str,
    url_path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes | str,
    *,
    lookup_secret: Callable[[str], str | None],
    region: str = "us-east-1",
    service: str = "execute-api",
    now: float,
    max_skew_seconds: int = 300,
    host: str | None = None,
) -> VerifiedCaller:
    """Check a request's SigV4 signature (Authorization header, or presigned query) as API Gateway does.

    `url_path` is the path as sent (with the stage: `/dev/pets`), `query` the decoded query
    pairs, `lookup_secret` maps an access key id to its secret (None: unknown or inactive),
    `host` the Host the request was sent to, used when `headers` has no Host header.
    Raises SignatureError with AWS's answer, all 403:
      no signature at all           MISSING_AUTHENTICATION_TOKEN  Missing Authentication Token
      malformed Authorization       INVALID_SIGNATURE (IncompleteSignatureException) "Authorization header requires ..."
                                    or "Invalid key=value pair (missing equal-sign) ..."
      bad X-Amz-Date, wrong scope   INVALID_SIGNATURE "Date must be in ISO-8601 ...", "Credential should be scoped ..."
      clock skew over 5 minutes     INVALID_SIGNATURE "Signature expired: ..." / "Signature not yet current: ..."
      unknown access key            INVALID_SIGNATURE (UnrecognizedClientException) "The security token included ..."
      signature mismatch            INVALID_SIGNATURE "The request signature we calculated does not match ..."
    """
    query = list(query)
    headers = list(headers)
    if host is not None and _header(headers, "Host") is None:
        headers.insert(0, ("Host", host))  # a simulated request may not carry the Host header it was sent to
    query_names = {n for n, _ in query}
    authorization = _header(headers, "Authorization")
    presigned = authorization is None and ("X-Amz-Signature" in query_names or "X-Amz-Algorithm" in query_names)
    if authorization is None and not presigned:
        raise SignatureError("MISSING_AUTHENTICATION_TOKEN", MISSING_AUTH_MESSAGE)

    if presigned:
        values = dict(query)
        missing = [
            f"AWS query-string parameters must include '{name}'."
            for name in ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
            if name not in values
        ]
        if missing:
            raise _incomplete(" ".join(missing) + " Re-examine the query-string parameters.")
        scheme = values["X-Amz-Algorithm"]
        credential, provided = values["X-Amz-Credential"], values["X-Amz-Signature"]
        signed_list = values["X-Amz-SignedHeaders"]
        signed_at, signed_ts = _parse_date(values["X-Amz-Date"], None)
        session_token = values.get("X-Amz-Security-Token")
        signing_query = [(n, v) for n, v in query if n != "X-Amz-Signature"]
    else:
        assert authorization is not None
        amz, http_date = _header(headers, "X-Amz-Date"), _header(headers, "Date")
        scheme, params = _parse_authorization(authorization, amz is not None or http_date is not None)
        credential, provided, signed_list = params["Credential"], params["Signature"], params["SignedHeaders"]
        signed_at, signed_ts = _parse_date(amz, http_date)
        session_token = _header(headers, "X-Amz-Security-Token")
        signing_query = query

    if scheme != ALGORITHM:
        raise _incomplete(f"Unsupported AWS 'algorithm': '{scheme}'. The only supported algorithm is '{ALGORITHM}'.")
    scope = credential.split("/")
    if len(scope) != 5:
        raise _incomplete(
            f"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, scope_date, scope_region, scope_service, terminator = scope
    if scope_date != signed_at[:8]:
        raise SignatureError(
            "INVALID_SIGNATURE",
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{scope_date}' != '{signed_at[:8]}', from '{signed_at}'.",
        )
    if scope_region != region:
        raise SignatureError(
            "INVALID_SIGNATURE", f"Credential should be scoped to a valid region, not '{scope_region}'. "
        )
    if scope_service != service:
        raise SignatureError("INVALID_SIGNATURE", f"Credential should be scoped to correct service: '{service}'. ")
    if terminator != TERMINATOR:
        raise SignatureError(
            "INVALID_SIGNATURE",
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'. ",
        )
    if presigned:
        try:
            expires = int(dict(query).get("X-Amz-Expires", "900"))
        except ValueError as exc:
            raise _incomplete("X-Amz-Expires should be a number") from exc
        if signed_ts + expires < now:
            raise SignatureError(
                "INVALID_SIGNATURE",
                f"Signature expired: {signed_at} is now earlier than {amz_date(now - expires)} "
                f"({amz_date(now)} - {expires} sec.)",
            )
        if signed_ts > now + max_skew_seconds:
            _check_skew(signed_at, signed_ts, now, max_skew_seconds, f"{max_skew_seconds // 60} min")
    else:
        _check_skew(signed_at, signed_ts, now, max_skew_seconds, f"{max_skew_seconds // 60} min")

    signed = [h.strip().lower() for h in signed_list.split(";") if h.strip()]
    if "host" not in signed:
        raise SignatureError(
            "INVALID_SIGNATURE", "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    secret = lookup_secret(access_key_id)
    if secret is None:
        raise SignatureError("INVALID_SIGNATURE", UNRECOGNIZED_KEY_MESSAGE, error_type="UnrecognizedClientException")

    actual_hash = payload_hash(body)
    declared = _header(headers, "X-Amz-Content-Sha256")
    if declared is not None and declared.strip() not in (UNSIGNED_PAYLOAD, actual_hash):
        raise SignatureError(
            "INVALID_SIGNATURE", "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    steps = signing_steps(
        method,
        url_path,
        signing_query,
        list(headers),
        body,
        access_key_id=access_key_id,
        secret_access_key=secret,
        amz_date=signed_at,
        region=scope_region,
        service=scope_service,
        signed_headers=sorted(set(signed)),
        hashed_payload=declared.strip() if declared is not None else actual_hash,
    )
    if not hmac.compare_digest(steps.signature.encode(), provided.strip().encode()):
        raise SignatureError(
            "INVALID_SIGNATURE",
            MISMATCH,
            canonical_request=steps.canonical_request,
            string_to_sign=steps.string_to_sign,
        )
    return VerifiedCaller(
        access_key_id=access_key_id,
        region=scope_region,
        service=scope_service,
        signed_headers=sorted(set(signed)),
        session_token=session_token,
        signed_at=signed_at,
        presigned=presigned,
    )


def verify_request_paths(
    method: str,
    paths: list[str],
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes | str,
    **options: Any,
) -> VerifiedCaller:
    """`verify_request` against each way the path may have been sent, in order.

    A server that has only the decoded path (Django's runserver) rebuilds the encodings a client
    may have signed (`%2F` inside an ARN, `=` in a connection id); only a signature mismatch
    moves on to the next one, any other refusal is the answer. Raises the last mismatch.
    """
    mismatch: SignatureError | None = None
    for path in dict.fromkeys(paths):
        try:
            return verify_request(method, path, query, headers, body, **options)
        except SignatureError as exc:
            if exc.message != MISMATCH:
                raise
            mismatch = exc
    assert mismatch is not None, "no path to verify"
    raise mismatch
