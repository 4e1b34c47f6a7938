"""Generated client SDKs: Python run for real against a fake urlopen, JavaScript under node."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from gateway.control.openapi import import_openapi
from gateway.control.operations import (
    create_deployment,
    create_resource_path,
    create_rest_api,
    put_integration,
    put_method,
)
from gateway.control.sdk import generate_sdk
from gateway.model.errors import NotFoundError, ValidationError
from gateway.model.resources import Account, RestApi, Stage

FIXTURES = Path(__file__).parent / "fixtures"
LOCAL = "http://127.0.0.1:8000/sandbox/invoke/pets/dev"
HOSTILE = 'x"); import os; os.system("echo pwned")  # \n\u2028'


@pytest.fixture
def account() -> Account:
    return Account()


@pytest.fixture
def pets(account: Account) -> RestApi:
    api, _ = import_openapi(account, (FIXTURES / "pets-oas30.yaml").read_text())
    create_deployment(account, api, stage_name="dev", variables={"alias": "prod"})
    return api


@pytest.fixture
def hostile(account: Account) -> tuple[RestApi, Stage]:
    """An API whose names try to break out of the generated code."""
    api = create_rest_api(account, 'Evil"\nimport os')
    weird = create_resource_path(account, api, "/o'neil;x=1/{pet-id}")
    put_method(
        api,
        weird.id,
        "GET",
        operationName=HOSTILE,
        requestParameters={
            "method.request.path.pet-id": True,
            "method.request.querystring.class": False,
            'method.request.querystring.a"b': False,
            "method.request.header.X-Trace-Id": True,
        },
    )
    put_integration(api, weird.id, "GET", "MOCK")
    for verb, name in (("PUT", "123 go"), ("POST", "import"), ("DELETE", "constructor"), ("PATCH", "*/ }")):
        put_method(api, weird.id, verb, operationName=name)
        put_integration(api, weird.id, verb, "MOCK")
    create_deployment(account, api, stage_name="prod")
    return api, api.stages["prod"]


class FakeReply:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]):
        self.status = status
        self.headers = Message()
        for name, value in headers.items():
            self.headers[name] = value
        self._body = body

    def read(self) -> bytes:
        return self._body

    def __enter__(self) -> FakeReply:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None


class FakeUrlopen:
    """Stands in for urllib.request.urlopen: records the request, returns a canned reply."""

    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None):
        self.status = status
        self.body = (
            json.dumps(body if body is not None else {"ok": True}).encode() if not isinstance(body, bytes) else body
        )
        self.headers = headers or {"Content-Type": "application/json", "x-amzn-RequestId": "req-1"}
        self.requests: list[urllib.request.Request] = []
        self.timeouts: list[float] = []

    def __call__(self, request: urllib.request.Request, timeout: float | None = None) -> FakeReply:
        self.requests.append(request)
        self.timeouts.append(timeout)
        if self.status >= 400:
            raise urllib.error.HTTPError(request.full_url, self.status, "error", self._message(), io.BytesIO(self.body))
        return FakeReply(self.status, self.body, self.headers)

    def _message(self) -> Message:
        message = Message()
        for name, value in self.headers.items():
            message[name] = value
        return message

    @property
    def last(self) -> dict[str, Any]:
        request = self.requests[-1]
        return {
            "url": request.full_url,
            "method": request.get_method(),
            "headers": {k.lower(): v for k, v in request.header_items()},
            "body": json.loads(request.data) if request.data else None,
        }


def load_python_sdk(code: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "generated_sdk"}
    exec(compile(code, "<sdk>", "exec"), namespace)  # noqa: S102 -- the SDK under test
    return namespace


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeUrlopen:
    fake = FakeUrlopen()
    monkeypatch.setattr(urllib.request, "urlopen", fake)
    return fake


# ---------------------------------------------------------------------------------------
# Python


def test_python_sdk_has_one_method_per_deployed_operation(pets):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python"))
    client = sdk["Client"]
    names = sorted(n for n in vars(client) if not n.startswith("_"))
    assert names == ["any_proxy", "create_pet", "get_pets_pet_id", "list_pets", "options_pets"]
    assert sdk["BASE_URL"] == f"https://{pets.id}.execute-api.us-east-1.amazonaws.com/dev"
    assert sdk["STAGE"] == "dev"
    assert sdk["API_NAME"] == "PetStore"


def test_python_get_with_path_and_header_parameters(pets, fake):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL))
    reply = sdk["Client"]().get_pets_pet_id("a b/c", x_request_id="r-1")
    assert fake.last == {
        "url": f"{LOCAL}/pets/a%20b%2Fc",
        "method": "GET",
        "headers": {"accept": "application/json", "x-request-id": "r-1"},
        "body": None,
    }
    assert reply.status == 200
    assert reply.body == {"ok": True}
    assert reply.headers["x-amzn-RequestId"] == "req-1"


def test_python_query_parameters_and_api_key(pets, fake):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL + "/"))
    client = sdk["Client"](api_key="k" * 20, timeout=5)
    client.list_pets(type="dog", limit=5)
    assert fake.last["url"] == f"{LOCAL}/pets?limit=5&type=dog"
    assert fake.last["headers"]["x-api-key"] == "k" * 20
    assert fake.timeouts[-1] == 5
    client.list_pets(type="cat & mouse")  # limit left out: not sent
    assert fake.last["url"] == f"{LOCAL}/pets?type=cat+%26+mouse"
    with pytest.raises(TypeError):
        client.list_pets()  # type is a required query parameter


def test_python_post_sends_json_body(pets, fake):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL))
    sdk["Client"]().create_pet(body={"name": "Rex", "type": "dog"})
    sent = fake.last
    assert sent["method"] == "POST"
    assert sent["url"] == f"{LOCAL}/pets"
    assert sent["headers"]["content-type"] == "application/json"
    assert "x-api-key" not in sent["headers"]
    assert sent["body"] == {"name": "Rex", "type": "dog"}


def test_python_any_method_takes_the_method_and_keeps_greedy_slashes(pets, fake):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL))
    sdk["Client"]().any_proxy("toys/ball 1", method="delete")
    assert fake.last["method"] == "DELETE"
    assert fake.last["url"] == f"{LOCAL}/toys/ball%201"


def test_python_error_status_is_returned_not_raised(pets, monkeypatch):
    fake = FakeUrlopen(status=403, body={"message": "Forbidden"}, headers={"x-amzn-ErrorType": "ForbiddenException"})
    monkeypatch.setattr(urllib.request, "urlopen", fake)
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL))
    reply = sdk["Client"]().list_pets(type="dog")
    assert reply.status == 403
    assert reply.body == {"message": "Forbidden"}
    assert reply.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_python_text_and_empty_bodies(pets, monkeypatch):
    sdk = load_python_sdk(generate_sdk(pets, pets.stages["dev"], language="python", base_url=LOCAL))
    monkeypatch.setattr(
        urllib.request, "urlopen", FakeUrlopen(body=b"<p>hello</p>", headers={"Content-Type": "text/html"})
    )
    assert sdk["Client"]().options_pets().body == "<p>hello</p>"
    monkeypatch.setattr(urllib.request, "urlopen", FakeUrlopen(status=204, body=b""))
    assert sdk["Client"]().options_pets() == sdk["Response"](
        204, {"Content-Type": "application/json", "x-amzn-RequestId": "req-1"}, None
    )


def test_sdk_follows_the_deployment_not_the_working_copy(account, pets):
    later = create_resource_path(account, pets, "/later")
    put_method(pets, later.id, "GET", operationName="notDeployed")
    code = generate_sdk(pets, pets.stages["dev"], language="python")
    assert "not_deployed" not in code
    create_deployment(account, pets, stage_name="dev")
    assert "def not_deployed(" in generate_sdk(pets, pets.stages["dev"], language="python")


def test_hostile_names_are_sanitised_in_python(hostile, fake):
    api, stage = hostile
    code = generate_sdk(api, stage, language="python", base_url=LOCAL)
    compile(code, "<sdk>", "exec")
    assert 'x"); import os' not in code
    assert "os.system" not in code
    assert "\u2028" not in code
    sdk = load_python_sdk(code)
    client = sdk["Client"]
    assert sorted(n for n in vars(client) if not n.startswith("_")) == [
        "constructor",
        "import_",
        "op_123_go",
        "patch_o_neil_x_1_pet_id",  # "*/ }" has no letters: named from the route
        "x_import_os_os_system_echo_pwned",
    ]
    assert sdk["API_NAME"] == 'Evil"\nimport os'
    client().x_import_os_os_system_echo_pwned("7/8", class_="c", a_b='"', x_trace_id="t")
    assert fake.last["url"] == f"{LOCAL}/o%27neil%3Bx%3D1/7%2F8?a%22b=%22&class=c"
    assert fake.last["headers"]["x-trace-id"] == "t"


def test_unknown_language_and_missing_deployment(pets):
    with pytest.raises(ValidationError):
        generate_sdk(pets, pets.stages["dev"], language="cobol")
    with pytest.raises(NotFoundError):
        generate_sdk(pets, Stage(stageName="ghost", deploymentId="nope"), language="python")


# ---------------------------------------------------------------------------------------
# JavaScript

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

RUNNER = """
import { Client, BASE_URL } from "./sdk.mjs";
const calls = [];
globalThis.fetch = async (url, init) => {
  calls.push({ url, method: init.method, headers: init.headers, body: init.body ?? null });
  return new Response(JSON.stringify({ ok: true }), { status: 201, headers: { "content-type": "application/json" } });
};
const client = new Client({ baseUrl: "%s", apiKey: "secret-key-0123456789" });
const results = [];
%s
console.log(JSON.stringify({ calls, results, base: BASE_URL }));
"""


def run_js(tmp_path: Path, code: str, calls: str, base_url: str = LOCAL) -> dict[str, Any]:
    (tmp_path / "sdk.mjs").write_text(code)
    (tmp_path / "run.mjs").write_text(RUNNER % (base_url, calls))
    done = subprocess.run(  # noqa: S603 -- node on our own generated files
        [NODE, "run.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_javascript_sdk_is_an_es_module_using_fetch(pets):
    code = generate_sdk(pets, pets.stages["dev"], language="javascript")
    assert "export class Client" in code
    assert "fetch(" in code
    assert "require(" not in code
    for name in ("listPets(", "createPet(", "getPetsPetId(", "anyProxy(", "optionsPets("):
        assert f"async {name}" in code


@needs_node
def test_javascript_sdk_sends_the_right_requests(pets, tmp_path):
    code = generate_sdk(pets, pets.stages["dev"], language="javascript")
    out = run_js(
        tmp_path,
        code,
        """
results.push(await client.getPetsPetId("a b/c", { xRequestId: "r-1" }));
results.push(await client.listPets({ type: "dog", limit: 5 }));
results.push(await client.createPet({ body: { name: "Rex" } }));
results.push(await client.anyProxy("toys/ball 1", "delete"));
try { await client.listPets({}); results.push("no error"); } catch (e) { results.push(e.constructor.name); }
""",
    )
    assert out["base"] == f"https://{pets.id}.execute-api.us-east-1.amazonaws.com/dev"
    calls = out["calls"]
    assert [(c["method"], c["url"]) for c in calls] == [
        ("GET", f"{LOCAL}/pets/a%20b%2Fc"),
        ("GET", f"{LOCAL}/pets?limit=5&type=dog"),
        ("POST", f"{LOCAL}/pets"),
        ("DELETE", f"{LOCAL}/toys/ball%201"),
    ]
    assert calls[0]["headers"]["X-Request-Id"] == "r-1"
    assert all(c["headers"]["x-api-key"] == "secret-key-0123456789" for c in calls)
    assert json.loads(calls[2]["body"]) == {"name": "Rex"}
    assert calls[2]["headers"]["Content-Type"] == "application/json"
    assert out["results"][0] == {"status": 201, "headers": {"content-type": "application/json"}, "body": {"ok": True}}
    assert out["results"][-1] == "TypeError"  # type is required


def test_hostile_names_are_sanitised_in_javascript(hostile):
    api, stage = hostile
    code = generate_sdk(api, stage, language="javascript")
    assert 'x"); import os' not in code
    assert "os.system" not in code
    assert "\u2028" not in code
    assert '"Evil\\"\\nimport os"' in code  # the name only as an escaped string literal
    for name in ("xImportOsOsSystemEchoPwned(", "op123Go(", "import_(", "constructor_(", "patchONeilX1PetId("):
        assert f"async {name}" in code
    assert "class_" in code and "aB" in code


@needs_node
def test_hostile_javascript_sdk_parses_and_runs(hostile, tmp_path):
    api, stage = hostile
    code = generate_sdk(api, stage, language="javascript")
    (tmp_path / "check.mjs").write_text(code)
    checked = subprocess.run(  # noqa: S603 -- node on our own generated file
        [NODE, "--check", "check.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
    out = run_js(
        tmp_path, code, 'results.push(await client.xImportOsOsSystemEchoPwned("7/8", { class_: "c", xTraceId: "t" }));'
    )
    assert out["calls"][0]["url"] == f"{LOCAL}/o%27neil%3Bx%3D1/7%2F8?class=c"
    assert out["calls"][0]["headers"]["X-Trace-Id"] == "t"
