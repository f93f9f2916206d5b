"""Events about leads and opportunities."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class LeadCreated(CustomerEvent):
    case_id: str
    title: str
    source: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(self.case_id, "opportunity", self.occurred_at, status="lead")


class OpportunityOpened(CustomerEvent):
    """Opens a new opportunity, or converts a lead (`from_lead`) under its own id."""

    case_id: str
    from_lead: bool
    title: str
    stage: str
    value: str | None
    currency: str | None

    def apply_to(self, customer: Customer) -> None:
        if not self.from_lead:
            customer.open_case(self.case_id, "opportunity", self.occurred_at)
        customer.cases[self.case_id]["status"] = "open"
        customer.cases[self.case_id]["stage"] = self.stage


class OpportunityStageChanged(CustomerEvent):
    case_id: str
    previous: str
    stage: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["stage"] = self.stage


class FollowUpLogged(CustomerEvent):
    case_id: str
    summary: str
    next_step: str


class OpportunityWon(CustomerEvent):
    case_id: str
    value: str | None
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "won"


class OpportunityLost(CustomerEvent):
    case_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "lost"
