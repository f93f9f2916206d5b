"""Who may see and do what (docs/domain.md, "Access"): the whole rulebook, as pure functions.

A customer a caller may not see does not exist for them: refusals about such a
customer use the same words as an unknown customer, so nothing leaks, not even
whether it exists. Refusals about a customer the caller does see say what is
missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXECUTIVE, SEGMENT_HEAD, STAFF, AUDITOR, ADMIN = (
    "executive",
    "segment_head",
    "staff",
    "auditor",
    "admin",
)
ROLES = (EXECUTIVE, SEGMENT_HEAD, STAFF, AUDITOR, ADMIN)
# Roles that work on customers: they record interactions and can own accounts.
CUSTOMER_ROLES = (EXECUTIVE, SEGMENT_HEAD, STAFF)
# Roles confined to one segment, which their account must name.
SEGMENT_ROLES = (SEGMENT_HEAD, STAFF)
# Who may found the staff directory (its first account).
FOUNDING_ROLES = (ADMIN, EXECUTIVE)


@dataclass(frozen=True)
class Caller:
    """The active staff member a command runs as."""

    staff_id: str
    role: str
    segment: str | None

    @property
    def sees_every_customer(self) -> bool:
        return self.role in (EXECUTIVE, AUDITOR)


@dataclass(frozen=True)
class Sight:
    """Which customers a caller sees, as data: the one statement of the rule, which
    `allows` evaluates for one customer and the read side translates into a query
    filter (projections/visibility.py). Every customer, when `everything`; else
    none without a `segment`; else that segment's customers, and with a
    `staff_id` only those that staff member owns or has recorded something on."""

    everything: bool = False
    segment: str | None = None
    staff_id: str | None = None

    @property
    def nothing(self) -> bool:
        return not self.everything and self.segment is None

    def allows(self, segment: str, owner: str | None, worked_on: Iterable[str]) -> bool:
        """Whether a customer of `segment`, owned by `owner`, that the staff in
        `worked_on` have recorded something on, is in sight."""
        if self.everything:
            return True
        if self.segment is None or segment != self.segment:
            return False
        return self.staff_id is None or owner == self.staff_id or self.staff_id in worked_on


def sight(caller: Caller) -> Sight:
    """Executives and auditors see every customer; a segment head their segment's;
    staff those of their segment they own or have worked on; admins none."""
    if caller.sees_every_customer:
        return Sight(everything=True)
    if caller.role == SEGMENT_HEAD:
        return Sight(segment=caller.segment)
    if caller.role == STAFF:
        return Sight(segment=caller.segment, staff_id=caller.staff_id)
    return Sight()


def may_see(caller: Caller, segment: str, owner: str | None, worked_on: Iterable[str]) -> bool:
    """Whether the caller may see a customer of `segment`, owned by `owner`, that
    the staff in `worked_on` have recorded something on."""
    return sight(caller).allows(segment, owner, worked_on)


def may_record(caller: Caller) -> bool:
    """Auditors read everything and write nothing; admins see no customer content."""
    return caller.role in CUSTOMER_ROLES


def may_register_in(caller: Caller, segment: str) -> bool:
    """Customers are registered where the caller could own them."""
    return may_own(caller.role, caller.segment, segment)


def manages_a_segment(caller: Caller) -> bool:
    """Executives (every segment) and segment heads (their own): they assign owners
    and sweep for breaches."""
    return caller.role in (EXECUTIVE, SEGMENT_HEAD)


def may_assign_owners(caller: Caller, segment: str) -> bool:
    return caller.role == EXECUTIVE or (caller.role == SEGMENT_HEAD and caller.segment == segment)


def may_move_segment(caller: Caller, source: str) -> bool:
    """Moving a customer out of a segment is for that segment's head or an executive."""
    return may_assign_owners(caller, source)


def may_own(role: str, staff_segment: str | None, customer_segment: str) -> bool:
    """An owner must be able to see the customer they own."""
    return role == EXECUTIVE or (
        role in (SEGMENT_HEAD, STAFF) and staff_segment == customer_segment
    )


def may_manage_staff(caller: Caller) -> bool:
    return caller.role == ADMIN


def may_audit(caller: Caller) -> bool:
    """Tamper checks, digests and the read log."""
    return caller.role in (AUDITOR, EXECUTIVE)


def may_run_views(caller: Caller) -> bool:
    """Rebuilding and following projections: operations, no customer content shown."""
    return caller.role in (ADMIN, EXECUTIVE)


def may_import(caller: Caller) -> bool:
    """A legacy import (docs/import.md, "Who may import") registers customers in any
    segment, names their owners and records on each of them, and its summary and
    rejects answer for customers already in the ledger: only an executive may do
    all of that by hand. An admin sees no customer content; segment heads and
    staff are confined to a segment; auditors record nothing."""
    return caller.role == EXECUTIVE


def may_read_customers(caller: Caller) -> bool:
    return caller.role != ADMIN


def may_submit_summary(caller: Caller, segment: str) -> bool:
    """A segment's monthly summary is its head's to submit, or an executive's
    (docs/domain.md, "Reports")."""
    return caller.role == EXECUTIVE or (caller.role == SEGMENT_HEAD and caller.segment == segment)


def may_see_activity_of(caller: Caller, staff_id: str, staff_segment: str | None) -> bool:
    """Whose activity (what each member of staff did in a period, docs/domain.md,
    "Reports") the caller may see: executives and auditors everyone's; a segment
    head their segment's staff's; staff only their own; admins nobody's (the
    counts are made of customer records)."""
    if caller.sees_every_customer:
        return True
    if caller.role == SEGMENT_HEAD:
        return staff_id == caller.staff_id or staff_segment == caller.segment
    if caller.role == STAFF:
        return staff_id == caller.staff_id
    return False


def may_see_personal_data(caller: Caller) -> bool:
    """Key people's personal details are for those who work with the customer
    (docs/domain.md, "Personal data"): an auditor checks the record is unaltered
    and needs no one's phone number or family situation."""
    return caller.role in CUSTOMER_ROLES


def may_export_personal_data(caller: Caller) -> bool:
    """An export with personal details copies every visible person's details out
    of the ledger's care, in bulk: an executive decides that."""
    return caller.role == EXECUTIVE


def may_erase_personal_data(caller: Caller) -> bool:
    """An erasure cannot be undone: an executive, who answers for the request
    under privacy law, carries it out; never an auditor."""
    return caller.role == EXECUTIVE
