"""HTTP and WebSocket APIs: the API page (routes, integrations, authorizers, stages) and its changes,
and a WebSocket connection driven through the console."""

from __future__ import annotations

import json
import random
import time
from functools import partial
from urllib.parse import parse_qsl

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from gateway.v2 import apis as v2
from sandbox import invoke_host
from sandbox.forms.v2 import (
    CorsForm,
    DeleteIntegrationForm,
    DeleteRouteForm,
    JwtAuthorizerForm,
    RestOnlyForm,
    V2IntegrationForm,
    V2LambdaAuthorizerForm,
    V2RouteForm,
    V2StageActionForm,
    V2StageForm,
    WsConnectForm,
    WsDisconnectForm,
    WsManageForm,
    WsSendForm,
    WsSkipForm,
)
from sandbox.models import SandboxAccount
from sandbox.views.common import (
    ENGINE_ERRORS,
    _account,
    _form_problems,
    _invoke_url,
    _render,
    _undeployed,
    _v2_api,
    _when,
    apply_form,
)

# ---------------------------------------------------------------------------------------
# HTTP and WebSocket APIs


V2_PAGES = {"HTTP": ("sandbox/ops_http.html", "sandbox:http_api"), "WEBSOCKET": ("sandbox/ops_ws.html", "sandbox:ws")}


def _v2_page(
    request: HttpRequest,
    api_id: str,
    protocol: str,
    *,
    bound=None,
    problems=None,
    notice=None,
    result=None,
    invalid=False,
):
    account = _account(request)
    api = _v2_api(account, api_id, protocol)
    websocket = protocol == "WEBSOCKET"
    definition = api.definition()
    integrations = sorted(api.integrations.values(), key=lambda i: i.integrationId)
    routes = []
    for route in sorted(api.routes.values(), key=lambda r: r.routeKey):
        target = api.integrations.get((route.target or "").removeprefix("integrations/"))
        routes.append(
            {"route": route, "integration": target, "authorizer": api.authorizers.get(route.authorizerId or "")}
        )
    stages_rows = [
        {
            "stage": stage,
            "dirty": _undeployed(definition, api.deployments.get(stage.deploymentId or "")),
            "invoke_url": _invoke_url(request, api.apiId, stage.stageName),
            "ws_url": invoke_host.invoke_url(request, api.apiId, stage.stageName).rstrip("/").replace("http", "ws", 1),
        }
        for stage in sorted(api.stages.values(), key=lambda s: s.stageName)
    ]
    context = {
        "api": api,
        "routes": routes,
        "integrations": integrations,
        "authorizers": sorted(api.authorizers.values(), key=lambda a: a.name.lower()),
        "stages": stages_rows,
        "integration_form": V2IntegrationForm(account=account, websocket=websocket),
        "route_form": V2RouteForm(api=api),
        "lambda_authorizer_form": V2LambdaAuthorizerForm(account=account, websocket=websocket),
        "stage_form": V2StageForm(initial={"name": "dev" if websocket or "$default" in api.stages else "$default"}),
        "result": result,
        "problems": problems or [],
        "notice": notice,
    }
    if websocket:
        connections = sorted(
            (c for c in account.wsConnections.values() if c.apiId == api.apiId), key=lambda c: c.connectedAt
        )
        context |= {
            "connections": [
                {
                    "connection": c,
                    "connected": _when(c.connectedAt),
                    "active": _when(c.lastActiveAt),
                    "outbox": c.outbox[-10:],
                    "skipped": f"{int(c.clockOffset or 0) // 60} min",
                }
                for c in connections
            ],
            "connect_form": WsConnectForm(api=api) if api.stages else None,
            "send_form": WsSendForm(connections=connections) if connections else None,
            "manage_form": WsManageForm(
                api=api,
                initial={
                    "connection_id": connections[-1].connectionId if connections else "",
                    "data": '{"from": "backend"}',
                },
            )
            if api.stages
            else None,
        }
    else:
        context |= {
            "jwt_form": JwtAuthorizerForm(account=account),
            "cors_form": CorsForm(initial=CorsForm.initial_for(api)),
            "rest_only_form": RestOnlyForm(),
        }
    context.update(bound or {})
    return _render(request, V2_PAGES[protocol][0], context, invalid=invalid)


@login_required
@require_GET
def http_api(request: HttpRequest, api_id: str) -> HttpResponse:
    return _v2_page(request, api_id, "HTTP")


@login_required
@require_GET
def ws_api(request: HttpRequest, api_id: str) -> HttpResponse:
    return _v2_page(request, api_id, "WEBSOCKET")


def _v2_forms(request: HttpRequest, account: gw.Account, api: gw.V2Api) -> dict:
    """Per action: (make the bound form, the context slot that shows it, whether the action names an item)."""
    websocket = api.protocolType == "WEBSOCKET"
    data = request.POST
    forms = {
        "integration": (
            lambda: V2IntegrationForm(data, account=account, websocket=websocket),
            "integration_form",
            False,
        ),
        "route": (lambda: V2RouteForm(data, api=api), "route_form", False),
        "delete-route": (lambda: DeleteRouteForm(data), None, True),
        "delete-integration": (lambda: DeleteIntegrationForm(data), None, True),
        "lambda-authorizer": (
            lambda: V2LambdaAuthorizerForm(data, account=account, websocket=websocket),
            "lambda_authorizer_form",
            False,
        ),
        "stage": (lambda: V2StageForm(data), "stage_form", False),
        "stage-action": (lambda: V2StageActionForm(data), None, True),
    }
    if not websocket:
        forms |= {
            "jwt-authorizer": (lambda: JwtAuthorizerForm(data, account=account), "jwt_form", False),
            "cors": (lambda: CorsForm(data), "cors_form", False),
        }
    return forms


def _v2_action(request: HttpRequest, api_id: str, action: str, item: str | None, protocol: str) -> HttpResponse:
    account = _account(request)
    api = _v2_api(account, api_id, protocol)
    if protocol == "HTTP" and action == "rest-only":
        form = RestOnlyForm(request.POST)
        if not form.is_valid():
            return _v2_page(request, api_id, protocol, bound={"rest_only_form": form}, invalid=True)
        try:
            form.attempt(account, api)
        except gw.ValidationError as exc:
            explanation = "; ".join(p.message for p in exc.problems)
        else:  # pragma: no cover (the engine always refuses)
            explanation = "The engine accepted it."
        return _v2_page(request, api_id, protocol, bound={"rest_only_form": form}, result={"rest_only": explanation})
    if protocol == "WEBSOCKET" and action in ("connect", "send", "manage", "disconnect", "skip"):
        return _ws_action(request, api, action)
    forms = _v2_forms(request, account, api)
    if action not in forms or forms[action][2] != (item is not None):
        raise Http404("No such action")
    make, slot, _ = forms[action]
    if (
        item is not None
        and item
        not in {"delete-route": api.routes, "delete-integration": api.integrations, "stage-action": api.stages}[action]
    ):
        raise Http404("No such item")
    form = make()
    args, url = (api_id, protocol, *([item] if item else [])), reverse(V2_PAGES[protocol][1], args=[api_id])
    return apply_form(request, form, args, partial(_v2_page, request, api_id, protocol), url, slot=slot)


@login_required
@require_POST
def http_action(request: HttpRequest, api_id: str, action: str, item: str | None = None) -> HttpResponse:
    return _v2_action(request, api_id, action, item, "HTTP")


@login_required
@require_POST
def ws_action(request: HttpRequest, api_id: str, action: str, item: str | None = None) -> HttpResponse:
    return _v2_action(request, api_id, action, item, "WEBSOCKET")


def _skip(account: gw.Account, api: gw.V2Api, connection_id: str, seconds: int, at: float, rng) -> v2.WsResult:
    """The connection's clock skips ahead; the gateway's limits apply at once. A live client's
    connection is closed by the server holding it (its next poll: 1001 and $disconnect)."""
    connection = v2.skip_time(account, api.apiId, connection_id, seconds)
    why = v2.expiry_reason(connection, at)
    if why is None:
        return v2.WsResult(200, connection_id=connection_id, reason=f"{seconds // 60} minutes later: still open")
    if connection.transport == "websocket":
        return v2.WsResult(200, connection_id=connection_id, reason=f"{why}: the server closes it with 1001 now")
    closing = v2.close_ws_connection(account, connection, at, rng, 1001, "Going away", why)
    closing.reason = f"{why}: closed with 1001, $disconnect ran"
    return closing


def _ws_action(request: HttpRequest, api: gw.V2Api, action: str) -> HttpResponse:
    """Connect, send, @connections and disconnect: the connections live in the Account, so each
    action runs in a transaction; the page shows what happened."""
    account = _account(request)
    connections = [c for c in account.wsConnections.values() if c.apiId == api.apiId]
    rng = random.Random()  # noqa: S311 (connection and request ids, not secrets)
    if action == "connect":
        form, slot = WsConnectForm(request.POST, api=api), "connect_form"
    elif action == "send":
        form, slot = WsSendForm(request.POST, connections=connections), "send_form"
    elif action == "manage":
        form, slot = WsManageForm(request.POST, api=api), "manage_form"
    elif action == "skip":
        form, slot = WsSkipForm(request.POST), None
    else:
        form, slot = WsDisconnectForm(request.POST), None
    if not form.is_valid():
        bound = {slot: form} if slot else {}
        return _v2_page(
            request, api.apiId, "WEBSOCKET", bound=bound, problems=[] if slot else _form_problems(form), invalid=True
        )
    data = form.cleaned_data
    try:
        with SandboxAccount.editing(request.user) as fresh:
            at = time.time()
            if action == "connect":
                outcome = v2.ws_connect(
                    fresh,
                    api.apiId,
                    data["stage"],
                    headers=data["headers"],
                    query=parse_qsl(data["query"]),
                    now=at,
                    rng=rng,
                )
                result = {"kind": "connect", "ws": outcome}
            elif action == "send":
                outcome = v2.ws_send(fresh, data["connection"], data["message"], now=at, rng=rng)
                result = {"kind": "send", "ws": outcome}
            elif action == "manage":
                verbs = {"post": v2.post_to_connection, "get": v2.get_connection, "delete": v2.delete_connection}
                extra = {"data": data["data"]} if data["action"] == "post" else {}
                status, body = verbs[data["action"]](
                    fresh, api.apiId, data["stage"], data["connection_id"].strip(), now=at, **extra
                )
                result = {
                    "kind": "manage",
                    "action": data["action"].upper(),
                    "status": status,
                    "body": json.dumps(body, indent=2) if body is not None else "",
                }
            elif action == "skip":
                result = {"kind": "skip", "ws": _skip(fresh, api, data["connection"], data["seconds"], at, rng)}
            else:
                connection = fresh.wsConnections.get(data["connection"])
                if connection is None or connection.apiId != api.apiId:
                    raise gw.NotFoundError("No such connection (it is closed already)")
                result = {"kind": "disconnect", "ws": v2.ws_disconnect(fresh, data["connection"], now=at, rng=rng)}
    except ENGINE_ERRORS as exc:
        form.add_engine_error(exc)
        bound = {slot: form} if slot else {}
        return _v2_page(
            request, api.apiId, "WEBSOCKET", bound=bound, problems=[] if slot else _form_problems(form), invalid=True
        )
    bound = {slot: form} if slot and action != "connect" else {}
    return _v2_page(request, api.apiId, "WEBSOCKET", bound=bound, result=result)
