"""HTTP APIs and WebSocket APIs (API Gateway v2): what the console does, and what a caller sees.

HTTP APIs (protocolType HTTP): routes `"METHOD /path"` or `$default`; of their integrations this
simulator runs the proxy ones (Lambda with payload format 2.0 or 1.0, HTTP_PROXY). Real HTTP APIs
are not proxy-only: they also have first-class AWS service integrations (EventBridge, SQS,
Kinesis, Step Functions, AppConfig) and private integrations through VPC links (AWS docs,
"Working with AWS service integrations for HTTP APIs", "Working with private integrations for
HTTP APIs"), which the simulator does not run yet. JWT and Lambda REQUEST authorizers,
built-in CORS, stages with autoDeploy (the `$default` stage is created with autoDeploy on).
`invoke_http_api` runs one request and returns the same `Response` the REST pipeline returns.

WebSocket APIs (protocolType WEBSOCKET): `$connect`, `$disconnect`, `$default` and custom
route keys picked by the route selection expression, a Lambda REQUEST authorizer on `$connect`
only, and the `@connections` management API (POST/GET/DELETE) the backend uses to talk back.

Facts and sources (AWS docs = Amazon API Gateway Developer Guide):
- Payload format 2.0 and the inferred response (no statusCode: 200, application/json):
  AWS docs, "Working with AWS Lambda proxy integrations for HTTP APIs".
- Route priority (full match, then greedy, then `$default`; nothing: 404 {"message":"Not Found"}):
  AWS docs, "Working with routes for HTTP APIs".
- JWT: token alone or after "Bearer ", issuer, audience, expiry, at least one of the route's
  scopes: AWS docs, "Controlling access to HTTP APIs with JWT authorizers".
- Lambda authorizers: simple responses `{"isAuthorized", "context"}` or an IAM policy; a
  missing identity source is a 401 without calling the function; a function that fails or
  answers in an invalid format is a 500: AWS docs, "Working with AWS Lambda authorizers for
  HTTP APIs".
- CORS: API Gateway answers preflights itself and ignores the backend's CORS headers:
  AWS docs, "Configuring CORS for an HTTP API".
- Integration timeout 50 ms to 30 s on HTTP APIs (29 s on REST and WebSocket APIs):
  awsdocs/amazon-api-gateway-developer-guide pull request #74 (maintainer: "The maximum
  integration timeout for HTTP APIs is 30 seconds"); on timeout HTTP APIs answer 503
  {"message":"Service Unavailable"} (recorded by users, e.g. github.com/anomalyco/sst issue
  #2232), where REST APIs answer 504.
- WebSocket limits: 128 KB per message (checked here), 32 KB per frame (a message travels in
  several frames; frames are not simulated), 10 minutes idle, 2 hours per connection: AWS docs,
  "Amazon API Gateway quotas for configuring and running a WebSocket API".
- WebSocket: a message no route takes, with no `$default`, gets the frame
  `{"message": "Forbidden", "connectionId":"...", "requestId":"..."}` (widely recorded);
  @connections GetConnection returns ConnectedAt, Identity.SourceIp, LastActiveAt and an
  unknown connection is GoneException 410 (AWS CLI examples, ApiGatewayManagementApi model).
"""

from __future__ import annotations

from gateway.integrations import backends  # noqa: F401 (tests replace its functions through this module)
from gateway.v2.authorization import (  # noqa: F401 (re-exported)
    policy_allows,
)
from gateway.v2.compiled import (  # noqa: F401 (re-exported)
    CompiledRoute,
    CompiledV2,
    compile_v2,
    match_route,
)
from gateway.v2.constants import (  # noqa: F401 (re-exported)
    BODY_EXPRESSION,
    DEFAULT_ROUTE_SELECTION,
    HTTP_IDENTITY_SOURCE,
    HTTP_ROUTE_METHODS,
    HTTP_TIMEOUT_MAX_MS,
    JWT_ERROR_DESCRIPTIONS,
    MAX_PAYLOAD_BYTES,
    OVERHEAD_MS,
    REST_ONLY_FEATURES,
    ROUTE_PATH_SEGMENT,
    STAGE_VAR_RE,
    TEXT_TYPES,
    TIMEOUT_MIN_MS,
    WS_FRAME_MAX_BYTES,
    WS_IDENTITY_SOURCE,
    WS_IDLE_SECONDS,
    WS_MAX_LIFETIME_SECONDS,
    WS_MESSAGE_MAX_BYTES,
    WS_RESERVED_ROUTES,
    WS_TIMEOUT_MAX_MS,
)
from gateway.v2.http import (  # noqa: F401 (re-exported)
    invoke_http_api,
)
from gateway.v2.integrations import (  # noqa: F401 (re-exported)
    lambda_arn_of,
    parse_output_v2,
)
from gateway.v2.setup import (  # noqa: F401 (re-exported)
    add_to_usage_plan_v2,
    create_api_key_v2,
    create_http_api,
    create_jwt_authorizer,
    create_lambda_authorizer,
    create_route,
    create_v2_integration,
    create_v2_stage,
    create_websocket_api,
    delete_route,
    delete_v2_integration,
    delete_v2_stage,
    deploy_v2,
    enable_cache_v2,
    get_route,
    get_v2_api,
    get_v2_stage,
    parse_route_key,
    refuse_rest_only,
    route_by_key,
    route_key_problems,
    set_mapping_template_v2,
    set_request_validator_v2,
    update_cors,
    update_route,
    update_v2_stage,
)
from gateway.v2.websocket import (  # noqa: F401 (re-exported)
    GONE,
    WsResult,
    delete_connection,
    expire_idle,
    expiry_reason,
    get_connection,
    post_to_connection,
    select_route_key,
    skip_time,
    ws_connect,
    ws_disconnect,
    ws_send,
)
from gateway.v2.websocket import close_connection as close_ws_connection  # noqa: F401 (re-exported)
