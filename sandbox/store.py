"""The engine's `Store` backed by the database, so every server process sees the same buckets,
quotas and cache entries.

Each operation runs in one transaction that holds the row (PostgreSQL: SELECT ... FOR UPDATE;
SQLite: the project's IMMEDIATE transactions take the write lock at BEGIN), so a take-a-token
or a quota increment is atomic whichever process runs it. (Django's cache API has no atomic
compare-and-set that every backend honours, so the counters live in this table.)
"""

from __future__ import annotations

import json
import threading
from typing import Any

from django.db import connection, transaction

from sandbox.models import RuntimeEntry

TABLE = RuntimeEntry._meta.db_table


LEASE_MIN_BURST = 100  # buckets at least this big are served in small leases per process
LEASE_SECONDS = 1.0  # an unused lease is dropped after a second (simulated time)


class SqlStore:
    """Shared counters. A process takes tokens of a big bucket (the account's 5,000 burst, a
    stage's default) a few at a time and spends them locally: one database write per lease
    instead of one per request. Tokens are taken from the shared bucket before they are spent,
    so together the processes never let through more than burst + rate x elapsed."""

    def __init__(self) -> None:
        self._leases: dict[str, tuple[int, float]] = {}  # key -> (tokens left, valid until)
        self._lease_lock = threading.Lock()

    def _lock(self) -> str:
        # SQLite transactions here are IMMEDIATE (settings): the write lock is taken at BEGIN.
        return "" if connection.vendor == "sqlite" else " FOR UPDATE"

    def take(self, key: str, rate: float, burst: int, now: float) -> bool:
        if burst < LEASE_MIN_BURST:
            return self._take(key, rate, burst, now, 1) == 1
        with self._lease_lock:
            left, until = self._leases.get(key, (0, 0.0))
            if left > 0 and now <= until:
                self._leases[key] = (left - 1, until)
                return True
        size = max(1, min(burst // LEASE_MIN_BURST, 20))
        got = self._take(key, rate, burst, now, size)
        if got == 0:
            return False
        with self._lease_lock:
            self._leases[key] = (got - 1, now + LEASE_SECONDS)
        return True

    def _take(self, key: str, rate: float, burst: int, now: float, wanted: int) -> int:
        """Take up to `wanted` tokens (all or as many whole ones as there are); how many were taken."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (key, tokens, last, count) VALUES (%s, %s, %s, 0) ON CONFLICT (key) DO NOTHING",
                [key, float(burst), now],
            )
            cursor.execute(f"SELECT tokens, last FROM {TABLE} WHERE key = %s{self._lock()}", [key])
            tokens, last = cursor.fetchone()
            tokens = min(float(burst), tokens + max(0.0, now - last) * rate)
            taken = min(wanted, int(tokens))
            cursor.execute(
                f"UPDATE {TABLE} SET tokens = %s, last = %s WHERE key = %s", [tokens - taken, max(now, last), key]
            )
            return taken

    def count(self, key: str, limit: int | None) -> tuple[bool, int]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (key, tokens, last, count) VALUES (%s, 0, 0, 0) ON CONFLICT (key) DO NOTHING",
                [key],
            )
            if limit is None:
                cursor.execute(f"UPDATE {TABLE} SET count = count + 1 WHERE key = %s", [key])
            else:
                cursor.execute(f"UPDATE {TABLE} SET count = count + 1 WHERE key = %s AND count < %s", [key, limit])
            allowed = cursor.rowcount == 1
            cursor.execute(f"SELECT count FROM {TABLE} WHERE key = %s", [key])
            return allowed, int(cursor.fetchone()[0])

    def peek(self, key: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count FROM {TABLE} WHERE key = %s", [key])
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def get(self, key: str) -> Any | None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT value FROM {TABLE} WHERE key = %s", [key])
            row = cursor.fetchone()
        return json.loads(row[0]) if row and row[0] is not None else None

    def put(self, key: str, value: Any) -> None:
        text = None if value is None else json.dumps(value)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (key, tokens, last, count, value) VALUES (%s, 0, 0, 0, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, text],
            )

    def drop(self, prefix: str) -> int:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE key LIKE %s ESCAPE '\\' AND value IS NOT NULL", [escaped + "%"])
            return cursor.rowcount
