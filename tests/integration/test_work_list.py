"""The work list (docs/domain.md, "Follow-through"): what each person owes as of a
moment, from every source, most urgent first, within what the caller may see.
On SQLite and PostgreSQL.

The story, as of Monday 6 April 2026 at noon (UTC): li.wei holds two promises to
Capital Airport Group (one late, one due on Thursday), a lead left without
follow-up since 2 March, and a visit planned for Wednesday; zhang.min, the
owner, holds a late promise and owes an answer to a complaint filed a week ago;
li.wei's other customer, registered in January, has never been contacted.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger import commands as c
from ledger.access import SEGMENT_HEAD, STAFF, Caller
from ledger.application import Ledger
from ledger.domain.work import AT_RISK, BREACHED, DUE, OVERDUE, WorkItem
from ledger.errors import AccessDeniedError, StaffNotFoundError
from ledger.storage import Storage
from projections.churn_scoring import ChurnPolicy
from projections.reader import Reader
from projections.views import Views
from tests.reading import reader
from tests.staffing import ADMIN

AS_OF = datetime(2026, 4, 6, 12, tzinfo=UTC)
MARCH = datetime(2026, 3, 1, 9, tzinfo=UTC)
VISIT_AT = datetime(2026, 4, 8, 10, tzinfo=UTC)
POLICY = ChurnPolicy()


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


def at(moment: datetime) -> dict[str, datetime]:
    return {"occurred_at": moment}


@pytest.fixture
def story(ledger_app: Ledger) -> dict[str, str]:
    app = ledger_app
    for staff_id, role in (("wu.lan", STAFF), ("he.tao", SEGMENT_HEAD)):
        app.add_staff(
            c.AddStaff(actor=ADMIN, staff=staff_id, name=staff_id, role=role, segment="airport")
        )
    airport = app.register_customer(
        c.RegisterCustomer(
            actor="li.wei", name="Capital Airport Group", segment="airport", owner="zhang.min",
            **at(MARCH),
        )
    ).customer_code  # fmt: skip
    quiet = app.register_customer(
        c.RegisterCustomer(
            actor="li.wei", name="Quiet Cargo", segment="airport", owner="li.wei",
            **at(datetime(2026, 1, 5, 9, tzinfo=UTC)),
        )
    ).customer_code  # fmt: skip

    def promise(actor: str, text: str, due: date) -> str:
        return app.make_commitment(
            c.MakeCommitment(
                actor=actor, customer=airport, description=text, due=due,
                **at(MARCH + timedelta(days=1)),
            )
        ).subject  # fmt: skip

    late = promise("li.wei", "Send the drawings", date(2026, 3, 20))
    soon = promise("li.wei", "Confirm the stands", date(2026, 4, 9))
    promise("li.wei", "Quarterly review", date(2026, 5, 30))
    owners = promise("zhang.min", "Book the meeting", date(2026, 4, 1))
    lead = app.create_lead(
        c.CreateLead(
            actor="li.wei", customer=airport, title="Cargo lounge",
            **at(datetime(2026, 3, 2, 10, tzinfo=UTC)),
        )
    ).subject  # fmt: skip
    visit = app.plan_visit(
        c.PlanVisit(
            actor="li.wei", customer=airport, planned_for=VISIT_AT, purpose="maintenance",
            kind="relationship_building", **at(AS_OF - timedelta(hours=3)),
        )
    ).subject  # fmt: skip
    app.plan_visit(
        c.PlanVisit(
            actor="li.wei", customer=airport, planned_for=VISIT_AT + timedelta(days=12),
            purpose="maintenance", kind="relationship_building", **at(AS_OF - timedelta(hours=3)),
        )
    )  # fmt: skip
    complaint = app.file_complaint(
        c.FileComplaint(
            actor="li.wei", customer=airport, category="service", description="Belt stopped",
            channel="phone", **at(datetime(2026, 3, 30, 10, tzinfo=UTC)),
        )
    ).subject  # fmt: skip
    return {
        "airport": airport,
        "quiet": quiet,
        "late": late,
        "soon": soon,
        "owners": owners,
        "lead": lead,
        "visit": visit,
        "complaint": complaint,
    }


def listed(items: list[WorkItem]) -> list[tuple[str, str, str, str]]:
    return [(item.kind, item.customer, item.item, item.state) for item in items]


def test_a_holder_is_owed_their_promises_follow_ups_visits_and_silent_customers_most_urgent_first(
    views: Views, story: dict[str, str]
) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="li.wei")

    s = story
    assert listed(items) == [
        ("silence", s["quiet"], "contact", OVERDUE),
        ("commitment", s["airport"], s["late"], BREACHED),
        ("follow-up", s["airport"], s["lead"], BREACHED),
        ("visit", s["airport"], s["visit"], DUE),
        ("commitment", s["airport"], s["soon"], AT_RISK),
    ]
    visit = items[3]
    assert (visit.due_at, visit.left, visit.name) == (
        VISIT_AT,
        timedelta(days=1, hours=22),
        "Capital Airport Group",
    )
    assert items[1].late_by == AS_OF - datetime(2026, 3, 21, tzinfo=UTC)
    assert {item.owed_by for item in items} == {"li.wei"}


def test_the_owner_owes_the_complaint_and_what_they_hold_themselves(
    views: Views, story: dict[str, str]
) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="zhang.min")

    assert listed(items) == [
        ("complaint", story["airport"], story["complaint"], BREACHED),
        ("commitment", story["airport"], story["owners"], BREACHED),
    ]
    sla = reader(views).sla_breaches(as_of=AS_OF, owner="zhang.min", kind="complaint")
    assert [(item.due_at, item.late) for item in sla] == [(items[0].due_at, items[0].late_by)]


def test_within_looks_further_ahead_for_commitments_only(
    views: Views, story: dict[str, str]
) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="li.wei", within=timedelta(days=60))

    commitments = [item.item for item in items if item.kind == "commitment"]
    assert len(commitments) == 3
    assert [item.item for item in items if item.kind == "visit"] == [story["visit"]]


def test_what_is_done_leaves_the_list(
    ledger_app: Ledger, views: Views, story: dict[str, str]
) -> None:
    airport = story["airport"]
    ledger_app.fulfil_commitment(
        c.FulfilCommitment(actor="li.wei", customer=airport, case=story["late"], **at(AS_OF))
    )
    ledger_app.log_follow_up(
        c.LogFollowUp(
            actor="li.wei", customer=airport, case=story["lead"], summary="Called",
            **at(AS_OF - timedelta(hours=1)),
        )
    )  # fmt: skip
    ledger_app.cancel_visit(
        c.CancelVisit(actor="li.wei", customer=airport, case=story["visit"], **at(AS_OF))
    )

    items = reader(views).work_list(POLICY, as_of=AS_OF + timedelta(minutes=1), owner="li.wei")

    assert listed(items) == [
        ("silence", story["quiet"], "contact", OVERDUE),
        ("commitment", airport, story["soon"], AT_RISK),
    ]


def test_a_change_of_owner_moves_the_old_owners_promises_to_the_new_owners_list(
    ledger_app: Ledger, views: Views, story: dict[str, str]
) -> None:
    ledger_app.assign_owner(
        c.AssignOwner(
            actor="li.wei", customer=story["airport"], owner="wang.fang", reason="rotation",
            **at(AS_OF - timedelta(hours=1)),
        )
    )  # fmt: skip

    moved = reader(views).work_list(POLICY, as_of=AS_OF, owner="wang.fang")
    left = reader(views).work_list(POLICY, as_of=AS_OF, owner="zhang.min")

    assert ("commitment", story["owners"]) in [(i.kind, i.item) for i in moved]
    # The complaint follows the customer's owner, as the SLA lists say.
    assert ("complaint", story["complaint"]) in [(i.kind, i.item) for i in moved]
    assert left == []


def test_a_segment_lists_everyones_work_there(views: Views, story: dict[str, str]) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, segment="airport")

    assert {item.owed_by for item in items} == {"li.wei", "zhang.min"}
    assert len(items) == 7
    assert [item.due_at for item in items if item.late] == sorted(
        item.due_at for item in items if item.late
    )


def as_caller(views: Views, staff_id: str, role: str) -> Reader:
    return Reader.for_caller(views, Caller(staff_id, role, "airport"))


def test_staff_may_ask_only_for_their_own_list(views: Views, story: dict[str, str]) -> None:
    staff = as_caller(views, "wu.lan", STAFF)

    assert staff.work_list(POLICY, as_of=AS_OF) == []
    for asked in ({"owner": "li.wei"}, {"segment": "airport"}):
        with pytest.raises(AccessDeniedError) as refused:
            staff.work_list(POLICY, as_of=AS_OF, **asked)  # type: ignore[arg-type]
        assert str(refused.value) == (
            "wu.lan is staff: a member of staff sees only their own work list"
        )


def test_a_segment_head_asks_within_their_segment(views: Views, story: dict[str, str]) -> None:
    head = as_caller(views, "he.tao", SEGMENT_HEAD)

    assert len(head.work_list(POLICY, as_of=AS_OF, segment="airport")) == 7
    with pytest.raises(AccessDeniedError) as other_segment:
        head.work_list(POLICY, as_of=AS_OF, segment="technology")
    assert str(other_segment.value) == "he.tao works in segment airport and sees no other"
    with pytest.raises(AccessDeniedError) as outside:
        head.work_list(POLICY, as_of=AS_OF, owner="li.wei")
    assert str(outside.value) == "he.tao works in segment airport: li.wei does not"
    with pytest.raises(StaffNotFoundError) as unknown:
        head.work_list(POLICY, as_of=AS_OF, owner="no.body")
    assert str(unknown.value) == "no staff member 'no.body': `ledger staff list` shows who there is"
