"""gateway/ is a library like cronsim: plain Python, usable without Django."""

from __future__ import annotations

import ast
from pathlib import Path

GATEWAY = Path(__file__).resolve().parents[2] / "gateway"


def test_no_module_in_gateway_imports_django():
    offenders = []
    for path in GATEWAY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n == "django" or n.startswith("django.")]
    assert offenders == []


def test_the_public_api_is_re_exported():
    import gateway

    for name in ("Account", "invoke", "Request", "create_rest_api", "create_deployment", "ValidationError"):
        assert getattr(gateway, name) is not None
