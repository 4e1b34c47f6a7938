"""Terminal labs: each lab's own commands, pasted into bash as a learner would, with the AWS CLI
and curl against a live server, solve the lab; before them, the lab is not solved."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils.html import escape

from sandbox import credentials, labs
from sandbox.models import SandboxAccount
from sandbox.views.labs import run_lab_checks
from tests.factories import UserFactory

ALL = labs.load_labs(topics=labs.taxonomy_topics())
BIN = Path(sys.executable).parent  # the venv's bin: its `aws` (the AWS CLI v1) and `python`
BASH = shutil.which("bash") or "/bin/bash"

# slug -> what the commands print on the way (curl's answers through the invoke host, the export)
TERMINAL_LABS: dict[str, list[str]] = {
    "cli-usage-plan-key": ["HTTP 403", '"type": "dog"', "HTTP 200"],
    "cli-deploy-rollback": ['"release": "1.0"', '"state": "ok"', "HTTP 200"],
    "cli-canary": ['"version": "v1"', '"version": "v2"'],
    "cli-openapi-import-export": ['"type": "dog"', '"type": "cat"', "HTTP 200", "openapi: 3.0"],
}


def started_lab(user, slug: str) -> labs.Lab:
    lab = ALL[slug]
    with SandboxAccount.editing(user) as account:
        labs.start_lab(lab, account, time.time())
    return lab


def lab_script(lab: labs.Lab, live_url: str) -> str:
    """The lab's commands as the lab page shows them to this learner, one after the other."""
    port = urlsplit(live_url).port
    values = {
        "{endpoint}": credentials.endpoint_url(live_url),
        "{invoke_domain}": f"execute-api.localhost:{port}",
        "{region}": credentials.REGION,
    }
    steps = []
    for step in lab.terminal:
        run = step["run"]
        for token, value in values.items():
            run = run.replace(token, value)
        steps.append(run)
    return "\n".join(steps) + "\n"


def run_in_bash(script: str, creds: credentials.Credentials, folder: Path) -> subprocess.CompletedProcess:
    env = {
        **dict(line.split("=", 1) for line in creds.exports()),
        "AWS_DEFAULT_REGION": credentials.REGION,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(folder),  # no real ~/.aws/config or credentials is read
        "LANG": "C.UTF-8",
    }
    return subprocess.run(  # noqa: S603 -- the lab's own commands, as a learner pastes them
        [BASH, "-euo", "pipefail", "-c", script],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def failing(results: list[dict]) -> list[tuple[str, str]]:
    return [(r["title"], r["detail"]) for r in results if not r["passed"]]


def test_the_terminal_labs_exist_and_use_every_token():
    for slug in TERMINAL_LABS:
        lab = ALL[slug]
        assert lab.terminal, slug
        text = "\n".join(step["run"] for step in lab.terminal)
        assert "{endpoint}" in text and "{invoke_domain}" in text and "{region}" in text, slug
        assert any(c.kind == "aws_call" for c in lab.checks), slug


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("slug", sorted(TERMINAL_LABS))
def test_the_labs_own_commands_solve_it_against_a_live_server(slug, live_server, tmp_path):
    user = UserFactory(username=f"cli-{slug}"[:30])
    lab = started_lab(user, slug)
    creds = credentials.ensure(user, live_server.url)
    for attachment in lab.attachments:
        (tmp_path / attachment["name"]).write_text(attachment["content"], encoding="utf-8")

    before = run_lab_checks(user, lab)
    assert not labs.all_passed(before), "the lab's starting state already passes every check"

    done = run_in_bash(lab_script(lab, live_server.url), creds, tmp_path)
    output = f"--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
    assert done.returncode == 0, output
    for text in TERMINAL_LABS[slug]:
        assert text in done.stdout, (text, output)

    after = run_lab_checks(user, lab)
    assert labs.all_passed(after), (failing(after), output)


@pytest.mark.django_db(transaction=True)
def test_the_403_comes_before_the_fix_and_the_200_after(live_server, tmp_path):
    user = UserFactory(username="cli-order")
    lab = started_lab(user, "cli-usage-plan-key")
    done = run_in_bash(lab_script(lab, live_server.url), credentials.ensure(user, live_server.url), tmp_path)
    assert done.returncode == 0, done.stderr
    codes = [line for line in done.stdout.splitlines() if line.startswith("HTTP ")]
    assert codes == ["HTTP 403", "HTTP 200", "HTTP 403"]  # with the key, with the key, without a key


@pytest.mark.django_db(transaction=True)
def test_the_export_keeps_the_integrations(live_server, tmp_path):
    user = UserFactory(username="cli-export")
    lab = started_lab(user, "cli-openapi-import-export")
    (tmp_path / "pets.yaml").write_text(lab.attachments[0]["content"], encoding="utf-8")
    done = run_in_bash(lab_script(lab, live_server.url), credentials.ensure(user, live_server.url), tmp_path)
    assert done.returncode == 0, done.stderr
    exported = (tmp_path / "out.yaml").read_text(encoding="utf-8")
    assert exported.startswith("openapi: 3.0") and "x-amazon-apigateway-integration" in exported
    assert "/pets/{petId}" in exported


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(TERMINAL_LABS))
def test_the_lab_page_shows_the_commands_with_the_learners_endpoint(client, slug):
    user = UserFactory(username="cli-page")
    client.force_login(user)
    creds = credentials.ensure(user, "http://127.0.0.1:8000")
    page = client.get(reverse("sandbox:lab", args=[slug]), HTTP_HOST="127.0.0.1:8000")
    assert page.status_code == 200
    html = page.content.decode()
    assert "From the terminal" in html
    assert "export AWS_ENDPOINT_URL=http://127.0.0.1:8000/aws/ AWS_DEFAULT_REGION=us-east-1" in html
    assert "http://$API_ID.execute-api.localhost:8000/prod/" in html
    assert "{endpoint}" not in html and "{invoke_domain}" not in html and "{region}" not in html
    assert f"export AWS_ACCESS_KEY_ID={creds.access_key_id}" in html  # the learner's own key, ready to paste
    assert html.count('<pre class="code-block">') >= len(ALL[slug].terminal)


@pytest.mark.django_db
def test_the_usage_plan_key_page_shows_the_fix(client):
    client.force_login(UserFactory(username="cli-fix"))
    html = client.get(reverse("sandbox:lab", args=["cli-usage-plan-key"])).content.decode()
    assert "export AWS_ENDPOINT_URL=http://testserver/aws/" in html
    assert escape('"http://$API_ID.execute-api.localhost/prod/pets"') in html
    assert escape('--usage-plan-id "$PLAN_ID" --key-id "$KEY_ID" --key-type API_KEY') in html
