"""OpenAPI import and export: AWS's ImportRestApi, PutRestApi (overwrite or merge) and GetExport.

An OpenAPI 3.0.x or Swagger 2.0 document, with the x-amazon-apigateway-* extensions, becomes
the resource model (resources, methods, integrations, models, request validators, gateway
responses) and back. Every problem in a document is reported at once, each with the JSON
pointer of the value at fault; an import that fails changes nothing.

Authorizers are not in the model yet. Security schemes that name one
(`x-amazon-apigateway-authorizer`, or `x-amazon-apigateway-authtype` custom or
cognito_user_pools) go through `_read_authorizer_scheme` on import and
`_authorizer_security` on export: the two hooks the authorizer part fills in.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from gateway.control.operations import get_api
from gateway.model.errors import NotFoundError, Problem, ValidationError
from gateway.model.resources import (
    ENDPOINT_TYPES,
    HTTP_METHODS,
    INTEGRATION_TYPES,
    PASSTHROUGH,
    PATH_PART,
    REGION,
    TIMEOUT_MAX_MS,
    TIMEOUT_MIN_MS,
    Account,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    lambda_invocation_uri,
)
from gateway.model.responses import RESPONSE_TYPES

EXT = "x-amazon-apigateway-"
ANY_METHOD = EXT + "any-method"
# OpenAPI operation keys, in the order AWS exports them.
OPERATIONS = {
    "get": "GET",
    "put": "PUT",
    "post": "POST",
    "delete": "DELETE",
    "options": "OPTIONS",
    "head": "HEAD",
    "patch": "PATCH",
    ANY_METHOD: "ANY",
}
VERB_KEYS = {verb: key for key, verb in OPERATIONS.items()}
PATH_ITEM_FIELDS = {"summary", "description", "servers", "parameters", "$ref"}
MODEL_URL = "https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}"
MODEL_URL_RE = re.compile(r"^https://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/]+)$")
MODEL_NAME = re.compile(r"^[A-Za-z0-9]+$")
STATUS_CODE = re.compile(r"^[1-5]\d\d$")
OAS30_VERSION = re.compile(r"^3\.0\.\d+$")
# OpenAPI parameter location -> API Gateway's name for it in method.request.{location}.{name}
PARAM_LOCATIONS = {"path": "path", "query": "querystring", "header": "header"}
METHOD_REQUEST_PARAM = re.compile(
    r"^method\.request\.(?P<loc>path|querystring|header|multivaluequerystring|multivalueheader)\.(?P<name>.+)$"
)
INTEGRATION_REQUEST_PARAM = re.compile(
    r"^integration\.request\.(path|querystring|header|multivaluequerystring|multivalueheader)\.\S+$"
)
METHOD_RESPONSE_HEADER = re.compile(r"^method\.response\.header\.(?P<name>\S+)$")
GATEWAY_RESPONSE_PARAM = re.compile(r"^gatewayresponse\.header\.\S+$")
CONTENT_HANDLING = ("CONVERT_TO_BINARY", "CONVERT_TO_TEXT")
AUTH_TYPES = ("NONE", "AWS_IAM")
INTEGRATION_FIELDS = {
    "type",
    "uri",
    "httpMethod",
    "passthroughBehavior",
    "requestTemplates",
    "requestParameters",
    "responses",
    "timeoutInMillis",
    "cacheKeyParameters",
    "cacheNamespace",
    "credentials",
    "contentHandling",
}
MAX_COMPRESSION = 10_485_760
# A document is data from a learner: bound the work spent walking it (YAML aliases can
# make a small text stand for a huge tree).
MAX_NODES = 200_000
MAX_DEPTH = 100


# ---------------------------------------------------------------------------------------
# JSON pointers


def pointer(*parts: Any) -> str:
    """RFC 6901: each part prefixed with /, with ~ as ~0 and / as ~1."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


# ---------------------------------------------------------------------------------------
# Reading the text


class _YamlLoader(yaml.SafeLoader):
    """Safe YAML without timestamps: `version: 2016-10-13T23:04:43Z` stays the text it is."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse(document: str | bytes | dict, account: Account) -> tuple[Any, list[Problem]]:
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, [Problem("", f"not UTF-8 text: {exc}")]
    if isinstance(document, str):
        text = document.lstrip("\ufeff")
        try:
            json_error = None
            if text.lstrip().startswith(("{", "[")):
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as exc:
                    json_error = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            if json_error or not text.lstrip().startswith(("{", "[")):
                try:  # YAML, or JSON-looking YAML flow style ({openapi: 3.0.1, ...})
                    data = yaml.load(text, Loader=_YamlLoader)  # noqa: S506 -- a SafeLoader subclass
                except yaml.YAMLError as exc:
                    if json_error:
                        return None, [Problem("", json_error)]
                    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
                    where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
                    reason = getattr(exc, "problem", None) or str(exc)
                    return None, [Problem("", f"not valid JSON or YAML: {reason}{where}")]
        except RecursionError:
            return None, [Problem("", "the document is nested too deeply")]
    else:
        data = document
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        return None, [Problem("", f"an OpenAPI document must be an object, not {kind}")]
    variables = {
        "${AWS::AccountId}": account.accountId,
        "${AWS::Region}": account.region,
        "${AWS::Partition}": "aws",
    }
    counter = [0]
    try:
        return _normalise(data, variables, counter, 0), []
    except _TooBigError as exc:
        return None, [Problem("", str(exc))]


class _TooBigError(Exception):
    pass


def _normalise(value: Any, variables: dict[str, str], counter: list[int], depth: int) -> Any:
    """A fresh copy with string keys (YAML reads `200:` as a number) and AWS variables resolved."""
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise _TooBigError(f"the document is too large (more than {MAX_NODES} values)")
    if depth > MAX_DEPTH:
        raise _TooBigError(f"the document is nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(value, dict):
        return {_key(k): _normalise(v, variables, counter, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, variables, counter, depth + 1) for v in value]
    if isinstance(value, str) and "${AWS::" in value:
        for name, replacement in variables.items():
            value = value.replace(name, replacement)
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return str(key).lower()
    return str(key)


# ---------------------------------------------------------------------------------------
# Import: read the document into a plan (no ids yet), then build it into the account


@dataclass
class _Scheme:
    """What a security scheme means to API Gateway."""

    kind: str  # api_key | iam | authorizer | ignored
    name: str
    definition: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    fields: dict[str, Any] = field(default_factory=dict)  # RestApi fields the document sets
    # path -> verb -> Method; requestValidatorId holds the validator's NAME until built
    paths: dict[str, dict[str, Method]] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)  # model name -> JSON schema (refs not yet rewritten)
    model_types: dict[str, str] = field(default_factory=dict)  # model name -> content type
    validators: dict[str, RequestValidator] = field(default_factory=dict)  # by name
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)


class _Reader:
    def __init__(self, doc: dict[str, Any], target: RestApi | None, mode: str):
        self.doc = doc
        self.target = target
        self.mode = mode  # create | overwrite | merge
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.swagger = "swagger" in doc and "openapi" not in doc
        self.plan = _Plan()
        self.schemes: dict[str, _Scheme] = {}
        self.default_validator: str | None = None

    # -- reporting

    def error(self, where: str, message: str) -> None:
        problem = Problem(where, message)
        if problem not in self.errors:
            self.errors.append(problem)

    def warn(self, where: str, message: str) -> None:
        problem = Problem(where, message)
        if problem not in self.warnings:
            self.warnings.append(problem)

    def object(self, value: Any, where: str, what: str = "an object") -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.error(where, f"must be {what}")
        return None

    def text(self, value: Any, where: str, *, numbers: bool = False) -> str | None:
        if isinstance(value, str):
            return value
        if numbers and isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.error(where, "must be a string")
        return None

    def string_map(self, value: Any, where: str) -> dict[str, str]:
        data = self.object(value, where, "an object of strings")
        if data is None:
            return {}
        out = {}
        for key, item in data.items():
            if isinstance(item, str):
                out[key] = item
            else:
                self.error(pointer_join(where, key), "must be a string")
        return out

    def unknown_extensions(self, data: dict[str, Any], where: str, known: set[str]) -> None:
        for key in data:
            if key.startswith(EXT) and key not in known:
                self.warn(pointer_join(where, key), f"{key} is not supported here by the simulator; ignored")

    # -- $ref

    def resolve(self, value: Any, where: str) -> tuple[Any, str]:
        """Follow a local $ref (#/...) to its target; returns the value and its pointer."""
        seen = set()
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            ref_where = pointer_join(where, "$ref")
            if not isinstance(ref, str) or not ref.startswith("#/"):
                self.error(ref_where, "only local references (#/...) are supported")
                return None, where
            if ref in seen:
                self.error(ref_where, f"circular reference {ref}")
                return None, where
            seen.add(ref)
            target: Any = self.doc
            for part in ref[2:].split("/"):
                part = _unescape(part)
                if isinstance(target, dict) and part in target:
                    target = target[part]
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    self.error(ref_where, f"{ref} does not exist in the document")
                    return None, where
            value, where = target, ref[1:]
        return value, where

    def model_ref(self, ref: Any, where: str) -> str | None:
        """The model a schema $ref names: #/components/schemas/X, #/definitions/X or AWS's model URL."""
        if not isinstance(ref, str):
            self.error(where, "must be a string")
            return None
        prefix = "#/definitions/" if self.swagger else "#/components/schemas/"
        name: str | None = None
        if ref.startswith(prefix):
            rest = ref[len(prefix) :]
            if "/" in rest:
                self.error(where, f"{ref}: a model reference must name a whole schema ({prefix}NAME)")
                return None
            name = _unescape(rest)
            if name not in self.plan.schemas:
                self.error(where, f"{ref}: no schema named {name!r} in {prefix[2:-1]}")
                return None
            return name
        match = MODEL_URL_RE.match(ref)
        if match:
            name = match[1]
            if name in self.plan.schemas or (self.mode == "merge" and self.target and name in self.target.models):
                return name
            self.error(where, f"{ref}: no model named {name!r}")
            return None
        self.error(where, f"{ref}: a schema can only refer to another model ({prefix}NAME)")
        return None

    def check_schema_refs(self, schema: Any, where: str) -> None:
        if isinstance(schema, dict):
            for key, value in schema.items():
                if key == "$ref" and isinstance(value, str):
                    self.model_ref(value, pointer_join(where, key))
                elif key == "$ref":
                    self.error(pointer_join(where, key), "must be a string")
                else:
                    self.check_schema_refs(value, pointer_join(where, key))
        elif isinstance(schema, list):
            for i, item in enumerate(schema):
                self.check_schema_refs(item, pointer_join(where, i))

    def body_model(self, schema: Any, where: str, content_type: str, suggested: str) -> str | None:
        """The model for a request or response body schema; an inline schema becomes a model."""
        if not isinstance(schema, dict):
            self.error(where, "must be a schema object")
            return None
        if "$ref" in schema:
            name = self.model_ref(schema["$ref"], pointer_join(where, "$ref"))
        elif not schema:
            return None
        else:
            name = suggested
            n = 2
            while name in self.plan.schemas:
                name, n = f"{suggested}{n}", n + 1
            self.check_schema_refs(schema, where)
            self.plan.schemas[name] = schema
        if name:
            self.plan.model_types.setdefault(name, content_type)
        return name

    # -- the document

    def read(self) -> _Plan:
        self.read_version()
        self.read_info()
        self.read_schemas()
        self.read_api_extensions()
        self.read_security_schemes()
        self.read_validators()
        self.read_gateway_responses()
        self.read_paths()
        known = {
            EXT + name
            for name in (
                "api-key-source",
                "binary-media-types",
                "gateway-responses",
                "request-validators",
                "request-validator",
                "policy",
                "endpoint-configuration",
                "minimum-compression-size",
            )
        }
        self.unknown_extensions(self.doc, "", known)
        return self.plan

    def read_version(self) -> None:
        doc = self.doc
        if "openapi" in doc and "swagger" in doc:
            self.error("/swagger", "a document is either OpenAPI 3.0 (openapi) or Swagger 2.0 (swagger), not both")
        if "openapi" in doc:
            version = doc["openapi"]
            if not (isinstance(version, str) and OAS30_VERSION.match(version)):
                hint = ' (quote it: "3.0.1")' if isinstance(version, int | float) else ""
                self.error(
                    "/openapi",
                    f"unsupported OpenAPI version {version!r}{hint}: API Gateway imports OpenAPI 3.0.x and Swagger 2.0",
                )
        elif "swagger" in doc:
            if doc["swagger"] not in ("2.0", 2.0):
                self.error("/swagger", f"unsupported Swagger version {doc['swagger']!r}: only 2.0")
        else:
            self.error("/openapi", 'missing: say which specification this is (openapi: 3.0.1 or swagger: "2.0")')

    def read_info(self) -> None:
        info = self.doc.get("info")
        if info is None:
            if self.mode == "create":
                self.error("/info", "missing: an API needs a name (info.title)")
            return
        info = self.object(info, "/info")
        if info is None:
            return
        title = info.get("title")
        if title is None:
            if self.mode == "create":
                self.error("/info/title", "missing: an API needs a name")
        elif self.text(title, "/info/title", numbers=True) is not None:
            if not str(title).strip():
                self.error("/info/title", "an API needs a name")
            else:
                self.plan.fields["name"] = str(title)
        for key in ("description", "version"):
            if key in info and info[key] is not None:
                value = self.text(info[key], pointer("info", key), numbers=True)
                if value is not None:
                    self.plan.fields[key] = value

    def read_schemas(self) -> None:
        if self.swagger:
            schemas, where = self.doc.get("definitions"), "/definitions"
        else:
            components = self.doc.get("components")
            if components is not None and self.object(components, "/components") is None:
                return
            schemas, where = (components or {}).get("schemas"), "/components/schemas"
        if schemas is None or self.object(schemas, where) is None:
            return
        for name, schema in schemas.items():
            name_where = pointer_join(where, name)
            if not MODEL_NAME.match(name):
                self.error(name_where, f"model name {name!r} must be alphanumeric (letters and digits only)")
            if self.object(schema, name_where, "a schema object") is not None:
                self.plan.schemas[name] = schema
        for name, schema in schemas.items():
            if isinstance(schema, dict):
                self.check_schema_refs(schema, pointer_join(where, name))

    def read_api_extensions(self) -> None:
        doc, fields = self.doc, self.plan.fields
        key = EXT + "api-key-source"
        if key in doc:
            source = doc[key]
            if isinstance(source, str) and source.upper() in ("HEADER", "AUTHORIZER"):
                fields["apiKeySource"] = source.upper()
            else:
                self.error(pointer(key), "must be HEADER or AUTHORIZER")
        key = EXT + "binary-media-types"
        if key in doc:
            types = doc[key]
            if isinstance(types, list) and all(isinstance(t, str) for t in types):
                fields["binaryMediaTypes"] = list(types)
            else:
                self.error(pointer(key), "must be a list of media types such as image/png or */*")
        key = EXT + "policy"
        if key in doc:
            policy = doc[key]
            if isinstance(policy, str):
                try:
                    policy = json.loads(policy)
                except ValueError as exc:
                    self.error(pointer(key), f"not valid JSON: {exc}")
                    policy = None
            if isinstance(policy, dict):
                fields["policy"] = json.dumps(policy)
            elif policy is not None:
                self.error(pointer(key), "must be an IAM policy document (an object)")
        key = EXT + "minimum-compression-size"
        if key in doc:
            size = doc[key]
            if isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= MAX_COMPRESSION:
                fields["minimumCompressionSize"] = size
            else:
                self.error(pointer(key), f"must be a whole number of bytes between 0 and {MAX_COMPRESSION}")
        # Swagger 2.0 keeps the endpoint configuration at the top; OpenAPI 3.0 in a server object.
        key = EXT + "endpoint-configuration"
        found = []
        if key in doc:
            found.append((doc[key], pointer(key)))
        servers = doc.get("servers")
        if isinstance(servers, list):
            for i, server in enumerate(servers):
                if isinstance(server, dict):
                    if key in server:
                        found.append((server[key], pointer("servers", i, key)))
                    self.unknown_extensions(server, pointer("servers", i), {key})
        for value, where in found:
            self.read_endpoint_configuration(value, where)

    def read_endpoint_configuration(self, value: Any, where: str) -> None:
        config = self.object(value, where)
        if config is None:
            return
        endpoint: dict[str, list[str]] = {}
        if "types" in config:
            types = config["types"]
            if (
                isinstance(types, list)
                and len(types) == 1
                and isinstance(types[0], str)
                and types[0].upper() in ENDPOINT_TYPES
            ):
                endpoint["types"] = [types[0].upper()]
            else:
                self.error(pointer_join(where, "types"), f"must be a list of one of {', '.join(ENDPOINT_TYPES)}")
        if "vpcEndpointIds" in config:
            ids = config["vpcEndpointIds"]
            if isinstance(ids, list) and all(isinstance(i, str) for i in ids):
                endpoint["vpcEndpointIds"] = list(ids)
            else:
                self.error(pointer_join(where, "vpcEndpointIds"), "must be a list of VPC endpoint ids")
        if "disableExecuteApiEndpoint" in config:
            if isinstance(config["disableExecuteApiEndpoint"], bool):
                self.plan.fields["disableExecuteApiEndpoint"] = config["disableExecuteApiEndpoint"]
            else:
                self.error(pointer_join(where, "disableExecuteApiEndpoint"), "must be true or false")
        for name in config:
            if name not in ("types", "vpcEndpointIds", "disableExecuteApiEndpoint"):
                self.warn(pointer_join(where, name), f"{name} is not supported for REST APIs; ignored")
        if endpoint:
            previous = self.plan.fields.get("endpointConfiguration", {})
            self.plan.fields["endpointConfiguration"] = {**previous, **endpoint}

    def read_security_schemes(self) -> None:
        if self.swagger:
            schemes, where = self.doc.get("securityDefinitions"), "/securityDefinitions"
        else:
            components = self.doc.get("components")
            schemes = components.get("securitySchemes") if isinstance(components, dict) else None
            where = "/components/securitySchemes"
        if schemes is None or self.object(schemes, where) is None:
            return
        for name, scheme in schemes.items():
            scheme_where = pointer_join(where, name)
            scheme, _ = self.resolve(scheme, scheme_where)
            if self.object(scheme, scheme_where) is None:
                continue
            self.unknown_extensions(scheme, scheme_where, {EXT + "authtype", EXT + "authorizer"})
            authtype = scheme.get(EXT + "authtype")
            authtype = authtype.lower() if isinstance(authtype, str) else authtype
            if EXT + "authorizer" in scheme or authtype in ("custom", "cognito_user_pools"):
                self.schemes[name] = self._read_authorizer_scheme(name, scheme, scheme_where)
            elif authtype == "awssigv4":
                self.schemes[name] = _Scheme("iam", name, scheme)
            elif authtype is not None:
                self.warn(
                    pointer_join(scheme_where, EXT + "authtype"),
                    f"unknown authtype {authtype!r} (awsSigv4, custom or cognito_user_pools); the scheme is ignored",
                )
                self.schemes[name] = _Scheme("ignored", name, scheme)
            elif scheme.get("type") == "apiKey":
                if str(scheme.get("name", "")).lower() != "x-api-key" or scheme.get("in") != "header":
                    self.warn(
                        scheme_where,
                        "API Gateway reads API keys from the x-api-key header (or from an authorizer): "
                        "methods using this scheme require an API key in x-api-key",
                    )
                self.schemes[name] = _Scheme("api_key", name, scheme)
            else:
                self.warn(
                    scheme_where,
                    f"security scheme type {scheme.get('type')!r} is not something API Gateway enforces on a REST API; "
                    "methods using it are not protected by it",
                )
                self.schemes[name] = _Scheme("ignored", name, scheme)

    def _read_authorizer_scheme(self, name: str, scheme: dict[str, Any], where: str) -> _Scheme:
        """HOOK for authorizers (Lambda TOKEN/REQUEST, Cognito user pools).

        The authorizer part replaces this: create the authorizer from `scheme[EXT + "authorizer"]`
        and let `read_security` give methods that use it authorizationType CUSTOM or
        COGNITO_USER_POOLS with its authorizerId (and authorizationScopes from the requirement).
        """
        self.warn(
            where,
            f"authorizers are not simulated yet: methods secured by {name!r} are imported without an authorizer",
        )
        return _Scheme("authorizer", name, scheme)

    def read_validators(self) -> None:
        key = EXT + "request-validators"
        if key in self.doc:
            validators = self.object(self.doc[key], pointer(key))
            for name, options in (validators or {}).items():
                where = pointer(key, name)
                if self.object(options, where) is None:
                    continue
                flags = {}
                for flag in ("validateRequestBody", "validateRequestParameters"):
                    value = options.get(flag, False)
                    if isinstance(value, bool):
                        flags[flag] = value
                    else:
                        self.error(pointer_join(where, flag), "must be true or false")
                for other in options:
                    if other not in ("validateRequestBody", "validateRequestParameters"):
                        self.warn(pointer_join(where, other), f"unknown request validator setting {other!r}; ignored")
                self.plan.validators[name] = RequestValidator(name=name, **flags)
        key = EXT + "request-validator"
        if key in self.doc:
            self.default_validator = self.validator_name(self.doc[key], pointer(key))

    def validator_name(self, value: Any, where: str) -> str | None:
        if not isinstance(value, str):
            self.error(where, "must be the name of a request validator")
            return None
        known = set(self.plan.validators)
        if self.mode == "merge" and self.target:
            known |= {v.name for v in self.target.requestValidators.values()}
        if value not in known:
            listed = ", ".join(sorted(known)) or "none defined"
            self.error(where, f"no request validator named {value!r} in {EXT}request-validators ({listed})")
            return None
        return value

    def read_gateway_responses(self) -> None:
        key = EXT + "gateway-responses"
        if key not in self.doc:
            return
        responses = self.object(self.doc[key], pointer(key))
        for response_type, options in (responses or {}).items():
            where = pointer(key, response_type)
            if response_type not in RESPONSE_TYPES:
                self.error(where, f"unknown gateway response type {response_type!r}")
                continue
            if self.object(options, where) is None:
                continue
            status = options.get("statusCode")
            if status is not None:
                status = self.text(status, pointer_join(where, "statusCode"), numbers=True)
                if status is not None and not STATUS_CODE.match(status):
                    self.error(pointer_join(where, "statusCode"), "must be an HTTP status code (100-599)")
            parameters = self.string_map(
                options.get("responseParameters", {}), pointer_join(where, "responseParameters")
            )
            for name in parameters:
                if not GATEWAY_RESPONSE_PARAM.match(name):
                    self.error(
                        pointer_join(where, "responseParameters", name),
                        "must be gatewayresponse.header.NAME (a header of the response)",
                    )
            templates = self.string_map(options.get("responseTemplates", {}), pointer_join(where, "responseTemplates"))
            self.plan.gateway_responses[response_type] = GatewayResponse(
                responseType=response_type,
                statusCode=status,
                responseParameters=parameters,
                responseTemplates=templates,
            )

    # -- paths and operations

    def read_paths(self) -> None:
        paths = self.doc.get("paths")
        if paths is None:
            self.warn("/paths", "no paths: the API has no methods")
            return
        if self.object(paths, "/paths", "an object mapping paths (/pets) to path items") is None:
            return
        for key, item in paths.items():
            where = pointer("paths", key)
            path = self.read_path_key(key, where)
            if self.object(item, where, "a path item (an object of operations)") is None:
                continue
            if path is not None:
                self.plan.paths.setdefault(path, {})
            shared = item.get("parameters", [])
            for name, value in item.items():
                if name in OPERATIONS:
                    method = self.read_operation(value, pointer_join(where, name), key, OPERATIONS[name], shared)
                    if method is not None and path is not None:
                        self.plan.paths[path][method.httpMethod] = method
                elif name.lower() in OPERATIONS:
                    self.error(pointer_join(where, name), f"operation keys are lowercase: use {name.lower()!r}")
                elif name == "trace":
                    self.warn(pointer_join(where, name), "API Gateway does not support TRACE; ignored")
                elif name == "$ref":
                    self.warn(pointer_join(where, name), "path item references are not supported; ignored")
                elif name in PATH_ITEM_FIELDS or (name.startswith("x-") and not name.startswith(EXT)):
                    continue
                elif name.startswith(EXT):
                    self.warn(pointer_join(where, name), f"{name} is not supported on a path item; ignored")
                else:
                    self.error(
                        pointer_join(where, name),
                        f"unknown HTTP method {name!r}: use get, put, post, delete, options, head, patch "
                        f"or {ANY_METHOD}",
                    )
        self.check_siblings(paths)

    def read_path_key(self, key: str, where: str) -> str | None:
        if not key.startswith("/"):
            self.error(where, f"path {key!r} must start with /")
            return None
        if key == "/":
            return key
        if key.endswith("/"):
            self.error(where, f"path {key!r} must not end with /")
            return None
        parts = key[1:].split("/")
        ok = True
        names = set()
        for i, part in enumerate(parts):
            if not part:
                self.error(where, f"path {key!r} has an empty segment (//)")
                ok = False
            elif not PATH_PART.match(part):
                self.error(
                    where, f"path segment {part!r} is not valid: use letters, digits and -._~, {{param}} or {{proxy+}}"
                )
                ok = False
            elif part.endswith("+}") and i != len(parts) - 1:
                self.error(where, f"a greedy {part} segment must be the last one")
                ok = False
            if part.startswith("{"):
                name = part.strip("{}+")
                if name in names:
                    self.error(where, f"path parameter {{{name}}} appears twice")
                    ok = False
                names.add(name)
        return key if ok else None

    def check_siblings(self, paths: dict[str, Any]) -> None:
        """Under one parent only one variable segment ({id} or {proxy+}) may exist, as in AWS."""
        all_paths = [p for p in paths if isinstance(p, str) and p.startswith("/")]
        existing = []
        if self.mode == "merge" and self.target:
            existing = [r.path for r in self.target.resources.values()]
        variables: dict[str, set[str]] = {}
        for path in all_paths + existing:
            parts = [p for p in path.split("/") if p]
            for i, part in enumerate(parts):
                if part.startswith("{"):
                    parent = "/" + "/".join(parts[:i])
                    variables.setdefault(parent, set()).add(part)
        for parent, parts in variables.items():
            if len(parts) > 1:
                listed = ", ".join(sorted(parts))
                for path in all_paths:
                    segments = [p for p in path.split("/") if p]
                    for i, part in enumerate(segments):
                        if part in parts and "/" + "/".join(segments[:i]) == parent:
                            self.error(
                                pointer("paths", path),
                                f"only one variable path part is allowed under {parent}: found {listed}",
                            )

    def read_operation(self, op: Any, where: str, path: str, verb: str, shared: Any) -> Method | None:
        if self.object(op, where, "an operation object") is None:
            return None
        method = Method(httpMethod=verb)
        if op.get("operationId") is not None:
            method.operationName = self.text(op["operationId"], pointer_join(where, "operationId"))
        self.read_parameters(method, op, where, path, shared)
        if not self.swagger and "requestBody" in op:
            self.read_request_body(method, op["requestBody"], pointer_join(where, "requestBody"), path)
        if "responses" in op:
            self.read_responses(method, op, pointer_join(where, "responses"), path)
        self.read_security(method, op, where)
        key = EXT + "auth"
        if key in op:
            auth = op[key]
            auth_type = auth.get("type") if isinstance(auth, dict) else None
            if isinstance(auth_type, str) and auth_type.upper() in AUTH_TYPES:
                method.authorizationType = auth_type.upper()
            else:
                self.error(pointer_join(where, key, "type"), "must be NONE or AWS_IAM")
        key = EXT + "request-validator"
        if key in op:
            method.requestValidatorId = self.validator_name(op[key], pointer_join(where, key))
        else:
            method.requestValidatorId = self.default_validator
        key = EXT + "integration"
        if key in op:
            method.methodIntegration = self.read_integration(op[key], pointer_join(where, key), method)
        else:
            self.warn(where, "no x-amazon-apigateway-integration: the method has no integration and cannot be deployed")
        if "callbacks" in op:
            self.warn(pointer_join(where, "callbacks"), "callbacks are not supported by API Gateway; ignored")
        self.unknown_extensions(op, where, {EXT + "integration", EXT + "request-validator", EXT + "auth"})
        return method

    def read_parameters(self, method: Method, op: dict[str, Any], where: str, path: str, shared: Any) -> None:
        path_where = pointer("paths", path, "parameters")
        merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for listing, listing_where in (
            (shared, path_where),
            (op.get("parameters", []), pointer_join(where, "parameters")),
        ):
            if not isinstance(listing, list):
                self.error(listing_where, "must be a list of parameters")
                continue
            for i, raw in enumerate(listing):
                param, param_where = self.resolve(raw, pointer_join(listing_where, i))
                if self.object(param, param_where, "a parameter object") is None:
                    continue
                name, location = param.get("name"), param.get("in")
                if not isinstance(name, str) or not name:
                    self.error(pointer_join(param_where, "name"), "a parameter needs a name")
                    continue
                merged[(str(location), name)] = (param, param_where)
        template_names = {part.strip("{}+") for part in path.split("/") if part.startswith("{")}
        for (location, name), (param, param_where) in merged.items():
            required = param.get("required", False)
            if not isinstance(required, bool):
                self.error(pointer_join(param_where, "required"), "must be true or false")
                required = False
            if location in PARAM_LOCATIONS:
                method.requestParameters[f"method.request.{PARAM_LOCATIONS[location]}.{name}"] = required
                if location == "path" and name not in template_names:
                    self.warn(param_where, f"path parameter {name!r} is not in the path {path}")
            elif location == "body" and self.swagger:
                consumes = op.get("consumes", self.doc.get("consumes")) or ["application/json"]
                suggested = _model_name(method.httpMethod, path, "Input")
                if "schema" not in param:
                    self.error(pointer_join(param_where, "schema"), "a body parameter needs a schema")
                    continue
                types = [str(t) for t in consumes] if isinstance(consumes, list) and consumes else ["application/json"]
                model = self.body_model(param["schema"], pointer_join(param_where, "schema"), types[0], suggested)
                if model:
                    method.requestModels.update(dict.fromkeys(types, model))
            elif location in ("cookie", "formData"):
                self.warn(
                    pointer_join(param_where, "in"), f"{location} parameters are not supported by API Gateway; ignored"
                )
            else:
                allowed = "path, query, header or body" if self.swagger else "path, query or header"
                self.error(pointer_join(param_where, "in"), f"must be {allowed}")

    def read_request_body(self, method: Method, raw: Any, where: str, path: str) -> None:
        body, body_where = self.resolve(raw, where)
        if self.object(body, body_where, "a request body object") is None:
            return
        content = body.get("content", {})
        if self.object(content, pointer_join(body_where, "content"), "an object of media types") is None:
            return
        suggested = _model_name(method.httpMethod, path, "Input")
        for content_type, media in content.items():
            media_where = pointer_join(body_where, "content", content_type)
            if self.object(media, media_where, "a media type object") is None or "schema" not in media:
                continue
            model = self.body_model(media["schema"], pointer_join(media_where, "schema"), content_type, suggested)
            if model:
                method.requestModels[content_type] = model

    def read_responses(self, method: Method, op: dict[str, Any], where: str, path: str) -> None:
        responses = self.object(op["responses"], where, "an object of responses by status code")
        for status, raw in (responses or {}).items():
            status_where = pointer_join(where, status)
            if status == "default":
                self.warn(status_where, "API Gateway needs explicit status codes: the default response is ignored")
                continue
            if not STATUS_CODE.match(status):
                self.error(status_where, f"{status!r} is not an HTTP status code (100-599)")
                continue
            response, response_where = self.resolve(raw, status_where)
            if self.object(response, response_where, "a response object") is None:
                continue
            result = MethodResponse(statusCode=status)
            headers = response.get("headers", {})
            if self.object(headers, pointer_join(response_where, "headers")) is not None:
                for name, header in headers.items():
                    header, header_where = self.resolve(header, pointer_join(response_where, "headers", name))
                    required = header.get("required", False) if isinstance(header, dict) and not self.swagger else False
                    result.responseParameters[f"method.response.header.{name}"] = required is True
            suggested = _model_name(method.httpMethod, path, f"{status}Output")
            if self.swagger:
                if "schema" in response:
                    produces = op.get("produces", self.doc.get("produces"))
                    types = (
                        [str(t) for t in produces] if isinstance(produces, list) and produces else ["application/json"]
                    )
                    schema_where = pointer_join(response_where, "schema")
                    model = self.body_model(response["schema"], schema_where, types[0], suggested)
                    if model:
                        result.responseModels.update(dict.fromkeys(types, model))
            else:
                content = response.get("content", {})
                if self.object(content, pointer_join(response_where, "content")) is not None:
                    for content_type, media in content.items():
                        media_where = pointer_join(response_where, "content", content_type)
                        if isinstance(media, dict) and "schema" in media:
                            schema_where = pointer_join(media_where, "schema")
                            model = self.body_model(media["schema"], schema_where, content_type, suggested)
                            if model:
                                result.responseModels[content_type] = model
            method.methodResponses[status] = result

    def read_security(self, method: Method, op: dict[str, Any], where: str) -> None:
        if "security" in op:
            requirements, sec_where = op["security"], pointer_join(where, "security")
        elif "security" in self.doc:
            requirements, sec_where = self.doc["security"], "/security"
        else:
            return
        if not isinstance(requirements, list):
            self.error(sec_where, "must be a list of security requirements")
            return
        for i, requirement in enumerate(requirements):
            if self.object(requirement, pointer_join(sec_where, i)) is None:
                continue
            for name, scopes in requirement.items():
                scheme = self.schemes.get(name)
                if scheme is None:
                    section = "securityDefinitions" if self.swagger else "components/securitySchemes"
                    self.error(pointer_join(sec_where, i, name), f"no security scheme named {name!r} in {section}")
                elif scheme.kind == "api_key":
                    method.apiKeyRequired = True
                elif scheme.kind == "iam":
                    method.authorizationType = "AWS_IAM"
                elif scheme.kind == "authorizer":
                    self._use_authorizer(method, scheme, scopes, pointer_join(sec_where, i, name))

    def _use_authorizer(self, method: Method, scheme: _Scheme, scopes: Any, where: str) -> None:
        """HOOK for authorizers: give `method` authorizationType CUSTOM or COGNITO_USER_POOLS,
        the authorizer's id and (Cognito) `scopes` as authorizationScopes. Nothing yet: the
        scheme's warning already says the method is imported without an authorizer."""

    def read_integration(self, raw: Any, where: str, method: Method) -> Integration | None:
        data = self.object(raw, where)
        if data is None:
            return None
        errors_before = len(self.errors)
        for name in data:
            if name not in INTEGRATION_FIELDS and name != "connectionType":
                self.warn(pointer_join(where, name), f"{name} is not supported by the simulator; ignored")
        if data.get("connectionType", "INTERNET") != "INTERNET":
            self.warn(
                pointer_join(where, "connectionType"), "VPC links are not simulated; the integration uses the internet"
            )
        integration = Integration()
        kind = data.get("type")
        if not isinstance(kind, str) or kind.upper() not in INTEGRATION_TYPES:
            shown = f" {kind!r}" if kind is not None else ""
            self.error(
                pointer_join(where, "type"),
                f"unknown integration type{shown}: must be one of {', '.join(t.lower() for t in INTEGRATION_TYPES)}",
            )
            kind = None
        else:
            integration.type = kind = kind.upper()
        if "httpMethod" in data:
            verb = data["httpMethod"]
            if isinstance(verb, str) and verb.upper() in HTTP_METHODS:
                integration.httpMethod = verb.upper()
            else:
                self.error(pointer_join(where, "httpMethod"), f"must be one of {', '.join(HTTP_METHODS)}")
        if "uri" in data:
            integration.uri = self.text(data["uri"], pointer_join(where, "uri"))
            if kind in ("AWS", "AWS_PROXY") and integration.uri and integration.uri.startswith("arn:aws:lambda:"):
                integration.uri = lambda_invocation_uri(integration.uri)
                self.warn(
                    pointer_join(where, "uri"),
                    "a REST API integration takes the Lambda invocation URI "
                    "(arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations); converted",
                )
        if "credentials" in data:
            integration.credentials = self.text(data["credentials"], pointer_join(where, "credentials"))
        if "passthroughBehavior" in data:
            value = data["passthroughBehavior"]
            if isinstance(value, str) and value.upper() in PASSTHROUGH:
                integration.passthroughBehavior = value.upper()
            else:
                self.error(
                    pointer_join(where, "passthroughBehavior"),
                    f"must be one of {', '.join(p.lower() for p in PASSTHROUGH)}",
                )
        if "contentHandling" in data:
            value = data["contentHandling"]
            if isinstance(value, str) and value.upper() in CONTENT_HANDLING:
                integration.contentHandling = value.upper()
            else:
                self.error(pointer_join(where, "contentHandling"), f"must be {' or '.join(CONTENT_HANDLING)}")
        if "timeoutInMillis" in data:
            value = data["timeoutInMillis"]
            if not isinstance(value, int) or isinstance(value, bool):
                self.error(pointer_join(where, "timeoutInMillis"), "must be a whole number of milliseconds")
            elif not TIMEOUT_MIN_MS <= value <= TIMEOUT_MAX_MS:
                self.error(
                    pointer_join(where, "timeoutInMillis"),
                    f"must be between {TIMEOUT_MIN_MS} and {TIMEOUT_MAX_MS} milliseconds (got {value})",
                )
            else:
                integration.timeoutInMillis = value
        if "cacheNamespace" in data:
            integration.cacheNamespace = self.text(data["cacheNamespace"], pointer_join(where, "cacheNamespace"))
        if "requestTemplates" in data:
            integration.requestTemplates = self.string_map(
                data["requestTemplates"], pointer_join(where, "requestTemplates")
            )
        if "requestParameters" in data:
            params_where = pointer_join(where, "requestParameters")
            integration.requestParameters = self.string_map(data["requestParameters"], params_where)
            for target, source in integration.requestParameters.items():
                if not INTEGRATION_REQUEST_PARAM.match(target):
                    self.error(
                        pointer_join(params_where, target),
                        "must be integration.request.{path|querystring|header}.NAME",
                    )
                self.check_method_parameter(source, method, pointer_join(params_where, target))
        if "cacheKeyParameters" in data:
            keys_where = pointer_join(where, "cacheKeyParameters")
            keys = data["cacheKeyParameters"]
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                self.error(keys_where, "must be a list of method request parameters")
            else:
                integration.cacheKeyParameters = list(keys)
                for i, key in enumerate(keys):
                    if key not in method.requestParameters:
                        self.error(
                            pointer_join(keys_where, i),
                            f"{key} is not a request parameter of the method: declare it in parameters",
                        )
        if "responses" in data:
            integration.integrationResponses = self.read_integration_responses(
                data["responses"], pointer_join(where, "responses"), method
            )
        if kind == "AWS_PROXY" and integration.httpMethod and integration.httpMethod != "POST":
            self.warn(
                pointer_join(where, "httpMethod"),
                "Lambda is always invoked with POST: any other method fails at run time with 500 Internal server error",
            )
        if kind is not None and len(self.errors) == errors_before:
            for problem in integration.problems(""):
                field_name = problem.where.lstrip(".")
                if field_name in ("uri", "httpMethod"):
                    self.error(pointer_join(where, field_name), problem.message)
        return integration

    def check_method_parameter(self, source: str, method: Method, where: str) -> None:
        """AWS refuses a mapping from a method request parameter the method does not declare."""
        match = METHOD_REQUEST_PARAM.match(source)
        if not match:
            return
        loc, name = match["loc"], match["name"]
        base = loc.removeprefix("multivalue")
        declared = {f"method.request.{base}.{name}", f"method.request.multivalue{base}.{name}"}
        if not declared & set(method.requestParameters):
            self.error(
                where,
                f"Invalid mapping expression parameter specified: {source} "
                f"(declare the {base} parameter {name!r} in the operation's parameters)",
            )

    def read_integration_responses(self, raw: Any, where: str, method: Method) -> dict[str, IntegrationResponse]:
        """AWS's map is keyed by selection pattern ("default" for none); the model's by status code."""
        responses = self.object(raw, where, "an object of responses by selection pattern")
        out: dict[str, IntegrationResponse] = {}
        for pattern, options in (responses or {}).items():
            response_where = pointer_join(where, pattern)
            if self.object(options, response_where) is None:
                continue
            selection = None if pattern == "default" else pattern
            if selection is not None:
                try:
                    re.compile(selection)
                except re.error as exc:
                    self.error(
                        response_where, f"selection pattern {selection!r} is not a valid regular expression: {exc}"
                    )
            status = options.get("statusCode")
            status_where = pointer_join(response_where, "statusCode")
            if status is None:
                self.error(status_where, "missing: the method response status code this pattern selects")
                continue
            status = self.text(status, status_where, numbers=True)
            if status is None:
                continue
            if not STATUS_CODE.match(status):
                self.error(status_where, "must be an HTTP status code (100-599)")
                continue
            declared = method.methodResponses.get(status)
            if declared is None:
                self.error(
                    status_where, f"no method response for status {status}: declare it in the operation's responses"
                )
            response = IntegrationResponse(statusCode=status, selectionPattern=selection)
            if "responseTemplates" in options:
                templates_where = pointer_join(response_where, "responseTemplates")
                response.responseTemplates = self.string_map(options["responseTemplates"], templates_where)
            if "responseParameters" in options:
                params_where = pointer_join(response_where, "responseParameters")
                response.responseParameters = self.string_map(options["responseParameters"], params_where)
                for name in response.responseParameters:
                    match = METHOD_RESPONSE_HEADER.match(name)
                    if not match:
                        self.error(pointer_join(params_where, name), "must be method.response.header.NAME")
                    elif declared is not None and name not in declared.responseParameters:
                        self.error(
                            pointer_join(params_where, name),
                            f"Invalid mapping expression specified: {name} (declare the header "
                            f"{match['name']!r} in responses/{status}/headers)",
                        )
            if "contentHandling" in options:
                value = options["contentHandling"]
                if isinstance(value, str) and value.upper() in CONTENT_HANDLING:
                    response.contentHandling = value.upper()
                else:
                    self.error(
                        pointer_join(response_where, "contentHandling"), f"must be {' or '.join(CONTENT_HANDLING)}"
                    )
            if status in out:
                self.warn(
                    response_where,
                    f"a second integration response for status {status}: API Gateway keeps one per status; this one wins",
                )
            out[status] = response
        return out


def pointer_join(base: str, *parts: Any) -> str:
    return base + pointer(*parts)


def _model_name(verb: str, path: str, suffix: str) -> str:
    """A model name for an inline schema: alphanumeric, as AWS requires (POST /pets -> PostPetsInput)."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    return verb.capitalize() + "".join(w[:1].upper() + w[1:] for w in words) + suffix


def _rewrite_refs(schema: Any, make: Any) -> Any:
    """A copy of a schema with every model $ref passed through `make(name)`."""
    if isinstance(schema, dict):
        out = {}
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                name = _ref_name(value)
                out[key] = make(name) if name else value
            else:
                out[key] = _rewrite_refs(value, make)
        return out
    if isinstance(schema, list):
        return [_rewrite_refs(item, make) for item in schema]
    return schema


def _ref_name(ref: str) -> str | None:
    for prefix in ("#/components/schemas/", "#/definitions/"):
        if ref.startswith(prefix):
            return _unescape(ref[len(prefix) :])
    match = MODEL_URL_RE.match(ref)
    return match[1] if match else None


def _build(account: Account, plan: _Plan, target: RestApi | None, mode: str, now: float) -> RestApi:
    if target is None:
        api = RestApi(id=account.next_id(), name=plan.fields.get("name", ""), createdDate=now)
        root = Resource(id=account.next_id(), path="/")
        api.resources[root.id] = root
        old_ids: dict[str, str] = {}
        mode = "overwrite"
    else:
        api = copy.deepcopy(target)
        old_ids = {r.path: r.id for r in target.resources.values()}
        if mode == "overwrite":
            root = Resource(id=target.root.id, path="/")
            api.resources = {root.id: root}
            defaults = RestApi()
            for name in (
                "description",
                "version",
                "binaryMediaTypes",
                "apiKeySource",
                "policy",
                "minimumCompressionSize",
            ):
                setattr(api, name, copy.deepcopy(getattr(defaults, name)))
            api.models, api.requestValidators, api.gatewayResponses = {}, {}, {}
    fields = dict(plan.fields)
    if mode == "merge":
        for name in ("name", "description", "version"):  # a merged fragment does not rename the API
            fields.pop(name, None)
    for name, value in fields.items():
        setattr(api, name, value)

    old_models = target.models if target else {}
    for name, schema in plan.schemas.items():
        schema = _rewrite_refs(schema, lambda ref: MODEL_URL.format(api_id=api.id, name=ref))
        model_id = old_models[name].id if name in old_models else account.next_id(6)
        api.models[name] = Model(
            id=model_id,
            name=name,
            contentType=plan.model_types.get(name, "application/json"),
            schema=json.dumps(schema),
        )

    validator_ids = {v.name: v.id for v in reversed(list(api.requestValidators.values()))}
    old_validators = {v.name: v.id for v in reversed(list(target.requestValidators.values()))} if target else {}
    for name, validator in plan.validators.items():
        validator_id = validator_ids.get(name) or old_validators.get(name) or account.next_id(6)
        api.requestValidators[validator_id] = dataclasses.replace(validator, id=validator_id)
        validator_ids[name] = validator_id

    api.gatewayResponses.update(copy.deepcopy(plan.gateway_responses))

    by_path = {r.path: r for r in api.resources.values()}
    for path in sorted(plan.paths):
        resource = by_path["/"]
        for part in [p for p in path.split("/") if p]:
            child_path = ("" if resource.path == "/" else resource.path) + "/" + part
            child = by_path.get(child_path)
            if child is None:
                child = Resource(
                    id=old_ids.get(child_path) or account.next_id(),
                    parentId=resource.id,
                    pathPart=part,
                    path=child_path,
                )
                api.resources[child.id] = by_path[child_path] = child
            resource = child
        for verb, method in plan.paths[path].items():
            method = copy.deepcopy(method)
            if method.requestValidatorId is not None:
                method.requestValidatorId = validator_ids[method.requestValidatorId]
            resource.resourceMethods[verb] = method
    return api


def import_openapi(
    account: Account,
    document: str | bytes | dict,
    *,
    mode: str = "overwrite",
    api_id: str | None = None,
    fail_on_warnings: bool = False,
    now: float = 0.0,
) -> tuple[RestApi, list[Problem]]:
    """ImportRestApi (no api_id) or PutRestApi (api_id, mode overwrite or merge).

    `document` is JSON or YAML text, or a parsed dict. Overwrite replaces the API's resources,
    models, request validators and gateway responses with the document's (stages and
    deployments stay); merge adds or replaces what the document defines and keeps the rest,
    and keeps the API's name. Returns the API and the warnings (what was ignored); raises
    ValidationError listing every problem, each at its JSON pointer, and then changes nothing.
    With fail_on_warnings, warnings fail the import too, as AWS's failonwarnings=true.
    """
    if mode not in ("overwrite", "merge"):
        raise ValidationError(Problem("mode", "must be overwrite or merge"))
    target = get_api(account, api_id) if api_id is not None else None
    doc, problems = _parse(document, account)
    if problems:
        raise ValidationError(problems)
    reader = _Reader(doc, target, mode if target else "create")
    plan = reader.read()
    if reader.errors:
        raise ValidationError(reader.errors)
    if fail_on_warnings and reader.warnings:
        raise ValidationError(reader.warnings)
    counter = account.counter
    try:
        api = _build(account, plan, target, mode, now)
        api.validate()
    except Exception:
        account.counter = counter
        raise
    if target is None:
        account.restApis[api.id] = api
        return api, reader.warnings
    for f in dataclasses.fields(api):
        setattr(target, f.name, getattr(api, f.name))
    return target, reader.warnings


# ---------------------------------------------------------------------------------------
# Export


def export_openapi(
    api: RestApi, *, version: str = "oas30", extensions: bool = True, stage: Stage | None = None, fmt: str = "json"
) -> str:
    """GetExport: the API as OpenAPI 3.0.1 ("oas30") or Swagger 2.0 ("swagger"), JSON or YAML.

    With a stage, as AWS does, the stage's deployed definition is exported, with the stage's
    invoke URL in servers (or host and basePath). Without extensions the document is plain
    OpenAPI: no integrations, validators, gateway responses or policy; an ANY method still
    appears as x-amazon-apigateway-any-method, the only way OpenAPI can say "any method".
    """
    problems = []
    if version not in ("oas30", "swagger"):
        problems.append(Problem("version", "must be oas30 or swagger"))
    if fmt not in ("json", "yaml"):
        problems.append(Problem("fmt", "must be json or yaml"))
    if problems:
        raise ValidationError(problems)
    source = api
    if stage is not None:
        deployment = api.deployments.get(stage.deploymentId)
        if deployment is None:
            raise NotFoundError(f"Invalid Deployment identifier specified: {stage.deploymentId}")
        extra = {
            "description": api.description,
            "version": api.version,
            "createdDate": api.createdDate,
            "disableExecuteApiEndpoint": api.disableExecuteApiEndpoint,
        }
        source = RestApi.from_dict({**copy.deepcopy(deployment.snapshot), **extra})
    doc = _Writer(source, swagger=version == "swagger", extensions=extensions, stage=stage).document()
    if fmt == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _timestamp(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _authorizer_security(api: RestApi, method: Method) -> tuple[str, dict[str, Any]] | None:
    """HOOK for authorizers: the security scheme (name, definition) of a CUSTOM or
    COGNITO_USER_POOLS method, with x-amazon-apigateway-authtype and -authorizer. None until
    authorizers exist in the model."""
    return None


class _Writer:
    def __init__(self, api: RestApi, *, swagger: bool, extensions: bool, stage: Stage | None):
        self.api = api
        self.swagger = swagger
        self.extensions = extensions
        self.stage = stage
        self.schemes: dict[str, dict[str, Any]] = {}
        self.validator_names = {v.id: v.name for v in api.requestValidators.values()}

    def model_ref(self, name: str) -> str:
        return ("#/definitions/" if self.swagger else "#/components/schemas/") + name.replace("~", "~0").replace(
            "/", "~1"
        )

    def document(self) -> dict[str, Any]:
        api = self.api
        doc: dict[str, Any] = {"swagger": "2.0"} if self.swagger else {"openapi": "3.0.1"}
        info: dict[str, Any] = {"title": api.name}
        if api.description:
            info["description"] = api.description
        info["version"] = api.version or _timestamp(api.createdDate)
        doc["info"] = info
        endpoint = self.endpoint_configuration()
        if self.stage is not None:
            host = f"{api.id}.execute-api.{REGION}.amazonaws.com"
            if self.swagger:
                doc.update(host=host, basePath=f"/{self.stage.stageName}", schemes=["https"])
            else:
                variables: dict[str, Any] = {"basePath": {"default": f"/{self.stage.stageName}"}}
                for name, value in sorted(self.stage.variables.items()):
                    if name != "basePath":
                        variables[name] = {"default": value, "description": "stage variable"}
                server: dict[str, Any] = {"url": f"https://{host}/{{basePath}}", "variables": variables}
                if endpoint:
                    server[EXT + "endpoint-configuration"] = endpoint
                    endpoint = None
                doc["servers"] = [server]
        doc["paths"] = self.paths()
        schemas = self.schemas()
        if self.swagger:
            if self.schemes:
                doc["securityDefinitions"] = self.schemes
            if schemas:
                doc["definitions"] = schemas
        else:
            components = {}
            if schemas:
                components["schemas"] = schemas
            if self.schemes:
                components["securitySchemes"] = self.schemes
            if components:
                doc["components"] = components
        if self.extensions:
            doc.update(self.api_extensions(endpoint))
        return doc

    def endpoint_configuration(self) -> dict[str, Any] | None:
        if not self.extensions:
            return None
        config: dict[str, Any] = {k: list(v) for k, v in self.api.endpointConfiguration.items()}
        if self.api.disableExecuteApiEndpoint:
            config["disableExecuteApiEndpoint"] = True
        return config or None

    def api_extensions(self, endpoint: dict[str, Any] | None) -> dict[str, Any]:
        api = self.api
        out: dict[str, Any] = {}
        if api.requestValidators:
            out[EXT + "request-validators"] = {
                v.name: {
                    "validateRequestBody": v.validateRequestBody,
                    "validateRequestParameters": v.validateRequestParameters,
                }
                for v in api.requestValidators.values()
            }
        if api.gatewayResponses:
            responses = {}
            for response_type, response in sorted(api.gatewayResponses.items()):
                item: dict[str, Any] = {}
                if response.statusCode:
                    item["statusCode"] = response.statusCode
                if response.responseParameters:
                    item["responseParameters"] = dict(response.responseParameters)
                if response.responseTemplates:
                    item["responseTemplates"] = dict(response.responseTemplates)
                responses[response_type] = item
            out[EXT + "gateway-responses"] = responses
        if api.policy:
            try:
                out[EXT + "policy"] = json.loads(api.policy)
            except ValueError:
                out[EXT + "policy"] = api.policy
        out[EXT + "api-key-source"] = api.apiKeySource
        if api.binaryMediaTypes:
            out[EXT + "binary-media-types"] = list(api.binaryMediaTypes)
        if api.minimumCompressionSize is not None:
            out[EXT + "minimum-compression-size"] = api.minimumCompressionSize
        if endpoint:
            out[EXT + "endpoint-configuration"] = endpoint
        return out

    def schemas(self) -> dict[str, Any]:
        out = {}
        for name, model in sorted(self.api.models.items()):
            try:
                schema = json.loads(model.schema) if model.schema else {}
            except ValueError:
                schema = {}
            out[name] = _rewrite_refs(schema, self.model_ref)
        return out

    def paths(self) -> dict[str, Any]:
        resources = sorted(self.api.resources.values(), key=lambda r: r.path)
        parents = {r.parentId for r in resources}
        out: dict[str, Any] = {}
        for resource in resources:
            if not resource.resourceMethods and (resource.id in parents or resource.parentId is None):
                continue  # an empty resource with children is implied by their paths
            item: dict[str, Any] = {}
            for verb in OPERATIONS.values():
                if verb in resource.resourceMethods:
                    item[VERB_KEYS[verb]] = self.operation(resource.resourceMethods[verb])
            out[resource.path] = item
        return out

    def operation(self, method: Method) -> dict[str, Any]:
        op: dict[str, Any] = {}
        if method.operationName:
            op["operationId"] = method.operationName
        parameters = []
        for key, required in sorted(method.requestParameters.items()):
            match = METHOD_REQUEST_PARAM.match(key)
            if not match:
                continue
            location = {"path": "path", "querystring": "query", "header": "header"}.get(match["loc"])
            if location is None:  # multivalue parameters have no plain OpenAPI form
                location = "query" if match["loc"] == "multivaluequerystring" else "header"
            parameter: dict[str, Any] = {"name": match["name"], "in": location, "required": bool(required)}
            if self.swagger:
                parameter["type"] = "string"
            else:
                parameter["schema"] = {"type": "string"}
            parameters.append(parameter)
        if method.requestModels and self.swagger:
            op["consumes"] = list(method.requestModels)
            model = next(iter(method.requestModels.values()))
            parameters.append(
                {"in": "body", "name": model, "required": True, "schema": {"$ref": self.model_ref(model)}}
            )
        if parameters:
            op["parameters"] = parameters
        if method.requestModels and not self.swagger:
            op["requestBody"] = {
                "content": {ct: {"schema": {"$ref": self.model_ref(m)}} for ct, m in method.requestModels.items()},
                "required": True,
            }
        op["responses"] = self.responses(method, op)
        security = self.security(method)
        if security:
            op["security"] = [security]
        if self.extensions:
            if method.requestValidatorId and method.requestValidatorId in self.validator_names:
                op[EXT + "request-validator"] = self.validator_names[method.requestValidatorId]
            if method.methodIntegration is not None:
                op[EXT + "integration"] = self.integration(method.methodIntegration)
        return op

    def responses(self, method: Method, op: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        produces: list[str] = []
        for status, response in sorted(method.methodResponses.items()):
            item: dict[str, Any] = {"description": f"{status} response"}
            headers = {}
            for key, required in response.responseParameters.items():
                match = METHOD_RESPONSE_HEADER.match(key)
                if not match:
                    continue
                if self.swagger:
                    headers[match["name"]] = {"type": "string"}
                else:
                    headers[match["name"]] = {"schema": {"type": "string"}, **({"required": True} if required else {})}
            if headers:
                item["headers"] = headers
            if response.responseModels:
                if self.swagger:
                    produces += [ct for ct in response.responseModels if ct not in produces]
                    item["schema"] = {"$ref": self.model_ref(next(iter(response.responseModels.values())))}
                else:
                    item["content"] = {
                        ct: {"schema": {"$ref": self.model_ref(m)}} for ct, m in response.responseModels.items()
                    }
            out[status] = item
        if produces:
            op["produces"] = produces
        return out

    def security(self, method: Method) -> dict[str, list[str]]:
        requirement: dict[str, list[str]] = {}
        if method.apiKeyRequired:
            self.schemes["api_key"] = {"type": "apiKey", "name": "x-api-key", "in": "header"}
            requirement["api_key"] = []
        if method.authorizationType == "AWS_IAM":
            scheme: dict[str, Any] = {"type": "apiKey", "name": "Authorization", "in": "header"}
            if self.extensions:
                scheme[EXT + "authtype"] = "awsSigv4"
            self.schemes["sigv4"] = scheme
            requirement["sigv4"] = []
        elif method.authorizationType in ("CUSTOM", "COGNITO_USER_POOLS"):
            found = _authorizer_security(self.api, method)
            if found:
                name, definition = found
                self.schemes[name] = definition
                requirement[name] = list(method.authorizationScopes)
        return requirement

    def integration(self, integration: Integration) -> dict[str, Any]:
        out: dict[str, Any] = {"type": integration.type.lower()}
        if integration.httpMethod:
            out["httpMethod"] = integration.httpMethod
        if integration.uri:
            out["uri"] = integration.uri
        if integration.credentials:
            out["credentials"] = integration.credentials
        if integration.requestParameters:
            out["requestParameters"] = dict(integration.requestParameters)
        if integration.requestTemplates:
            out["requestTemplates"] = dict(integration.requestTemplates)
        if integration.integrationResponses:
            responses: dict[str, Any] = {}
            for status, response in integration.integrationResponses.items():
                key = response.selectionPattern or "default"
                if key in responses:
                    key = status  # two responses cannot share a pattern in OpenAPI; match this status instead
                item: dict[str, Any] = {"statusCode": response.statusCode}
                if response.responseParameters:
                    item["responseParameters"] = dict(response.responseParameters)
                if response.responseTemplates:
                    item["responseTemplates"] = dict(response.responseTemplates)
                if response.contentHandling:
                    item["contentHandling"] = response.contentHandling
                responses[key] = item
            out["responses"] = responses
        out["passthroughBehavior"] = integration.passthroughBehavior.lower()
        if integration.contentHandling:
            out["contentHandling"] = integration.contentHandling
        out["timeoutInMillis"] = integration.timeoutInMillis
        if integration.cacheNamespace:
            out["cacheNamespace"] = integration.cacheNamespace
        if integration.cacheKeyParameters:
            out["cacheKeyParameters"] = list(integration.cacheKeyParameters)
        return out
