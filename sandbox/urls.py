from django.urls import include, path, re_path

from sandbox import aws_endpoint

app_name = "sandbox"

# Deployed stages are not served here: invoke hosts and /gw/ are answered before any URL is
# resolved (sandbox.invoke_host: the WSGI fast path, or its middleware).
urlpatterns = [
    path("sandbox/", include("sandbox.console_urls")),
    # Every learner's sandbox as an AWS endpoint (the AWS CLI, boto3, Terraform): /aws/...
    re_path(r"^aws/?(?P<path>.*)$", aws_endpoint.serve, name="aws_endpoint"),
]
