"""SigV4 against AWS's published test suite (aws-sig-v4-test-suite), then verification as API Gateway does it.

The vectors are AWS's: credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z,
us-east-1, service "service". Each case gives the request, the canonical request (.creq), the hash that ends
the string to sign (.sts) and the signature (.authz). The normalize-path cases apply (non-S3 services).
"""

from __future__ import annotations

import calendar
import time

import pytest

from gateway.auth import sigv4
from gateway.auth.sigv4 import SignatureError, sign_request, signing_steps, verify_request

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"
T0 = float(calendar.timegm(time.strptime(DATE, "%Y%m%dT%H%M%SZ")))
SCOPE = "20150830/us-east-1/service/aws4_request"
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # sha256 of ""
FORM = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"  # sha256 of "Param1=value1"
HOST = ("Host", "example.amazonaws.com")
XDATE = ("X-Amz-Date", DATE)
STS_TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuw"
    "thAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQc"
    "HNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oL"
    "xBA=="
)
UNRESERVED = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
VANILLA_CREQ = f"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}"
VANILLA_STS = "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
VANILLA_SIG = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"

# (name, method, path, query string, headers, body, canonical request, string-to-sign hash, signature)
VECTORS = [
    (
        "get-header-key-duplicate",
        "GET",
        "/",
        "",
        [HOST, ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1"), XDATE],
        "",
        f"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\nx-amz-date:{DATE}\n\n"
        f"host;my-header1;x-amz-date\n{EMPTY}",
        "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    ),
    (
        "get-header-value-order",
        "GET",
        "/",
        "",
        [
            HOST,
            ("My-Header1", "value4"),
            ("My-Header1", "value1"),
            ("My-Header1", "value3"),
            ("My-Header1", "value2"),
            XDATE,
        ],
        "",
        f"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\nx-amz-date:{DATE}\n\n"
        f"host;my-header1;x-amz-date\n{EMPTY}",
        "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
        "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
    ),
    (
        "get-header-value-trim",
        "GET",
        "/",
        "",
        [HOST, ("My-Header1", " value1"), ("My-Header2", ' "a   b   c"'), XDATE],
        "",
        f'GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\nx-amz-date:{DATE}\n\n'
        f"host;my-header1;my-header2;x-amz-date\n{EMPTY}",
        "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    ),
    (
        "get-unreserved",
        "GET",
        f"/{UNRESERVED}",
        "",
        [HOST, XDATE],
        "",
        f"GET\n/{UNRESERVED}\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    ("get-vanilla", "GET", "/", "", [HOST, XDATE], "", VANILLA_CREQ, VANILLA_STS, VANILLA_SIG),
    (
        "get-vanilla-empty-query-key",
        "GET",
        "/",
        "Param1=value1",
        [HOST, XDATE],
        "",
        f"GET\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
        "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
    ),
    (
        "get-vanilla-query-order-key",
        "GET",
        "/",
        "Param1=value2&Param1=Value1",
        [HOST, XDATE],
        "",
        f"GET\n/\nParam1=Value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
        "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
    ),
    (
        "get-vanilla-query-order-key-case",
        "GET",
        "/",
        "Param2=value2&Param1=value1",
        [HOST, XDATE],
        "",
        f"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    (
        "get-vanilla-query-order-value",
        "GET",
        "/",
        "Param1=value2&Param1=value1",
        [HOST, XDATE],
        "",
        f"GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
        "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
    ),
    (
        "get-vanilla-query-unreserved",
        "GET",
        "/",
        f"{UNRESERVED}={UNRESERVED}",
        [HOST, XDATE],
        "",
        f"GET\n/\n{UNRESERVED}={UNRESERVED}\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    (
        "get-vanilla-utf8-query",
        "GET",
        "/",
        "\u1234=bar",
        [HOST, XDATE],
        "",
        f"GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    ),
    (
        "post-header-key-sort",
        "POST",
        "/",
        "",
        [HOST, ("My-Header1", "value1"), XDATE],
        "",
        f"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nx-amz-date:{DATE}\n\nhost;my-header1;x-amz-date\n{EMPTY}",
        "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    ),
    (
        "post-header-value-case",
        "POST",
        "/",
        "",
        [HOST, ("My-Header1", "VALUE1"), XDATE],
        "",
        f"POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:{DATE}\n\nhost;my-header1;x-amz-date\n{EMPTY}",
        "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
        "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
    ),
    (
        "post-vanilla",
        "POST",
        "/",
        "",
        [HOST, XDATE],
        "",
        f"POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
        "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
    ),
    (
        "post-vanilla-empty-query-value",
        "POST",
        "/",
        "Param1=value1",
        [HOST, XDATE],
        "",
        f"POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    (
        "post-x-www-form-urlencoded",
        "POST",
        "/",
        "",
        [("Content-Type", "application/x-www-form-urlencoded"), HOST, XDATE],
        "Param1=value1",
        f"POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\n"
        f"content-type;host;x-amz-date\n{FORM}",
        "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
        "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
    ),
    (
        "post-x-www-form-urlencoded-parameters",
        "POST",
        "/",
        "",
        [("Content-Type", "application/x-www-form-urlencoded; charset=utf8"), HOST, XDATE],
        "Param1=value1",
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\nhost:example.amazonaws.com\n"
        f"x-amz-date:{DATE}\n\ncontent-type;host;x-amz-date\n{FORM}",
        "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
        "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
    ),
    (
        "post-sts-header-before",
        "POST",
        "/",
        "",
        [HOST, XDATE, ("X-Amz-Security-Token", STS_TOKEN)],
        "",
        f"POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\nx-amz-security-token:{STS_TOKEN}\n\n"
        f"host;x-amz-date;x-amz-security-token\n{EMPTY}",
        "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
        "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead",
    ),
    # normalize-path: relative segments and repeated slashes are removed (not for S3)
    ("get-relative", "GET", "/example/..", "", [HOST, XDATE], "", VANILLA_CREQ, VANILLA_STS, VANILLA_SIG),
    (
        "get-relative-relative",
        "GET",
        "/example1/example2/../..",
        "",
        [HOST, XDATE],
        "",
        VANILLA_CREQ,
        VANILLA_STS,
        VANILLA_SIG,
    ),
    ("get-slash", "GET", "//", "", [HOST, XDATE], "", VANILLA_CREQ, VANILLA_STS, VANILLA_SIG),
    ("get-slash-dot-slash", "GET", "/./", "", [HOST, XDATE], "", VANILLA_CREQ, VANILLA_STS, VANILLA_SIG),
    (
        "get-slash-pointless-dot",
        "GET",
        "/./example",
        "",
        [HOST, XDATE],
        "",
        f"GET\n/example\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
        "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
    ),
    (
        "get-slashes",
        "GET",
        "//example//",
        "",
        [HOST, XDATE],
        "",
        f"GET\n/example/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    ),
    (
        "get-space",
        "GET",
        "/example space/",
        "",
        [HOST, XDATE],
        "",
        f"GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:{DATE}\n\nhost;x-amz-date\n{EMPTY}",
        "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    ),
]


def _vector_ids():
    return [v[0] for v in VECTORS]


@pytest.mark.parametrize(
    ("name", "method", "path", "qs", "headers", "body", "creq", "sts_hash", "sig"), VECTORS, ids=_vector_ids()
)
def test_published_vectors_canonical_request_string_to_sign_and_signature(
    name, method, path, qs, headers, body, creq, sts_hash, sig
):
    steps = signing_steps(
        method,
        path,
        sigv4.parse_query(qs),
        headers,
        body,
        access_key_id=AKID,
        secret_access_key=SECRET,
        amz_date=DATE,
        region="us-east-1",
        service="service",
    )
    assert steps.canonical_request == creq
    assert steps.string_to_sign == f"AWS4-HMAC-SHA256\n{DATE}\n{SCOPE}\n{sts_hash}"
    assert steps.signature == sig
    signed = creq.split("\n")[-2]
    assert steps.authorization == (
        f"AWS4-HMAC-SHA256 Credential={AKID}/{SCOPE}, SignedHeaders={signed}, Signature={sig}"
    )


@pytest.mark.parametrize(
    ("name", "method", "path", "qs", "headers", "body", "creq", "sts_hash", "sig"), VECTORS, ids=_vector_ids()
)
def test_published_vectors_through_sign_request_and_verify(name, method, path, qs, headers, body, creq, sts_hash, sig):
    url = f"https://example.amazonaws.com{path}" + (f"?{qs}" if qs else "")
    # sign_request adds X-Amz-Date itself (from `now`) and the session token when given
    given = [h for h in headers if h[0] not in ("X-Amz-Date", "X-Amz-Security-Token")]
    token = next((v for n, v in headers if n == "X-Amz-Security-Token"), None)
    sent = sign_request(
        method,
        url,
        given,
        body,
        access_key_id=AKID,
        secret_access_key=SECRET,
        service="service",
        now=T0,
        session_token=token,
    )
    authorization = dict(sent)["Authorization"]
    assert authorization.endswith(f"Signature={sig}")
    caller = verify_request(
        method,
        path,
        sigv4.parse_query(qs),
        sent,
        body,
        lookup_secret={AKID: SECRET}.get,
        service="service",
        now=T0 + 60,
    )
    assert caller.access_key_id == AKID
    assert caller.session_token == token


def test_published_get_utf8_path_and_sts_token_added_after_signing():
    steps = signing_steps(
        "GET",
        "/\u1234",
        [],
        [HOST, XDATE],
        "",
        access_key_id=AKID,
        secret_access_key=SECRET,
        amz_date=DATE,
        service="service",
    )
    assert steps.canonical_request.split("\n")[1] == "/%E1%88%B4"
    assert steps.signature == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
    # post-sts-header-after: the token is added once signed, so the signature is post-vanilla's
    steps = signing_steps(
        "POST",
        "/",
        [],
        [HOST, XDATE, ("X-Amz-Security-Token", STS_TOKEN)],
        "",
        access_key_id=AKID,
        secret_access_key=SECRET,
        amz_date=DATE,
        service="service",
        signed_headers=["host", "x-amz-date"],
    )
    assert steps.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"


def test_signing_key_matches_the_aws_documentation_example():
    # AWS General Reference, "Examples of how to derive a signing key for Signature Version 4"
    key = sigv4.signing_key(SECRET, "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


def test_canonical_uri_encodes_an_already_encoded_path_again():
    # non-S3 services URI-encode each segment of the (already encoded) wire path once more
    assert sigv4.canonical_uri("/dev/pets/my%20pet") == "/dev/pets/my%2520pet"
    assert sigv4.canonical_uri("/dev/a+b/c=d") == "/dev/a%2Bb/c%3Dd"
    assert sigv4.canonical_query_string([("b", "x y"), ("a", "1+1"), ("a", "")]) == "a=&a=1%2B1&b=x%20y"


# ---------------------------------------------------------------------------------------
# Verification, as API Gateway answers

NOW = 1_790_000_000.0
URL = "https://abc123.execute-api.us-east-1.amazonaws.com/dev/pets/1?sort=asc&limit=10"
KEYS = {"AKIAEXAMPLEALICE0001": "alice-secret-key/EXAMPLE", "AKIAEXAMPLEBOB000002": "bob-secret-key/EXAMPLE"}


def signed(method="POST", url=URL, headers=None, body='{"name":"rex"}', **kw):
    return sign_request(
        method,
        url,
        headers if headers is not None else [("Content-Type", "application/json")],
        body,
        access_key_id=kw.pop("access_key_id", "AKIAEXAMPLEALICE0001"),
        secret_access_key=kw.pop("secret_access_key", KEYS["AKIAEXAMPLEALICE0001"]),
        now=kw.pop("now", NOW),
        **kw,
    )


def verify(headers, *, method="POST", path="/dev/pets/1", query=None, body='{"name":"rex"}', now=NOW, **kw):
    return verify_request(
        method,
        path,
        query if query is not None else [("sort", "asc"), ("limit", "10")],
        headers,
        body,
        lookup_secret=KEYS.get,
        now=now,
        **kw,
    )


def test_sign_then_verify_round_trip():
    headers = signed()
    names = [n for n, _ in headers]
    assert names == ["Host", "Content-Type", "X-Amz-Date", "Authorization"]
    caller = verify(headers)
    assert caller.access_key_id == "AKIAEXAMPLEALICE0001"
    assert (caller.region, caller.service) == ("us-east-1", "execute-api")
    assert caller.signed_headers == ["content-type", "host", "x-amz-date"]
    assert caller.presigned is False


def test_host_may_be_given_when_the_headers_lack_it():
    headers = [(n, v) for n, v in signed() if n != "Host"]
    with pytest.raises(SignatureError, match="does not match"):
        verify(headers)
    assert verify(headers, host="abc123.execute-api.us-east-1.amazonaws.com").access_key_id == "AKIAEXAMPLEALICE0001"


def test_round_trip_with_session_token_and_content_sha256():
    headers = signed(session_token="FQoGZXIvYXdzEXAMPLE", include_content_sha256=True)
    caller = verify(headers)
    assert caller.session_token == "FQoGZXIvYXdzEXAMPLE"
    assert "x-amz-security-token" in caller.signed_headers and "x-amz-content-sha256" in caller.signed_headers


def test_round_trip_with_bytes_body_and_unicode_path():
    headers = signed(method="PUT", url="https://h.example/dev/caf%C3%A9", body=b"\x00\x01binary")
    verify(headers, method="PUT", path="/dev/caf%C3%A9", query=[], body=b"\x00\x01binary")


@pytest.mark.parametrize(
    "tamper",
    [
        {"method": "PUT"},
        {"path": "/dev/pets/2"},
        {"query": [("sort", "desc"), ("limit", "10")]},
        {"query": [("sort", "asc"), ("limit", "10"), ("extra", "1")]},
        {"body": '{"name":"max"}'},
        {"headers": "content-type"},
    ],
    ids=["method", "path", "query", "extra-query", "body", "header"],
)
def test_tampered_request_fails_with_the_mismatch_message(tamper):
    headers = signed()
    if tamper.get("headers"):
        headers = [(n, "text/plain" if n.lower() == "content-type" else v) for n, v in headers]
        tamper = {}
    with pytest.raises(SignatureError) as caught:
        verify(headers, **tamper)
    err = caught.value
    assert err.message == (
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access "
        "Key and signing method. Consult the service documentation for details."
    )
    assert (err.status, err.response_type, err.error_type) == (403, "INVALID_SIGNATURE", "InvalidSignatureException")
    assert err.canonical_request.startswith(("POST\n", "PUT\n"))
    assert err.string_to_sign.startswith("AWS4-HMAC-SHA256\n")


def test_unsigned_header_may_change_but_signed_ones_may_not():
    headers = signed(headers=[("Content-Type", "application/json"), ("User-Agent", "curl/8")])
    changed = [(n, "curl/9" if n == "User-Agent" else v) for n, v in headers]
    verify(changed)  # User-Agent is not signed
    assert "user-agent" not in verify(headers).signed_headers


def test_wrong_secret_is_a_mismatch():
    headers = signed(secret_access_key="not-the-secret")
    with pytest.raises(SignatureError, match="does not match the signature you provided"):
        verify(headers)


def test_expired_and_future_dates_give_aws_wording():
    headers = signed(now=NOW - 301)
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    signed_at = sigv4.amz_date(NOW - 301)
    assert caught.value.message == (
        f"Signature expired: {signed_at} is now earlier than {sigv4.amz_date(NOW - 300)} ({sigv4.amz_date(NOW)} - 5 min.)"
    )
    assert caught.value.response_type == "INVALID_SIGNATURE"
    with pytest.raises(SignatureError) as caught:
        verify(signed(now=NOW + 400))
    assert caught.value.message == (
        f"Signature not yet current: {sigv4.amz_date(NOW + 400)} is still later than {sigv4.amz_date(NOW + 300)} "
        f"({sigv4.amz_date(NOW)} + 5 min.)"
    )
    verify(signed(now=NOW - 299))  # inside the window


def test_unknown_access_key():
    headers = signed(access_key_id="AKIAUNKNOWN000000000")
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    assert caught.value.message == "The security token included in the request is invalid."
    assert (caught.value.status, caught.value.error_type) == (403, "UnrecognizedClientException")


def test_no_authorization_at_all_is_missing_authentication_token():
    with pytest.raises(SignatureError) as caught:
        verify([("Host", "abc123.execute-api.us-east-1.amazonaws.com")])
    err = caught.value
    assert (err.status, err.response_type, err.message, err.error_type) == (
        403,
        "MISSING_AUTHENTICATION_TOKEN",
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    )


def test_malformed_authorization_headers():
    jwt_like = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"
    with pytest.raises(SignatureError) as caught:
        verify([("Authorization", jwt_like)])
    assert caught.value.message == (
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either "
        f"a 'X-Amz-Date' or a 'Date' header. Authorization={jwt_like}"
    )
    assert caught.value.error_type == "IncompleteSignatureException"
    assert caught.value.status == 403

    with pytest.raises(SignatureError) as caught:
        verify(
            [
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEALICE0001/20260922/us-east-1/execute-api/aws4_request",
                ),
                ("X-Amz-Date", "20260922T000000Z"),
            ]
        )
    assert caught.value.message == (
        "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
        "Authorization=AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEALICE0001/20260922/us-east-1/execute-api/aws4_request"
    )

    with pytest.raises(SignatureError) as caught:
        verify([("Authorization", "Bearer abc.def.ghi")])
    assert caught.value.message.startswith(
        "Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '"
    )
    assert sigv4.malformed_authorization([("Authorization", "Bearer abc.def.ghi")]).message == caught.value.message
    assert sigv4.malformed_authorization(signed()) is None
    assert sigv4.malformed_authorization([]) is None


def _replace_authorization(headers, old, new):
    return [(n, v.replace(old, new) if n == "Authorization" else v) for n, v in headers]


def test_credential_scope_must_match_date_region_and_service():
    headers = signed(region="us-west-2")
    with pytest.raises(SignatureError, match=r"^Credential should be scoped to a valid region, not 'us-west-2'\. $"):
        verify(headers)
    headers = signed(service="lambda")
    with pytest.raises(SignatureError, match=r"^Credential should be scoped to correct service: 'execute-api'\. $"):
        verify(headers)
    day = sigv4.amz_date(NOW)[:8]
    headers = _replace_authorization(signed(), f"/{day}/", "/20200101/")
    with pytest.raises(SignatureError) as caught:
        verify(headers)
    assert caught.value.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
        f"'20200101' != '{day}', from '{sigv4.amz_date(NOW)}'."
    )


def test_bad_x_amz_date_and_unsupported_algorithm():
    headers = [(n, "2026-09-22" if n == "X-Amz-Date" else v) for n, v in signed()]
    with pytest.raises(SignatureError, match=r"^Date must be in ISO-8601 'basic format'\. Got '2026-09-22'"):
        verify(headers)
    headers = _replace_authorization(signed(), "AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 ")
    with pytest.raises(SignatureError, match="Unsupported AWS 'algorithm'"):
        verify(headers)


def test_host_must_be_signed():
    headers = signed()
    headers = _replace_authorization(
        headers, "SignedHeaders=content-type;host;x-amz-date", "SignedHeaders=content-type;x-amz-date"
    )
    with pytest.raises(SignatureError, match="'Host' or ':authority' must be a 'SignedHeader'"):
        verify(headers)


def test_content_sha256_header_must_match_the_body():
    headers = signed(include_content_sha256=True)
    with pytest.raises(SignatureError, match="x-amz-content-sha256"):
        verify(headers, body="something else")


def test_date_header_instead_of_x_amz_date():
    # An RFC 7231 Date header may carry the time; it is signed in X-Amz-Date's spelling.
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(NOW))
    headers = [("Host", "abc123.execute-api.us-east-1.amazonaws.com"), ("Date", http_date)]
    steps = signing_steps(
        "GET",
        "/dev/pets/1",
        [],
        headers,
        "",
        access_key_id="AKIAEXAMPLEALICE0001",
        secret_access_key=KEYS["AKIAEXAMPLEALICE0001"],
        amz_date=sigv4.amz_date(NOW),
    )
    caller = verify([*headers, ("Authorization", steps.authorization)], method="GET", query=[], body="")
    assert caller.signed_at == sigv4.amz_date(NOW)


def test_presigned_url_round_trip_expiry_and_tamper():
    from urllib.parse import urlsplit

    url = sigv4.presign_url(
        "GET",
        "https://abc123.execute-api.us-east-1.amazonaws.com/dev/pets?kind=dog",
        access_key_id="AKIAEXAMPLEBOB000002",
        secret_access_key=KEYS["AKIAEXAMPLEBOB000002"],
        now=NOW,
        expires=60,
    )
    parts = urlsplit(url)
    query = sigv4.parse_query(parts.query)
    host = [("Host", parts.netloc)]
    caller = verify(host, method="GET", path=parts.path, query=query, body="", now=NOW + 30)
    assert caller.presigned and caller.access_key_id == "AKIAEXAMPLEBOB000002"
    with pytest.raises(SignatureError, match="^Signature expired"):
        verify(host, method="GET", path=parts.path, query=query, body="", now=NOW + 61)
    tampered = [(n, "cat" if n == "kind" else v) for n, v in query]
    with pytest.raises(SignatureError, match="does not match"):
        verify(host, method="GET", path=parts.path, query=tampered, body="", now=NOW)
