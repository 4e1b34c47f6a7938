"""The gateway's fast path: a lean WSGI app in front of Django for the public endpoint.

The endpoint is public, sessionless and hot (every call a learner or a load test makes), so
requests for an invoke host (`<api-id>.execute-api.localhost`) and for `/gw/` skip Django's
middleware and URL resolution and go straight to `invoke_host.serve`, the same function the
Django middleware uses for servers that do not take this path. Everything else goes to Django.
"""

from __future__ import annotations

from django.db import close_old_connections

from sandbox.invoke_host import api_id_of, serve, status_line


def wrap(django_app):
    def application(environ, start_response):
        # Cheap tests first: a request for one of the app's own pages takes no gateway work at all.
        if not environ.get("PATH_INFO", "").startswith("/gw/") and api_id_of(environ.get("HTTP_HOST", "")) is None:
            return django_app(environ, start_response)
        close_old_connections()
        try:
            answer = serve(environ)
        finally:
            close_old_connections()
        if answer is None:
            return django_app(environ, start_response)
        status, headers, data = answer
        start_response(status_line(status), [*headers, ("Content-Length", str(len(data)))])
        return [data]

    return application
