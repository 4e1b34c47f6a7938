"""Property tests: no request and no template input makes `invoke` raise."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gateway as gw
from gateway.model.call import Request
from gateway.rest.pipeline import invoke
from tests.gateway.conftest import NOW, add_method, deploy, mock_200

text = st.text(max_size=200)
pairs = st.lists(st.tuples(st.text(min_size=1, max_size=20), st.text(max_size=40)), max_size=5)


def build():
    account = gw.Account()
    api = gw.create_rest_api(account, "p", now=NOW)
    mock_200(account, api, "/m", response_template='{"q": "$input.params(\'q\')", "b": $input.json(\'$\')}')
    fn = gw.create_function(account, "fn", {"kind": "echo"})
    add_method(account, api, "/{proxy+}", "ANY", "AWS_PROXY", uri=fn.arn)
    resource = add_method(
        account,
        api,
        "/h/{id}",
        "POST",
        "HTTP",
        uri="http://echo.example.internal/{id}",
        httpMethod="POST",
        requestTemplates={"application/json": '{"v": "$util.escapeJavaScript($input.body)"}'},
        requestParameters={"integration.request.path.id": "method.request.path.id"},
    )
    gw.put_integration_response(api, resource.id, "POST", "200")
    deploy(account, api)
    return account, api


ACCOUNT, API = build()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "BREW"]),
    path=st.one_of(st.sampled_from(["/m", "/h/1", "/x/y", "/", "//", "/h/%zz"]), text.map(lambda s: "/" + s)),
    query=pairs,
    headers=pairs,
    body=st.one_of(text, st.binary(max_size=200)),
)
def test_no_request_makes_invoke_raise(method, path, query, headers, body):
    response = invoke(
        ACCOUNT, Request(API.id, "dev", method, path, query, headers, body, time=NOW), rng=random.Random(1)
    )
    assert 100 <= response.status <= 599
    assert isinstance(response.headers, list)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(template=text, body=text)
def test_no_template_makes_invoke_raise(template, body):
    account = gw.Account.from_dict(ACCOUNT.to_dict())
    api = account.restApis[API.id]
    resource = api.resource_by_path("/m")
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={"application/json": template})
    gw.create_deployment(account, api, stage_name="dev", now=NOW)
    response = invoke(account, Request(api.id, "dev", "GET", "/m", body=body, time=NOW), rng=random.Random(1))
    assert response.status in (200, 500) or 100 <= response.status <= 599
