"""Events about the customer's key people and our relationship with each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class KeyPersonAdded(CustomerEvent):
    person_id: str
    name: str
    title: str
    phones: list[str]
    emails: list[str]
    personal_notes: str
    decision_role: str
    relationship_status: str
    counterpart: str | None

    def apply_to(self, customer: Customer) -> None:
        customer.counters["P"] = customer.counters.get("P", 0) + 1
        customer.people[self.person_id] = {
            "name": self.name,
            "decision_role": self.decision_role,
            "relationship_status": self.relationship_status,
            "present": True,
            "counterpart": self.counterpart,
        }


class KeyPersonUpdated(CustomerEvent):
    person_id: str
    changes: dict[str, Any]

    def apply_to(self, customer: Customer) -> None:
        person = customer.people[self.person_id]
        for field in ("name", "decision_role", "counterpart"):
            if field in self.changes:
                person[field] = self.changes[field]


class KeyPersonRelationshipAssessed(CustomerEvent):
    person_id: str
    relationship_status: str
    note: str

    def apply_to(self, customer: Customer) -> None:
        customer.people[self.person_id]["relationship_status"] = self.relationship_status


class KeyPersonLeft(CustomerEvent):
    person_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.people[self.person_id]["present"] = False
