"""Gateway responses: the errors API Gateway itself returns, default or customised."""

from __future__ import annotations

from dataclasses import dataclass

# responseType -> (default status, the x-amzn-ErrorType header or None)
RESPONSE_TYPES: dict[str, tuple[int | None, str | None]] = {
    "ACCESS_DENIED": (403, "AccessDeniedException"),
    "API_CONFIGURATION_ERROR": (500, "InternalServerErrorException"),
    "AUTHORIZER_CONFIGURATION_ERROR": (500, "InternalServerErrorException"),
    "AUTHORIZER_FAILURE": (500, "InternalServerErrorException"),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestException"),
    "BAD_REQUEST_BODY": (400, "BadRequestException"),
    "DEFAULT_4XX": (None, None),
    "DEFAULT_5XX": (None, None),
    "EXPIRED_TOKEN": (403, "ExpiredTokenException"),
    "INTEGRATION_FAILURE": (504, "InternalServerErrorException"),
    "INTEGRATION_TIMEOUT": (504, None),
    "INVALID_API_KEY": (403, "ForbiddenException"),
    "INVALID_SIGNATURE": (403, "InvalidSignatureException"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "MissingAuthenticationTokenException"),
    "QUOTA_EXCEEDED": (429, "LimitExceededException"),
    "REQUEST_TOO_LARGE": (413, "RequestTooLargeException"),
    "RESOURCE_NOT_FOUND": (404, "NotFoundException"),
    "THROTTLED": (429, "TooManyRequestsException"),
    "UNAUTHORIZED": (401, "UnauthorizedException"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaTypeException"),
    "WAF_FILTERED": (403, "WAFFilteredException"),
}

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'


@dataclass(frozen=True)
class GatewayFailure:
    """Why API Gateway answered itself: the response type, the status and the message."""

    response_type: str
    status: int
    message: str
    error_type: str | None = None  # x-amzn-ErrorType; defaults to the response type's
    step: str = ""  # the pipeline step that decided it, for the trace

    @property
    def error_header(self) -> str | None:
        return self.error_type or RESPONSE_TYPES.get(self.response_type, (None, None))[1]


def failure(
    response_type: str, message: str, *, status: int | None = None, error_type: str | None = None, step: str = ""
) -> GatewayFailure:
    default_status = RESPONSE_TYPES[response_type][0]
    return GatewayFailure(response_type, status or default_status or 500, message, error_type, step)


# The situations of the reference table, by name.
def missing_token(step: str = "route") -> GatewayFailure:
    return failure("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token", step=step)


def internal_error(step: str, response_type: str = "API_CONFIGURATION_ERROR") -> GatewayFailure:
    return failure(
        response_type, "Internal server error", status=500, error_type="InternalServerErrorException", step=step
    )


def bad_gateway(step: str = "integration response") -> GatewayFailure:
    # A malformed Lambda proxy answer: 502 {"message": "Internal server error"}. AWS's docs give
    # the status and the log line ("Malformed Lambda proxy response"), not the headers; deployed
    # REST APIs answer it with x-amzn-ErrorType: InternalServerErrorException, as for other 5XX.
    return GatewayFailure("DEFAULT_5XX", 502, "Internal server error", "InternalServerErrorException", step)


def timeout(step: str = "integration") -> GatewayFailure:
    return failure("INTEGRATION_TIMEOUT", "Endpoint request timed out", step=step)
