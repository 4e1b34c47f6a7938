"""Guided labs: every lab file loads, fails on its starting state with its own message, passes
once solved (each solution below uses the engine's operations, as the console does); progress,
pages, the topic panel, and labs as quiz questions."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

import gateway as gw
from gateway.auth import authorizers
from gateway.model.resources import ThrottleSettings
from gateway.rest import cors
from gateway.traffic import cache as caching
from gateway.traffic import limits as traffic
from gateway.v2 import apis as v2
from notes.loader import sync_taxonomy
from notes.taxonomy import load_taxonomy
from quizzes.models import Card, PracticeResponse, PracticeSession, Question, ReviewLog, ensure_cards
from sandbox import labs
from sandbox.models import LabProgress, SandboxAccount, new_account
from tests.factories import UserFactory

ALL = labs.load_labs(topics=labs.taxonomy_topics())


def rest(account: gw.Account, name: str) -> gw.RestApi:
    api = labs.find_rest_api(account, name)
    assert api is not None, name
    return api


def resource(api: gw.RestApi, path: str) -> str:
    return api.resource_by_path(path).id


def attachment(lab_slug: str, name: str) -> str:
    return next(a["content"] for a in ALL[lab_slug].attachments if a["name"] == name)


# ---------------------------------------------------------------------------------------
# One solution per lab: what a learner does in the console, as engine operations


def solve_first_hello_api(account, now):
    api = gw.create_rest_api(account, "lab-hello", endpoint_type="REGIONAL", now=now)
    hello = gw.create_resource_path(account, api, "/hello")
    gw.put_method(api, hello.id, "GET")
    gw.put_integration(api, hello.id, "GET", "AWS_PROXY", uri=account.functions["hello"].arn)
    gw.create_deployment(account, api, stage_name="dev", now=now)


def solve_deploy_two_stages(account, now):
    api = rest(account, "lab-greetings")
    gw.create_deployment(account, api, stage_name="v1", now=now)
    gw.put_integration_response(
        api,
        resource(api, "/greeting"),
        "GET",
        "200",
        responseTemplates={"application/json": '{"message": "Hello from v2"}'},
    )
    gw.create_deployment(account, api, stage_name="v2", now=now)


def solve_rollback_stage(account, now):
    api = rest(account, "lab-checkout")
    good = next(d for d in api.deployments.values() if d.description == "release 1.4")
    gw.rollback_stage(api, "prod", good.id, now=now)


def solve_stage_variable_alias(account, now):
    api = rest(account, "lab-orders-aliases")
    gw.update_stage_variables(api.stages["prod"], {"lambdaAlias": "prod"})
    source = f"arn:aws:execute-api:{account.region}:{account.accountId}:{api.id}/*/GET/orders"
    gw.add_permission(account, "lab-orders-fn", source, qualifier="prod")


def solve_canary_five_percent(account, now):
    api = rest(account, "lab-pricing")
    gw.put_integration_response(
        api,
        resource(api, "/price"),
        "GET",
        "200",
        responseTemplates={"application/json": '{"price": 9, "version": "v2"}'},
    )
    gw.create_deployment(account, api, stage_name="prod", canary={"percentTraffic": 5.0}, now=now)


def solve_canary_promote(account, now):
    gw.promote_canary(rest(account, "lab-pricing-promote"), "prod", now=now)


def solve_mock_integration(account, now):
    api = rest(account, "lab-status")
    health = resource(api, "/health")
    gw.put_integration(api, health, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_method_response(api, health, "GET", "200")
    gw.put_integration_response(api, health, "GET", "200", responseTemplates={"application/json": '{"status": "ok"}'})
    gw.create_deployment(account, api, stage_name="dev", now=now)


def solve_rename_query_parameter(account, now):
    api = rest(account, "lab-search")
    gw.put_integration(
        api,
        resource(api, "/search"),
        "GET",
        "AWS",
        uri=account.functions["lab-search-backend"].arn,
        integrationHttpMethod="POST",
        requestTemplates={"application/json": '{"term": "$util.escapeJavaScript($input.params(\'q\'))"}'},
    )
    gw.create_deployment(account, api, stage_name="prod", now=now)


SOAP_TEMPLATE = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soap:Body><GetPet><id>$input.path('$.id')</id></GetPet></soap:Body></soap:Envelope>"
)


def solve_json_to_soap(account, now):
    api = rest(account, "lab-legacy-pets")
    gw.put_integration(
        api,
        resource(api, "/pets/lookup"),
        "POST",
        "HTTP",
        uri="http://soap.example.internal/PetService",
        integrationHttpMethod="POST",
        requestTemplates={"application/json": SOAP_TEMPLATE},
    )
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_import_openapi(account, now):
    api, warnings = gw.import_openapi(account, attachment("import-openapi", "petstore-lab.yaml"), now=now)
    assert api.name == "lab-petstore-import"
    gw.create_deployment(account, api, stage_name="v1", now=now)


def solve_usage_plan_key(account, now):
    api = rest(account, "lab-partner-pets")
    plan = traffic.create_usage_plan(account, "partners", throttle={"rateLimit": 10, "burstLimit": 20})
    traffic.add_api_stage(account, plan.id, api.id, "prod")
    traffic.create_usage_plan_key(account, plan.id, labs.find_key(account, "partner-key").id)


def solve_throttle_client(account, now):
    plan = next(p for p in account.usagePlans.values() if p.name == "free")
    plan.throttle = ThrottleSettings(burstLimit=2, rateLimit=1.0)


def solve_cache_invalidate(account, now):
    stage = rest(account, "lab-catalog").stages["prod"]
    caching.enable_stage_cache(stage, "0.5", ttl=300)
    gw.update_method_settings(stage, "*/*", requireAuthorizationForCacheControl=False)


def solve_cors_origin(account, now):
    api = rest(account, "lab-shop-api")
    cors.enable_cors(account, api, resource(api, "/cart"), origins=["https://shop.example.com"])
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_lambda_authorizer(account, now):
    api = rest(account, "lab-orders")
    function = account.functions["lab-token-authorizer"]
    authorizer = authorizers.create_authorizer(account, api, "tokens", "TOKEN", function_arn=function.arn)
    gw.update_method(api, resource(api, "/orders"), "GET", authorizationType="CUSTOM", authorizerId=authorizer.id)
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_cognito_authorizer(account, now):
    api = rest(account, "lab-profile")
    pool = next(p for p in account.userPools.values() if p.name == "lab-pets-users")
    authorizer = authorizers.create_authorizer(
        account, api, "pets-users", "COGNITO_USER_POOLS", provider_arns=[pool.arn]
    )
    gw.update_method(
        api, resource(api, "/profile"), "GET", authorizationType="COGNITO_USER_POOLS", authorizerId=authorizer.id
    )
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_resource_policy_ip(account, now):
    api = rest(account, "lab-office-reports")
    api.policy = attachment("resource-policy-ip", "office-only-policy.json")
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_private_endpoint(account, now):
    api = rest(account, "lab-internal-inventory")
    api.endpointConfiguration = {"types": ["PRIVATE"]}
    api.policy = attachment("private-endpoint", "vpce-policy.json")
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_fix_502(account, now):
    api = rest(account, "lab-weather")
    weather = resource(api, "/weather")
    function = account.functions["lab-weather-fn"]
    gw.put_integration(api, weather, "GET", "AWS", uri=function.arn, integrationHttpMethod="POST")
    gw.put_method_response(api, weather, "GET", "200")
    gw.put_integration_response(api, weather, "GET", "200")
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_timeout_504(account, now):
    api = rest(account, "lab-reports")
    gw.put_integration(
        api,
        resource(api, "/report"),
        "GET",
        "HTTP_PROXY",
        uri="http://slow.example.internal/report",
        integrationHttpMethod="GET",
        timeoutInMillis=5000,
    )
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_pets_architecture(account, now):
    api = gw.create_rest_api(account, "lab-pets-service", endpoint_type="REGIONAL", now=now)
    arn = account.functions["lab-pets-fn"].arn
    pets = gw.create_resource_path(account, api, "/pets")
    one = gw.create_resource_path(account, api, "/pets/{petId}")
    for resource_id, verb in ((pets.id, "GET"), (pets.id, "POST"), (one.id, "GET")):
        gw.put_method(api, resource_id, verb)
        gw.put_integration(api, resource_id, verb, "AWS_PROXY", uri=arn)
    gw.create_deployment(account, api, stage_name="prod", now=now)


def solve_http_api_basics(account, now):
    api = v2.create_http_api(account, "lab-http-hello", now=now)
    integration = v2.create_v2_integration(account, api, "AWS_PROXY", account.functions["hello"].arn, now=now)
    v2.create_route(account, api, "GET /hello", integration.integrationId, now=now)


def solve_websocket_routing(account, now):
    api = labs.find_v2_api(account, "lab-chat", "WEBSOCKET")
    arn = account.functions["lab-chat-fn"].arn
    integration = v2.create_v2_integration(account, api, "AWS_PROXY", arn, now=now)
    v2.create_route(
        account, api, "sendMessage", integration.integrationId, route_response_selection_expression="$default", now=now
    )
    v2.deploy_v2(account, api, "production", now=now)


def solve_monitoring_find_5xx(account, now):
    api = rest(account, "lab-shop-backend")
    gw.update_method_settings(
        api.stages["prod"], "*/*", metricsEnabled=True, loggingLevel="INFO", dataTraceEnabled=True
    )
    arn = account.functions["lab-inventory-fn"].arn
    gw.put_integration(api, resource(api, "/inventory"), "GET", "AWS_PROXY", uri=arn)
    gw.create_deployment(account, api, stage_name="prod", now=now)


# slug -> (solution, words of the explanation a learner sees on the lab's starting state)
SOLUTIONS: dict[str, tuple[Callable[[gw.Account, float], None], str]] = {
    "first-hello-api": (solve_first_hello_api, "Create the REST API lab-hello with GET /hello"),
    "deploy-two-stages": (solve_deploy_two_stages, "Stage v1 must exist"),
    "rollback-stage": (solve_rollback_stage, "Point the stage prod at the earlier deployment (rollback)"),
    "stage-variable-alias": (solve_stage_variable_alias, "Add the stage variable lambdaAlias"),
    "canary-five-percent": (solve_canary_five_percent, "Stage prod needs a canary with percentTraffic 5.0"),
    "canary-promote": (solve_canary_promote, "Promote the canary of prod"),
    "mock-integration": (solve_mock_integration, "must have a MOCK integration"),
    "rename-query-parameter": (solve_rename_query_parameter, "map the query string parameter q to term"),
    "json-to-soap": (solve_json_to_soap, "must send a GetPet SOAP envelope"),
    "import-openapi": (solve_import_openapi, "Import petstore-lab.yaml as a new REST API"),
    "usage-plan-key": (solve_usage_plan_key, "Your key exists but no usage plan for stage prod contains it"),
    "throttle-client": (solve_throttle_client, "rate of 1 request per second and a burst of 2"),
    "cache-invalidate": (solve_cache_invalidate, "Enable the API cache on the stage prod"),
    "cors-origin": (solve_cors_origin, "must pass the preflight"),
    "lambda-authorizer": (solve_lambda_authorizer, "must use authorization CUSTOM"),
    "cognito-authorizer": (solve_cognito_authorizer, "must use authorization COGNITO_USER_POOLS"),
    "resource-policy-ip": (solve_resource_policy_ip, "must be refused by the resource policy"),
    "private-endpoint": (solve_private_endpoint, "Set the endpoint type of lab-internal-inventory to PRIVATE"),
    "fix-502": (solve_fix_502, "a 502 means the proxy output is still malformed"),
    "timeout-504": (solve_timeout_504, "with a timeout of at most 5000 ms"),
    "pets-architecture": (solve_pets_architecture, "must list the pets from LabPets"),
    "http-api-basics": (solve_http_api_basics, "Create an HTTP API (not a REST API) named lab-http-hello"),
    "websocket-routing": (solve_websocket_routing, "must select the route sendMessage"),
    "monitoring-find-5xx": (solve_monitoring_find_5xx, "Enable detailed CloudWatch metrics"),
}


def started(slug: str) -> tuple[labs.Lab, gw.Account, float]:
    lab = ALL[slug]
    account = new_account()
    now = time.time()
    labs.start_lab(lab, account, now)
    return lab, account, now


def check(lab: labs.Lab, account: gw.Account, now: float) -> list[labs.CheckResult]:
    return labs.run_checks(lab, account, runtime=gw.Runtime(), now=now)


# ---------------------------------------------------------------------------------------
# The lab files


def test_every_lab_file_loads_with_unique_slugs_valid_topics_and_known_checks():
    topics = labs.taxonomy_topics()
    assert len(ALL) >= 16
    assert len({lab.slug for lab in ALL.values()}) == len(ALL)
    assert {lab.topic for lab in ALL.values()} == topics  # at least one lab per topic of the taxonomy
    for lab in ALL.values():
        assert lab.checks and lab.hints and lab.goal and lab.story
        assert all(c.kind in labs.CHECKS and c.message for c in lab.checks)
        assert all(labs._step_kind(s) in labs.SETUP_STEPS for s in lab.setup)
    assert set(labs.CHECKS) == set(labs.CHECK_FIELDS)
    assert {c.kind for lab in ALL.values() for c in lab.checks} == set(labs.CHECKS)  # every kind is exercised


def test_every_lab_has_a_solution_in_this_file():
    from tests.sandbox.test_code_labs import CODE_LABS  # solved by saving a handler in the code editor
    from tests.sandbox.test_terminal_labs import TERMINAL_LABS  # solved by running their own commands

    assert set(SOLUTIONS) | set(TERMINAL_LABS) | set(CODE_LABS) == set(ALL)
    assert not set(SOLUTIONS) & set(TERMINAL_LABS)
    assert not (set(SOLUTIONS) | set(TERMINAL_LABS)) & set(CODE_LABS)


def test_a_malformed_lab_is_refused_with_every_problem():
    text = """
slug: Bad Slug
title: t
topic: nowhere
goal: g
story: s
setup:
  - make_coffee: {}
hints: [h]
checks:
  - kind: run_python
    message: m
  - kind: invoke
    api: a
    stage: prod
  - kind: invoke
    api: a
    stage: prod
    expect: {status: 200, smell: good}
    message: m
"""
    with pytest.raises(labs.LabError) as caught:
        labs.parse_lab(text, "bad.yaml", {"caching"})
    problems = "\n".join(caught.value.problems)
    assert "slug must be lowercase" in problems
    assert "topic 'nowhere' is not a topic" in problems
    assert "unknown kind 'make_coffee'" in problems
    assert "unknown kind 'run_python'" in problems
    assert "message is required" in problems
    assert "missing expect" in problems
    assert "unknown expectation smell" in problems


# ---------------------------------------------------------------------------------------
# Each lab's checker, on its starting state and once solved


@pytest.mark.parametrize("slug", sorted(SOLUTIONS))
def test_the_checker_fails_on_the_starting_state_with_the_labs_message(slug):
    lab, account, now = started(slug)
    results = check(lab, account, now)
    assert not labs.all_passed(results)
    failed = [r for r in results if not r.passed]
    assert any(SOLUTIONS[slug][1] in r.message for r in failed), [r.message for r in failed]
    assert all(r.detail for r in failed)  # every failure also says what actually happened


@pytest.mark.parametrize("slug", sorted(SOLUTIONS))
def test_the_checker_passes_once_the_lab_is_solved(slug):
    lab, account, now = started(slug)
    SOLUTIONS[slug][0](account, now)
    results = check(lab, account, now)
    assert labs.all_passed(results), [(r.title, r.detail) for r in results if not r.passed]


def test_restarting_a_lab_rebuilds_its_starting_state():
    lab, account, now = started("usage-plan-key")
    solve_usage_plan_key(account, now)
    assert labs.all_passed(check(lab, account, now))
    labs.start_lab(lab, account, now)
    assert [a.name for a in account.restApis.values()].count("lab-partner-pets") == 1
    assert [k.name for k in account.apiKeys.values()].count("partner-key") == 1
    assert not labs.all_passed(check(lab, account, now))
    assert all(s.apiId in account.restApis for p in account.usagePlans.values() for s in p.apiStages)


def test_checking_never_changes_the_sandbox():
    lab, account, now = started("pets-architecture")
    solve_pets_architecture(account, now)
    before = account.to_dict()
    assert labs.all_passed(check(lab, account, now))  # includes a POST that creates a pet
    assert account.to_dict() == before


def test_the_usage_plan_lab_says_precisely_what_is_missing():
    lab, account, now = started("usage-plan-key")
    by_title = {r.title: r for r in check(lab, account, now)}
    in_plan = by_title["The key is in a usage plan for stage prod"]
    assert not in_plan.passed
    assert "no usage plan for stage prod contains it: requests get 403 Forbidden" in in_plan.detail
    call = by_title["GET /pets with the partner's key answers 200"]
    assert "answered 403" in call.detail and "no usage plan for stage prod contains it" in call.detail


def test_the_stage_variable_lab_shows_the_missing_permission_as_a_500():
    lab, account, now = started("stage-variable-alias")
    gw.update_stage_variables(rest(account, "lab-orders-aliases").stages["prod"], {"lambdaAlias": "prod"})
    results = {r.title: r for r in check(lab, account, now)}
    call = results["GET /orders on prod is served by version 1"]
    assert not call.passed
    assert "answered 500" in call.detail and "Invalid permissions on Lambda function" in call.detail


# ---------------------------------------------------------------------------------------
# Pages and progress


@pytest.fixture
def topics(db):
    sync_taxonomy(load_taxonomy(settings.NOTES_TAXONOMY_FILE))


@pytest.fixture
def learner(db, client):
    user = UserFactory(username="ada")
    client.force_login(user)
    return user


def test_lab_pages_need_a_login(client, db):
    response = client.get(reverse("sandbox:labs"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_lab_list_shows_every_lab_and_its_state(client, learner, topics):
    LabProgress.objects.create(user=learner, lab="cors-origin", completed_at="2025-01-01T00:00Z")
    response = client.get(reverse("sandbox:labs"))
    assert response.status_code == 200
    for lab in ALL.values():
        assert escape(lab.title) in response.content.decode()
    assert "You have done 1 of" in response.content.decode()


def test_a_lab_page_shows_goal_story_and_the_first_hint_only_on_demand(client, learner, topics):
    url = reverse("sandbox:lab", args=["usage-plan-key"])
    page = client.get(url).content.decode()
    assert "Make a new API key work" in page and "Start lab" in page
    assert "CreateUsagePlanKey" not in page  # hints are hidden until asked for
    assert "Show hint 1 of 3" in page
    first = client.get(url, {"hints": 1}, headers={"HX-Request": "true"}).content.decode()
    assert "Try <code>GET /pets</code>" in first and "Show hint 2 of 3" in first
    assert "<html" not in first  # the htmx fragment only
    assert client.get(reverse("sandbox:lab", args=["no-such-lab"])).status_code == 404


def test_start_then_check_records_progress_until_completion(client, learner, topics):
    start = client.post(reverse("sandbox:lab_start", args=["usage-plan-key"]))
    assert start.status_code == 302
    account = SandboxAccount.for_user(learner).account()
    assert labs.find_rest_api(account, "lab-partner-pets") is not None
    progress = LabProgress.objects.get(user=learner, lab="usage-plan-key")
    assert progress.completed_at is None and progress.checks == 0

    failing = client.post(reverse("sandbox:lab_check", args=["usage-plan-key"]), headers={"HX-Request": "true"})
    body = failing.content.decode()
    assert "1 of 3 checks pass" in body
    assert "no usage plan for stage prod contains it" in body
    progress.refresh_from_db()
    assert progress.checks == 1 and progress.completed_at is None and not labs.all_passed(progress.last_result)

    with SandboxAccount.editing(learner) as editable:
        solve_usage_plan_key(editable, time.time())
    passing = client.post(reverse("sandbox:lab_check", args=["usage-plan-key"]))
    assert passing.status_code == 302
    progress.refresh_from_db()
    assert progress.checks == 2 and progress.completed_at is not None and labs.all_passed(progress.last_result)
    page = client.get(reverse("sandbox:lab", args=["usage-plan-key"])).content.decode()
    assert "Every check passes: lab done." in page and "Restart lab" in page


def test_the_test_panel_calls_the_labs_api_through_the_engine(client, learner, topics):
    client.post(reverse("sandbox:lab_start", args=["usage-plan-key"]))
    page = client.get(reverse("sandbox:lab", args=["usage-plan-key"])).content.decode()
    assert "x-api-key: lab-partner-key-2f9c41d7e0" in page  # the key's value is filled in
    url = reverse("sandbox:lab_try", args=["usage-plan-key"])
    fields = {"stage": "prod", "method": "GET", "path": "/pets", "headers": "x-api-key: lab-partner-key-2f9c41d7e0"}
    refused = client.post(url, fields, headers={"HX-Request": "true"}).content.decode()
    assert "403" in refused and "Forbidden" in refused and "no usage plan for stage prod contains it" in refused
    invalid = client.post(url, {**fields, "headers": "no colon here"})
    assert invalid.status_code == 422 and "Name: value" in invalid.content.decode()


def test_the_test_panel_sends_websocket_messages(client, learner, topics):
    client.post(reverse("sandbox:lab_start", args=["websocket-routing"]))
    response = client.post(
        reverse("sandbox:lab_try", args=["websocket-routing"]),
        {"stage": "production", "message": '{"action": "sendMessage"}'},
        headers={"HX-Request": "true"},
    )
    assert "route $default" in response.content.decode()
    assert not SandboxAccount.for_user(learner).account().wsConnections  # the test connection is not kept


def test_a_learner_never_sees_anothers_progress(client, learner, topics):
    other = UserFactory(username="eve")
    LabProgress.objects.create(user=other, lab="cors-origin", completed_at="2025-01-01T00:00Z", checks=4)
    page = client.get(reverse("sandbox:progress")).content.decode()
    assert "0 of 24 labs done" in page or f"0 of {len(ALL)} labs done" in page
    assert "4 checks" not in page
    LabProgress.objects.create(user=learner, lab="mock-integration", completed_at="2025-01-02T00:00Z", checks=2)
    page = client.get(reverse("sandbox:progress")).content.decode()
    assert f"1 of {len(ALL)} labs done" in page and "2 checks" in page


def test_the_topic_page_offers_its_labs_and_an_inline_panel(client, learner, topics):
    page = client.get(reverse("notes:topic", args=["usage-plans-api-keys"])).content.decode()
    assert "Try it: lab" in page
    assert "Make a new API key work" in page
    panel_url = reverse("sandbox:lab_panel", args=["usage-plan-key"])
    assert f'hx-get="{panel_url}"' in page
    assert f'href="{reverse("sandbox:lab", args=["usage-plan-key"])}"' in page  # works without JavaScript
    panel = client.get(panel_url, headers={"HX-Request": "true"}).content.decode()
    assert "Check my work" in panel and "Send request" in panel and "Start lab" in panel
    assert client.get(panel_url).status_code == 302  # no JavaScript: the lab page
    started_panel = client.post(
        reverse("sandbox:lab_start", args=["usage-plan-key"]), {"inline": "1"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "is ready in your sandbox" in started_panel and "Restart lab" in started_panel


def test_an_anonymous_topic_page_links_to_the_lab(client, topics):
    page = client.get(reverse("notes:topic", args=["cors"])).content.decode()
    assert "Try it: lab" in page and "Log in to try it" in page


# ---------------------------------------------------------------------------------------
# Labs as quiz questions


def test_load_labs_creates_lab_questions_and_is_idempotent(topics, capsys):
    call_command("load_labs")
    assert f"{len(ALL)} created" in capsys.readouterr().out
    questions = Question.objects.filter(type=Question.Type.LAB)
    assert questions.count() == len(ALL)
    question = questions.get(uid="lab-usage-plan-key")
    assert question.status == Question.Status.PUBLISHED
    assert question.topic.slug == "usage-plans-api-keys" and question.data["lab"] == "usage-plan-key"
    assert question.stem == ALL["usage-plan-key"].goal
    call_command("load_labs")
    assert f"0 created, 0 updated, {len(ALL)} unchanged" in capsys.readouterr().out
    assert Question.objects.filter(type=Question.Type.LAB).count() == len(ALL)


def test_load_labs_retires_the_question_of_a_lab_that_is_gone(topics, capsys):
    call_command("load_labs")
    Question.objects.filter(uid="lab-cors-origin").update(uid="lab-old-lab")
    call_command("load_labs")
    assert "1 retired" in capsys.readouterr().out
    assert Question.objects.get(uid="lab-old-lab").status == Question.Status.RETIRED


def test_labs_are_never_in_a_timed_exam(topics):
    call_command("load_labs")
    assert not Question.objects.exam_eligible().filter(type=Question.Type.LAB).exists()


def test_a_lab_question_in_practice_is_graded_by_the_checker(client, learner, topics):
    call_command("load_labs")
    response = client.post(reverse("sandbox:lab_practice"), {"topics": ["usage-plans-api-keys"]})
    session = PracticeSession.objects.get(user=learner)
    assert response["Location"] == reverse("quizzes:practice", args=[session.pk])
    question = Question.objects.get(uid="lab-usage-plan-key")
    assert question.pk in session.question_ids  # with the topic's terminal lab (cli-usage-plan-key)
    session.question_ids = [question.pk]  # this test follows the console lab's card
    session.save(update_fields=["question_ids"])
    card_page = client.get(response["Location"]).content.decode()
    assert "do the lab in your sandbox" in card_page.lower() and "Check my work" in card_page
    check_url = reverse("sandbox:lab_practice_check", args=["usage-plan-key", session.pk])
    assert check_url in card_page

    client.post(reverse("sandbox:lab_start", args=["usage-plan-key"]))
    wrong = client.post(check_url, headers={"HX-Request": "true"}).content.decode()
    assert "1 of 3 checks pass" in wrong and "Scheduled as Again" in wrong
    card = Card.objects.get(user=learner, question=question)
    assert list(ReviewLog.objects.filter(card=card).values_list("rating", "source")) == [(1, "practice")]
    assert PracticeResponse.objects.get(session=session).correct is False
    client.post(check_url)  # a second post for the same question is not a second attempt
    assert ReviewLog.objects.filter(card=card).count() == 1

    client.post(reverse("quizzes:practice_next", args=[session.pk]))
    assert client.get(reverse("quizzes:practice", args=[session.pk])).status_code == 200  # the session is done

    with SandboxAccount.editing(learner) as editable:
        solve_usage_plan_key(editable, time.time())
    again = PracticeSession.objects.create(user=learner, question_ids=[question.pk], title="Labs")
    right = client.post(reverse("sandbox:lab_practice_check", args=["usage-plan-key", again.pk])).content.decode()
    assert "Every check passes" in right and "Scheduled as Good" in right
    assert list(ReviewLog.objects.filter(card=card).order_by("pk").values_list("rating", flat=True)) == [1, 3]
    assert LabProgress.objects.get(user=learner, lab="usage-plan-key").completed_at is not None


def test_a_due_lab_card_in_review_is_rated_by_the_checker(client, learner, topics):
    call_command("load_labs")
    question = Question.objects.get(uid="lab-mock-integration")
    ensure_cards(learner, [question], timezone.now())
    page = client.get(reverse("quizzes:review")).content.decode()
    card = Card.objects.get(user=learner, question=question)
    assert reverse("sandbox:lab_review_check", args=[card.pk]) in page
    client.post(reverse("sandbox:lab_start", args=["mock-integration"]))
    with SandboxAccount.editing(learner) as editable:
        solve_mock_integration(editable, time.time())
    response = client.post(reverse("sandbox:lab_review_check", args=[card.pk]))
    assert response["Location"] == reverse("quizzes:review")
    assert list(ReviewLog.objects.filter(card=card).values_list("rating", "source")) == [(3, "review")]
    other = UserFactory(username="eve")
    client.force_login(other)
    assert client.post(reverse("sandbox:lab_review_check", args=[card.pk])).status_code == 404


def test_the_lab_question_data_is_plain_json(topics):
    call_command("load_labs")
    for question in Question.objects.filter(type=Question.Type.LAB):
        assert json.loads(json.dumps(question.data))["lab"] in ALL


def test_exporting_the_question_bank_leaves_the_labs_out(topics, tmp_path):
    from quizzes.loader import export_bank

    call_command("load_labs")
    for path in export_bank(tmp_path):
        assert "type: lab" not in path.read_text()


def test_a_check_that_cannot_run_fails_with_the_reason():
    lab, account, now = started("cognito-authorizer")
    solve_cognito_authorizer(account, now)
    pool = next(p for p in account.userPools.values() if p.name == "lab-pets-users")
    del pool.users["alice"]
    results = {r.title: r for r in check(lab, account, now)}
    token = results["With Alice's ID token, GET /profile is 200 with her email"]
    assert not token.passed and "User does not exist" in token.detail


def test_a_started_labs_api_answers_real_http_on_gw(client, learner, topics):
    client.post(reverse("sandbox:lab_start", args=["usage-plan-key"]))
    api = labs.find_rest_api(SandboxAccount.for_user(learner).account(), "lab-partner-pets")
    response = client.get(f"/gw/{api.id}/prod/pets", headers={"x-api-key": "lab-partner-key-2f9c41d7e0"})
    assert response.status_code == 403 and response.json() == {"message": "Forbidden"}
