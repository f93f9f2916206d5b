"""Contact plans, stored, on both backends: `Ledger.plan_contact` records the
plan; the contact-plan view lists key people past their next contact date for a
counterpart or a segment, within what the caller may see, as the domain's rule
says (docs/domain.md, "Follow-through"), corrections included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.access import Caller
from ledger.application import Ledger
from ledger.domain.events import ContactPlanSet
from ledger.errors import RuleViolationError
from ledger.storage import Storage
from projections.contact_plan import PlannedContact
from projections.reader import Reader
from projections.views import Views

TZ = ZoneInfo("Asia/Shanghai")
OWNER = Caller("own.a", "staff", "airport")
NEWCOMER = Caller("new.b", "staff", "airport")
RAIL = Caller("rail.c", "staff", "rail")
HEAD = Caller("head.d", "segment_head", "airport")
BOSS = Caller("boss", "executive", None)
TODAY = date(2026, 4, 1)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T10:00:00+08:00").astimezone(UTC)


@pytest.fixture
def app(storage: Storage) -> Iterator[Ledger]:
    app = Ledger(env=storage.env)
    app.add_staff(c.AddStaff(actor="ops", staff="ops", name="Operations", role="admin"))
    for caller in (BOSS, OWNER, NEWCOMER, RAIL, HEAD):
        app.add_staff(
            c.AddStaff(
                actor="ops",
                staff=caller.staff_id,
                name=caller.staff_id,
                role=caller.role,
                segment=caller.segment,
            )
        )
    app.register_customer(
        c.RegisterCustomer(
            actor="boss", name="Capital Airport", segment="airport", owner="own.a",
            occurred_at=at("2026-01-02"),
        )
    )  # fmt: skip
    for name, role in (("Wang Fang", "decision_maker"), ("Liu Yang", "user")):
        app.add_key_person(
            c.AddKeyPerson(
                actor="own.a", customer="C-00001", name=name, decision_role=role,
                occurred_at=at("2026-01-02"),
            )
        )  # fmt: skip
    yield app
    app.close()


@pytest.fixture
def views(app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(app, storage)
    yield views
    views.close()


def plan(app: Ledger, person: str, day: str, **fields: object) -> None:
    app.plan_contact(
        c.PlanContact(actor="own.a", customer="C-00001", case=person, occurred_at=at(day), **fields)
    )


def contact(app: Ledger, day: str, *people: str) -> int:
    receipt = app.log_contact(
        c.LogContact(
            actor="own.a", customer="C-00001", channel="phone", direction="outbound",
            people=list(people), summary="Call", occurred_at=at(day),
        )
    )  # fmt: skip
    return receipt.version


def due(
    views: Views,
    caller: Caller = BOSS,
    *,
    until: date | None = None,
    counterpart: str | None = None,
    segment: str | None = None,
) -> list[tuple[str, date, int]]:
    found: list[PlannedContact] = Reader.for_caller(views, caller).contacts_due(
        tz=TZ, today=TODAY, until=until, counterpart=counterpart, segment=segment
    )
    return [(p.person_id, p.next_contact, p.overdue_days) for p in found]


def test_a_plan_is_recorded_in_the_customers_stream(app: Ledger) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30, next_contact=date(2026, 2, 1))

    _, events = app.customer_events("C-00001")
    planned = events[-1]
    assert isinstance(planned, ContactPlanSet)
    assert (planned.person_id, planned.counterpart, planned.every_days, planned.next_contact) == (
        "P1",
        "own.a",
        30,
        "2026-02-01",
    )
    assert app.get_customer("C-00001").people["P1"]["counterpart"] == "own.a"


def test_a_counterpart_must_be_able_to_see_the_customer(app: Ledger) -> None:
    with pytest.raises(RuleViolationError, match="a counterpart of a customer in airport"):
        plan(app, "P1", "2026-01-05", counterpart="rail.c", every_days=30)


def test_people_past_their_date_are_listed_most_overdue_first(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    plan(app, "P2", "2026-01-05", counterpart="own.a", every_days=90)
    contact(app, "2026-02-10", "P1")
    contact(app, "2026-03-01", "P2")

    # P1: 10 February + 30 days = 12 March; P2: 1 March + 90 days, not yet due.
    assert due(views) == [("P1", date(2026, 3, 12), 20)]


def test_a_contact_that_does_not_involve_the_person_moves_nothing(
    app: Ledger, views: Views
) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30, next_contact=date(2026, 2, 1))
    contact(app, "2026-03-20", "P2")
    contact(app, "2026-03-21")

    assert due(views) == [("P1", date(2026, 2, 1), 59)]


def test_a_visit_that_met_the_person_moves_the_date_on(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    app.report_visit(
        c.ReportVisit(
            actor="own.a", customer="C-00001", purpose="maintenance", kind="relationship_building",
            people_met=["P1"], summary="Walked the site", outcome="A",
            occurred_at=at("2026-03-15"),
        )
    )  # fmt: skip

    assert due(views, until=date(2026, 4, 30)) == [("P1", date(2026, 4, 14), 0)]


def test_correcting_who_a_contact_involved_moves_the_date_back(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    version = contact(app, "2026-03-20", "P1")
    assert due(views) == []

    app.record_correction(
        c.RecordCorrection(
            actor="own.a", customer="C-00001", version=version, reason="it was Liu Yang",
            changes={"people": "P2"},
        )
    )  # fmt: skip

    assert due(views) == [("P1", date(2026, 1, 5), 86)]


def test_correcting_when_a_contact_happened_moves_the_date(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    version = contact(app, "2026-03-20", "P1")

    app.record_correction(
        c.RecordCorrection(
            actor="own.a", customer="C-00001", version=version, reason="typo",
            changes={"occurred_at": "2026-02-20T10:00:00+08:00"},
        )
    )  # fmt: skip

    assert due(views) == [("P1", date(2026, 3, 22), 10)]


def test_the_list_narrows_to_a_counterpart_or_a_segment(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    plan(app, "P2", "2026-01-05", counterpart="head.d", every_days=30)

    assert due(views, counterpart="own.a") == [("P1", date(2026, 1, 5), 86)]
    assert due(views, counterpart="head.d") == [("P2", date(2026, 1, 5), 86)]
    assert due(views, segment="rail") == []
    assert len(due(views, segment="airport")) == 2


def test_the_list_shows_only_customers_the_caller_may_see(app: Ledger, views: Views) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)

    assert [len(due(views, caller)) for caller in (OWNER, HEAD, BOSS)] == [1, 1, 1]
    # Staff of the segment who never worked on the customer, and other segments.
    assert due(views, NEWCOMER) == []
    assert due(views, RAIL) == []


def test_people_who_left_and_customers_we_no_longer_serve_are_owed_nothing(
    app: Ledger, views: Views
) -> None:
    plan(app, "P1", "2026-01-05", counterpart="own.a", every_days=30)
    plan(app, "P2", "2026-01-05", counterpart="own.a", every_days=30)
    app.record_person_left(c.RecordPersonLeft(actor="own.a", customer="C-00001", case="P2"))
    assert [p for p, *_ in due(views)] == ["P1"]

    app.terminate_relationship(
        c.TerminateRelationship(
            actor="head.d", customer="C-00001", reason="tender lost", root_cause="price",
            head_office_ref="HO-1",
        )
    )  # fmt: skip
    assert due(views) == []
