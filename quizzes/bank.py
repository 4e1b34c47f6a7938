"""Question bank files: YAML text <-> validated question specs. Pure: no Django.

A bank file holds one topic's questions:

    topic: caching
    questions:
      - id: caching-001
        type: single            # single | multiple | ordering | flashcard
        difficulty: 2           # 1 easy .. 3 hard
        topics: [throttling]    # optional: other topics it covers
        section: api-gateway#api-gateway-cache-invalidation   # optional: note-slug#anchor
        status: published       # optional: published (default) | draft
        source:                 # the AWS documentation page that settles it
          title: Enable API caching to enhance responsiveness
          url: https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html
        stem: |
          markdown
        options:                # ordering: listed in the correct order, no `correct`
          - text: "..."
            correct: true
            explanation: "why"
        answer: |               # flashcards only
          markdown

`parse_bank` reports every problem of a file at once, each with the question id; a file
with any problem is not loaded at all.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

import yaml

TYPES = ("single", "multiple", "ordering", "flashcard")
UID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SELECT_RE = re.compile(r"\(Select (TWO|THREE|FOUR)\.?\)", re.I)
DOC_URL_RE = re.compile(r"^https://(docs\.aws\.amazon\.com|aws\.amazon\.com)/\S+$")
SELECT_WORDS = {"two": 2, "three": 3, "four": 4}


@dataclass
class OptionSpec:
    text: str
    explanation: str
    correct: bool = False


@dataclass
class QuestionSpec:
    uid: str
    type: str
    topic: str
    stem: str
    difficulty: int = 2
    topics: list[str] = field(default_factory=list)  # other topics besides `topic`
    options: list[OptionSpec] = field(default_factory=list)
    answer: str = ""
    section: str = ""
    status: str = "published"
    source_title: str = ""  # the AWS documentation page that settles the question
    source_url: str = ""

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


@dataclass
class Problem:
    source: str
    question: str  # the question id, or "" for the file as a whole
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.question}" if self.question else self.source
        return f"{where}: {self.reason}"


class BankError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def validate(spec: QuestionSpec, known_topics: set[str] | None = None) -> list[str]:
    """The rules every question keeps, in the bank and in the authoring form."""
    errors = []
    if not UID_RE.match(spec.uid or ""):
        errors.append("id must be lowercase words and digits joined by hyphens")
    if spec.type not in TYPES:
        errors.append(f"type must be one of {', '.join(TYPES)}")
    if not spec.stem.strip():
        errors.append("the stem (question text) is empty")
    if spec.difficulty not in (1, 2, 3):
        errors.append("difficulty must be 1, 2 or 3")
    if known_topics is not None:
        for slug in [spec.topic, *spec.topics]:
            if slug not in known_topics:
                errors.append(f"unknown topic {slug!r}")
    if spec.status not in ("published", "draft"):
        errors.append("status must be published or draft")
    if spec.source_url and not DOC_URL_RE.match(spec.source_url):
        errors.append(
            "source url must be an https:// link to AWS documentation (docs.aws.amazon.com or aws.amazon.com)"
        )
    if spec.source_url and not spec.source_title.strip():
        errors.append("source needs a title (the page's title) beside its url")
    options = spec.options
    for n, option in enumerate(options, 1):
        if not option.text.strip():
            errors.append(f"option {n} has no text")
        if not option.explanation.strip():
            errors.append(f"option {n} is not explained (say why it is right or wrong)")
    right = sum(o.correct for o in options)
    if spec.type == "single":
        if len(options) < 2:
            errors.append("a single-choice question needs at least two options")
        if right != 1:
            errors.append(f"a single-choice question has exactly one correct option (it has {right})")
    elif spec.type == "multiple":
        if len(options) < 3:
            errors.append("a multiple-response question needs at least three options")
        if right < 2:
            errors.append(f"a multiple-response question has at least two correct options (it has {right})")
        elif right == len(options):
            errors.append("a multiple-response question needs at least one wrong option")
        said = SELECT_RE.search(spec.stem)
        if said and SELECT_WORDS[said.group(1).lower()] != right:
            errors.append(f"the stem says “{said.group(0)}” but {right} options are correct")
    elif spec.type == "ordering":
        if len(options) < 2:
            errors.append("an ordering question needs at least two steps")
        if right:
            errors.append("an ordering question lists its steps in order and marks none correct")
    elif spec.type == "flashcard":
        if options:
            errors.append("a flashcard has an answer, not options")
        if not spec.answer.strip():
            errors.append("a flashcard needs an answer")
    return errors


def _text(value, name: str, errors: list[str]) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    errors.append(f"{name} must be text")
    return ""


def _source(value, errors: list[str]) -> tuple[str, str]:
    if value is None:
        return "", ""
    if not isinstance(value, dict):
        errors.append("source must be a mapping with title and url")
        return "", ""
    return _text(value.get("title"), "source title", errors).strip(), _text(
        value.get("url"), "source url", errors
    ).strip()


def parse_bank(text: str, source: str, known_topics: set[str] | None = None) -> list[QuestionSpec]:
    """Parse and validate one bank file; raise BankError listing every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise BankError([Problem(source, "", f"not valid YAML{where}: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankError([Problem(source, "", "expected `topic:` and a `questions:` list")])
    topic = str(data.get("topic", "")).strip()
    problems: list[Problem] = []
    if known_topics is not None and topic not in known_topics:
        problems.append(Problem(source, "", f"unknown topic {topic!r}"))
    specs, seen = [], set()
    for index, item in enumerate(data["questions"], 1):
        label = f"question #{index}"
        if not isinstance(item, dict):
            problems.append(Problem(source, label, "expected a mapping (id, type, stem, options...)"))
            continue
        errors: list[str] = []
        uid = _text(item.get("id"), "id", errors).strip()
        label = uid or label
        if uid in seen:
            errors.append("id used twice in this file")
        seen.add(uid)
        raw_options = item.get("options") or []
        if not isinstance(raw_options, list):
            errors.append("options must be a list")
            raw_options = []
        options = []
        for n, raw in enumerate(raw_options, 1):
            if not isinstance(raw, dict):
                errors.append(f"option {n} must be a mapping with text and explanation")
                continue
            if "correct" in raw and not isinstance(raw["correct"], bool):
                errors.append(f"option {n}: correct must be true or false")
            options.append(
                OptionSpec(
                    text=_text(raw.get("text"), f"option {n} text", errors).strip(),
                    explanation=_text(raw.get("explanation"), f"option {n} explanation", errors).strip(),
                    correct=raw.get("correct") is True,
                )
            )
        extra_topics = item.get("topics") or []
        if not isinstance(extra_topics, list):
            errors.append("topics must be a list of topic slugs")
            extra_topics = []
        try:
            difficulty = int(item.get("difficulty", 2))
        except (TypeError, ValueError):
            errors.append("difficulty must be 1, 2 or 3")
            difficulty = 2
        source_title, source_url = _source(item.get("source"), errors)
        spec = QuestionSpec(
            uid=uid,
            type=_text(item.get("type"), "type", errors).strip(),
            topic=topic,
            stem=_text(item.get("stem"), "stem", errors).strip(),
            difficulty=difficulty,
            topics=sorted({str(t) for t in extra_topics if str(t) != topic}),
            options=options,
            answer=_text(item.get("answer"), "answer", errors).strip(),
            section=_text(item.get("section"), "section", errors).strip(),
            status=_text(item.get("status", "published"), "status", errors).strip(),
            source_title=source_title,
            source_url=source_url,
        )
        errors.extend(validate(spec, known_topics))
        problems.extend(Problem(source, label, e) for e in errors)
        specs.append(spec)
    if problems:
        raise BankError(problems)
    return specs


# ---------------------------------------------------------------------------------------
# Writing bank files


class _BankDumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BankDumper.add_representer(str, _str_representer)


def dump_bank(topic: str, specs: list[QuestionSpec]) -> str:
    """YAML for one topic's questions, in the format parse_bank reads (round-trips exactly)."""
    questions = []
    for spec in sorted(specs, key=lambda s: s.uid):
        item: dict = {"id": spec.uid, "type": spec.type, "difficulty": spec.difficulty}
        if spec.topics:
            item["topics"] = list(spec.topics)
        if spec.section:
            item["section"] = spec.section
        if spec.status != "published":
            item["status"] = spec.status
        if spec.source_url or spec.source_title:
            item["source"] = {"title": spec.source_title, "url": spec.source_url}
        item["stem"] = spec.stem + "\n" if "\n" in spec.stem else spec.stem
        if spec.type == "flashcard":
            item["answer"] = spec.answer
        else:
            item["options"] = [
                {
                    "text": o.text,
                    **({} if spec.type == "ordering" else {"correct": o.correct}),
                    "explanation": o.explanation,
                }
                for o in spec.options
            ]
        questions.append(item)
    header = f"# {topic}: generated by `python manage.py export_questions`; edit and load with load_questions.\n"
    return header + yaml.dump(
        {"topic": topic, "questions": questions}, Dumper=_BankDumper, sort_keys=False, allow_unicode=True, width=100
    )
