#!/usr/bin/env bash
# Benchmark the public endpoint over real HTTP: gunicorn (2 workers) serving the app, wrk with
# 8 connections against a MOCK method with a response template on the API's own invoke host
# (<api>.execute-api.localhost, sent as the Host header to 127.0.0.1), then the same on
# /gw/<api>/<stage>/<path>. Prints requests per second and latency percentiles for each.
# Target on 2 cores: >= 1,500 requests/s, p99 < 50 ms. Usage: bench/invoke.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN="${1:-15}"
BIN=.venv/bin
PORT=$("${BIN:-.venv/bin}/python" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")

[ -x "$BIN/gunicorn" ] || "$BIN/pip" install --quiet -r requirements.txt
if ! command -v wrk >/dev/null; then
  echo "Installing Debian's wrk"
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
WORK=$(mktemp -d)
export STUDYAPP_VAR_DIR="$WORK" DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost DJANGO_DEBUG=0
"$BIN/python" manage.py migrate -v0
API_ID=$("$BIN/python" - <<'PY'
import os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
django.setup()
from django.contrib.auth import get_user_model
import gateway as gw
from sandbox.models import SandboxAccount
user = get_user_model().objects.create_user("bench", password="bench-password-1")  # noqa: S106
with SandboxAccount.editing(user) as account:
    api = gw.create_rest_api(account, "bench")
    resource = gw.create_resource_path(account, api, "/mock")
    gw.put_method(api, resource.id, "GET")
    gw.put_integration(api, resource.id, "GET", "MOCK", requestTemplates={"application/json": '{"statusCode": 200}'})
    gw.put_integration_response(api, resource.id, "GET", "200", responseTemplates={
        "application/json": '{"id": "$context.requestId", "stage": "$context.stage", "q": "$input.params(\'q\')"}'})
    gw.create_deployment(account, api, stage_name="dev")
print(api.id)
PY
)
HOST_HEADER="Host: $API_ID.execute-api.localhost:$PORT"
"$BIN/gunicorn" studyapp.wsgi -w 2 -b 127.0.0.1:$PORT --log-level warning &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null; rm -rf "$WORK"' EXIT
INVOKE="http://127.0.0.1:$PORT/dev/mock?q=bench"
GW="http://127.0.0.1:$PORT/gw/$API_ID/dev/mock?q=bench"
for _ in $(seq 50); do curl -sf -o /dev/null -H "$HOST_HEADER" "$INVOKE" && break; sleep 0.2; done
curl -s -H "$HOST_HEADER" "$INVOKE"; echo
wrk -t2 -c8 -d3s -H "$HOST_HEADER" "$INVOKE" >/dev/null  # warm up both workers
echo "== invoke host: http://$API_ID.execute-api.localhost:$PORT/dev/mock?q=bench"
wrk -t2 -c8 -d"${SECONDS_TO_RUN}s" --latency -H "$HOST_HEADER" "$INVOKE"
echo "== app host: /gw/$API_ID/dev/mock?q=bench"
wrk -t2 -c8 -d"${SECONDS_TO_RUN}s" --latency "$GW"
