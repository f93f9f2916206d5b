"""The service's staff side: accounts, who is acting, and the read log.

`Ledger` mixes this in. Every command first turns its actor into a `Caller`,
which only an existing, active account can be; the access rules
(`ledger.access`) then decide what the caller may see and do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from ledger.access import FOUNDING_ROLES, Caller, may_manage_staff, may_own
from ledger.clock import now
from ledger.domain.base import Meta
from ledger.domain.staff import ReadRecord, StaffDirectory, StaffMember, staff_stream_id
from ledger.errors import AccessDeniedError, RuleViolationError, StaffNotFoundError

if TYPE_CHECKING:
    from eventsourcing.application import Repository
    from eventsourcing.domain import Aggregate

    from ledger import commands as c

# The first account founds the directory; only these roles can hold the keys.

# What an account may hold at a customer under `check_owner`'s rule: the article
# and what to do when the account is not active.
_HOLDINGS = {
    "owner": ("an", "hand the customer to an active owner"),
    "counterpart": ("a", "name an active counterpart"),
}


@dataclass(frozen=True)
class StaffReceipt:
    staff_id: str
    version: int
    replayed: bool = False


class StaffService:
    """Staff commands and checks; expects the host application's repository,
    `save`, `meta_for` and `_retrying`."""

    repository: Repository[UUID]
    save: Callable[..., Any]
    meta_for: Callable[[c.Command], Meta]
    _retrying: Callable[[Callable[[], Any]], Any]

    # ------------------------------------------------------------- looking up
    def staff_member(self, staff_id: str) -> StaffMember:
        try:
            member: StaffMember = self.repository.get(staff_stream_id(staff_id))
        except AggregateNotFoundError:
            raise StaffNotFoundError(
                f"no staff member {staff_id!r}: `ledger staff list` shows who there is"
            ) from None
        return member

    def directory_founded(self) -> bool:
        return self.directory_founder() is not None

    def directory_founder(self) -> str | None:
        """The account that founded the staff directory (None before the first)."""
        try:
            directory: StaffDirectory = self.repository.get(StaffDirectory.SINGLETON_ID)
        except AggregateNotFoundError:
            return None
        return directory.founder

    def caller(self, actor: str) -> Caller:
        """The account `actor` names, which must exist and be active."""
        try:
            member = self.staff_member(actor)
        except StaffNotFoundError:
            if not self.directory_founded():
                raise AccessDeniedError(
                    "this ledger has no staff accounts yet: add the first with "
                    "`ledger staff add ID --name NAME --role admin` (it needs no --as)"
                ) from None
            raise AccessDeniedError(
                f"{actor!r} is not a staff member: act as your own account (--as or "
                "LEDGER_ACTOR); `ledger staff list` shows them"
            ) from None
        if not member.is_active:
            raise AccessDeniedError(
                f"{actor}'s account is {member.status}: it can do nothing until an "
                "admin runs `ledger staff reactivate`"
            )
        return Caller(member.staff_id, member.role, member.segment)

    def check_owner(
        self,
        owner: str,
        customer_segment: str,
        member: StaffMember | None = None,
        *,
        holding: str = "owner",
    ) -> StaffMember:
        """A new owner (or, with `holding="counterpart"`, a key person's counterpart:
        the same rule, docs/domain.md "Follow-through") must be an active account
        that can see the customer; returns the account, which a caller checking
        many customers passes back in."""
        article, remedy = _HOLDINGS[holding]
        if member is None:
            try:
                member = self.staff_member(owner)
            except StaffNotFoundError:
                raise RuleViolationError(
                    f"{owner!r} is not a staff member: {article} {holding} must be one "
                    "(`ledger staff list` shows them)"
                ) from None
        if not member.is_active:
            raise RuleViolationError(f"{owner}'s account is {member.status}: {remedy}")
        if not may_own(member.role, member.segment, customer_segment):
            where = f"works in segment {member.segment}" if member.segment else "has no segment"
            raise RuleViolationError(
                f"{owner} is {member.role} and {where}: {article} {holding} of a customer in "
                f"{customer_segment} must be staff or head of {customer_segment}, or an executive"
            )
        return member

    # ---------------------------------------------------------------- accounts
    def add_staff(self, command: c.AddStaff) -> StaffReceipt:
        def attempt() -> StaffReceipt:
            existing = self.member_or_none(command.staff)
            if existing is not None:
                if existing.result_of(command.command_id) is not None:
                    return StaffReceipt(existing.staff_id, 1, replayed=True)
                raise RuleViolationError(
                    f"staff member {command.staff} exists already: `ledger staff show "
                    f"{command.staff}`"
                )
            founding: list[Aggregate] = []
            if not self.directory_founded():
                if command.role not in FOUNDING_ROLES:
                    raise AccessDeniedError(
                        "the first account founds the staff directory and must be an admin "
                        "or an executive: add it with --role admin"
                    )
                founding.append(StaffDirectory.found(command.staff))
            else:
                self._require_staff_manager(command.actor)
            member = StaffMember.add(
                command.staff,
                command.name,
                command.role,
                command.segment,
                command.reason,
                self.meta_for(command),
            )
            self.save(member, *founding)
            return StaffReceipt(member.staff_id, member.version)

        receipt: StaffReceipt = self._retrying(attempt)
        return receipt

    def change_staff_role(self, command: c.ChangeStaffRole) -> StaffReceipt:
        return self._change_staff(
            command,
            lambda m, meta: m.change_role(
                command.role, command.segment or m.segment, command.reason, meta
            ),
        )

    def change_staff_segment(self, command: c.ChangeStaffSegment) -> StaffReceipt:
        return self._change_staff(
            command,
            lambda m, meta: m.change_segment(command.segment, command.reason, meta),
            may_change_own=True,
        )

    def freeze_staff(self, command: c.FreezeStaff) -> StaffReceipt:
        return self._change_staff(command, lambda m, meta: m.freeze(command.reason, meta))

    def deactivate_staff(self, command: c.DeactivateStaff) -> StaffReceipt:
        return self._change_staff(command, lambda m, meta: m.deactivate(command.reason, meta))

    def reactivate_staff(self, command: c.ReactivateStaff) -> StaffReceipt:
        return self._change_staff(command, lambda m, meta: m.reactivate(command.reason, meta))

    def _change_staff(
        self,
        command: c.StaffCommand,
        action: Callable[[StaffMember, Meta], None],
        *,
        may_change_own: bool = False,
    ) -> StaffReceipt:
        caller = self._require_staff_manager(command.actor)
        if command.staff == caller.staff_id and not may_change_own:
            # An admin locking or demoting themselves out would leave nobody able
            # to undo it.
            raise RuleViolationError(
                "an admin cannot change their own role or access: ask another admin"
            )

        def attempt() -> StaffReceipt:
            member = self.staff_member(command.staff)
            done = member.result_of(command.command_id)
            if done is not None:
                return StaffReceipt(member.staff_id, done, replayed=True)
            action(member, self.meta_for(command))
            self.save(member)
            return StaffReceipt(member.staff_id, member.version)

        receipt: StaffReceipt = self._retrying(attempt)
        return receipt

    def _require_staff_manager(self, actor: str) -> Caller:
        caller = self.caller(actor)
        if not may_manage_staff(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: only an admin manages staff accounts"
            )
        return caller

    def member_or_none(self, staff_id: str) -> StaffMember | None:
        try:
            return self.staff_member(staff_id)
        except StaffNotFoundError:
            return None

    # ---------------------------------------------------------------- read log
    def record_read(
        self, caller: Caller, customer_id: UUID | None, view: str, detail: str = ""
    ) -> None:
        """Log that the caller read a customer's record (None: all customers)."""
        meta = Meta(occurred_at=now(), actor=caller.staff_id, command_id=f"read-{uuid4().hex}")
        self.save(ReadRecord.of(caller.staff_id, customer_id, view, detail, meta))


def _a(word: str) -> str:
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"
