"""The helper process that runs a learner's JavaScript Lambda handler in V8 isolates (mini-racer).

Standard library and `py_mini_racer` only: `gateway.integrations.jsruntime` starts this file as
`python -I jsworker.py` (or `python -m gateway.integrations.jsworker`) and talks JSON lines:

    out, once started and again whenever it is idle:  {"ready": true}
    in:   {"code", "event", "context": {...}, "handler": "index.handler", "timeout_ms", "memory_mb", "warm_key"}
    out:  {"ok": true, "result": <JSON>, "logs": [...], "duration_ms": n}
          {"ok": false, "errorType", "errorMessage", "stack": [...], "logs": [...], "duration_ms": n}
          plus "restart": true when this process is going away (a timeout, a memory kill).

Each invocation runs in a fresh isolate, or in the warm one kept for its `warm_key` (a warm
container: module-level state survives between invocations of the same code, never across keys;
at most MAX_WARM, least recently used first out). The isolate has no require, process, fetch or
module loader: only ECMAScript, `console` (collected as Lambda's Node runtime writes it),
setTimeout/setInterval/queueMicrotask (V8's own task queue) and the handler's `context`.

Limits: V8's hard heap limit is the function's memory; a watchdog thread also watches the process's
resident memory (ArrayBuffers live outside the heap) and the deadline (a handler busy in a timer
callback cannot be interrupted from the event loop). Either way the process answers with Lambda's
error and exits; the parent starts another.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import signal
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from py_mini_racer import JSEvalException, JSOOMException, init_mini_racer, mini_racer

MAX_RESPONSE_BYTES = 6_291_556  # what Lambda enforces for a synchronous response (see RESPONSE_TOO_LARGE)
MAX_LOG_CHARS = 256 * 1024  # log text kept per invocation (CloudWatch's event limit)
MAX_ENVELOPE_CHARS = 8_000_000  # the response line, result and logs together: never more in memory
MAX_WARM = 8  # warm isolates kept by one worker
MAX_HEAP_MB = 512  # a function's memory above this runs with this much heap
RSS_BUDGET_MB = 1024  # above this after an invocation, the worker forgets its warm isolates
GRACE_S = 0.3  # the watchdog's patience past the deadline before it answers for a stuck isolate
CLEANUP_S = 2.0  # closing an isolate after the answer (a stuck one hangs: the watchdog exits)
POLL_S = 0.01

# Lambda's errors, as it reports them in a synchronous invoke:
# - a timeout: errorType Sandbox.Timedout, "RequestId: <id> Error: Task timed out after 3.00 seconds"
#   (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts,
#   seen in https://github.com/aws/aws-appsync-community/issues/386; gateway.awsapi.lambda_functions._timed_out).
# - memory exhausted, the runtime killed: errorType Runtime.ExitError,
#   "RequestId: <id> Error: Runtime exited with error: signal: killed"
#   (https://github.com/awslabs/amazon-s3-find-and-forget/pull/283).
# - a response over 6 MB: errorType Function.ResponseSizeTooLarge,
#   "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
#   (https://zaccharles.medium.com/deep-dive-lambdas-response-payload-size-limit-8aedba9530ed).
# - the Node.js runtime's own (HandlerNotFound, UserCodeSyntaxError, JSONStringifyError, errors as
#   {errorType: name, errorMessage: message, trace: stack lines}, log lines "time\trequestId\tLEVEL\ttext"):
#   https://github.com/aws/aws-lambda-nodejs-runtime-interface-client (src/Errors.js, src/LogPatch.js,
#   src/UserFunction.js) and https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html.
TIMED_OUT = "Sandbox.Timedout"
EXIT_ERROR = "Runtime.ExitError"
RESPONSE_TOO_LARGE = "Function.ResponseSizeTooLarge"


def timed_out(request_id: str, timeout_s: float) -> dict[str, Any]:
    return {
        "ok": False,
        "errorType": TIMED_OUT,
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
        "stack": [],
    }


def killed(request_id: str) -> dict[str, Any]:
    return {
        "ok": False,
        "errorType": EXIT_ERROR,
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
        "stack": [],
    }


def failure(error_type: str, message: str, stack: list[str] | None = None) -> dict[str, Any]:
    return {"ok": False, "errorType": error_type, "errorMessage": message, "stack": stack or []}


# ---------------------------------------------------------------------------------------------
# From a Node.js source file to a script V8 can evaluate

_IDENT = r"[A-Za-z_$][\w$]*"
_AT = r"(?:^|(?<=[;}]))([ \t]*)"  # where a top-level statement starts: a line, or after ; or }
_IMPORT = re.compile(_AT + r"""import[ \t]*(?:([\w$*{][^;]*?)[ \t]*from[ \t]*)?["']([^"'\n]+)["'][ \t]*;?""", re.M)
_EXPORT_DECL = re.compile(
    _AT
    + rf"export[ \t]+((?:async[ \t]+)?function\b[ \t]*\*?[ \t]*({_IDENT})|(?:const|let|var)[ \t]+({_IDENT})|class[ \t]+({_IDENT}))",
    re.M,
)
_EXPORT_LIST = re.compile(_AT + r"export[ \t]*\{([^}]*)\}[ \t]*(from\b[^;\n]*)?;?", re.M)
_EXPORT_DEFAULT = re.compile(_AT + r"export[ \t]+default\b", re.M)
_ANY_EXPORT = re.compile(_AT + r"export\b", re.M)
_ESM_EXPORTS = "__lambdaModuleExports"


# The AWS SDK modules the isolate provides (PRELUDE's `builtins`) and what each exports.
BUILTIN_MODULES = {
    "@aws-sdk/client-apigatewaymanagementapi": {
        "ApiGatewayManagementApiClient",
        "ApiGatewayManagementApi",
        "PostToConnectionCommand",
        "GetConnectionCommand",
        "DeleteConnectionCommand",
        "GoneException",
        "PayloadTooLargeException",
    },
    "@aws-sdk/client-dynamodb": {"DynamoDBClient", "ResourceNotFoundException"},
    "@aws-sdk/lib-dynamodb": {"DynamoDBDocumentClient", "PutCommand", "GetCommand", "DeleteCommand", "ScanCommand"},
}


def _imports(code: str) -> tuple[str, dict[str, Any] | None]:
    """Static imports of the SDK modules as constants read from the isolate's builtins; any other
    import is Node's ImportModuleError (one file, no node_modules)."""
    problem: list[dict[str, Any]] = []

    def one(match: re.Match[str]) -> str:
        indent, clause, name = match.group(1), (match.group(2) or "").strip(), match.group(3)
        exports = BUILTIN_MODULES.get(name)
        if exports is None:
            message = f"Error: Cannot find package '{name}' imported from /var/task/index.mjs (the simulator runs one file, without modules)"
            problem.append(failure("Runtime.ImportModuleError", message, [f"Runtime.ImportModuleError: {message}"]))
            return match.group(0)
        source = f"__lambdaBuiltin({json.dumps(name)})"
        if not clause:
            return indent
        if clause.startswith("*"):
            return f"{indent}const {clause.split()[-1]} = {source};"
        if not clause.startswith("{") or not clause.endswith("}"):
            problem.append(_syntax_error(f"The requested module '{name}' does not provide an export named 'default'"))
            return match.group(0)
        pairs = []
        for part in clause[1:-1].split(","):
            words = part.split()
            if not words:
                continue
            if words[0] not in exports:
                problem.append(
                    _syntax_error(f"The requested module '{name}' does not provide an export named '{words[0]}'")
                )
                return match.group(0)
            pairs.append(words[0] if len(words) == 1 else f"{words[0]}: {words[-1]}")
        return f"{indent}const {{ {', '.join(pairs)} }} = {source};"

    code = _IMPORT.sub(one, code)
    return code, problem[0] if problem else None


def to_script(code: str) -> tuple[str | None, dict[str, Any] | None]:
    """The learner's file as a script whose value is `factory(exports, module)`, or the error AWS reports.

    CommonJS stays as Node wraps it. An ES module (any top-level import or export) runs in an async
    strict function; its export declarations become plain ones copied into the exports at the end.
    """
    code, problem = _imports(code)
    if problem is not None:
        return None, problem
    if not _ANY_EXPORT.search(code):
        head = "(function (exports, module, __filename, __dirname) {"
        return f"{head}{code}\n}})\n//# sourceURL=file:///var/task/index.js", None
    names: list[tuple[str, str]] = []  # (exported as, local name)

    def declaration(match: re.Match[str]) -> str:
        local = match.group(3) or match.group(4) or match.group(5)
        names.append((local, local))
        return match.group(1) + match.group(2)

    def listing(match: re.Match[str]) -> str | None:
        if match.group(3):
            raise _UnsupportedError(f"export ... {match.group(3).strip()}")
        for part in match.group(2).split(","):
            words = part.split()
            if len(words) == 1:
                names.append((words[0], words[0]))
            elif len(words) == 3 and words[1] == "as":
                names.append((words[2], words[0]))
            elif words:
                raise _UnsupportedError(f"export {{{match.group(2).strip()}}}")
        return match.group(1)

    try:
        code = _EXPORT_DECL.sub(declaration, code)
        code = _EXPORT_LIST.sub(listing, code)
    except _UnsupportedError as exc:
        return None, _syntax_error(f"Unsupported export statement: {exc}")
    code = _EXPORT_DEFAULT.sub(lambda m: f"{m.group(1)}{_ESM_EXPORTS}.default =", code)
    left = _ANY_EXPORT.search(code)
    if left:
        text = code[left.start() :].split("\n", 1)[0].strip()
        return None, _syntax_error(f"Unsupported export statement: {text[:80]}")
    tail = "".join(f"{_ESM_EXPORTS}[{json.dumps(exported)}] = {local};" for exported, local in names)
    head = f'(async function ({_ESM_EXPORTS}) {{"use strict";'
    return f"{head}{code}\n;{tail}\n}})\n//# sourceURL=file:///var/task/index.mjs", None


class _UnsupportedError(Exception):
    pass


def _syntax_error(message: str) -> dict[str, Any]:
    text = f"SyntaxError: {message}"
    return failure("Runtime.UserCodeSyntaxError", text, [f"Runtime.UserCodeSyntaxError: {text}"])


# ---------------------------------------------------------------------------------------------
# What every isolate holds before the learner's code: the runtime's side of the Lambda contract

# The runtime's side in JavaScript (console, timers, errors, the SDK clients): jsprelude.js, next to this file.
PRELUDE = (
    Path(__file__)
    .with_name("jsprelude.js")
    .read_text(encoding="utf-8")
    .replace("__MAX_RESPONSE__", str(MAX_RESPONSE_BYTES))
    .replace("__MAX_LOG_CHARS__", str(MAX_LOG_CHARS))
)


# ---------------------------------------------------------------------------------------------
# The process: isolates, the request loop and the watchdog


def _rss_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0  # no /proc: only V8's heap limit applies


class _Container:
    """One isolate: a Lambda execution environment."""

    def __init__(self, loop: asyncio.AbstractEventLoop, memory_mb: int) -> None:
        self._maker = mini_racer(loop)
        self.mr = self._maker.__enter__()
        self.mr.set_hard_memory_limit(min(memory_mb, MAX_HEAP_MB) * 2**20)
        self.mr.eval(PRELUDE)

    def close(self) -> None:
        maker, self._maker = self._maker, None
        if maker is not None:
            maker.__exit__(None, None, None)


class Worker:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.warm: OrderedDict[tuple[str, str, int], _Container] = OrderedDict()
        self._out = threading.Lock()
        self._watch: dict[str, Any] | None = None  # the invocation the watchdog guards
        self._token = 0
        threading.Thread(target=self._watchdog, name="jsworker-watchdog", daemon=True).start()

    # -- output ---------------------------------------------------------------------------------

    def _write(self, line: str, token: int | None = None) -> bool:
        """Write one line; an answer (with its token) only once per request."""
        with self._out:
            if token is not None:
                watch = self._watch
                if watch is None or watch["token"] != token or watch["answered"]:
                    return False
                watch["answered"] = True
            sys.stdout.buffer.write(line.encode("utf-8", "replace") + b"\n")
            sys.stdout.buffer.flush()
            return True

    def _watchdog(self) -> None:
        while True:
            time.sleep(POLL_S)
            watch = self._watch
            if watch is None:
                continue
            now = time.monotonic()
            if watch["answered"]:
                if now > watch["cleanup_until"]:
                    os._exit(3)  # closing an isolate hung: answered already, the parent starts another
                continue
            over = now > watch["deadline"] + GRACE_S
            grown = watch["limit_mb"] and _rss_mb() - watch["rss_mb"] > watch["limit_mb"]
            if over or grown:
                answer = timed_out(watch["request_id"], watch["timeout_s"]) if over else killed(watch["request_id"])
                answer |= {"logs": [], "duration_ms": int((now - watch["started"]) * 1000), "restart": True}
                self._write(json.dumps(answer), watch["token"])
                os._exit(2)

    # -- requests -------------------------------------------------------------------------------

    def serve(self) -> None:
        self._write('{"ready": true}')
        for line in sys.stdin.buffer:
            if line.strip():
                self.handle(line)
                self._write('{"ready": true}')

    def handle(self, line: bytes) -> None:
        started = time.monotonic()
        try:
            request = json.loads(line)
            timeout_s = max(int(request.get("timeout_ms") or 3000), 1) / 1000
            memory_mb = max(int(request.get("memory_mb") or 128), 1)
            context = dict(request.get("context") or {})
        except (ValueError, TypeError, AttributeError):
            self._write(json.dumps(failure("Runtime.InvalidRequest", "The worker could not read the request")))
            return
        request_id = str(context.get("awsRequestId") or "")
        self._token += 1
        token = self._token
        self._watch = {
            "token": token,
            "answered": False,
            "started": started,
            "deadline": started + timeout_s,
            "cleanup_until": 0.0,
            "timeout_s": timeout_s,
            "request_id": request_id,
            "rss_mb": _rss_mb(),
            "limit_mb": min(memory_mb, MAX_HEAP_MB),
        }
        after: list[_Container] = []
        restart = False
        try:
            answer, restart = self.loop.run_until_complete(
                self._invoke(request, context, started + timeout_s, memory_mb, after)
            )
        except Exception as exc:  # noqa: BLE001 - whatever happened, the caller gets an answer
            answer, restart = json.dumps(failure("Runtime.Unknown", f"The simulator's runtime failed: {exc}")), True
        if restart:
            answer = answer[:-1] + ',"restart":true}'
        answer = answer[:-1] + f',"duration_ms":{int((time.monotonic() - started) * 1000)}}}'
        self._watch["cleanup_until"] = time.monotonic() + CLEANUP_S
        self._write(answer, token)
        if restart:
            os._exit(0)
        for container in after:
            container.close()
        while self.warm and _rss_mb() > RSS_BUDGET_MB:
            self.warm.popitem(last=False)[1].close()
        self._watch = None
        if _rss_mb() > RSS_BUDGET_MB:
            os._exit(0)  # the parent sees the exit at the next request's ready check

    async def _invoke(
        self, request: dict[str, Any], context: dict[str, Any], deadline: float, memory_mb: int, after: list[_Container]
    ) -> tuple[str, bool]:
        """The answer line (without duration) and whether this process must go away."""
        code = str(request.get("code") or "")
        warm_key = request.get("warm_key")
        key = (str(warm_key), hashlib.sha256(code.encode("utf-8", "replace")).hexdigest(), memory_mb)
        request_id = str(context.get("awsRequestId") or "")
        timeout_s = max(int(request.get("timeout_ms") or 3000), 1) / 1000
        deadline_ms = int((time.time() + deadline - time.monotonic()) * 1000)
        rest = (
            f"{json.dumps(str(request.get('handler') or 'index.handler'))}, {json.dumps(json.dumps(request.get('event')))}, "
            f"{json.dumps(json.dumps(context))}, {deadline_ms}, {json.dumps(json.dumps(request.get('services') or {}))})"
        )
        container = self.warm.pop(key, None) if warm_key else None
        try:
            if container is not None and await self._eval(container.mr, f"__lambda.start(null, {rest}", deadline) != 0:
                after.append(container)  # broken: a cold start instead, as Lambda replaces a crashed environment
                container = None
            if container is None:
                src, error = to_script(code)
                if error is not None:
                    return json.dumps(error | {"logs": []}), False
                container = _Container(self.loop, memory_mb)
                await self._eval(container.mr, f"__lambda.start({json.dumps(src)}, {rest}", deadline)
            outcome = await self._eval(container.mr, "__lambda.poll()", deadline)
            if not isinstance(outcome, str):
                promise = await self._eval(container.mr, "__lambda.settled()", deadline)
                outcome = await asyncio.wait_for(promise, max(deadline - time.monotonic(), 0.001))
        except (TimeoutError, JSEvalException) as exc:
            if isinstance(exc, JSOOMException) or (
                container is not None and _safely(container.mr.was_hard_memory_limit_reached)
            ):
                answer = killed(request_id)
            elif isinstance(exc, TimeoutError):
                answer = timed_out(request_id, timeout_s)
            else:
                answer = failure("Runtime.Unknown", f"The simulator's runtime failed: {exc}")
            return json.dumps(answer | {"logs": []}), True
        if not isinstance(outcome, str) or not outcome.startswith('{"ok":') or len(outcome) > MAX_ENVELOPE_CHARS:
            after.append(container)
            if isinstance(outcome, str) and len(outcome) > MAX_ENVELOPE_CHARS:
                answer = failure(
                    RESPONSE_TOO_LARGE, "Response payload size exceeded maximum allowed payload size (6291556 bytes)."
                )
            else:
                answer = failure("Runtime.Unknown", "The handler's runtime answered something unreadable")
            return json.dumps(answer | {"logs": []}), False
        if warm_key:
            self.warm[key] = container
            while len(self.warm) > MAX_WARM:
                after.append(self.warm.popitem(last=False)[1])
        else:
            after.append(container)
        return outcome, False

    @staticmethod
    async def _eval(mr: Any, code: str, deadline: float) -> Any:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return await asyncio.wait_for(mr.eval_cancelable(code), remaining)


def _safely(check: Any) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which kills its workers
    init_mini_racer(ignore_duplicate_init=True)
    Worker().serve()
    os._exit(0)  # stdin closed: the parent is gone; skip V8's teardown


if __name__ == "__main__":
    main()
