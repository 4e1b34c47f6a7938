"""The core sandbox console: APIs, the resource tree, the method's editors, deploy and test."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

import gateway as gw
from gateway.auth import sigv4
from gateway.model.call import Request, Runtime
from gateway.v2 import apis as v2
from gateway.vtl.engine import Limits, TemplateError, TemplateInput, render_with_overrides
from sandbox import invoke_host, labs
from sandbox.confirm import confirm_page, confirmed, plural
from sandbox.forms.common import split_list
from sandbox.forms.console import (
    ApiSettingsForm,
    CorsForm,
    CreateApiForm,
    DeployForm,
    IntegrationForm,
    IntegrationResponseForm,
    MethodRequestForm,
    PreviewForm,
    ResourceForm,
    TestForm,
)
from sandbox.models import LimitError, SandboxAccount, data_digest, new_account
from sandbox.runtime import RUNTIME
from sandbox.views.common import _rest_api, _sample_path

ENGINE_ERRORS = (gw.ValidationError, gw.NotFoundError, gw.ConflictError, LimitError)
STEPS = ["method request", "integration request", "integration", "integration response", "method response"]
WORKING_COPY = "__working__"


def _problems(exc: Exception) -> list[str]:
    if isinstance(exc, gw.ValidationError):
        return [str(p) for p in exc.problems]
    return [str(exc)]


def _url(name: str, *args, fallback: str = "sandbox:home") -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return reverse(fallback)


def undeployed(api: gw.RestApi, stage: gw.Stage) -> bool:
    """The working copy differs from what the stage serves: "changes not deployed"."""
    deployment = api.deployments.get(stage.deploymentId)
    return deployment is None or deployment.snapshot != api.definition()


# ---------------------------------------------------------------------------------------
# APIs


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    account = SandboxAccount.for_user(request.user).account()
    rest = sorted(account.restApis.values(), key=lambda a: a.name.lower())
    other = sorted(account.v2Apis.values(), key=lambda a: a.name.lower())
    context = {
        "rest_apis": [(api, [(s, undeployed(api, s)) for s in api.stages.values()]) for api in rest],
        "v2_apis": [
            (api, _url("sandbox:http_api" if api.protocolType == "HTTP" else "sandbox:ws", api.apiId)) for api in other
        ],
        "form": CreateApiForm(),
        "functions": sorted(account.functions),
        "counts": {
            "apis": len(rest) + len(other),
            "keys": len(account.apiKeys),
            "plans": len(account.usagePlans),
            "users": len(account.iamUsers),
            "pools": len(account.userPools),
            "labs": len(labs.all_labs()),
        },
    }
    return render(request, "sandbox/home.html", context)


@login_required
@require_GET
def metrics_home(request: HttpRequest) -> HttpResponse:
    """Metrics and logs are kept per API stage: pick the API (and stage) to look at."""
    account = SandboxAccount.for_user(request.user).account()
    rest = sorted(account.restApis.values(), key=lambda a: a.name.lower())
    rows = [(api, sorted(api.stages)) for api in rest]
    return render(request, "sandbox/metrics_home.html", {"rows": rows})


@login_required
@require_POST
def create_api(request: HttpRequest) -> HttpResponse:
    form = CreateApiForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with SandboxAccount.editing(request.user) as account:
                if data["kind"] == "REST":
                    api = gw.create_rest_api(
                        account,
                        data["name"],
                        description=data["description"] or None,
                        endpoint_type=data["endpoint_type"] or "REGIONAL",
                        now=time.time(),
                    )
                    target = reverse("sandbox:api", args=[api.id])
                elif data["kind"] == "HTTP":
                    api = v2.create_http_api(
                        account, data["name"], description=data["description"] or None, now=time.time()
                    )
                    target = _url("sandbox:http_api", api.apiId)
                else:
                    api = v2.create_websocket_api(account, data["name"], now=time.time())
                    target = _url("sandbox:ws", api.apiId)
            messages.success(request, f"Created the {data['kind']} API {data['name']}.")
            return redirect(target)
        except ENGINE_ERRORS as exc:
            for problem in _problems(exc):
                form.add_error(None, problem)
    account = SandboxAccount.for_user(request.user).account()
    context = {
        "rest_apis": [(a, []) for a in account.restApis.values()],
        "v2_apis": [],
        "form": form,
        "functions": sorted(account.functions),
    }
    return render(request, "sandbox/home.html", context, status=422)


@login_required
@require_POST
def delete_api(request: HttpRequest, api_id: str) -> HttpResponse:
    if not confirmed(request):
        api = _rest_api(SandboxAccount.for_user(request.user).account(), api_id)
        in_plans = sum(
            any(s.apiId == api_id for s in p.apiStages)
            for p in SandboxAccount.for_user(request.user).account().usagePlans.values()
        )
        lost = [
            f"the REST API {api.name} ({api.id}) and its {plural(len(api.resources), 'resource')}",
            f"{plural(len(api.stages), 'stage')} and {plural(len(api.deployments), 'deployment')}: every invoke URL of it stops answering",
        ]
        if in_plans:
            lost.append(f"its stages in {plural(in_plans, 'usage plan')}")
        return confirm_page(
            request,
            title=f"Delete the API {api.name}?",
            lost=lost,
            button="Delete the API",
            cancel=_url("sandbox:api", api_id),
        )
    with SandboxAccount.editing(request.user) as account:
        _rest_api(account, api_id)
        del account.restApis[api_id]
    messages.info(request, "API deleted.")
    return redirect("sandbox:home")


@login_required
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    account = SandboxAccount.for_user(request.user).account()
    if not confirmed(request):
        lost = [
            f"{plural(len(account.restApis), 'REST API')} and {plural(len(account.v2Apis), 'HTTP or WebSocket API')}, with their stages",
            f"{plural(len(account.apiKeys), 'API key')} and {plural(len(account.usagePlans), 'usage plan')}",
            f"{plural(len(account.iamUsers), 'IAM user')} and {plural(len(account.userPools), 'Cognito user pool')}",
            "changes to the Lambda functions (the teaching functions come back as they were)",
            "lab set-ups in your sandbox (your lab progress and scores are kept)",
        ]
        return confirm_page(
            request,
            title="Reset your whole sandbox?",
            lost=lost,
            button="Reset my sandbox",
            cancel=_url("sandbox:home"),
        )
    with transaction.atomic():
        sandbox = SandboxAccount.objects.select_for_update().get(user=request.user)
        sandbox.store(new_account())
    messages.info(request, "Your sandbox is empty again (the teaching Lambda functions are back).")
    return redirect("sandbox:home")


def build_pets_example(account: gw.Account) -> gw.RestApi:
    """The notes' serverless API: Client -> API Gateway -> Lambda -> DynamoDB (the Pets table)."""
    api = gw.create_rest_api(
        account,
        "Pets example",
        description="Client -> API Gateway -> Lambda -> DynamoDB",
        endpoint_type="REGIONAL",
        now=time.time(),
    )
    pets_fn = account.functions["pets"].arn
    for path, verbs in (("/pets", ("GET", "POST")), ("/pets/{petId}", ("GET", "DELETE"))):
        resource = gw.create_resource_path(account, api, path)
        for verb in verbs:
            gw.put_method(api, resource.id, verb)
            gw.put_integration(api, resource.id, verb, "AWS_PROXY", uri=pets_fn)
    gw.create_deployment(account, api, stage_name="dev", description="example", now=time.time())
    return api


@login_required
@require_POST
def load_example(request: HttpRequest) -> HttpResponse:
    try:
        with SandboxAccount.editing(request.user) as account:
            api = build_pets_example(account)
    except ENGINE_ERRORS as exc:
        messages.error(request, "; ".join(_problems(exc)))
        return redirect("sandbox:home")
    messages.success(request, "Loaded the pets API (GET/POST /pets, GET/DELETE /pets/{petId}) and deployed it to dev.")
    return redirect("sandbox:api", api_id=api.id)


# ---------------------------------------------------------------------------------------
# The API page


def _tree(api: gw.RestApi) -> list[dict]:
    resources = sorted(api.resources.values(), key=lambda r: r.path)
    return [
        {"resource": r, "depth": 0 if r.path == "/" else r.path.count("/"), "methods": sorted(r.resourceMethods)}
        for r in resources
    ]


FORM_ID_PREFIXES = {
    "resource_form": "resource",
    "method_form": "method",
    "integration_form": "integration",
    "response_form": "response",
    "deploy_form": "deploy",
    "preview_form": "preview",
    "settings_form": "settings",
    "cors_form": "cors",
}


def _api_context(request: HttpRequest, account: gw.Account, api: gw.RestApi, **extra) -> dict:
    resource_id = request.GET.get("resource") or request.POST.get("resource") or api.root.id
    resource = api.resources.get(resource_id) or api.root
    verb = (
        request.GET.get("method") or request.POST.get("http_method") or next(iter(sorted(resource.resourceMethods)), "")
    ).upper()
    method = resource.resourceMethods.get(verb)
    integration = method.methodIntegration if method else None
    initial_method = {"resource": resource.id, "http_method": verb or "GET"}
    if method:
        initial_method |= {
            "authorization_type": method.authorizationType,
            "authorizer_id": method.authorizerId or "",
            "api_key_required": method.apiKeyRequired,
            "request_validator_id": method.requestValidatorId or "",
            "request_parameters": json.dumps(method.requestParameters) if method.requestParameters else "",
        }
    initial_integration = {
        "resource": resource.id,
        "http_method": verb,
        "type": "MOCK",
        "timeout": 29000,
        "passthrough": "WHEN_NO_MATCH",
    }
    if integration:
        initial_integration |= {
            "type": integration.type,
            "uri": integration.uri or "",
            "integration_http_method": integration.httpMethod or "",
            "passthrough": integration.passthroughBehavior,
            "timeout": integration.timeoutInMillis,
            "request_template": integration.requestTemplates.get("application/json", ""),
            "request_parameters": json.dumps(integration.requestParameters) if integration.requestParameters else "",
            "cache_key_parameters": ", ".join(integration.cacheKeyParameters),
        }
    stages = [(s, undeployed(api, s)) for s in sorted(api.stages.values(), key=lambda s: s.stageName)]
    context = {
        "api": api,
        "tree": _tree(api),
        "resource": resource,
        "verb": verb,
        "method": method,
        "integration": integration,
        "integration_responses": sorted(integration.integrationResponses.values(), key=lambda r: r.statusCode)
        if integration
        else [],
        "stages": stages,
        "steps": STEPS,
        "resource_form": ResourceForm(initial={"parent": resource.id}),
        "method_form": MethodRequestForm(initial=initial_method),
        "integration_form": IntegrationForm(initial=initial_integration),
        "response_form": IntegrationResponseForm(
            initial={"resource": resource.id, "http_method": verb, "status_code": "200"}
        ),
        "deploy_form": DeployForm(initial={"stage": next(iter(api.stages), "dev")}),
        "test_form": TestForm(
            initial={
                "method": verb or "GET",
                "path": _sample_path(resource.path),
                "target": next(iter(sorted(api.stages)), WORKING_COPY),
            }
        ),
        "preview_form": PreviewForm(initial={"template": initial_integration.get("request_template", "")}),
        "settings_form": ApiSettingsForm(
            initial={
                "endpoint_type": api.endpoint_type,
                "api_key_source": api.apiKeySource,
                "binary_media_types": ", ".join(api.binaryMediaTypes),
                "policy": api.policy or "",
            }
        ),
        "cors_form": CorsForm(initial={"resource": resource.id}),
        "functions": sorted(account.functions.values(), key=lambda f: f.name),
        "authorizers": sorted(api.authorizers.values(), key=lambda a: a.name),
        "validators": sorted(api.requestValidators.values(), key=lambda v: v.name),
        "iam_users": sorted(account.iamUsers),
        "working_copy": WORKING_COPY,
        "calls": [(s.stageName, invoke_host.invoke_url(request, api.id, s.stageName)) for s, _dirty in stages],
        "host": request.get_host(),
        "scheme": request.scheme,
    }
    context |= extra
    # Many forms share one page: give each its own id prefix so labels stay unique.
    for key, prefix in FORM_ID_PREFIXES.items():
        context[key].auto_id = f"{prefix}_%s"
    return context


@login_required
@require_GET
def api_detail(request: HttpRequest, api_id: str) -> HttpResponse:
    account = SandboxAccount.for_user(request.user).account()
    api = _rest_api(account, api_id)
    return render(request, "sandbox/api.html", _api_context(request, account, api))


def _rerender(request: HttpRequest, api_id: str, status: int = 422, **forms) -> HttpResponse:
    account = SandboxAccount.for_user(request.user).account()
    api = _rest_api(account, api_id)
    return render(request, "sandbox/api.html", _api_context(request, account, api, **forms), status=status)


def _back(api_id: str, resource_id: str = "", verb: str = "", anchor: str = "") -> HttpResponse:
    url = reverse("sandbox:api", args=[api_id])
    query = "&".join(
        p for p in (f"resource={resource_id}" if resource_id else "", f"method={verb}" if verb else "") if p
    )
    return redirect(url + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else ""))


def _edit_api(request: HttpRequest, api_id: str, form, slot: str, change, field: str | None = None) -> HttpResponse:
    """The API page's edit shape: a valid form changes the learner's API all or nothing, through
    `change(account, api, data) -> (notice, response)`; the engine's refusal goes onto the form
    (on `field`, or above it), and the page is shown again with the form in its `slot`."""
    if form.is_valid():
        try:
            with SandboxAccount.editing(request.user) as account:
                notice, response = change(account, _rest_api(account, api_id), form.cleaned_data)
            messages.success(request, notice)
            return response
        except ENGINE_ERRORS as exc:
            for problem in _problems(exc):
                form.add_error(field, problem)
    return _rerender(request, api_id, **{slot: form})


@login_required
@require_POST
def create_resource(request: HttpRequest, api_id: str) -> HttpResponse:
    def change(account, api, data):
        resource = gw.create_resource(account, api, data["parent"], data["path_part"].strip())
        return f"Created {resource.path}. Add a method to it.", _back(api_id, resource.id, anchor="method-request")

    return _edit_api(request, api_id, ResourceForm(request.POST), "resource_form", change, field="path_part")


@login_required
@require_POST
def method_edit(request: HttpRequest, api_id: str) -> HttpResponse:
    editor = request.POST.get("editor", "")
    form_class = {"method": MethodRequestForm, "integration": IntegrationForm, "response": IntegrationResponseForm}.get(
        editor
    )
    if editor == "delete":
        with SandboxAccount.editing(request.user) as account:
            api = _rest_api(account, api_id)
            try:
                gw.delete_method(api, request.POST.get("resource", ""), request.POST.get("http_method", ""))
            except gw.NotFoundError as exc:
                raise Http404(str(exc)) from None
        messages.info(request, "Method deleted.")
        return _back(api_id, request.POST.get("resource", ""))
    if form_class is None:
        raise Http404("Unknown editor")
    save = {"method": _save_method, "integration": _save_integration, "response": _save_response}[editor]

    def change(account, api, data):
        save(api, data)
        back = _back(api_id, data["resource"], data["http_method"], anchor=f"editor-{editor}")
        return "Saved. Deploy to make it reach callers.", back

    return _edit_api(request, api_id, form_class(request.POST), f"{editor}_form", change)


def _save_method(api: gw.RestApi, data: dict) -> None:
    verb = data["http_method"]
    resource = api.resources.get(data["resource"])
    if resource is None:
        raise gw.NotFoundError("No such resource")
    fields = {
        "authorization_type": data["authorization_type"],
        "authorizerId": data["authorizer_id"] or None,
        "apiKeyRequired": data["api_key_required"],
        "requestValidatorId": data["request_validator_id"] or None,
        "requestParameters": data["request_parameters"],
    }
    if (
        fields["authorization_type"] in ("CUSTOM", "COGNITO_USER_POOLS")
        and fields["authorizerId"] not in api.authorizers
    ):
        raise gw.ValidationError(
            gw.Problem("authorizerId", "choose one of this API's authorizers (create one on the Authorizers page)")
        )
    if verb in resource.resourceMethods:
        authorization = fields.pop("authorization_type")
        gw.update_method(api, resource.id, verb, authorizationType=authorization, **fields)
    else:
        gw.put_method(api, resource.id, verb, **fields)
        gw.put_method_response(api, resource.id, verb, "200")


def _save_integration(api: gw.RestApi, data: dict) -> None:
    fields = {
        "uri": data["uri"].strip() or None,
        "passthroughBehavior": data["passthrough"],
        "timeoutInMillis": data["timeout"],
        "requestTemplates": {"application/json": data["request_template"]} if data["request_template"].strip() else {},
        "requestParameters": data["request_parameters"],
        "cacheKeyParameters": split_list(data["cache_key_parameters"]),
    }
    if data["integration_http_method"]:
        fields["httpMethod"] = data["integration_http_method"]
    if data["type"] == "MOCK" and not fields["requestTemplates"]:
        fields["requestTemplates"] = {"application/json": '{"statusCode": 200}'}
    integration = gw.put_integration(api, data["resource"], data["http_method"], data["type"], **fields)
    if data["type"] not in ("AWS_PROXY", "HTTP_PROXY") and not integration.integrationResponses:
        gw.put_integration_response(api, data["resource"], data["http_method"], "200")


def _save_response(api: gw.RestApi, data: dict) -> None:
    method = (
        api.resources[data["resource"]].resourceMethods.get(data["http_method"])
        if data["resource"] in api.resources
        else None
    )
    if method is None or method.methodIntegration is None:
        raise gw.ValidationError(gw.Problem("integration", "set up the integration first"))
    if data["delete"]:
        method.methodIntegration.integrationResponses.pop(data["status_code"], None)
        return
    gw.put_integration_response(
        api,
        data["resource"],
        data["http_method"],
        data["status_code"],
        selectionPattern=data["selection_pattern"] or None,
        responseTemplates={"application/json": data["response_template"]} if data["response_template"].strip() else {},
        responseParameters=data["response_parameters"],
    )
    if data["status_code"] not in method.methodResponses:
        gw.put_method_response(api, data["resource"], data["http_method"], data["status_code"])


@login_required
@require_POST
def deploy(request: HttpRequest, api_id: str) -> HttpResponse:
    def change(account, api, data):
        gw.create_deployment(
            account, api, stage_name=data["stage"], description=data["description"] or None, now=time.time()
        )
        # No anchor: the page opens at its top, where the message and the stages are.
        back = _back(api_id, request.POST.get("resource", ""))
        return f"Deployed to {data['stage']}: callers now get these changes.", back

    return _edit_api(request, api_id, DeployForm(request.POST), "deploy_form", change)


@login_required
@require_POST
def api_settings(request: HttpRequest, api_id: str) -> HttpResponse:
    """Endpoint type, API key source, binary media types and the resource policy."""

    def change(account, api, data):
        api.endpointConfiguration = {"types": [data["endpoint_type"]]}
        api.apiKeySource = data["api_key_source"]
        api.binaryMediaTypes = split_list(data["binary_media_types"])
        api.policy = data["policy"]
        api.validate()
        return "API settings saved. A resource policy takes effect when you deploy.", _back(api_id, anchor="settings")

    return _edit_api(request, api_id, ApiSettingsForm(request.POST), "settings_form", change)


@login_required
@require_POST
def enable_cors(request: HttpRequest, api_id: str) -> HttpResponse:
    """What the console's "Enable CORS" does on one resource."""
    from gateway.rest import cors

    def change(account, api, data):
        cors.enable_cors(
            account,
            api,
            data["resource"],
            origins=split_list(data["origins"]) or ["*"],
            headers=split_list(data["headers"]) or None,
            gateway_responses=data["gateway_responses"],
        )
        notice = "CORS enabled: an OPTIONS method answers the preflight. Deploy to make it live."
        return notice, _back(api_id, data["resource"], "OPTIONS")

    return _edit_api(request, api_id, CorsForm(request.POST), "cors_form", change)


# ---------------------------------------------------------------------------------------
# Testing: the test panel, and a template preview


def run_test(user, api_id: str, form: TestForm) -> gw.Response:
    """Invoke through the engine: a deployed stage (real throttles and caches), or the working copy."""
    sandbox = SandboxAccount.for_user(user)
    data = form.cleaned_data
    target = data["target"] or WORKING_COPY
    account = gw.Account.from_dict(sandbox.state)  # a private copy: the test may change simulated data
    api = _rest_api(account, api_id)
    runtime = RUNTIME
    stage = target
    if target == WORKING_COPY:
        stage = "test-invoke-stage"
        api.stages.pop(stage, None)
        gw.create_deployment(account, api, stage_name=stage, now=time.time())
        runtime = Runtime()  # like the console's Test: no throttling or cache state is touched
    elif target not in api.stages:
        raise gw.NotFoundError(f"No stage {target}: deploy first")
    headers = form.header_pairs()
    if data["api_key"]:
        headers.append(("x-api-key", data["api_key"]))
    if data["bearer"]:
        headers.append(("Authorization", data["bearer"]))
    query = parse_qsl(data["query"], keep_blank_values=True)
    now = time.time()
    if data["iam_user"]:
        user_obj = account.iamUsers.get(data["iam_user"])
        keys = [k for k in user_obj.accessKeys if k.status == "Active"] if user_obj else []
        if not keys:
            raise gw.ValidationError(
                gw.Problem("iam_user", f"no IAM user {data['iam_user']} with an active access key")
            )
        host = f"{api_id}.execute-api.{account.region}.amazonaws.com"
        url = f"https://{host}/{stage}{data['path']}" + (f"?{data['query']}" if data["query"] else "")
        headers = sigv4.sign_request(
            data["method"],
            url,
            [("Host", host), *headers],
            data["body"].encode(),
            access_key_id=keys[0].accessKeyId,
            secret_access_key=keys[0].secretAccessKey,
            region=account.region,
            now=now,
        )
    before = data_digest(account)
    request = Request(
        api_id,
        stage,
        data["method"],
        data["path"],
        query,
        headers,
        data["body"],
        source_ip=data["source_ip"] or "203.0.113.10",
        time=now,
    )
    result = gw.invoke(account, request, runtime=runtime)
    if target != WORKING_COPY:
        sandbox.store_data(account, before)
    return result


@login_required
@require_POST
def test_invoke(request: HttpRequest, api_id: str) -> HttpResponse:
    api = _rest_api(SandboxAccount.for_user(request.user).account(), api_id)  # 404 for anything not yours
    form = TestForm(request.POST)
    result, problems = None, []
    if form.is_valid():
        try:
            result = run_test(request.user, api_id, form)
        except ENGINE_ERRORS as exc:
            problems = _problems(exc)
    context = {"test_form": form, "result": result, "test_problems": problems, "steps": STEPS}
    if request.htmx:  # the whole panel, so field errors show next to their fields
        stages = [(s, undeployed(api, s)) for s in sorted(api.stages.values(), key=lambda s: s.stageName)]
        context |= {"api": api, "stages": stages, "working_copy": WORKING_COPY}
        return render(request, "sandbox/_test_panel.html", context)
    return _rerender(request, api_id, status=200 if result else 422, **context)


@login_required
@require_POST
def template_preview(request: HttpRequest, api_id: str) -> HttpResponse:
    """Render a mapping template with sample input, exactly as the engine will."""
    form = PreviewForm(request.POST)
    output, error, overrides = None, None, {}
    if form.is_valid():
        data = form.cleaned_data
        sample = TemplateInput(
            body=data["body"],
            path={"id": "1"},
            querystring=dict(parse_qsl(data["query"])),
            header={"Content-Type": "application/json"},
        )
        context = {
            "requestId": "preview-request",
            "stage": "dev",
            "httpMethod": "GET",
            "resourcePath": "/preview",
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "preview"},
            "authorizer": {},
            "isCanaryRequest": False,
        }
        try:
            result = render_with_overrides(data["template"], sample, context, {"env": "dev"}, Limits())
            output, overrides = result.text, {"status": result.status_override, "headers": result.header_overrides}
        except TemplateError as exc:
            error = str(exc)
    else:
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    return render(request, "sandbox/_preview_result.html", {"output": output, "error": error, "overrides": overrides})
