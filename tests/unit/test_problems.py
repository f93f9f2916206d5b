"""When two problems raised on a customer are the same problem."""

from __future__ import annotations

from ledger.domain.problems import problem_key


def test_case_spacing_and_closing_punctuation_do_not_make_another_problem() -> None:
    assert problem_key("Baggage belt 3 is slow") == problem_key("  baggage  belt 3 IS slow. ")


def test_chinese_closing_punctuation_is_set_aside_too() -> None:
    assert problem_key("行李转盘太慢。") == problem_key("行李转盘太慢")


def test_other_words_are_another_problem() -> None:
    assert problem_key("Baggage belt 3 is slow") != problem_key("Baggage belt 4 is slow")
