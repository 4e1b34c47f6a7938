"""FSRS spaced repetition around py-fsrs 6.x, plus the review statistics learners expect.

The app stores a `CardState` per learner per question. To review, it calls `preview` to get the four
possible outcomes (for the interval shown on each button), stores them, and when the learner answers it
commits the stored outcome for that rating. It must not call fsrs again at that point: fsrs adds random
fuzz to review intervals, so a second call could disagree with the interval the button showed.

Times are always passed in; fsrs wants `datetime.timezone.utc` exactly, and this module converts for it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import fsrs

RATINGS = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
LEECH_LAPSES = 8  # Anki's default: a card forgotten this many times is flagged as a leech

LEARNING, REVIEW, RELEARNING = 1, 2, 3
MIN_RETENTION, MAX_RETENTION = 0.70, 0.99

# fsrs cards carry an id that only its own ReviewLog uses; the app links reviews to its own rows instead.
# Passing one also stops fsrs.Card() from reading the clock and sleeping 1 ms to make a fresh id.
_CARD_ID = 0


def _utc(moment: datetime, name: str = "now") -> datetime:
    """`moment` as a datetime whose tzinfo is `datetime.timezone.utc` (any aware datetime is converted)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    return moment.astimezone(UTC)  # datetime.UTC is datetime.timezone.utc, the one tzinfo fsrs accepts


def _parse(text: str | None) -> datetime | None:
    return None if text is None else _utc(datetime.fromisoformat(text), "last_review")


def _float(value: Any) -> float | None:
    # Not `if value`: a stored 0.0 must stay 0.0 (fsrs's own from_dict turns it into None).
    return None if value is None else float(value)


@dataclass(frozen=True)
class CardState:
    """One learner's FSRS memory state for one question."""

    state: int  # 1 learning, 2 review, 3 relearning; a never-reviewed card is learning, step 0
    step: int | None  # position in the (re)learning steps; None in review
    stability: float | None  # days until recall probability falls to 90%; None before the first review
    difficulty: float | None  # 1..10; None before the first review
    due: datetime  # aware, UTC
    last_review: datetime | None

    @classmethod
    def new(cls, now: datetime) -> CardState:
        """A never-reviewed card, due now. fsrs has no "new" state: the app tracks newness itself."""
        return cls(state=LEARNING, step=0, stability=None, difficulty=None, due=_utc(now), last_review=None)

    @property
    def is_new(self) -> bool:
        return self.last_review is None

    def to_fsrs(self) -> fsrs.Card:
        return fsrs.Card(
            card_id=_CARD_ID,
            state=fsrs.State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=_utc(self.due, "due"),
            last_review=None if self.last_review is None else _utc(self.last_review, "last_review"),
        )

    @classmethod
    def from_fsrs(cls, card: fsrs.Card) -> CardState:
        return cls(
            state=int(card.state),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=_utc(card.due, "due"),
            last_review=None if card.last_review is None else _utc(card.last_review, "last_review"),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (ISO 8601 datetimes), e.g. for storing previews in the session."""
        return {
            "state": self.state,
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": None if self.last_review is None else self.last_review.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        return cls(
            state=int(data["state"]),
            step=None if data["step"] is None else int(data["step"]),
            stability=_float(data["stability"]),
            difficulty=_float(data["difficulty"]),
            due=_utc(datetime.fromisoformat(data["due"]), "due"),
            last_review=_parse(data["last_review"]),
        )


@dataclass(frozen=True)
class Outcome:
    rating: int
    card: CardState  # the card after this rating: commit exactly this
    interval: timedelta  # card.due - now
    label: str  # for the button, e.g. "10m" or "12d"


@functools.lru_cache(maxsize=16)
def scheduler_for(desired_retention: float) -> fsrs.Scheduler:
    """The FSRS scheduler for a desired retention (0.70-0.99), with default parameters, steps and fuzz.

    Cached: one Scheduler per retention value. Outside 0.70-0.99 raises ValueError: lower retention means
    forgetting a lot, higher means a review load that explodes for little gain.
    """
    if not MIN_RETENTION <= desired_retention <= MAX_RETENTION:
        raise ValueError(
            f"desired retention must be between {MIN_RETENTION} and {MAX_RETENTION}, got {desired_retention}"
        )
    return fsrs.Scheduler(desired_retention=desired_retention)


def preview(card: CardState, now: datetime, desired_retention: float) -> dict[int, Outcome]:
    """The four possible outcomes of reviewing `card` at `now`, keyed by rating 1..4.

    `now` may carry any timezone (Django's timezone.now(), ZoneInfo("UTC"), ...); it is converted to
    `datetime.timezone.utc` because fsrs rejects anything else. A naive `now` raises ValueError.
    Review intervals are fuzzed at random, so store the result and commit the stored outcome. The intervals
    never decrease from Again to Easy.
    """
    now = _utc(now)
    scheduler = scheduler_for(desired_retention)
    outcomes = {}
    previous: CardState | None = None
    for rating in RATINGS:
        after, _log = scheduler.review_card(card.to_fsrs(), fsrs.Rating(rating), now)
        result = CardState.from_fsrs(after)
        # py-fsrs fuzzes each rating on its own, so short intervals can come out Hard 5d, Good 3d. Like Anki,
        # push a review interval to at least a day past the previous rating's so a better rating never waits less.
        if previous is not None and previous.state == result.state == REVIEW and result.due <= previous.due:
            result = replace(result, due=previous.due + timedelta(days=1))
        previous = result
        interval = result.due - now
        outcomes[rating] = Outcome(rating, result, interval, interval_label(interval))
    return outcomes


def _round_half_up(value: float, digits: int = 0) -> float:
    # Python's round() goes to even (2.5 -> 2); a learner expects 2.5 days to read as 3.
    scale = 10**digits
    return math.floor(value * scale + 0.5) / scale


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def interval_label(interval: timedelta) -> str:
    """A short human interval for a rating button: "<1m", "10m", "3h", "12d", "1.5mo", "2.3y".

    The unit follows the size (under an hour: minutes, a day: hours, 30 days: days, 365 days: 30-day months,
    else 365-day years); minutes, hours and days are whole, months and years have one decimal ("2mo", not "2.0mo").
    """
    seconds = interval.total_seconds()
    minute, hour, day = 60, 3600, 86400
    if seconds < minute:
        return "<1m"
    if seconds < hour:
        return f"{_round_half_up(seconds / minute):.0f}m"
    if seconds < day:
        return f"{_round_half_up(seconds / hour):.0f}h"
    if seconds < 30 * day:
        return f"{_round_half_up(seconds / day):.0f}d"
    if seconds < 365 * day:
        return f"{_number(_round_half_up(seconds / (30 * day), 1))}mo"
    return f"{_number(_round_half_up(seconds / (365 * day), 1))}y"


def is_lapse(before: CardState, rating: int) -> bool:
    """An Again on a card in Review state is a lapse (FSRS/Anki); count them to flag leeches at LEECH_LAPSES."""
    return before.state == REVIEW and rating == 1


def retrievability(card: CardState, now: datetime, desired_retention: float = 0.9) -> float:
    """Predicted probability (0..1) that the learner recalls the card at `now`; 0.0 for a never-reviewed card.

    fsrs counts whole elapsed days, so it stays at 1.0 for the first day after a review.
    """
    if card.last_review is None:
        return 0.0
    return float(scheduler_for(desired_retention).get_card_retrievability(card.to_fsrs(), _utc(now)))


def log_loss(pairs: Iterable[tuple[float, bool]]) -> float | None:
    """Mean binary cross-entropy of predicted recall `p` against what happened (recalled means rating > 1).

    Lower is better; this is how schedulers are compared (FSRS-6 scores about 0.32 on the public benchmark).
    `p` is clipped to [1e-6, 1 - 1e-6] so a confident miss costs a lot but not infinity. None when empty.
    """
    losses = []
    for p, recalled in pairs:
        p = min(max(p, 1e-6), 1 - 1e-6)
        losses.append(-math.log(p if recalled else 1 - p))
    return math.fsum(losses) / len(losses) if losses else None


def true_retention(outcomes: Iterable[bool]) -> float | None:
    """Share recalled among reviews of cards that were in Review state (the caller filters); None when empty.

    Compare it with the desired retention: learning-step reviews are left out because they are minutes apart.
    """
    results = list(outcomes)
    return sum(results) / len(results) if results else None


def due_forecast(dues: Iterable[datetime], today: date, days: int = 30) -> list[int]:
    """Cards due on each UTC date from `today` to `today + days - 1`; anything overdue counts on today."""
    counts = [0] * days
    if not counts:
        return counts
    for due in dues:
        offset = (_utc(due, "due").date() - today).days
        if offset < days:
            counts[max(offset, 0)] += 1
    return counts


def review_streak(review_dates: Iterable[date], today: date) -> int:
    """Consecutive days with at least one review, ending today.

    If there is no review yet today the streak is still alive and counts up to yesterday; it is broken
    (0) only once a whole day has passed without a review.
    """
    reviewed = set(review_dates)
    day = today if today in reviewed else today - timedelta(days=1)
    streak = 0
    while day in reviewed:
        streak += 1
        day -= timedelta(days=1)
    return streak


def retrievability_at(stability: float | None, last_review: datetime | None, now: datetime) -> float:
    """`retrievability` without building fsrs objects, for statistics over thousands of cards.

    The same formula fsrs 6 uses (whole elapsed days, its default parameters' decay); a test
    checks it against fsrs. Predicted recall does not depend on the desired retention.
    """
    if last_review is None or not stability:
        return 0.0
    decay = -scheduler_for(0.9).parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    elapsed = max(0, (now - last_review).days)
    return (1 + factor * elapsed / stability) ** decay
