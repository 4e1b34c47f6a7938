"""Runtime state that is not configuration: token buckets, quota counters, cache entries.

The engine talks to a small `Store` interface. `MemoryStore` serves the engine and its
tests; the web app backs the same interface with a shared cache so that several server
processes agree (each operation is atomic). Times are simulated seconds, passed in.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol


class Store(Protocol):
    def take(self, key: str, rate: float, burst: int, now: float) -> bool:
        """Token bucket: `rate` tokens a second refill a bucket of `burst`; take one if there is one."""

    def count(self, key: str, limit: int | None) -> tuple[bool, int]:
        """Add one to a counter unless it already reached `limit`: (allowed, value after)."""

    def peek(self, key: str) -> int:
        """A counter's value (0 when absent)."""

    def get(self, key: str) -> Any | None:
        """A stored value (cache entries hold their own expiry in simulated time)."""

    def put(self, key: str, value: Any) -> None: ...

    def drop(self, prefix: str) -> int:
        """Remove every key starting with `prefix` (flush a stage cache); how many went."""


class MemoryStore:
    """Thread-safe in-process store: one lock makes every operation atomic."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)
        self._counters: dict[str, int] = {}
        self._values: dict[str, Any] = {}

    def take(self, key: str, rate: float, burst: int, now: float) -> bool:
        with self._lock:
            tokens, last = self._buckets.get(key, (float(burst), now))
            tokens = min(float(burst), tokens + max(0.0, now - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return True
            self._buckets[key] = (tokens, now)
            return False

    def count(self, key: str, limit: int | None) -> tuple[bool, int]:
        with self._lock:
            value = self._counters.get(key, 0)
            if limit is not None and value >= limit:
                return False, value
            self._counters[key] = value + 1
            return True, value + 1

    def peek(self, key: str) -> int:
        with self._lock:
            return self._counters.get(key, 0)

    def get(self, key: str) -> Any | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._values[key] = value

    def drop(self, prefix: str) -> int:
        with self._lock:
            doomed = [k for k in self._values if k.startswith(prefix)]
            for key in doomed:
                del self._values[key]
            return len(doomed)
