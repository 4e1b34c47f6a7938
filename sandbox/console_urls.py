"""The sandbox console's pages (under /sandbox/). Each console module registers its own urls here."""

from django.urls import include, path

from sandbox.views import console as views

urlpatterns = [
    path("", views.home, name="home"),
    path("reset/", views.reset, name="reset"),
    path("metrics/", views.metrics_home, name="metrics_home"),
    path("example/", views.load_example, name="example"),
    path("apis/new/", views.create_api, name="create_api"),
    path("apis/<str:api_id>/", views.api_detail, name="api"),
    path("apis/<str:api_id>/resources/", views.create_resource, name="create_resource"),
    path("apis/<str:api_id>/methods/", views.method_edit, name="method"),
    path("apis/<str:api_id>/deploy/", views.deploy, name="deploy"),
    path("apis/<str:api_id>/test/", views.test_invoke, name="test"),
    path("apis/<str:api_id>/preview/", views.template_preview, name="preview"),
    path("apis/<str:api_id>/delete/", views.delete_api, name="delete_api"),
    path("apis/<str:api_id>/settings/", views.api_settings, name="api_settings"),
    path("apis/<str:api_id>/cors/", views.enable_cors, name="enable_cors"),
    path("", include("sandbox.ops_urls")),
    path("", include("sandbox.labs_urls")),
    # more consoles: each helper module adds one include line above this comment
]
