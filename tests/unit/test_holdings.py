"""Who holds what at a customer, and who no longer should (ledger/domain/holdings.py):
the rule, and the repair that records the moves a past handover missed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from ledger.domain.customer import Customer
from ledger.domain.events import OwnerAssigned, ResponsibilityHandedOver
from ledger.domain.holdings import count_moved, no_longer_responsible
from ledger.errors import RuleViolationError
from tests.unit.test_customer_rules import at, refused, register

ACTIVE: dict[str, str] = {
    "li.wei": "active",
    "zhang.min": "active",
    "chen.jie": "active",
    "zhao.lei": "deactivated",
    "sun.hao": "frozen",
}


def status(overrides: dict[str, str] | None = None) -> Callable[[str], str | None]:
    return {**ACTIVE, **(overrides or {})}.get


def add_person(customer: Customer, name: str, counterpart: str, minutes: int) -> str:
    return customer.add_key_person(
        name=name, title="Director",
        decision_role="decision_maker", relationship_status="neutral",
        counterpart=counterpart, meta=at(minutes),
    )  # fmt: skip


def handed_over_before_moves_were_recorded(customer: Customer, owner: str, minutes: int) -> None:
    """A handover as ledgers recorded it before a change of owner moved what the
    old owner held: the OwnerAssigned alone."""
    customer._record(
        OwnerAssigned, at(minutes), previous=customer.owner, owner=owner, reason="old style"
    )


def moves(customer: Customer) -> list[tuple[str, str, str | None, str]]:
    return [
        (e.item, e.role, e.previous, e.holder)
        for e in customer.collect_events()
        if isinstance(e, ResponsibilityHandedOver)
    ]


@pytest.mark.parametrize(
    ("holder", "state", "owner", "past", "why"),
    [
        ("li.wei", "active", "li.wei", [], None),
        ("chen.jie", "active", "li.wei", [], None),
        ("zhao.lei", "deactivated", "li.wei", [], "is deactivated"),
        ("ghost", None, "li.wei", [], "is not a staff account"),
        # Frozen is a pause: the holder keeps what they hold, unless they handed it on.
        ("sun.hao", "frozen", "li.wei", [], None),
        ("sun.hao", "frozen", "li.wei", ["sun.hao"], "is frozen and handed the customer over"),
        ("chen.jie", "active", "li.wei", ["chen.jie"], "handed the customer over"),
        # A past owner who owns the customer again is responsible again.
        ("li.wei", "active", "li.wei", ["li.wei"], None),
    ],
)
def test_who_is_no_longer_responsible(
    holder: str, state: str | None, owner: str, past: list[str], why: str | None
) -> None:
    assert no_longer_responsible(holder, state, owner, past) == why


def test_a_change_of_owner_returns_what_moved_and_remembers_the_past_owner() -> None:
    customer = register()
    commitment = customer.make_commitment("Send the price list", None, "call", at(1))
    person = add_person(customer, "Wang Fang", "li.wei", 2)

    moved = customer.assign_owner("zhang.min", "li.wei leaves", at(3))

    assert moved == [(commitment, "commitment"), (person, "counterpart")]
    assert customer.past_owners == ["li.wei"]
    assert customer.stale_holdings(status()) == []


def test_the_repair_moves_what_an_old_style_handover_left_with_the_past_owner() -> None:
    customer = register()
    lead = customer.create_lead("Cargo lounge", "fair", "", at(1))
    person = add_person(customer, "Wang Fang", "li.wei", 2)
    other = add_person(customer, "Zhou Min", "chen.jie", 3)
    handed_over_before_moves_were_recorded(customer, "zhang.min", 4)
    customer.collect_events()

    stale = customer.repair_holdings(status(), at(5, "repair-1"))

    assert [(s.holding.item, s.why) for s in stale] == [
        (lead, "handed the customer over"),
        (person, "handed the customer over"),
    ]
    assert moves(customer) == [
        (lead, "opportunity", "li.wei", "zhang.min"),
        (person, "counterpart", "li.wei", "zhang.min"),
    ]
    assert customer.people[other]["counterpart"] == "chen.jie"
    # Idempotent: nothing is left to move, so a second repair records nothing.
    assert customer.repair_holdings(status(), at(6)) == []
    assert moves(customer) == []


def test_the_repair_moves_what_a_departed_account_holds_though_it_never_owned_it() -> None:
    customer = register()
    customer.collect_events()
    # zhao.lei promised it, and has left since.
    commitment = customer.make_commitment(
        "Send the brochure", None, "visit", replace(at(1), actor="zhao.lei")
    )
    frozen = add_person(customer, "Zhou Min", "sun.hao", 2)
    customer.collect_events()

    stale = customer.repair_holdings(status(), at(3))

    assert [(s.holding.item, s.why) for s in stale] == [(commitment, "is deactivated")]
    assert moves(customer) == [(commitment, "commitment", "zhao.lei", "li.wei")]
    assert customer.people[frozen]["counterpart"] == "sun.hao"


def test_a_dry_run_lists_the_moves_and_records_nothing() -> None:
    customer = register()
    add_person(customer, "Wang Fang", "zhao.lei", 1)
    customer.collect_events()

    stale = customer.repair_holdings(status(), at(2), dry_run=True)

    assert [s.holding.holder for s in stale] == ["zhao.lei"]
    assert moves(customer) == []


def test_the_repair_refuses_when_the_owner_cannot_take_over() -> None:
    customer = register()
    add_person(customer, "Wang Fang", "zhao.lei", 1)

    with refused(customer, RuleViolationError, "C-00001's owner li.wei is deactivated: hand"):
        customer.repair_holdings(status({"li.wei": "deactivated"}), at(2))


def test_the_repair_refuses_a_customer_without_an_owner() -> None:
    customer = register(owner=None)
    add_person(customer, "Wang Fang", "zhao.lei", 1)

    with refused(customer, RuleViolationError, "C-00001 has no owner to take over"):
        customer.repair_holdings(status(), at(2))


@pytest.mark.parametrize(
    ("roles", "said"),
    [
        ([], ""),
        (["counterpart"], "1 counterpart role"),
        (["commitment", "opportunity", "commitment"], "1 opportunity and 2 commitments"),
        (
            ["opportunity", "counterpart", "opportunity", "commitment", "counterpart"],
            "2 opportunities, 1 commitment and 2 counterpart roles",
        ),
    ],
)
def test_what_moved_is_counted_in_words(roles: list[str], said: str) -> None:
    assert count_moved(roles) == said
