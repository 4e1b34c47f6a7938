"""Import, second half: paths, operations, parameters, bodies, responses, security and integrations."""

from __future__ import annotations

import re
from typing import Any

from gateway.control.openapi.reader import _DocumentReader, _Scheme
from gateway.control.openapi.spec import (
    ANY_METHOD,
    AUTH_TYPES,
    CONTENT_HANDLING,
    EXT,
    INTEGRATION_FIELDS,
    INTEGRATION_REQUEST_PARAM,
    METHOD_REQUEST_PARAM,
    METHOD_RESPONSE_HEADER,
    OPERATIONS,
    PARAM_LOCATIONS,
    PATH_ITEM_FIELDS,
    STATUS_CODE,
)
from gateway.control.openapi.text import _model_name, pointer, pointer_join
from gateway.model.resources import (
    HTTP_METHODS,
    INTEGRATION_TYPES,
    PASSTHROUGH,
    PATH_PART,
    TIMEOUT_MAX_MS,
    TIMEOUT_MIN_MS,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    lambda_invocation_uri,
)


class _Reader(_DocumentReader):
    """The whole reading: the document, then its paths, operations and integrations."""

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
                method.authorizationType = auth_type.upper()  # and not an authorizer any more
                method.authorizerId, method.authorizationScopes = None, []
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
                    if method.authorizerId is not None:
                        self.error(
                            pointer_join(sec_where, i, name),
                            f"a method is authorized one way: it already uses the authorizer {method.authorizerId!r}",
                        )
                    else:
                        method.authorizationType = "AWS_IAM"
                elif scheme.kind == "authorizer":
                    self._use_authorizer(method, scheme, scopes, pointer_join(sec_where, i, name))

    def _use_authorizer(self, method: Method, scheme: _Scheme, scopes: Any, where: str) -> None:
        """The method uses the scheme's authorizer: authorizationType CUSTOM (Lambda) or
        COGNITO_USER_POOLS, authorizerId the scheme's name until `build` gives it its id, and for
        Cognito the requirement's scopes as authorizationScopes (an access token must carry one)."""
        # AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
        # AWS does not say what a method whose security lists two authorizers (or an authorizer
        # and awsSigv4) becomes; a method has one authorization type, so the simulator refuses it.
        if method.authorizationType == "AWS_IAM" or method.authorizerId not in (None, scheme.name):
            using = f"the authorizer {method.authorizerId!r}" if method.authorizerId else "AWS_IAM (awsSigv4)"
            self.error(where, f"a method is authorized one way: it already uses {using}")
            return
        if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
            self.error(where, "must be a list of scopes (strings), [] for none")
            scopes = []
        authorizer = scheme.authorizer
        if authorizer is None:  # the scheme's problems are reported already
            return
        cognito = authorizer.type == "COGNITO_USER_POOLS"
        method.authorizationType = "COGNITO_USER_POOLS" if cognito else "CUSTOM"
        method.authorizerId = scheme.name
        if scopes and not cognito:
            self.warn(where, "scopes apply to Cognito user pool authorizers only; ignored")
        elif scopes:
            method.authorizationScopes += [scope for scope in scopes if scope not in method.authorizationScopes]

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
