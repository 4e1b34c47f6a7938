"""The operations pages of the sandbox console (names in the `sandbox` namespace, under /sandbox/)."""

from django.urls import path

from sandbox import views_ops as views

urlpatterns = [
    # Stages of a REST API
    path("apis/<str:api_id>/stages/", views.stages, name="stages"),
    path("apis/<str:api_id>/stages/<str:stage>/", views.stage_detail, name="stage"),
    path("apis/<str:api_id>/stages/<str:stage>/<slug:action>/", views.stage_action, name="stage_action"),
    # Authorizers, traffic generator, metrics and logs of a REST API
    path("apis/<str:api_id>/authorizers/", views.authorizers_page, name="authorizers"),
    path("apis/<str:api_id>/authorizers/new/", views.create_authorizer, name="create_authorizer"),
    path("apis/<str:api_id>/authorizers/<str:authorizer_id>/test/", views.authorizer_test, name="test_authorizer"),
    path(
        "apis/<str:api_id>/authorizers/<str:authorizer_id>/delete/", views.delete_authorizer, name="delete_authorizer"
    ),
    path("apis/<str:api_id>/traffic/", views.traffic_page, name="traffic"),
    path("apis/<str:api_id>/metrics/", views.metrics_page, name="metrics"),
    # API keys and usage plans
    path("keys/", views.keys, name="keys"),
    path("keys/new/", views.create_key, name="create_key"),
    path("keys/plans/new/", views.create_plan, name="create_plan"),
    path("keys/plans/<str:plan_id>/usage/", views.plan_usage, name="plan_usage"),
    path("keys/plans/<str:plan_id>/keys/<str:key_id>/<slug:action>/", views.plan_action, name="plan_key_action"),
    path("keys/plans/<str:plan_id>/<slug:action>/", views.plan_action, name="plan_action"),
    path("keys/<str:key_id>/<slug:action>/", views.key_action, name="key_action"),
    # Lambda functions
    path("functions/", views.functions, name="functions"),
    path("functions/<str:name>/", views.function_detail, name="function"),
    path("functions/<str:name>/<slug:action>/", views.function_action, name="function_action"),
    # IAM users
    path("iam/", views.iam_users, name="iam"),
    path("iam/<str:name>/", views.iam_user, name="iam_user"),
    path("iam/<str:name>/<slug:action>/", views.iam_user_action, name="iam_user_action"),
    path("iam/<str:name>/<slug:action>/<str:item>/", views.iam_user_action, name="iam_user_item"),
    # Cognito user pools
    path("cognito/", views.cognito_pools, name="cognito"),
    path("cognito/new/", views.create_pool, name="create_pool"),
    path("cognito/<str:pool_id>/", views.pool_detail, name="pool"),
    path("cognito/<str:pool_id>/<slug:action>/", views.pool_action, name="pool_action"),
    # OpenAPI import and export, SDKs
    path("openapi/", views.openapi_page, name="openapi"),
    path("openapi/import/", views.openapi_import, name="openapi_import"),
    path("openapi/<str:api_id>/export/", views.openapi_export, name="openapi_export"),
    path("openapi/<str:api_id>/sdk/", views.openapi_sdk, name="openapi_sdk"),
    # HTTP APIs and WebSocket APIs
    path("http/<str:api_id>/", views.http_api, name="http_api"),
    path("http/<str:api_id>/<slug:action>/", views.http_action, name="http_action"),
    path("http/<str:api_id>/<slug:action>/<str:item>/", views.http_action, name="http_item"),
    path("ws/<str:api_id>/", views.ws_api, name="ws"),
    path("ws/<str:api_id>/<slug:action>/", views.ws_action, name="ws_action"),
    path("ws/<str:api_id>/<slug:action>/<str:item>/", views.ws_action, name="ws_item"),
]
