"""Events about staff accounts and about who read which customer's record.

They carry the same metadata and hash chain as customer events, so account
changes (who changed whom, why) and the read log are as tamper-evident as the
customers' histories and `ledger audit verify` checks them too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.domain.base import RecordedEvent

if TYPE_CHECKING:
    from ledger.domain.staff import StaffMember


class StaffEvent(RecordedEvent):
    """Base of every event in a staff member's stream: each says why."""

    reason: str


class StaffAdded(StaffEvent, Aggregate.Created):
    member: str
    name: str
    role: str
    segment: str | None
    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.staff_id = self.member
        member.name = self.name
        member.role = self.role
        member.segment = self.segment
        member.status = "active"
        member.status_since = self.occurred_at


class StaffRoleChanged(StaffEvent):
    role: str
    previous: str
    segment: str | None
    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.role = self.role
        member.segment = self.segment


class StaffSegmentChanged(StaffEvent):
    segment: str | None
    previous: str | None
    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.segment = self.segment


class StaffFrozen(StaffEvent):
    """Access stopped ahead of a departure (or while something is looked into)."""

    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.status = "frozen"
        member.status_since = self.occurred_at


class StaffDeactivated(StaffEvent):
    """The person has left: the account can do nothing, and their customers must be
    handed to an active owner within one working day (projections.handover)."""

    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.status = "deactivated"
        member.status_since = self.occurred_at


class StaffReactivated(StaffEvent):
    reason: str

    def apply_to(self, member: StaffMember) -> None:
        member.status = "active"
        member.status_since = self.occurred_at


class RecordRead(RecordedEvent, Aggregate.Created):
    """A person read a customer's record (`customer_id` None: every customer, as a
    full export does) through one view: the read log auditors query."""

    reader: str
    customer_id: UUID | None
    view: str
    detail: str
