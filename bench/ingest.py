"""Benchmark: ingest N generated notes, re-ingest them unchanged, then time pages.

    .venv/bin/python bench/ingest.py [--notes 1000] [--size 16000] [--requests 60]

The notes mix the dialects of the shipped ones (Obsidian with callouts, tags and tab
lists; VuePress with front matter and json blocks; plain-text transcripts with a quiz),
built by recombining the shipped notes' sections with varied words. Everything runs in a
fresh SQLite database in a temporary folder; figures are printed, nothing is asserted.
Targets (2 cores): 1000 notes < 60 s, unchanged re-ingest < 5 s, topic page < 20 ms and
search < 100 ms (median, server side).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from _common import fresh_django, median_ms

WORDS = (
    "stage deployment canary throttle quota cache latency authorizer cognito policy mapping template "
    "integration proxy lambda alias variable endpoint regional private websocket route metric trace "
    "request response header payload timeout burst token bucket usage plan key client backend"
).split()


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."


def _obsidian(rng: random.Random, n: int, size: int) -> tuple[str, str]:
    parts = [f"---\ncreated: 2022-05-{1 + n % 28:02d} 10:00\n---\n**Links**: [[Index {n}]]\n"]
    while sum(map(len, parts)) < size:
        heading = rng.choice(
            ["Canary Deployments", "Stage Variables", "Caching", "Usage Plans & API Keys", "CORS", "Errors"]
        )
        parts.append(
            f"\n## {heading} {rng.randint(1, 9999)}\n- {_sentence(rng)}\n\t- {_sentence(rng)} #focus\n\t\t- {_sentence(rng)}\n"
            f"\t- ![[attachments/shot-{n}.png]]\n\n> [!tip] {_sentence(rng)}\n\n"
            f"> [!question]- {_sentence(rng)}\n> {_sentence(rng)}\n\n- {_sentence(rng)} #Serverless\n"
        )
    return f"vault-{n}.md", "".join(parts)


def _vuepress(rng: random.Random, n: int, size: int) -> tuple[str, str]:
    parts = [f"---\ntitle: Generated {n}\ndescription: API Gateway\nprev: ./AWS\n---\n\n# Generated {n}\n"]
    while sum(map(len, parts)) < size:
        heading = rng.choice(["Integration Types", "Mapping Templates", "Throttling", "Security", "WebSocket API"])
        parts.append(
            f"\n## {heading} {rng.randint(1, 9999)}\n\n- **{rng.choice(WORDS)}**\n  - {_sentence(rng)}\n  - {_sentence(rng)}\n\n"
            f'  ```json\n  {{\n    "statusCode": {rng.randint(200, 504)},\n    "body": "{rng.choice(WORDS)}"\n  }}\n  ```\n\n'
            f"| a | b |\n| - | - |\n| {rng.choice(WORDS)} | {rng.choice(WORDS)} |\n\n{_sentence(rng)} InvalidateCache.\n"
        )
    return f"vuepress-{n}.md", "".join(parts)


def _transcript(rng: random.Random, n: int, size: int) -> tuple[str, str]:
    parts = []
    while sum(map(len, parts)) < size:
        heading = rng.choice(["API Gateway - Canary Deployment", "API Gateway Caching", "API Gateway Throttling"])
        parts.append(
            f"{heading} {rng.randint(1, 9999)}\n-{_sentence(rng)}\n -{_sentence(rng)}\n  {_sentence(rng)}\n-{_sentence(rng)}\n\n\n"
        )
    parts.append("Quiz 1: Generated\n\nQuestion 1:\nWhich cache TTL is the default\n\nAnswer:\n   300 seconds\n")
    return f"transcript-{n}.txt", "".join(parts)


def generate(folder: Path, count: int, size: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    makers = [_obsidian, _vuepress, _transcript]
    total = 0
    for n in range(count):
        name, text = makers[n % 3](rng, n, size)
        (folder / name).write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--size", type=int, default=16000, help="approximate bytes per note")
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    work = fresh_django("bench-ingest-")
    from django.test import Client

    from notes.loader import ingest_paths
    from notes.models import Section, Topic

    folder = work / "notes"
    folder.mkdir()
    size = generate(folder, args.notes, args.size)
    print(f"generated {args.notes} notes, {size / 1e6:.1f} MB, in {folder}")

    start = time.perf_counter()
    report = ingest_paths([folder])
    first = time.perf_counter() - start
    print(f"ingest:   {report.summary()} in {first:.1f} s = {args.notes / first:.0f} notes/s")
    from notes.topic_pages import consolidate_topics

    start = time.perf_counter()
    blocks = consolidate_topics()
    print(f"  of which consolidating the topic pages again: {time.perf_counter() - start:.1f} s ({blocks} blocks)")

    start = time.perf_counter()
    report = ingest_paths([folder])
    again = time.perf_counter() - start
    print(f"re-ingest unchanged: {report.summary()} in {again:.2f} s = {args.notes / again:.0f} notes/s")

    client = Client()
    topic = Topic.objects.with_counts().order_by("-section_count").first()
    print(f"sections: {Section.objects.count()}, biggest topic: {topic.slug} with {topic.section_count} sections")
    for label, url in [
        ("home", "/"),
        (f"topic page ({topic.slug})", topic.get_absolute_url()),
        ("search 'InvalidateCache'", "/search/?q=InvalidateCache"),
        ("search 'canary deploy'", "/search/?q=canary+deploy"),
        ("live search fragment 'thrott'", "/search/?q=thrott"),
    ]:
        ms = median_ms(lambda url=url: client.get(url), args.requests)
        status = client.get(url).status_code
        print(f"{label:34} median {ms:6.1f} ms  (HTTP {status}, {args.requests} requests)")


if __name__ == "__main__":
    main()
