"""The rules of monthly visit plans (docs/domain.md, "Follow-through"): when a plan
is due on the business calendar, when it is late, who may review it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledger.access import Caller
from ledger.domain.base import Meta
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.calendar_config import CalendarConfig
from ledger.domain.sla.months import Month
from ledger.domain.visit_plan import VisitPlan, check_plan_month, is_late, plan_due, plan_owes
from ledger.errors import AccessDeniedError, RuleViolationError

UTC_CALENDAR = BusinessCalendar()


def at(day: int, month: int = 5) -> Meta:
    return Meta(
        occurred_at=datetime(2026, month, day, 9, tzinfo=UTC), actor="x", command_id=f"c{day}"
    )


@pytest.mark.parametrize(
    ("month", "due"),
    [
        # 31 December 2026 is a Thursday: due by its end.
        ("2027-01", datetime(2027, 1, 1, tzinfo=UTC)),
        # 31 May 2026 is a Sunday: the last working day is Friday the 29th.
        ("2026-06", datetime(2026, 5, 30, tzinfo=UTC)),
    ],
)
def test_a_plan_is_due_by_the_end_of_the_last_working_day_before_its_month(
    month: str, due: datetime
) -> None:
    assert plan_due(Month.parse(month), UTC_CALENDAR) == due


def test_a_holiday_on_the_last_weekday_moves_the_deadline_earlier() -> None:
    calendar = BusinessCalendar(CalendarConfig(holidays=frozenset({date(2026, 5, 29)})))

    assert plan_due(Month.parse("2026-06"), calendar) == datetime(2026, 5, 29, tzinfo=UTC)


def test_the_deadline_is_midnight_in_the_ledgers_time_zone() -> None:
    calendar = BusinessCalendar(timezone=ZoneInfo("Asia/Shanghai"))

    assert plan_due(Month.parse("2026-06"), calendar) == datetime(2026, 5, 29, 16, tzinfo=UTC)


def test_late_is_at_or_after_the_deadline_or_nothing_by_then() -> None:
    due = datetime(2026, 5, 30, tzinfo=UTC)
    before, after = datetime(2026, 5, 29, 23, 59, tzinfo=UTC), due

    assert not is_late(before, due, now=after)
    assert is_late(after, due, now=after)
    assert is_late(None, due, now=after)
    assert not is_late(None, due, now=before)


def test_a_plan_not_submitted_or_returned_is_owed() -> None:
    assert [plan_owes(s) for s in ("not submitted", "submitted", "approved", "returned")] == [
        True, False, False, True,
    ]  # fmt: skip


def submitted_plan() -> VisitPlan:
    plan = VisitPlan.open("am.one", Month.parse("2026-06"), "airport", at(1))
    entry = {
        "customer_id": "x",
        "code": "C-00001",
        "visit": "V1",
        "day": "2026-06-03",
        "purpose": "maintenance",
        "kind": "first_visit",
        "people": [],
        "agenda": "",
    }
    plan.submit([entry], UTC_CALENDAR, at(20))
    return plan


@pytest.mark.parametrize(
    "reviewer",
    [
        Caller("am.one", "staff", "airport"),  # the owner
        Caller("am.two", "staff", "airport"),  # a colleague
        Caller("rail.head", "segment_head", "rail"),  # another segment's head
        Caller("ops", "admin", None),
    ],
)
def test_only_the_owners_segment_head_or_an_executive_reviews(reviewer: Caller) -> None:
    plan = submitted_plan()

    with pytest.raises(AccessDeniedError):
        plan.approve(reviewer, "", at(21))
    with pytest.raises(AccessDeniedError):
        plan.return_(reviewer, "No", at(21))


def test_a_plan_is_reviewed_once_per_submission() -> None:
    plan = submitted_plan()
    plan.return_(Caller("gao.head", "segment_head", "airport"), "Add Beta", at(21))

    with pytest.raises(RuleViolationError, match="is returned: only a submitted plan"):
        plan.approve(Caller("boss", "executive", None), "", at(22))
    plan.submit(list(plan.entries), UTC_CALENDAR, at(22))
    plan.approve(Caller("boss", "executive", None), "", at(23))

    assert (plan.status, plan.revision, plan.late) == ("approved", 2, False)


def test_a_plan_for_a_month_already_over_is_refused_one_under_way_is_not() -> None:
    moment = datetime(2026, 5, 20, tzinfo=UTC)

    with pytest.raises(RuleViolationError, match="2026-04 is over"):
        check_plan_month(Month.parse("2026-04"), moment, UTC_CALENDAR)
    check_plan_month(Month.parse("2026-05"), moment, UTC_CALENDAR)
