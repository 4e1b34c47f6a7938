"""Labs solved by writing code: each starts a Lambda function of kind "code" that does not do
the job yet; the learner saves a handler in the console's code editor and the checks pass."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from notes.loader import sync_taxonomy
from notes.taxonomy import load_taxonomy
from sandbox import labs, lambda_samples
from sandbox.models import SandboxAccount
from sandbox.views.labs import run_lab_checks
from tests.factories import UserFactory

ALL = labs.load_labs(topics=labs.taxonomy_topics())

ORDERS = """\
export const handler = async (event) => {
  const customer = event.queryStringParameters?.customer ?? null;
  return {
    statusCode: 200,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ customer, orders: [] }),
  };
};
"""

GATE = """\
export const handler = async (event) => {
  const token = event.authorizationToken;
  if (token !== "allow" && token !== "deny") {
    throw new Error("Unauthorized");
  }
  return {
    principalId: token === "allow" ? "ada" : "eve",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [
        { Action: "execute-api:Invoke", Effect: token === "allow" ? "Allow" : "Deny", Resource: event.methodArn },
      ],
    },
  };
};
"""

GREETER = """\
export const handler = async (event) => ({
  statusCode: 200,
  headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ greeting: event.stageVariables?.greeting ?? "Hello" }),
});
"""

# The whole chat, as the code editor's template has it: scan the table, post to each connection.
CHAT = next(s.text for s in lambda_samples.starters() if s.slug == "websocket-chat")

# slug -> the handler a learner saves in the code editor (test_labs counts these labs as solved)
CODE_LABS: dict[str, str] = {
    "code-fix-502": ORDERS,
    "code-token-authorizer": GATE,
    "code-stage-variables": GREETER,
    "code-websocket-chat": CHAT,
}
FUNCTIONS = {
    "code-fix-502": "lab-code-orders",
    "code-token-authorizer": "lab-code-gate",
    "code-stage-variables": "lab-code-greeter",
    "code-websocket-chat": "lab-code-chat-fn",
}


@pytest.fixture
def learner(db, client):
    user = UserFactory(username="coder")
    client.force_login(user)
    SandboxAccount.for_user(user)
    return user


def start(client, slug: str) -> labs.Lab:
    assert client.post(reverse("sandbox:lab_start", args=[slug])).status_code == 302
    return ALL[slug]


def save(client, name: str, code: str):
    """Save $LATEST from the function's page, as the console's code editor does."""
    url = reverse("sandbox:function_action", args=[name, "behaviour"])
    return client.post(url, {"kind": "code", "code": code, "duration_ms": "10", "table": "Pets"})


def test_the_code_labs_are_in_the_topics_of_their_console_twins():
    assert {slug: ALL[slug].topic for slug in CODE_LABS} == {
        "code-fix-502": ALL["fix-502"].topic,
        "code-token-authorizer": ALL["lambda-authorizer"].topic,
        "code-stage-variables": ALL["stage-variable-alias"].topic,
        "code-websocket-chat": ALL["websocket-routing"].topic,
    }
    for slug in CODE_LABS:
        same_topic = [lab for lab in ALL.values() if lab.topic == ALL[slug].topic and lab.slug not in CODE_LABS]
        assert ALL[slug].order > max(lab.order for lab in same_topic), slug
        assert any("Start from a template" in hint for hint in ALL[slug].hints), slug
        assert "https://docs.aws.amazon.com/" in ALL[slug].story, slug


@pytest.mark.parametrize("slug", sorted(CODE_LABS))
def test_a_code_lab_fails_until_the_learner_saves_a_working_handler(slug, client, learner):
    lab = start(client, slug)
    function = SandboxAccount.for_user(learner).account().functions[FUNCTIONS[slug]]
    assert function.versions["$LATEST"].kind == "code" and function.versions["$LATEST"].code

    before = run_lab_checks(learner, lab)
    assert not labs.all_passed(before)
    assert all(r["detail"] for r in before if not r["passed"])  # each failure says what happened

    assert save(client, FUNCTIONS[slug], CODE_LABS[slug]).status_code == 302
    after = run_lab_checks(learner, lab)
    assert labs.all_passed(after), [(r["title"], r["detail"]) for r in after if not r["passed"]]


def test_the_502_lab_starts_from_the_malformed_starter(client, learner):
    start(client, "code-fix-502")
    code = SandboxAccount.for_user(learner).account().functions["lab-code-orders"].versions["$LATEST"].code
    assert code == next(s.text for s in lambda_samples.starters() if s.slug == "malformed-502")
    page = client.get(reverse("sandbox:function", args=["lab-code-orders"])).content.decode()
    assert "status: 200, message: &quot;ok&quot;" in page  # in the code editor


def test_returning_the_data_itself_is_still_a_502(client, learner):
    lab = start(client, "code-fix-502")
    wrong = """\
export const handler = async (event) => {
  return { customer: event.queryStringParameters?.customer ?? null, orders: [] };
};
"""
    save(client, "lab-code-orders", wrong)
    results = {r["title"]: r for r in run_lab_checks(learner, lab)}
    call = results["GET /orders answers 200 with the orders"]
    assert not call["passed"]
    assert "a 502 means the function's return value is still not a proxy response" in call["message"].lower()
    assert "answered 502" in call["detail"] and "Malformed Lambda proxy response" in call["detail"]
    assert "unknown field(s): customer, orders" in call["detail"]


def test_an_authorizer_that_throws_another_message_is_a_500(client, learner):
    lab = start(client, "code-token-authorizer")
    save(client, "lab-code-gate", GATE.replace('new Error("Unauthorized")', 'new Error("unauthorized")'))
    results = {r["title"]: r for r in run_lab_checks(learner, lab)}
    assert (
        results["The token allow is 200"]["passed"] and results["The token deny is 403 with an explicit deny"]["passed"]
    )
    other = results["Any other token is 401 Unauthorized"]
    assert not other["passed"] and "answered 500" in other["detail"]
    assert 'throw new Error("Unauthorized"), with exactly' in other["message"]


def test_a_code_lab_page_links_the_functions_and_the_api(client, learner):
    sync_taxonomy(load_taxonomy(settings.NOTES_TAXONOMY_FILE))
    start(client, "code-stage-variables")
    page = client.get(reverse("sandbox:lab", args=["code-stage-variables"])).content.decode()
    assert f"{reverse('sandbox:functions')}?lab=code-stage-variables" in page
    api = labs.find_rest_api(SandboxAccount.for_user(learner).account(), "lab-code-greetings")
    assert f"{reverse('sandbox:stages', args=[api.id])}?lab=code-stage-variables" in page


def test_the_chat_lab_says_who_heard_what(client, learner):
    lab = start(client, "code-websocket-chat")
    (result,) = run_lab_checks(learner, lab)
    assert not result["passed"]
    assert "client 1 got hello room" in result["detail"] and "client 2 got nothing" in result["detail"]
    # The table is the room: the check's clients came and went in a scratch copy, not the sandbox.
    assert SandboxAccount.for_user(learner).account().dynamodbTables["lab-chat-connections"]["items"] == {}
