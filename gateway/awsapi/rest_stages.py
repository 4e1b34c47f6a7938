"""apigateway: deployments, stages (patch operations, canaries, method settings), the stage
cache, OpenAPI import/put/export, SDKs and test-invoke-method.

AWS: https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html (the patch paths)
and https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
"""

from __future__ import annotations

import copy
import io
import time
import zipfile
from typing import Any
from urllib.parse import parse_qsl

from gateway.awsapi import paging, patch
from gateway.awsapi.errors import AwsError
from gateway.awsapi.registry import Context, operation
from gateway.awsapi.rest_apis import api_out, rest_api, set_tags, tags_of
from gateway.control import operations as ops
from gateway.control.openapi import export_openapi, import_openapi
from gateway.control.sdk import generate_sdk
from gateway.model.call import Request, Runtime
from gateway.model.errors import NotFoundError
from gateway.model.resources import Account, CanarySettings, Stage, method_setting_key
from gateway.rest.pipeline import invoke
from gateway.traffic import cache

S = "apigateway"

# ---------------------------------------------------------------------------------------
# Deployments


def deployment_out(deployment: Any) -> dict[str, Any]:
    return {"id": deployment.id, "description": deployment.description, "createdDate": deployment.createdDate}


@operation(S, "CreateDeployment")
def create_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Freezes the API; with stageName, points that stage (created if new) or its canary at it."""
    api = rest_api(ctx, p)
    canary = p.get("canarySettings")
    if canary is not None:
        canary = {
            "percentTraffic": canary.get("percentTraffic", 0.0),
            "stageVariableOverrides": canary.get("stageVariableOverrides") or {},
            "useStageCache": canary.get("useStageCache", False),
        }
    deployment = ops.create_deployment(
        ctx.account,
        api,
        stage_name=p.get("stageName"),
        description=p.get("description"),
        stage_description=p.get("stageDescription"),
        variables=p.get("variables"),
        canary=canary,
        now=ctx.now,
    )
    stage = api.stages.get(p.get("stageName") or "")
    if stage is not None and canary is None:
        if p.get("cacheClusterEnabled"):
            cache.enable_stage_cache(stage, p.get("cacheClusterSize") or "0.5")
        if "tracingEnabled" in p:
            stage.tracingEnabled = bool(p["tracingEnabled"])
    return deployment_out(deployment)


@operation(S, "GetDeployments")
def get_deployments(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's deployments, paged."""
    items = sorted(rest_api(ctx, p).deployments.values(), key=lambda d: d.createdDate)
    return paging.apigateway(items, p, lambda d: deployment_out(d))


def _deployment(ctx: Context, p: dict[str, Any]) -> Any:
    api = rest_api(ctx, p)
    found = api.deployments.get(p["deploymentId"])
    if found is None:
        raise NotFoundError(f"Invalid Deployment identifier specified: {p['deploymentId']}")
    return api, found


@operation(S, "GetDeployment")
def get_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One deployment."""
    return deployment_out(_deployment(ctx, p)[1])


@operation(S, "UpdateDeployment")
def update_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patches a deployment's description (a deployment's content never changes)."""
    _api, deployment = _deployment(ctx, p)
    patch.apply(deployment, p.get("patchOperations"), fields={"description"})
    return deployment_out(deployment)


@operation(S, "DeleteDeployment")
def delete_deployment(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a deployment no stage or canary uses (AWS refuses the others)."""
    api, deployment = _deployment(ctx, p)
    for stage in api.stages.values():
        if deployment.id in (stage.deploymentId, stage.canarySettings and stage.canarySettings.deploymentId):
            raise AwsError(
                "BadRequestException",
                "Active stages pointing to this deployment must be moved or deleted",
                400,
            )
    del api.deployments[deployment.id]
    return {}


# ---------------------------------------------------------------------------------------
# Stages


def stage_arn(ctx: Context, api_id: str, stage: str) -> str:
    return f"arn:aws:apigateway:{ctx.account.region}::/restapis/{api_id}/stages/{stage}"


def stage_out(ctx: Context, api_id: str, stage: Stage) -> dict[str, Any]:
    data = stage.to_dict()
    data.pop("history", None)
    return data | {"tags": tags_of(ctx, stage_arn(ctx, api_id, stage.stageName))}


@operation(S, "CreateStage")
def create_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a stage pointing at a deployment (with variables, cache, canary, tracing)."""
    api = rest_api(ctx, p)
    stage = ops.create_stage(
        api,
        p["stageName"],
        p["deploymentId"],
        description=p.get("description"),
        variables=p.get("variables"),
        now=ctx.now,
    )
    if p.get("cacheClusterEnabled"):
        cache.enable_stage_cache(stage, p.get("cacheClusterSize") or "0.5")
    stage.tracingEnabled = bool(p.get("tracingEnabled", False))
    if p.get("canarySettings"):
        settings = CanarySettings.from_dict(p["canarySettings"])
        if settings.deploymentId and settings.deploymentId not in api.deployments:
            raise NotFoundError(f"Invalid Deployment identifier specified: {settings.deploymentId}")
        ops.update_canary(stage, settings)
    set_tags(ctx, stage_arn(ctx, api.id, stage.stageName), p.get("tags"))
    return stage_out(ctx, api.id, stage)


@operation(S, "GetStages")
def get_stages(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the API's stages (one page: AWS does not page stages)."""
    api = rest_api(ctx, p)
    stages = sorted(api.stages.values(), key=lambda s: s.stageName)
    if p.get("deploymentId"):
        stages = [s for s in stages if s.deploymentId == p["deploymentId"]]
    return {"item": [stage_out(ctx, api.id, s) for s in stages]}


@operation(S, "GetStage")
def get_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One stage, with its method settings and canary."""
    api = rest_api(ctx, p)
    return stage_out(ctx, api.id, ops.get_stage(api, p["stageName"]))


# update-stage's method-setting paths: /{resource path}/{METHOD}/{group}/{name}
SETTING_PATHS = {
    "metrics/enabled": "metricsEnabled",
    "logging/loglevel": "loggingLevel",
    "logging/dataTrace": "dataTraceEnabled",
    "throttling/burstLimit": "throttlingBurstLimit",
    "throttling/rateLimit": "throttlingRateLimit",
    "caching/enabled": "cachingEnabled",
    "caching/ttlInSeconds": "cacheTtlInSeconds",
    "caching/dataEncrypted": "cacheDataEncrypted",
    "caching/requireAuthorizationForCacheControl": "requireAuthorizationForCacheControl",
    "caching/unauthorizedCacheControlHeaderStrategy": "unauthorizedCacheControlHeaderStrategy",
}
STAGE_FIELDS = {
    "description",
    "variables",
    "cacheClusterEnabled",
    "cacheClusterSize",
    "tracingEnabled",
    "canarySettings",
    "accessLogSettings",
    "deploymentId",
    "clientCertificateId",
}
HTTP = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY", "*"}


def _setting_change(stage: Stage, op: dict[str, Any]) -> bool:
    """A method-settings path: applied here (True), or not one (False)."""
    raw = (op.get("path") or "").lstrip("/").split("/")
    if len(raw) < 2 or raw[1] not in HTTP:
        return False
    resource_path, verb = patch.unescape(raw[0]), raw[1]
    key = "*/*" if (resource_path, verb) == ("*", "*") else method_setting_key(resource_path, verb)
    if len(raw) == 2 and op.get("op") == "remove":
        if stage.methodSettings.pop(key, None) is None:
            raise AwsError(
                "BadRequestException",
                f"Cannot remove method setting {key} because there is no method setting for this method",
            )
        return True
    name = SETTING_PATHS.get("/".join(raw[2:]))
    if name is None or op.get("op") != "replace":
        raise AwsError("BadRequestException", f"Invalid method setting path: {op.get('path')}")
    field_type = type(getattr(stage.setting_for("", "GET"), name))
    value = patch.coerce(field_type, op.get("value"), op["path"])
    ops.update_method_settings(stage, key, **{name: value})
    return True


@operation(S, "UpdateStage")
def update_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Patch operations: variables, cache, tracing, method settings, canary settings, rollback, promotion."""
    api = rest_api(ctx, p)
    stage = ops.get_stage(api, p["stageName"])
    for op in p.get("patchOperations") or []:
        path = op.get("path") or ""
        if _setting_change(stage, op):
            continue
        if path == "/deploymentId":
            target = op.get("value")
            if op.get("op") == "copy" and op.get("from") == "/canarySettings/deploymentId":
                if stage.canarySettings is None:
                    raise AwsError("BadRequestException", "The stage has no canary to promote")
                ops.point_stage(stage, stage.canarySettings.deploymentId, ctx.now, "promote")
                continue
            if op.get("op") != "replace" or target not in api.deployments:
                raise NotFoundError(f"Invalid Deployment identifier specified: {target}")
            ops.rollback_stage(api, stage.stageName, target, ctx.now)
            continue
        if (
            path == "/variables"
            and op.get("op") == "copy"
            and op.get("from") == "/canarySettings/stageVariableOverrides"
        ):
            if stage.canarySettings is not None:
                stage.variables = {**stage.variables, **stage.canarySettings.stageVariableOverrides}
            continue
        if path == "/cacheClusterEnabled":
            enabled = patch.coerce(bool, op.get("value"), path)
            if enabled:
                cache.enable_stage_cache(stage, stage.cacheClusterSize or "0.5")
            else:
                cache.disable_stage_cache(stage)
            continue
        patch.apply(stage, [op], fields=STAGE_FIELDS - {"deploymentId"})
    ops.update_stage_variables(stage, stage.variables)
    if stage.canarySettings is not None:
        if stage.canarySettings.deploymentId and stage.canarySettings.deploymentId not in api.deployments:
            raise NotFoundError(f"Invalid Deployment identifier specified: {stage.canarySettings.deploymentId}")
        if not stage.canarySettings.deploymentId:
            stage.canarySettings.deploymentId = stage.deploymentId
        ops.update_canary(stage, stage.canarySettings)
    if stage.cacheClusterSize and stage.cacheClusterSize not in cache.CACHE_SIZES:
        raise AwsError("BadRequestException", f"Invalid cache cluster size: {stage.cacheClusterSize}")
    stage.lastUpdatedDate = ctx.now
    return stage_out(ctx, api.id, stage)


@operation(S, "DeleteStage")
def delete_stage(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes a stage (usage plans lose it)."""
    api = rest_api(ctx, p)
    ops.delete_stage(api, p["stageName"])
    for plan in ctx.account.usagePlans.values():
        plan.apiStages = [s for s in plan.apiStages if (s.apiId, s.stage) != (api.id, p["stageName"])]
    ctx.account.tags.pop(stage_arn(ctx, api.id, p["stageName"]), None)
    return {}


@operation(S, "FlushStageCache")
def flush_stage_cache(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Empties the stage's cache at once (its canary's too)."""
    api = rest_api(ctx, p)
    ops.get_stage(api, p["stageName"])
    cache.flush_stage_cache(ctx.runtime.store, api.id, p["stageName"])
    return {}


@operation(S, "FlushStageAuthorizersCache")
def flush_stage_authorizers_cache(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Forgets the stage's cached authorizer results."""
    api = rest_api(ctx, p)
    ops.get_stage(api, p["stageName"])
    ctx.runtime.store.drop(f"authz:{api.id}:{p['stageName']}:")
    return {}


# ---------------------------------------------------------------------------------------
# OpenAPI and SDKs


def _import(ctx: Context, p: dict[str, Any], api_id: str | None, mode: str) -> dict[str, Any]:
    parameters = p.get("parameters") or {}
    fail = bool(p.get("failOnWarnings"))
    api, warnings = import_openapi(
        ctx.account, p.get("body") or b"", mode=mode, api_id=api_id, fail_on_warnings=fail, now=ctx.now
    )
    endpoint = parameters.get("endpointConfigurationTypes")
    if endpoint:
        if endpoint not in ("EDGE", "REGIONAL", "PRIVATE"):
            raise AwsError("BadRequestException", f"Invalid endpointConfigurationTypes: {endpoint}")
        api.endpointConfiguration = {**api.endpointConfiguration, "types": [endpoint]}
    return api_out(ctx, api) | {"warnings": [str(w) for w in warnings] or None}


@operation(S, "ImportRestApi")
def import_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates an API from an OpenAPI 3 or Swagger 2 document (JSON or YAML)."""
    return _import(ctx, p, None, "overwrite")


@operation(S, "PutRestApi")
def put_rest_api(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Overwrites or merges an API from an OpenAPI document."""
    return _import(ctx, p, p["restApiId"], p.get("mode") or "merge")


@operation(S, "GetExport")
def get_export(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Exports a stage as oas30 or swagger, JSON or YAML, with or without AWS's extensions."""
    api = rest_api(ctx, p)
    stage = ops.get_stage(api, p["stageName"])
    accepts = (p.get("accepts") or "application/json").split(",")[0].strip()
    fmt = "yaml" if accepts in ("application/yaml", "application/x-yaml") else "json"
    extension = (p.get("parameters") or {}).get("extensions", "")
    if extension and extension not in ("integrations", "apigateway", "authorizers", "postman"):
        raise AwsError("BadRequestException", f"Invalid extensions parameter: {extension}")
    if extension == "postman":
        raise AwsError("BadRequestException", "Postman exports are not part of the sandbox: use oas30")
    version = p["exportType"]
    if version not in ("oas30", "swagger"):
        raise AwsError("BadRequestException", f"Invalid export type: {version}: oas30 or swagger")
    text = export_openapi(api, version=version, extensions=bool(extension), stage=stage, fmt=fmt)
    name = f"{api.id}-{stage.stageName}-{version}.{fmt}"
    return {
        "body": text.encode(),
        "contentType": "application/yaml" if fmt == "yaml" else "application/json",
        "contentDisposition": f'attachment; filename="{name}"',
    }


SDK_LANGUAGES = {"javascript": ("javascript", "apigClient.js"), "python": ("python", "api_client.py")}


@operation(S, "GetSdk")
def get_sdk(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """A zip with a generated client for the stage: javascript (as AWS), or python (the sandbox's own)."""
    api = rest_api(ctx, p)
    stage = ops.get_stage(api, p["stageName"])
    if p["sdkType"] not in SDK_LANGUAGES:
        raise AwsError(
            "BadRequestException",
            f"The sandbox generates javascript and python SDKs, not {p['sdkType']}",
        )
    language, filename = SDK_LANGUAGES[p["sdkType"]]
    source = generate_sdk(api, stage, language=language, base_url=ctx.invoke_url(api.id, stage.stageName))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{api.name or api.id}-{p['sdkType']}/{filename}", source)
    return {
        "body": buffer.getvalue(),
        "contentType": "application/octet-stream",
        "contentDisposition": f'attachment; filename="{api.id}_{stage.stageName}_{p["sdkType"]}.zip"',
    }


@operation(S, "TestInvokeMethod", writes=False)
def test_invoke_method(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Runs the method as it is now (not as deployed) and returns status, headers, body and the log."""
    account = Account.from_dict(copy.deepcopy(ctx.account.to_dict()))  # the caller's own copy
    api = ops.get_api(account, p["restApiId"])
    resource = ops.get_resource(api, p["resourceId"])
    ops.get_method(api, resource.id, p["httpMethod"])
    stage = "test-invoke-stage"
    api.stages.pop(stage, None)
    ops.create_deployment(account, api, stage_name=stage, variables=p.get("stageVariables") or {}, now=ctx.now)
    raw_path, _, query = (p.get("pathWithQueryString") or resource.path).partition("?")
    headers = list((p.get("headers") or {}).items())
    for name, values in (p.get("multiValueHeaders") or {}).items():
        headers += [(name, v) for v in values]
    request = Request(
        api.id,
        stage,
        p["httpMethod"].upper(),
        raw_path or "/",
        parse_qsl(query, keep_blank_values=True),
        headers,
        p.get("body") or "",
        time=ctx.now,
    )
    started = time.perf_counter()
    response = invoke(account, request, runtime=Runtime())
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in response.headers:
        single[name] = value
        multi.setdefault(name, []).append(value)
    body = response.body.decode("utf-8", "replace") if isinstance(response.body, bytes) else response.body
    log = "\n".join(f"{line.at_ms:7.1f} ms  {line.level:5}  {line.message}" for line in response.log)
    return {
        "status": response.status,
        "body": body,
        "headers": single,
        "multiValueHeaders": multi,
        "log": log,
        "latency": max(int(response.latency_ms), int((time.perf_counter() - started) * 1000)),
    }
