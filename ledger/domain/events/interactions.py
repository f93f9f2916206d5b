"""Events about contact with the customer: contacts, visits, satisfaction, corrections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent
from ledger.domain.holdings import first_holder

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class ContactLogged(CustomerEvent):
    channel: str
    direction: str
    people: list[str]
    summary: str
    follow_ups: list[str]


class VisitPlanned(CustomerEvent):
    """A visit is planned. Version 2 adds `plan`: the monthly visit plan that holds
    it (`li.wei/2027-01`, docs/domain.md "Follow-through"), empty for a visit planned
    on its own; version 1 rows gain it empty when read (`upcast_v1_v2`)."""

    class_version = 2

    case_id: str
    planned_for: datetime
    purpose: str
    kind: str
    visitor: str
    companions: list[str]
    people: list[str]
    agenda: str
    plan: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["plan"] = ""

    def apply_to(self, customer: Customer) -> None:
        customer.open_case(self.case_id, "visit", self.occurred_at, status="planned")


class VisitReported(CustomerEvent):
    """A visit happened. `case_id` is the planned visit's id, or a new one for an
    unplanned visit; each commitment made gets its own commitment case, and each
    problem raised for the first time an item of its own (`PB3`), while the open
    problems it lists handled are settled (`Customer.apply_visit_problems`).

    Version 2 adds `expense_totals` (currency -> total as a decimal string), derived
    from `expenses`; version 1 rows gain it when they are read (`upcast_v1_v2`), so
    their stored content, and hence their hash, stays as it was recorded.
    """

    class_version = 2

    case_id: str
    planned: bool
    purpose: str
    kind: str
    visitor: str
    companions: list[str]
    people_met: list[str]
    summary: str
    outcome: str
    expenses: list[dict[str, str]]
    problems_handled: list[str]
    problems_pending: list[str]
    commitments: list[dict[str, Any]]
    expense_totals: dict[str, str]

    @staticmethod
    def total_expenses(expenses: list[dict[str, str]]) -> dict[str, str]:
        """What was spent per currency: {"CNY": "1280.50"}."""
        totals: dict[str, Decimal] = {}
        for expense in expenses:
            currency = expense["currency"]
            totals[currency] = totals.get(currency, Decimal(0)) + Decimal(expense["amount"])
        return {currency: str(totals[currency]) for currency in sorted(totals)}

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["expense_totals"] = VisitReported.total_expenses(state["expenses"])

    def apply_to(self, customer: Customer) -> None:
        if not self.planned:
            customer.open_case(self.case_id, "visit", self.occurred_at, status="planned")
        customer.cases[self.case_id]["status"] = "reported"
        customer.cases[self.case_id]["outcome"] = self.outcome
        for commitment in self.commitments:
            customer.open_case(
                commitment["commitment_id"],
                "commitment",
                self.occurred_at,
                due=commitment.get("due"),
                holder=first_holder(self.actor, visitor=self.visitor),
            )
        customer.apply_visit_problems(
            self.case_id, self.problems_pending, self.problems_handled, self.occurred_at
        )


class VisitCancelled(CustomerEvent):
    case_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "cancelled"


class SatisfactionRecorded(CustomerEvent):
    score: int
    source: str
    note: str


class CorrectionRecorded(CustomerEvent):
    """Says what was wrong with an earlier event; the original stays in the stream."""

    target_version: int
    target_type: str
    reason: str
    changes: dict[str, Any]
