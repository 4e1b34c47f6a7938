"""Checks that a question bank cannot be answered by its shape. Pure: no Django.

`check_bank(specs, topics)` returns a `BankReport`: every problem, named with the question id,
and the figures an author looks at (how often the right option is the longest, where the right
option sits, questions per topic and type). `manage.py check_bank` prints it and fails on any
problem; the test suite runs it on the shipped bank.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from quizzes.bank import SELECT_RE, QuestionSpec

# A quarter is chance for four options; allow a little above it, never a habit.
LONGEST_CORRECT_LIMIT = 0.30
# No option more than twice as long as the shortest in its question...
LENGTH_RATIO_LIMIT = 2.0
# ...unless the difference is a few words (short answers such as "5 minutes" / "3600 seconds").
LENGTH_SLACK_CHARS = 20
# Stems this similar (rapidfuzz token_sort_ratio, 0-100) are the same question asked twice.
NEAR_DUPLICATE_STEM = 90
MIN_PER_TOPIC = 8
# An explanation that opens by calling its option the opposite of its key contradicts the answer.
SAYS_WRONG_RE = re.compile(r"^\W*(wrong|incorrect|false|no)\b", re.I)
SAYS_RIGHT_RE = re.compile(r"^\W*(correct|right|true|yes)\b", re.I)
GIVEAWAY_RE = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b", re.I)
CHOICE_TYPES = ("single", "multiple")


@dataclass
class BankReport:
    problems: list[tuple[str, str]] = field(default_factory=list)  # (question id or topic, reason)
    single: int = 0
    longest_correct: int = 0
    positions: Counter = field(default_factory=Counter)  # "A".."F" -> right answers there (single)
    per_topic: Counter = field(default_factory=Counter)
    per_type: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def longest_share(self) -> float:
        return self.longest_correct / self.single if self.single else 0.0

    def lines(self) -> list[str]:
        out = [
            f"{sum(self.per_type.values())} questions: "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(self.per_type.items())),
            f"right option is the longest in {self.longest_correct} of {self.single} single-answer questions "
            f"({self.longest_share:.0%}; limit {LONGEST_CORRECT_LIMIT:.0%})",
            "right option by written position: "
            + ", ".join(f"{pos} {self.positions[pos]}" for pos in sorted(self.positions)),
            "per topic: " + ", ".join(f"{t} {n}" for t, n in sorted(self.per_topic.items())),
        ]
        if self.problems:
            out.append(f"{len(self.problems)} problem(s):")
            out.extend(f"  {where}: {reason}" for where, reason in self.problems)
        else:
            out.append("no problems")
        return out


def _length(text: str) -> int:
    return len(" ".join(text.split()))


def is_longest_correct(options) -> bool:
    """The right option is at least as long as every other option (ties count, unless every
    option ties). `options`: anything with `text` and `correct` (bank specs or Option rows)."""
    lengths = [_length(o.text) for o in options]
    right = [_length(o.text) for o in options if o.correct]
    if not right or len(set(lengths)) == 1:
        return False
    return max(right) >= max(lengths)


def _question_problems(spec: QuestionSpec) -> list[str]:
    problems = []
    if not spec.source_url:
        problems.append("no `source:` (the AWS documentation page that settles it)")
    for n, option in enumerate(spec.options, 1):
        if not option.explanation.strip():
            problems.append(f"option {n} has no explanation")
        if spec.type in CHOICE_TYPES and (
            (option.correct and SAYS_WRONG_RE.match(option.explanation))
            or (not option.correct and SAYS_RIGHT_RE.match(option.explanation))
        ):
            problems.append(f"option {n}'s explanation contradicts its key ({'right' if option.correct else 'wrong'})")
        if GIVEAWAY_RE.search(option.text):
            problems.append(f"option {n} is an “{GIVEAWAY_RE.search(option.text).group(0)}” option")
    if spec.type in CHOICE_TYPES and spec.options:
        lengths = [_length(o.text) for o in spec.options]
        short, long = min(lengths), max(lengths)
        if long > LENGTH_RATIO_LIMIT * max(short, 1) and long - short > LENGTH_SLACK_CHARS:
            problems.append(
                f"options range from {short} to {long} characters (more than {LENGTH_RATIO_LIMIT:g}x): "
                "length gives the answer away"
            )
    if spec.type == "multiple" and not SELECT_RE.search(spec.stem):
        problems.append("a multiple-response question must say how many to choose, e.g. “(Select TWO.)”")
    return problems


def _near_duplicates(specs: list[QuestionSpec]) -> list[tuple[str, str]]:
    stems = [" ".join(s.stem.lower().split()) for s in specs]
    found = []
    for i, stem in enumerate(stems):
        later = stems[i + 1 :]
        for _match, score, j in process.extract(
            stem, later, scorer=fuzz.token_sort_ratio, score_cutoff=NEAR_DUPLICATE_STEM, limit=None
        ):
            found.append((specs[i + 1 + j].uid, f"stem is {score:.0f}% like {specs[i].uid}'s"))
    return found


def check_bank(specs: list[QuestionSpec], topics: list[str] | None = None) -> BankReport:
    """Every problem of a bank (a list of parsed questions) and its figures."""
    report = BankReport()
    for spec in specs:
        report.per_type[spec.type] += 1
        report.per_topic[spec.topic] += 1
        report.problems.extend((spec.uid, p) for p in _question_problems(spec))
        if spec.type == "single":
            report.single += 1
            report.longest_correct += is_longest_correct(spec.options)
            for index, option in enumerate(spec.options):
                if option.correct:
                    report.positions[chr(ord("A") + index)] += 1
    if report.single and report.longest_share > LONGEST_CORRECT_LIMIT:
        report.problems.append(
            (
                "bank",
                f"the right option is the longest in {report.longest_share:.0%} of single-answer questions "
                f"(limit {LONGEST_CORRECT_LIMIT:.0%})",
            )
        )
    report.problems.extend(_near_duplicates([s for s in specs if s.type != "flashcard"]))
    for topic in sorted(set(topics or []) | set(report.per_topic)):
        if report.per_topic[topic] < MIN_PER_TOPIC:
            report.problems.append((topic, f"only {report.per_topic[topic]} question(s); at least {MIN_PER_TOPIC}"))
    return report
