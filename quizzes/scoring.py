"""Exam and practice scoring: pure functions, no Django.

Follows the DVA-C02 rules in docs/study-facts.md: multiple-response items are all-or-nothing,
unanswered counts as wrong, the scaled score runs 100-1000 and 720 passes, and the pass is
compensatory (no per-topic minimum), so the per-topic breakdown is advice, not a gate.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

PASS_MARK = 720
SCALE_MIN, SCALE_MAX = 100, 1000

# Topic name used in the breakdown for a question with no topic; not a valid slug, so it cannot clash with one.
NO_TOPIC = "(no topic)"

AUTO_SCORED = ("single", "multiple", "ordering")

T = TypeVar("T", bound=Hashable)


def _keys(name: str, keys: Sequence[str]) -> list[str]:
    # A bare string is a Sequence[str] too: "12" would silently become ["1", "2"].
    if isinstance(keys, str):
        raise TypeError(f"{name} must be a sequence of option keys, not a string")
    # Option ids arrive as ints from the database and as strings from a form; compare them as strings.
    return [str(key) for key in keys]


def is_correct(qtype: str, correct: Sequence[str], chosen: Sequence[str]) -> bool:
    """Whether the learner's answer scores, under the exam's all-or-nothing rules.

    - single: exactly one option chosen, and it is the correct one.
    - multiple: the chosen set equals the correct set (repeats ignored); a missing or an extra choice scores zero.
    - ordering: `correct` lists the keys in the right order; `chosen` must match it exactly.

    Flashcards are self-rated and never auto-scored, so "flashcard" raises ValueError, as does any unknown type
    or a question whose answer key is empty (or, for "single", has more than one key): that is a bank error.
    """
    if qtype not in AUTO_SCORED:
        if qtype == "flashcard":
            raise ValueError("flashcards are self-rated, not auto-scored")
        raise ValueError(f"unknown question type: {qtype!r}")
    right, picked = _keys("correct", correct), _keys("chosen", chosen)
    if not right:
        raise ValueError("question has no correct answer")
    if qtype == "single":
        if len(right) != 1:
            raise ValueError(f"a single-answer question needs exactly one correct key, got {len(right)}")
        return picked == right
    if qtype == "multiple":
        return set(picked) == set(right)
    return picked == right


def presentation_order(option_ids: Sequence[T], ordering: bool, rng: random.Random) -> list[T]:
    """The order options are shown in: shuffled every time, so their position says nothing.

    An ordering question's steps are written in the right order, so they never start in it.
    """
    shuffled = list(option_ids)
    rng.shuffle(shuffled)
    if ordering and len(shuffled) > 1 and shuffled == list(option_ids):
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def suggested_rating(correct: bool) -> int:
    """FSRS rating for an auto-scored answer: wrong -> 1 (Again), right -> 3 (Good), as the FSRS authors advise."""
    return 3 if correct else 1


def scaled_score(correct: int, total: int) -> int:
    """Map a raw score onto the exam's 100-1000 scale.

    AWS does not publish its raw-to-scaled mapping (it is equated per exam form), so this is a plain linear
    stand-in: 100 + 900 * correct / total, rounded half up. Under it the 720 pass mark sits at 620/900 = 68.9%
    correct: 35 of 50 passes (730) and 34 fails (712). An empty exam scores 100.
    """
    if not 0 <= correct <= total:
        raise ValueError(f"need 0 <= correct <= total, got {correct}/{total}")
    if total == 0:
        return SCALE_MIN
    # Integer arithmetic, so a result exactly on .5 rounds up rather than to the nearest even number.
    numerator = SCALE_MIN * total + (SCALE_MAX - SCALE_MIN) * correct
    return (2 * numerator + total) // (2 * total)


def passed(scaled: int) -> bool:
    return scaled >= PASS_MARK


def _percent(correct: int, total: int) -> float:
    return 100 * correct / total if total else 0.0


@dataclass(frozen=True)
class ExamItem:
    topics: tuple[str, ...]  # topic slugs; the first is the primary topic
    correct: bool  # unanswered counts as wrong: the caller passes False


@dataclass(frozen=True)
class TopicScore:
    topic: str
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return _percent(self.correct, self.total)


@dataclass(frozen=True)
class ExamResult:
    correct: int
    total: int
    scaled: int
    passed: bool
    by_topic: tuple[TopicScore, ...]  # weakest first

    @property
    def percent(self) -> float:
        return _percent(self.correct, self.total)


def exam_result(items: Sequence[ExamItem]) -> ExamResult:
    """Score a finished exam, with a per-topic breakdown sorted weakest first (ties by slug).

    Each item counts under its primary topic only, so the topic totals add up to the exam total.
    """
    tally: dict[str, list[int]] = {}
    for item in items:
        topic = item.topics[0] if item.topics else NO_TOPIC
        counts = tally.setdefault(topic, [0, 0])
        counts[0] += int(item.correct)
        counts[1] += 1
    by_topic = sorted(
        (TopicScore(topic, right, total) for topic, (right, total) in tally.items()),
        key=lambda score: (score.percent, score.topic),
    )
    correct = sum(1 for item in items if item.correct)
    scaled = scaled_score(correct, len(items))
    return ExamResult(correct, len(items), scaled, passed(scaled), tuple(by_topic))


def draw_exam(pool: Mapping[str, Sequence[T]], count: int, rng: random.Random) -> list[T]:
    """Draw `count` distinct questions spread as evenly as possible across the pool's topics.

    `pool` maps a topic slug to that topic's eligible questions; a question listed under several topics is
    drawn at most once. Topics take turns (in an order shuffled by `rng`), each handing over its next unused
    question from its own shuffled list, so topic counts differ by at most one until a topic runs dry. Returns
    fewer than `count` when the pool holds fewer distinct questions. The same seed and the same lists (in the same
    order: order the querysets) give the same exam.
    """
    # Sort before shuffling so the result depends on the seed only, not on the mapping's insertion order.
    topics = sorted(pool)
    rng.shuffle(topics)
    queues = []
    for topic in topics:
        questions = list(pool[topic])
        rng.shuffle(questions)
        queues.append(questions)

    drawn: list[T] = []
    seen: set[T] = set()
    while len(drawn) < count and queues:
        for queue in queues:
            # Skip questions another topic already supplied.
            while queue and queue[-1] in seen:
                queue.pop()
            if queue and len(drawn) < count:
                question = queue.pop()
                seen.add(question)
                drawn.append(question)
        # A topic with nothing left drops out, so the others share its turns.
        queues = [queue for queue in queues if queue]
    # Shuffle so the exam does not run topic by topic in round-robin order.
    rng.shuffle(drawn)
    return drawn


def point_biserial(item_scores: Sequence[bool], total_scores: Sequence[float]) -> float | None:
    """Item discrimination: correlation between getting this item right and the learner's exam score.

    r = (M1 - M0) / s * sqrt(p * q), where M1 and M0 are the mean totals of those who got the item right and
    wrong, s the population standard deviation of all totals, p the share right and q = 1 - p. A good item is
    answered right more often by stronger learners (r > 0); a negative r suggests a wrong key or a trap.
    None when there are fewer than two pairs or either variable does not vary (r is undefined).
    """
    if len(item_scores) != len(total_scores):
        raise ValueError("item_scores and total_scores must have the same length")
    if len(item_scores) < 2:
        return None
    right = [total for ok, total in zip(item_scores, total_scores, strict=True) if ok]
    wrong = [total for ok, total in zip(item_scores, total_scores, strict=True) if not ok]
    spread = statistics.pstdev(total_scores)
    if not right or not wrong or spread == 0:
        return None
    p = len(right) / len(item_scores)
    return (statistics.fmean(right) - statistics.fmean(wrong)) / spread * math.sqrt(p * (1 - p))


def item_flags(attempts: int, share_correct: float, discrimination: float | None, min_attempts: int = 10) -> list[str]:
    """Warnings for a question author; none until `min_attempts`, since a few attempts say little."""
    if attempts < min_attempts:
        return []
    flags = []
    if share_correct > 0.9:
        flags.append("too easy")
    if share_correct < 0.25:
        flags.append("too hard")
    if discrimination is not None and discrimination < 0:
        flags.append("negative discrimination")
    return flags
