"""The demo's monthly visit plans (docs/domain.md, "Follow-through"): at the start of
the day the demo is loaded, account managers hand in next month's plan and their
segment heads review some of them: approved, returned, still awaiting review, one
handed in by the head for a member, one not handed in at all; and one plan for
the month under way, handed in late.

Recorded through the service like any command, with fixed command ids, so running
the demo again the same day adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from demo.staff import LEAVER, STAFF
from ledger import commands as c
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.months import Month

if TYPE_CHECKING:
    from ledger.application import Ledger

VISITS_PER_PLAN = 4
PURPOSES = ("maintenance", "influence", "new_project", "collection")


@dataclass(frozen=True)
class PlanStory:
    """What happens to one owner's plan: `review` is approve, return or "" (awaits
    review); `by_head`: their segment head hands it in for them; `late`: it is the
    month under way's, handed in after it was due."""

    review: str = ""
    by_head: bool = False
    late: bool = False


# Dealt to the account managers who own customers, in the order of the teams; any
# left over hand in no plan, and owe one.
STORIES = (
    PlanStory(review="approve"),
    PlanStory(review="return"),
    PlanStory(review="approve"),
    PlanStory(),
    PlanStory(by_head=True),
    PlanStory(late=True),
)
RETURN_REASON = "Add the customers nobody has visited for three months"


def submit_demo_plans(app: Ledger, end: datetime) -> dict[str, PlanStory]:
    """Record the demo's plans as of `end` (the start of the day it is loaded);
    returns whose plan tells which story."""
    calendar = BusinessCalendar.from_settings(app.settings)
    this_month = Month.of(end, calendar.timezone)
    segments = {member: segment for segment, team in STAFF.items() for member in team}
    heads = {member: team[0] for team in STAFF.values() for member in team}
    owned: dict[str, list[str]] = defaultdict(list)
    for row in app.list_customers():
        # Only what the owner may plan visits for: their own, active, in their segment.
        if row.owner and row.stage != "terminated" and segments.get(row.owner) == row.segment:
            owned[row.owner].append(row.code)
    managers = [
        member
        for team in STAFF.values()
        for member in team[1:]
        if member != LEAVER and owned.get(member)
    ]
    told = dict(zip(managers, STORIES, strict=False))
    for owner, story in told.items():
        codes = owned[owner][:VISITS_PER_PLAN]
        month = this_month if story.late else this_month.next()
        first = end.date() if story.late else date(month.year, month.month, 1)
        visits = [
            c.PlannedVisit(
                customer=code,
                purpose=PURPOSES[n % len(PURPOSES)],
                day=_working_day(first + timedelta(days=3 * n), month, calendar),
            )
            for n, code in enumerate(codes)
        ]
        head = heads[owner]
        app.submit_visit_plan(
            c.SubmitVisitPlan(
                actor=head if story.by_head else owner,
                owner=owner if story.by_head else None,
                month=str(month),
                visits=visits,
                occurred_at=end,
                command_id=f"demo-plan:{owner}:{month}",
            )
        )
        ids = {"occurred_at": end, "owner": owner, "month": str(month), "actor": head}
        if story.review == "approve":
            app.approve_visit_plan(
                c.ApproveVisitPlan(
                    **ids, note="Agreed", command_id=f"demo-plan:{owner}:{month}:approve"
                )
            )
        elif story.review == "return":
            app.return_visit_plan(
                c.ReturnVisitPlan(
                    **ids, reason=RETURN_REASON, command_id=f"demo-plan:{owner}:{month}:return"
                )
            )
    return told


def _working_day(day: date, month: Month, calendar: BusinessCalendar) -> date:
    """`day`, or the next working day, kept inside `month` (else its last day)."""
    last = date(month.next().year, month.next().month, 1) - timedelta(days=1)
    day = min(day, last)
    while not calendar.is_working_day(day) and day < last:
        day += timedelta(days=1)
    return day
