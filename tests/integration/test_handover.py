"""A change of owner moves what the old owner held, in the same transaction, and
`repair_holdings` records the moves past handovers missed (docs/domain.md,
"Follow-through"); on each backend."""

from __future__ import annotations

import re

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.customer import Customer
from ledger.domain.events import OwnerAssigned, ResponsibilityHandedOver
from ledger.errors import AccessDeniedError, CustomerNotFoundError, RuleViolationError

ACCOUNTS = (
    ("head.a", "segment_head", "airport"),
    ("staff.a", "staff", "airport"),
    ("staff.a2", "staff", "airport"),
    ("head.b", "segment_head", "technology"),
    ("staff.b", "staff", "technology"),
)


@pytest.fixture
def app(ledger_app: Ledger) -> Ledger:
    for staff_id, role, segment in ACCOUNTS:
        ledger_app.add_staff(
            c.AddStaff(actor="ops", staff=staff_id, name=staff_id, role=role, segment=segment)
        )
    return ledger_app


def register(app: Ledger, name: str, segment: str, owner: str) -> str:
    return app.register_customer(
        c.RegisterCustomer(actor="li.wei", name=name, segment=segment, owner=owner)
    ).customer_code


def with_holdings(app: Ledger, code: str, holder: str) -> None:
    """A lead, a promise and a key person's counterpart, all held by `holder`."""
    app.create_lead(c.CreateLead(actor=holder, customer=code, title="Cargo lounge"))
    app.make_commitment(c.MakeCommitment(actor=holder, customer=code, description="Price list"))
    app.add_key_person(
        c.AddKeyPerson(
            actor=holder,
            customer=code,
            name="Wang Fang",
            decision_role="decision_maker",
            counterpart=holder,
        )
    )


def moves(app: Ledger, code: str) -> list[tuple[str, str, str | None, str]]:
    _, events = app.customer_events(code)
    return [
        (e.item, e.role, e.previous, e.holder)
        for e in events
        if isinstance(e, ResponsibilityHandedOver)
    ]


def recorded(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


def test_a_reassignment_moves_what_was_held_at_every_customer(app: Ledger) -> None:
    codes = [register(app, f"Airport {n}", "airport", "staff.a") for n in range(3)]
    for code in codes[:2]:
        with_holdings(app, code, "staff.a")

    receipts = app.reassign_owner(
        c.ReassignOwner(actor="head.a", previous="staff.a", owner="staff.a2")
    )

    assert [(r.customer_code, [role for _, role in r.handed_over]) for r in receipts] == [
        (codes[0], ["opportunity", "commitment", "counterpart"]),
        (codes[1], ["opportunity", "commitment", "counterpart"]),
        (codes[2], []),
    ]
    for code in codes[:2]:
        assert moves(app, code) == [
            ("OP1", "opportunity", "staff.a", "staff.a2"),
            ("CM1", "commitment", "staff.a", "staff.a2"),
            ("P1", "counterpart", "staff.a", "staff.a2"),
        ]
        # The receipt names the OwnerAssigned, the moves follow it.
        _, events = app.customer_events(code)
        assert isinstance(events[receipts[0].version - 1], OwnerAssigned)


def test_a_reassignment_that_fails_at_one_customer_moves_nothing_anywhere(app: Ledger) -> None:
    register(app, "Airport", "airport", "li.wei")
    with_holdings(app, "C-00001", "li.wei")
    register(app, "Software", "technology", "li.wei")
    before = recorded(app)

    with pytest.raises(
        RuleViolationError, match=re.escape("staff.a is staff and works in segment airport")
    ):
        app.reassign_owner(c.ReassignOwner(actor="li.wei", previous="li.wei", owner="staff.a"))

    assert recorded(app) == before
    assert app.get_customer("C-00001").held_by("li.wei") != []


def old_style_handover(app: Ledger, code: str, owner: str) -> None:
    """A handover as recorded before a change of owner moved what was held."""
    customer: Customer = app.get_customer(code)
    meta = app.meta_for(c.AssignOwner(actor="li.wei", customer=code, owner=owner, reason="old"))
    customer._record(OwnerAssigned, meta, previous=customer.owner, owner=owner, reason="old")
    app.save(customer)


def test_the_repair_records_the_missed_moves_once(app: Ledger) -> None:
    register(app, "Airport", "airport", "staff.a")
    with_holdings(app, "C-00001", "staff.a")
    old_style_handover(app, "C-00001", "staff.a2")

    first = app.repair_holdings(c.RepairHoldings(actor="head.a", customer="C-00001"))
    before = recorded(app)
    second = app.repair_holdings(c.RepairHoldings(actor="head.a", customer="C-00001"))

    assert [(s.holding.item, s.why) for r in first for s in r.moved] == [
        ("OP1", "handed the customer over"),
        ("CM1", "handed the customer over"),
        ("P1", "handed the customer over"),
    ]
    assert moves(app, "C-00001") == [
        ("OP1", "opportunity", "staff.a", "staff.a2"),
        ("CM1", "commitment", "staff.a", "staff.a2"),
        ("P1", "counterpart", "staff.a", "staff.a2"),
    ]
    assert second == []
    assert recorded(app) == before


def test_a_repeated_repair_command_is_answered_as_already_recorded(app: Ledger) -> None:
    register(app, "Airport", "airport", "staff.a")
    with_holdings(app, "C-00001", "staff.a")
    old_style_handover(app, "C-00001", "staff.a2")
    command = c.RepairHoldings(actor="head.a", every=True)

    app.repair_holdings(command)
    again = app.repair_holdings(command)

    assert [(r.customer_code, r.replayed) for r in again] == [("C-00001", True)]
    assert len(moves(app, "C-00001")) == 3


def test_repairing_everything_moves_what_departed_staff_hold_in_the_callers_segment(
    app: Ledger,
) -> None:
    register(app, "Airport", "airport", "staff.a2")
    with_holdings(app, "C-00001", "chen.jie")  # an executive who never owned it
    register(app, "Software", "technology", "staff.b")
    app.add_key_person(
        c.AddKeyPerson(
            actor="staff.b",
            customer="C-00002",
            name="Zhou Min",
            decision_role="user",
            counterpart="staff.b",
        )
    )
    for leaver in ("chen.jie", "staff.b"):
        app.deactivate_staff(c.DeactivateStaff(actor="ops", staff=leaver, reason="left"))

    repaired = app.repair_holdings(c.RepairHoldings(actor="head.a", every=True))

    assert [(r.customer_code, len(r.moved), r.owner) for r in repaired] == [
        ("C-00001", 3, "staff.a2")
    ]
    assert moves(app, "C-00002") == []  # technology: head.b's to repair


def test_repairing_everything_reports_a_customer_whose_owner_has_left(app: Ledger) -> None:
    register(app, "Airport", "airport", "staff.a")
    with_holdings(app, "C-00001", "staff.a")
    app.deactivate_staff(c.DeactivateStaff(actor="ops", staff="staff.a", reason="left"))
    before = recorded(app)

    (result,) = app.repair_holdings(c.RepairHoldings(actor="head.a", every=True))

    assert result.refused.startswith("C-00001's owner staff.a is deactivated: hand the customer")
    assert recorded(app) == before


def test_staff_cannot_repair_handovers(app: Ledger) -> None:
    register(app, "Airport", "airport", "staff.a")
    before = recorded(app)

    with pytest.raises(
        AccessDeniedError, match=re.escape("staff.a is staff: past handovers are repaired")
    ):
        app.repair_holdings(c.RepairHoldings(actor="staff.a", customer="C-00001"))

    assert recorded(app) == before


def test_another_segments_customer_is_not_found_by_a_segment_head(app: Ledger) -> None:
    register(app, "Software", "technology", "staff.b")

    with pytest.raises(CustomerNotFoundError, match=re.escape("no customer 'C-00001'")):
        app.repair_holdings(c.RepairHoldings(actor="head.a", customer="C-00001"))


@pytest.mark.parametrize(
    ("counterpart", "message"),
    [
        ("nobody", "'nobody' is not a staff member: a counterpart must be one"),
        ("staff.b", "staff.b is staff and works in segment technology: a counterpart of a"),
        ("staff.a2", "staff.a2's account is deactivated: name an active counterpart"),
    ],
)
def test_a_counterpart_must_be_an_active_account_that_could_own_the_customer(
    app: Ledger, counterpart: str, message: str
) -> None:
    register(app, "Airport", "airport", "staff.a")
    app.add_key_person(
        c.AddKeyPerson(actor="staff.a", customer="C-00001", name="Li Na", decision_role="user")
    )
    app.deactivate_staff(c.DeactivateStaff(actor="ops", staff="staff.a2", reason="left"))
    before = recorded(app)

    with pytest.raises(RuleViolationError, match=re.escape(message)):
        app.add_key_person(
            c.AddKeyPerson(
                actor="staff.a",
                customer="C-00001",
                name="Wang Fang",
                decision_role="decision_maker",
                counterpart=counterpart,
            )
        )
    with pytest.raises(RuleViolationError, match=re.escape(message)):
        app.update_key_person(
            c.UpdateKeyPerson(
                actor="staff.a", customer="C-00001", case="P1", counterpart=counterpart
            )
        )

    assert recorded(app) == before
