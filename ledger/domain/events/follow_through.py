"""Events about who holds the work owed to a customer (docs/domain.md, "Follow-through")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer

# What a staff member can hold at a customer, and so what a handover moves.
HELD_ROLES = ("opportunity", "commitment", "counterpart")


class ResponsibilityHandedOver(CustomerEvent):
    """One thing held by one staff member moves to another: an open opportunity or
    commitment (`item` is its case id) or a key person's counterpart role (`item`
    is the person id). A change of owner records one of these per thing the old
    owner held, in the same command, so nothing stays with someone who has gone."""

    item: str
    role: str
    previous: str | None
    holder: str
    reason: str

    @property
    def subject(self) -> str:
        return self.item

    def apply_to(self, customer: Customer) -> None:
        if self.role == "counterpart":
            customer.people[self.item]["counterpart"] = self.holder
        else:
            customer.cases[self.item]["holder"] = self.holder
