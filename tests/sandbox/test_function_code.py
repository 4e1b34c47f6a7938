"""The Lambda console with the learner's own code: the editor saves a handler, Test runs it with
AWS's sample events and shows the answer and the log; the same code behind an API."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

import gateway as gw
from sandbox import lambda_samples
from sandbox.models import SandboxAccount
from tests.factories import UserFactory

HELLO = next(s for s in lambda_samples.starters() if s.slug == "hello").text
MALFORMED = next(s for s in lambda_samples.starters() if s.slug == "malformed-502").text
PROXY_EVENT = lambda_samples.event("apigateway-proxy-1.0").text


@pytest.fixture
def learner(student, client):
    client.force_login(student)
    SandboxAccount.for_user(student)
    return student


def save(client, name: str, code: str, kind: str = "code"):
    url = reverse("sandbox:function_action", args=[name, "behaviour"])
    return client.post(url, {"kind": kind, "code": code, "duration_ms": "10", "table": "Pets"})


def test_every_sample_event_is_json_and_every_starter_a_handler():
    assert {s.slug for s in lambda_samples.events()} >= {
        "apigateway-proxy-1.0",
        "apigateway-http-2.0",
        "authorizer-token",
        "authorizer-request",
        "websocket-connect",
    }
    for sample in lambda_samples.events():
        assert isinstance(json.loads(sample.text), dict) and sample.source.startswith("https://docs.aws.amazon.com/")
    for starter in lambda_samples.starters():
        assert "export const handler" in starter.text, starter.slug


def test_save_code_and_test_it_with_a_sample_event(learner, client):
    assert save(client, "hello", HELLO).status_code == 302
    function = SandboxAccount.for_user(learner).account().functions["hello"]
    assert function.versions["$LATEST"].kind == "code" and "Hello," in function.versions["$LATEST"].code
    page = client.get(reverse("sandbox:function", args=["hello"])).content.decode()
    assert "data-code-editor" in page and "API Gateway proxy (REST, payload 1.0)" in page
    answer = client.post(reverse("sandbox:function_test", args=["hello"]), {"event": PROXY_EVENT})
    text = answer.content.decode()
    assert answer.status_code == 200 and "Succeeded" in text
    assert "Hello, Ada!" in text


def test_the_log_and_the_error_of_a_failing_handler(learner, client):
    code = 'export const handler = async (event) => { console.log("got", event.n); throw new RangeError("too big"); };'
    save(client, "hello", code)
    text = client.post(reverse("sandbox:function_test", args=["hello"]), {"event": '{"n": 7}'}).content.decode()
    assert "Failed" in text and "RangeError" in text and "too big" in text
    assert "got 7" in text


def test_bad_input_is_refused_next_to_its_field(learner, client):
    refused = save(client, "hello", "   ")
    assert refused.status_code == 422 and "needs its handler" in refused.content.decode()
    assert SandboxAccount.for_user(learner).account().functions["hello"].versions["$LATEST"].kind == "hello"
    bad_event = client.post(reverse("sandbox:function_test", args=["hello"]), {"event": "{not json"})
    assert bad_event.status_code == 422 and "The event" in bad_event.content.decode()


def test_another_learners_function_is_not_found(learner, client):
    other = UserFactory(username="other-learner")
    with SandboxAccount.editing(other) as account:
        gw.create_function(account, "secret", {"kind": "echo"})
    assert client.post(reverse("sandbox:function_test", args=["secret"]), {"event": "{}"}).status_code == 404


def test_a_malformed_proxy_answer_is_a_502_through_the_api(learner):
    with SandboxAccount.editing(learner) as account:
        fn = gw.create_function(account, "shaky", {"kind": "code", "code": MALFORMED})
        api = gw.create_rest_api(account, "shaky-api")
        resource = gw.create_resource_path(account, api, "/shaky")
        gw.put_method(api, resource.id, "GET")
        gw.put_integration(api, resource.id, "GET", "AWS_PROXY", uri=fn.arn)
        gw.create_deployment(account, api, stage_name="dev")
    account = SandboxAccount.for_user(learner).account()
    response = gw.invoke(account, gw.Request(api.id, "dev", "GET", "/shaky"))
    assert response.status == 502
    assert any("Malformed Lambda proxy response" in line.message for line in response.log)
