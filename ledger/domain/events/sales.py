"""Events about leads and opportunities."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent
from ledger.domain.events.cases import stamp_policy_on_version_1
from ledger.domain.holdings import first_holder

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class LeadCreated(CustomerEvent):
    """Version 2 adds `sla_policy`, the policy the case opened under (its
    follow-up interval)."""

    class_version = 2

    case_id: str
    title: str
    source: str
    note: str
    sla_policy: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        stamp_policy_on_version_1(state)

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(
            self.case_id,
            "opportunity",
            self.occurred_at,
            status="lead",
            holder=first_holder(self.actor),
        )


class OpportunityOpened(CustomerEvent):
    """Opens a new opportunity, or converts a lead (`from_lead`) under its own id.
    Version 2 adds `sla_policy`; a converted lead keeps the policy it opened under.
    Version 3 adds `expected_close`, the date the sale is expected to close (ISO
    date text, or None when not given; docs/domain.md, "Reports")."""

    class_version = 3

    case_id: str
    from_lead: bool
    title: str
    stage: str
    value: str | None
    currency: str | None
    sla_policy: dict[str, Any]
    expected_close: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        stamp_policy_on_version_1(state)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        # Opportunities opened before the date was asked for have none.
        state["expected_close"] = None

    def apply_to(self, customer: Customer) -> None:
        if not self.from_lead:
            customer.open_case(
                self.case_id, "opportunity", self.occurred_at, holder=first_holder(self.actor)
            )
        customer.cases[self.case_id]["status"] = "open"
        customer.cases[self.case_id]["stage"] = self.stage


class OpportunityStageChanged(CustomerEvent):
    """Version 2 adds `expected_close`: a new expected closing date given with the
    move (ISO date text), or None when the date stays as it was."""

    class_version = 2

    case_id: str
    previous: str
    stage: str
    note: str
    expected_close: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["expected_close"] = None

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
