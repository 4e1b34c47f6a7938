"""`manage.py check_bank`: the shipped bank cannot be answered by its shape; a bad bank is named."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.bank import OptionSpec, QuestionSpec
from quizzes.bankcheck import check_bank

SOURCE = "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html"


def test_the_shipped_bank_passes_and_prints_its_figures(capsys):
    call_command("check_bank")
    out = capsys.readouterr().out
    assert "no problems" in out
    assert "right option is the longest in" in out and "limit 30%" in out
    assert "right option by written position: A" in out and "per topic: architecture" in out


def test_the_shipped_bank_is_big_enough_and_varied(capsys):
    call_command("check_bank")
    figures = capsys.readouterr().out.splitlines()[0]  # "259 questions: 57 multiple, 15 ordering, 187 single"
    counts = {kind: int(n) for n, kind in (part.split() for part in figures.split(": ")[1].split(", "))}
    assert int(figures.split()[0]) >= 220 and counts["multiple"] >= 50 and counts["ordering"] >= 12


def spec(uid: str, stem: str, options: list[tuple[str, bool]], qtype="single", source=SOURCE, topic="caching"):
    return QuestionSpec(
        uid=uid,
        type=qtype,
        topic=topic,
        stem=stem,
        options=[OptionSpec(text, f"Because {text}.", right) for text, right in options],
        source_title="Caching" if source else "",
        source_url=source,
    )


def test_a_crafted_bad_bank_fails_with_each_problem_named():
    long_right = [("TTL", False), ("Key", False), ("A stage cache with a TTL of 300 seconds by default", True)]
    bad = [
        spec("caching-901", "What is the default TTL of the stage cache?", long_right),
        spec("caching-902", "What is the default TTL of the stage cache??", long_right),  # near-duplicate stem
        spec("caching-903", "Which option?", [("One", True), ("All of the above", False)], source=""),
        spec("caching-904", "Pick the caching facts.", [("a", True), ("b", True), ("c", False)], qtype="multiple"),
    ]
    report = check_bank(bad, topics=["caching", "cors"])
    problems = "\n".join(f"{where}: {reason}" for where, reason in report.problems)
    assert not report.ok
    assert "bank: the right option is the longest in 67% of single-answer questions (limit 30%)" in problems
    assert "caching-901: options range from 3 to 50 characters" in problems
    assert "caching-902: stem is" in problems and "like caching-901's" in problems
    assert "caching-903: no `source:`" in problems
    assert "caching-903: option 2 is an “All of the above” option" in problems
    assert "caching-904: a multiple-response question must say how many to choose" in problems
    assert "cors: only 0 question(s); at least 8" in problems and "caching: only 4 question(s)" in problems


def test_check_bank_command_fails_on_a_bad_file(tmp_path, capsys):
    (tmp_path / "caching.yaml").write_text(
        "topic: caching\nquestions:\n  - id: caching-001\n    type: single\n    stem: What?\n    options:\n"
        '      - {text: "Yes", correct: true, explanation: "Right."}\n'
        '      - {text: "None of the above", correct: false, explanation: "No."}\n',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="problem"):
        call_command("check_bank", str(tmp_path))
    out = capsys.readouterr().out
    assert "caching-001: no `source:`" in out and "None of the above" in out


def test_an_explanation_that_contradicts_its_key_is_named():
    bad = spec("caching-950", "Which is the default TTL?", [("300 seconds", True), ("3600 seconds", False)])
    bad.options[0].explanation = "Wrong: the default is 3600."
    bad.options[1].explanation = "Correct, the maximum."
    problems = [reason for uid, reason in check_bank([bad]).problems if uid == "caching-950"]
    assert "option 1's explanation contradicts its key (right)" in problems
    assert "option 2's explanation contradicts its key (wrong)" in problems
