"""Events about service cases: inquiries, complaints, escalations, commitments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent
from ledger.domain.holdings import first_holder
from ledger.domain.sla.targets import breach_key

if TYPE_CHECKING:
    from ledger.domain.customer import Customer

# The SLA policy in force before cases carried one (the numbers of docs/domain.md,
# "Service rules (SLA)"), as `SlaPolicy.as_record` writes it. Written out rather
# than derived from today's defaults: a later change of defaults must not rewrite
# what old cases were under.
POLICY_BEFORE_STAMPING: dict[str, Any] = {
    "policy_version": "default",
    "inquiry_first_answer_minutes": 10.0,
    "complaint_resolution_hours": 4.0,
    "follow_up_days": 30.0,
    "visit_coverage": 0.5,
    "handover_working_days": 1,
    "at_risk_ratio": 0.75,
    "report_due_day": 5,
}


def stamp_policy_on_version_1(state: dict[str, Any]) -> None:
    """Upcast of a case-opening event stored before the SLA policy was stamped."""
    state["sla_policy"] = dict(POLICY_BEFORE_STAMPING)


class InquiryReceived(CustomerEvent):
    """Version 2 adds `sla_policy`, the policy the case opened under (see
    `POLICY_BEFORE_STAMPING` for version 1 rows, upcast when read)."""

    class_version = 2

    case_id: str
    channel: str
    title: str
    question: str
    sla_policy: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        stamp_policy_on_version_1(state)

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(self.case_id, "inquiry", self.occurred_at)


class InquiryAnswered(CustomerEvent):
    case_id: str
    answer: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "answered"


class ComplaintFiled(CustomerEvent):
    """Version 2 adds `sla_policy`, the policy the case opened under."""

    class_version = 2

    case_id: str
    category: str
    severity: str
    description: str
    channel: str
    sla_policy: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        stamp_policy_on_version_1(state)

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(
            self.case_id, "complaint", self.occurred_at, acknowledged=False, paused=False
        )


class ComplaintAcknowledged(CustomerEvent):
    case_id: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["acknowledged"] = True


class ComplaintPaused(CustomerEvent):
    """The clock stops while we wait on the customer."""

    case_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["paused"] = True


class ComplaintResumed(CustomerEvent):
    case_id: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["paused"] = False


class ComplaintResolved(CustomerEvent):
    case_id: str
    resolution: str
    root_cause: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "resolved"
        customer.cases[self.case_id]["paused"] = False
        customer.cases[self.case_id]["closed_at"] = self.occurred_at


class ComplaintReopened(CustomerEvent):
    case_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "open"
        customer.cases[self.case_id]["closed_at"] = None


class EscalationRaised(CustomerEvent):
    """`case_id` is the escalation's own id; `concerning` the case escalated."""

    case_id: str
    concerning: str
    level: int
    to: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(
            self.case_id,
            "escalation",
            self.occurred_at,
            concerning=self.concerning,
            level=self.level,
        )


class EscalationResolved(CustomerEvent):
    case_id: str
    resolution: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "resolved"


class CommitmentMade(CustomerEvent):
    """A promise to the customer, tracked until fulfilled. `due` is an ISO date.
    Version 2 adds `sla_policy` (its at-risk threshold applies to the promise)."""

    class_version = 2

    case_id: str
    description: str
    due: str | None
    source: str
    sla_policy: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        stamp_policy_on_version_1(state)

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(
            self.case_id,
            "commitment",
            self.occurred_at,
            due=self.due,
            holder=first_holder(self.actor),
        )


class CommitmentFulfilled(CustomerEvent):
    case_id: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "fulfilled"


class SlaBreached(CustomerEvent):
    """A sweep found that a case missed an SLA target (`first_answer`, `resolution`,
    `follow_up` or `commitment_due`); `detected_at` is when the sweep saw it."""

    case_id: str
    target: str
    due_at: datetime
    detected_at: datetime
    policy_version: str

    def apply_to(self, customer: Customer) -> None:
        case = customer.cases[self.case_id]
        case.setdefault("breaches", []).append(breach_key(case["kind"], self.target, self.due_at))
