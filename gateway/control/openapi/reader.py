"""Import, first half: the document as a whole, read into a plan (no ids yet), every problem
reported with the JSON pointer of the value at fault.

Security schemes become what they mean to API Gateway: an API key requirement, AWS_IAM
(x-amazon-apigateway-authtype awsSigv4), or an authorizer (x-amazon-apigateway-authorizer: a
Lambda token or request authorizer, or Cognito user pools) named after its scheme; `paths`
points the methods whose `security` names a scheme at it, and `build` gives authorizers their ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from gateway.control.openapi.spec import (
    AUTHORIZER_FIELDS,
    AUTHORIZER_TTL_MAX,
    AUTHORIZER_TYPES,
    EXT,
    GATEWAY_RESPONSE_PARAM,
    HTTP_API_AUTHORIZER_FIELDS,
    IDENTITY_HEADER,
    IDENTITY_SOURCE,
    MAX_COMPRESSION,
    MODEL_NAME,
    MODEL_URL_RE,
    OAS30_VERSION,
    POLICY_VERSIONS,
    STATUS_CODE,
    USER_POOL_ARN,
)
from gateway.control.openapi.text import _unescape, pointer, pointer_join
from gateway.model.errors import Problem
from gateway.model.resources import (
    ENDPOINT_TYPES,
    LAMBDA_FUNCTION_ARN,
    LAMBDA_INVOKE_URI,
    Authorizer,
    GatewayResponse,
    Method,
    RequestValidator,
    RestApi,
    lambda_invocation_uri,
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
    authorizer: Authorizer | None = None  # kind authorizer, when it was read without a problem


@dataclass
class _Plan:
    fields: dict[str, Any] = field(default_factory=dict)  # RestApi fields the document sets
    # path -> verb -> Method; requestValidatorId holds the validator's NAME until built
    paths: dict[str, dict[str, Method]] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)  # model name -> JSON schema (refs not yet rewritten)
    model_types: dict[str, str] = field(default_factory=dict)  # model name -> content type
    validators: dict[str, RequestValidator] = field(default_factory=dict)  # by name
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    # by scheme name (= the authorizer's name); a method's authorizerId holds that NAME until built
    authorizers: dict[str, Authorizer] = field(default_factory=dict)


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
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-api-key-source.html
        key = EXT + "api-key-source"
        if key in doc:
            source = doc[key]
            if isinstance(source, str) and source.upper() in ("HEADER", "AUTHORIZER"):
                fields["apiKeySource"] = source.upper()
            else:
                self.error(
                    pointer(key),
                    "must be HEADER or AUTHORIZER (the X-API-Key header, or a Lambda authorizer's usageIdentifierKey)",
                )
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-binary-media-types.html
        # (a JSON array of media types; AWS gives no pattern: the simulator asks for a type/subtype)
        key = EXT + "binary-media-types"
        if key in doc:
            types = doc[key]
            if isinstance(types, list):
                for i, media_type in enumerate(types):
                    if not (isinstance(media_type, str) and "/" in media_type.strip("/")):
                        self.error(pointer(key, i), "must be a media type such as image/png, image/* or */*")
                if all(isinstance(t, str) for t in types):
                    fields["binaryMediaTypes"] = list(types)
            else:
                self.error(pointer(key), "must be a list of media types such as image/png or */*")
        key = EXT + "policy"
        if key in doc:
            self.read_policy(doc[key], pointer(key))
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

    def read_policy(self, value: Any, where: str) -> None:
        """The resource policy, as an object or as JSON text; stored as JSON text in RestApi.policy.

        `execute-api:/...` resources stay as written: AWS turns them into the API's ARN on
        import, the simulator when it evaluates the policy. gateway.control may not import
        gateway.auth (sibling layers in pyproject's importlinter contracts), so
        gateway.auth.iam.policy_problems is out of reach here: this checks the policy's shape only
        (elements, Version, Statement, Effect, Action, Resource, Principal)."""
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html
        as_text = isinstance(value, str)
        if as_text:
            try:
                value = json.loads(value)
            except ValueError as exc:
                self.error(where, f"not valid JSON: {exc}")
                return
        if not isinstance(value, dict):
            self.error(where, "must be an IAM policy document: an object with Version and Statement")
            return
        errors_before = len(self.errors)

        def problem(parts: tuple[Any, ...], message: str) -> None:
            if as_text:  # no pointer reaches inside a string: name the element in the message
                self.error(where, f"{'/'.join(str(p) for p in parts)}: {message}")
            else:
                self.error(pointer_join(where, *parts), message)

        for key in value:
            if key not in ("Version", "Id", "Statement"):
                problem((key,), "unknown policy element (a policy has Version, Id and Statement)")
        if "Version" in value and value["Version"] not in POLICY_VERSIONS:
            problem(("Version",), f"must be {POLICY_VERSIONS[0]} (or the older {POLICY_VERSIONS[1]})")
        statements = value.get("Statement")
        listed = isinstance(statements, list)
        if statements is None:
            problem(("Statement",), "missing: a policy needs a Statement")
        elif not (isinstance(statements, dict) or (listed and statements)):
            problem(("Statement",), "must be a statement object or a non-empty list of them")
        for i, statement in enumerate(statements if listed else [statements] if isinstance(statements, dict) else []):
            parts: tuple[Any, ...] = ("Statement", i) if listed else ("Statement",)
            if not isinstance(statement, dict):
                problem(parts, "a statement must be an object")
                continue
            if statement.get("Effect") not in ("Allow", "Deny"):
                problem((*parts, "Effect"), 'must be "Allow" or "Deny"')
            for pair in (("Action", "NotAction"), ("Resource", "NotResource")):
                present = [name for name in pair if name in statement]
                if len(present) != 1:
                    problem((*parts, pair[0]), f"a statement needs {pair[0]} or {pair[1]} (one of them)")
                    continue
                items = statement[present[0]]
                if not (isinstance(items, str) or (isinstance(items, list) and items)) or not all(
                    isinstance(item, str) for item in (items if isinstance(items, list) else [items])
                ):
                    problem((*parts, present[0]), "must be a string or a non-empty list of strings")
            if "Principal" not in statement and "NotPrincipal" not in statement:
                problem((*parts, "Principal"), "a resource policy statement needs a Principal (or NotPrincipal)")
        if len(self.errors) == errors_before:
            self.plan.fields["policy"] = json.dumps(value)

    def read_endpoint_configuration(self, value: Any, where: str) -> None:
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-endpoint-configuration.html
        # AWS documents disableExecuteApiEndpoint and vpcEndpointIds (PRIVATE APIs only) for REST APIs,
        # and ipAddressType for HTTP APIs; `types` is not on that page (AWS takes the endpoint type
        # from ImportRestApi's endpointConfigurationTypes parameter). The simulator reads and
        # exports `types` too, so that an export carries its endpoint type back.
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
        configured = self.plan.fields.get("endpointConfiguration", {})
        kind = configured.get("types") or (self.target.endpointConfiguration.get("types") if self.target else None)
        if "vpcEndpointIds" in endpoint and (kind or ["EDGE"])[0] != "PRIVATE":
            self.warn(pointer_join(where, "vpcEndpointIds"), "VPC endpoint ids apply only to a PRIVATE API")

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
            # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authtype.html
            # The authtype is free-form for a Lambda authorizer; awsSigv4, and any term prefixed
            # by aws, are reserved (IAM authorization).
            authtype = scheme.get(EXT + "authtype")
            if authtype is not None and not isinstance(authtype, str):
                self.error(pointer_join(scheme_where, EXT + "authtype"), "must be a string")
                authtype = None
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
        """An authorizer from the scheme's x-amazon-apigateway-authorizer, named after the scheme.

        TOKEN and Cognito authorizers read the token from the header the scheme names (`name`,
        `in: header`); a REQUEST authorizer takes `identitySource`, or the single header or query
        parameter the scheme names. Methods whose `security` names the scheme use it (`paths`).
        """
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
        key, errors_before = EXT + "authorizer", len(self.errors)
        auth_where = pointer_join(where, key)
        authtype = scheme.get(EXT + "authtype")
        if key not in scheme:
            self.error(
                auth_where,
                f"missing: x-amazon-apigateway-authtype {authtype} needs an x-amazon-apigateway-authorizer "
                "(type token, request or cognito_user_pools)",
            )
            return _Scheme("ignored", name, scheme)
        if isinstance(authtype, str) and authtype.lower().startswith("aws"):
            self.error(
                pointer_join(where, EXT + "authtype"),
                f"{authtype!r}: terms starting with aws (awsSigv4) are reserved for IAM authorization, "
                "not an authorizer; use custom, cognito_user_pools or a name of your own",
            )
        data = self.object(scheme[key], auth_where)
        if data is None:
            return _Scheme("authorizer", name, scheme)
        # AWS: the scheme's type "must be apiKey for an API Gateway API"
        if scheme.get("type") != "apiKey":
            self.error(pointer_join(where, "type"), 'must be "apiKey" for an API Gateway authorizer')
        kind = data.get("type")
        if not (isinstance(kind, str) and kind.lower() in AUTHORIZER_TYPES):
            if isinstance(kind, str) and kind.lower() == "jwt":
                message = "jwt authorizers are for HTTP APIs: a REST API takes token, request or cognito_user_pools"
            elif kind is None:
                message = "missing: the authorizer type, token, request or cognito_user_pools"
            else:
                message = f"unknown authorizer type {kind!r}: must be token, request or cognito_user_pools"
            self.error(pointer_join(auth_where, "type"), message)
            kind = None
        else:
            kind = AUTHORIZER_TYPES[kind.lower()]
        authorizer = Authorizer(
            name=name, type=kind or "TOKEN", authType=authtype if isinstance(authtype, str) else None
        )
        self.read_authorizer_function(authorizer, data, auth_where, kind)
        if "identityValidationExpression" in data:
            field_where = pointer_join(auth_where, "identityValidationExpression")
            expression = self.text(data["identityValidationExpression"], field_where)
            if expression is not None:
                try:
                    re.compile(expression)
                    authorizer.identityValidationExpression = expression
                except re.error as exc:
                    self.error(field_where, f"not a valid regular expression: {exc}")
        if "authorizerResultTtlInSeconds" in data:  # AWS's table says string; its examples write a number
            field_where, ttl = (
                pointer_join(auth_where, "authorizerResultTtlInSeconds"),
                data["authorizerResultTtlInSeconds"],
            )
            if isinstance(ttl, str) and ttl.strip().isdigit():
                ttl = int(ttl)
            if isinstance(ttl, int) and not isinstance(ttl, bool) and 0 <= ttl <= AUTHORIZER_TTL_MAX:
                authorizer.authorizerResultTtlInSeconds = ttl
            else:
                self.error(
                    field_where, f"must be a whole number of seconds from 0 (no caching) to {AUTHORIZER_TTL_MAX}"
                )
        self.read_identity_source(authorizer, scheme, data, where, kind)
        if "providerARNs" in data and kind in ("TOKEN", "REQUEST"):
            self.warn(
                pointer_join(auth_where, "providerARNs"), "only a cognito_user_pools authorizer has user pools; ignored"
            )
        elif "providerARNs" in data:
            arns, arns_where = data["providerARNs"], pointer_join(auth_where, "providerARNs")
            if not isinstance(arns, list) or not arns:
                self.error(arns_where, "must be a non-empty list of user pool ARNs")
            for i, arn in enumerate(arns if isinstance(arns, list) else []):
                if not (isinstance(arn, str) and USER_POOL_ARN.match(arn)):
                    self.error(
                        pointer_join(arns_where, i),
                        "must be a user pool ARN: arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID",
                    )
            if isinstance(arns, list):
                authorizer.providerARNs = [arn for arn in arns if isinstance(arn, str)]
        elif kind == "COGNITO_USER_POOLS":
            self.error(
                pointer_join(auth_where, "providerARNs"),
                "missing: a cognito_user_pools authorizer needs its user pool ARNs",
            )
        for other in data:
            if other in HTTP_API_AUTHORIZER_FIELDS:
                self.warn(pointer_join(auth_where, other), f"{other} is for HTTP API authorizers; ignored")
            elif other not in AUTHORIZER_FIELDS:
                self.warn(pointer_join(auth_where, other), f"unknown authorizer setting {other!r}; ignored")
        if len(self.errors) > errors_before:
            return _Scheme("authorizer", name, scheme)
        self.plan.authorizers[name] = authorizer
        return _Scheme("authorizer", name, scheme, authorizer)

    def read_authorizer_function(self, authorizer: Authorizer, data: dict[str, Any], where: str, kind: Any) -> None:
        """A Lambda authorizer's function (its invocation URI) and the role that invokes it."""
        uri_where = pointer_join(where, "authorizerUri")
        if "authorizerUri" in data and kind == "COGNITO_USER_POOLS":
            self.warn(uri_where, "a cognito_user_pools authorizer calls no function; ignored")
        elif "authorizerUri" in data:
            uri = self.text(data["authorizerUri"], uri_where)
            if uri is not None and LAMBDA_FUNCTION_ARN.match(uri):
                uri = lambda_invocation_uri(uri)
                self.warn(
                    uri_where,
                    "an authorizer takes the Lambda invocation URI "
                    "(arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/FUNCTION_ARN/invocations); converted",
                )
            match = LAMBDA_INVOKE_URI.match(uri or "")
            if uri is not None and not (match and LAMBDA_FUNCTION_ARN.match(match["function"])):
                self.error(
                    uri_where,
                    "must be a Lambda invocation URI: arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/"
                    "arn:aws:lambda:REGION:ACCOUNT:function:NAME/invocations",
                )
            authorizer.authorizerUri = uri
        elif kind in ("TOKEN", "REQUEST"):
            self.error(uri_where, "missing: a Lambda authorizer needs the invocation URI of its function")
        if "authorizerCredentials" in data:
            role_where = pointer_join(where, "authorizerCredentials")
            role = self.text(data["authorizerCredentials"], role_where)
            if role is not None and not role.startswith("arn:"):
                self.error(role_where, "must be the ARN of an IAM role (arn:aws:iam::ACCOUNT:role/NAME)")
            authorizer.authorizerCredentials = role

    def read_identity_source(
        self, authorizer: Authorizer, scheme: dict[str, Any], data: dict[str, Any], where: str, kind: Any
    ) -> None:
        """Where the caller's identity is: the header the scheme names (token, Cognito), or the
        authorizer's identitySource (request)."""
        auth_where = pointer_join(where, EXT + "authorizer")
        source_where = pointer_join(auth_where, "identitySource")
        source = self.text(data["identitySource"], source_where) if "identitySource" in data else None
        header, location = scheme.get("name"), scheme.get("in")
        named = isinstance(header, str) and header.strip() and header != "Unused"
        if kind in ("TOKEN", "COGNITO_USER_POOLS"):
            # AWS: `name` is "the name of the header containing the authorization token"; `in` "must be header".
            # AWS documents identitySource for request authorizers only; the simulator takes one
            # here too, if it names a single header.
            if location != "header":
                self.error(pointer_join(where, "in"), "must be header: the token comes in a header")
            if source is not None:
                if not IDENTITY_HEADER.match(source):
                    self.error(source_where, "must be one header: method.request.header.NAME")
            elif named:
                source = f"method.request.header.{header.strip()}"
            else:
                self.error(pointer_join(where, "name"), "missing: the name of the header that carries the token")
        elif kind == "REQUEST":
            # AWS: `name`/`in` are "the name of a single header or query parameter as the identity source",
            # "Unused" when identitySource lists several; `in` "header" or "query".
            if location not in ("header", "query"):
                self.error(pointer_join(where, "in"), "must be header or query")
            if source is None and named and location in ("header", "query"):
                source = f"method.request.{'header' if location == 'header' else 'querystring'}.{header.strip()}"
            for part in (source or "").split(","):
                if source is not None and not IDENTITY_SOURCE.match(part.strip()):
                    self.error(
                        source_where,
                        f"{part.strip()!r} is not an identity source: use method.request.header.NAME, "
                        "method.request.querystring.NAME, stageVariables.NAME or context.NAME, comma-separated",
                    )
            if source is None and authorizer.authorizerResultTtlInSeconds > 0:
                # AWS: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html, identitySource
                # "is required when authorization caching is enabled"
                self.error(source_where, "missing: a request authorizer that caches its results needs identity sources")
        authorizer.identitySource = source

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
