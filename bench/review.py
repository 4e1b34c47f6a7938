"""Benchmark: one learner with 10,000 cards and 100,000 review logs.

    .venv/bin/python bench/review.py [--cards 10000] [--logs 100000] [--requests 30]

Times, as the median of server-side requests through Django's test client: building the
review queue (the /review/ page and the queue function alone), the stats page, and a
65-question exam result. Fresh SQLite database in a temporary folder; prints figures only.
Targets (2 cores): queue < 50 ms, stats page < 300 ms, exam result < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta

from _common import fresh_django, median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    fresh_django("bench-review-")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from notes.loader import sync_taxonomy
    from notes.models import Topic
    from notes.taxonomy import load_taxonomy
    from quizzes.loader import load_bank
    from quizzes.models import (
        Card,
        ExamAttempt,
        LearnerSettings,
        Option,
        Question,
        ReviewLog,
        finish_exam,
        review_queue,
        start_exam,
    )

    sync_taxonomy(load_taxonomy(settings.NOTES_TAXONOMY_FILE))
    load_bank()
    rng = random.Random(11)
    now = timezone.now()
    topics = list(Topic.objects.all())
    user = get_user_model().objects.create_user("bench", password="bench-password-1")

    start = time.perf_counter()
    existing = list(Question.objects.all())
    extra = [
        Question(
            uid=f"bench-{n:05d}",
            type="flashcard",
            topic=rng.choice(topics),
            stem=f"Card {n}",
            answer="A",
            status="published",
        )
        for n in range(max(0, args.cards - len(existing)))
    ]
    Question.objects.bulk_create(extra, batch_size=2000)
    questions = list(Question.objects.values_list("pk", flat=True))[: args.cards]
    cards = []
    for n, pk in enumerate(questions):
        reviewed = n % 10 != 0  # a tenth never reviewed
        state = 2 if reviewed and n % 7 else (1 if not reviewed else 3)
        cards.append(
            Card(
                user=user,
                question_id=pk,
                created_at=now - timedelta(days=200),
                is_new=not reviewed,
                state=state,
                step=None if state == 2 else 0,
                stability=rng.uniform(0.5, 120) if reviewed else None,
                difficulty=rng.uniform(1, 10) if reviewed else None,
                due=now + timedelta(days=rng.uniform(-3, 40)) if reviewed else now - timedelta(days=1),
                last_review=now - timedelta(days=rng.uniform(0, 60)) if reviewed else None,
                reps=rng.randint(1, 20) if reviewed else 0,
                lapses=rng.randint(0, 9) if reviewed else 0,
            )
        )
    Card.objects.bulk_create(cards, batch_size=2000)
    card_ids = list(Card.objects.filter(user=user, is_new=False).values_list("pk", flat=True))
    logs = []
    for n in range(args.logs):
        when = now - timedelta(days=rng.uniform(0, 365))
        logs.append(
            ReviewLog(
                user=user,
                card_id=rng.choice(card_ids),
                rating=rng.choices([1, 2, 3, 4], [12, 8, 70, 10])[0],
                reviewed_at=when,
                duration_ms=rng.randint(2000, 30000),
                source="review",
                was_new=n % 20 == 0,
                state_before=rng.choice([1, 2, 2, 2, 3]),
                state_after=2,
                due_before=when,
                due_after=when + timedelta(days=3),
                stability_after=10.0,
                difficulty_after=5.0,
                retrievability=None if n % 20 == 0 else rng.uniform(0.5, 1.0),
            )
        )
    ReviewLog.objects.bulk_create(logs, batch_size=5000)
    print(
        f"data: {Card.objects.count()} cards, {ReviewLog.objects.count()} review logs, built in {time.perf_counter() - start:.1f} s"
    )

    prefs = LearnerSettings.for_user(user)
    client = Client()
    client.force_login(user)
    print(
        f"review_queue() alone        median {median_ms(lambda: review_queue(user, timezone.now(), prefs), args.requests):6.1f} ms"
    )
    for label, url in [
        ("review page (queue + card)", "/review/"),
        ("stats page", "/stats/"),
        ("home page (due + weakest)", "/"),
    ]:
        ms = median_ms(lambda url=url: client.get(url), args.requests)
        print(f"{label:27} median {ms:6.1f} ms  (HTTP {client.get(url).status_code})")

    settings.EXAM_QUESTIONS = 65
    attempt = start_exam(user, timezone.now(), 65, 130, rng)
    for response in attempt.responses.all():
        options = list(Option.objects.filter(question_id=response.question_id).values_list("pk", flat=True))
        response.chosen = [str(rng.choice(options))]
        response.save(update_fields=["chosen"])
    start = time.perf_counter()
    finish_exam(attempt, timezone.now())
    print(f"exam submit (score + schedule {attempt.total} cards)   {(time.perf_counter() - start) * 1000:6.1f} ms")
    url = f"/quiz/exam/{attempt.pk}/"
    ms = median_ms(lambda: client.get(url), args.requests)
    print(
        f"{'exam result page (65 q)':27} median {ms:6.1f} ms  (HTTP {client.get(url).status_code}, {ExamAttempt.objects.get(pk=attempt.pk).correct}/65 right)"
    )


if __name__ == "__main__":
    main()
