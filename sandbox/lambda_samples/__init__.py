"""AWS's sample events (the console's "test event" menu) and the starter handlers of the code
editor, as files in this folder; each index.json names the AWS page its files follow."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sample:
    slug: str  # the file name without its suffix
    title: str
    text: str
    note: str = ""
    source: str = ""


def _load(folder: str) -> tuple[Sample, ...]:
    entries = json.loads((HERE / folder / "index.json").read_text(encoding="utf-8"))
    return tuple(
        Sample(
            slug=entry["file"].rsplit(".", 1)[0],
            title=entry["title"],
            text=(HERE / folder / entry["file"]).read_text(encoding="utf-8"),
            note=entry.get("note") or entry.get("for", ""),
            source=entry.get("source", ""),
        )
        for entry in entries
    )


@functools.cache
def events() -> tuple[Sample, ...]:
    return _load("events")


@functools.cache
def starters() -> tuple[Sample, ...]:
    return _load("starters")


def event(slug: str) -> Sample | None:
    return next((s for s in events() if s.slug == slug), None)
