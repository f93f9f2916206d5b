"""Commands on a customer's key people, their contact plans and personal data."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    Field,
)

from ledger.commands.base import (
    CustomerCommand,
    LocalIdCommand,
    Name,
    OptionalText,
    StaffId,
    Text,
)
from ledger.domain.contact_plan import MAX_EVERY_DAYS
from ledger.personal_details import PersonalFields
from ledger.vocabulary import (
    DecisionRole,
    RelationshipStatus,
)


class AddKeyPerson(PersonalFields, CustomerCommand):
    name: Name
    title: OptionalText = ""
    decision_role: DecisionRole
    relationship_status: RelationshipStatus = RelationshipStatus.NOT_ESTABLISHED
    counterpart: StaffId | None = None


class UpdateKeyPerson(PersonalFields, LocalIdCommand):
    TARGET_KIND = "person"
    name: Name | None = None
    title: OptionalText | None = None
    decision_role: DecisionRole | None = None
    counterpart: StaffId | None = None

    def changes(self) -> dict[str, Any]:
        """The business facts to change (personal details: `details()`)."""
        fields = ("name", "title", "decision_role")
        found = {
            f: getattr(self, f) for f in (*fields, "counterpart") if getattr(self, f) is not None
        }
        return {k: (v.value if hasattr(v, "value") else v) for k, v in found.items()}


class AssessRelationship(LocalIdCommand):
    TARGET_KIND = "person"
    relationship_status: RelationshipStatus
    note: OptionalText = ""


class RecordPersonLeft(LocalIdCommand):
    TARGET_KIND = "person"
    reason: OptionalText = ""


class PlanContact(LocalIdCommand):
    """A key person's contact plan; what is not given stays as planned before."""

    TARGET_KIND = "person"
    counterpart: StaffId | None = None
    every_days: Annotated[int, Field(ge=1, le=MAX_EVERY_DAYS)] | None = None
    next_contact: date | None = None


class ErasePersonalData(LocalIdCommand):
    """Erase a key person's personal data on their request (docs/domain.md,
    "Personal data")."""

    TARGET_KIND = "person"
    reason: Text
    request_ref: Name
    # Who asked; None: the person themselves.
    requested_by: Name | None = None
