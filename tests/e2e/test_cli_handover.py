"""Handover moves everything (docs/domain.md, "Follow-through"): `owner assign` and
`owner reassign` say what moved with each customer, `owner repair` records the
moves past handovers missed, `person add|update --counterpart` names an active
account, and `brief` and `customer show` warn about anything still held by
someone no longer responsible. On each backend.

staff.a owns C-00001 (airport) and holds its lead OP1, its promise CM1 and the
counterpart role of Wang Fang (P1); staff.a2 is Li Na's (P2) counterpart."""

from __future__ import annotations

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.storage import resolve
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error

ACCOUNTS = (
    ("boss", "executive", None),
    ("head.a", "segment_head", "airport"),
    ("staff.a", "staff", "airport"),
    ("staff.a2", "staff", "airport"),
    ("staff.b", "staff", "technology"),
)


@pytest.fixture
def cli(db_url: str) -> LedgerCli:
    app = Ledger(env=resolve(db_url, environ={}).env)
    try:
        app.add_staff(c.AddStaff(actor="ops", staff="ops", name="Operations", role="admin"))
        for staff_id, role, segment in ACCOUNTS:
            app.add_staff(
                c.AddStaff(actor="ops", staff=staff_id, name=staff_id, role=role, segment=segment)
            )
        app.register_customer(
            c.RegisterCustomer(
                actor="boss", name="Capital Airport", segment="airport", owner="staff.a"
            )
        )
        app.create_lead(c.CreateLead(actor="staff.a", customer="C-00001", title="Cargo lounge"))
        app.make_commitment(
            c.MakeCommitment(actor="staff.a", customer="C-00001", description="Price list")
        )
        for name, counterpart in (("Wang Fang", "staff.a"), ("Li Na", "staff.a2")):
            app.add_key_person(
                c.AddKeyPerson(
                    actor="staff.a",
                    customer="C-00001",
                    name=name,
                    decision_role="decision_maker",
                    counterpart=counterpart,
                )
            )
    finally:
        app.close()
    return LedgerCli(db=db_url, staffed=False)


def said(output: str) -> str:
    """The output with its line wrapping undone."""
    return " ".join(output.split())


def test_a_handover_says_what_moved_with_the_customer(cli: LedgerCli) -> None:
    output = cli.ok_as(
        "head.a", "owner", "assign", "C-00001", "--to", "staff.a2", "--reason", "staff.a leaves"
    )

    assert output == (
        "Owner assigned: C-00001 (Capital Airport), version 6.\n"
        "C-00001 handed to staff.a2, with 1 opportunity, 1 commitment and 1 counterpart role.\n"
    )


def test_a_reassignment_says_what_moved_with_each_customer(cli: LedgerCli) -> None:
    output = cli.ok_as("head.a", "owner", "reassign", "--from", "staff.a", "--to", "staff.a2")

    assert output == (
        "  C-00001 (Capital Airport), version 6, with 1 opportunity, 1 commitment and "
        "1 counterpart role\n"
        "Reassigned 1 customer(s) from staff.a to staff.a2.\n"
    )


def test_the_brief_and_the_360_warn_about_a_departed_counterpart(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a2", "--reason", "left")
    warning = (
        "Warning: P2 Li Na's counterpart is staff.a2, who is deactivated: "
        "run `ledger owner repair C-00001`"
    )

    assert warning in said(cli.ok_as("head.a", "brief", "C-00001"))
    assert warning in cli.ok_as("head.a", "customer", "show", "C-00001")


def test_the_brief_names_who_holds_each_promise_and_opportunity(cli: LedgerCli) -> None:
    brief = said(cli.ok_as("head.a", "brief", "C-00001"))

    assert "CM1: Price list, due " in brief
    assert ", held by staff.a; promised" in brief
    assert "stage lead, last follow-up" in brief
    assert "Warning" not in brief


def test_the_360_warns_about_an_owner_who_has_left(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a", "--reason", "left")

    shown = cli.ok_as("head.a", "customer", "show", "C-00001")

    # What the departed owner holds is said once, in the owner's warning.
    assert [line for line in shown.splitlines() if line.startswith("Warning")] == [
        "Warning: the owner staff.a is deactivated: hand the customer to an active owner "
        "(`ledger owner reassign --from staff.a --to STAFF`), which moves what staff.a holds "
        "with it (1 opportunity, 1 commitment and 1 counterpart role)"
    ]


def test_the_repair_lists_then_records_the_missed_moves_once(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a2", "--reason", "left")
    written = cli.events_recorded()

    dry = cli.ok_as("head.a", "owner", "repair", "C-00001", "--dry-run")
    assert cli.events_recorded() == written
    done = cli.ok_as("head.a", "owner", "repair", "C-00001")
    again = cli.ok_as("head.a", "owner", "repair", "--all")

    assert dry == (
        "  C-00001/P2 counterpart: staff.a2 is deactivated; would move to staff.a\n"
        "1 item(s) would move; nothing was written (drop --dry-run to record).\n"
    )
    assert done == (
        "  C-00001/P2 counterpart: staff.a2 is deactivated; moved to staff.a\n"
        "Recorded 1 move(s) at 1 customer(s).\n"
    )
    assert again == (
        "Nothing to repair at the customers you manage: nothing is held by anyone no "
        "longer responsible.\n"
    )
    assert cli.events_recorded() == written + 1
    assert "Warning" not in cli.ok_as("head.a", "brief", "C-00001")


def test_a_repair_repeated_with_its_command_id_writes_nothing(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a2", "--reason", "left")
    cli.ok_as("head.a", "owner", "repair", "C-00001", "--command-id", "fix-1")

    output = cli.ok_as("head.a", "owner", "repair", "C-00001", "--command-id", "fix-1")

    assert output == "  C-00001: already recorded\nAlready recorded; nothing new was written.\n"


def test_staff_cannot_repair(cli: LedgerCli) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "repair", "C-00001", actor="staff.a")

    assert_refused(
        result, "staff.a is staff: past handovers are repaired by segment heads and executives"
    )
    assert cli.events_recorded() == written


def test_the_repair_of_a_customer_whose_owner_left_is_refused(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a", "--reason", "left")
    written = cli.events_recorded()

    result = cli.run("owner", "repair", "C-00001", actor="head.a")

    assert_refused(
        result,
        "C-00001's owner staff.a is deactivated: hand the customer to an active owner first "
        "(`ledger owner reassign --from staff.a --to STAFF`), which moves what is held with it",
    )
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name a customer (e.g. C-00012), or give --all"),
        (("C-00001", "--all"), "name one customer or give --all, not both"),
    ],
)
def test_the_repair_needs_one_customer_or_all(
    cli: LedgerCli, args: tuple[str, ...], message: str
) -> None:
    result = cli.run("owner", "repair", *args, actor="head.a")

    assert_usage_error(result, message, "owner repair")


@pytest.mark.parametrize(
    ("counterpart", "message"),
    [
        (
            "nobody",
            "'nobody' is not a staff member: a counterpart must be one "
            "(`ledger staff list` shows them)",
        ),
        (
            "staff.b",
            "staff.b is staff and works in segment technology: a counterpart of a customer in "
            "airport must be staff or head of airport, or an executive",
        ),
    ],
)
def test_a_counterpart_must_be_an_account_that_could_own_the_customer(
    cli: LedgerCli, counterpart: str, message: str
) -> None:
    written = cli.events_recorded()

    added = cli.run(
        "person", "add", "C-00001", "--name", "Zhou Min", "--role", "user",
        "--counterpart", counterpart, actor="staff.a",
    )  # fmt: skip
    updated = cli.run(
        "person", "update", "C-00001/P1", "--counterpart", counterpart, actor="staff.a"
    )

    assert_refused(added, message)
    assert_refused(updated, message)
    assert cli.events_recorded() == written


def test_a_departed_counterpart_cannot_be_named(cli: LedgerCli) -> None:
    cli.ok_as("ops", "staff", "deactivate", "staff.a2", "--reason", "left")
    written = cli.events_recorded()

    result = cli.run("person", "update", "C-00001/P1", "--counterpart", "staff.a2", actor="staff.a")

    assert_refused(result, "staff.a2's account is deactivated: name an active counterpart")
    assert cli.events_recorded() == written
