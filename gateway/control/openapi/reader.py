"""Import, first half: the document as a whole, read into a plan (no ids yet), every problem
reported with the JSON pointer of the value at fault."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gateway.control.openapi.spec import (
    EXT,
    GATEWAY_RESPONSE_PARAM,
    MAX_COMPRESSION,
    MODEL_NAME,
    MODEL_URL_RE,
    OAS30_VERSION,
    STATUS_CODE,
)
from gateway.control.openapi.text import _unescape, pointer, pointer_join
from gateway.model.errors import Problem
from gateway.model.resources import (
    ENDPOINT_TYPES,
    GatewayResponse,
    Method,
    RequestValidator,
    RestApi,
)
from gateway.model.responses import RESPONSE_TYPES

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


class _DocumentReader:
    """The document as a whole: version, info, schemas, the API's extensions, security schemes,
    validators and gateway responses, and the helpers every part of the reading uses."""

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
