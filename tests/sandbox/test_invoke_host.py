"""Learners' APIs on their own origin (<api-id>.execute-api.localhost), /gw/ guarded, and the
request details a real HTTP call brings (chunked bodies, bad paths, headers)."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

import gateway as gw
from sandbox.gw_wsgi import wrap
from sandbox.models import SandboxAccount
from tests.factories import UserFactory, add_html_page

HTML = "<html><body><script>document.title = document.cookie</script></body></html>"


@pytest.fixture
def learner(db):
    return UserFactory(username="mallory")


def build(user) -> str:
    """/hello (Lambda proxy), /echo (Lambda proxy echo), /broken (malformed proxy answer), /xss (MOCK HTML)."""
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, "origin")
        for name, function in (("hello", "hello"), ("echo", "echo"), ("broken", "broken")):
            resource = gw.create_resource_path(account, api, f"/{name}")
            for verb in ("GET", "POST"):
                gw.put_method(api, resource.id, verb)
                gw.put_integration(api, resource.id, verb, "AWS_PROXY", uri=account.functions[function].arn)
        add_html_page(account, api, "/xss", HTML)
        gw.create_deployment(account, api, stage_name="prod")
    return api.id


def on_host(api_id: str) -> dict:
    return {"HTTP_HOST": f"{api_id}.execute-api.localhost:8000"}


def test_an_invoke_host_answers_from_the_gateway_only(learner):
    api_id = build(learner)
    client = Client()
    hello = client.get("/prod/hello?name=Ada", **on_host(api_id))
    assert hello.status_code == 200 and hello.json() == {"message": "Hello, Ada!"}
    assert "Set-Cookie" not in hello and "Content-Security-Policy" not in hello
    # No app page, login or admin exists on that host: the gateway answers (no such stage/resource).
    for path in ("/", "/sandbox/", "/accounts/login/", "/admin/", "/static/css/site.css"):
        response = client.get(path, **on_host(api_id))
        assert response["Content-Type"] == "application/json", path
        assert response.status_code == 403 and "csrftoken" not in response.cookies, path
    bare = client.get("/prod/hello", HTTP_HOST="execute-api.localhost:8000")
    assert bare.status_code == 404 and "invoke URLs look like" in bare.json()["message"]


def test_the_app_host_serves_gw_with_a_sandbox_csp(learner):
    api_id = build(learner)
    response = Client().get(f"/gw/{api_id}/prod/xss")
    assert response.status_code == 200 and response["Content-Type"] == "text/html"
    assert response["Content-Security-Policy"] == "sandbox" and response["X-Content-Type-Options"] == "nosniff"
    own = Client().get("/prod/xss", **on_host(api_id))
    assert own["Content-Type"] == "text/html" and "Content-Security-Policy" not in own  # like execute-api


def test_app_cookies_are_host_only(client, learner):
    response = client.post("/accounts/login/", {"username": "mallory", "password": "a-good-password-42"})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["domain"] == "" and response.cookies["sessionid"]["httponly"]
    page = client.get("/sandbox/")
    assert "*.execute-api.localhost" in page["Content-Security-Policy"]  # pages may call learners' APIs (CORS)


def test_every_rest_response_carries_the_extended_request_id(learner):
    api_id = build(learner)
    for path in ("/prod/hello", "/prod/nope"):
        response = Client().get(path, **on_host(api_id))
        assert response["x-amzn-RequestId"] and response["x-amz-apigw-id"].endswith("="), path


def test_malformed_lambda_proxy_answer_is_a_502_with_its_error_type(learner):
    api_id = build(learner)
    response = Client().get("/prod/broken", **on_host(api_id))
    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}
    assert response["x-amzn-ErrorType"] == "InternalServerErrorException"


def wsgi_call(environ: dict) -> tuple[str, dict, bytes]:
    """Call the WSGI fast path the way gunicorn or runserver would."""
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    app = wrap(lambda env, start: pytest.fail("an invoke request reached Django"))
    base = {"REQUEST_METHOD": "GET", "QUERY_STRING": "", "wsgi.input": io.BytesIO(b""), "REMOTE_ADDR": "127.0.0.1"}
    body = b"".join(app({**base, **environ}, start_response))
    return seen["status"], seen["headers"], body


def test_a_get_without_content_type_reaches_the_lambda_event_without_one(learner):
    api_id = build(learner)
    # wsgiref (Django's runserver) fills in CONTENT_TYPE text/plain when the client sent none.
    status, _headers, body = wsgi_call(
        {
            **on_host(api_id),
            "PATH_INFO": "/prod/echo",
            "CONTENT_TYPE": "text/plain",
            "SERVER_SOFTWARE": "WSGIServer/0.2",
        }
    )
    event = json.loads(body)
    assert status.startswith("200") and "Content-Type" not in (event["headers"] or {})
    _, _, sent = wsgi_call(
        {
            **on_host(api_id),
            "PATH_INFO": "/prod/echo",
            "REQUEST_METHOD": "POST",
            "CONTENT_TYPE": "text/plain",
            "CONTENT_LENGTH": "2",
            "wsgi.input": io.BytesIO(b"hi"),
            "SERVER_SOFTWARE": "WSGIServer/0.2",
        }
    )
    assert json.loads(sent)["headers"]["Content-Type"] == "text/plain" and json.loads(sent)["body"] == "hi"


def chunked(api_id: str, body: bytes, terminated: bool = True) -> dict:
    return {
        **on_host(api_id),
        "PATH_INFO": "/prod/echo",
        "REQUEST_METHOD": "POST",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": terminated,
    }


def test_a_chunked_body_is_read_and_over_10_mb_is_413(learner):
    api_id = build(learner)
    status, _, body = wsgi_call(chunked(api_id, b'{"chunked": true}'))
    assert status.startswith("200") and json.loads(json.loads(body)["body"]) == {"chunked": True}
    status, headers, body = wsgi_call(chunked(api_id, b"x" * (10 * 1024 * 1024 + 1)))
    assert status.startswith("413") and headers["x-amzn-ErrorType"] == "RequestTooLargeException"
    status, _, body = wsgi_call(chunked(api_id, b"lost?", terminated=False))
    assert status.startswith("411") and "Content-Length" in json.loads(body)["message"]


def test_a_path_that_is_not_utf8_is_a_400_with_a_json_message(learner):
    api_id = build(learner)
    # A WSGI server hands the decoded bytes as Latin-1 characters: %FF arrives as "\xff".
    status, headers, body = wsgi_call({**on_host(api_id), "PATH_INFO": "/prod/caf\xff"})
    assert status.startswith("400") and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"message": "Invalid request: the path is not valid UTF-8"}
    status, _, body = wsgi_call({**on_host(api_id), "PATH_INFO": b"/prod/hello".decode("latin-1")})
    assert status.startswith("200")
    unicode_path = "/prod/café".encode().decode("latin-1")  # valid UTF-8 bytes: a 403 for a missing resource
    assert wsgi_call({**on_host(api_id), "PATH_INFO": unicode_path})[0].startswith("403")


def test_app_pages_still_go_to_django(learner):
    seen = []
    app = wrap(lambda env, start: seen.append(env["PATH_INFO"]) or [b""])
    app({"PATH_INFO": "/sandbox/", "HTTP_HOST": "127.0.0.1:8000"}, lambda *a: None)
    assert seen == ["/sandbox/"]
