"""Events that close follow-through items (docs/domain.md, "Follow-through"): a
promise withdrawn, a problem from a visit handled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class CommitmentWithdrawn(CustomerEvent):
    """A promise that will not be kept, and why (the customer no longer wants it,
    it was made in error). It closes the commitment and stops its clock; a due
    date already passed stays a breach."""

    case_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.cases[self.case_id]["status"] = "withdrawn"


class ProblemHandled(CustomerEvent):
    """A problem raised at a visit (`problem_id`, e.g. PB3) was handled; `note`
    says how."""

    problem_id: str
    note: str

    @property
    def subject(self) -> str:
        return self.problem_id

    def apply_to(self, customer: Customer) -> None:
        problem = customer.cases[self.problem_id]
        problem.update(status="handled", handled_at=self.occurred_at)
