"""The operations pages of the sandbox console (names in the `sandbox` namespace, under /sandbox/)."""

from django.urls import path

from sandbox.views import authorizers, cognito, functions, iam, keys, metrics, openapi, stages, terminal, traffic, v2

urlpatterns = [
    # Stages of a REST API
    path("apis/<str:api_id>/stages/", stages.stages, name="stages"),
    path("apis/<str:api_id>/stages/<str:stage>/", stages.stage_detail, name="stage"),
    path("apis/<str:api_id>/stages/<str:stage>/<slug:action>/", stages.stage_action, name="stage_action"),
    # Authorizers, traffic generator, metrics and logs of a REST API
    path("apis/<str:api_id>/authorizers/", authorizers.authorizers_page, name="authorizers"),
    path("apis/<str:api_id>/authorizers/new/", authorizers.create_authorizer, name="create_authorizer"),
    path(
        "apis/<str:api_id>/authorizers/<str:authorizer_id>/test/", authorizers.authorizer_test, name="test_authorizer"
    ),
    path(
        "apis/<str:api_id>/authorizers/<str:authorizer_id>/delete/",
        authorizers.delete_authorizer,
        name="delete_authorizer",
    ),
    path("apis/<str:api_id>/traffic/", traffic.traffic_page, name="traffic"),
    path("apis/<str:api_id>/metrics/", metrics.metrics_page, name="metrics"),
    # API keys and usage plans
    path("keys/", keys.keys, name="keys"),
    path("keys/new/", keys.create_key, name="create_key"),
    path("keys/plans/new/", keys.create_plan, name="create_plan"),
    path("keys/plans/<str:plan_id>/usage/", keys.plan_usage, name="plan_usage"),
    path("keys/plans/<str:plan_id>/keys/<str:key_id>/<slug:action>/", keys.plan_action, name="plan_key_action"),
    path("keys/plans/<str:plan_id>/<slug:action>/", keys.plan_action, name="plan_action"),
    path("keys/<str:key_id>/<slug:action>/", keys.key_action, name="key_action"),
    # Lambda functions
    path("functions/", functions.functions, name="functions"),
    path("functions/<str:name>/", functions.function_detail, name="function"),
    path("functions/<str:name>/test/", functions.function_test, name="function_test"),
    path("functions/<str:name>/<slug:action>/", functions.function_action, name="function_action"),
    # The AWS endpoint: credentials for the CLI and SDKs, and the calls they made
    path("terminal/", terminal.terminal, name="terminal"),
    path("terminal/key/", terminal.terminal_key, name="terminal_key"),
    # IAM users
    path("iam/", iam.iam_users, name="iam"),
    path("iam/<str:name>/", iam.iam_user, name="iam_user"),
    path("iam/<str:name>/<slug:action>/", iam.iam_user_action, name="iam_user_action"),
    path("iam/<str:name>/<slug:action>/<str:item>/", iam.iam_user_action, name="iam_user_item"),
    # Cognito user pools
    path("cognito/", cognito.cognito_pools, name="cognito"),
    path("cognito/new/", cognito.create_pool, name="create_pool"),
    path("cognito/<str:pool_id>/", cognito.pool_detail, name="pool"),
    path("cognito/<str:pool_id>/<slug:action>/", cognito.pool_action, name="pool_action"),
    # OpenAPI import and export, SDKs
    path("openapi/", openapi.openapi_page, name="openapi"),
    path("openapi/import/", openapi.openapi_import, name="openapi_import"),
    path("openapi/<str:api_id>/export/", openapi.openapi_export, name="openapi_export"),
    path("openapi/<str:api_id>/sdk/", openapi.openapi_sdk, name="openapi_sdk"),
    # HTTP APIs and WebSocket APIs
    path("http/<str:api_id>/", v2.http_api, name="http_api"),
    path("http/<str:api_id>/<slug:action>/", v2.http_action, name="http_action"),
    path("http/<str:api_id>/<slug:action>/<str:item>/", v2.http_action, name="http_item"),
    path("ws/<str:api_id>/", v2.ws_api, name="ws"),
    path("ws/<str:api_id>/<slug:action>/", v2.ws_action, name="ws_action"),
    path("ws/<str:api_id>/<slug:action>/<str:item>/", v2.ws_action, name="ws_item"),
]
