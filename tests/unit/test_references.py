"""How people name customers and the things inside a customer's stream."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidInputError
from ledger.references import LocalRef, parse_code, parse_local_id, parse_local_ref


@pytest.mark.parametrize("typed", ["C-00042", "c-42", "C42", " C-042 "])
def test_a_customer_code_may_be_typed_short_or_in_lower_case(typed: str) -> None:
    assert parse_code(typed) == "C-00042"


@pytest.mark.parametrize("typed", ["Capital Airport Group", "C-", "CP3", "C-42a", ""])
def test_anything_else_is_not_a_customer_code(typed: str) -> None:
    assert parse_code(typed) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CP3", ("CP3", "complaint")),
        ("cp3", ("CP3", "complaint")),
        ("IQ01", ("IQ1", "inquiry")),
        (" P2 ", ("P2", "person")),
        ("b1", ("B1", "branch")),
        ("V7", ("V7", "visit")),
        ("OP4", ("OP4", "opportunity")),
        ("CM9", ("CM9", "commitment")),
        ("ES2", ("ES2", "escalation")),
    ],
)
def test_a_local_id_names_its_kind_by_its_prefix(typed: str, expected: tuple[str, str]) -> None:
    assert parse_local_id(typed) == expected


@pytest.mark.parametrize("typed", ["XY3", "CP", "3", "CP-3", "C-00042"])
def test_an_unknown_local_id_says_what_ids_look_like(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="use an id such as CP3, IQ1, P2 or B1"):
        parse_local_id(typed)


def test_a_local_id_of_the_wrong_kind_says_which_prefix_is_expected() -> None:
    with pytest.raises(
        InvalidInputError,
        match="'P2' names a person, not a complaint: complaint ids start with CP",
    ):
        parse_local_id("P2", expected="complaint")


def test_the_article_fits_the_kind_named() -> None:
    with pytest.raises(InvalidInputError, match="'CP1' names a complaint, not an inquiry"):
        parse_local_id("CP1", expected="inquiry")


def test_a_case_reference_names_the_customer_and_the_case() -> None:
    ref = parse_local_ref(" C-00042/cp3 ", expected="complaint")

    assert ref == LocalRef(customer="C-00042", local_id="CP3", kind="complaint")
    assert str(ref) == "C-00042/CP3"


def test_a_case_reference_may_name_the_customer_by_name() -> None:
    ref = parse_local_ref("Capital Airport Group/IQ2")

    assert (ref.customer, ref.local_id) == ("Capital Airport Group", "IQ2")


@pytest.mark.parametrize("typed", ["CP3", "C-00042/", "/CP3", "C-00042 CP3"])
def test_a_case_reference_needs_a_customer_and_an_id(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="use CUSTOMER/ID such as C-00042/CP3"):
        parse_local_ref(typed)
