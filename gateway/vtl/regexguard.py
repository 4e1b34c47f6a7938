"""Regular expressions within the render's time budget: a cheap pattern runs here, a costly one in
the helper process (`gateway.vtl.javaregex`), killed when the budget is spent."""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import subprocess
import sys
import threading
from typing import Any

from gateway.vtl import javaregex
from gateway.vtl.base import (
    _MAX_REGEX_CHARS,
    _REGEX_INPROCESS_COST,
    TemplateError,
    TemplateLimitError,
    _RenderState,
    _state,
    _time_limit_error,
)
from gateway.vtl.javaregex import RegexError, apply, cost, parse_replacement, translate
from gateway.vtl.values import _want_str


class _RegexWorker:
    """A helper process for costly regular expressions: Python's re cannot be interrupted, a process can be killed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._owner = os.getpid()

    def run(self, request: dict[str, Any], st: _RenderState) -> Any:
        if self._owner != os.getpid():  # forked: the helper belongs to the parent
            self._lock, self._proc, self._owner = threading.Lock(), None, os.getpid()
        remaining = st.remaining()
        if remaining <= 0 or not self._lock.acquire(timeout=remaining):
            raise _time_limit_error(st.limits)
        try:
            response = self._exchange(request, st)
        finally:
            self._lock.release()
        if "error" in response:
            raise TemplateError(str(response["error"]))
        return response["ok"]

    def _exchange(self, request: dict[str, Any], st: _RenderState) -> dict[str, Any]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            proc.stdin.flush()
            remaining = st.remaining()
            ready = select.select([proc.stdout], [], [], remaining)[0] if remaining > 0 else []
            if not ready:
                self.close()
                raise _time_limit_error(st.limits, " (regular expression)")
            line = proc.stdout.readline()
        except OSError as exc:
            self.close()
            raise TemplateError(f"Regular expression helper failed: {exc}") from None
        if not line:
            self.close()
            raise TemplateError("Regular expression helper stopped unexpectedly")
        return json.loads(line)

    def _start(self) -> subprocess.Popen[bytes]:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if not sys.executable:
            raise TemplateError("This regular expression is too costly to evaluate safely")
        command = [sys.executable, "-I", javaregex.__file__, "--regex-worker"]
        self._proc = subprocess.Popen(  # noqa: S603 - our own interpreter running our own helper
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        return self._proc

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and self._owner == os.getpid():
            proc.kill()
            proc.wait(timeout=5)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()


_REGEX_WORKER = _RegexWorker()
atexit.register(_REGEX_WORKER.close)


def _regex(op: str, pattern: Any, subject: str, replacement: Any = None, limit: int = 0) -> Any:
    """replaceAll / replaceFirst / matches / split with a Java regular expression."""
    pattern = _want_str(pattern)
    if replacement is not None or op in ("replaceAll", "replaceFirst"):
        replacement = _want_str(replacement)
    if len(pattern) > _MAX_REGEX_CHARS:
        raise TemplateLimitError(f"Regular expression longer than {_MAX_REGEX_CHARS} characters")
    st = _state()
    python_pattern = translate(pattern)
    try:
        re.compile(python_pattern)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise TemplateError(f"Invalid regular expression '{pattern}': {exc}") from None
    request = {
        "op": op,
        "pattern": python_pattern,
        "subject": subject,
        "repl": _replacement(replacement),
        "limit": limit,
        "max_chars": st.max_string,
    }
    if cost(python_pattern, len(subject)) <= _REGEX_INPROCESS_COST:
        try:
            return apply(request)
        except RegexError as exc:
            raise TemplateError(str(exc)) from None
    return _REGEX_WORKER.run(request, st)


def _replacement(replacement: str | None) -> list[list[str]] | None:
    try:
        return parse_replacement(replacement) if replacement is not None else None
    except RegexError as exc:
        raise TemplateError(str(exc)) from None
