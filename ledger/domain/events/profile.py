"""Events about who the customer is: profile, segment, tier, stage, branches, owner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class CustomerRegistered(CustomerEvent, Aggregate.Created):
    code: str
    name: str
    kind: str
    industry: str
    segment: str
    headquarters: str
    tier: str
    vip: bool
    stage: str
    owner: str | None
    external_refs: dict[str, str]

    def apply_to(self, customer: Customer) -> None:
        customer.code = self.code
        customer.name = self.name
        customer.kind = self.kind
        customer.industry = self.industry
        customer.segment = self.segment
        customer.headquarters = self.headquarters
        customer.tier = self.tier
        customer.vip = self.vip
        customer.stage = self.stage
        customer.owner = self.owner
        if self.owner:
            customer.worked_on[self.owner] = 1
        customer.external_refs = dict(self.external_refs)
        customer.registered_at = self.occurred_at


class ProfileUpdated(CustomerEvent):
    changes: dict[str, Any]

    def apply_to(self, customer: Customer) -> None:
        for field, value in self.changes.items():
            if field == "external_refs":
                customer.external_refs.update(value)
            else:
                setattr(customer, field, value)


class SegmentChanged(CustomerEvent):
    previous: str
    segment: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.segment = self.segment


class TierChanged(CustomerEvent):
    tier: str
    vip: bool
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.tier = self.tier
        customer.vip = self.vip


class LifecycleStageChanged(CustomerEvent):
    previous: str
    stage: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.stage = self.stage


class BranchAdded(CustomerEvent):
    branch_id: str
    name: str
    location: str

    def apply_to(self, customer: Customer) -> None:
        customer.counters["B"] = customer.counters.get("B", 0) + 1
        customer.branches[self.branch_id] = {
            "name": self.name,
            "location": self.location,
            "open": True,
        }


class BranchClosed(CustomerEvent):
    branch_id: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.branches[self.branch_id]["open"] = False


class OwnerAssigned(CustomerEvent):
    """A handover: the account moves from one staff member to another."""

    previous: str | None
    owner: str
    reason: str

    def apply_to(self, customer: Customer) -> None:
        customer.owner = self.owner
        customer.owner_since = self.occurred_at
        customer.worked_on[self.owner] = self.originator_version
        if self.previous is not None and self.previous not in customer.past_owners:
            customer.past_owners.append(self.previous)


class RelationshipTerminated(CustomerEvent):
    reason: str
    root_cause: str
    head_office_ref: str

    def apply_to(self, customer: Customer) -> None:
        customer.stage_before_termination = customer.stage
        customer.stage = "terminated"


class RelationshipReactivated(CustomerEvent):
    repair_plan: str
    stage: str

    def apply_to(self, customer: Customer) -> None:
        customer.stage = self.stage
        customer.stage_before_termination = None
