"""Commands on a customer's profile, branches, owner and relationship."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    StringConstraints,
)

from ledger.commands.base import (
    Command,
    CustomerCommand,
    LocalIdCommand,
    Name,
    OptionalText,
    Segment,
    StaffId,
    Text,
)
from ledger.vocabulary import (
    CustomerKind,
    Stage,
    Tier,
)


class RegisterCustomer(Command):
    name: Name
    kind: CustomerKind = CustomerKind.ORGANISATION
    industry: OptionalText = ""
    segment: Segment
    headquarters: OptionalText = ""
    tier: Tier = Tier.GENERAL
    vip: bool = False
    stage: Stage = Stage.PROSPECT
    owner: StaffId | None = None
    external_refs: dict[str, str] = Field(default_factory=dict)


class UpdateProfile(CustomerCommand):
    name: Name | None = None
    kind: CustomerKind | None = None
    industry: OptionalText | None = None
    headquarters: OptionalText | None = None
    external_refs: dict[str, str] = Field(default_factory=dict)


class ChangeSegment(CustomerCommand):
    segment: Segment
    reason: OptionalText = ""


class ChangeTier(CustomerCommand):
    tier: Tier
    vip: bool | None = None  # None keeps the current VIP flag
    reason: OptionalText = ""


class ChangeStage(CustomerCommand):
    stage: Stage
    reason: OptionalText = ""


class AddBranch(CustomerCommand):
    name: Name
    location: OptionalText = ""


class CloseBranch(LocalIdCommand):
    TARGET_KIND = "branch"
    reason: OptionalText = ""


class AssignOwner(CustomerCommand):
    owner: StaffId
    reason: Text


class TerminateRelationship(CustomerCommand):
    reason: Text
    root_cause: Text
    head_office_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReactivateRelationship(CustomerCommand):
    repair_plan: Text
