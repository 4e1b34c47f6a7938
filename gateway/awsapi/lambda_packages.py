"""lambda: the deployment package (a .zip) and the behaviour it holds.

The file the Handler setting names (index.handler: index.mjs, index.js or index.cjs at the root)
is the learner's JavaScript handler (Behaviour kind code); without one, sandbox.json holds a
canned behaviour; with neither, the function echoes. Limits are Lambda's: 50 MB zipped for a
direct upload, 250 MB unzipped (AWS: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from typing import Any

from gateway.awsapi.errors import AwsError
from gateway.model.resources import Behaviour, LambdaFunction

SANDBOX_FILE = "sandbox.json"
EXAMPLE = '{"kind": "response", "response": {"statusCode": 200, "body": "hi"}}'
KINDS = ("echo", "response", "error", "hello", "pets", "table", "authorizer")
# The learner's own handler: the file the Handler setting names ("index.handler" -> index.mjs,
# index.js or index.cjs at the root of the .zip), run by the sandbox's Node.js-style runtime
# (gateway.integrations.jsruntime: a V8 isolate in a helper process).
CODE_SUFFIXES = (".mjs", ".js", ".cjs")
MAX_CODE_BYTES = 3 * 1024 * 1024
MAX_ZIP_BYTES = 50 * 1024 * 1024  # direct upload of a .zip: 50 MB (Lambda quotas)
MAX_UNZIPPED_BYTES = 262_144_000  # 250 MB unzipped (Lambda quotas)
MAX_BEHAVIOUR_BYTES = 256 * 1024


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message, 400)


def behaviour_problems(data: Any) -> list[str]:
    """What makes `data` not a behaviour (empty: it is one)."""
    if not isinstance(data, dict):
        return ["it must be a JSON object"]
    known = {"kind", "response", "message", "errorType", "durationMs", "table", "cases"}
    problems = []
    unknown = sorted(set(data) - known)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)} (the fields are {', '.join(sorted(known))})")
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "response" and "response" not in data:
        problems.append("a response function needs `response`: the JSON it returns")
    if kind == "error" and not (isinstance(data.get("message"), str) and data["message"].strip()):
        problems.append("an error function needs `message`: the errorMessage it raises")
    for name in ("message", "errorType", "table"):
        if data.get(name) is not None and not isinstance(data[name], str):
            problems.append(f"{name} must be a string")
    cases = data.get("cases", [])
    if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
        problems.append("cases must be a list of objects")
    duration = data.get("durationMs", 20)
    if isinstance(duration, bool) or not isinstance(duration, int) or not 0 <= duration <= 900_000:
        problems.append("durationMs must be a whole number of milliseconds between 0 and 900000")
    return problems


def read_package(data: bytes, handler: str | None = None) -> Behaviour:
    """The behaviour a deployment package holds, or AWS's refusal: the JavaScript file the handler
    names (index.handler: index.mjs, .js or .cjs), else sandbox.json, else echo."""
    if len(data) > MAX_ZIP_BYTES:
        raise AwsError("RequestEntityTooLargeException", f"Request must be smaller than {MAX_ZIP_BYTES} bytes", 413)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
                raise _invalid(f"Unzipped size must be smaller than {MAX_UNZIPPED_BYTES} bytes")
            module = (handler or "index.handler").rsplit(".", 1)[0]
            source = next((e for e in entries for suffix in CODE_SUFFIXES if e.filename == module + suffix), None)
            if source is not None:
                if source.file_size > MAX_CODE_BYTES:
                    raise _invalid(f"{source.filename} is over {MAX_CODE_BYTES} bytes")
                try:
                    return Behaviour(kind="code", code=archive.read(source).decode("utf-8"))
                except UnicodeDecodeError:
                    raise _invalid(f"{source.filename} is not UTF-8 text") from None
            entry = next((e for e in entries if e.filename == SANDBOX_FILE), None)
            if entry is None:
                return Behaviour(kind="echo")
            if entry.file_size > MAX_BEHAVIOUR_BYTES:
                raise _invalid(
                    f"{SANDBOX_FILE} is over {MAX_BEHAVIOUR_BYTES} bytes: a behaviour is a small JSON object"
                )
            raw = archive.read(entry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError, NotImplementedError, ValueError):
        raise _invalid("Could not unzip uploaded file. Please check your file, then try to upload again.") from None
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _invalid(
            f"{SANDBOX_FILE} in the deployment package is not valid JSON ({exc}); it holds the behaviour, e.g. {EXAMPLE}"
        ) from None
    problems = behaviour_problems(value)
    if problems:
        raise _invalid(
            f"{SANDBOX_FILE} in the deployment package is not a valid sandbox behaviour: {'; '.join(problems)}. Example: {EXAMPLE}"
        )
    return Behaviour.from_dict(value)


def package_bytes(code: dict[str, Any] | None) -> bytes:
    code = code or {}
    if code.get("ZipFile") is not None:
        return code["ZipFile"]
    if code.get("S3Bucket") or code.get("S3Key") or code.get("ImageUri"):
        raise _invalid("The sandbox has no S3 or container images: upload the deployment package as a .zip (ZipFile)")
    raise _invalid("Please provide a source for function code.")


def install(function: LambdaFunction, package: bytes, behaviour: Behaviour, now: float) -> None:
    function.versions["$LATEST"] = behaviour
    function.codeSha256 = base64.b64encode(hashlib.sha256(package).digest()).decode()
    function.codeSize = len(package)
    function.lastModified = now
