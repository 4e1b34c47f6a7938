"""lambda: functions, their code and configuration, versions, aliases, the resource policy
(permissions for API Gateway) and Invoke.

A function's code is a behaviour (`gateway.model.resources.Behaviour`): the learner's own
JavaScript handler (kind code), run in a V8 isolate of a helper process, never in the server
(`gateway.integrations.jsruntime`), or one of the sandbox's canned behaviours (echo, response,
error, hello, pets, table, authorizer), data the engine interprets. The deployment package
says which:

- the file the Handler setting names (`index.handler`: `index.mjs`, `index.js` or `index.cjs` at
  the root of the archive) is the learner's handler, as Lambda's Node.js runtime loads it;
- `Code.ZipFile` (CreateFunction) or `ZipFile` (UpdateFunctionCode) is a zip archive, as AWS
  takes it. Without a handler file, a file `sandbox.json` at the root of the archive holds a
  canned behaviour as JSON, e.g.
  `{"kind": "response", "response": {"statusCode": 200, "body": "hi"}}` or
  `{"kind": "error", "message": "boom", "errorType": "ValueError"}`.
- With neither, the function echoes: it returns the event it receives.
- Bytes that are not a zip archive are refused as AWS refuses them (InvalidParameterValueException
  "Could not unzip uploaded file..."); a `sandbox.json` that is not a valid behaviour is an
  InvalidParameterValueException naming what is wrong. Nothing is created or changed then.
- S3 and container-image code is refused with the reason (the sandbox has neither).

CodeSha256 and CodeSize are those of the archive (base64 SHA-256, bytes; a console function's:
of its behaviour's JSON). The archive is not kept: GetFunction's Code has no download Location.

Invoke runs the version's behaviour through the engine's backends (`backends.run_behaviour`, what API
Gateway's Lambda integrations run after their permission check: IAM governs Invoke here, not the
resource policy). RequestResponse answers the payload, StatusCode 200, ExecutedVersion, and
FunctionError "Unhandled" with {errorMessage, errorType, stackTrace} when the function fails;
Event runs it and answers 202; DryRun runs nothing and answers 204. An empty payload is the
event {}. A behaviour slower than the function's Timeout fails with Sandbox.Timedout, as AWS
reports a timeout. LogType Tail returns the START/END/REPORT lines.

Where the sandbox decides (AWS is silent, or the engine has no such thing):
- Timeout 1 to 900 s and MemorySize 128 to 10240 MB (Lambda's documented quotas for functions).
- Accepted and not simulated: VpcConfig, Layers, TracingConfig, KMSKeyArn, DeadLetterConfig,
  FileSystemConfigs, Architectures, EphemeralStorage, LoggingConfig, SnapStart, SourceAccount.
- AddPermission: the engine's permissions let API Gateway invoke (Principal
  apigateway.amazonaws.com, Action lambda:InvokeFunction); other principals and actions are
  refused with the reason. Without SourceArn the statement has no condition. Permissions the
  console added (no StatementId) are listed with the Sid "sandbox-" and a hash of their source.
- ListAliases without MaxItems answers 50 per page (ListFunctions and ListVersionsByFunction
  answer at most 50 per page, as AWS documents).
- RevisionId is derived from the function's (or alias's) state, so it changes with every change;
  a RevisionId that does not match is a PreconditionFailedException, as in AWS.
- Weighted aliases (RoutingConfig) are refused: an alias points at one version.
- PublishVersion answers the latest version unchanged when neither code nor configuration changed.
AWS: https://docs.aws.amazon.com/lambda/latest/api/API_Operations.html
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from gateway.awsapi import paging, protocol
from gateway.awsapi.errors import AwsError
from gateway.awsapi.lambda_packages import install, package_bytes, read_package
from gateway.awsapi.registry import Context, operation
from gateway.control import operations as ops
from gateway.integrations import backends
from gateway.integrations.backends import LambdaResult
from gateway.model.resources import LambdaFunction, Permission

S = "lambda"
T = TypeVar("T")

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Invoke's request payload: 6 MB
PAGE = 50  # ListFunctions and ListVersionsByFunction return at most 50 per page
TIMEOUT_MAX, MEMORY_MIN, MEMORY_MAX = 900, 128, 10240
FUNCTION_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):function:|(?P<owner>\d{12}):function:)?"
    r"(?P<name>[A-Za-z0-9_-]{1,64})(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]{1,128}))?$"
)
CONFIG_MEMBERS = {
    "Runtime": "runtime",
    "Role": "role",
    "Handler": "handler",
    "Timeout": "timeout",
    "MemorySize": "memorySize",
}
STALE_REVISION = (
    "The Revision Id provided does not match the latest Revision Id. "
    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
)
ROLE = r"arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+"
ALIAS_NAME = re.compile(r"^(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}$")
STATEMENT_ID = re.compile(r"^[a-zA-Z0-9_-]{1,100}$")
ENV_NAME = re.compile(r"[a-zA-Z]([a-zA-Z0-9_])+")
# Lambda's reserved environment variables (AWS: "Defined runtime environment variables").
RESERVED_ENV = set(
    "_HANDLER _X_AMZN_TRACE_ID AWS_DEFAULT_REGION AWS_REGION AWS_EXECUTION_ENV AWS_LAMBDA_FUNCTION_NAME "
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_INITIALIZATION_TYPE "
    "AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME AWS_ACCESS_KEY AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY "
    "AWS_SESSION_TOKEN AWS_LAMBDA_RUNTIME_API LAMBDA_TASK_ROOT LAMBDA_RUNTIME_DIR".split()
)
SETTINGS = tuple("description runtime handler role timeout memorySize environment codeSha256 codeSize".split())


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message, 400)


def _validation(value: Any, member: str, constraint: str) -> AwsError:
    text = f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
    return AwsError("ValidationException", text, 400)


def _not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message, 404)


def _conflict(message: str) -> AwsError:
    return AwsError("ResourceConflictException", message, 409)


def _arn(ctx: Context, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:aws:lambda:{ctx.account.region}:{ctx.account.accountId}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _iso(seconds: float) -> str:
    """Lambda's LastModified: 2026-12-03T17:56:20.000+0000."""
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _digest(*parts: Any) -> str:
    """A RevisionId: a UUID derived from the state it describes."""
    text = json.dumps(parts, sort_keys=True, default=str).encode()
    return str(uuid.UUID(bytes=hashlib.sha256(text).digest()[:16], version=4))


def _check_revision(p: dict[str, Any], current: str) -> None:
    if p.get("RevisionId") and p["RevisionId"] != current:
        raise AwsError("PreconditionFailedException", STALE_REVISION, 412)


def _page(items: Sequence[T], p: dict[str, Any], cap: int) -> tuple[list[T], str | None]:
    """Marker / MaxItems / NextMarker, at most `cap` items a page."""
    limit = p.get("MaxItems")
    if limit is not None and not 1 <= limit <= 10000:
        raise _validation(limit, "maxItems", "Member must have value between 1 and 10000")
    size = min(limit or cap, cap)
    return paging.page(items, p.get("Marker"), size, service=S, default=cap, maximum=cap)


# ---------------------------------------------------------------------------------------
# Finding a function, a version, an alias


def _parse_name(ctx: Context, value: str) -> tuple[str, str | None]:
    """(name, qualifier) of a function name, a partial ARN or an ARN, with or without a qualifier."""
    m = FUNCTION_NAME.match(value or "")
    if not m:
        raise _validation(
            value, "functionName", "Member must satisfy regular expression pattern: " + FUNCTION_NAME.pattern
        )
    account = m["account"] or m["owner"]
    if (account and account != ctx.account.accountId) or (m["region"] and m["region"] != ctx.account.region):
        raise _not_found(f"Function not found: {value}")
    return m["name"], m["qualifier"]


def _target(ctx: Context, p: dict[str, Any]) -> tuple[LambdaFunction, str | None]:
    """The function FunctionName names, and the qualifier (from the name or Qualifier)."""
    name, qualifier = _parse_name(ctx, p["FunctionName"])
    given = p.get("Qualifier")
    if qualifier and given and qualifier != given:
        raise _invalid("The derived qualifier from the function name does not match the specified qualifier.")
    function = ctx.account.functions.get(name)
    if function is None:
        raise _not_found(f"Function not found: {_arn(ctx, name)}")
    return function, qualifier or given


def _unqualified(ctx: Context, p: dict[str, Any]) -> LambdaFunction:
    function, qualifier = _target(ctx, p)
    if qualifier not in (None, "$LATEST"):
        raise _invalid("Only the unpublished version ($LATEST) can change: give the function name without a qualifier")
    return function


def _version(ctx: Context, function: LambdaFunction, qualifier: str | None) -> str:
    """The version a qualifier (None, $LATEST, a version number or an alias) runs."""
    if qualifier in (None, "$LATEST"):
        return "$LATEST"
    if qualifier in function.aliases:
        return function.aliases[qualifier]
    if qualifier in function.versions:
        return qualifier
    raise _not_found(f"Function not found: {_arn(ctx, function.name, qualifier)}")


def _policy_qualifier(ctx: Context, function: LambdaFunction, qualifier: str | None) -> str | None:
    """Whose resource policy: the function's (None), or a version's or an alias's."""
    _version(ctx, function, qualifier)
    return None if qualifier in (None, "$LATEST") else qualifier


# ---------------------------------------------------------------------------------------
# Configuration


def _check_settings(p: dict[str, Any]) -> None:
    runtime = p.get("Runtime")
    if runtime is not None and runtime not in protocol.service_model(S).shape_for("Runtime").enum:
        raise _validation(
            runtime, "runtime", "Member must satisfy enum value set (see the Runtime values in Lambda's API reference)"
        )
    role = p.get("Role")
    if role is not None and not re.fullmatch(ROLE, role):
        raise _validation(role, "role", f"Member must satisfy regular expression pattern: {ROLE}")
    handler = p.get("Handler")
    if handler is not None and not re.fullmatch(r"[^\s]{0,128}", handler):
        raise _validation(handler, "handler", r"Member must satisfy regular expression pattern: [^\s]+")
    timeout = p.get("Timeout")
    if timeout is not None and not 1 <= timeout <= TIMEOUT_MAX:
        raise _validation(timeout, "timeout", f"Member must have value between 1 and {TIMEOUT_MAX}")
    memory = p.get("MemorySize")
    if memory is not None and not MEMORY_MIN <= memory <= MEMORY_MAX:
        raise _validation(memory, "memorySize", f"Member must have value between {MEMORY_MIN} and {MEMORY_MAX}")
    if len(p.get("Description") or "") > 256:
        raise _validation(p["Description"], "description", "Member must have length less than or equal to 256")
    if (p.get("PackageType") or "Zip") != "Zip":
        raise _invalid("The sandbox has no container images: PackageType Zip, with the code as ZipFile")


def _environment(value: dict[str, Any] | None) -> dict[str, str]:
    variables = {k: str(v) for k, v in ((value or {}).get("Variables") or {}).items()}
    for name in variables:
        if not ENV_NAME.fullmatch(name):
            raise _validation(
                name, "environment.variables", f"Member must satisfy regular expression pattern: {ENV_NAME.pattern}"
            )
    reserved = sorted(set(variables) & RESERVED_ENV)
    if reserved:
        raise _invalid(
            "Lambda was unable to configure your environment variables because the environment variables you have "
            "provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {', '.join(reserved)}"
        )
    if len(json.dumps(variables, separators=(",", ":"))) > 4096:
        raise _invalid(
            "Lambda was unable to configure your environment variables because the environment variables you have "
            "provided exceeded the 4KB limit."
        )
    return variables


def _apply_settings(function: LambdaFunction, p: dict[str, Any]) -> None:
    for member, name in CONFIG_MEMBERS.items():
        if member in p:
            setattr(function, name, p[member])
    if "Description" in p:
        function.description = p["Description"] or None
    if "Environment" in p:
        function.environment = _environment(p["Environment"])


def _settings(function: LambdaFunction, version: str) -> dict[str, Any]:
    """The configuration a version runs with: $LATEST's, or what a published version froze."""
    latest = {name: getattr(function, name) for name in (*SETTINGS, "lastModified")}
    return latest if version == "$LATEST" else latest | function.versionConfigs.get(version, {})


def _code(function: LambdaFunction, version: str) -> tuple[str, int]:
    settings = _settings(function, version)
    if settings.get("codeSha256"):
        return settings["codeSha256"], settings["codeSize"]
    text = json.dumps(function.versions[version].to_dict(), sort_keys=True).encode()
    return base64.b64encode(hashlib.sha256(text).digest()).decode(), len(text)


def revision(function: LambdaFunction, version: str = "$LATEST") -> str:
    permissions = [x.to_dict() for x in function.permissions]
    return _digest(
        function.name, version, _settings(function, version), function.versions[version].to_dict(), permissions
    )


def config_out(ctx: Context, function: LambdaFunction, version: str, qualifier: str | None = None) -> dict[str, Any]:
    """FunctionConfiguration; `qualifier` qualifies FunctionArn (the version or alias asked for)."""
    settings = _settings(function, version)
    sha, size = _code(function, version)
    out = {
        "FunctionName": function.name,
        "FunctionArn": _arn(ctx, function.name, qualifier),
        "Runtime": settings["runtime"],
        "Role": settings["role"],
        "Handler": settings["handler"],
        "CodeSize": size,
        "Description": settings["description"] or "",
        "Timeout": settings["timeout"],
        "MemorySize": settings["memorySize"],
        "LastModified": _iso(settings["lastModified"]),
        "CodeSha256": sha,
        "Version": version,
        "TracingConfig": {"Mode": "PassThrough"},
        "RevisionId": revision(function, version),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": ["x86_64"],
        "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function.name}"},
    }
    if settings["environment"]:
        out["Environment"] = {"Variables": settings["environment"]}
    return out


def _publish(ctx: Context, function: LambdaFunction, description: str | None) -> str:
    """A new version of $LATEST (the engine snapshots the behaviour; this, the configuration);
    the latest version itself when nothing changed since it was published."""
    numbers = sorted((int(v) for v in function.versions if v.isdigit()), reverse=True)
    now = {k: v for k, v in _settings(function, "$LATEST").items() if k not in ("description", "lastModified")}
    if numbers:
        last = str(numbers[0])
        then = {k: v for k, v in _settings(function, last).items() if k not in ("description", "lastModified")}
        if then == now and function.versions[last] == function.versions["$LATEST"]:
            return last
    version = function.publish_version()
    frozen = _settings(function, "$LATEST") | {"lastModified": ctx.now}
    if description is not None:
        frozen["description"] = description or None
    function.versionConfigs[version] = frozen
    return version


# ---------------------------------------------------------------------------------------
# Functions


@operation(S, "CreateFunction")
def create_function(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Creates a function from a .zip (sandbox.json holds its behaviour; without it, echo)."""
    name, qualifier = _parse_name(ctx, p["FunctionName"])
    if qualifier:
        raise _invalid("A new function's name takes no qualifier")
    if name in ctx.account.functions:
        raise _conflict(f"Function already exist: {name}")
    _check_settings(p)
    package = package_bytes(p.get("Code"))
    if not p.get("Runtime") or not p.get("Handler"):
        raise _invalid("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
    _environment(p.get("Environment"))
    behaviour = read_package(package, p.get("Handler"))
    function = ops.create_function(ctx.account, name, behaviour, allow_api_gateway=False)
    _apply_settings(function, p)
    install(function, package, behaviour, ctx.now)
    tags = p.get("Tags") or {}
    if len(tags) > 50:
        raise _invalid("A function holds at most 50 tags")
    if tags:
        ctx.account.tags[_arn(ctx, name)] = dict(tags)
    if p.get("Publish"):
        version = _publish(ctx, function, None)
        return config_out(ctx, function, version, version)
    return config_out(ctx, function, "$LATEST")


@operation(S, "GetFunction")
def get_function(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The function's (or a version's or alias's) configuration, code summary and tags."""
    function, qualifier = _target(ctx, p)
    version = _version(ctx, function, qualifier)
    return {
        "Configuration": config_out(ctx, function, version, qualifier),
        "Code": {"RepositoryType": "S3"},
        "Tags": dict(ctx.account.tags.get(_arn(ctx, function.name), {})),
    }


@operation(S, "GetFunctionConfiguration")
def get_function_configuration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The function's (or a version's or alias's) configuration."""
    function, qualifier = _target(ctx, p)
    return config_out(ctx, function, _version(ctx, function, qualifier), qualifier)


@operation(S, "ListFunctions")
def list_functions(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lists the functions ($LATEST; every version with FunctionVersion ALL), 50 at most per page."""
    every = p.get("FunctionVersion")
    if every not in (None, "ALL"):
        raise _validation(every, "functionVersion", "Member must satisfy enum value set: [ALL]")
    entries = []
    for function in sorted(ctx.account.functions.values(), key=lambda f: f.name):
        entries.append((function, "$LATEST"))
        if every:
            entries += [(function, v) for v in sorted((v for v in function.versions if v.isdigit()), key=int)]
    chunk, marker = _page(entries, p, PAGE)
    functions = [config_out(ctx, f, v, None if v == "$LATEST" and not every else v) for f, v in chunk]
    return {"Functions": functions, "NextMarker": marker}


@operation(S, "DeleteFunction")
def delete_function(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes the function, or with a qualifier one published version no alias points at."""
    function, qualifier = _target(ctx, p)
    if qualifier is None:
        del ctx.account.functions[function.name]
        ctx.account.tags.pop(_arn(ctx, function.name), None)
        return {"StatusCode": 204}
    if qualifier == "$LATEST":
        raise _invalid("$LATEST version cannot be deleted without deleting the function.")
    if qualifier in function.aliases:
        raise _invalid(f"{qualifier} is an alias: delete it with DeleteAlias")
    _version(ctx, function, qualifier)
    users = sorted(a for a, v in function.aliases.items() if v == qualifier)
    if users:
        raise _conflict(f"Unable to delete version because the following aliases reference it: [{', '.join(users)}]")
    del function.versions[qualifier]
    function.versionConfigs.pop(qualifier, None)
    function.permissions = [x for x in function.permissions if x.qualifier != qualifier]
    return {"StatusCode": 204}


@operation(S, "UpdateFunctionCode")
def update_function_code(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Replaces $LATEST's code (a new .zip); Publish also publishes a version, DryRun only checks."""
    function = _unqualified(ctx, p)
    _check_revision(p, revision(function))
    package = package_bytes(p)
    behaviour = read_package(package, function.handler)
    if p.get("DryRun"):
        function = LambdaFunction.from_dict(function.to_dict())  # a copy: nothing changes
    install(function, package, behaviour, ctx.now)
    if p.get("Publish") and not p.get("DryRun"):
        version = _publish(ctx, function, None)
        return config_out(ctx, function, version, version)
    return config_out(ctx, function, "$LATEST")


@operation(S, "UpdateFunctionConfiguration")
def update_function_configuration(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Changes $LATEST's runtime, handler, role, description, timeout, memory or environment."""
    function = _unqualified(ctx, p)
    _check_revision(p, revision(function))
    _check_settings(p)
    _apply_settings(function, p)
    function.lastModified = ctx.now
    return config_out(ctx, function, "$LATEST")


# ---------------------------------------------------------------------------------------
# Versions and aliases


@operation(S, "PublishVersion")
def publish_version(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Freezes $LATEST (behaviour and configuration) as the next version number."""
    function = _unqualified(ctx, p)
    _check_revision(p, revision(function))
    current, _size = _code(function, "$LATEST")
    if p.get("CodeSha256") and p["CodeSha256"] != current:
        raise _invalid(
            f"CodeSha256 ({p['CodeSha256']}) is different from current CodeSha256 in $LATEST ({current}). "
            "Please try again with the CodeSha256 in $LATEST."
        )
    version = _publish(ctx, function, p.get("Description"))
    return config_out(ctx, function, version, version)


@operation(S, "ListVersionsByFunction")
def list_versions_by_function(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """$LATEST and the published versions, 50 at most per page."""
    function = _unqualified(ctx, p)
    versions = ["$LATEST", *sorted((v for v in function.versions if v.isdigit()), key=int)]
    chunk, marker = _page(versions, p, PAGE)
    return {"Versions": [config_out(ctx, function, v, v) for v in chunk], "NextMarker": marker}


def alias_out(ctx: Context, function: LambdaFunction, name: str) -> dict[str, Any]:
    version, description = function.aliases[name], function.aliasDescriptions.get(name, "")
    return {
        "AliasArn": _arn(ctx, function.name, name),
        "Name": name,
        "FunctionVersion": version,
        "Description": description,
        "RevisionId": _digest(function.name, name, version, description),
    }


def _alias(ctx: Context, function: LambdaFunction, name: str) -> str:
    if name not in function.aliases:
        raise _not_found(f"Alias not found: {_arn(ctx, function.name, name)}")
    return name


def _alias_version(ctx: Context, function: LambdaFunction, p: dict[str, Any]) -> str:
    routing = (p.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
    if routing:
        raise _invalid("Weighted aliases (RoutingConfig) are not simulated: point the alias at one version")
    version = p["FunctionVersion"]
    if version not in function.versions:
        raise _not_found(f"Function not found: {_arn(ctx, function.name, version)}")
    return version


@operation(S, "CreateAlias")
def create_alias(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Names a version (an alias such as prod points at version 3)."""
    function = _unqualified(ctx, p)
    name = p["Name"]
    if not ALIAS_NAME.match(name):
        raise _validation(name, "name", "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)")
    if name in function.aliases:
        raise _conflict(f"Alias already exists: {_arn(ctx, function.name, name)}")
    ops.create_alias(ctx.account, function.name, name, _alias_version(ctx, function, p))
    if p.get("Description"):
        function.aliasDescriptions[name] = p["Description"]
    return alias_out(ctx, function, name)


@operation(S, "GetAlias")
def get_alias(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """One alias."""
    function = _unqualified(ctx, p)
    return alias_out(ctx, function, _alias(ctx, function, p["Name"]))


@operation(S, "UpdateAlias")
def update_alias(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Points the alias at another version, or changes its description."""
    function = _unqualified(ctx, p)
    name = _alias(ctx, function, p["Name"])
    _check_revision(p, alias_out(ctx, function, name)["RevisionId"])
    if p.get("FunctionVersion"):
        ops.create_alias(ctx.account, function.name, name, _alias_version(ctx, function, p))
    if "Description" in p:
        if p["Description"]:
            function.aliasDescriptions[name] = p["Description"]
        else:
            function.aliasDescriptions.pop(name, None)
    return alias_out(ctx, function, name)


@operation(S, "ListAliases")
def list_aliases(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The function's aliases (those of FunctionVersion when given), paged."""
    function = _unqualified(ctx, p)
    names = sorted(a for a, v in function.aliases.items() if not p.get("FunctionVersion") or v == p["FunctionVersion"])
    chunk, marker = _page(names, p, PAGE)
    return {"Aliases": [alias_out(ctx, function, a) for a in chunk], "NextMarker": marker}


@operation(S, "DeleteAlias")
def delete_alias(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Deletes an alias and the permissions added for it."""
    function = _unqualified(ctx, p)
    name = _alias(ctx, function, p["Name"])
    del function.aliases[name]
    function.aliasDescriptions.pop(name, None)
    function.permissions = [x for x in function.permissions if x.qualifier != name]
    return {}


# ---------------------------------------------------------------------------------------
# The resource policy


def statement_id(permission: Permission) -> str:
    """The Sid AddPermission gave, or a stable one for permissions the console added."""
    if permission.statementId:
        return permission.statementId
    return "sandbox-" + hashlib.sha256(f"{permission.sourceArn}|{permission.qualifier}".encode()).hexdigest()[:12]


def statement(ctx: Context, function: LambdaFunction, permission: Permission) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Sid": statement_id(permission),
        "Effect": "Allow",
        "Principal": {"Service": "apigateway.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": _arn(ctx, function.name, permission.qualifier),
    }
    if permission.sourceArn not in ("", "*"):
        out["Condition"] = {"ArnLike": {"AWS:SourceArn": permission.sourceArn}}
    return out


@operation(S, "AddPermission")
def add_permission(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Lets API Gateway invoke the function (or a version or alias), from SourceArn when given."""
    function, qualifier = _target(ctx, p)
    wanted = _policy_qualifier(ctx, function, qualifier)
    _check_revision(p, revision(function))
    if p["Action"] not in ("lambda:InvokeFunction", "lambda:invokeFunction"):
        raise _invalid(f"The sandbox's resource policies grant lambda:InvokeFunction only, not {p['Action']}")
    if p["Principal"] != "apigateway.amazonaws.com":
        raise _invalid(
            f"The sandbox's resource policies are for API Gateway: Principal apigateway.amazonaws.com, not {p['Principal']}"
        )
    sid = p["StatementId"]
    if not STATEMENT_ID.match(sid):
        raise _validation(sid, "statementId", "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)")
    if any(statement_id(x) == sid and x.qualifier == wanted for x in function.permissions):
        raise _conflict(
            f"The statement id ({sid}) provided already exists. Please specify a new statement id, or remove the existing statement."
        )
    permission = Permission(sourceArn=p.get("SourceArn") or "*", qualifier=wanted, statementId=sid)
    function.permissions.append(permission)
    return {"Statement": json.dumps(statement(ctx, function, permission), separators=(",", ":"))}


@operation(S, "GetPolicy")
def get_policy(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """The resource policy of the function (or of a version or alias), as JSON text."""
    function, qualifier = _target(ctx, p)
    wanted = _policy_qualifier(ctx, function, qualifier)
    permissions = [x for x in function.permissions if x.qualifier == wanted]
    if not permissions:
        raise _not_found("The resource you requested does not exist.")
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": [statement(ctx, function, x) for x in permissions]}
    return {"Policy": json.dumps(policy, separators=(",", ":")), "RevisionId": revision(function)}


@operation(S, "RemovePermission")
def remove_permission(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Removes one statement, by StatementId, from the function's (or a version's or alias's) policy."""
    function, qualifier = _target(ctx, p)
    wanted = _policy_qualifier(ctx, function, qualifier)
    _check_revision(p, revision(function))
    sid = p["StatementId"]
    found = next((x for x in function.permissions if x.qualifier == wanted and statement_id(x) == sid), None)
    if found is None:
        raise _not_found(f"Statement {sid} is not found in resource policy.")
    function.permissions.remove(found)
    return {}


# ---------------------------------------------------------------------------------------
# Invoke


def _timed_out(request_id: str, timeout: int) -> LambdaResult:
    message = f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"
    return LambdaResult(error_message=message, error_type="Sandbox.Timedout")


def _log_tail(request_id: str, version: str, duration: int, memory: int, logs: list[str]) -> str:
    """The last 4 KB of the invocation's log, as LogType Tail answers it (base64)."""
    lines = [
        f"START RequestId: {request_id} Version: {version}",
        *logs,
        f"END RequestId: {request_id}",
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {max(1, math.ceil(duration))} ms\t"
        f"Memory Size: {memory} MB\tMax Memory Used: {min(memory, 40)} MB\t",
    ]
    return base64.b64encode(("\n".join(lines) + "\n").encode()[-4096:]).decode()


@operation(S, "Invoke")
def invoke(ctx: Context, p: dict[str, Any]) -> dict[str, Any]:
    """Runs the version's behaviour with the payload as its event and answers what it returned."""
    function, qualifier = _target(ctx, p)
    version = _version(ctx, function, qualifier)
    kind = p.get("InvocationType") or "RequestResponse"
    if kind not in ("RequestResponse", "Event", "DryRun"):
        raise _validation(
            kind, "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
        )
    payload = p.get("Payload") or b""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise AwsError(
            "RequestTooLargeException",
            f"Request must be smaller than {MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation",
            413,
        )
    try:
        event = json.loads(payload) if payload.strip() else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise AwsError(
            "InvalidRequestContentException", f"Could not parse request body into json: {exc}", 400
        ) from None
    if kind == "DryRun":
        return {"StatusCode": 204}
    request_id = str(uuid.UUID(hex=ctx.request_id)) if len(ctx.request_id) == 32 else ctx.request_id
    settings = _settings(function, version)
    behaviour = function.versions[version]
    if behaviour.durationMs > settings["timeout"] * 1000:
        result, duration = _timed_out(request_id, settings["timeout"]), settings["timeout"] * 1000
    else:
        result = backends.run_behaviour(ctx.account, behaviour, event, False, function=function, version=version)
        duration = result.duration_ms if behaviour.kind == "code" else behaviour.durationMs
    if kind == "Event":
        return {"StatusCode": 202}
    body = result.error_payload() if result.failed else result.payload
    out: dict[str, Any] = {
        "StatusCode": 200,
        "Payload": json.dumps(body).encode(),
        "ExecutedVersion": version,
    }
    if result.failed:
        out["FunctionError"] = "Unhandled"
    if p.get("LogType") == "Tail":
        out["LogResult"] = _log_tail(request_id, version, duration, settings["memorySize"], result.logs)
    return out
