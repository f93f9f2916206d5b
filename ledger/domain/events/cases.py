"""Events about service cases: inquiries, complaints, escalations, commitments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class InquiryReceived(CustomerEvent):
    case_id: str
    channel: str
    title: str
    question: str

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(self.case_id, "inquiry", self.occurred_at)


class InquiryAnswered(CustomerEvent):
    case_id: str
    answer: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "answered"


class ComplaintFiled(CustomerEvent):
    case_id: str
    category: str
    severity: str
    description: str
    channel: str

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
    """A promise to the customer, tracked until fulfilled. `due` is an ISO date."""

    case_id: str
    description: str
    due: str | None
    source: str

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(self.case_id, "commitment", self.occurred_at, due=self.due)


class CommitmentFulfilled(CustomerEvent):
    case_id: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "fulfilled"
