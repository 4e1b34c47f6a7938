"""ASGI entry point (`make run`: uvicorn studyapp.asgi:application).

"http": Django, with the gateway's invokes (invoke hosts, /gw/) answered in front of it, as the
WSGI entry point does; "websocket": real WebSocket connections to the learners' WebSocket API
stages (sandbox.ws_asgi). This is where the project is assembled, like studyapp.wsgi.
"""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")

django_application = get_asgi_application()

from sandbox.ws_asgi import http_app, websocket_router  # noqa: E402 (after Django is set up)

application = ProtocolTypeRouter({"http": http_app(django_application), "websocket": websocket_router})
