"""Curated data beside the notes: errata, key facts and quiz amendments. Pure: no Django.

- `notes/errata.yaml`: where a note is wrong, the claim as written, the correction and the AWS page
  that settles it (shown beside the claim; admins add more in the admin).
- `notes/facts.yaml`: each topic's key facts, with their AWS page and the bank questions that test them.
- `notes/quiz_amendments.yaml`: what a note's own quiz lacks (the options of a question, a fuller
  answer), applied to the quiz's flashcards; the note itself stays as written.

Each loader reads the whole file and raises `CuratedError` listing every problem, so a broken
file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

DOC_URL = re.compile(r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com)/\S+$")
_MARKUP = re.compile(r"[*_`~|#>]+|\[\[|\]\]|(?:^|(?<=\s))[-+](?=\s)")


class CuratedError(ValueError):
    def __init__(self, path: str, problems: list[str]):
        self.problems = [f"{path}: {p}" for p in problems]
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Erratum:
    note: str  # the note's file name
    claim: str  # verbatim from the note
    correction: str  # markdown
    source_title: str
    source_url: str


@dataclass(frozen=True)
class Fact:
    topic: str
    order: int
    text: str  # markdown
    source_title: str
    source_url: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Amendment:
    note: str
    question: int
    stem: str  # replaces the quiz question's text on its card ("" keeps it)
    answer: str  # replaces the answer ("" keeps it)
    why: str


_EMPHASIS = re.compile(r"[*_`]+|\[\[|\]\]")


def readable(text: str) -> str:
    """A claim as its reader sees it: emphasis and wiki-link markers removed, case kept."""
    return " ".join(_EMPHASIS.sub("", text).split())


def plain(text: str) -> str:
    """A claim as plain words, to find it in a section's text (markup and spacing removed)."""
    return " ".join(_MARKUP.sub("", text).split()).lower()


def _read(path: Path) -> list:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CuratedError(str(path), [f"cannot be read: {exc}"]) from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise CuratedError(str(path), ["expected a list of entries"])
    return data


def _source(entry: dict, where: str, problems: list[str]) -> tuple[str, str]:
    source = entry.get("source") or {}
    title, url = str(source.get("title", "")).strip(), str(source.get("url", "")).strip()
    if not title or not DOC_URL.match(url):
        problems.append(f"{where}: source needs a title and an AWS documentation url (https://docs.aws.amazon.com/...)")
    return title, url


def load_errata(path: Path) -> list[Erratum]:
    problems: list[str] = []
    errata = []
    for index, entry in enumerate(_read(path), 1):
        where = f"erratum #{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: expected a mapping with note, claim, correction, source")
            continue
        note, claim = str(entry.get("note", "")).strip(), str(entry.get("claim", "")).strip()
        correction = str(entry.get("correction", "")).strip()
        if not note or not claim or not correction:
            problems.append(f"{where}: note, claim and correction are required")
        title, url = _source(entry, where, problems)
        errata.append(Erratum(note, claim, correction, title, url))
    if problems:
        raise CuratedError(str(path), problems)
    return errata


def load_facts(path: Path, topics: set[str] | None = None) -> list[Fact]:
    problems: list[str] = []
    facts = []
    for index, entry in enumerate(_read(path), 1):
        topic = str((entry or {}).get("topic", "")).strip() if isinstance(entry, dict) else ""
        where = f"topic entry #{index} ({topic or '?'})"
        if not topic or (topics is not None and topic not in topics):
            problems.append(f"{where}: unknown topic {topic!r}")
            continue
        for order, fact in enumerate(entry.get("facts") or [], 1):
            if not isinstance(fact, dict) or not str(fact.get("fact", "")).strip():
                problems.append(f"{where}, fact #{order}: expected fact, source, questions")
                continue
            title, url = _source(fact, f"{where}, fact #{order}", problems)
            questions = fact.get("questions") or []
            if not isinstance(questions, list):
                problems.append(f"{where}, fact #{order}: questions must be a list of question ids")
                questions = []
            facts.append(Fact(topic, order, str(fact["fact"]).strip(), title, url, tuple(str(q) for q in questions)))
    if problems:
        raise CuratedError(str(path), problems)
    return facts


def load_amendments(path: Path) -> list[Amendment]:
    problems: list[str] = []
    amendments = []
    for index, entry in enumerate(_read(path), 1):
        where = f"amendment #{index}"
        try:
            number = int(entry.get("question"))
        except (AttributeError, TypeError, ValueError):
            problems.append(f"{where}: question must be the quiz question's number")
            continue
        note = str(entry.get("note", "")).strip()
        stem, answer = str(entry.get("stem", "") or "").strip(), str(entry.get("answer", "") or "").strip()
        if not note or not (stem or answer):
            problems.append(f"{where}: note and a stem or an answer are required")
        amendments.append(Amendment(note, number, stem, answer, str(entry.get("why", "")).strip()))
    if problems:
        raise CuratedError(str(path), problems)
    return amendments
