"""The vocabulary of the documents: OpenAPI operation keys, the x-amazon-apigateway-* extensions,
parameter locations, the patterns AWS checks values against, and the bounds on a document's size."""

from __future__ import annotations

import re

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
# AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-openapi-minimum-compression-size.html
MAX_COMPRESSION = 10_485_760
# x-amazon-apigateway-authorizer's type (REST APIs; jwt is for HTTP APIs) -> Authorizer.type
# AWS: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
AUTHORIZER_TYPES = {"token": "TOKEN", "request": "REQUEST", "cognito_user_pools": "COGNITO_USER_POOLS"}
AUTHORIZER_FIELDS = {
    "type",
    "authorizerUri",
    "authorizerCredentials",
    "identitySource",
    "identityValidationExpression",
    "authorizerResultTtlInSeconds",
    "providerARNs",
}
HTTP_API_AUTHORIZER_FIELDS = {"authorizerPayloadFormatVersion", "enableSimpleResponses", "jwtConfiguration"}
# AWS: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (0 disables caching; at most 3600)
AUTHORIZER_TTL_MAX = 3600
# One identity source of a REQUEST authorizer (TOKEN and Cognito take a single header).
IDENTITY_SOURCE = re.compile(
    r"^(?:method\.request\.(?:header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$"
)
IDENTITY_HEADER = re.compile(r"^method\.request\.header\.(?P<name>[^\s,]+)$")
# AWS: https://docs.aws.amazon.com/apigateway/latest/api/API_Authorizer.html (providerARNs: arn:aws:cognito-idp:{region}:{account_id}:userpool/{user_pool_id})
USER_POOL_ARN = re.compile(r"^arn:aws:cognito-idp:[a-z0-9-]+:\d{12}:userpool/\S+$")
POLICY_VERSIONS = ("2012-10-17", "2008-10-17")
# A document is data from a learner: bound the work spent walking it (YAML aliases can
# make a small text stand for a huge tree).
MAX_NODES = 200_000
MAX_DEPTH = 100
