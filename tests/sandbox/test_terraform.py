"""Terraform's AWS provider builds, plans (no drift) and destroys a REST API in the sandbox.

Runs when `terraform` and the AWS provider are on the machine (a filesystem mirror named by
TF_PLUGIN_MIRROR, /opt/tf-plugins by default): Terraform downloads nothing here. Otherwise the
test is skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from sandbox import credentials
from sandbox.models import SandboxAccount

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "terraform" / "main.tf"
MIRROR = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
pytestmark = pytest.mark.django_db(transaction=True)


def terraform(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    executable = shutil.which("terraform") or "terraform"
    done = subprocess.run(  # noqa: S603 (terraform with the test's own arguments)
        [executable, *args, "-no-color"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, f"terraform {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_terraform_apply_plan_destroy(live_server, tmp_path):
    if shutil.which("terraform") is None or not (MIRROR / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        pytest.skip(f"terraform or its AWS provider mirror ({MIRROR}) is not on this machine")
    user = get_user_model().objects.create_user("tf-learner", password="tf-learner-pass-1")
    creds = credentials.ensure(user, live_server.url)
    shutil.copy(EXAMPLE, tmp_path / "main.tf")
    (tmp_path / "terraformrc").write_text(
        f'provider_installation {{\n  filesystem_mirror {{ path = "{MIRROR}" }}\n}}\n'
    )
    port = live_server.url.rsplit(":", 1)[1]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TF_CLI_CONFIG_FILE": str(tmp_path / "terraformrc"),
        "TF_IN_AUTOMATION": "1",
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "TF_VAR_endpoint": creds.endpoint,
        "TF_VAR_invoke_domain": f"execute-api.localhost:{port}",
    }
    terraform(["init", "-input=false"], tmp_path, env)
    terraform(["apply", "-auto-approve", "-input=false"], tmp_path, env)
    api_id = terraform(["output", "-raw", "api_id"], tmp_path, env).strip()
    account = SandboxAccount.for_user(user).account()
    api = account.restApis[api_id]
    assert api.name == "pets-from-terraform" and "prod" in api.stages
    assert api.resource_by_path("/pets").resourceMethods["GET"].methodIntegration.type == "MOCK"
    assert "No changes" in terraform(["plan", "-input=false"], tmp_path, env)
    terraform(["destroy", "-auto-approve", "-input=false"], tmp_path, env)
    assert api_id not in SandboxAccount.for_user(user).account().restApis
