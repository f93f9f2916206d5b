"""The work list (docs/domain.md, "Follow-through"): what each person owes as of a
moment, from every source, most urgent first, within what the caller may see.
On SQLite and PostgreSQL.

The story, as of Monday 6 April 2026 at noon (UTC): li.wei holds two promises to
Capital Airport Group (one late, one due on Thursday), a lead left without
follow-up since 2 March, and a visit planned for Wednesday; zhang.min, the
owner, holds a late promise and owes an answer to a complaint filed a week ago;
li.wei's other customer, registered in January, has never been contacted.
he.tao, head of the airport segment since 1 March, has not submitted March's
summaries, due by the end of 5 April.
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
from projections.work_view import WorkItems
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
            c.AddStaff(
                actor=ADMIN, staff=staff_id, name=staff_id, role=role, segment="airport",
                **at(datetime(2026, 3, 1, 8, tzinfo=UTC)),
            )
        )  # fmt: skip
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

    assert {item.owed_by for item in items} == {"li.wei", "zhang.min", "he.tao"}
    assert len(items) == 9
    late = [item.due_at for item in items if item.late and item.due_at is not None]
    assert late == sorted(late)


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

    assert len(head.work_list(POLICY, as_of=AS_OF, segment="airport")) == 9
    with pytest.raises(AccessDeniedError) as other_segment:
        head.work_list(POLICY, as_of=AS_OF, segment="technology")
    assert str(other_segment.value) == "he.tao works in segment airport and sees no other"
    with pytest.raises(AccessDeniedError) as outside:
        head.work_list(POLICY, as_of=AS_OF, owner="li.wei")
    assert str(outside.value) == "he.tao works in segment airport: li.wei does not"
    with pytest.raises(StaffNotFoundError) as unknown:
        head.work_list(POLICY, as_of=AS_OF, owner="no.body")
    assert str(unknown.value) == "no staff member 'no.body': `ledger staff list` shows who there is"


# ------------------------------------------------ the sources of follow-through
@pytest.fixture
def follow_through(ledger_app: Ledger, story: dict[str, str]) -> dict[str, str]:
    """On top of the story: at Capital Airport Group, Ma Jun (wu.lan's to contact)
    was due for contact on 3 April and Lin Na is due on 10 April; a visit on 10 March
    left two problems pending, one handled since; li.wei withdrew the quarterly
    review he promised."""
    app, airport = ledger_app, story["airport"]

    def person(name: str, next_contact: date) -> str:
        found = app.add_key_person(
            c.AddKeyPerson(
                actor="li.wei", customer=airport, name=name, decision_role="advisor",
                counterpart="wu.lan", **at(MARCH),
            )
        ).subject  # fmt: skip
        app.plan_contact(
            c.PlanContact(
                actor="li.wei", customer=airport, case=found, every_days=30,
                next_contact=next_contact, **at(MARCH),
            )
        )  # fmt: skip
        return found

    ma = person("Ma Jun", date(2026, 4, 3))
    lin = person("Lin Na", date(2026, 4, 10))
    person("Far Off", date(2026, 5, 20))
    app.report_visit(
        c.ReportVisit(
            actor="li.wei", customer=airport, purpose="maintenance",
            kind="relationship_building", summary="Walked the apron", outcome="C",
            problems_pending=["Belt noise at gate 3", "Slow invoices"],
            **at(datetime(2026, 3, 10, 9, tzinfo=UTC)),
        )
    )  # fmt: skip
    app.handle_problem(
        c.HandleProblem(
            actor="zhang.min", customer=airport, case="PB2", note="Invoices on time now",
            **at(datetime(2026, 3, 20, 9, tzinfo=UTC)),
        )
    )  # fmt: skip
    return {**story, "ma": ma, "lin": lin}


def test_key_people_due_for_contact_are_owed_by_their_counterpart(
    views: Views, follow_through: dict[str, str]
) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="wu.lan")

    s = follow_through
    assert listed(items) == [
        ("contact", s["airport"], s["ma"], OVERDUE),
        ("contact", s["airport"], s["lin"], DUE),
    ]
    ma, lin = items
    # Due by the end of the planned day: late from the day after.
    assert ma.late_by == AS_OF - datetime(2026, 4, 4, tzinfo=UTC)
    assert lin.left == datetime(2026, 4, 11, tzinfo=UTC) - AS_OF
    assert ma.text == "contact Ma Jun (advisor), every 30d"
    assert {item.owed_by for item in items} == {"wu.lan"}


def test_open_problems_are_owed_by_the_owner_and_follow_a_change_of_owner(
    ledger_app: Ledger, views: Views, follow_through: dict[str, str]
) -> None:
    owners = reader(views).work_list(POLICY, as_of=AS_OF, owner="zhang.min")

    problems = [item for item in owners if item.kind == "problem"]
    assert listed(problems) == [("problem", follow_through["airport"], "PB1", DUE)]
    belt = problems[0]
    assert (belt.due_at, belt.text, belt.owed_by) == (None, "Belt noise at gate 3", "zhang.min")
    assert belt.open_for == AS_OF - datetime(2026, 3, 10, 9, tzinfo=UTC)
    # Work with no due time comes after everything that has one.
    assert owners[-1] == belt

    ledger_app.assign_owner(
        c.AssignOwner(
            actor="li.wei", customer=follow_through["airport"], owner="wang.fang",
            reason="rotation", **at(AS_OF - timedelta(hours=1)),
        )
    )  # fmt: skip

    def owed(owner: str) -> list[str]:
        return [i.item for i in reader(views).work_list(POLICY, as_of=AS_OF, owner=owner)]

    assert "PB1" in owed("wang.fang")
    assert "PB1" not in owed("zhang.min")


def test_a_problem_handled_or_a_commitment_withdrawn_leaves_the_list(
    ledger_app: Ledger, views: Views, follow_through: dict[str, str]
) -> None:
    airport = follow_through["airport"]
    ledger_app.handle_problem(
        c.HandleProblem(actor="zhang.min", customer=airport, case="PB1", note="Belt replaced")
    )
    ledger_app.withdraw_commitment(
        c.WithdrawCommitment(
            actor="li.wei", customer=airport, case=follow_through["soon"], reason="Not needed"
        )
    )

    owners = reader(views).work_list(POLICY, as_of=AS_OF, owner="zhang.min")
    holders = reader(views).work_list(POLICY, as_of=AS_OF, owner="li.wei")

    assert [i.item for i in owners if i.kind == "problem"] == []
    assert follow_through["soon"] not in [i.item for i in holders]


def test_a_segment_head_owes_the_months_summaries(views: Views, story: dict[str, str]) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="he.tao")

    assert [(i.kind, i.item, i.state, i.customer) for i in items] == [
        ("summary", "airport/2026-03/cases", BREACHED, ""),
        ("summary", "airport/2026-03/visits", BREACHED, ""),
    ]
    assert items[0].due_at == datetime(2026, 4, 6, tzinfo=UTC)
    assert items[0].text == "submit the cases summary of airport for 2026-03"


MAY_DUE = datetime(2026, 5, 1, tzinfo=UTC)  # the end of Thursday 30 April
LATE_APRIL = datetime(2026, 4, 27, 12, tzinfo=UTC)


def submit_may_plan(app: Ledger, customer: str) -> None:
    app.submit_visit_plan(
        c.SubmitVisitPlan(
            actor="wu.lan", month="2026-05",
            visits=[
                c.PlannedVisit(customer=customer, purpose="maintenance", day=date(2026, 5, 12))
            ],
            occurred_at=datetime(2026, 4, 20, 9, tzinfo=UTC),
        )
    )  # fmt: skip


def test_next_months_visit_plan_is_owed_once_due_within_the_window(
    views: Views, story: dict[str, str]
) -> None:
    early = reader(views).work_list(POLICY, as_of=AS_OF, owner="wu.lan")
    items = reader(views).work_list(POLICY, as_of=LATE_APRIL, owner="wu.lan")

    assert [i.kind for i in early] == []
    assert [(i.kind, i.item, i.state, i.due_at) for i in items] == [
        ("visit plan", "wu.lan/2026-05", DUE, MAY_DUE)
    ]
    assert items[0].text == "submit the visit plan for 2026-05"


def test_a_submitted_plan_awaits_the_segment_heads_review_and_a_returned_one_is_owed_again(
    ledger_app: Ledger, views: Views, story: dict[str, str]
) -> None:
    depot = ledger_app.register_customer(
        c.RegisterCustomer(
            actor="wu.lan", name="Wu's Depot", segment="airport", owner="wu.lan", **at(MARCH)
        )
    ).customer_code
    submit_may_plan(ledger_app, depot)

    planner = reader(views).work_list(POLICY, as_of=LATE_APRIL, owner="wu.lan")
    head = reader(views).work_list(POLICY, as_of=LATE_APRIL, owner="he.tao")
    assert "visit plan" not in [i.kind for i in planner]
    review = [i for i in head if i.kind == "plan review"]
    assert [(i.item, i.state, i.due_at, i.owed_by) for i in review] == [
        ("wu.lan/2026-05", DUE, None, "he.tao")
    ]
    assert review[0].open_for == LATE_APRIL - datetime(2026, 4, 20, 9, tzinfo=UTC)

    ledger_app.return_visit_plan(
        c.ReturnVisitPlan(
            actor="he.tao", owner="wu.lan", month="2026-05", reason="Visit Capital too",
            occurred_at=datetime(2026, 4, 21, 9, tzinfo=UTC),
        )
    )  # fmt: skip
    planner = reader(views).work_list(POLICY, as_of=AS_OF, owner="wu.lan")
    head = reader(views).work_list(POLICY, as_of=LATE_APRIL, owner="he.tao")
    assert [(i.kind, i.text) for i in planner if i.kind == "visit plan"] == [
        ("visit plan", "submit again the visit plan for 2026-05: returned by he.tao, "
         "Visit Capital too"),
    ]  # fmt: skip
    assert "plan review" not in [i.kind for i in head]


def test_every_kind_in_one_segment_list_in_the_one_order(
    views: Views, follow_through: dict[str, str]
) -> None:
    items = reader(views).work_list(POLICY, as_of=AS_OF, segment="airport")

    kinds = {item.kind for item in items}
    assert kinds == {
        "silence", "commitment", "follow-up", "visit", "complaint", "contact", "problem",
        "summary",
    }  # fmt: skip
    late = [i for i in items if i.late]
    dated = [i for i in items if not i.late and i.due_at is not None]
    undated = [i for i in items if i.due_at is None]
    assert items == late + dated + undated
    assert [i.due_at for i in late] == sorted(i.due_at for i in late if i.due_at is not None)
    assert [i.due_at for i in dated] == sorted(i.due_at for i in dated if i.due_at is not None)


def test_staff_see_only_their_own_plans_and_customers_in_sight(
    ledger_app: Ledger, views: Views, follow_through: dict[str, str]
) -> None:
    staff = as_caller(views, "wu.lan", STAFF)

    mine = staff.work_list(POLICY, as_of=AS_OF)

    # wu.lan is Ma Jun's counterpart but may not see Capital Airport Group (neither
    # owner nor having worked on it): what is owed there is not shown to them.
    assert mine == []


def test_a_resubmitted_plan_takes_the_visits_it_drops_off_the_visitors_list(
    ledger_app: Ledger, views: Views, story: dict[str, str]
) -> None:
    depot = ledger_app.register_customer(
        c.RegisterCustomer(
            actor="wu.lan", name="Wu's Depot", segment="airport", owner="wu.lan", **at(MARCH)
        )
    ).customer_code
    submit_may_plan(ledger_app, depot)
    ledger_app.return_visit_plan(
        c.ReturnVisitPlan(
            actor="he.tao", owner="wu.lan", month="2026-05", reason="Later in the month",
            occurred_at=datetime(2026, 4, 21, 9, tzinfo=UTC),
        )
    )  # fmt: skip
    ledger_app.submit_visit_plan(
        c.SubmitVisitPlan(
            actor="wu.lan", month="2026-05",
            visits=[c.PlannedVisit(customer=depot, purpose="maintenance", day=date(2026, 5, 14))],
            occurred_at=datetime(2026, 4, 22, 9, tzinfo=UTC),
        )
    )  # fmt: skip

    items = reader(views).work_list(
        POLICY, as_of=datetime(2026, 5, 8, 12, tzinfo=UTC), owner="wu.lan"
    )

    assert [(i.item, i.due_at and i.due_at.date()) for i in items if i.kind == "visit"] == [
        ("V2", date(2026, 5, 14))
    ]


def test_a_later_visit_report_that_lists_a_problem_handled_settles_it(
    ledger_app: Ledger, views: Views, follow_through: dict[str, str]
) -> None:
    ledger_app.report_visit(
        c.ReportVisit(
            actor="li.wei", customer=follow_through["airport"], purpose="maintenance",
            kind="problem_handling", summary="Fixed", outcome="B",
            problems_handled=["belt noise at gate 3."], problems_pending=["Dusty lounge"],
            **at(datetime(2026, 4, 1, 9, tzinfo=UTC)),
        )
    )  # fmt: skip

    items = reader(views).work_list(POLICY, as_of=AS_OF, owner="zhang.min")

    # Numbered after the two problems raised before, as the aggregate numbers it.
    assert [(i.item, i.text) for i in items if i.kind == "problem"] == [("PB3", "Dusty lounge")]


def test_the_work_view_holds_open_items_only(
    ledger_app: Ledger, views: Views, follow_through: dict[str, str]
) -> None:
    airport = follow_through["airport"]
    ledger_app.withdraw_commitment(
        c.WithdrawCommitment(
            actor="li.wei", customer=airport, case=follow_through["soon"], reason="Not needed"
        )
    )
    ledger_app.handle_problem(
        c.HandleProblem(actor="zhang.min", customer=airport, case="PB1", note="Belt replaced")
    )
    views.catch_up([WorkItems.name])

    with views.store.transaction() as tx:
        held = {
            (str(kind), str(item))
            for kind, item in tx.fetchall("SELECT kind, item FROM view_work_items")
        }

    # The withdrawn promise and both problems (PB2 handled before, PB1 now) are
    # gone; what is still open stays.
    assert ("commitment", follow_through["soon"]) not in held
    assert {item for kind, item in held if kind == "problem"} == set()
    assert ("commitment", follow_through["late"]) in held
