"""The API Gateway resource model, with AWS's field names and defaults.

Every class is a dataclass whose `to_dict()` is AWS's JSON shape (camelCase, as the REST
API and OpenAPI extensions use it) and whose `from_dict()` reads it back:
`X.from_dict(x.to_dict()) == x` for the whole account state, so the web app can store it.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from gateway.model.errors import Problem, ValidationError
from gateway.model.shape import Shape

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
INTEGRATION_TYPES = ("MOCK", "HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY")
PASSTHROUGH = ("WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER")
ENDPOINT_TYPES = ("EDGE", "REGIONAL", "PRIVATE")
AUTHORIZATION_TYPES = ("NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS")
TIMEOUT_MIN_MS, TIMEOUT_MAX_MS, TIMEOUT_DEFAULT_MS = 50, 29_000, 29_000
STAGE_VAR = r"\$\{stageVariables\.[A-Za-z0-9_]+\}"
LAMBDA_FUNCTION_ARN = re.compile(
    rf"^arn:aws:lambda:[a-z0-9-]+:\d{{12}}:function:(?:[A-Za-z0-9_-]+|{STAGE_VAR})+(?::(?:[A-Za-z0-9_$-]+|{STAGE_VAR})+)?$"
)
LAMBDA_INVOKE_URI = re.compile(
    r"^arn:aws:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/(?P<function>.+)/invocations$"
)
AWS_SERVICE_URI = re.compile(
    r"^arn:aws:apigateway:[a-z0-9-]+:(?P<service>[a-z0-9-]+):(?P<kind>action|path)/(?P<rest>.+)$"
)
HTTP_URI = re.compile(rf"^https?://(?:[^\s/]|{STAGE_VAR})+(?:/\S*)?$")
PATH_PART = re.compile(r"^(?:[A-Za-z0-9._~:@!$&'()*+,;=-]+|\{[A-Za-z0-9._-]+\+?\})$")
STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
VARIABLE_VALUE = re.compile(r"^[A-Za-z0-9\-._~:/?#&=,]{0,512}$")


# ---------------------------------------------------------------------------------------
# Methods and integrations


@dataclass
class IntegrationResponse(Shape):
    statusCode: str = "200"
    selectionPattern: str | None = None  # regex on the backend status (HTTP) or Lambda errorMessage (AWS)
    responseTemplates: dict[str, str] = field(default_factory=dict)
    responseParameters: dict[str, str] = field(
        default_factory=dict
    )  # method.response.header.X: integration.response.header.Y
    contentHandling: str | None = None


@dataclass
class Integration(Shape):
    type: str = "MOCK"
    httpMethod: str | None = None  # the integration's own method (integrationHttpMethod when you create it)
    uri: str | None = None
    credentials: str | None = None
    requestParameters: dict[str, str] = field(
        default_factory=dict
    )  # integration.request.querystring.x: method.request.querystring.y
    requestTemplates: dict[str, str] = field(default_factory=dict)
    passthroughBehavior: str = "WHEN_NO_MATCH"
    contentHandling: str | None = None
    timeoutInMillis: int = TIMEOUT_DEFAULT_MS
    cacheNamespace: str | None = None
    cacheKeyParameters: list[str] = field(default_factory=list)
    integrationResponses: dict[str, IntegrationResponse] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Integration:
        if "integrationHttpMethod" in data and "httpMethod" not in data:
            data = {**data, "httpMethod": data["integrationHttpMethod"]}
        return super().from_dict(data)

    def problems(self, where: str) -> list[Problem]:
        found = []
        if self.type not in INTEGRATION_TYPES:
            found.append(Problem(f"{where}.type", f"must be one of {', '.join(INTEGRATION_TYPES)}"))
            return found
        if self.passthroughBehavior not in PASSTHROUGH:
            found.append(Problem(f"{where}.passthroughBehavior", f"must be one of {', '.join(PASSTHROUGH)}"))
        if not TIMEOUT_MIN_MS <= self.timeoutInMillis <= TIMEOUT_MAX_MS:
            found.append(
                Problem(
                    f"{where}.timeoutInMillis", f"must be between {TIMEOUT_MIN_MS} and {TIMEOUT_MAX_MS} milliseconds"
                )
            )
        uri = self.uri or ""
        if self.type in ("AWS", "AWS_PROXY", "HTTP", "HTTP_PROXY"):
            if not uri:
                found.append(Problem(f"{where}.uri", f"a {self.type} integration needs a uri"))
            if not self.httpMethod:
                found.append(
                    Problem(f"{where}.httpMethod", f"a {self.type} integration needs an integration HTTP method")
                )
        if (
            self.type == "AWS_PROXY"
            and uri
            and not (
                LAMBDA_INVOKE_URI.match(uri) and LAMBDA_FUNCTION_ARN.match(LAMBDA_INVOKE_URI.match(uri)["function"])
            )
        ):
            found.append(
                Problem(
                    f"{where}.uri",
                    "an AWS_PROXY (Lambda proxy) integration needs a Lambda invocation uri: "
                    "arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:REGION:ACCOUNT:function:NAME/invocations",
                )
            )
        if self.type == "AWS" and uri and not AWS_SERVICE_URI.match(uri):
            found.append(
                Problem(
                    f"{where}.uri",
                    "an AWS integration needs a service uri: arn:aws:apigateway:REGION:SERVICE:action/ACTION or :path/PATH",
                )
            )
        if self.type in ("HTTP", "HTTP_PROXY") and uri and not HTTP_URI.match(uri):
            found.append(Problem(f"{where}.uri", "an HTTP integration needs an http:// or https:// URL"))
        for status, response in self.integrationResponses.items():
            if response.selectionPattern:
                try:
                    re.compile(response.selectionPattern)
                except re.error as exc:
                    found.append(
                        Problem(
                            f"{where}.integrationResponses.{status}.selectionPattern",
                            f"not a valid regular expression: {exc}",
                        )
                    )
        return found


@dataclass
class MethodResponse(Shape):
    statusCode: str = "200"
    responseParameters: dict[str, bool] = field(default_factory=dict)
    responseModels: dict[str, str] = field(default_factory=dict)


@dataclass
class Method(Shape):
    httpMethod: str = "GET"
    authorizationType: str = "NONE"
    authorizerId: str | None = None
    apiKeyRequired: bool = False
    operationName: str | None = None
    requestParameters: dict[str, bool] = field(default_factory=dict)  # method.request.querystring.name: required
    requestModels: dict[str, str] = field(default_factory=dict)  # content type: model name
    requestValidatorId: str | None = None
    authorizationScopes: list[str] = field(default_factory=list)
    methodIntegration: Integration | None = None
    methodResponses: dict[str, MethodResponse] = field(default_factory=dict)


@dataclass
class Resource(Shape):
    id: str = ""
    parentId: str | None = None
    pathPart: str | None = None  # None for the root resource "/"
    path: str = "/"
    resourceMethods: dict[str, Method] = field(default_factory=dict)


@dataclass
class Model(Shape):
    id: str = ""
    name: str = ""
    contentType: str = "application/json"
    schema: str | None = None  # JSON Schema draft 4, as text (as AWS stores it)
    description: str | None = None

    def schema_dict(self) -> dict | None:
        return json.loads(self.schema) if self.schema else None


@dataclass
class RequestValidator(Shape):
    id: str = ""
    name: str = ""
    validateRequestBody: bool = False
    validateRequestParameters: bool = False


@dataclass
class GatewayResponse(Shape):
    responseType: str = "DEFAULT_4XX"
    statusCode: str | None = None
    responseParameters: dict[str, str] = field(default_factory=dict)
    responseTemplates: dict[str, str] = field(default_factory=dict)
    defaultResponse: bool = False


# ---------------------------------------------------------------------------------------
# Deployments and stages


@dataclass
class Deployment(Shape):
    id: str = ""
    description: str | None = None
    createdDate: float = 0.0
    # The API as it was when deployed: resources, models, validators, gateway responses, policy.
    # A deployment never changes; stages point at one.
    snapshot: dict[str, Any] = field(default_factory=dict)


@dataclass
class CanarySettings(Shape):
    deploymentId: str = ""
    percentTraffic: float = 0.0
    stageVariableOverrides: dict[str, str] = field(default_factory=dict)
    useStageCache: bool = False


@dataclass
class MethodSetting(Shape):
    metricsEnabled: bool = False
    loggingLevel: str = "OFF"
    dataTraceEnabled: bool = False
    throttlingBurstLimit: int = 5000
    throttlingRateLimit: float = 10000.0
    cachingEnabled: bool = False
    cacheTtlInSeconds: int = 300
    cacheDataEncrypted: bool = False
    requireAuthorizationForCacheControl: bool = True
    unauthorizedCacheControlHeaderStrategy: str = "SUCCEED_WITH_RESPONSE_HEADER"


@dataclass
class AccessLogSettings(Shape):
    format: str | None = None
    destinationArn: str | None = None


@dataclass
class DeploymentHistoryEntry(Shape):
    deploymentId: str = ""
    at: float = 0.0
    reason: str = "deploy"  # deploy | rollback | promote


def method_setting_key(resource_path: str, http_method: str) -> str:
    """AWS's key for one method's settings: the path with "/" as "~1", then the method ("~1pets/GET")."""
    return f"{resource_path.replace('/', '~1')}/{http_method.upper()}"


@dataclass
class Stage(Shape):
    stageName: str = ""
    deploymentId: str = ""
    description: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    # "*/*" for the whole stage, "{resource path}/{METHOD}" for one method (as in AWS's patch paths)
    methodSettings: dict[str, MethodSetting] = field(default_factory=dict)
    cacheClusterEnabled: bool = False
    cacheClusterSize: str | None = None
    cacheClusterStatus: str = "NOT_AVAILABLE"
    tracingEnabled: bool = False
    canarySettings: CanarySettings | None = None
    accessLogSettings: AccessLogSettings | None = None
    createdDate: float = 0.0
    lastUpdatedDate: float = 0.0
    history: list[DeploymentHistoryEntry] = field(default_factory=list)

    def setting_for(self, resource_path: str, method: str) -> MethodSetting:
        """The method's own settings, else the stage-wide `*/*`, else AWS's defaults."""
        return (
            self.methodSettings.get(method_setting_key(resource_path, method))
            or self.methodSettings.get("*/*")
            or MethodSetting()
        )

    def update_method_settings(self, key: str, **fields: Any) -> MethodSetting:
        """`key` is "*/*" for the whole stage or "~1pets/GET" (path with / as ~1, then the method)."""
        base = self.methodSettings.get(key) or MethodSetting.from_dict(
            (self.methodSettings.get("*/*") or MethodSetting()).to_dict()
        )
        problems = []
        for name, value in fields.items():
            if not hasattr(base, name):
                problems.append(Problem(f"methodSettings.{key}.{name}", "not a method setting"))
            else:
                setattr(base, name, value)
        if not 0 <= base.cacheTtlInSeconds <= 3600:
            problems.append(Problem(f"methodSettings.{key}.cacheTtlInSeconds", "must be between 0 and 3600 seconds"))
        if base.throttlingRateLimit < 0 or base.throttlingBurstLimit < 0:
            problems.append(Problem(f"methodSettings.{key}", "throttling limits cannot be negative"))
        if base.loggingLevel not in ("OFF", "ERROR", "INFO"):
            problems.append(Problem(f"methodSettings.{key}.loggingLevel", "must be OFF, ERROR or INFO"))
        if problems:
            raise ValidationError(problems)
        self.methodSettings[key] = base
        return base


def lambda_invocation_uri(function_arn: str, region: str | None = None) -> str:
    """The integration URI that invokes a Lambda function (arn:aws:apigateway:REGION:lambda:path/...)."""
    region = region or function_arn.split(":")[3]
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


@dataclass
class RestApi(Shape):
    id: str = ""
    name: str = ""
    description: str | None = None
    createdDate: float = 0.0
    version: str | None = None
    endpointConfiguration: dict[str, list[str]] = field(default_factory=lambda: {"types": ["EDGE"]})
    binaryMediaTypes: list[str] = field(default_factory=list)
    apiKeySource: str = "HEADER"
    minimumCompressionSize: int | None = None
    policy: str | None = None  # resource policy JSON text
    disableExecuteApiEndpoint: bool = False
    resources: dict[str, Resource] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    requestValidators: dict[str, RequestValidator] = field(default_factory=dict)
    gatewayResponses: dict[str, GatewayResponse] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    stages: dict[str, Stage] = field(default_factory=dict)
    authorizers: dict[str, Authorizer] = field(default_factory=dict)

    @property
    def endpoint_type(self) -> str:
        return (self.endpointConfiguration.get("types") or ["EDGE"])[0]

    @property
    def root(self) -> Resource:
        return next(r for r in self.resources.values() if r.parentId is None)

    def resource_by_path(self, path: str) -> Resource | None:
        return next((r for r in self.resources.values() if r.path == path), None)

    def definition(self) -> dict[str, Any]:
        """What a deployment freezes: everything a caller's request depends on."""
        keys = (
            "id",
            "name",
            "endpointConfiguration",
            "binaryMediaTypes",
            "apiKeySource",
            "policy",
            "resources",
            "models",
            "requestValidators",
            "gatewayResponses",
            "minimumCompressionSize",
        )
        data = self.to_dict()
        return {k: data[k] for k in keys if k in data}

    def problems(self) -> list[Problem]:
        found = []
        if not self.name.strip():
            found.append(Problem("name", "an API needs a name"))
        if self.endpoint_type not in ENDPOINT_TYPES:
            found.append(Problem("endpointConfiguration.types", f"must be one of {', '.join(ENDPOINT_TYPES)}"))
        if self.apiKeySource not in ("HEADER", "AUTHORIZER"):
            found.append(Problem("apiKeySource", "must be HEADER or AUTHORIZER"))
        if self.policy:
            try:
                json.loads(self.policy)
            except ValueError as exc:
                found.append(Problem("policy", f"not valid JSON: {exc}"))
        for resource in self.resources.values():
            if resource.pathPart is not None and not PATH_PART.match(resource.pathPart):
                found.append(
                    Problem(f"resources.{resource.path}.pathPart", "not a valid path part, {param} or {proxy+}")
                )
            for verb, method in resource.resourceMethods.items():
                where = f"resources.{resource.path}.{verb}"
                if verb not in HTTP_METHODS:
                    found.append(Problem(where, f"HTTP method must be one of {', '.join(HTTP_METHODS)}"))
                if method.authorizationType not in AUTHORIZATION_TYPES:
                    found.append(
                        Problem(f"{where}.authorizationType", f"must be one of {', '.join(AUTHORIZATION_TYPES)}")
                    )
                if method.requestValidatorId and method.requestValidatorId not in self.requestValidators:
                    found.append(Problem(f"{where}.requestValidatorId", "no request validator with this id"))
                for content_type, model in method.requestModels.items():
                    if model not in self.models:
                        found.append(Problem(f"{where}.requestModels.{content_type}", f"no model named {model!r}"))
                if method.methodIntegration:
                    found.extend(method.methodIntegration.problems(f"{where}.integration"))
        for name, model in self.models.items():
            if model.schema:
                try:
                    json.loads(model.schema)
                except ValueError as exc:
                    found.append(Problem(f"models.{name}.schema", f"not valid JSON: {exc}"))
        return found

    def validate(self) -> None:
        found = self.problems()
        if found:
            raise ValidationError(found)


# ---------------------------------------------------------------------------------------
# Authorizers, API keys and usage plans


@dataclass
class Authorizer(Shape):
    """A REST API authorizer: a Lambda function (TOKEN or REQUEST) or Cognito user pools."""

    id: str = ""
    name: str = ""
    type: str = "TOKEN"  # TOKEN | REQUEST | COGNITO_USER_POOLS
    authorizerUri: str | None = None  # Lambda invocation uri (TOKEN, REQUEST)
    identitySource: str | None = "method.request.header.Authorization"  # comma-separated for REQUEST
    identityValidationExpression: str | None = None  # TOKEN: a regex the token must match
    authorizerResultTtlInSeconds: int = 300  # 0..3600; 0 disables caching
    providerARNs: list[str] = field(default_factory=list)  # COGNITO_USER_POOLS: user pool ARNs
    authorizerCredentials: str | None = None  # an IAM role ARN API Gateway assumes to invoke the Lambda function
    authType: str | None = None  # free-form; OpenAPI's x-amazon-apigateway-authtype, without functional impact


@dataclass
class ApiKey(Shape):
    id: str = ""
    name: str = ""
    value: str = ""  # 20 to 128 characters
    enabled: bool = False  # AWS creates a key disabled unless `enabled` is given
    description: str | None = None
    customerId: str | None = None
    createdDate: float = 0.0


@dataclass
class ThrottleSettings(Shape):
    burstLimit: int | None = None
    rateLimit: float | None = None


@dataclass
class QuotaSettings(Shape):
    limit: int = 0
    offset: int = 0
    period: str = "DAY"  # DAY | WEEK | MONTH


@dataclass
class ApiStage(Shape):
    apiId: str = ""
    stage: str = ""
    # Per-method overrides, keyed "/pets/GET" (resource path, then the method), as AWS does.
    throttle: dict[str, ThrottleSettings] = field(default_factory=dict)


@dataclass
class UsagePlan(Shape):
    id: str = ""
    name: str = ""
    description: str | None = None
    apiStages: list[ApiStage] = field(default_factory=list)
    throttle: ThrottleSettings | None = None
    quota: QuotaSettings | None = None
    keyIds: list[str] = field(default_factory=list)  # UsagePlanKeys (type API_KEY)


# ---------------------------------------------------------------------------------------
# Identities: IAM users and Cognito user pools


@dataclass
class AccessKey(Shape):
    accessKeyId: str = ""
    secretAccessKey: str = ""
    status: str = "Active"


@dataclass
class IamUser(Shape):
    name: str = ""
    accessKeys: list[AccessKey] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)  # identity policy documents (JSON text)

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT_ID}:user/{self.name}"


@dataclass
class CognitoUser(Shape):
    username: str = ""
    password: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)
    enabled: bool = True


@dataclass
class UserPoolClient(Shape):
    clientId: str = ""
    name: str = ""
    allowedScopes: list[str] = field(default_factory=list)  # e.g. ["pets/read"]


@dataclass
class UserPool(Shape):
    id: str = ""  # us-east-1_AbCdEf123
    name: str = ""
    clients: list[UserPoolClient] = field(default_factory=list)
    users: dict[str, CognitoUser] = field(default_factory=dict)
    keyId: str = ""  # the kid of the signing key
    privateKeyPem: str = ""  # RS256 signing key (simulated pool's own; never leaves the account)

    @property
    def arn(self) -> str:
        return f"arn:aws:cognito-idp:{REGION}:{ACCOUNT_ID}:userpool/{self.id}"

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{REGION}.amazonaws.com/{self.id}"


# ---------------------------------------------------------------------------------------
# HTTP APIs and WebSocket APIs (API Gateway v2)


@dataclass
class V2Route(Shape):
    routeId: str = ""
    routeKey: str = "$default"  # "GET /pets/{id}", "ANY /{proxy+}", "$default"; WebSocket: "$connect", "sendMessage"...
    target: str | None = None  # "integrations/{integrationId}"
    authorizationType: str = "NONE"  # NONE | JWT | CUSTOM | AWS_IAM
    authorizerId: str | None = None
    authorizationScopes: list[str] = field(default_factory=list)
    routeResponseSelectionExpression: str | None = None  # WebSocket: "$default" to send the backend's answer back


@dataclass
class V2Integration(Shape):
    integrationId: str = ""
    integrationType: str = "AWS_PROXY"  # AWS_PROXY | HTTP_PROXY (HTTP APIs); WebSocket also MOCK
    integrationUri: str | None = None  # a Lambda function ARN or an http(s) URL
    integrationMethod: str | None = None
    payloadFormatVersion: str = "2.0"  # HTTP APIs: 2.0 (default) or 1.0
    timeoutInMillis: int = 30000


@dataclass
class V2Authorizer(Shape):
    authorizerId: str = ""
    name: str = ""
    authorizerType: str = "JWT"  # JWT | REQUEST
    identitySource: list[str] = field(default_factory=lambda: ["$request.header.Authorization"])
    jwtConfiguration: dict[str, Any] = field(default_factory=dict)  # {"issuer": ..., "audience": [...]}
    authorizerUri: str | None = None  # REQUEST: Lambda function
    authorizerPayloadFormatVersion: str = "2.0"
    enableSimpleResponses: bool = True
    authorizerResultTtlInSeconds: int = 0


@dataclass
class CorsConfiguration(Shape):
    allowOrigins: list[str] = field(default_factory=list)
    allowMethods: list[str] = field(default_factory=list)
    allowHeaders: list[str] = field(default_factory=list)
    exposeHeaders: list[str] = field(default_factory=list)
    maxAge: int | None = None
    allowCredentials: bool = False


@dataclass
class V2Stage(Shape):
    stageName: str = "$default"
    autoDeploy: bool = False
    deploymentId: str | None = None
    stageVariables: dict[str, str] = field(default_factory=dict)
    createdDate: float = 0.0
    lastUpdatedDate: float = 0.0


@dataclass
class V2Api(Shape):
    """An HTTP API (protocolType HTTP) or a WebSocket API (protocolType WEBSOCKET)."""

    apiId: str = ""
    name: str = ""
    protocolType: str = "HTTP"
    description: str | None = None
    routeSelectionExpression: str = "$request.method $request.path"  # WebSocket: "$request.body.action"
    corsConfiguration: CorsConfiguration | None = None
    routes: dict[str, V2Route] = field(default_factory=dict)
    integrations: dict[str, V2Integration] = field(default_factory=dict)
    authorizers: dict[str, V2Authorizer] = field(default_factory=dict)
    stages: dict[str, V2Stage] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    createdDate: float = 0.0

    def definition(self) -> dict[str, Any]:
        data = self.to_dict()
        keys = (
            "apiId",
            "name",
            "protocolType",
            "routeSelectionExpression",
            "corsConfiguration",
            "routes",
            "integrations",
            "authorizers",
        )
        return {k: data[k] for k in keys if k in data}


@dataclass
class WsConnection(Shape):
    connectionId: str = ""
    apiId: str = ""
    stage: str = ""
    connectedAt: float = 0.0
    lastActiveAt: float = 0.0
    sourceIp: str = ""
    authorizer: dict[str, Any] = field(default_factory=dict)  # context from the $connect authorizer
    outbox: list[dict[str, Any]] = field(default_factory=list)  # messages pushed to the client: {"at", "data"}
    # "websocket" for a real client's connection (its route responses go straight to it and are
    # not stored here); None for the console's simulated client.
    transport: str | None = None
    # Seconds this connection's simulated clock runs ahead of real time: the console skips ahead
    # to show the idle timeout and the maximum duration without waiting for them.
    clockOffset: float | None = None


# ---------------------------------------------------------------------------------------
# Simulated backends (nothing ever goes on the network)


@dataclass
class Behaviour(Shape):
    """What one Lambda version does when invoked.

    kind:
      echo       return the event it received (as a proxy response for AWS_PROXY, as JSON for AWS)
      response   return `response` as it is (any JSON: a proxy response, a body, or a malformed one)
      error      raise: errorMessage = `message`, errorType = `errorType`
      hello      a greeting built from the query string `name`
      pets       a pets CRUD backed by the simulated DynamoDB table `table`
      table      answer from `cases`: the first whose `when` {path, method, query.x, header.x, body.x} matches
      authorizer a Lambda authorizer with a declared policy in `cases` (see backends._authorizer)
      code       run `code`, the learner's Node.js file (CommonJS or ES module exporting the function's
                 handler, index.handler by default) in a V8 isolate of a helper process, with the
                 function's timeout and memory (see integrations.jsruntime)
    `durationMs` is how long it takes (simulated: a 35 s function times out at once in real time);
    a `code` function takes the time its handler really takes.
    """

    kind: str = "echo"
    response: Any = None
    message: str | None = None
    errorType: str | None = None
    durationMs: int = 20
    table: str | None = None
    cases: list[dict[str, Any]] = field(default_factory=list)
    code: str | None = None


@dataclass
class Permission(Shape):
    """lambda:AddPermission for apigateway.amazonaws.com: who may invoke which qualifier.

    As in AWS, a permission on the function does not cover its aliases: invoking fn:prod
    needs a permission added with qualifier "prod".
    """

    sourceArn: str = ""  # arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH, * wildcards
    qualifier: str | None = None
    statementId: str | None = None  # the Sid given to lambda:AddPermission (RemovePermission names it)


@dataclass
class LambdaFunction(Shape):
    name: str = ""
    description: str | None = None
    runtime: str = "python3.12"
    versions: dict[str, Behaviour] = field(default_factory=lambda: {"$LATEST": Behaviour()})
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version
    permissions: list[Permission] = field(default_factory=list)
    # The configuration the Lambda API sets (CreateFunction, UpdateFunctionConfiguration); a
    # behaviour is the code. AWS's defaults: 3 s, 128 MB.
    handler: str | None = None
    role: str | None = None
    timeout: int = 3
    memorySize: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    lastModified: float = 0.0
    codeSha256: str | None = None  # base64 SHA-256 of the deployment package, when one was uploaded
    codeSize: int = 0
    # What each published version froze besides its behaviour (the $LATEST settings above, at publish).
    versionConfigs: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliasDescriptions: dict[str, str] = field(default_factory=dict)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"

    def publish_version(self) -> str:
        numbers = [int(v) for v in self.versions if v.isdigit()]
        version = str(max(numbers, default=0) + 1)
        self.versions[version] = Behaviour.from_dict(self.versions["$LATEST"].to_dict())
        return version


@dataclass
class HttpService(Shape):
    """A simulated HTTP backend reachable at http(s)://{host}/... from integrations.

    kind: echo | pets | slow | soap | status (answers `status` with `body`) | table (like Behaviour.cases)
    """

    host: str = ""
    kind: str = "echo"
    status: int = 200
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    durationMs: int = 30
    cases: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Account(Shape):
    """A learner's whole simulated AWS account: APIs, functions, backends and service data."""

    accountId: str = ACCOUNT_ID
    region: str = REGION
    restApis: dict[str, RestApi] = field(default_factory=dict)
    functions: dict[str, LambdaFunction] = field(default_factory=dict)
    httpServices: dict[str, HttpService] = field(default_factory=dict)
    dynamodbTables: dict[str, dict[str, Any]] = field(
        default_factory=dict
    )  # table -> {"key": attr, "items": {key: item}}
    sqsQueues: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    stepFunctionsExecutions: list[dict[str, Any]] = field(default_factory=list)
    kinesisStreams: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    apiKeys: dict[str, ApiKey] = field(default_factory=dict)
    usagePlans: dict[str, UsagePlan] = field(default_factory=dict)
    iamUsers: dict[str, IamUser] = field(default_factory=dict)
    userPools: dict[str, UserPool] = field(default_factory=dict)
    v2Apis: dict[str, V2Api] = field(default_factory=dict)  # HTTP and WebSocket APIs
    wsConnections: dict[str, WsConnection] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # resource ARN -> its tags
    # Account-level throttle per Region (10,000 rps, burst 5,000 by default; changeable for teaching).
    accountThrottle: ThrottleSettings = field(
        default_factory=lambda: ThrottleSettings(burstLimit=5000, rateLimit=10000.0)
    )
    counter: int = 0  # with the seed, generates ids: stable across save and load
    idSeed: int = field(default_factory=lambda: secrets.randbelow(36**10))  # different accounts, different ids

    def next_id(self, length: int = 10) -> str:
        """An id like AWS's (lowercase letters and digits): unique to this account, stable once stored."""
        self.counter += 1
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        n = (self.counter * 2_654_435_761 + self.idSeed) % (36**length)
        chars = []
        for _ in range(length):
            n, digit = divmod(n, 36)
            chars.append(alphabet[digit])
        return "".join(chars)
