"""Monthly visit plans and their review (docs/domain.md, "Follow-through"): the one
place that says when a plan is due, when it is late, who may submit it and who
may approve or return it.

By the end of each month every account manager hands in next month's plan (the
customers to visit, why, and on which day); the head of their segment approves it
or returns it with a reason, and a returned plan is revised and submitted again.
A plan is one stream per owner and month.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.access import EXECUTIVE, SEGMENT_HEAD, STAFF, Caller
from ledger.domain.base import Meta, create_chained, record_chained
from ledger.domain.chain import GENESIS
from ledger.domain.directory import NAMESPACE
from ledger.domain.events.visit_plans import (
    VisitPlanApproved,
    VisitPlanOpened,
    VisitPlanReturned,
    VisitPlanSubmitted,
)
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.months import Month
from ledger.errors import AccessDeniedError, RuleViolationError

# Who owes a plan every month: the account managers.
PLANNING_ROLES = (STAFF,)
# Who may own a plan at all (one with a segment, whose head reviews it).
PLAN_OWNER_ROLES = (STAFF, SEGMENT_HEAD)
NOT_SUBMITTED, SUBMITTED, APPROVED, RETURNED = "not submitted", "submitted", "approved", "returned"
# A returned plan, or none at all, is still owed by its owner.
OWED = (NOT_SUBMITTED, RETURNED)


def plan_stream_id(owner: str, month: Month) -> UUID:
    return uuid5(NAMESPACE, f"visit-plan:{owner}:{month}")


def plan_reference(owner: str, month: Month) -> str:
    """How a plan is named to people and in each visit it holds: `li.wei/2027-01`."""
    return f"{owner}/{month}"


def last_working_day(month: Month, calendar: BusinessCalendar) -> date:
    day = date(month.next().year, month.next().month, 1) - timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def plan_due(month: Month, calendar: BusinessCalendar) -> datetime:
    """A plan for `month` is due by the end of the last working day of the month
    before (midnight after it, in the ledger's time zone), as a UTC moment."""
    day = last_working_day(month.previous(), calendar) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=calendar.timezone).astimezone(UTC)


def is_late(submitted_at: datetime | None, due: datetime, now: datetime) -> bool:
    """Submitted at or after its due moment; or not submitted, and that moment passed."""
    return (submitted_at or now) >= due


def plan_owes(status: str) -> bool:
    """Whether the owner still owes the plan (none submitted, or returned)."""
    return status in OWED


def check_plan_owner(caller: Caller, owner: str, role: str, segment: str | None) -> None:
    """Staff submit their own plan; a segment head their own or a member's of their
    segment; an executive anyone's. The owner must work in a segment."""
    if role not in PLAN_OWNER_ROLES or not segment:
        raise RuleViolationError(
            f"{owner} is {role}: visit plans are kept by staff and segment heads of a segment"
        )
    if owner == caller.staff_id or caller.role == EXECUTIVE:
        return
    if caller.role == SEGMENT_HEAD and caller.segment == segment:
        return
    raise AccessDeniedError(
        f"{caller.staff_id} is {caller.role}: a plan is submitted by its owner, the head "
        f"of the owner's segment or an executive, not for {owner}"
    )


def check_plan_month(month: Month, at: datetime, calendar: BusinessCalendar) -> None:
    if month.end(calendar.timezone) <= at:
        raise RuleViolationError(
            f"{month} is over: a visit plan is for a month still to come (or under way)"
        )


def check_in_month(day: date, month: Month, row: str) -> None:
    if (day.year, day.month) != (month.year, month.month):
        raise RuleViolationError(
            f"{row}: {day} is not in {month}: every visit of the plan is in it"
        )


class VisitPlan(Aggregate):
    """One owner's plan for one month: its latest revision and where its review is."""

    def __init__(self) -> None:
        self.owner = ""
        self.month = ""
        self.segment: str | None = None
        self.revision = 0
        self.entries: list[dict[str, Any]] = []
        self.status = NOT_SUBMITTED
        self.submitted_at: datetime | None = None
        self.due: datetime | None = None
        self.late = False
        self.decided_by: str | None = None
        self.commands: dict[str, list[Any]] = {}
        self.chain_head = GENESIS

    @property
    def reference(self) -> str:
        return f"{self.owner}/{self.month}"

    def result_of(self, command_id: str) -> int | None:
        recorded = self.commands.get(command_id)
        return None if recorded is None else int(recorded[0])

    @classmethod
    def open(cls, owner: str, month: Month, segment: str | None, meta: Meta) -> VisitPlan:
        return create_chained(
            cls,
            VisitPlanOpened,
            plan_stream_id(owner, month),
            meta,
            owner=owner,
            month=str(month),
            segment=segment,
        )

    def submit(self, entries: list[dict[str, Any]], calendar: BusinessCalendar, meta: Meta) -> None:
        """Hand in a revision: the first, or one after the plan was returned."""
        if self.status == SUBMITTED:
            raise RuleViolationError(
                f"the plan {self.reference} is submitted and awaits review: it can be "
                "submitted again once returned"
            )
        if self.status == APPROVED:
            raise RuleViolationError(f"the plan {self.reference} is approved already")
        if not entries:
            raise RuleViolationError(
                "a visit plan holds at least one visit: give --visit or --from-csv"
            )
        month = Month.parse(self.month)
        due = plan_due(month, calendar)
        record_chained(
            self,
            VisitPlanSubmitted,
            meta,
            revision=self.revision + 1,
            entries=entries,
            due=due,
            late=is_late(meta.occurred_at, due, meta.occurred_at),
        )

    def approve(self, caller: Caller, note: str, meta: Meta) -> None:
        self._check_reviewer(caller, "approve", meta)
        record_chained(self, VisitPlanApproved, meta, by=caller.staff_id, note=note)

    def return_(self, caller: Caller, reason: str, meta: Meta) -> None:
        self._check_reviewer(caller, "return", meta)
        record_chained(self, VisitPlanReturned, meta, by=caller.staff_id, reason=reason)

    def _check_reviewer(self, caller: Caller, doing: str, meta: Meta) -> None:
        """Only the head of the owner's segment, or an executive, reviews a plan; never
        its owner; only a plan that awaits review, and not before it was submitted."""
        if caller.staff_id == self.owner:
            raise AccessDeniedError(
                f"{caller.staff_id} owns the plan {self.reference}: its segment head reviews it"
            )
        if not (
            caller.role == EXECUTIVE
            or (caller.role == SEGMENT_HEAD and caller.segment == self.segment)
        ):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: the plan {self.reference} is reviewed by "
                f"the head of segment {self.segment} or an executive"
            )
        if self.status != SUBMITTED:
            raise RuleViolationError(
                f"the plan {self.reference} is {self.status}: only a submitted plan can be "
                f"{'approved' if doing == 'approve' else 'returned'}"
            )
        if self.submitted_at is not None and meta.occurred_at < self.submitted_at:
            raise RuleViolationError(
                f"the plan {self.reference} was submitted on "
                f"{self.submitted_at:%Y-%m-%d %H:%M} UTC: it cannot be reviewed before that: "
                "check --at"
            )
