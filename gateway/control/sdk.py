"""Client SDK generation for a deployed stage: AWS's GetSdk, small and dependency-free.

The client has one method per operation of the stage's deployed definition. Every name that
comes from the API (operation names, path parts, parameter names) is either reduced to
[A-Za-z0-9_] before it becomes an identifier, or written as a JSON string literal (valid in
both Python and JavaScript), so no API definition can inject code into the SDK.
"""

from __future__ import annotations

import json
import keyword
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from gateway.model.errors import NotFoundError, Problem, ValidationError
from gateway.model.resources import REGION, RestApi, Stage

LANGUAGES = ("python", "javascript")
VERB_ORDER = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "ANY")
BODY_VERBS = ("POST", "PUT", "PATCH", "ANY")
MAX_IDENTIFIER = 64

# Names the generated code uses itself; an API's names that collide get a trailing underscore.
PYTHON_RESERVED = {"self", "body", "method", "Response", "Client", "json", "urllib", "Any"}
JS_RESERVED = {
    # ECMAScript reserved words and strict-mode restrictions
    *"break case catch class const continue debugger default delete do else enum export extends false finally for "
    "function if implements import in instanceof interface let new null package private protected public return "
    "static super switch this throw true try typeof var void while with yield await arguments eval".split(),
    # the generated code's own names
    "body",
    "method",
    "constructor",
    "quote",
    "fetch",
    "undefined",
    "NaN",
    "Infinity",
}


@dataclass
class _Param:
    name: str  # as the API spells it
    location: str  # path | querystring | header
    required: bool = True
    greedy: bool = False  # {proxy+}: slashes are kept
    ident: str = ""


@dataclass
class _Operation:
    verb: str
    path: str
    operation_name: str | None
    segments: list[str | _Param] = field(default_factory=list)  # literal text or a path parameter
    params: list[_Param] = field(default_factory=list)  # query string and headers
    has_body: bool = False
    ident: str = ""

    @property
    def path_params(self) -> list[_Param]:
        return [s for s in self.segments if isinstance(s, _Param)]


def generate_sdk(api: RestApi, stage: Stage, *, language: str, base_url: str | None = None) -> str:
    """Source code of a client for `stage`: "python" (urllib only) or "javascript" (fetch, ES module).

    The base URL defaults to the stage's invoke URL; the sandbox passes its own.
    """
    if language not in LANGUAGES:
        raise ValidationError(Problem("language", f"must be one of {', '.join(LANGUAGES)}"))
    deployment = api.deployments.get(stage.deploymentId)
    if deployment is None:
        raise NotFoundError(f"Invalid Deployment identifier specified: {stage.deploymentId}")
    url = base_url or f"https://{api.id}.execute-api.{REGION}.amazonaws.com/{stage.stageName}"
    operations = _operations(deployment.snapshot)
    names = {"api": str(deployment.snapshot.get("name") or api.name), "stage": stage.stageName, "url": url}
    if language == "python":
        return _python(operations, names)
    return _javascript(operations, names)


def _operations(snapshot: dict[str, Any]) -> list[_Operation]:
    resources = [r for r in (snapshot.get("resources") or {}).values() if isinstance(r, dict)]
    out = []
    for resource in sorted(resources, key=lambda r: str(r.get("path", ""))):
        path = str(resource.get("path") or "/")
        methods = resource.get("resourceMethods") or {}
        for verb in sorted(methods, key=lambda v: VERB_ORDER.index(v) if v in VERB_ORDER else len(VERB_ORDER)):
            method = methods[verb]
            if not isinstance(method, dict):
                continue
            name = method.get("operationName")
            op = _Operation(verb=str(verb).upper(), path=path, operation_name=name if isinstance(name, str) else None)
            for part in [p for p in path.split("/") if p]:
                if part.startswith("{") and part.endswith("}"):
                    op.segments.append(_Param(part.strip("{}+"), "path", greedy=part.endswith("+}")))
                else:
                    op.segments.append(part)
            parameters = method.get("requestParameters") or {}
            for key, required in sorted(parameters.items()):
                for location, prefix in (
                    ("querystring", "method.request.querystring."),
                    ("header", "method.request.header."),
                ):
                    if str(key).startswith(prefix):
                        op.params.append(_Param(str(key)[len(prefix) :], location, required=bool(required)))
            op.has_body = op.verb in BODY_VERBS or bool(method.get("requestModels"))
            out.append(op)
    return out


# ---------------------------------------------------------------------------------------
# Identifiers


def _words(text: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
    return [w.lower() for w in re.findall(r"[A-Za-z0-9]+", text)]


def _snake(text: str, fallback: str) -> str:
    name = "_".join(_words(text))[:MAX_IDENTIFIER].strip("_") or fallback
    return f"{fallback}_{name}" if name[0].isdigit() else name


def _camel(text: str, fallback: str) -> str:
    words = _words(text)
    name = (words[0] + "".join(w.capitalize() for w in words[1:]))[:MAX_IDENTIFIER] if words else fallback
    return f"{fallback}{name[0].upper()}{name[1:]}" if name[0].isdigit() else name


def _unique(name: str, taken: set[str], reserved: set[str], python: bool) -> str:
    if name in reserved or (python and (keyword.iskeyword(name) or keyword.issoftkeyword(name))):
        name += "_"
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}" if python else f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def _name(op: _Operation, python: bool) -> str:
    if op.operation_name and _words(op.operation_name):
        source = op.operation_name
    else:
        source = f"{op.verb} {' '.join(str(s.name if isinstance(s, _Param) else s) for s in op.segments) or 'root'}"
    return _snake(source, "op") if python else _camel(source, "op")


def _assign(operations: list[_Operation], python: bool) -> None:
    reserved = PYTHON_RESERVED if python else JS_RESERVED
    method_names: set[str] = set()
    for op in operations:
        op.ident = _unique(_name(op, python), method_names, reserved | {"request"}, python)
        taken: set[str] = set()
        for param in op.path_params + op.params:
            base = _snake(param.name, "p") if python else _camel(param.name, "p")
            param.ident = _unique(base, taken, reserved | {"api_key", "apiKey", "timeout"}, python)


def _lit(text: str) -> str:
    """A string literal valid in Python and JavaScript: JSON with every non-ASCII character escaped."""
    return json.dumps(text, ensure_ascii=True)


def _comment(op: _Operation) -> str:
    return _lit(f"{op.verb} {op.path}")


# ---------------------------------------------------------------------------------------
# Python

PYTHON_HEAD = '''"""Client for a REST API deployed with Amazon API Gateway: generated, standard library only.

    client = Client(api_key="...")      # api_key is sent as x-api-key
    reply = client.some_operation(...)  # Response(status, headers, body)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, NamedTuple

API_NAME = {api}
STAGE = {stage}
BASE_URL = {url}


class Response(NamedTuple):
    status: int
    headers: dict[str, str]
    body: Any  # parsed JSON, else text, else None when empty


def _quote(value: Any, greedy: bool = False) -> str:
    return urllib.parse.quote(str(value), safe="/" if greedy else "")


def _response(status: int, headers: Any, raw: bytes) -> Response:
    text = raw.decode("utf-8", "replace") if raw else ""
    body: Any = None
    if text:
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    return Response(int(status), dict(headers.items()) if headers is not None else {{}}, body)


class Client:
    def __init__(self, base_url: str = BASE_URL, api_key: str | None = None, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _request(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        body: Any = None,
    ) -> Response:
        url = self.base_url + path
        params = {{k: v for k, v in (query or {{}}).items() if v is not None}}
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        sent = {{"Accept": "application/json"}}
        sent.update({{k: str(v) for k, v in (headers or {{}}).items() if v is not None}})
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            sent["Content-Type"] = "application/json"
        if self.api_key is not None:
            sent["x-api-key"] = self.api_key
        request = urllib.request.Request(url, data=data, headers=sent, method=method.upper())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310
                return _response(reply.status, reply.headers, reply.read())
        except urllib.error.HTTPError as error:
            return _response(error.code, error.headers, error.read())
'''


def _python(operations: list[_Operation], names: dict[str, str]) -> str:
    _assign(operations, python=True)
    lines = [PYTHON_HEAD.format(api=_lit(names["api"]), stage=_lit(names["stage"]), url=_lit(names["url"]))]
    for op in operations:
        args = ["self"] + [f"{p.ident}: Any" for p in op.path_params]
        if op.verb == "ANY":
            args.append('method: str = "GET"')
        keywords = [f"{p.ident}: Any" for p in op.params if p.required]
        keywords += [f"{p.ident}: Any = None" for p in op.params if not p.required]
        if op.has_body:
            keywords.append("body: Any = None")
        if keywords:
            args += ["*", *keywords]
        path = " + ".join(_python_segment(s) for s in op.segments) if op.segments else _lit("/")
        verb = "method" if op.verb == "ANY" else _lit(op.verb)
        query = ", ".join(f"{_lit(p.name)}: {p.ident}" for p in op.params if p.location == "querystring")
        headers = ", ".join(f"{_lit(p.name)}: {p.ident}" for p in op.params if p.location == "header")
        lines.append(f"    # {_comment(op)}")
        lines.append(f"    def {op.ident}({', '.join(args)}) -> Response:")
        lines.append("        return self._request(")
        lines.append(f"            {verb},")
        lines.append(f"            {path},")
        lines.append(f"            query={{{query}}},")
        lines.append(f"            headers={{{headers}}},")
        lines.append(f"            body={'body' if op.has_body else 'None'},")
        lines.append("        )")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _python_segment(segment: str | _Param) -> str:
    if isinstance(segment, _Param):
        return f'"/" + _quote({segment.ident}{", greedy=True" if segment.greedy else ""})'
    return _lit("/" + urllib.parse.quote(segment, safe=""))


# ---------------------------------------------------------------------------------------
# JavaScript

JS_HEAD = """// Client for a REST API deployed with Amazon API Gateway: generated, uses fetch only (ES module).
//
//   const client = new Client({{ apiKey: "..." }});     // apiKey is sent as x-api-key
//   const reply = await client.someOperation(...);    // {{ status, headers, body }}

export const API_NAME = {api};
export const STAGE = {stage};
export const BASE_URL = {url};

function quote(value, greedy = false) {{
  const text = encodeURIComponent(String(value));
  return greedy ? text.replace(/%2F/g, "/") : text;
}}

export class Client {{
  constructor({{ baseUrl = BASE_URL, apiKey = undefined }} = {{}}) {{
    this.baseUrl = baseUrl.replace(/\\/+$/, "");
    this.apiKey = apiKey;
  }}

  async _request(method, path, query = {{}}, headers = {{}}, body = undefined) {{
    let url = this.baseUrl + path;
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {{
      if (value !== undefined && value !== null) params.append(name, String(value));
    }}
    const search = params.toString();
    if (search) url += "?" + search;
    const sent = {{ Accept: "application/json" }};
    for (const [name, value] of Object.entries(headers)) {{
      if (value !== undefined && value !== null) sent[name] = String(value);
    }}
    const init = {{ method: method.toUpperCase(), headers: sent }};
    if (body !== undefined && body !== null) {{
      init.body = JSON.stringify(body);
      sent["Content-Type"] = "application/json";
    }}
    if (this.apiKey !== undefined && this.apiKey !== null) sent["x-api-key"] = this.apiKey;
    const reply = await fetch(url, init);
    const text = await reply.text();
    let parsed = null;
    if (text !== "") {{
      try {{
        parsed = JSON.parse(text);
      }} catch {{
        parsed = text;
      }}
    }}
    const replyHeaders = {{}};
    reply.headers.forEach((value, name) => {{
      replyHeaders[name] = value;
    }});
    return {{ status: reply.status, headers: replyHeaders, body: parsed }};
  }}
"""


def _javascript(operations: list[_Operation], names: dict[str, str]) -> str:
    _assign(operations, python=False)
    lines = [JS_HEAD.format(api=_lit(names["api"]), stage=_lit(names["stage"]), url=_lit(names["url"]))]
    for op in operations:
        args = [p.ident for p in op.path_params]
        if op.verb == "ANY":
            args.append('method = "GET"')
        options = [p.ident for p in op.params]
        if op.has_body:
            options.append("body")
        if options:
            args.append(f"{{ {', '.join(options)} }} = {{}}")
        path = " + ".join(_js_segment(s) for s in op.segments) if op.segments else _lit("/")
        verb = "method" if op.verb == "ANY" else _lit(op.verb)
        query = ", ".join(f"{_lit(p.name)}: {p.ident}" for p in op.params if p.location == "querystring")
        headers = ", ".join(f"{_lit(p.name)}: {p.ident}" for p in op.params if p.location == "header")
        required = op.path_params + [p for p in op.params if p.required]
        lines.append(f"  // {_comment(op)}")
        lines.append(f"  async {op.ident}({', '.join(args)}) {{")
        for param in required:
            lines.append(
                f"    if ({param.ident} === undefined || {param.ident} === null) "
                f"throw new TypeError({_lit(param.ident + ' is required')});"
            )
        body = "body" if op.has_body else "undefined"
        query, headers = f"{{ {query} }}" if query else "{}", f"{{ {headers} }}" if headers else "{}"
        lines.append(f"    return this._request({verb}, {path}, {query}, {headers}, {body});")
        lines.append("  }")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n}\n"


def _js_segment(segment: str | _Param) -> str:
    if isinstance(segment, _Param):
        return f'"/" + quote({segment.ident}{", true" if segment.greedy else ""})'
    return _lit("/" + urllib.parse.quote(segment, safe=""))
