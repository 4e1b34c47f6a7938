"""The numbers and patterns of API Gateway v2: route keys, timeouts, payload and frame limits,
identity sources (each with its AWS source in `gateway.v2.apis`)."""

from __future__ import annotations

import re

HTTP_ROUTE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
WS_RESERVED_ROUTES = ("$connect", "$disconnect", "$default")
TIMEOUT_MIN_MS = 50
HTTP_TIMEOUT_MAX_MS = 30_000  # HTTP APIs: 30 s
WS_TIMEOUT_MAX_MS = 29_000  # WebSocket APIs: 29 s, as REST APIs
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # HTTP APIs: 10 MB
WS_MESSAGE_MAX_BYTES = 128 * 1024  # WebSocket message payload: 128 KB
WS_FRAME_MAX_BYTES = 32 * 1024  # WebSocket frame: 32 KB (a message is sent in several frames; not simulated)
WS_IDLE_SECONDS = 10 * 60  # idle connection timeout
WS_MAX_LIFETIME_SECONDS = 2 * 60 * 60  # connection duration
OVERHEAD_MS = 2  # simulated time API Gateway itself spends on a request

DEFAULT_ROUTE_SELECTION = {"HTTP": "$request.method $request.path", "WEBSOCKET": "$request.body.action"}
ROUTE_PATH_SEGMENT = re.compile(r"^(?:[A-Za-z0-9._~:@!$&'()*,;=-]+|\{[A-Za-z0-9._-]+\+?\})$")
BODY_EXPRESSION = re.compile(r"^\$\{?request\.body\.(?P<path>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\}?$")
HTTP_IDENTITY_SOURCE = re.compile(r"^\$(?:request\.(?:header|querystring)|context|stageVariables)\.[A-Za-z0-9_.-]+$")
WS_IDENTITY_SOURCE = re.compile(
    r"^(?:route\.request\.(?:header|querystring)\.[A-Za-z0-9_.-]+|\$(?:request\.(?:header|querystring)|context|stageVariables)\.[A-Za-z0-9_.-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$"
)
STAGE_VAR_RE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
TEXT_TYPES = re.compile(r"^(?:text/.*|application/(?:[a-z0-9.+-]*\+)?(?:json|xml)|application/javascript)$")
# The www-authenticate descriptions HTTP APIs send with a JWT 401 (others: the simulator's reason).
JWT_ERROR_DESCRIPTIONS = {
    "expired": "the token has expired",
    "audience": "the token does not have a valid audience",
}
REST_ONLY_FEATURES = "usage plans, API keys, caching, mapping templates and request validation"
