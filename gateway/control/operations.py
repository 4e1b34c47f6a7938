"""Management operations: what the API Gateway console and AWS CLI do to the model.

Each function changes the account in place and validates as AWS does; nothing here calls a
backend. Changes reach callers only through `create_deployment`.
"""

from __future__ import annotations

import copy
from typing import Any

from gateway.model.errors import ConflictError, NotFoundError, Problem, ValidationError, require
from gateway.model.resources import (
    HTTP_METHODS,
    PATH_PART,
    STAGE_NAME,
    VARIABLE_NAME,
    VARIABLE_VALUE,
    Account,
    Behaviour,
    CanarySettings,
    Deployment,
    DeploymentHistoryEntry,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    LambdaFunction,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    Permission,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    lambda_invocation_uri,
)
from gateway.model.responses import RESPONSE_TYPES


def get_api(account: Account, api_id: str) -> RestApi:
    try:
        return account.restApis[api_id]
    except KeyError:
        raise NotFoundError(f"Invalid API identifier specified {account.accountId}:{api_id}") from None


def get_resource(api: RestApi, resource_id: str) -> Resource:
    try:
        return api.resources[resource_id]
    except KeyError:
        raise NotFoundError(f"Invalid Resource identifier specified: {resource_id}") from None


def get_method(api: RestApi, resource_id: str, http_method: str) -> Method:
    resource = get_resource(api, resource_id)
    try:
        return resource.resourceMethods[http_method.upper()]
    except KeyError:
        raise NotFoundError(f"Invalid Method identifier specified: {resource.path} {http_method}") from None


def get_stage(api: RestApi, stage_name: str) -> Stage:
    return require(api.stages, stage_name, f"Invalid Stage identifier specified: {stage_name}")


# ---------------------------------------------------------------------------------------
# APIs, resources, methods


def create_rest_api(
    account: Account,
    name: str,
    *,
    description: str | None = None,
    endpoint_type: str = "EDGE",
    now: float = 0.0,
    **fields: Any,
) -> RestApi:
    api = RestApi(
        id=account.next_id(),
        name=name,
        description=description,
        createdDate=now,
        endpointConfiguration={"types": [endpoint_type]},
        **fields,
    )
    root = Resource(id=account.next_id(), parentId=None, pathPart=None, path="/")
    api.resources[root.id] = root
    api.validate()
    account.restApis[api.id] = api
    return api


def create_resource(account: Account, api: RestApi, parent_id: str, path_part: str) -> Resource:
    parent = get_resource(api, parent_id)
    if not PATH_PART.match(path_part or ""):
        raise ValidationError(Problem("pathPart", "use letters, digits and -._~, or {param}, or {proxy+}"))
    if parent.pathPart and parent.pathPart.endswith("+}"):
        raise ValidationError(Problem("pathPart", "a greedy {proxy+} resource cannot have children"))
    siblings = [r for r in api.resources.values() if r.parentId == parent.id]
    if any(r.pathPart == path_part for r in siblings):
        raise ConflictError(f"Another resource with the same parent already has this name: {path_part}")
    if path_part.startswith("{") and any((r.pathPart or "").startswith("{") for r in siblings):
        raise ConflictError("A sibling ({}) of this resource already has a variable path part -- only one is allowed")
    path = ("" if parent.path == "/" else parent.path) + "/" + path_part
    resource = Resource(id=account.next_id(), parentId=parent.id, pathPart=path_part, path=path)
    api.resources[resource.id] = resource
    return resource


def create_resource_path(account: Account, api: RestApi, path: str) -> Resource:
    """Create every missing resource along `path` ("/pets/{petId}") and return the last one."""
    current = api.root
    for part in [p for p in path.split("/") if p]:
        child = next((r for r in api.resources.values() if r.parentId == current.id and r.pathPart == part), None)
        current = child or create_resource(account, api, current.id, part)
    return current


def rename_resource(api: RestApi, resource_id: str, path_part: str) -> Resource:
    """UpdateResource's /pathPart: the resource and every path under it follow."""
    resource = get_resource(api, resource_id)
    if resource.parentId is None:
        raise ValidationError(Problem("pathPart", "the root resource cannot be renamed"))
    if not PATH_PART.match(path_part or ""):
        raise ValidationError(Problem("pathPart", "use letters, digits and -._~, or {param}, or {proxy+}"))
    siblings = [r for r in api.resources.values() if r.parentId == resource.parentId and r.id != resource.id]
    if any(r.pathPart == path_part for r in siblings):
        raise ConflictError(f"Another resource with the same parent already has this name: {path_part}")
    if path_part.endswith("+}") and any(r.parentId == resource.id for r in api.resources.values()):
        raise ValidationError(Problem("pathPart", "a greedy {proxy+} resource cannot have children"))
    resource.pathPart = path_part

    def repath(node: Resource) -> None:
        parent = api.resources[node.parentId] if node.parentId else None
        node.path = "/" if parent is None else ("" if parent.path == "/" else parent.path) + "/" + (node.pathPart or "")
        for child in [r for r in api.resources.values() if r.parentId == node.id]:
            repath(child)

    repath(resource)
    _validate(api)
    return resource


def delete_resource(api: RestApi, resource_id: str) -> None:
    resource = get_resource(api, resource_id)
    if resource.parentId is None:
        raise ValidationError(Problem("resource", "the root resource cannot be deleted"))
    doomed = {resource.id}
    changed = True
    while changed:
        changed = False
        for r in api.resources.values():
            if r.parentId in doomed and r.id not in doomed:
                doomed.add(r.id)
                changed = True
    for rid in doomed:
        del api.resources[rid]


def put_method(
    api: RestApi, resource_id: str, http_method: str, *, authorization_type: str = "NONE", **fields: Any
) -> Method:
    resource = get_resource(api, resource_id)
    verb = http_method.upper()
    if verb not in HTTP_METHODS:
        raise ValidationError(Problem("httpMethod", f"must be one of {', '.join(HTTP_METHODS)}"))
    method = Method(httpMethod=verb, authorizationType=authorization_type, **fields)
    previous = resource.resourceMethods.get(verb)
    if previous:  # AWS's PutMethod replaces the method request; keep its integration and responses
        method.methodIntegration, method.methodResponses = previous.methodIntegration, previous.methodResponses
    resource.resourceMethods[verb] = method
    _validate(api)
    return method


def update_method(api: RestApi, resource_id: str, http_method: str, **fields: Any) -> Method:
    method = get_method(api, resource_id, http_method)
    backup = copy.deepcopy(method)
    for key, value in fields.items():
        if not hasattr(method, key):
            raise ValidationError(Problem(key, "not a method field"))
        setattr(method, key, value)
    try:
        _validate(api)
    except ValidationError:
        get_resource(api, resource_id).resourceMethods[method.httpMethod] = backup
        raise
    return method


def delete_method(api: RestApi, resource_id: str, http_method: str) -> None:
    get_method(api, resource_id, http_method)
    del get_resource(api, resource_id).resourceMethods[http_method.upper()]


def put_integration(
    api: RestApi, resource_id: str, http_method: str, integration_type: str, **fields: Any
) -> Integration:
    method = get_method(api, resource_id, http_method)
    if "integrationHttpMethod" in fields:
        fields["httpMethod"] = fields.pop("integrationHttpMethod")
    if integration_type in ("AWS_PROXY", "HTTP_PROXY") and "httpMethod" not in fields:
        fields["httpMethod"] = "POST" if integration_type == "AWS_PROXY" else method.httpMethod
    uri = fields.get("uri")
    if integration_type in ("AWS", "AWS_PROXY") and uri and uri.startswith("arn:aws:lambda:"):
        # The console takes a function ARN; the API stores the invocation URI.
        fields["uri"] = lambda_invocation_uri(uri)
    integration = Integration(type=integration_type, **fields)
    problems = integration.problems("integration")
    if problems:
        raise ValidationError(problems)
    previous = method.methodIntegration
    if previous and previous.type == integration_type:
        integration.integrationResponses = previous.integrationResponses
    method.methodIntegration = integration
    return integration


def put_integration_response(
    api: RestApi, resource_id: str, http_method: str, status_code: str, **fields: Any
) -> IntegrationResponse:
    method = get_method(api, resource_id, http_method)
    if method.methodIntegration is None:
        raise NotFoundError("No integration defined for method")
    response = IntegrationResponse(statusCode=str(status_code), **fields)
    backup = method.methodIntegration.integrationResponses.get(response.statusCode)
    method.methodIntegration.integrationResponses[response.statusCode] = response
    problems = method.methodIntegration.problems("integration")
    if problems:
        if backup:
            method.methodIntegration.integrationResponses[response.statusCode] = backup
        else:
            del method.methodIntegration.integrationResponses[response.statusCode]
        raise ValidationError(problems)
    return response


def put_method_response(
    api: RestApi, resource_id: str, http_method: str, status_code: str, **fields: Any
) -> MethodResponse:
    method = get_method(api, resource_id, http_method)
    response = MethodResponse(statusCode=str(status_code), **fields)
    method.methodResponses[response.statusCode] = response
    return response


def create_model(
    account: Account, api: RestApi, name: str, schema: str, content_type: str = "application/json"
) -> Model:
    if name in api.models:
        raise ConflictError(f"Model name already exists for this REST API: {name}")
    model = Model(id=account.next_id(6), name=name, contentType=content_type, schema=schema)
    api.models[name] = model
    _validate(api, undo=lambda: api.models.pop(name))
    return model


def create_request_validator(
    account: Account, api: RestApi, name: str, *, body: bool = False, parameters: bool = False
) -> RequestValidator:
    validator = RequestValidator(
        id=account.next_id(6), name=name, validateRequestBody=body, validateRequestParameters=parameters
    )
    api.requestValidators[validator.id] = validator
    return validator


def put_gateway_response(
    api: RestApi,
    response_type: str,
    *,
    status_code: str | None = None,
    parameters: dict | None = None,
    templates: dict | None = None,
) -> GatewayResponse:
    if response_type not in RESPONSE_TYPES:
        raise ValidationError(Problem("responseType", f"must be one of {', '.join(sorted(RESPONSE_TYPES))}"))
    response = GatewayResponse(
        responseType=response_type,
        statusCode=str(status_code) if status_code else None,
        responseParameters=parameters or {},
        responseTemplates=templates or {},
    )
    api.gatewayResponses[response_type] = response
    return response


def _validate(api: RestApi, undo=None) -> None:
    problems = api.problems()
    if problems:
        if undo:
            undo()
        raise ValidationError(problems)


# ---------------------------------------------------------------------------------------
# Deployments, stages, canaries


def _check_variables(variables: dict[str, str], where: str) -> None:
    problems = [
        Problem(f"{where}.{name}", "names use letters, digits and underscores (at most 64)")
        for name in variables
        if not VARIABLE_NAME.match(name)
    ]
    problems += [
        Problem(f"{where}.{name}", "values use letters, digits and -._~:/?#&=, (at most 512)")
        for name, value in variables.items()
        if not VARIABLE_VALUE.match(str(value))
    ]
    if problems:
        raise ValidationError(problems)


def create_deployment(
    account: Account,
    api: RestApi,
    *,
    stage_name: str | None = None,
    description: str | None = None,
    stage_description: str | None = None,
    variables: dict[str, str] | None = None,
    canary: CanarySettings | dict | None = None,
    now: float = 0.0,
) -> Deployment:
    """Freeze the API as it is now; with a stage name, point that stage (created if new) at it.

    With `canary` the new deployment goes to the stage's canary instead, and the stage keeps
    serving its current deployment to the other requests.
    """
    api.validate()
    if not any(r.resourceMethods for r in api.resources.values()):
        raise ValidationError(Problem("resources", "The REST API doesn't contain any methods"))
    deployment = Deployment(id=account.next_id(6), description=description, createdDate=now, snapshot=api.definition())
    api.deployments[deployment.id] = deployment
    if stage_name:
        stage = api.stages.get(stage_name)
        if canary is not None:
            if stage is None:
                raise NotFoundError(f"A canary needs an existing stage: {stage_name}")
            settings = canary if isinstance(canary, CanarySettings) else CanarySettings.from_dict(canary)
            settings.deploymentId = deployment.id
            update_canary(stage, settings)
        elif stage is None:
            create_stage(api, stage_name, deployment.id, description=stage_description, variables=variables, now=now)
        else:
            point_stage(stage, deployment.id, now, "deploy")
            if variables is not None:
                update_stage_variables(stage, variables)
    return deployment


def create_stage(
    api: RestApi,
    stage_name: str,
    deployment_id: str,
    *,
    description: str | None = None,
    variables: dict[str, str] | None = None,
    now: float = 0.0,
) -> Stage:
    if not STAGE_NAME.match(stage_name):
        raise ValidationError(Problem("stageName", "use letters, digits, hyphens and underscores (at most 128)"))
    if stage_name in api.stages:
        raise ConflictError(f"Stage already exists: {stage_name}")
    if deployment_id not in api.deployments:
        raise NotFoundError(f"Invalid Deployment identifier specified: {deployment_id}")
    _check_variables(variables or {}, "variables")
    stage = Stage(
        stageName=stage_name,
        deploymentId=deployment_id,
        description=description,
        variables=dict(variables or {}),
        createdDate=now,
        lastUpdatedDate=now,
        history=[DeploymentHistoryEntry(deployment_id, now, "deploy")],
    )
    api.stages[stage_name] = stage
    return stage


def point_stage(stage: Stage, deployment_id: str, now: float, reason: str) -> None:
    stage.deploymentId = deployment_id
    stage.lastUpdatedDate = now
    stage.history.append(DeploymentHistoryEntry(deployment_id, now, reason))


def rollback_stage(api: RestApi, stage_name: str, deployment_id: str, now: float = 0.0) -> Stage:
    """Point the stage at an earlier deployment: AWS's rollback."""
    stage = get_stage(api, stage_name)
    if deployment_id not in api.deployments:
        raise NotFoundError(f"Invalid Deployment identifier specified: {deployment_id}")
    point_stage(stage, deployment_id, now, "rollback")
    return stage


def update_stage_variables(stage: Stage, variables: dict[str, str]) -> None:
    _check_variables(variables, "variables")
    stage.variables = dict(variables)


def update_method_settings(stage: Stage, key: str, **fields: Any) -> MethodSetting:
    """`key` is "*/*" for the whole stage or "~1pets/GET" (path with / as ~1, then the method)."""
    return stage.update_method_settings(key, **fields)


def update_canary(stage: Stage, settings: CanarySettings) -> None:
    if not 0.0 <= settings.percentTraffic <= 100.0:
        raise ValidationError(Problem("canarySettings.percentTraffic", "must be between 0.0 and 100.0"))
    _check_variables(settings.stageVariableOverrides, "canarySettings.stageVariableOverrides")
    stage.canarySettings = settings


def promote_canary(api: RestApi, stage_name: str, now: float = 0.0) -> Stage:
    """The canary's deployment (and its variable overrides) become the stage's; the canary ends."""
    stage = get_stage(api, stage_name)
    if not stage.canarySettings:
        raise NotFoundError(f"Stage {stage_name} has no canary")
    canary = stage.canarySettings
    stage.variables = {**stage.variables, **canary.stageVariableOverrides}
    point_stage(stage, canary.deploymentId, now, "promote")
    stage.canarySettings = None
    return stage


def delete_canary(api: RestApi, stage_name: str) -> Stage:
    stage = get_stage(api, stage_name)
    stage.canarySettings = None
    return stage


def delete_stage(api: RestApi, stage_name: str) -> None:
    get_stage(api, stage_name)
    del api.stages[stage_name]


# ---------------------------------------------------------------------------------------
# Lambda functions


def create_function(
    account: Account, name: str, behaviour: Behaviour | dict | None = None, *, allow_api_gateway: bool = True
) -> LambdaFunction:
    if name in account.functions:
        raise ConflictError(f"Function already exist: {name}")
    if isinstance(behaviour, dict):
        behaviour = Behaviour.from_dict(behaviour)
    function = LambdaFunction(name=name, versions={"$LATEST": behaviour or Behaviour()})
    if allow_api_gateway:  # what the console adds when you pick the function for an integration
        function.permissions.append(Permission(f"arn:aws:execute-api:{account.region}:{account.accountId}:*"))
    account.functions[name] = function
    return function


def create_alias(account: Account, function_name: str, alias: str, version: str) -> None:
    function = account.functions.get(function_name)
    if function is None:
        raise NotFoundError(f"Function not found: {function_name}")
    if version not in function.versions:
        raise NotFoundError(f"Version {version} of {function_name} does not exist")
    function.aliases[alias] = version


def add_permission(account: Account, function_name: str, source_arn: str, qualifier: str | None = None) -> None:
    """lambda:AddPermission for apigateway.amazonaws.com with a SourceArn (wildcards allowed)."""
    function = account.functions.get(function_name)
    if function is None:
        raise NotFoundError(f"Function not found: {function_name}")
    if qualifier and qualifier not in function.aliases and qualifier not in function.versions:
        raise NotFoundError(f"Alias or version {qualifier} of {function_name} does not exist")
    permission = Permission(source_arn, qualifier)
    if permission not in function.permissions:
        function.permissions.append(permission)


# ---------------------------------------------------------------------------------------
# Ready-made functions for teaching

TEACHING_FUNCTIONS: dict[str, dict[str, Any]] = {
    "echo": {"kind": "echo", "durationMs": 15},
    "hello": {"kind": "hello", "durationMs": 10},
    "pets": {"kind": "pets", "table": "Pets", "durationMs": 35},
    "slow": {"kind": "echo", "durationMs": 35_000},
    "broken": {"kind": "response", "response": {"status": 200, "message": "not a proxy response"}, "durationMs": 12},
    "failing": {
        "kind": "error",
        "message": "NotFound: the pet does not exist",
        "errorType": "NotFoundError",
        "durationMs": 8,
    },
}


def install_teaching_functions(account: Account) -> list[str]:
    """echo, hello, pets (CRUD over the simulated DynamoDB table Pets), slow (35 s), broken
    (malformed proxy output: 502) and failing (raises): the ones the labs and notes use."""
    from gateway.integrations.backends import seed_pets

    created = []
    for name, behaviour in TEACHING_FUNCTIONS.items():
        if name not in account.functions:
            create_function(account, name, behaviour)
            created.append(name)
    account.dynamodbTables.setdefault("Pets", {"key": "id", "items": {}})
    seed_pets(account, "Pets")
    return created
