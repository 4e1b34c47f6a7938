"""AWS's error answers: the exception name, the HTTP status and the message.

REST-JSON services (API Gateway, Lambda) name the error in the `x-amzn-ErrorType` header and
put the message in the JSON body; the query protocol (STS) answers an XML `ErrorResponse`.
AWS: https://docs.aws.amazon.com/apigateway/latest/api/CommonErrors.html
"""

from __future__ import annotations

from gateway.model.errors import ConflictError, GatewayError, NotFoundError, ValidationError


class AwsError(Exception):
    """An answer AWS gives with an error type, a status and a message."""

    def __init__(self, code: str, message: str, status: int = 400):
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


# The engine's errors in each service's words.
_NAMES = {
    "apigateway": {NotFoundError: "NotFoundException", ConflictError: "ConflictException"},
    "apigatewayv2": {NotFoundError: "NotFoundException", ConflictError: "ConflictException"},
    "lambda": {NotFoundError: "ResourceNotFoundException", ConflictError: "ResourceConflictException"},
}
_STATUS = {NotFoundError: 404, ConflictError: 409}


def from_engine(service: str, exc: GatewayError) -> AwsError:
    """A NotFoundError, ConflictError or ValidationError raised by the engine, as the service says it."""
    for kind, status in _STATUS.items():
        if isinstance(exc, kind):
            return AwsError(_NAMES.get(service, _NAMES["apigateway"])[kind], str(exc), status)
    code = "InvalidParameterValueException" if service == "lambda" else "BadRequestException"
    message = str(exc)
    if isinstance(exc, ValidationError) and len(exc.problems) > 1:
        message = f"{len(exc.problems)} problems: " + message
    return AwsError(code, message, 400)


def not_found(service: str, message: str) -> AwsError:
    return AwsError(_NAMES.get(service, _NAMES["apigateway"])[NotFoundError], message, 404)


def bad_request(service: str, message: str) -> AwsError:
    return AwsError("InvalidParameterValueException" if service == "lambda" else "BadRequestException", message, 400)
