"""Departures (issue 5 §4): a deactivated owner's customers must be handed to an
active owner within one working day, or they are SLA breaches; `owner reassign`
hands them all over at once.

Staff member staff.a owns C-00001 and C-00002 (airport); staff.b owns C-00003
(technology). staff.a leaves on Friday 2026-11-20 at 16:30: one working day of
8 business hours (09:00-12:00, 13:00-18:00) later is Monday 2026-11-23 16:30.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.events import OwnerAssigned
from ledger.storage import resolve
from tests.e2e.conftest import LedgerCli, assert_refused

LEFT_AT = "2026-11-20T16:30"
# Before the departure: a handover is never dated before the customer was registered.
REGISTERED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DUE = "2026-11-23T16:30:00+00:00"

ACCOUNTS = (
    ("boss", "executive", None),
    ("head.a", "segment_head", "airport"),
    ("staff.a", "staff", "airport"),
    ("staff.a2", "staff", "airport"),
    ("head.b", "segment_head", "technology"),
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
        for name, segment, owner in (
            ("Capital Airport", "airport", "staff.a"),
            ("Baiyun Cargo", "airport", "staff.a"),
            ("Zhongguancun Soft", "technology", "staff.b"),
        ):
            app.register_customer(
                c.RegisterCustomer(
                    actor="boss", name=name, segment=segment, owner=owner, occurred_at=REGISTERED
                )
            )
    finally:
        app.close()
    return LedgerCli(db=db_url, staffed=False)


def rows(cli: LedgerCli, *args: str, actor: str = "boss") -> list[dict[str, str]]:
    result = cli.run(*args, "--format", "csv", actor=actor)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def handover_breaches(cli: LedgerCli, as_of: str, actor: str = "boss") -> list[dict[str, str]]:
    return rows(cli, "sla", "breaches", "--kind", "handover", "--as-of", as_of, actor=actor)


def leave(cli: LedgerCli, staff_id: str = "staff.a") -> str:
    result = cli.run(
        "staff", "deactivate", staff_id, "--reason", "left", "--at", LEFT_AT, actor="ops"
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_deactivating_lists_the_customers_left_to_hand_over(cli: LedgerCli) -> None:
    assert leave(cli) == (
        "Account deactivated: staff.a, version 2.\n"
        "staff.a owned 2 customer(s), to hand to an active owner within one working day: "
        "C-00001, C-00002\n"
        "  e.g. ledger owner reassign --from staff.a --to STAFF\n"
    )


def test_customers_not_handed_over_within_one_working_day_are_breaches(cli: LedgerCli) -> None:
    leave(cli)
    assert handover_breaches(cli, "2026-11-23T16:29") == []
    at_risk = rows(cli, "sla", "at-risk", "--kind", "handover", "--as-of", "2026-11-23T15:00")
    assert [(r["customer"], r["left"]) for r in at_risk] == [
        ("C-00001", "1h 30m working"),
        ("C-00002", "1h 30m working"),
    ]
    late = handover_breaches(cli, "2026-11-23T16:31")
    assert [
        (r["customer"], r["kind"], r["owner"], r["due"], r["late"], r["status"]) for r in late
    ] == [
        ("C-00001", "handover", "staff.a", DUE, "0h 01m working", "open"),
        ("C-00002", "handover", "staff.a", DUE, "0h 01m working", "open"),
    ]


def test_customers_handed_over_in_time_are_no_breach(cli: LedgerCli) -> None:
    leave(cli)
    result = cli.run(
        "owner",
        "reassign",
        "--from",
        "staff.a",
        "--to",
        "staff.a2",
        "--at",
        "2026-11-23T10:00",
        actor="head.a",
    )
    assert result.exit_code == 0, result.output
    assert "Reassigned 2 customer(s) from staff.a to staff.a2." in result.stdout
    assert handover_breaches(cli, "2026-11-25T12:00") == []


def test_a_late_handover_stays_a_breach_once_done(cli: LedgerCli) -> None:
    leave(cli)
    cli.run(
        "owner",
        "assign",
        "C-00001",
        "--to",
        "staff.a2",
        "--reason",
        "departure",
        "--at",
        "2026-11-23T17:00",
        actor="head.a",
    )
    cli.run(
        "owner",
        "assign",
        "C-00002",
        "--to",
        "staff.a2",
        "--reason",
        "departure",
        "--at",
        "2026-11-23T11:00",
        actor="head.a",
    )
    late = handover_breaches(cli, "2026-11-24T12:00")
    assert [(r["customer"], r["late"], r["status"]) for r in late] == [
        ("C-00001", "0h 30m working", "closed")
    ]


def test_reactivating_the_account_stops_the_clock(cli: LedgerCli) -> None:
    leave(cli)
    cli.run(
        "staff",
        "reactivate",
        "staff.a",
        "--reason",
        "stays after all",
        "--at",
        "2026-11-23T09:30",
        actor="ops",
    )
    assert handover_breaches(cli, "2026-11-30T12:00") == []


def test_reassign_moves_every_customer_in_one_event_each(cli: LedgerCli) -> None:
    leave(cli)
    before = cli.events_recorded()
    cli.run("owner", "reassign", "--from", "staff.a", "--to", "head.a", actor="boss")
    assert cli.events_recorded() == before + 2
    for code in ("C-00001", "C-00002"):
        event = cli.recorded(code, OwnerAssigned)
        assert (event.previous, event.owner) == ("staff.a", "head.a")
    again = cli.run("owner", "reassign", "--from", "staff.a", "--to", "head.a", actor="boss")
    assert again.stdout == "staff.a owns no customers you can reassign; nothing was written.\n"
    assert cli.events_recorded() == before + 2


def test_a_segment_head_reassigns_only_their_own_segments_customers(cli: LedgerCli) -> None:
    leave(cli, "staff.b")
    before = cli.events_recorded()
    result = cli.run("owner", "reassign", "--from", "staff.b", "--to", "head.a", actor="head.a")
    assert result.stdout == "staff.b owns no customers you can reassign; nothing was written.\n"
    assert cli.events_recorded() == before


def test_reassigning_to_an_owner_who_cannot_own_them_moves_none(cli: LedgerCli) -> None:
    leave(cli)
    before = cli.events_recorded()
    result = cli.run("owner", "reassign", "--from", "staff.a", "--to", "staff.b", actor="boss")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: staff.b is staff and works in segment technology")
    assert cli.events_recorded() == before


def test_staff_see_only_their_own_customers_breaches(cli: LedgerCli) -> None:
    leave(cli)
    assert handover_breaches(cli, "2026-11-24T12:00", actor="staff.b") == []
    assert len(handover_breaches(cli, "2026-11-24T12:00", actor="head.a")) == 2
    assert handover_breaches(cli, "2026-11-24T12:00", actor="head.b") == []


def test_reassigning_from_a_name_no_account_has_is_refused(cli: LedgerCli) -> None:
    leave(cli)
    before = cli.events_recorded()

    result = cli.run("owner", "reassign", "--from", "staf.a", "--to", "head.a", actor="boss")

    assert_refused(result, "no staff member 'staf.a': `ledger staff list` shows who there is")
    assert cli.events_recorded() == before


def test_staff_cannot_reassign_customers(cli: LedgerCli) -> None:
    leave(cli)
    before = cli.events_recorded()
    result = cli.run("owner", "reassign", "--from", "staff.a", "--to", "staff.a2", actor="staff.a2")
    assert (result.exit_code, result.stderr, result.stdout) == (
        1,
        "Error: staff.a2 is staff: owners are assigned by segment heads and executives\n",
        "",
    )
    assert cli.events_recorded() == before
