from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.scoring import (
    PASS_MARK,
    ExamItem,
    draw_exam,
    exam_result,
    is_correct,
    item_flags,
    passed,
    point_biserial,
    scaled_score,
    suggested_rating,
)

# is_correct: single


def test_single_choice_with_the_right_option_scores():
    assert is_correct("single", ["b"], ["b"])


def test_single_choice_with_a_wrong_option_scores_zero():
    assert not is_correct("single", ["b"], ["c"])


def test_single_choice_with_two_options_ticked_scores_zero_even_if_one_is_right():
    assert not is_correct("single", ["b"], ["b", "c"])


def test_unanswered_single_choice_scores_zero():
    assert not is_correct("single", ["b"], [])


def test_option_ids_from_the_database_match_the_same_ids_posted_as_strings():
    assert is_correct("single", [17], ["17"])  # type: ignore[list-item]
    assert is_correct("multiple", ["3", "5"], [5, 3])  # type: ignore[list-item]


def test_single_choice_question_keyed_with_two_answers_is_rejected_as_a_bank_error():
    with pytest.raises(ValueError):
        is_correct("single", ["a", "b"], ["a"])


# is_correct: multiple response (all-or-nothing)


def test_multiple_response_with_exactly_the_correct_options_scores_in_any_order():
    assert is_correct("multiple", ["a", "c"], ["c", "a"])


def test_multiple_response_with_one_wrong_extra_choice_scores_zero():
    assert not is_correct("multiple", ["a", "c"], ["a", "c", "d"])


def test_multiple_response_with_one_correct_option_missing_scores_zero():
    assert not is_correct("multiple", ["a", "c"], ["a"])


def test_multiple_response_left_blank_scores_zero():
    assert not is_correct("multiple", ["a", "c"], [])


def test_multiple_response_ignores_an_option_submitted_twice():
    assert is_correct("multiple", ["a", "c"], ["a", "c", "a"])


# is_correct: ordering


def test_ordering_in_exactly_the_right_order_scores():
    assert is_correct("ordering", ["deploy", "stage", "invoke"], ["deploy", "stage", "invoke"])


def test_ordering_with_two_steps_swapped_scores_zero():
    assert not is_correct("ordering", ["deploy", "stage", "invoke"], ["stage", "deploy", "invoke"])


def test_ordering_with_a_step_left_out_scores_zero():
    assert not is_correct("ordering", ["deploy", "stage", "invoke"], ["deploy", "stage"])


# is_correct: what is never auto-scored


def test_flashcards_are_self_rated_and_never_auto_scored():
    with pytest.raises(ValueError, match="self-rated"):
        is_correct("flashcard", ["a"], ["a"])


def test_unknown_question_type_is_rejected():
    with pytest.raises(ValueError, match="unknown"):
        is_correct("lab", ["a"], ["a"])


def test_a_bare_string_of_choices_is_rejected_rather_than_split_into_characters():
    with pytest.raises(TypeError):
        is_correct("multiple", ["1", "2"], "12")


def test_wrong_answer_suggests_again_and_right_answer_suggests_good():
    assert suggested_rating(False) == 1
    assert suggested_rating(True) == 3


# scaled score


def test_all_correct_scores_1000_and_none_correct_scores_100():
    assert scaled_score(50, 50) == 1000
    assert scaled_score(0, 50) == 100


def test_35_of_50_passes_and_34_of_50_fails():
    assert scaled_score(35, 50) == 730
    assert passed(scaled_score(35, 50))
    assert scaled_score(34, 50) == 712
    assert not passed(scaled_score(34, 50))


def test_on_a_full_65_question_exam_45_right_passes_and_44_fails():
    assert passed(scaled_score(45, 65))
    assert not passed(scaled_score(44, 65))


def test_scaled_score_rounds_a_half_point_up():
    assert scaled_score(1, 8) == 213  # 212.5


def test_exactly_720_passes_and_719_fails():
    assert passed(PASS_MARK)
    assert not passed(PASS_MARK - 1)


def test_an_empty_exam_scores_the_minimum():
    assert scaled_score(0, 0) == 100


def test_more_correct_than_questions_is_rejected():
    with pytest.raises(ValueError):
        scaled_score(11, 10)


# exam result


def test_exam_result_reports_raw_and_scaled_score_and_pass():
    result = exam_result([ExamItem(("cors",), True)] * 7 + [ExamItem(("cors",), False)] * 3)
    assert (result.correct, result.total, result.scaled, result.passed) == (7, 10, 730, True)
    assert result.percent == 70


def test_unanswered_questions_count_as_wrong_in_the_result():
    result = exam_result([ExamItem(("cors",), True), ExamItem(("cors",), False)])
    assert result.correct == 1
    assert result.total == 2


def test_topic_breakdown_counts_each_question_under_its_primary_topic_only():
    result = exam_result(
        [
            ExamItem(("caching", "stages"), True),
            ExamItem(("stages",), False),
            ExamItem(("caching",), False),
        ]
    )
    scores = {score.topic: (score.correct, score.total) for score in result.by_topic}
    assert scores == {"caching": (1, 2), "stages": (0, 1)}


def test_topic_breakdown_lists_the_weakest_topic_first_and_breaks_ties_by_slug():
    items = [
        ExamItem(("throttling",), True),
        ExamItem(("cors",), False),
        ExamItem(("authorizers",), False),
        ExamItem(("caching",), True),
        ExamItem(("caching",), False),
    ]
    assert [score.topic for score in exam_result(items).by_topic] == ["authorizers", "cors", "caching", "throttling"]
    assert [score.percent for score in exam_result(items).by_topic] == [0, 0, 50, 100]


def test_an_empty_exam_result_has_zero_percent_and_no_topics():
    result = exam_result([])
    assert (result.total, result.percent, result.scaled, result.passed, result.by_topic) == (0, 0, 100, False, ())


# drawing an exam


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 -- a seeded, repeatable exam draw, nothing secret


def _pool(topics: int, per_topic: int) -> dict[str, list[str]]:
    return {f"topic{t}": [f"t{t}-q{q}" for q in range(per_topic)] for t in range(topics)}


def test_exam_draw_spreads_questions_evenly_across_topics():
    drawn = draw_exam(_pool(3, 10), 9, seeded(1))
    per_topic = {topic: sum(1 for q in drawn if q.startswith(f"t{topic}-")) for topic in range(3)}
    assert per_topic == {0: 3, 1: 3, 2: 3}


def test_exam_draw_counts_differ_by_at_most_one_when_the_count_does_not_divide_evenly():
    drawn = draw_exam(_pool(4, 10), 10, seeded(2))
    counts = [sum(1 for q in drawn if q.startswith(f"t{topic}-")) for topic in range(4)]
    assert sorted(counts) == [2, 2, 3, 3]


def test_exam_draw_never_asks_a_question_listed_under_two_topics_twice():
    pool = {"caching": ["shared", "c1"], "stages": ["shared", "s1"]}
    drawn = draw_exam(pool, 10, seeded(3))
    assert sorted(drawn) == ["c1", "s1", "shared"]


def test_exam_draw_gives_fewer_questions_when_the_pool_is_small():
    assert len(draw_exam(_pool(2, 3), 65, seeded(4))) == 6


def test_exam_draw_fills_up_from_other_topics_when_one_topic_runs_out():
    pool = {"small": ["s1"], "big": [f"b{i}" for i in range(10)]}
    drawn = draw_exam(pool, 5, seeded(5))
    assert len(drawn) == 5
    assert "s1" in drawn


def test_exam_draw_is_the_same_for_the_same_seed():
    assert draw_exam(_pool(5, 20), 20, seeded(42)) == draw_exam(_pool(5, 20), 20, seeded(42))


def test_exam_draw_differs_between_seeds():
    assert draw_exam(_pool(5, 20), 20, seeded(1)) != draw_exam(_pool(5, 20), 20, seeded(2))


def test_exam_draw_does_not_run_topic_by_topic():
    drawn = draw_exam(_pool(2, 30), 40, seeded(6))
    topics_in_order = [q.split("-")[0] for q in drawn]
    # Round-robin order would alternate perfectly; a shuffled exam has runs of the same topic.
    assert any(a == b for a, b in zip(topics_in_order, topics_in_order[1:], strict=False))


@given(
    pool=st.dictionaries(st.sampled_from("abcdef"), st.lists(st.integers(0, 30), max_size=12), max_size=6),
    count=st.integers(0, 40),
    seed=st.integers(0, 1000),
)
def test_exam_draw_always_gives_distinct_pool_questions_up_to_the_count(pool, count, seed):
    drawn = draw_exam(pool, count, seeded(seed))
    distinct = {q for questions in pool.values() for q in questions}
    assert len(drawn) == len(set(drawn)) == min(count, len(distinct))
    assert set(drawn) <= distinct


# item analysis


def test_item_answered_right_by_the_stronger_learners_discriminates_positively():
    assert point_biserial([True, True, False, False], [10, 8, 4, 2]) > 0.9


def test_item_answered_right_by_the_weaker_learners_discriminates_negatively():
    assert point_biserial([False, False, True, True], [10, 8, 4, 2]) < -0.9


def test_point_biserial_equals_the_pearson_correlation_with_the_total():
    right = [True, False, True, True, False, True, False]
    totals = [41.0, 30.0, 35.0, 45.0, 38.0, 29.0, 22.0]
    expected = statistics.correlation([float(r) for r in right], totals)
    assert point_biserial(right, totals) == pytest.approx(expected)


def test_discrimination_is_undefined_when_everyone_or_no_one_got_the_item_right():
    assert point_biserial([True, True, True], [10, 8, 4]) is None
    assert point_biserial([False, False], [10, 8]) is None


def test_discrimination_is_undefined_when_all_learners_scored_the_same():
    assert point_biserial([True, False, True], [7, 7, 7]) is None


def test_discrimination_is_undefined_with_fewer_than_two_attempts():
    assert point_biserial([True], [10]) is None
    assert point_biserial([], []) is None


def test_item_with_too_few_attempts_gets_no_flags():
    assert item_flags(9, 1.0, -0.5) == []


def test_item_almost_everyone_gets_right_is_flagged_too_easy():
    assert item_flags(20, 0.95, 0.3) == ["too easy"]


def test_item_almost_no_one_gets_right_is_flagged_too_hard():
    assert item_flags(20, 0.2, 0.3) == ["too hard"]


def test_item_stronger_learners_get_wrong_is_flagged_for_negative_discrimination():
    assert item_flags(20, 0.6, -0.1) == ["negative discrimination"]


def test_healthy_item_gets_no_flags():
    assert item_flags(20, 0.6, 0.35) == []
    assert item_flags(20, 0.6, None) == []
