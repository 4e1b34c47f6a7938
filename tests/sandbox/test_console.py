"""The core console, the learner's isolation, and the public /gw/ endpoint."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

import gateway as gw
from gateway.rest import cors
from gateway.traffic import limits as traffic
from sandbox.models import ApiOwner, SandboxAccount
from tests.factories import UserFactory


@pytest.fixture
def learner(db):
    return UserFactory(username="ada")


@pytest.fixture
def client_ada(client, learner):
    client.force_login(learner)
    return client


def make_api(user, name="orders"):
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, name)
    return api.id


def account_of(user) -> gw.Account:
    return SandboxAccount.for_user(user).account()


def test_console_pages_need_login(client, db):
    for url in ("/sandbox/", "/sandbox/apis/abc/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_new_sandbox_has_the_teaching_functions(client_ada, learner):
    assert client_ada.get("/sandbox/").status_code == 200
    assert {"echo", "hello", "pets", "slow"} <= set(account_of(learner).functions)


def test_create_api_then_resource_method_integration_and_deploy(client_ada, learner):
    response = client_ada.post("/sandbox/apis/new/", {"kind": "REST", "name": "orders", "endpoint_type": "REGIONAL"})
    api_id = response["Location"].split("/")[3]
    api = account_of(learner).restApis[api_id]
    root = api.root.id
    response = client_ada.post(f"/sandbox/apis/{api_id}/resources/", {"parent": root, "path_part": "orders"})
    assert response.status_code == 302
    resource = account_of(learner).restApis[api_id].resource_by_path("/orders")
    client_ada.post(
        f"/sandbox/apis/{api_id}/methods/",
        {"editor": "method", "resource": resource.id, "http_method": "GET", "authorization_type": "NONE"},
    )
    client_ada.post(
        f"/sandbox/apis/{api_id}/methods/",
        {
            "editor": "integration",
            "resource": resource.id,
            "http_method": "GET",
            "type": "MOCK",
            "passthrough": "WHEN_NO_MATCH",
            "timeout": "29000",
        },
    )
    client_ada.post(
        f"/sandbox/apis/{api_id}/methods/",
        {
            "editor": "response",
            "resource": resource.id,
            "http_method": "GET",
            "status_code": "200",
            "response_template": '{"orders": []}',
        },
    )
    page = client_ada.get(f"/sandbox/apis/{api_id}/?resource={resource.id}&method=GET").content.decode()
    assert "Not deployed yet" in page
    client_ada.post(f"/sandbox/apis/{api_id}/deploy/", {"stage": "prod"})
    response = Client().get(f"/gw/{api_id}/prod/orders")
    assert response.status_code == 200 and response.json() == {"orders": []}
    assert "up to date" in client_ada.get(f"/sandbox/apis/{api_id}/").content.decode()


def test_working_copy_changes_show_as_not_deployed(client_ada, learner):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    with SandboxAccount.editing(learner) as account:
        gw.create_resource_path(account, account.restApis[api_id], "/toys")
    assert "changes not deployed" in client_ada.get(f"/sandbox/apis/{api_id}/").content.decode()


@pytest.mark.parametrize(
    ("editor", "data", "message"),
    [
        (
            "integration",
            {"type": "AWS_PROXY", "uri": "https://example.com/fn", "passthrough": "WHEN_NO_MATCH", "timeout": "29000"},
            "Lambda invocation uri",
        ),
        (
            "integration",
            {
                "type": "HTTP",
                "uri": "http://echo.example.internal/",
                "passthrough": "WHEN_NO_MATCH",
                "timeout": "30000",
            },
            "less than or equal to 29000",
        ),
        (
            "integration",
            {"type": "MOCK", "passthrough": "WHEN_NO_MATCH", "timeout": "100", "request_parameters": "[1]"},
            "must be a JSON object",
        ),
        ("response", {"status_code": "2000"}, "A status code like 200"),
        ("response", {"status_code": "400", "selection_pattern": "4("}, "not a valid regular expression"),
        ("method", {"authorization_type": "CUSTOM", "authorizer_id": "nope"}, "choose one of this API"),
    ],
)
def test_invalid_editor_input_shows_the_error_and_changes_nothing(client_ada, learner, editor, data, message):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    resource = account_of(learner).restApis[api_id].resource_by_path("/pets")
    if editor == "response":  # an integration with responses first
        client_ada.post(
            f"/sandbox/apis/{api_id}/methods/",
            {
                "editor": "integration",
                "resource": resource.id,
                "http_method": "GET",
                "type": "MOCK",
                "passthrough": "WHEN_NO_MATCH",
                "timeout": "29000",
            },
        )
    before = json.dumps(SandboxAccount.for_user(learner).state, sort_keys=True)
    response = client_ada.post(
        f"/sandbox/apis/{api_id}/methods/", {"editor": editor, "resource": resource.id, "http_method": "GET", **data}
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert json.dumps(SandboxAccount.for_user(learner).state, sort_keys=True) == before


def test_bad_resource_name_is_a_form_error(client_ada, learner):
    api_id = make_api(learner)
    root = account_of(learner).restApis[api_id].root.id
    response = client_ada.post(f"/sandbox/apis/{api_id}/resources/", {"parent": root, "path_part": "bad name!"})
    assert response.status_code == 422 and "pathPart" in response.content.decode()


def test_every_field_on_the_api_page_has_its_own_label_target(client_ada, learner):
    """Several forms share the console page; a label must point at one field only."""
    api_id = make_api(learner)
    for response in (
        client_ada.get(f"/sandbox/apis/{api_id}/"),
        client_ada.post(f"/sandbox/apis/{api_id}/resources/", {"parent": "nope", "path_part": "bad name!"}),
    ):
        ids = re.findall(r'\sid="([^"]+)"', response.content.decode())
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert ids and duplicates == []


def test_learner_cannot_see_change_or_test_another_learners_api(client, learner, db):
    api_id = make_api(learner)
    other = UserFactory(username="eve")
    client.force_login(other)
    assert client.get(f"/sandbox/apis/{api_id}/").status_code == 404
    assert client.post(f"/sandbox/apis/{api_id}/deploy/", {"stage": "dev"}).status_code == 404
    assert client.post(f"/sandbox/apis/{api_id}/delete/").status_code == 404
    assert client.post(f"/sandbox/apis/{api_id}/delete/", {"confirm": "yes"}).status_code == 404
    assert (
        client.post(f"/sandbox/apis/{api_id}/test/", {"target": "dev", "method": "GET", "path": "/"}).status_code == 404
    )
    assert api_id in account_of(learner).restApis


def test_test_panel_runs_the_working_copy_with_log_and_diagram(client_ada, learner):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    response = client_ada.post(
        f"/sandbox/apis/{api_id}/test/",
        {"target": "__working__", "method": "GET", "path": "/pets/1", "source_ip": "203.0.113.10"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert '<span class="status status-2xx">200</span>' in html
    assert "Execution log" in html and "diagram-step" in html
    assert "&quot;type&quot;: &quot;dog&quot;" in html


def test_test_panel_shows_why_a_key_is_refused(client_ada, learner):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    with SandboxAccount.editing(learner) as account:
        api = account.restApis[api_id]
        gw.update_method(api, api.resource_by_path("/pets").id, "GET", apiKeyRequired=True)
        gw.create_deployment(account, api, stage_name="dev")
        traffic.create_api_key(account, "customer", value="customer-key-value-0000001", enabled=True)
    html = client_ada.post(
        f"/sandbox/apis/{api_id}/test/",
        {"target": "dev", "method": "GET", "path": "/pets", "api_key": "customer-key-value-0000001"},
    ).content.decode()
    assert "403" in html and "no usage plan for stage dev contains it" in html


def test_template_preview_renders_or_explains(client_ada, learner):
    api_id = make_api(learner)
    ok = client_ada.post(
        f"/sandbox/apis/{api_id}/preview/", {"template": "$util.urlEncode($input.body)", "body": '{"some": "value"}'}
    )
    assert "%7B%22some%22%3A+%22value%22%7D" in ok.content.decode()
    bad = client_ada.post(f"/sandbox/apis/{api_id}/preview/", {"template": "#if(", "body": ""})
    assert 'class="error"' in bad.content.decode()


def test_reset_empties_the_sandbox(client_ada, learner):
    make_api(learner)
    page = client_ada.post("/sandbox/reset/").content.decode()
    assert "Reset your whole sandbox?" in page and "1 REST API" in page
    assert account_of(learner).restApis != {}  # a confirm step first, which works without JavaScript
    client_ada.post("/sandbox/reset/", {"confirm": "yes"})
    assert account_of(learner).restApis == {}
    assert not ApiOwner.objects.exists()


# ---------------------------------------------------------------------------------------
# The public endpoint


def public_api(user, *, key_required=False, cors_origin=None):
    with SandboxAccount.editing(user) as account:
        api = gw.create_rest_api(account, "public")
        resource = gw.create_resource_path(account, api, "/hello")
        gw.put_method(api, resource.id, "GET", apiKeyRequired=key_required)
        gw.put_integration(api, resource.id, "GET", "AWS_PROXY", uri=account.functions["hello"].arn)
        if cors_origin:
            cors.enable_cors(account, api, resource.id, origins=[cors_origin])
        gw.create_deployment(account, api, stage_name="prod")
    return api.id


def test_gw_answers_real_http_with_the_engines_answer(learner):
    api_id = public_api(learner)
    response = Client().get(f"/gw/{api_id}/prod/hello?name=Ada")
    assert response.status_code == 200 and response.json() == {"message": "Hello, Ada!"}
    assert response["x-amzn-RequestId"]
    missing = Client().get(f"/gw/{api_id}/prod/nope")
    assert (missing.status_code, missing.json()) == (403, {"message": "Missing Authentication Token"})
    assert Client().get("/gw/zzzzzzzzzz/prod/hello").status_code == 403


def test_gw_respects_api_keys(learner):
    api_id = public_api(learner, key_required=True)
    assert Client().get(f"/gw/{api_id}/prod/hello").status_code == 403
    with SandboxAccount.editing(learner) as account:
        key = traffic.create_api_key(account, "k", value="public-key-value-00000001", enabled=True)
        plan = traffic.create_usage_plan(account, "p", throttle={"rateLimit": 0.001, "burstLimit": 2})
        traffic.add_api_stage(account, plan.id, api_id, "prod")
        traffic.create_usage_plan_key(account, plan.id, key.id)
    statuses = [
        Client().get(f"/gw/{api_id}/prod/hello", HTTP_X_API_KEY="public-key-value-00000001").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]  # the buckets are shared through the database store


def test_gw_refuses_payloads_over_10_mb_with_413(learner):
    api_id = public_api(learner)
    response = Client().post(
        f"/gw/{api_id}/prod/hello", data=b"x" * (10 * 1024 * 1024 + 1), content_type="application/octet-stream"
    )
    assert response.status_code == 413
    assert "10485760" in response.json()["message"]


def test_gw_cors_preflight_from_another_origin(learner):
    api_id = public_api(learner, cors_origin="https://app.example.com")
    preflight = Client().options(
        f"/gw/{api_id}/prod/hello", HTTP_ORIGIN="https://app.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example.com"
    # With a Lambda proxy the function itself must send the header: this one does not.
    assert "Access-Control-Allow-Origin" not in Client().get(
        f"/gw/{api_id}/prod/hello", HTTP_ORIGIN="https://app.example.com"
    )


def test_gw_changes_to_simulated_data_are_kept(client_ada, learner):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    created = Client().post(
        f"/gw/{api_id}/dev/pets", data='{"type": "parrot", "price": 10}', content_type="application/json"
    )
    assert created.status_code == 201
    pet_id = created.json()["id"]
    assert Client().get(f"/gw/{api_id}/dev/pets/{pet_id}").json()["type"] == "parrot"
    assert account_of(learner).dynamodbTables["Pets"]["items"][pet_id]["type"] == "parrot"


# ---------------------------------------------------------------------------------------
# Commands

SPEC = """openapi: 3.0.1
info: {title: imported, version: "1"}
paths:
  /ping:
    get:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"pong": true}'}}}
"""


def test_sandbox_import_deploys_and_prints_the_invoke_url(learner, tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    call_command("sandbox_import", str(spec), user="ada", stage="dev")
    out = capsys.readouterr().out
    api_id = out.split("API id: ")[1].split()[0]
    assert f"/gw/{api_id}/dev/" in out
    assert Client().get(f"/gw/{api_id}/dev/ping").json() == {"pong": True}
    call_command("sandbox_export", api_id, user="ada", format="json")
    assert '"x-amazon-apigateway-integration"' in capsys.readouterr().out


def test_sandbox_import_of_a_bad_document_lists_its_problems(learner, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("openapi: 3.0.1\ninfo: {title: x, version: '1'}\npaths: []\n")
    with pytest.raises(CommandError, match="/paths"):
        call_command("sandbox_import", str(spec), user="ada")
    assert account_of(learner).restApis == {}


def test_shared_store_leases_never_let_more_through_than_the_bucket(db):
    from sandbox.store import SqlStore

    first, second = SqlStore(), SqlStore()  # two server processes
    granted = 0
    for i in range(2000):
        store = first if i % 2 else second
        granted += store.take("bucket:test", 100.0, 500, 1000.0 + i * 0.001)  # 2 s at 1,000 requests a second
    assert granted <= 500 + 100 * 2.0 + 1
    assert granted >= 500  # the burst does get through


def test_shared_store_small_buckets_are_exact(db):
    from sandbox.store import SqlStore

    store = SqlStore()
    assert [store.take("bucket:small", 1.0, 2, 5.0) for _ in range(3)] == [True, True, False]
    assert store.take("bucket:small", 1.0, 2, 6.0) is True


def test_resource_policy_editor_validates_and_saves(client_ada, learner):
    api_id = make_api(learner)
    bad = client_ada.post(
        f"/sandbox/apis/{api_id}/settings/",
        {"endpoint_type": "REGIONAL", "api_key_source": "HEADER", "policy": '{"Statement": [{"Effect": "Maybe"}]}'},
    )
    assert bad.status_code == 422 and "Effect" in bad.content.decode()
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
            ],
        }
    )
    ok = client_ada.post(
        f"/sandbox/apis/{api_id}/settings/", {"endpoint_type": "PRIVATE", "api_key_source": "HEADER", "policy": policy}
    )
    assert ok.status_code == 302
    api = account_of(learner).restApis[api_id]
    assert api.endpoint_type == "PRIVATE" and json.loads(api.policy)["Statement"][0]["Effect"] == "Allow"


def test_enable_cors_action_adds_the_options_method(client_ada, learner):
    client_ada.post("/sandbox/example/")
    api_id = next(iter(account_of(learner).restApis))
    resource = account_of(learner).restApis[api_id].resource_by_path("/pets")
    response = client_ada.post(
        f"/sandbox/apis/{api_id}/cors/",
        {
            "resource": resource.id,
            "origins": "https://app.example.com",
            "headers": "Content-Type",
            "gateway_responses": "on",
        },
    )
    assert response.status_code == 302
    assert "OPTIONS" in account_of(learner).restApis[api_id].resource_by_path("/pets").resourceMethods
    bad = client_ada.post(f"/sandbox/apis/{api_id}/cors/", {"resource": resource.id, "origins": "not-an-origin"})
    assert bad.status_code == 422


def test_deleting_an_api_asks_first_and_names_what_is_lost(client_ada, learner):
    api_id = make_api(learner)
    page = client_ada.post(f"/sandbox/apis/{api_id}/delete/").content.decode()
    assert "Delete the API orders?" in page and "every invoke URL of it stops answering" in page
    assert api_id in account_of(learner).restApis
    client_ada.post(f"/sandbox/apis/{api_id}/delete/", {"confirm": "yes"})
    assert api_id not in account_of(learner).restApis


def test_a_lab_docks_beside_console_pages_until_closed(client_ada, learner):
    page = client_ada.get("/sandbox/keys/", {"lab": "usage-plan-key"}).content.decode()
    assert 'class="lab-dock"' in page and "Check my work" in page
    assert 'class="lab-dock"' in client_ada.get("/sandbox/functions/").content.decode()  # it stays docked
    assert 'class="lab-dock"' not in client_ada.get("/sandbox/labs/usage-plan-key/").content.decode()  # the lab itself
    client_ada.post("/sandbox/labs-panel/close/", {"next": "/sandbox/keys/?lab=usage-plan-key"})
    assert 'class="lab-dock"' not in client_ada.get("/sandbox/keys/").content.decode()


def test_an_unknown_docked_lab_is_ignored(client_ada, learner):
    assert client_ada.get("/sandbox/keys/", {"lab": "no-such-lab"}).status_code == 200


def test_sandbox_navigation_marks_only_the_current_section(client_ada, learner):
    api_id = make_api(learner)
    for path, section in [
        ("/sandbox/", "APIs"),
        (f"/sandbox/apis/{api_id}/stages/", "APIs"),
        ("/sandbox/keys/", "API keys &amp; usage plans"),
        ("/sandbox/iam/", "IAM"),
        ("/sandbox/metrics/", "Metrics &amp; logs"),
        ("/sandbox/labs/", "Labs"),
    ]:
        html = client_ada.get(path).content.decode()
        nav = html[html.index('class="sandbox-nav"') : html.index("</nav>", html.index('class="sandbox-nav"'))]
        assert nav.count('aria-current="page"') == 1 and f'aria-current="page">{section}</a>' in nav, path


def test_integration_uri_errors_name_the_expected_form(client_ada, learner):
    api_id = make_api(learner)
    root = account_of(learner).restApis[api_id].root.id
    client_ada.post(
        f"/sandbox/apis/{api_id}/methods/",
        {"editor": "method", "resource": root, "http_method": "GET", "authorization_type": "NONE"},
    )
    page = client_ada.post(
        f"/sandbox/apis/{api_id}/methods/",
        {
            "editor": "integration",
            "resource": root,
            "http_method": "GET",
            "type": "AWS_PROXY",
            "uri": "hello",
            "integration_http_method": "POST",
            "passthrough": "WHEN_NO_MATCH",
            "timeout": "29000",
        },
    ).content.decode()
    assert "Expected a Lambda invocation uri: the function ARN" in page
    assert "arn:aws:lambda:us-east-1:123456789012:function:hello:${stageVariables.alias}" in page  # the help's examples


def test_favicon_ico_points_at_the_shipped_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("img/favicon.svg")
