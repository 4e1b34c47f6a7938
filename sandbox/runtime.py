"""The engine's runtime for this server process: the shared store and this process's telemetry."""

from __future__ import annotations

import gateway as gw
from sandbox.store import SqlStore

TELEMETRY = gw.Telemetry()
RUNTIME = gw.Runtime(store=SqlStore(), observers=[TELEMETRY])
