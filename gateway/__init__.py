"""A faithful, offline simulation of Amazon API Gateway (REST APIs).

Plain Python (no Django): the sandbox app stores an `Account` as `to_dict()`, changes it with
the operations, and calls `invoke`. Nothing ever goes on the network.
"""

from gateway.control.openapi import export_openapi, import_openapi
from gateway.control.operations import (
    add_permission,
    create_alias,
    create_deployment,
    create_function,
    create_model,
    create_request_validator,
    create_resource,
    create_resource_path,
    create_rest_api,
    create_stage,
    delete_canary,
    delete_method,
    delete_resource,
    delete_stage,
    install_teaching_functions,
    promote_canary,
    put_gateway_response,
    put_integration,
    put_integration_response,
    put_method,
    put_method_response,
    rollback_stage,
    update_canary,
    update_method,
    update_method_settings,
    update_stage_variables,
)
from gateway.control.sdk import generate_sdk
from gateway.model.errors import ConflictError, GatewayError, NotFoundError, Problem, ValidationError
from gateway.model.resources import (
    Account,
    Behaviour,
    CanarySettings,
    Deployment,
    GatewayResponse,
    HttpService,
    Integration,
    IntegrationResponse,
    LambdaFunction,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
    V2Api,
    V2Authorizer,
    V2Integration,
    V2Route,
    V2Stage,
    WsConnection,
    lambda_invocation_uri,
    method_setting_key,
)
from gateway.observability.telemetry import Telemetry

_LAZY = {"METHOD_REQUEST_CHECKS", "Request", "Response", "Runtime", "compile_deployment", "invoke"}


def __getattr__(name: str):
    # The invocation pipeline (and its template engine) loads on first use, so importing the
    # model alone stays light.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module("gateway.rest.pipeline"), name)
    raise AttributeError(f"module 'gateway' has no attribute {name!r}")


__all__ = [
    "METHOD_REQUEST_CHECKS",
    "Account",
    "Behaviour",
    "CanarySettings",
    "ConflictError",
    "Deployment",
    "GatewayError",
    "GatewayResponse",
    "HttpService",
    "Integration",
    "IntegrationResponse",
    "LambdaFunction",
    "Method",
    "MethodResponse",
    "MethodSetting",
    "Model",
    "NotFoundError",
    "Problem",
    "Request",
    "RequestValidator",
    "Resource",
    "Response",
    "RestApi",
    "Stage",
    "Telemetry",
    "V2Api",
    "V2Authorizer",
    "V2Integration",
    "V2Route",
    "V2Stage",
    "WsConnection",
    "ValidationError",
    "add_permission",
    "compile_deployment",
    "create_alias",
    "create_deployment",
    "create_function",
    "create_model",
    "create_request_validator",
    "create_resource",
    "create_resource_path",
    "create_rest_api",
    "create_stage",
    "delete_canary",
    "delete_method",
    "delete_resource",
    "delete_stage",
    "export_openapi",
    "generate_sdk",
    "import_openapi",
    "install_teaching_functions",
    "invoke",
    "lambda_invocation_uri",
    "method_setting_key",
    "promote_canary",
    "put_gateway_response",
    "put_integration",
    "put_integration_response",
    "put_method",
    "put_method_response",
    "rollback_stage",
    "update_canary",
    "update_method",
    "update_method_settings",
    "update_stage_variables",
]
