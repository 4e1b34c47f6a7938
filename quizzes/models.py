"""Questions, practice, mock exams, and each learner's spaced-repetition cards."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse

from notes.markdown import Renderer
from notes.models import Topic
from quizzes.bankcheck import is_longest_correct
from quizzes.scheduling import LEECH_LAPSES, CardState, Outcome, is_lapse, log_loss, preview, retrievability
from quizzes.scoring import ExamItem, draw_exam, exam_result, is_correct, presentation_order

_renderer: Renderer | None = None


def render_markdown(text: str) -> str:
    """Sanitised HTML for question text (same pipeline as the notes)."""
    global _renderer  # noqa: PLW0603 (building a renderer costs more than using one)
    if _renderer is None:
        _renderer = Renderer()
    return _renderer.render(text).html if text else ""


class QuestionQuerySet(models.QuerySet):
    def published(self) -> QuestionQuerySet:
        return self.filter(status=Question.Status.PUBLISHED)

    def for_topics(self, slugs) -> QuestionQuerySet:
        return self.filter(topics__slug__in=slugs).distinct() if slugs else self

    def exam_eligible(self) -> QuestionQuerySet:
        """The real exam has only multiple choice and multiple response."""
        return self.published().filter(type__in=[Question.Type.SINGLE, Question.Type.MULTIPLE])

    def practisable(self) -> QuestionQuerySet:
        """What practice and reviews ask: published, and not a sandbox lab (labs are done in the sandbox)."""
        return self.published().exclude(type=Question.Type.LAB)

    def missed_by(self, user) -> QuestionQuerySet:
        """Questions the learner answered wrongly at least once, in practice or in an exam."""
        missed = Q(practice_responses__session__user=user, practice_responses__correct=False) | Q(
            exam_responses__attempt__user=user, exam_responses__correct=False
        )
        return self.filter(missed).distinct()

    def topic_counts(self) -> dict[str, int]:
        """Published questions per topic slug (a question counts once in each of its topics)."""
        return dict(self.published().values_list("topics__slug").annotate(n=Count("pk", distinct=True)).order_by())


class Question(models.Model):
    class Type(models.TextChoices):
        SINGLE = "single", "Multiple choice (one answer)"
        MULTIPLE = "multiple", "Multiple response (select two or more)"
        ORDERING = "ordering", "Put in order"
        FLASHCARD = "flashcard", "Flashcard (recall, then rate yourself)"
        # Reserved: a lab graded by the gateway simulator (the sandbox issue fills it in);
        # its configuration lives in `data`.
        LAB = "lab", "Sandbox lab"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"  # its source disappeared; kept for learners' history

    class Source(models.TextChoices):
        BANK = "bank", "Question bank file"
        NOTE = "note", "Study note"
        AUTHORED = "authored", "Written in the app"

    uid = models.SlugField(max_length=120, unique=True, help_text="Stable id, e.g. caching-004.")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.SINGLE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.AUTHORED)
    stem = models.TextField(help_text="Markdown: the scenario and the question.")
    stem_html = models.TextField(blank=True, editable=False)
    answer = models.TextField(blank=True, help_text="Markdown: the answer of a flashcard.")
    answer_html = models.TextField(blank=True, editable=False)
    difficulty = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(3)])
    topic = models.ForeignKey(
        Topic, on_delete=models.PROTECT, related_name="primary_questions", help_text="Primary topic."
    )
    topics = models.ManyToManyField(Topic, related_name="questions", blank=True, help_text="Every topic it covers.")
    section_ref = models.CharField(
        max_length=300,
        blank=True,
        help_text="The note section it comes from: note-slug#anchor (default: the topic page).",
    )
    doc_title = models.CharField(
        "AWS documentation page", max_length=300, blank=True, help_text="The title of the AWS page that settles it."
    )
    doc_url = models.URLField("AWS documentation URL", max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    data = models.JSONField(default=dict, blank=True, help_text="Type-specific settings (labs).")
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["topic__order", "uid"]

    def __str__(self) -> str:
        return self.uid

    def save(self, *args, **kwargs) -> None:
        self.render()
        super().save(*args, **kwargs)

    def render(self) -> None:
        """Sanitised HTML of the stem and the answer, from their markdown."""
        self.stem_html = render_markdown(self.stem)
        self.answer_html = render_markdown(self.answer)

    @property
    def is_choice(self) -> bool:
        return self.type in (self.Type.SINGLE, self.Type.MULTIPLE, self.Type.ORDERING)

    @property
    def source_url(self) -> str:
        """Where the learner reads about it: the note section, or else the topic page."""
        if self.section_ref and "#" in self.section_ref:
            slug, anchor = self.section_ref.split("#", 1)
            return f"{reverse('notes:note', args=[slug])}#{anchor}"
        return self.topic.get_absolute_url()

    def correct_keys(self) -> list[str]:
        options = list(self.options.all())
        if self.type == self.Type.ORDERING:
            return [str(o.pk) for o in options]
        return [str(o.pk) for o in options if o.correct]

    @property
    def longest_is_correct(self) -> bool:
        """The right option is the longest: its length gives it away (see quizzes.bankcheck)."""
        return is_longest_correct(self.options.all())

    @property
    def select_count(self) -> int:
        return sum(1 for o in self.options.all() if o.correct)


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    order = models.PositiveSmallIntegerField(default=0, help_text="For ordering questions: the correct position.")
    text = models.TextField(help_text="Markdown.")
    text_html = models.TextField(blank=True, editable=False)
    correct = models.BooleanField(default=False)
    explanation = models.TextField(help_text="Why this option is right or wrong.")
    explanation_html = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["question", "order", "pk"]

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs) -> None:
        self.render()
        super().save(*args, **kwargs)

    def render(self) -> Option:
        """Sanitised HTML of the option and its explanation, from their markdown."""
        self.text_html = render_markdown(self.text)
        self.explanation_html = render_markdown(self.explanation)
        return self


# ---------------------------------------------------------------------------------------
# Practice and exams


class PracticeSessionQuerySet(models.QuerySet):
    def with_scores(self) -> PracticeSessionQuerySet:
        """Each session with how many questions were answered, and how many rightly."""
        return self.annotate(answered=Count("responses"), right=Count("responses", filter=Q(responses__correct=True)))

    def start(self, user, questions: QuestionQuerySet, *, title: str, count: int | None = None, topics=(), types=()):
        """A new session over (at most `count` of) these questions in a random order; None when there are none."""
        ids = list(questions.values_list("pk", flat=True))
        if not ids:
            return None
        random.shuffle(ids)
        return self.create(user=user, topics=list(topics), types=list(types), question_ids=ids[:count], title=title)


class PracticeSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="practice_sessions")
    created_at = models.DateTimeField(auto_now_add=True)
    topics = models.JSONField(default=list, blank=True)
    types = models.JSONField(default=list, blank=True)
    question_ids = models.JSONField(default=list)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200, blank=True)

    objects = PracticeSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Practice {self.pk}: {self.title}"

    @property
    def finished(self) -> bool:
        return self.position >= len(self.question_ids)


class ExamAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_attempts")
    started_at = models.DateTimeField()
    deadline = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    correct = models.PositiveIntegerField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    scaled = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    by_topic = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One exam in progress per learner: a second tab resumes it, it never starts another clock.
            models.UniqueConstraint(fields=["user"], condition=Q(submitted_at__isnull=True), name="one_open_exam")
        ]

    def __str__(self) -> str:
        return f"Exam {self.pk} of {self.user}"

    def remaining(self, now: datetime) -> timedelta:
        return max(self.deadline - now, timedelta(0))

    @property
    def is_open(self) -> bool:
        return self.submitted_at is None


class ExamResponse(models.Model):
    attempt = models.ForeignKey(ExamAttempt, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="exam_responses")
    position = models.PositiveSmallIntegerField()
    option_order = models.JSONField(default=list, help_text="Option ids in the order shown.")
    chosen = models.JSONField(default=list, blank=True)
    flagged = models.BooleanField(default=False)
    correct = models.BooleanField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [models.UniqueConstraint(fields=["attempt", "position"], name="exam_response_position")]

    def __str__(self) -> str:
        return f"Exam {self.attempt_id} question {self.position}"

    @property
    def answered(self) -> bool:
        return bool(self.chosen)


class PracticeResponse(models.Model):
    session = models.ForeignKey(PracticeSession, on_delete=models.CASCADE, related_name="responses")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="practice_responses")
    option_order = models.JSONField(default=list, blank=True, help_text="Option ids in the order shown.")
    chosen = models.JSONField(default=list, blank=True)
    correct = models.BooleanField(null=True, blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Practice {self.session_id}: {self.question_id}"


# ---------------------------------------------------------------------------------------
# Spaced repetition


class LearnerSettings(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_settings")
    desired_retention = models.FloatField(
        default=0.9,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.99)],
        help_text="How likely you want to be to remember a card when it comes due (0.70 to 0.99).",
    )
    new_per_day = models.PositiveSmallIntegerField(default=20, validators=[MaxValueValidator(999)])
    reviews_per_day = models.PositiveSmallIntegerField(default=200, validators=[MaxValueValidator(9999)])

    class Meta:
        verbose_name = "learner settings"
        verbose_name_plural = "learner settings"

    def __str__(self) -> str:
        return f"Review settings of {self.user}"

    @classmethod
    def for_user(cls, user) -> LearnerSettings:
        return cls.objects.get_or_create(user=user)[0]


class CardQuerySet(models.QuerySet):
    def active(self, now: datetime) -> CardQuerySet:
        return self.filter(suspended=False).filter(Q(buried_until__isnull=True) | Q(buried_until__lte=now))

    def due(self, now: datetime) -> CardQuerySet:
        return self.active(now).filter(due__lte=now)


class Card(models.Model):
    class State(models.IntegerChoices):
        LEARNING = 1, "Learning"
        REVIEW = 2, "Review"
        RELEARNING = 3, "Relearning"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cards")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="cards")
    created_at = models.DateTimeField()
    # FSRS state (py-fsrs Card fields)
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.LEARNING)
    step = models.PositiveSmallIntegerField(null=True, blank=True, default=0)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    # Our own bookkeeping: FSRS has no "new" state.
    is_new = models.BooleanField(default=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    leech = models.BooleanField(default=False)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    # The four outcomes shown on the buttons; the one picked is committed as shown.
    preview = models.JSONField(null=True, blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="one_card_per_question")]
        indexes = [models.Index(fields=["user", "due"]), models.Index(fields=["user", "is_new"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.question.uid}"

    def get_state(self) -> CardState:
        return CardState(self.state, self.step, self.stability, self.difficulty, self.due, self.last_review)

    def set_state(self, state: CardState) -> None:
        self.state, self.step, self.stability, self.difficulty = (
            state.state,
            state.step,
            state.stability,
            state.difficulty,
        )
        self.due, self.last_review = state.due, state.last_review


class ReviewLog(models.Model):
    class Source(models.TextChoices):
        REVIEW = "review", "Review"
        PRACTICE = "practice", "Practice"
        EXAM = "exam", "Mock exam"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="logs")
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REVIEW)
    was_new = models.BooleanField(default=False)
    state_before = models.PositiveSmallIntegerField()
    state_after = models.PositiveSmallIntegerField()
    due_before = models.DateTimeField()
    due_after = models.DateTimeField()
    stability_after = models.FloatField(null=True, blank=True)
    difficulty_after = models.FloatField(null=True, blank=True)
    # Predicted recall at the moment of review (None for a first review), and this review's
    # term of the scheduler's log loss, kept so that statistics are one aggregate query.
    retrievability = models.FloatField(null=True, blank=True)
    loss = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at"]
        indexes = [models.Index(fields=["user", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} rated {self.rating} at {self.reviewed_at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------------------
# Reviewing: the queue, showing a card, committing a rating


def day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Queue:
    new: int
    learning: int
    review: int
    card: Card | None

    @property
    def total(self) -> int:
        return self.new + self.learning + self.review


def review_queue(user, now: datetime, prefs: LearnerSettings) -> Queue:
    """Due counts within today's limits, and the card to review next (learning first)."""
    today = ReviewLog.objects.filter(user=user, source=ReviewLog.Source.REVIEW, reviewed_at__gte=day_start(now))
    done = today.aggregate(new=Count("pk", filter=Q(was_new=True)), old=Count("pk", filter=Q(was_new=False)))
    new_left = max(0, prefs.new_per_day - done["new"])
    review_left = max(0, prefs.reviews_per_day - done["old"])
    cards = Card.objects.filter(user=user)
    due = cards.due(now).filter(is_new=False)
    learning = due.filter(state__in=[Card.State.LEARNING, Card.State.RELEARNING])
    reviews = due.filter(state=Card.State.REVIEW)
    new = cards.active(now).filter(is_new=True)
    counts = Queue(
        new=min(new.count(), new_left), learning=learning.count(), review=min(reviews.count(), review_left), card=None
    )
    related = ("question__topic",)
    counts.card = (
        learning.select_related(*related).order_by("due", "pk").first()
        or (reviews.select_related(*related).order_by("due", "pk").first() if counts.review else None)
        or (new.select_related(*related).order_by("created_at", "pk").first() if counts.new else None)
    )
    return counts


def ensure_cards(user, questions, now: datetime) -> int:
    """A card for each question the learner has met (idempotent); returns how many were new."""
    have = set(Card.objects.filter(user=user).values_list("question_id", flat=True))
    state = CardState.new(now)
    cards = [
        Card(user=user, question_id=q.pk, created_at=now, due=state.due, state=state.state, step=state.step)
        for q in questions
        if q.pk not in have
    ]
    Card.objects.bulk_create(cards, ignore_conflicts=True)
    return len(cards)


def show_card(card: Card, now: datetime, retention: float) -> dict[int, Outcome]:
    """Compute the four outcomes for the buttons and keep them: the one picked is stored as shown."""
    outcomes = preview(card.get_state(), now, retention)
    card.preview = {str(r): {"card": o.card.to_dict(), "label": o.label} for r, o in outcomes.items()}
    card.shown_at = now
    card.save(update_fields=["preview", "shown_at"])
    return outcomes


def commit_rating(
    card: Card, rating: int, now: datetime, retention: float, source: str, duration_ms: int | None = None
) -> ReviewLog:
    """Apply a rating: the previewed outcome when the buttons showed one, else computed now."""
    before = card.get_state()
    stored = (card.preview or {}).get(str(rating))
    after = CardState.from_dict(stored["card"]) if stored else preview(before, now, retention)[rating].card
    log = ReviewLog(
        user_id=card.user_id,
        card=card,
        rating=rating,
        reviewed_at=now,
        duration_ms=duration_ms,
        source=source,
        was_new=card.is_new,
        state_before=before.state,
        state_after=after.state,
        due_before=before.due,
        due_after=after.due,
        stability_after=after.stability,
        difficulty_after=after.difficulty,
        retrievability=retrievability(before, now, retention) if before.last_review else None,
    )
    if log.retrievability is not None:
        log.loss = log_loss([(log.retrievability, rating > 1)])
    card.lapses += is_lapse(before, rating)
    card.leech = card.leech or card.lapses >= LEECH_LAPSES
    card.set_state(after)
    card.reps += 1
    card.is_new = False
    card.preview = card.shown_at = card.buried_until = None
    with transaction.atomic():
        card.save()
        log.save()
    return log


# ---------------------------------------------------------------------------------------
# Mock exams


def start_exam(user, now: datetime, count: int, minutes: int, rng: random.Random | None = None) -> ExamAttempt:
    """The learner's open exam, or a new one: questions drawn across topics, deadline fixed now."""
    with transaction.atomic():
        attempt = ExamAttempt.objects.select_for_update().filter(user=user, submitted_at__isnull=True).first()
        if attempt:
            return attempt
        pool: dict[str, list[int]] = {}
        for pk, slug in Question.objects.exam_eligible().values_list("pk", "topic__slug"):
            pool.setdefault(slug, []).append(pk)
        chosen = draw_exam(pool, count, rng or random.Random())
        attempt = ExamAttempt.objects.create(
            user=user, started_at=now, deadline=now + timedelta(minutes=minutes), total=len(chosen)
        )
        orders = defaultdict(list)
        for question_id, option_id in Option.objects.filter(question_id__in=chosen).values_list("question_id", "pk"):
            orders[question_id].append(option_id)
        shuffle = rng or random.Random()
        # Each learner's own order, kept with the attempt for the questions, the result and the review.
        ExamResponse.objects.bulk_create(
            ExamResponse(
                attempt=attempt, question_id=pk, position=n, option_order=presentation_order(orders[pk], False, shuffle)
            )
            for n, pk in enumerate(chosen, 1)
        )
        return attempt


def finish_exam(attempt: ExamAttempt, now: datetime, auto: bool = False) -> ExamAttempt:
    """Score the attempt (unanswered = wrong, as on the real exam) and schedule the answers it got wrong."""
    with transaction.atomic():
        attempt = ExamAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.submitted_at:
            return attempt
        responses = list(attempt.responses.select_related("question__topic").prefetch_related("question__options"))
        items = []
        for response in responses:
            question = response.question
            response.correct = bool(response.chosen) and is_correct(
                question.type, question.correct_keys(), response.chosen
            )
            items.append(ExamItem((question.topic.slug,), response.correct))
        ExamResponse.objects.bulk_update(responses, ["correct"])
        result = exam_result(items)
        titles = dict(Topic.objects.values_list("slug", "title"))
        attempt.correct, attempt.total, attempt.scaled, attempt.passed = (
            result.correct,
            result.total,
            result.scaled,
            result.passed,
        )
        attempt.by_topic = [
            {"topic": t.topic, "title": titles.get(t.topic, t.topic), "correct": t.correct, "total": t.total}
            for t in result.by_topic
        ]
        attempt.submitted_at, attempt.auto_submitted = now, auto
        attempt.save()
        # Only answers are evidence of memory: a question never reached creates no card and no
        # review (the result page offers to add those explicitly, see `add_missed_to_reviews`).
        answered = [r.question for r in responses if r.answered]
        ensure_cards(attempt.user, answered, now)
        prefs = LearnerSettings.for_user(attempt.user)
        wrong = [r.question for r in responses if r.answered and not r.correct]
        for card in Card.objects.filter(user=attempt.user, question__in=wrong):
            commit_rating(card, 1, now, prefs.desired_retention, ReviewLog.Source.EXAM)
    return attempt


@dataclass
class MissedInReviews:
    """What "add the questions I missed to my reviews" would do for one submitted exam."""

    missed: list[int]  # question ids answered wrong or not answered
    new: list[int]  # of those, the ones without a card yet

    @property
    def already(self) -> int:
        return len(self.missed) - len(self.new)


def missed_in_reviews(attempt: ExamAttempt) -> MissedInReviews:
    missed = list(attempt.responses.exclude(correct=True).values_list("question_id", flat=True))
    have = set(Card.objects.filter(user=attempt.user, question_id__in=missed).values_list("question_id", flat=True))
    return MissedInReviews(missed, [pk for pk in missed if pk not in have])


def add_missed_to_reviews(attempt: ExamAttempt, now: datetime) -> int:
    """Cards for the missed questions that have none yet (new cards, nothing rated); how many."""
    plan = missed_in_reviews(attempt)
    return ensure_cards(attempt.user, Question.objects.filter(pk__in=plan.new), now)


def close_if_expired(attempt: ExamAttempt, now: datetime) -> ExamAttempt:
    """The server holds the clock: past the deadline the attempt is submitted as it stands."""
    if attempt.is_open and now >= attempt.deadline:
        return finish_exam(attempt, attempt.deadline, auto=True)
    return attempt
