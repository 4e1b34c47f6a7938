"""Markdown -> sanitised HTML for study notes (Obsidian and VuePress flavours).

Python-Markdown and pymdown-extensions do the rendering; this module adds what the
learners' notes need on top, as Python-Markdown extension points:

- Obsidian callouts (``> [!tip] Title``, foldable ``> [!question]- Title``) and VuePress
  containers (``::: tip Title``) become pymdownx blocks (admonitions / ``<details>``), and
  are collected as exam tips;
- ``#tags`` are kept as tags (never headings); a line tagged ``#focus`` is an exam tip;
- nested lists indented with tabs or with two spaces nest (Python-Markdown wants four);
- ``[[Wiki links]]`` / ``[[target|label]]`` resolve to a note or topic, or show as unresolved;
- image embeds (``![[x.png]]``, ``![alt](x.png)``) become labelled placeholders: the notes'
  attachments are not shipped, and the app loads nothing from other origins.

Everything is pure: no Django import. The result is sanitised with nh3 before it is returned.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree  # noqa: N813 (the name Python-Markdown uses)
from collections.abc import Callable
from dataclasses import dataclass, field

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

# A resolver maps a wiki-link target to (url, title), or None when nothing matches.
Resolver = Callable[[str], "tuple[str, str] | None"]

TAB = 4
FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})")
LIST_ITEM_RE = re.compile(r"^(?P<indent>[ ]*)(?P<marker>[-*+]|\d{1,9}[.)])(?P<gap>[ ]+|$)")
TAG_RE = re.compile(r"""(?<![\w&/#\]\)(`\\"'=:])#(?P<tag>[A-Za-z][\w/-]*)""")
TAG_MARK = "\ue000"  # private-use character: cannot come from a note by accident
TAG_MARK_RE = re.compile(TAG_MARK + r"(?P<tag>[\w/-]+)" + TAG_MARK)

# Callout kinds as exam tips: Obsidian has aliases for each kind.
CALLOUT_KINDS = {
    "tip": "tip",
    "hint": "tip",
    "important": "tip",
    "question": "question",
    "faq": "question",
    "help": "question",
    "note": "note",
    "info": "note",
    "abstract": "note",
    "summary": "note",
    "tldr": "note",
    "warning": "warning",
    "caution": "warning",
    "attention": "warning",
    "danger": "warning",
    "example": "example",
    "quote": "quote",
    "cite": "quote",
    "success": "success",
    "check": "success",
    "done": "success",
    "failure": "failure",
    "fail": "failure",
    "missing": "failure",
    "bug": "failure",
    "todo": "note",
    "details": "note",
}
TIP_KINDS = {"tip", "question", "note", "warning"}
OBSIDIAN_CALLOUT_RE = re.compile(r"^\[!(?P<kind>[\w-]+)\](?P<fold>[+-]?)[ \t]*(?P<title>.*)$")
VUEPRESS_OPEN_RE = re.compile(r"^:::[ \t]*(?P<kind>[\w-]+)[ \t]*(?P<title>.*)$")
INLINE_MARKUP_RE = re.compile(r"[\\`*_\[\]<>&!~#^=$" + TAG_MARK + r"]|https?:|www\.")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".bmp", ".avif")


@dataclass
class Tip:
    kind: str  # tip | question | note | warning | focus
    title: str  # markdown (inline)
    body: str  # markdown


@dataclass
class Rendered:
    html: str
    tips: list[Tip] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------
# Line helpers shared by the preprocessors


def expand_tabs(line: str) -> str:
    """Expand leading tabs to the next multiple of four columns (Python-Markdown's rule)."""
    prefix_len = len(line) - len(line.lstrip(" \t"))
    return line[:prefix_len].expandtabs(TAB) + line[prefix_len:]


def iter_outside_fences(lines: list[str]):
    """Yield (index, line, in_fence) so line rewrites can leave code alone."""
    fence: str | None = None
    for i, line in enumerate(lines):
        bare = line.lstrip(" \t>")
        match = FENCE_RE.match(bare)
        if fence is None:
            if match:
                fence = match["fence"][0] * len(match["fence"])
                yield i, line, True
                continue
            yield i, line, False
        else:
            if match and match["fence"].startswith(fence) and not bare.strip(match["fence"][0]).strip():
                fence = None
            yield i, line, True


def mask_inline_code(line: str) -> str:
    """Blank out `code spans` so patterns do not fire inside them (same length)."""
    return re.sub(r"(`+)(.+?)\1", lambda m: " " * len(m.group(0)), line)


# ---------------------------------------------------------------------------------------
# Preprocessors


class TagPreprocessor(Preprocessor):
    """Turn ``#tag`` into a marker the inline pattern renders; record tags and #focus lines."""

    def run(self, lines: list[str]) -> list[str]:
        out = list(lines)
        for i, line, in_fence in iter_outside_fences(lines):
            if in_fence or "#" not in line:
                continue
            masked = mask_inline_code(line)
            tags = [m for m in TAG_RE.finditer(masked) if not _is_heading_hash(masked, m.start())]
            if not tags:
                continue
            rewritten = line
            for m in reversed(tags):
                rewritten = rewritten[: m.start()] + f"{TAG_MARK}{m['tag']}{TAG_MARK}" + rewritten[m.end() :]
            out[i] = rewritten
            names = [m["tag"] for m in tags]
            self.md.study_tags.extend(names)
            if any(name.lower() == "focus" for name in names):
                text = TAG_RE.sub("", line).strip()
                text = re.sub(r"^(?:>\s*)*(?:[-*+]|\d+[.)])\s+", "", text).strip()
                if text:
                    self.md.study_tips.append(Tip("focus", text, ""))
        return out


def _is_heading_hash(line: str, pos: int) -> bool:
    """A ``#`` that opens an ATX heading (``# Title``) is not a tag."""
    return line[:pos].strip() == "" and re.match(r"#{1,6}(\s|$)", line[pos:]) is not None


class CalloutPreprocessor(Preprocessor):
    """Rewrite Obsidian callouts and VuePress containers as pymdownx blocks."""

    def run(self, lines: list[str]) -> list[str]:
        return self._convert(lines, depth=0)

    def _convert(self, lines: list[str], depth: int) -> list[str]:
        out: list[str] = []
        fence_lines = {i for i, _, in_fence in iter_outside_fences(lines) if in_fence}
        i = 0
        while i < len(lines):
            line = lines[i]
            if i in fence_lines:
                out.append(line)
                i += 1
                continue
            stripped = line.strip()
            if stripped.startswith(">"):
                first = _unquote(line)
                match = OBSIDIAN_CALLOUT_RE.match(first.strip())
                if match:
                    body: list[str] = []
                    i += 1
                    while i < len(lines) and lines[i].strip().startswith(">"):
                        body.append(_unquote(lines[i]))
                        i += 1
                    out.extend(self._block(match["kind"], match["fold"], match["title"], body, depth))
                    continue
            match = VUEPRESS_OPEN_RE.match(stripped) if stripped.startswith(":::") else None
            if match and match["kind"].lower() in CALLOUT_KINDS:
                body = []
                i += 1
                while i < len(lines) and lines[i].strip() != ":::":
                    body.append(lines[i])
                    i += 1
                i += 1  # the closing :::
                fold = "-" if match["kind"].lower() == "details" else ""
                out.extend(self._block(match["kind"], fold, match["title"], body, depth))
                continue
            out.append(line)
            i += 1
        return out

    def _block(self, kind: str, fold: str, title: str, body: list[str], depth: int) -> list[str]:
        kind_key = kind.lower()
        css = CALLOUT_KINDS.get(kind_key, "note")
        title = title.strip() or kind.capitalize()
        inner = self._convert(body, depth + 1)
        if depth == 0 and css in TIP_KINDS:
            self.md.study_tips.append(Tip(css, title, "\n".join(body).strip()))
        fence = "/" * (3 + depth)
        title = title.replace("|", "&#124;")
        if fold:
            head = [f"{fence} details | {title}", f"    type: {css}"]
            if fold == "+":
                head.append("    open: true")
        else:
            head = [f"{fence} admonition | {title}", f"    type: {css}"]
        return ["", *head, "", *inner, fence, ""]


def _unquote(line: str) -> str:
    """Remove one level of blockquote marker (``> `` or ``>``)."""
    text = line.lstrip()
    text = text[1:]
    return text[1:] if text.startswith(" ") else text


class ListIndentPreprocessor(Preprocessor):
    """Re-indent nested lists to Python-Markdown's four columns.

    Notes nest lists with tabs (Obsidian) or two spaces (VuePress, CommonMark). A list
    item is a child of the item above it when it is indented at least to that item's
    content column; it is rewritten to start at the parent's content column counted in
    Python-Markdown's four-space steps. Continuation lines and fenced code inside an item
    move with it, keeping their indentation relative to the item's content.
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        # Each open item: (original content column, rewritten content column)
        stack: list[tuple[int, int]] = []
        fence_owner: tuple[int, int] | None = None
        fence_mark = ""
        previous_blank = True
        for raw in lines:
            line = expand_tabs(raw)
            if not line.strip():
                out.append("")
                previous_blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            if fence_owner is not None:
                out.append(self._shift(line, indent, fence_owner))
                bare = line.strip()
                if bare.startswith(fence_mark) and not bare.strip(fence_mark[0]):
                    fence_owner = None
                previous_blank = False
                continue
            item = LIST_ITEM_RE.match(line)
            if item:
                while stack and indent < stack[-1][0]:
                    stack.pop()
                new_indent = stack[-1][1] if stack else 0
                gap = len(item["gap"]) if item["gap"] else 1
                # A gap of five or more spaces means indented code follows the marker.
                content_col = indent + len(item["marker"]) + (gap if gap <= 4 else 1)
                out.append(" " * new_indent + item["marker"] + " " + line[item.end() :])
                stack.append((content_col, new_indent + TAB))
                previous_blank = False
                continue
            # Not a list item: a continuation of the open item, or text after the list.
            if stack and indent < stack[-1][0] and previous_blank:
                while stack and indent < stack[-1][0]:
                    stack.pop()
            # Without a blank line before it, a less indented line is a lazy continuation.
            owner = stack[-1] if stack else None
            if owner is not None:
                fence = FENCE_RE.match(line)
                if fence:
                    fence_owner, fence_mark = owner, fence["fence"]
                out.append(self._shift(line, indent, owner))
            else:
                if FENCE_RE.match(line):
                    fence_owner, fence_mark = (0, 0), FENCE_RE.match(line)["fence"]
                out.append(line)
            previous_blank = False
        return out

    @staticmethod
    def _shift(line: str, indent: int, owner: tuple[int, int]) -> str:
        original, rewritten = owner
        return " " * (rewritten + max(0, indent - original)) + line.lstrip(" ")


# ---------------------------------------------------------------------------------------
# Inline patterns


class TagInline(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's API)
        el = etree.Element("span", {"class": "tag"})
        el.text = "#" + m.group("tag")
        return el, m.start(0), m.end(0)


class EmbedInline(InlineProcessor):
    """``![[target]]``: an image placeholder, or a link for an embedded note."""

    def handleMatch(self, m, data):  # noqa: N802
        target = m.group(1).split("|")[0].strip()
        if target.lower().endswith(IMAGE_EXTENSIONS):
            return missing_image(target, ""), m.start(0), m.end(0)
        return wikilink_element(self.md, target, None, embedded=True), m.start(0), m.end(0)


class WikiLinkInline(InlineProcessor):
    def handleMatch(self, m, data):  # noqa: N802
        target, _, label = m.group(1).partition("|")
        return wikilink_element(self.md, target.strip(), label.strip() or None), m.start(0), m.end(0)


def wikilink_element(md, target: str, label: str | None, embedded: bool = False) -> etree.Element:
    page, _, heading = target.partition("#")
    resolved = md.study_resolver(page.strip()) if page.strip() else None
    text = label or (f"{page.strip()} › {heading.strip()}" if heading else page.strip())
    if resolved:
        url, title = resolved
        if heading:
            url += "#" + slugify(heading)
        el = etree.Element("a", {"href": url, "class": "wikilink", "title": title})
    else:
        el = etree.Element(
            "span",
            {"class": "wikilink unresolved", "title": f"No note or topic called “{page.strip()}” yet"},
        )
    el.text = ("Embedded note: " if embedded else "") + text
    md.study_links.append((page.strip(), bool(resolved)))
    return el


def missing_image(target: str, alt: str) -> etree.Element:
    name = target.rsplit("/", 1)[-1]
    label = alt or name
    el = etree.Element(
        "span",
        {"class": "embed-missing", "role": "img", "aria-label": f"Image not included: {label}", "title": target},
    )
    el.text = f"Image not included: {label}"
    return el


class MissingImages(Treeprocessor):
    """Replace every ``<img>`` by a labelled placeholder: no attachment is shipped."""

    def run(self, root):
        for parent in root.iter():
            for index, child in enumerate(list(parent)):
                if child.tag == "img":
                    placeholder = missing_image(child.get("src", ""), child.get("alt", ""))
                    placeholder.tail = child.tail
                    parent.remove(child)
                    parent.insert(index, placeholder)


class StudyExtension(Extension):
    def extendMarkdown(self, md):  # noqa: N802
        md.preprocessors.register(TagPreprocessor(md), "study_tags", 29)
        md.preprocessors.register(CalloutPreprocessor(md), "study_callouts", 28)
        md.preprocessors.register(ListIndentPreprocessor(md), "study_lists", 27)
        md.inlinePatterns.register(EmbedInline(r"!\[\[([^\]\n]+)\]\]", md), "study_embed", 176)
        md.inlinePatterns.register(WikiLinkInline(r"\[\[([^\]\n]+)\]\]", md), "study_wikilink", 175)
        md.inlinePatterns.register(TagInline(TAG_MARK_RE.pattern, md), "study_tag", 174)
        md.treeprocessors.register(MissingImages(md), "study_images", 1)
        md.study_resolver = lambda target: None
        md.registerExtension(self)
        self.md = md
        self.reset()

    def reset(self):
        self.md.study_tips = []
        self.md.study_tags = []
        self.md.study_links = []


# ---------------------------------------------------------------------------------------
# Sanitising

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "details": {"open"},
    "span": {"role", "aria-label"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
}


def sanitize(fragment: str) -> str:
    """Keep formatting, callouts, code highlighting and anchors; drop anything active."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, for search and snippets."""
    text = nh3.clean(fragment, tags=set(), clean_content_tags={"script", "style"})
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


# ---------------------------------------------------------------------------------------
# The renderer


def slugify(text: str) -> str:
    """Heading anchor from heading text (lowercase words joined by hyphens)."""
    text = TAG_MARK_RE.sub(r"\g<tag>", text)
    text = re.sub(r"!?\[\[([^\]|]+)(?:\|([^\]]+))?\]\]", lambda m: m.group(2) or m.group(1), text)
    text = re.sub(r"[`*_~]", "", text)
    text = re.sub(r"[^\w\s-]", " ", text.lower())
    return re.sub(r"[\s_-]+", "-", text).strip("-") or "section"


class Renderer:
    """A reusable Python-Markdown pipeline (building one costs more than rendering a note)."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self.md = markdown.Markdown(
            extensions=[
                "tables",
                "attr_list",
                "def_list",
                "footnotes",
                "md_in_html",
                "sane_lists",
                "pymdownx.superfences",
                "pymdownx.highlight",
                "pymdownx.inlinehilite",
                "pymdownx.tilde",
                "pymdownx.tasklist",
                "pymdownx.blocks.admonition",
                "pymdownx.blocks.details",
                StudyExtension(),
            ],
            extension_configs={
                "pymdownx.highlight": {"css_class": "highlight", "guess_lang": False, "use_pygments": True},
            },
            output_format="html",
        )
        self.md.study_resolver = resolver or (lambda target: None)

    def render(self, text: str) -> Rendered:
        self.md.reset()
        try:
            body = self.md.convert(text)
        finally:
            tips, tags = list(self.md.study_tips), list(dict.fromkeys(self.md.study_tags))
        return Rendered(html=sanitize(body), tips=tips, tags=tags)

    def render_inline(self, text: str) -> str:
        """Render one line (a heading or a tip title) without the wrapping paragraph."""
        if not INLINE_MARKUP_RE.search(text):
            return html.escape(text.strip(), quote=False)  # plain text: no need for the whole pipeline
        result = self.render(text).html.strip()
        if result.startswith("<p>") and result.endswith("</p>") and result.count("<p>") == 1:
            result = result[3:-4]
        return result
