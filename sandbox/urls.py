from django.urls import include, path

app_name = "sandbox"

# Deployed stages are not served here: invoke hosts and /gw/ are answered before any URL is
# resolved (sandbox.invoke_host: the WSGI fast path, or its middleware).
urlpatterns = [
    path("sandbox/", include("sandbox.console_urls")),
]
