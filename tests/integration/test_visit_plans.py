"""Monthly visit plans on both backends: a submission records the plan and every
visit it plans in one transaction, a bad entry writes nothing, the segment head
approves or returns it, a resubmission keeps, plans and cancels visits, and the
plan's stream is hash-chained and audited like any other."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.events import VisitCancelled, VisitPlanned
from ledger.domain.events.visit_plans import VisitPlanSubmitted
from ledger.domain.sla.months import Month
from ledger.domain.visit_plan import plan_stream_id
from ledger.errors import AccessDeniedError, CustomerNotFoundError, RuleViolationError
from ledger.storage import Storage
from tests.staffing import ADMIN

MONTH = "2026-06"
BEFORE_DUE = datetime(2026, 5, 20, 9, tzinfo=UTC)
# The last working day of May 2026 is Friday the 29th: the plan is due by its end.
AFTER_DUE = datetime(2026, 5, 30, 0, tzinfo=UTC)


def staff(app: Ledger, staff_id: str, role: str, segment: str | None) -> None:
    app.add_staff(
        c.AddStaff(actor=ADMIN, staff=staff_id, name=staff_id, role=role, segment=segment)
    )


@pytest.fixture
def team(ledger_app: Ledger) -> Ledger:
    """Segment airport: head gao.head, account managers am.one and am.two; am.one
    owns C-00001 and C-00002, am.two owns C-00003; C-00004 is terminated."""
    app = ledger_app
    staff(app, "gao.head", "segment_head", "airport")
    staff(app, "am.one", "staff", "airport")
    staff(app, "am.two", "staff", "airport")
    staff(app, "rail.head", "segment_head", "rail")
    registered = datetime(2026, 1, 5, tzinfo=UTC)
    for name, owner in (("Alpha", "am.one"), ("Beta", "am.one"), ("Gamma", "am.two")):
        app.register_customer(
            c.RegisterCustomer(
                actor=owner, name=name, segment="airport", owner=owner, occurred_at=registered
            )
        )
    app.register_customer(
        c.RegisterCustomer(
            actor="am.one", name="Delta", segment="airport", owner="am.one", occurred_at=registered
        )
    )
    app.terminate_relationship(
        c.TerminateRelationship(
            actor="am.one",
            customer="C-00004",
            reason="Closed down",
            root_cause="Insolvency",
            head_office_ref="HO-1",
            occurred_at=registered,
        )
    )
    return app


def visit(customer: str, day: int, purpose: str = "maintenance", **more: Any) -> c.PlannedVisit:
    return c.PlannedVisit(
        customer=customer, purpose=purpose, day=date(2026, 6, day), source=f"row {day}", **more
    )


def submit(
    app: Ledger, visits: list[c.PlannedVisit], *, actor: str = "am.one", at: datetime = BEFORE_DUE,
    **more: Any,
) -> Any:  # fmt: skip
    return app.submit_visit_plan(
        c.SubmitVisitPlan(actor=actor, month=MONTH, visits=visits, occurred_at=at, **more)
    )


def planned(app: Ledger, code: str) -> list[VisitPlanned]:
    customer_id = app.resolve_customer(code)
    return [e for e in app.events.get(customer_id) if isinstance(e, VisitPlanned)]


def test_a_submission_records_the_plan_and_its_visits_together(team: Ledger) -> None:
    receipt = submit(team, [visit("C-00001", 3), visit("C-00002", 10, "collection")])

    assert (receipt.plan, receipt.revision, receipt.status, receipt.late) == (
        "am.one/2026-06", 1, "submitted", False,
    )  # fmt: skip
    assert receipt.planned == ("C-00001/V1", "C-00002/V1")
    first = planned(team, "C-00001")[0]
    assert (first.plan, first.visitor, first.purpose) == ("am.one/2026-06", "am.one", "maintenance")
    assert first.planned_for.date() == date(2026, 6, 3)
    plan = team.visit_plan("am.one", Month.parse(MONTH))
    assert plan is not None
    assert [e["visit"] for e in plan.entries] == ["V1", "V1"]


def test_a_plan_submitted_after_the_last_working_day_is_late(team: Ledger) -> None:
    receipt = submit(team, [visit("C-00001", 3)], at=AFTER_DUE)

    assert receipt.late


@pytest.mark.parametrize(
    ("bad", "refusal", "message"),
    [
        (visit("C-00099", 4), CustomerNotFoundError, "row 4: no customer 'C-00099'"),
        (visit("C-00004", 5), RuleViolationError, "row 5: the relationship with C-00004 is"),
        # Another's customer, which am.one may not see, is as unknown as no customer.
        (visit("C-00003", 6), CustomerNotFoundError, "row 6: no customer 'C-00003'"),
        (
            c.PlannedVisit(
                customer="C-00002", purpose="maintenance", day=date(2026, 7, 1), source="row 7"
            ),
            RuleViolationError,
            "row 7: 2026-07-01 is not in 2026-06",
        ),
    ],
)
def test_one_bad_entry_refuses_the_whole_plan_and_writes_nothing(
    team: Ledger, bad: c.PlannedVisit, refusal: type[Exception], message: str
) -> None:
    before = team.recorder.max_notification_id()

    with pytest.raises(refusal) as raised:
        submit(team, [visit("C-00001", 3), bad])

    assert str(raised.value).startswith(message)
    assert team.recorder.max_notification_id() == before
    assert team.visit_plan("am.one", Month.parse(MONTH)) is None


def test_staff_submit_only_their_own_plan_a_segment_head_for_a_member(team: Ledger) -> None:
    with pytest.raises(AccessDeniedError, match=re.escape("not for am.two")):
        submit(team, [visit("C-00003", 3)], owner="am.two")
    with pytest.raises(AccessDeniedError, match=re.escape("not for am.two")):
        submit(team, [visit("C-00003", 3)], actor="rail.head", owner="am.two")

    with pytest.raises(
        RuleViolationError, match=re.escape("row 3: am.two may not plan visits to C-00001")
    ):
        submit(team, [visit("C-00001", 3)], actor="gao.head", owner="am.two")
    receipt = submit(team, [visit("C-00003", 3)], actor="gao.head", owner="am.two")

    assert receipt.plan == "am.two/2026-06"


def review(app: Ledger, actor: str, approve: bool = True, **more: Any) -> Any:
    if approve:
        return app.approve_visit_plan(
            c.ApproveVisitPlan(actor=actor, owner="am.one", month=MONTH, **more)
        )
    return app.return_visit_plan(
        c.ReturnVisitPlan(actor=actor, owner="am.one", month=MONTH, reason="Visit Beta too")
    )


def test_the_segment_head_approves_once_and_nobody_else_does(team: Ledger) -> None:
    submit(team, [visit("C-00001", 3)])

    with pytest.raises(AccessDeniedError, match=re.escape("am.one owns the plan am.one/2026-06")):
        review(team, "am.one")
    with pytest.raises(AccessDeniedError, match="reviewed by the head of segment airport"):
        review(team, "am.two")
    with pytest.raises(AccessDeniedError, match="reviewed by the head of segment airport"):
        review(team, "rail.head")
    receipt = review(team, "gao.head", note="Good")
    with pytest.raises(RuleViolationError, match="is approved: only a submitted plan"):
        review(team, "gao.head")
    with pytest.raises(RuleViolationError, match="is approved already"):
        submit(team, [visit("C-00001", 4)])

    assert receipt.status == "approved"


def test_a_review_repeated_with_its_command_id_is_recorded_once(team: Ledger) -> None:
    submit(team, [visit("C-00001", 3)])
    first = review(team, "gao.head", command_id="approve-1")

    again = review(team, "gao.head", command_id="approve-1")

    assert (first.replayed, again.replayed, again.status) == (False, True, "approved")


def test_a_returned_plan_is_resubmitted_keeping_planning_and_cancelling_visits(
    team: Ledger,
) -> None:
    submit(team, [visit("C-00001", 3), visit("C-00002", 10)])
    with pytest.raises(RuleViolationError, match="awaits review"):
        submit(team, [visit("C-00001", 3)])
    review(team, "gao.head", approve=False)

    receipt = submit(team, [visit("C-00001", 3), visit("C-00002", 12)])

    assert (receipt.revision, receipt.status) == (2, "submitted")
    assert receipt.planned == ("C-00002/V2",)
    assert receipt.cancelled == ("C-00002/V1",)
    assert len(planned(team, "C-00001")) == 1
    beta = team.events.get(team.resolve_customer("C-00002"))
    cancelled = [e for e in beta if isinstance(e, VisitCancelled)]
    assert [(e.case_id, e.reason) for e in cancelled] == [
        ("V1", "dropped from the visit plan am.one/2026-06")
    ]
    assert review(team, "gao.head").status == "approved"


def test_audit_verify_covers_the_plan_streams(team: Ledger) -> None:
    submit(team, [visit("C-00001", 3)])
    review(team, "gao.head", approve=False)
    submit(team, [visit("C-00002", 3)])
    stream = plan_stream_id("am.one", Month.parse(MONTH))

    report = Auditor(team.recorder, team.mapper).verify_all()

    assert report.ok
    assert report.heads[stream][0] == 4
    assert Auditor(team.recorder, team.mapper).verify_stream(stream).ok
    events = list(team.events.get(stream))
    assert [type(e).__name__ for e in events] == [
        "VisitPlanOpened", "VisitPlanSubmitted", "VisitPlanReturned", "VisitPlanSubmitted",
    ]  # fmt: skip
    assert isinstance(events[-1], VisitPlanSubmitted)
    assert events[-1].revision == 2


def test_reads_of_plans_owed_awaiting_and_planned_coverage(team: Ledger, storage: Storage) -> None:
    from projections.reader import Reader
    from projections.views import Views
    from projections.visit_plans import plans_awaiting, plans_owed_by

    month = Month.parse(MONTH)
    submit(team, [visit("C-00001", 3), visit("C-00002", 4), visit("C-00002", 18)])
    views = Views(team, storage)
    try:
        head = Reader(views, team.caller("gao.head"))
        rows = head.visit_plans(month, now=AFTER_DUE)
        report = head.monthly_report(month, now=datetime(2026, 7, 1, tzinfo=UTC))
        with views.store.transaction() as tx:
            owed = [r.owner for r in plans_owed_by(tx, "am.two", month, rows[0].due, AFTER_DUE)]
            none_owed = plans_owed_by(tx, "am.one", month, rows[0].due, AFTER_DUE)
            awaiting = [r.owner for r in plans_awaiting(tx, team.caller("gao.head"))]
            not_theirs = plans_awaiting(tx, team.caller("rail.head"))
        review(team, "gao.head", approve=False)
        returned = head.monthly_report(month, now=datetime(2026, 7, 1, tzinfo=UTC))
        with views.store.transaction() as tx:
            owed_again = [
                r.status for r in plans_owed_by(tx, "am.one", month, rows[0].due, AFTER_DUE)
            ]
    finally:
        views.close()

    assert [(r.owner, r.status, r.late, r.visits, r.customers) for r in rows] == [
        ("am.one", "submitted", False, 3, 2),
        ("am.two", "not submitted", True, 0, 0),
    ]
    assert (owed, none_owed, awaiting, not_theirs) == (["am.two"], [], ["am.one"], [])
    assert owed_again == ["returned"]
    coverage = {
        share.owner: (share.customers, share.planned, share.visited) for share in report.visits
    }
    assert coverage["am.one"] == (2, 2, 0)
    assert {share.owner: share.planned for share in returned.visits}["am.one"] == 0
