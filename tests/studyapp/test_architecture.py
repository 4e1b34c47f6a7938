"""The import rules of docs/architecture.md hold: the contracts in pyproject.toml, checked by import-linter."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_module_is_longer_than_the_house_limit():
    """style.md: modules under about 800 lines, so each holds one idea."""
    too_long = {}
    for package in ("gateway", "sandbox", "notes", "quizzes", "studyapp"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                lines = len(path.read_text(encoding="utf-8").splitlines())
                if lines > 800:
                    too_long[str(path.relative_to(ROOT))] = lines
    assert too_long == {}, "modules over 800 lines: split them by idea"
