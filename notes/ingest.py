"""Study notes as text -> a parsed note -> a built note. Pure: no Django, no database.

A note file is decoded (UTF-8, with or without BOM, any line endings), its YAML front
matter read tolerantly, its dialect detected, plain-text course transcripts turned into
markdown (headings, nested bullets, and the quiz kept as question/answer data), and the
markdown split into sections at its headings. `build_note` renders the sections (with
`notes.markdown`) and sorts them into topics (with `notes.taxonomy`).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

import yaml

from notes.markdown import FENCE_RE, Renderer, expand_tabs, html_to_text, slugify
from notes.taxonomy import Classifier

NOTE_SUFFIXES = (".md", ".markdown", ".txt")
HEADING_RE = re.compile(r"^ {0,3}(?P<hashes>#{1,6})[ \t]+(?P<title>.*?)(?:[ \t]+#+)?[ \t]*$")
SETEXT_RE = re.compile(r"^ {0,3}(?P<char>=+|-+)[ \t]*$")
REF_DEF_RE = re.compile(r"^ {0,3}\[[^\]^][^\]]*\]:\s*\S")
EMBED_RE = re.compile(r"!\[\[[^\]\n]+\]\]|!\[[^\]\n]*\]\([^)\n]*\)")
VUEPRESS_KEYS = {"prev", "next", "sidebar", "sidebarDepth", "navbar", "pageClass", "lang", "permalink"}


class NoteError(Exception):
    """A file that cannot be ingested; the message says why."""


@dataclass
class ParsedSection:
    level: int  # 0 for the text before the first heading
    title: str  # inline markdown
    anchor: str
    path: list[str]  # titles of the enclosing headings, outermost first
    body: str  # markdown
    order: int = 0

    @property
    def is_empty(self) -> bool:
        return not re.sub(r"(?m)^\s*([-*_]\s*){3,}$", "", self.body).strip()


@dataclass
class QuizItem:
    number: int
    question: str
    answer: str


@dataclass
class ParsedNote:
    title: str
    dialect: str  # obsidian | vuepress | markdown | transcript
    front_matter: dict
    source: str  # the text as written (decoded, newlines normalised)
    markdown: str  # the body as markdown (transcripts converted)
    sections: list[ParsedSection]
    quiz: list[QuizItem] = field(default_factory=list)
    quiz_title: str = ""
    warnings: list[str] = field(default_factory=list)


# Bump when parsing or rendering changes, so that the next ingest re-renders every note.
PIPELINE_VERSION = "1"


def content_hash(data: bytes) -> str:
    """Identity of a file's content as this version of the pipeline renders it."""
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + data).hexdigest()


def decode(data: bytes) -> str:
    """Bytes -> text, or NoteError saying why the file is not a readable note."""
    if not data.strip():
        raise NoteError("the file is empty")
    if b"\x00" in data[:8192]:
        raise NoteError("the file is binary, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NoteError(
            f"the file is not UTF-8 text (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise NoteError("the file has no text")
    return text


# ---------------------------------------------------------------------------------------
# Front matter


class _TextDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates and times as the text the author wrote."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def split_front_matter(text: str) -> tuple[dict, str, list[str]]:
    """Return (front matter, body, warnings). A broken block is a warning, never fatal."""
    match = re.match(r"^---[ \t]*\n(.*?)\n?^(?:---|\.\.\.)[ \t]*(?:\n|$)", text, re.S | re.M)
    if not match:
        return {}, text, []
    block, body = match.group(1), text[match.end() :]
    if not block.strip():
        return {}, body, []
    try:
        data = yaml.load(block, Loader=_TextDatesLoader)  # noqa: S506 (a SafeLoader subclass)
        if isinstance(data, dict):
            return {str(k): _plain(v) for k, v in data.items()}, body, []
        problem = "it is not a list of key: value lines"
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0]
    # Authors often write unquoted colons ("title: API Gateway: the basics"): read lines.
    data = {}
    for line in block.splitlines():
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[\w.-]+", key.strip()):
            if line.strip() and not line.startswith((" ", "\t", "#")):
                return {}, body, [f"front matter ignored: {problem}"]
            continue
        data[key.strip()] = value.strip().strip("'\"")
    return data, body, [f"front matter read line by line: {problem}"]


def _plain(value):
    """YAML values as JSON-friendly data (dates were kept as text by the loader)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# ---------------------------------------------------------------------------------------
# Plain-text course transcripts

TITLE_MAX = 90
QUIZ_RE = re.compile(r"^\s*Quiz\s+\d+\s*:", re.I)
QUESTION_RE = re.compile(r"^\s*Question\s+(\d+)\s*:\s*(.*)$", re.I)
ANSWER_RE = re.compile(r"^\s*Answer\s*:\s*(.*)$", re.I)
BULLET_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?:(?P<dash>[-*\u2022])\s*(?P<text>\S.*)|(?P<num>\d{1,3})[.)]\s+(?P<ntext>\S.*))$"
)
SMALL_WORDS = {
    "a",
    "an",
    "and",
    "as",
    "at",
    "by",
    "for",
    "from",
    "in",
    "is",
    "of",
    "on",
    "or",
    "the",
    "to",
    "vs",
    "with",
}


def _is_title_like(line: str) -> bool:
    """Short, no closing punctuation, mostly capitalised words: how transcript titles look."""
    text = line.strip()
    if not text or len(text) > TITLE_MAX or line[:1] == "\t" or len(line) - len(line.lstrip()) > 2:
        return False
    if BULLET_RE.match(line) or text[-1] in ".?!,;:" or not (text[0].isupper() or text[0].isdigit()):
        return False
    words = [w.strip("()[]&/-:,") for w in text.split()]
    words = [w for w in words if w and w.lower() not in SMALL_WORDS and not any(c.isdigit() for c in w)]
    capitalised = sum(1 for w in words if w[0].isupper())
    return len(words) <= 14 and capitalised * 2 > len(words)


def _md_escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*_\[\]])", r"\\\1", text)
    return text.replace("<", "&lt;")


def transcript_to_markdown(text: str) -> tuple[str, str, list[QuizItem]]:
    """Convert a course transcript to markdown; return (markdown, quiz title, quiz).

    A title-like line (short, capitalised, no closing punctuation) that starts the file,
    follows a blank line, or follows another heading is a heading: level 2 when it opens a
    lecture (at the start, or after a gap of two or more blank lines: the transcript's own
    separation between lectures) or when another title or a gap before another title follows
    it (a part of the course), level 3 when content follows inside a lecture. ``-`` lines are bullets nested by indentation; more deeply indented
    lines without a marker continue the bullet above. From a ``Quiz N:`` line on, the text
    is the quiz: ``Question N:`` / ``Answer:`` pairs.
    """
    lines = [line.rstrip() for line in text.split("\n")]
    quiz_at = next((i for i, line in enumerate(lines) if QUIZ_RE.match(line)), None)
    quiz_title, quiz = "", []
    if quiz_at is not None:
        quiz_title = lines[quiz_at].strip().rstrip(":")
        quiz = _parse_quiz(lines[quiz_at + 1 :])
        lines = lines[:quiz_at]

    out: list[str] = []
    indents: list[int] = []  # indentation of the open bullet at each depth
    kinds: list[str] = []  # "-" or "1." for the open list at each depth
    in_list = after_heading = False
    for i, line in enumerate(lines):
        if not line.strip():
            after_heading = False
            if not in_list:
                out.append("")
            continue
        prev_blank = i == 0 or not lines[i - 1].strip()
        if (prev_blank or after_heading) and _is_title_like(line):
            following = lines[i + 1] if i + 1 < len(lines) else ""
            next_text = next((x for x in lines[i + 1 :] if x.strip()), "")
            lecture = i == 0 or (i >= 2 and not lines[i - 1].strip() and not lines[i - 2].strip())
            part = (
                lecture
                or (not following.strip() and (not next_text or _is_title_like(next_text)))
                or (bool(following.strip()) and _is_title_like(following))
            )
            out.extend(["", f"{'##' if part else '###'} {_md_escape(line.strip())}", ""])
            indents, in_list, after_heading = [], False, True
            continue
        after_heading = False
        bullet = BULLET_RE.match(line)
        if bullet:
            indent = len(expand_tabs(bullet["indent"]))
            while indents and indent < indents[-1]:
                indents.pop()
            if indents and indent == indents[-1]:
                indents.pop()
            marker = f"{bullet['num']}." if bullet["num"] else "-"
            kind = "1." if bullet["num"] else "-"
            body = bullet["text"] or bullet["ntext"]
            del kinds[len(indents) + 1 :]
            if not in_list or (len(kinds) > len(indents) and kinds[len(indents)] != kind):
                out.append("")  # a new list: bullets and numbers do not mix in one list
            del kinds[len(indents) :]
            kinds.append(kind)
            out.append(f"{'    ' * len(indents)}{marker} {_md_escape(body.strip())}")
            indents.append(indent)
            in_list = True
            continue
        if in_list and line[:1] in " \t":
            out[-1] += " " + _md_escape(line.strip())
            continue
        if in_list:
            out.append("")
        elif out and out[-1].strip() and not out[-1].startswith("#"):
            out[-1] += "  "  # keep the transcript's line breaks inside a paragraph
        indents, in_list = [], False
        out.append(_md_escape(line.strip()))
    markdown = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip() + "\n"
    return markdown, quiz_title, quiz


def _parse_quiz(lines: list[str]) -> list[QuizItem]:
    items: list[QuizItem] = []
    number, question, answer, target = 0, [], [], None
    for line in lines:
        q = QUESTION_RE.match(line)
        a = ANSWER_RE.match(line)
        if q:
            if number:
                items.append(QuizItem(number, " ".join(question).strip(), " ".join(answer).strip()))
            number, question, answer, target = int(q.group(1)), [q.group(2)], [], "q"
        elif a and number:
            answer, target = [a.group(1)], "a"
        elif line.strip() and target == "q":
            question.append(line.strip())
        elif line.strip() and target == "a":
            answer.append(line.strip())
    if number:
        items.append(QuizItem(number, " ".join(question).strip(), " ".join(answer).strip()))
    return [item for item in items if item.question and item.answer]


# ---------------------------------------------------------------------------------------
# Sections


def split_sections(markdown: str, note_title: str) -> list[ParsedSection]:
    """Split markdown at its headings (ATX, or one-line setext), outside code fences."""
    lines = markdown.split("\n")
    refs = "\n".join(line for line in lines if REF_DEF_RE.match(line))
    sections: list[ParsedSection] = []
    used: set[str] = set()
    stack: list[tuple[int, str]] = []
    current = ParsedSection(0, note_title, unique_name("introduction", used), [], "")
    body: list[str] = []
    fence = ""

    def close() -> None:
        current.body = "\n".join(body).strip("\n")
        if refs:
            current.body += "\n\n" + refs
        sections.append(current)

    i = 0
    while i < len(lines):
        line = lines[i]
        bare = line.lstrip(" \t>")
        fence_match = FENCE_RE.match(bare)
        if fence:
            body.append(line)
            if fence_match and fence_match["fence"].startswith(fence) and not bare.strip(fence[0]).strip():
                fence = ""
            i += 1
            continue
        if fence_match:
            fence = fence_match["fence"]
            body.append(line)
            i += 1
            continue
        heading = HEADING_RE.match(line)
        level, title = (len(heading["hashes"]), heading["title"]) if heading else (0, "")
        if not heading and i + 1 < len(lines) and SETEXT_RE.match(lines[i + 1]) and _setext_candidate(lines, i):
            level, title = (1 if lines[i + 1].strip()[0] == "=" else 2), line.strip()
            i += 1
        if level and title.strip():
            close()
            title, moved = _title_without_embeds(title)
            while stack and stack[-1][0] >= level:
                stack.pop()
            current = ParsedSection(level, title, unique_name(slugify(title), used), [t for _, t in stack], "")
            stack.append((level, title))
            body = [moved] if moved else []
            i += 1
            continue
        body.append(line)
        i += 1
    close()
    for order, section in enumerate(sections):
        section.order = order
    # The text before the first heading is a section only when there is some.
    if sections and sections[0].level == 0 and sections[0].is_empty:
        sections.pop(0)
    return sections


def _setext_candidate(lines: list[str], i: int) -> bool:
    """A single-line paragraph of plain text directly above ``===`` or ``---``."""
    line = lines[i]
    if not line.strip() or line[:1] in " \t" or (i > 0 and lines[i - 1].strip()):
        return False
    return not re.match(r"^\s*([-*+>|#]|\d+[.)]|!\[|<)", line)


def _title_without_embeds(title: str) -> tuple[str, str]:
    """Headings like ``### Stages![[shot.png]]`` keep the text; the embed goes below."""
    embeds = EMBED_RE.findall(title)
    if not embeds:
        return title.strip(), ""
    return EMBED_RE.sub("", title).strip() or title.strip(), " ".join(embeds)


def unique_name(name: str, used: set[str]) -> str:
    """`name`, or `name-2`, `name-3`... whichever is not in `used` yet (and record it)."""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        candidate = f"{name}-{n}"
    used.add(candidate)
    return candidate


# ---------------------------------------------------------------------------------------
# The whole note


def detect_dialect(name: str, front_matter: dict, body: str) -> str:
    if name.lower().endswith(".txt"):
        return "transcript"
    if VUEPRESS_KEYS & set(front_matter) or re.search(r"(?m)^:::\s*\w", body):
        return "vuepress"
    if "[[" in body or re.search(r"(?m)^\s*>\s*\[!\w+\]", body) or re.search(r"(?m)^\t+[-*+]\s", body):
        return "obsidian"
    return "markdown"


def title_from(name: str, front_matter: dict, markdown: str) -> str:
    if isinstance(front_matter.get("title"), (str, int, float)) and str(front_matter["title"]).strip():
        return str(front_matter["title"]).strip()
    for section in split_sections(markdown, ""):
        if section.level == 1:
            return re.sub(r"[*_`]", "", section.title).strip()
    return PurePath(name).stem.strip() or name


def parse_note(name: str, text: str) -> ParsedNote:
    """Parse decoded note text; `name` is the file name (it picks the dialect)."""
    text = unicodedata.normalize("NFC", text)
    front_matter, body, warnings = split_front_matter(text)
    dialect = detect_dialect(name, front_matter, body)
    quiz_title, quiz = "", []
    if dialect == "transcript":
        markdown, quiz_title, quiz = transcript_to_markdown(body)
    else:
        markdown = body
    title = title_from(name, front_matter, markdown)
    sections = split_sections(markdown, title)
    if not sections and not quiz:
        raise NoteError("the file has no text")
    return ParsedNote(
        title=title,
        dialect=dialect,
        front_matter=front_matter,
        source=text,
        markdown=markdown,
        sections=sections,
        quiz=quiz,
        quiz_title=quiz_title,
        warnings=warnings,
    )


# ---------------------------------------------------------------------------------------
# Rendering a parsed note into what the database stores (still pure)


@dataclass
class BuiltTip:
    kind: str
    title_html: str
    body_html: str


@dataclass
class BuiltSection:
    order: int
    level: int
    anchor: str
    title: str
    title_html: str
    path: list[str]
    body_html: str
    text: str
    topic: str | None  # taxonomy slug
    score: int
    tags: list[str]
    tips: list[BuiltTip]


@dataclass
class BuiltNote:
    body_html: str
    toc: list[dict]
    tags: list[str]
    sections: list[BuiltSection]


def build_note(parsed: ParsedNote, renderer: Renderer, classifier: Classifier) -> BuiltNote:
    """Render every section, assemble the note page, and sort the sections into topics.

    The note page is the sections' HTML joined under their headings, so the anchors on the
    note page and the section links from topic pages and search are one and the same.
    """
    html_parts: list[str] = []
    toc: list[dict] = []
    tags: list[str] = []
    sections: list[BuiltSection] = []
    for part in parsed.sections:
        rendered = renderer.render(part.body)
        title_html = renderer.render_inline(part.title)
        title_text = html_to_text(title_html)
        tags.extend(rendered.tags)
        if part.level:
            level = min(part.level + 1, 6)  # the page title is the h1
            html_parts.append(
                f'<h{level} id="{part.anchor}">{title_html}'
                f'<a class="anchor" href="#{part.anchor}" aria-label="Link to this section">#</a></h{level}>'
            )
            toc.append({"level": part.level, "title": title_text, "anchor": part.anchor})
        html_parts.append(rendered.html)
        if part.is_empty:
            continue
        introduction = part.level == 0 or (part.level == 1 and part.order == 0)
        topic, score = classifier.classify(part.title, part.path, part.body, introduction=introduction)
        tips = [
            BuiltTip(tip.kind, renderer.render_inline(tip.title), renderer.render(tip.body).html if tip.body else "")
            for tip in rendered.tips
        ]
        sections.append(
            BuiltSection(
                order=part.order,
                level=part.level,
                anchor=part.anchor,
                title=(title_text or parsed.title)[:500],
                title_html=title_html or html_to_text(parsed.title),
                path=part.path,
                body_html=rendered.html,
                text=html_to_text(rendered.html),
                topic=topic,
                score=score,
                tags=rendered.tags,
                tips=tips,
            )
        )
    return BuiltNote("\n".join(html_parts), toc, list(dict.fromkeys(tags)), sections)


# ---------------------------------------------------------------------------------------
# Building notes in worker processes: every function above is pure, so a worker needs no
# Django; it gets the wiki-link names and the taxonomy once, when it starts.

_worker: tuple[Renderer, Classifier] | None = None


def init_worker(link_names: dict[str, tuple[str, str]], topics: list) -> None:
    global _worker  # noqa: PLW0603 (one renderer per worker process)
    _worker = (Renderer(names_resolver(link_names)), Classifier(topics))
    os.nice(5)  # the writing process is the critical path: it gets a core first, renderers the rest


def build_in_worker(parsed: ParsedNote) -> BuiltNote:
    assert _worker is not None, "init_worker did not run"
    return build_note(parsed, *_worker)


def link_key(text: str) -> str:
    """How wiki-link targets are compared: case, spaces and punctuation do not matter."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def names_resolver(names: dict[str, tuple[str, str]]):
    return lambda target: names.get(link_key(target))
