from django.urls import include, path, re_path

from sandbox import gw

app_name = "sandbox"

urlpatterns = [
    re_path(r"^gw/(?P<api_id>[a-z0-9]+)/(?P<stage>[A-Za-z0-9_$-]+)/?(?P<path>.*)$", gw.invoke, name="invoke"),
    path("sandbox/", include("sandbox.console_urls")),
]
