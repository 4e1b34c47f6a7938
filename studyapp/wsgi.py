"""WSGI entry point (gunicorn studyapp.wsgi). /gw/ takes a lean path in front of Django."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")

application = get_wsgi_application()

from sandbox.gw_wsgi import wrap  # noqa: E402 (after Django is set up)

application = wrap(application)
