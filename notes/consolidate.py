"""One page per topic from several notes: near-duplicates merged, blocks under the topic's outline.

Pure: no Django. The loader hands in each topic's sections (`Piece`) and its outline, and stores
what comes back (`Block`s). Sections whose texts say the same thing (rapidfuzz's
`token_sort_ratio` of their normalised words at or above `SECTION_THRESHOLD`, linked
transitively) become one block: the fullest section is shown, and every item (a top-level
bullet, paragraph or code block) that another note adds and the shown text does not already say
(`ITEM_THRESHOLD`) is kept beside it with its source. Nothing is dropped: every member section
stays on its note's own page and is linked from the block.

The thresholds are tested on the shipped notes (tests/notes/test_consolidate.py): identical
lecture notes copied between learners score 95-100, a section reworded by another learner 75-90,
different sections of one topic below 65.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser

from rapidfuzz import fuzz, process

SECTION_THRESHOLD = 75
ITEM_THRESHOLD = 80
EXHAUSTIVE_UP_TO = 300  # sections in a topic; above it, candidate pairs from shared rare words
RARE_WORDS = 6  # a piece is compared with the pieces sharing one of its 6 least common words
COMMON_MIN = 50
COPY = 97  # a section this like the lead is a copy of it: it adds nothing
_NOISE = re.compile(r"\b(?:aws|amazon|api gateway)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.cache  # a text is normalised for clustering, merging and placing: once (cleared per topic)
def normalise(text: str) -> str:
    """Lower-case words without punctuation or the names every note repeats ("AWS API Gateway")."""
    return " ".join(_NON_WORD.sub(" ", _NOISE.sub(" ", text.lower())).split())


def similarity(a: str, b: str) -> float:
    """0-100: how much two (normalised) texts say the same thing, whatever their order."""
    return fuzz.token_sort_ratio(a, b)


@dataclass
class Piece:
    """One section of a note, placed in a topic."""

    section_id: int
    note_id: int
    title: str
    text: str  # plain text
    items: list[tuple[str, str]] = field(default_factory=list)  # (html, plain text) of its top-level items
    order: tuple = ()  # where it stands in its note (for a stable result)
    html: str = ""  # the rendered section: its items are read from it when it is merged

    @property
    def key(self) -> str:
        return normalise(f"{self.title} {self.text}")


@dataclass
class Block:
    """What a topic page shows once: the representative section, the others that say the same,
    and what those others add (item html, the section it comes from)."""

    lead: Piece
    others: list[Piece] = field(default_factory=list)
    extras: list[tuple[str, Piece]] = field(default_factory=list)
    heading: int = -1  # index in the topic's outline; -1: "More from the notes"

    @property
    def members(self) -> list[Piece]:
        return [self.lead, *self.others]


def cluster(pieces: list[Piece], threshold: float = SECTION_THRESHOLD) -> list[list[Piece]]:
    """Groups of pieces from different notes that say the same thing (single linkage).

    A topic of up to `EXHAUSTIVE_UP_TO` sections compares every pair. A bigger one compares
    candidate pairs only: two texts that say the same share distinctive words, so each piece is
    compared with the pieces that contain one of its `RARE_WORDS` least common words (an inverted
    index over the topic), in both directions (a typo in one copy is rare in it, not in the
    other). Thousands of sections then cost a few comparisons each instead of every pair.
    """
    parent = list(range(len(pieces)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    words = [p.key.split() for p in pieces]
    # token_sort_ratio is the plain ratio of the words in sorted order: sort each text once.
    keys = [" ".join(sorted(w)) for w in words]
    frequency: Counter[str] = Counter(word for w in words for word in set(w))
    containing: dict[str, list[int]] = defaultdict(list)
    for i, w in enumerate(words):
        for word in set(w):
            containing[word].append(i)
    common = max(COMMON_MIN, len(pieces) // 10)  # a word in more pieces than this distinguishes nothing
    every = range(len(pieces))
    for i, w in enumerate(words):
        if len(pieces) <= EXHAUSTIVE_UP_TO:  # a topic of a few notes: every pair, exactly
            candidates = every[i + 1 :]
        else:
            rare = sorted((word for word in set(w) if frequency[word] <= common), key=lambda x: (frequency[x], x))
            candidates = {j for word in rare[:RARE_WORDS] for j in containing[word] if j != i}
        for j in candidates:
            if pieces[i].note_id != pieces[j].note_id and root(i) != root(j):
                if fuzz.ratio(keys[i], keys[j], score_cutoff=threshold):
                    parent[root(j)] = root(i)
    groups: dict[int, list[Piece]] = {}
    for i, piece in enumerate(pieces):
        groups.setdefault(root(i), []).append(piece)
    return list(groups.values())


def merge(group: list[Piece], item_threshold: float = ITEM_THRESHOLD) -> Block:
    """The fullest section leads; each other note's items that say something new are kept."""
    lead = max(group, key=lambda p: (len(p.text), -p.section_id))
    block = Block(lead=lead, others=[p for p in group if p is not lead])
    whole = normalise(lead.text)
    # A copy (its text inside the lead's, or nearly the same words) adds nothing: not parsed at all.
    lead_words = _sorted_words(lead.text)
    to_read = [
        p
        for p in sorted(block.others, key=lambda p: p.order)
        if normalise(p.text) not in whole and not fuzz.ratio(_sorted_words(p.text), lead_words, score_cutoff=COPY)
    ]
    if not to_read:
        return block
    for piece in (lead, *to_read):
        if not piece.items and piece.html:
            piece.items = items_of(piece.html)
    said = [_sorted_words(text) for _html, text in lead.items] or [lead_words]
    for other in to_read:
        for html, text in other.items:
            key = _sorted_words(text)
            if not key or (len(key) > 12 and normalise(text) in whole):
                continue
            if process.extractOne(key, said, scorer=fuzz.ratio, processor=None, score_cutoff=item_threshold):
                continue
            said.append(key)
            block.extras.append((html, other))
    return block


@functools.cache
def _sorted_words(text: str) -> str:
    """token_sort_ratio's form of a text, computed once: its normalised words in sorted order."""
    return " ".join(sorted(normalise(text).split()))


def place(block: Block, outline: list[tuple[str, list[str]]]) -> int:
    """The outline heading whose keywords the block's title (weighted) and text mention most."""
    title, text = f" {normalise(block.lead.title)} ", f" {block.lead.key} "
    best, best_score = -1, 0
    for index, (_heading, keywords) in enumerate(outline):
        score = 0
        for keyword in keywords:
            word = f" {normalise(keyword)} "
            score += 5 * title.count(word) + text.count(word)
        if score > best_score:
            best, best_score = index, score
    return best


def consolidate(pieces: list[Piece], outline: list[tuple[str, list[str]]]) -> list[Block]:
    """A topic's blocks, each placed under an outline heading, in outline then note order."""
    try:
        blocks = [merge(group) for group in cluster(sorted(pieces, key=lambda p: p.order))]
        for block in blocks:
            block.heading = place(block, outline)
    finally:  # the texts' normal forms are kept for one topic only
        normalise.cache_clear()
        _sorted_words.cache_clear()
    last = len(outline)
    return sorted(blocks, key=lambda b: (b.heading if b.heading >= 0 else last, b.lead.order))


@dataclass(frozen=True)
class Placed:
    """A block as plain ids, what a worker process sends back: the lead section, the others,
    what they add (item html, section id) and the outline heading."""

    lead: int
    others: tuple[int, ...]
    extras: tuple[tuple[str, int], ...]
    heading: int


def consolidate_ids(pieces: list[Piece], outline: list[tuple[str, list[str]]]) -> list[Placed]:
    """`consolidate`, as plain ids (the pieces' texts stay where they were)."""
    return [
        Placed(
            block.lead.section_id,
            tuple(p.section_id for p in block.others),
            tuple((html, p.section_id) for html, p in block.extras),
            block.heading,
        )
        for block in consolidate(pieces, outline)
    ]


class _Items(HTMLParser):
    """Top-level blocks of a fragment; a top-level list is split into its items."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.lines = [0]
        for line in html.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.depth = 0
        self.list_depth: int | None = None
        self.start: int | None = None
        self.text: list[str] = []
        self.items: list[tuple[str, str]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.depth == 0 and tag in ("ul", "ol"):
            self.list_depth = 1
        elif self.start is None and (self.depth == 0 or (self.list_depth == 1 and self.depth == 1 and tag == "li")):
            self.start, self.text = self._offset(), []
        self.depth += 1

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        self.depth -= 1
        closes_item = self.start is not None and (
            self.depth == 0 or (self.list_depth == 1 and self.depth == 1 and tag == "li")
        )
        if closes_item:
            end = self.html.find(">", self._offset()) + 1
            fragment = self.html[self.start : end].strip()
            if tag == "li":  # an item of a top-level list stays a list item
                fragment = f"<ul>{fragment}</ul>"
            self.items.append((fragment, " ".join("".join(self.text).split())))
            self.start = None
        if self.depth == 0:
            self.list_depth = None

    def handle_data(self, data):
        if self.start is not None:
            self.text.append(data)


VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "source", "col", "area", "base", "embed"}


def items_of(html: str) -> list[tuple[str, str]]:
    """(html, plain text) of each top-level item of a rendered section: list items, paragraphs,
    code blocks, tables, callouts."""
    parser = _Items(html)
    parser.feed(html)
    parser.close()
    return [(h, t) for h, t in parser.items if t or "<img" in h]
