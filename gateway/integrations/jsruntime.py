"""A learner's JavaScript Lambda handler, run in a helper process (`jsworker`), never in this one.

`run()` sends the code, the event and the function's limits to one of a couple of worker
processes (started on first use, one invocation at a time each) and waits for the answer until
the timeout and a margin have passed. A worker that overruns, dies or runs out of memory is killed
and replaced; the caller gets Lambda's error for it, never an exception. Standard library only:
the V8 isolates live in the worker (py_mini_racer is imported there).

Limits, as Lambda sets them for a synchronous invoke: the function's timeout (real seconds, at
most MAX_REAL_TIMEOUT_S: beyond, the run is cut there and reported as the function's own
timeout), its memory (V8's heap limit and the worker's resident-memory watch, at most the
worker's MAX_HEAP_MB), events up to 6 MB (MAX_EVENT_BYTES) and responses up to 6 MB.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKER_SCRIPT = Path(__file__).with_name("jsworker.py")
POOL_SIZE = 2  # worker processes at most: the machine's cores, not the learners', bound this
MARGIN_S = 1.0  # past the timeout, the worker is killed (it answers by itself at the timeout)
START_S = 20.0  # to start a worker (an interpreter and V8): not counted in the function's time
READY_S = 3.0  # for a worker to clean up after its previous answer
MAX_REAL_TIMEOUT_S = 30  # API Gateway gives up after 29 s: no learner's loop holds a core longer
MAX_EVENT_BYTES = 6_291_456  # Lambda's request payload limit (synchronous invoke)
MAX_CODE_CHARS = 3_000_000  # the console's code editor's limit
MAX_LINE_BYTES = 32 * 2**20  # the worker's answers are far smaller (6 MB result, 256 KB logs)
MAX_WARM_KEYS = 8  # the worker's warm isolates (jsworker.MAX_WARM): which worker to prefer


@dataclass
class JsResult:
    ok: bool
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    logs: list[str] = field(default_factory=list)
    duration_ms: int = 0
    stack: list[str] = field(default_factory=list)
    # What the handler asked of the AWS SDK clients the isolate provides, in order (jsworker's
    # PRELUDE): {"op": "post"|"delete", "where": "api/stage", "id", "data"} for @connections,
    # {"op": "ddb.put", "table", "item"} and {"op": "ddb.delete", "table", "key"} for DynamoDB.
    effects: list[dict[str, Any]] = field(default_factory=list)


def run(
    code: str,
    event: Any,
    *,
    handler: str = "index.handler",
    function_name: str = "function",
    function_version: str = "$LATEST",
    invoked_arn: str = "",
    timeout_s: float = 3,
    memory_mb: int = 128,
    request_id: str | None = None,
    warm_key: str | None = None,
    services: dict[str, Any] | None = None,
) -> JsResult:
    """Invoke `handler` of `code` (a Node.js file: CommonJS or an ES module) with `event`.

    warm_key: invocations with the same key (and code) may share a warm isolate, as invocations of
    one function version share an execution environment; None runs in a fresh one.
    services: the account's state the SDK clients read ({"connections": {"api/stage": {id: info}},
    "tables": {name: {"key", "items"}}}); what they change comes back in `effects`.
    """
    request_id = request_id or str(uuid.uuid4())
    try:
        return _run(
            code,
            event,
            handler,
            function_name,
            function_version,
            invoked_arn,
            timeout_s,
            memory_mb,
            request_id,
            warm_key,
            services,
        )
    except Exception as exc:  # noqa: BLE001 - the caller gets Lambda's answer, never an exception
        return _error("Runtime.Unknown", f"RequestId: {request_id} Error: Unknown application error occurred ({exc})")


def _run(
    code: str,
    event: Any,
    handler: str,
    function_name: str,
    function_version: str,
    invoked_arn: str,
    timeout_s: float,
    memory_mb: int,
    request_id: str,
    warm_key: str | None,
    services: dict[str, Any] | None = None,
) -> JsResult:
    event_json = json.dumps(event)
    if len(event_json.encode("utf-8")) > MAX_EVENT_BYTES:
        return _error(
            "RequestTooLargeException",
            f"Request must be smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation",
        )
    if len(code) > MAX_CODE_CHARS:
        return _error(
            "Runtime.ImportModuleError", f"Error: the code is over the simulator's {MAX_CODE_CHARS} characters"
        )
    real_timeout = max(min(float(timeout_s), MAX_REAL_TIMEOUT_S), 0.001)
    stream = hashlib.sha256((warm_key or request_id).encode()).hexdigest()[:32]
    context = {
        "functionName": function_name,
        "functionVersion": function_version,
        "invokedFunctionArn": invoked_arn,
        "memoryLimitInMB": memory_mb,
        "awsRequestId": request_id,
        "logGroupName": f"/aws/lambda/{function_name}",
        "logStreamName": f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{function_version}]{stream}",
    }
    fields = {
        "code": code,
        "handler": handler,
        "context": context,
        "timeout_ms": max(int(real_timeout * 1000), 1),
        "memory_mb": int(memory_mb),
        "warm_key": warm_key,
        "services": services or {},
    }
    line = json.dumps(fields)[:-1].encode() + b',"event":' + event_json.encode() + b"}\n"
    timed_out = _error(
        "Sandbox.Timedout", f"RequestId: {request_id} Error: Task timed out after {float(timeout_s):.2f} seconds"
    )
    timed_out.duration_ms = int(float(timeout_s) * 1000)
    worker = _POOL.acquire(warm_key, real_timeout + MARGIN_S)
    if worker is None:  # every worker busy for the whole timeout: Lambda's throttling answer
        return _error("TooManyRequestsException", "Rate Exceeded.")
    try:
        problem = worker.ensure()
        if problem:
            return _error(
                "Runtime.Unknown", f"RequestId: {request_id} Error: Unknown application error occurred ({problem})"
            )
        status, answer = worker.call(line, real_timeout + MARGIN_S, warm_key)
        exit_reason = worker.exit_reason
    finally:
        _POOL.release(worker)
    if status == "timeout":
        return timed_out
    if status == "died" or answer is None:
        return _error("Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason}")
    logs = [str(x) for x in answer.get("logs") or []]
    duration = int(answer.get("duration_ms") or 0)
    effects = [e for e in answer.get("effects") or [] if isinstance(e, dict)]
    if answer.get("ok") is True:
        return JsResult(ok=True, result=answer.get("result"), logs=logs, duration_ms=duration, effects=effects)
    if answer.get("errorType") == "Sandbox.Timedout":  # the function's own timeout, even when cut at MAX_REAL_TIMEOUT_S
        timed_out.logs = logs
        return timed_out
    return JsResult(
        ok=False,
        error_type=str(answer.get("errorType") or "Error"),
        error_message=str(answer.get("errorMessage") or ""),
        logs=logs,
        duration_ms=duration,
        stack=[str(x) for x in answer.get("stack") or []],
        effects=effects,
    )


def _error(error_type: str, message: str) -> JsResult:
    return JsResult(ok=False, error_type=error_type, error_message=message)


# ---------------------------------------------------------------------------------------------
# The worker processes


class _Worker:
    """One helper process, used by one thread at a time (the pool sees to it)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.owner = os.getpid()
        self.ready = False  # its "ready" line was read: it waits for a request
        self.buffer = b""
        self.keys: OrderedDict[str, None] = OrderedDict()  # warm keys it probably holds
        self.exit_reason = "signal: killed"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def ensure(self) -> str | None:
        """A started, idle worker; or why there is none."""
        if self.alive() and not self.ready:
            self.ready = self._read_line(time.monotonic() + READY_S) == b'{"ready": true}'
            if not self.ready:
                self.kill()
        if self.alive():
            return None
        self.kill()
        if not sys.executable:
            return "no Python interpreter to start the JavaScript runtime with"
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter running our own helper
                [sys.executable, "-I", str(WORKER_SCRIPT)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
            )
        except OSError as exc:
            return f"the JavaScript runtime could not start: {exc}"
        self.owner, self.buffer, self.keys = os.getpid(), b"", OrderedDict()
        self.ready = self._read_line(time.monotonic() + START_S) == b'{"ready": true}'
        if not self.ready:
            self.kill()
            return "the JavaScript runtime did not start"
        return None

    def call(self, line: bytes, wait_s: float, warm_key: str | None) -> tuple[str, dict[str, Any] | None]:
        """("ok", answer), ("timeout", None) or ("died", None); the worker is killed unless "ok"."""
        proc = self.proc
        assert proc is not None and proc.stdin is not None
        self.ready = False
        deadline = time.monotonic() + wait_s
        try:
            proc.stdin.write(line)
            proc.stdin.flush()
        except OSError:
            self.kill()
            return "died", None
        raw = self._read_line(deadline)
        if raw is None:
            status = "timeout" if time.monotonic() >= deadline and self.alive() else "died"
            self.kill()
            return status, None
        try:
            answer = json.loads(raw)
        except ValueError:
            self.kill()
            return "died", None
        if not isinstance(answer, dict):
            self.kill()
            return "died", None
        if answer.get("restart"):
            self.kill()  # it exits by itself after such an answer
        elif warm_key:
            self.keys[warm_key] = None
            self.keys.move_to_end(warm_key)
            while len(self.keys) > MAX_WARM_KEYS:
                self.keys.popitem(last=False)
        return "ok", answer

    def _read_line(self, deadline: float) -> bytes | None:
        """One line from the worker before the deadline; None at the deadline, at its exit or past the size limit."""
        proc = self.proc
        if proc is None or proc.stdout is None:
            return None
        fd = proc.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or len(self.buffer) > MAX_LINE_BYTES:
                return None
            try:
                if not select.select([fd], [], [], remaining)[0]:
                    return None
                chunk = os.read(fd, 1 << 20)
            except (OSError, ValueError):
                return None
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.strip()

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        self.ready, self.buffer, self.keys = False, b"", OrderedDict()
        self.exit_reason = "signal: killed"
        if proc is None or self.owner != os.getpid():
            return  # a forked child's copy: the worker belongs to the process that started it
        if proc.poll() is None:
            proc.kill()
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        if code is not None and code != 0:
            self.exit_reason = _describe_exit(code)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass


def _describe_exit(code: int) -> str:
    """As Lambda words a runtime's exit: "signal: killed", "exit status 129"."""
    if code < 0:
        try:
            name = signal.strsignal(-code) or f"signal {-code}"
        except ValueError:
            name = f"signal {-code}"
        return f"signal: {name.lower()}"
    return f"exit status {code}"


class _Pool:
    def __init__(self, size: int) -> None:
        self.size = size
        self._reset()

    def _reset(self) -> None:
        self.owner = os.getpid()
        self.cond = threading.Condition()
        self.workers = [_Worker() for _ in range(self.size)]
        self.busy: set[int] = set()

    def acquire(self, warm_key: str | None, timeout: float) -> _Worker | None:
        if self.owner != os.getpid():  # forked: the parent's workers are not ours to use or kill
            self._reset()
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                free = [i for i in range(len(self.workers)) if i not in self.busy]
                if free:
                    # the worker that holds this function warm, else one already running, else a new one
                    index = min(
                        free, key=lambda i: (warm_key not in self.workers[i].keys, not self.workers[i].alive(), i)
                    )
                    self.busy.add(index)
                    return self.workers[index]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.cond.wait(remaining)

    def release(self, worker: _Worker) -> None:
        with self.cond:
            self.busy.discard(self.workers.index(worker) if worker in self.workers else -1)
            self.cond.notify()

    def close(self) -> None:
        if self.owner == os.getpid():
            for worker in self.workers:
                worker.kill()


_POOL = _Pool(POOL_SIZE)
atexit.register(_POOL.close)
