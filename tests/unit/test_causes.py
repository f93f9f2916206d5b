"""When two root causes are one cause, and how a cause typed several ways is shown."""

from __future__ import annotations

from ledger.domain.causes import UNKNOWN_CAUSE, cause_key, cause_label


def test_causes_differing_in_case_spacing_and_closing_punctuation_are_one() -> None:
    assert cause_key("  Staff   TRAINING. ") == cause_key("staff training") != cause_key("staff")
    assert cause_key("供应商延误。") == cause_key("供应商延误")


def test_a_cause_is_shown_as_its_most_common_spelling() -> None:
    assert cause_label(["staff training", " Staff training ", "Staff  training"]) == (
        "Staff training"
    )
    assert cause_label(["b cause", "B cause"]) == "B cause"  # a tie: alphabetical order
    assert cause_label([]) == UNKNOWN_CAUSE
