"""Commands on staff accounts and handovers of their customers."""

from __future__ import annotations

from typing import Literal

from ledger.commands.base import (
    Command,
    Name,
    Segment,
    StaffId,
    Text,
)

Role = Literal["executive", "segment_head", "staff", "auditor", "admin"]


class StaffCommand(Command):
    staff: StaffId


class AddStaff(StaffCommand):
    name: Name
    role: Role
    segment: Segment | None = None
    reason: Text = "joined"


class ChangeStaffRole(StaffCommand):
    role: Role
    # The segment the new role works in (kept when not given).
    segment: Segment | None = None
    reason: Text


class ChangeStaffSegment(StaffCommand):
    segment: Segment
    reason: Text


class FreezeStaff(StaffCommand):
    """Stop an account's access at once (ahead of a departure, say)."""

    reason: Text


class DeactivateStaff(StaffCommand):
    """The account's owner has left: no access from now on."""

    reason: Text


class ReactivateStaff(StaffCommand):
    """Give a frozen or deactivated account access again."""

    reason: Text


class ReassignOwner(Command):
    """Hand every customer of one owner to another (a departure)."""

    previous: StaffId
    owner: StaffId
    reason: Text = "handover after departure"
