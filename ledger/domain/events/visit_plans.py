"""Events of a monthly visit plan (docs/domain.md, "Follow-through"): one stream per
owner and month, hash-chained like the staff streams. They belong to no customer's
history: each visit the plan holds is also a `VisitPlanned` in its customer's
stream, recorded in the same transaction as the submission."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import RecordedEvent

if TYPE_CHECKING:
    from ledger.domain.visit_plan import VisitPlan


class VisitPlanEvent(RecordedEvent):
    """Base of every event in a visit plan's stream."""


class VisitPlanOpened(VisitPlanEvent, Aggregate.Created):
    """The plan of `owner` for `month` (YYYY-MM) exists; its first submission
    follows in the same save. `segment` is the owner's segment then, whose head
    reviews the plan."""

    owner: str
    month: str
    segment: str | None

    def apply_to(self, plan: VisitPlan) -> None:
        plan.owner = self.owner
        plan.month = self.month
        plan.segment = self.segment


class VisitPlanSubmitted(VisitPlanEvent):
    """A revision of the plan, handed in for review. `entries` are the visits
    (customer_id, code, visit: the customer's visit id, purpose, kind, date,
    people, agenda); `due` is the deadline the submission was judged against and
    `late` whether it came after it (docs/domain.md, "Follow-through")."""

    revision: int
    entries: list[dict[str, Any]]
    due: datetime
    late: bool

    def apply_to(self, plan: VisitPlan) -> None:
        plan.revision = self.revision
        plan.entries = list(self.entries)
        plan.status = "submitted"
        plan.submitted_at = self.occurred_at
        plan.due = self.due
        plan.late = self.late


class VisitPlanApproved(VisitPlanEvent):
    """The segment head (or an executive), `by`, accepts the plan as submitted."""

    by: str
    note: str

    def apply_to(self, plan: VisitPlan) -> None:
        plan.status = "approved"
        plan.decided_by = self.by


class VisitPlanReturned(VisitPlanEvent):
    """The reviewer, `by`, sends the plan back to be revised and submitted again."""

    by: str
    reason: str

    def apply_to(self, plan: VisitPlan) -> None:
        plan.status = "returned"
        plan.decided_by = self.by


PLAN_EVENTS = (VisitPlanOpened, VisitPlanSubmitted, VisitPlanApproved, VisitPlanReturned)
