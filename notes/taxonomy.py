"""The exam taxonomy (notes/taxonomy.yaml) and the classifier that sorts sections into it.

Pure: no Django. A section is scored against each topic's keywords: a phrase in the
section's own heading weighs most, in its parent headings less, in its text least; a
longer phrase outweighs a shorter one. Below the threshold the section is unsorted,
except a note's introduction, which belongs to the overview.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

OWN_HEADING, PARENT_HEADING, GRANDPARENT_HEADING, BODY = 10, 3, 1, 1
BODY_CAP = 12
THRESHOLD = 10
GENERIC_HEADING_BONUS = 15
NOISE_RE = re.compile(r"^(amazon |aws )?(api gateway)\b\s*[-:–—]*\s*", re.I)
NO_STEM = {"cors", "https", "status", "alias", "kinesis", "always", "previous", "various", "access"}
RESERVED_SLUGS = {"unsorted"}


class TaxonomyError(ValueError):
    """The taxonomy file is malformed; the message names the entry and the problem."""


@dataclass
class TopicSpec:
    slug: str
    title: str
    order: int
    summary: str = ""
    keywords: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    outline: list[dict] = field(default_factory=list)  # [{"heading": ..., "keywords": [...]}] in exam order

    @property
    def fingerprint(self) -> str:
        data = json.dumps(self.__dict__, sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def load_taxonomy(path: str | Path) -> list[TopicSpec]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TaxonomyError(f"{path}: cannot be read: {exc}") from None
    if not isinstance(data, list):
        raise TaxonomyError(f"{path}: expected a list of topics")
    topics, seen = [], set()
    for index, entry in enumerate(data, 1):
        where = f"{path}: topic #{index}"
        if not isinstance(entry, dict):
            raise TaxonomyError(f"{where}: expected a mapping with slug, title, order")
        slug = str(entry.get("slug", "")).strip()
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            raise TaxonomyError(f"{where}: slug {slug!r} must be lowercase words joined by hyphens")
        if slug in RESERVED_SLUGS or slug in seen:
            raise TaxonomyError(f"{where}: slug {slug!r} is reserved or used twice")
        seen.add(slug)
        if not str(entry.get("title", "")).strip():
            raise TaxonomyError(f"{where} ({slug}): a title is required")
        for key in ("keywords", "aliases"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
                raise TaxonomyError(f"{where} ({slug}): {key} must be a list of words or phrases")
        outline = entry.get("outline", []) or []
        if not isinstance(outline, list) or not all(
            isinstance(o, dict) and str(o.get("heading", "")).strip() and isinstance(o.get("keywords", []), list)
            for o in outline
        ):
            raise TaxonomyError(f"{where} ({slug}): outline must be a list of {{heading, keywords}}")
        try:
            order = int(entry.get("order", index))
        except (TypeError, ValueError):
            raise TaxonomyError(f"{where} ({slug}): order must be a whole number") from None
        topics.append(
            TopicSpec(
                slug=slug,
                title=str(entry["title"]).strip(),
                order=order,
                summary=str(entry.get("summary", "") or "").strip(),
                keywords=[str(k) for k in entry.get("keywords", [])],
                aliases=[str(a) for a in entry.get("aliases", [])],
                outline=[
                    {"heading": str(o["heading"]).strip(), "keywords": [str(k) for k in o.get("keywords", [])]}
                    for o in outline
                ],
            )
        )
    return topics


def normalise(text: str) -> str:
    """Lowercase words without punctuation or a plural s, space separated and padded."""
    words = re.sub(r"[^a-z0-9$]+", " ", text.lower()).split()
    return " " + " ".join(_stem(w) for w in words) + " "


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    if word in NO_STEM or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass
class Classifier:
    topics: list[TopicSpec]

    def __post_init__(self) -> None:
        # By first word: (topic, phrase, its word count, its words); a phrase can only occur in a
        # text that has all its words, so a text is only searched for phrases whose words it has.
        self._phrases: dict[str, list[tuple[str, str, int, frozenset[str]]]] = {}
        for t in self.topics:
            for keyword in t.keywords + t.aliases:
                phrase = normalise(keyword)
                words = phrase.split()
                if words:
                    self._phrases.setdefault(words[0], []).append((t.slug, phrase, len(words), frozenset(words)))

    def _matches(self, text: str) -> dict[str, int]:
        """Word-weighted phrase hits per topic; a hit inside a longer hit does not count."""
        hits: list[tuple[int, int, str, int]] = []
        present = set(text.split())
        for first in present.intersection(self._phrases):
            for slug, phrase, words, needed in self._phrases[first]:
                if needed <= present:
                    start = text.find(phrase)
                    while start != -1:
                        hits.append((start, start + len(phrase), slug, words))
                        start = text.find(phrase, start + 1)
        longer = [(s, e, w) for s, e, _, w in hits if w > 1]
        result: dict[str, int] = {}
        for start, end, slug, words in hits:
            if any(s <= start and end <= e and w > words for s, e, w in longer):
                continue
            result[slug] = result.get(slug, 0) + words
        return result

    def scores(self, title: str, path: list[str], body: str) -> dict[str, int]:
        heading = normalise(NOISE_RE.sub("", title.strip()))
        parents = [normalise(NOISE_RE.sub("", p)) for p in reversed(path)]
        weighted = [(self._matches(heading), OWN_HEADING, None)]
        if parents:
            weighted.append((self._matches(parents[0]), PARENT_HEADING, None))
        for grandparent in parents[1:]:
            weighted.append((self._matches(grandparent), GRANDPARENT_HEADING, None))
        weighted.append((self._matches(normalise(body)), BODY, BODY_CAP))
        result: dict[str, int] = {}
        for hits, weight, cap in weighted:
            for slug, words in hits.items():
                points = words * weight
                result[slug] = result.get(slug, 0) + (min(points, cap) if cap else points)
        if not heading.strip() and self.topics:
            overview = self.topics[0].slug
            result[overview] = result.get(overview, 0) + GENERIC_HEADING_BONUS
        return result

    def classify(self, title: str, path: list[str], body: str, introduction: bool = False) -> tuple[str | None, int]:
        """(topic slug, score), or (None, best score) when no topic is a confident fit."""
        scores = self.scores(title, path, body)
        if scores:
            # On a tie a specific topic beats the overview (the catch-all), then the earlier topic wins.
            general = self.topics[0].slug if self.topics else None
            slug, score = max(scores.items(), key=lambda item: (item[1], item[0] != general, -self._order(item[0])))
            if score >= THRESHOLD:
                return slug, score
        if introduction and self.topics:
            return self.topics[0].slug, scores.get(self.topics[0].slug, 0)
        return None, max(scores.values(), default=0)

    def _order(self, slug: str) -> int:
        return next(t.order for t in self.topics if t.slug == slug)
