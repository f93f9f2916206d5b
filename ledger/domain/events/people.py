"""Events about the customer's key people and our relationship with each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent
from ledger.domain.personal import LEGACY_FIELDS

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class KeyPersonAdded(CustomerEvent):
    """Version 2 holds the personal details only sealed (`personal`, see
    ledger.sealing; None when none were given); a version 1 row's plain
    `phones`, `emails` and `personal_notes` move to `legacy_personal` when read."""

    class_version = 2

    person_id: str
    name: str
    title: str
    personal: dict[str, str] | None
    legacy_personal: dict[str, Any]
    decision_role: str
    relationship_status: str
    counterpart: str | None

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["legacy_personal"] = {f: state.pop(f) for f in LEGACY_FIELDS if f in state}
        state["personal"] = None

    def apply_to(self, customer: Customer) -> None:
        customer.counters["P"] = customer.counters.get("P", 0) + 1
        customer.people[self.person_id] = {
            "name": self.name,
            "title": self.title,
            "decision_role": self.decision_role,
            "relationship_status": self.relationship_status,
            "present": True,
            "counterpart": self.counterpart,
        }


# The business facts about a key person that `person update` changes, which the
# aggregate keeps so that an update changing none of them is refused.
UPDATED_FIELDS = ("name", "title", "decision_role", "counterpart")


class KeyPersonUpdated(CustomerEvent):
    """Version 2 keeps personal changes out of `changes`: sealed in `personal`
    (None when there are none); a version 1 row's plain ones move to
    `legacy_personal` when read."""

    class_version = 2

    person_id: str
    changes: dict[str, Any]
    personal: dict[str, str] | None
    legacy_personal: dict[str, Any]

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        changes = state["changes"]
        state["legacy_personal"] = {f: changes.pop(f) for f in LEGACY_FIELDS if f in changes}
        state["personal"] = None

    def apply_to(self, customer: Customer) -> None:
        person = customer.people[self.person_id]
        for field in UPDATED_FIELDS:
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
