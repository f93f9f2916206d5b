"""The service layer: one eventsourcing Application that records commands (its
core, shared with reads, is `ledger.service.LedgerCore`).

Each command method resolves the customer, loads it, calls one aggregate method
and saves, returning a `Receipt` of plain data. A command id seen before returns
the first receipt and writes nothing; a concurrent writer makes the save conflict,
and the command is retried on the fresh state a bounded number of times.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.access import (
    STAFF,
    Caller,
    manages_a_segment,
    may_assign_owners,
    may_move_segment,
    may_record,
    may_register_in,
    may_see,
)
from ledger.case_commands import CaseCommands
from ledger.contact_plan_commands import ContactPlanCommands
from ledger.corrections import coerce_changes
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.directory import (
    CustomerKey,
    CustomerNumbering,
    code_key,
    customer_id_for_command,
    format_code,
    name_key,
)
from ledger.errors import (
    AccessDeniedError,
    CustomerNameTakenError,
    LedgerError,
    RuleViolationError,
)
from ledger.follow_through_commands import FollowThroughCommands
from ledger.holding_commands import HoldingCommands
from ledger.interaction_commands import InteractionCommands
from ledger.receipts import Receipt
from ledger.report_commands import ReportCommands
from ledger.service import (  # the core's helpers, named from here as before
    LedgerCore,
    customer_not_found,
)
from ledger.unit_of_work import UnitOfWork
from ledger.visit_plan_commands import VisitPlanCommands

if TYPE_CHECKING:
    # Commands are pydantic models, costly to import: reads never need them.
    from ledger import commands as c
    from ledger.domain.staff import StaffMember

T = TypeVar("T")
Action = Callable[[Customer, Meta], str | None]
# A command's own access rule, checked once the customer is loaded and visible.
Permission = Callable[[Caller, Customer], None]


class Ledger(
    UnitOfWork,
    CaseCommands,
    InteractionCommands,
    VisitPlanCommands,
    ReportCommands,
    HoldingCommands,
    ContactPlanCommands,
    FollowThroughCommands,
    LedgerCore,
):
    """The customer-interaction ledger: its core (`ledger.service`) and every
    command. Methods only: it adds no state to the core (a read that goes on to
    write becomes one, `commands/runtime.py`)."""

    name = "Ledger"

    def check_writable(self, caller: Caller, customer: Customer, reference: str) -> None:
        self.check_directory(reference, customer)
        if not may_see(caller, customer.segment, customer.owner, customer.worked_on):
            raise customer_not_found(reference)
        if not may_record(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: that role reads customers and "
                "records nothing on them"
            )

    def _execute(
        self,
        command: c.CustomerCommand,
        action: Action,
        *,
        subject: str = "",
        permission: Permission | None = None,
        caller: Caller | None = None,
    ) -> Receipt:
        """Record one command; `subject` names the existing thing it concerns, if any
        (`caller`: the acting account, when the command looked it up already)."""
        caller = caller or self.caller(command.actor)
        customer_id = self.resolve_customer(command.customer)

        def attempt() -> Receipt:
            customer: Customer = self.repository.get(customer_id)
            self.check_writable(caller, customer, command.customer)
            if permission is not None:
                permission(caller, customer)
            done = customer.result_of(command.command_id)
            if done is not None:
                self._check_same_command(customer, done[0], command, action)
                return _receipt(customer, *done, replayed=True)
            before = customer.version
            # A bulk writer's batch (the import) reads no receipt's notes, and telling
            # them costs a pass over the customer's cases before and after each step.
            mark = None if self._batch is not None else customer.follow_through_mark()
            opened = action(customer, self.meta_for(command))
            self.save(customer)
            # A command may record more than one event (a resolved complaint closes
            # its escalations): its receipt names the first, as a repeat of it does,
            # and says which promises and problems it opened or closed.
            notes = () if mark is None else customer.follow_through_since(mark, opened or subject)
            return _receipt(customer, before + 1, opened or subject, notes=notes)

        # Typed here: the mixins before the core declare `_retrying` loosely.
        done: Receipt = self._retrying(attempt)
        return done

    def _check_same_command(
        self, customer: Customer, version: int, command: c.CustomerCommand, action: Action
    ) -> None:
        """A command id names one command. Reused for another kind of command, the
        second is refused: answered "already recorded", it would be lost unseen. What
        this command would record is tried on a copy of the customer; if it cannot be
        done again, or records the same kind of event, it is the repeat it claims."""
        recorded = type(self.event_at(customer.id, version))
        trial = copy.deepcopy(customer)
        try:
            with self.keys_untouched():
                action(trial, self.meta_for(command))
        except LedgerError:
            return
        first = next(iter(trial.pending_events), None)
        if first is not None and type(first) is not recorded:
            raise RuleViolationError(
                f"command id {command.command_id!r} was used for {recorded.__name__} "
                f"({customer.code} version {version}) already: give this command an id "
                "of its own"
            )

    # -------------------------------------------------------------- profile
    def register_customer(self, command: c.RegisterCustomer) -> Receipt:
        caller = self.caller(command.actor)
        if not may_register_in(caller, command.segment):
            where = f"in segment {caller.segment}" if caller.segment else "in no segment"
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role} {where}: customers of segment "
                f"{command.segment} are registered by its staff, its head or an executive"
            )
        if command.owner is not None:
            if caller.role == STAFF and command.owner != caller.staff_id:
                raise AccessDeniedError(
                    "staff register customers they own themselves (--owner "
                    f"{caller.staff_id}, or none): a segment head assigns other owners"
                )
            self.check_owner(command.owner, command.segment)
        customer_id = customer_id_for_command(command.command_id)

        def attempt() -> Receipt:
            existing = self._get_or_none(customer_id)
            if existing is not None:
                return _receipt(existing, 1, "", replayed=True)
            customer, directory_entries = self.prepare_registration(command)
            self.save(customer, *directory_entries)
            return _receipt(customer, customer.version, "")

        # Typed here: the mixins before the core declare `_retrying` loosely.
        done: Receipt = self._retrying(attempt)
        return done

    def prepare_registration(self, command: c.RegisterCustomer) -> tuple[Customer, list[Aggregate]]:
        """A new customer, not yet saved, and the directory entries (its number, code
        key and name key) that must be saved with it in one `save` call.

        Bulk loaders (the demo) record more of the customer's history before that one
        save; a registration racing it makes the save conflict, so nothing is half-done.
        """
        customer_id = customer_id_for_command(command.command_id)
        key_of_name = self._get_or_none(CustomerKey.id_for(name_key(command.name)))
        if key_of_name is not None and key_of_name.customer_id is not None:
            raise CustomerNameTakenError(
                f"a customer named {command.name!r} exists already: choose a distinct "
                "name (add the city or legal form)"
            )
        meta = self.meta_for(command)
        numbering = self._get_or_none(CustomerNumbering.SINGLETON_ID)
        numbering = numbering or CustomerNumbering.start()
        code = format_code(numbering.issue(customer_id, self.reserved_number(customer_id)))
        customer = Customer.register(
            customer_id=customer_id,
            code=code,
            name=command.name,
            kind=command.kind.value,
            industry=command.industry,
            segment=command.segment,
            headquarters=command.headquarters,
            tier=command.tier.value,
            vip=command.vip,
            stage=command.stage.value,
            owner=command.owner,
            external_refs=dict(command.external_refs),
            meta=meta,
        )
        if key_of_name is None:
            key_of_name = CustomerKey.claim(name_key(command.name), customer_id)
        else:
            key_of_name.reclaim(customer_id)
        return customer, [numbering, CustomerKey.claim(code_key(code), customer_id), key_of_name]

    def update_profile(self, command: c.UpdateProfile) -> Receipt:
        customer_id = self.resolve_customer(command.customer)
        changes: dict[str, Any] = {
            field: (value.value if hasattr(value, "value") else value)
            for field in ("name", "kind", "industry", "headquarters")
            if (value := getattr(command, field)) is not None
        }
        if command.external_refs:
            changes["external_refs"] = dict(command.external_refs)
        caller = self.caller(command.actor)

        def attempt() -> Receipt:
            customer: Customer = self.repository.get(customer_id)
            self.check_writable(caller, customer, command.customer)
            done = customer.result_of(command.command_id)
            if done is not None:
                return _receipt(customer, *done, replayed=True)
            old_name = customer.name
            customer.update_profile(changes, self.meta_for(command))
            keys: list[Aggregate] = []
            if command.name is not None and name_key(command.name) != name_key(old_name):
                keys = self._move_name_key(customer_id, old_name, command.name)
            self.save(customer, *keys)
            return _receipt(customer, customer.version, "")

        # Typed here: the mixins before the core declare `_retrying` loosely.
        done: Receipt = self._retrying(attempt)
        return done

    def _move_name_key(self, customer_id: UUID, old: str, new: str) -> list[Aggregate]:
        taken = self._get_or_none(CustomerKey.id_for(name_key(new)))
        if taken is not None and taken.customer_id not in (None, customer_id):
            raise CustomerNameTakenError(
                f"a customer named {new!r} exists already: choose a distinct name"
            )
        released = self._get_or_none(CustomerKey.id_for(name_key(old)))
        keys: list[Aggregate] = []
        if released is not None:
            released.release()
            keys.append(released)
        if taken is None:
            keys.append(CustomerKey.claim(name_key(new), customer_id))
        else:
            taken.reclaim(customer_id)
            keys.append(taken)
        return keys

    def change_segment(self, command: c.ChangeSegment) -> Receipt:
        def permission(caller: Caller, customer: Customer) -> None:
            if not may_move_segment(caller, customer.segment):
                raise AccessDeniedError(
                    f"moving {customer.code} out of segment {customer.segment} needs the "
                    "head of that segment or an executive"
                )

        return self._execute(
            command,
            lambda cu, m: cu.change_segment(command.segment, command.reason, m),
            permission=permission,
        )

    def change_tier(self, command: c.ChangeTier) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.change_tier(
                command.tier.value,
                cu.vip if command.vip is None else command.vip,
                command.reason,
                m,
            ),
        )

    def change_stage(self, command: c.ChangeStage) -> Receipt:
        return self._execute(
            command, lambda cu, m: cu.change_stage(command.stage.value, command.reason, m)
        )

    def add_branch(self, command: c.AddBranch) -> Receipt:
        return self._execute(
            command, lambda cu, m: cu.add_branch(command.name, command.location, m)
        )

    def close_branch(self, command: c.CloseBranch) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.close_branch(command.case, command.reason, m),
            subject=command.case,
        )

    def assign_owner(self, command: c.AssignOwner) -> Receipt:
        def permission(caller: Caller, customer: Customer) -> None:
            check_manages_a_segment(caller, customer)
            self.check_owner(command.owner, customer.segment)

        moved: list[tuple[str, str]] = []

        def hand_over(customer: Customer, meta: Meta) -> None:
            moved[:] = customer.assign_owner(command.owner, command.reason, meta)

        receipt = self._execute(command, hand_over, permission=permission)
        return receipt if receipt.replayed else replace(receipt, handed_over=tuple(moved))

    def reassign_owner(self, command: c.ReassignOwner) -> list[Receipt]:
        """Hand every customer of `previous` that the caller may reassign to `owner`,
        all in one transaction: one OwnerAssigned per customer, or nothing."""
        caller = self.caller(command.actor)
        if not manages_a_segment(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: owners are assigned by segment heads "
                "and executives"
            )
        # One read of the log gives the ids; no lookup of each customer by its code.
        ids = [
            customer_id
            for customer_id, row in self._directory_rows().items()
            if row["owner"] == command.previous
        ]
        if not ids:
            self.staff_member(command.previous)  # a mistyped name is said, not "none owned"

        def attempt() -> list[Receipt]:
            changed: list[Customer] = []
            receipts: list[Receipt] = []
            owner: StaffMember | None = None  # the new owner's account, read once
            for customer_id in ids:
                customer: Customer = self.repository.get(customer_id)
                if not may_assign_owners(caller, customer.segment):
                    continue
                done = customer.result_of(command.command_id)
                if done is not None:
                    receipts.append(_receipt(customer, *done, replayed=True))
                    continue
                if customer.owner != command.previous:
                    continue
                owner = self.check_owner(command.owner, customer.segment, owner)
                before = customer.version
                moved = customer.assign_owner(command.owner, command.reason, self.meta_for(command))
                changed.append(customer)
                # The receipt names the OwnerAssigned, as a repeat of it does.
                receipts.append(
                    replace(_receipt(customer, before + 1, ""), handed_over=tuple(moved))
                )
            if changed:
                self.save(*changed)
            return receipts

        # Typed here: the mixins before the core declare `_retrying` loosely.
        done: list[Receipt] = self._retrying(attempt)
        return done

    def terminate_relationship(self, command: c.TerminateRelationship) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.terminate(
                command.reason, command.root_cause, command.head_office_ref, m
            ),
        )

    def reactivate_relationship(self, command: c.ReactivateRelationship) -> Receipt:
        return self._execute(command, lambda cu, m: cu.reactivate(command.repair_plan, m))

    def record_correction(self, command: c.RecordCorrection) -> Receipt:
        def correct(customer: Customer, meta: Meta) -> str | None:
            # Looked up once the caller is known to see the customer (`_execute`
            # checks that first): whether a version exists says something about it.
            target = self.event_at(customer.id, command.version)
            customer.record_correction(
                target_version=command.version,
                target_type=type(target).__name__,
                reason=command.reason,
                changes=coerce_changes(target, command.changes, self.settings.timezone),
                meta=meta,
            )
            return None

        return self._execute(command, correct)


def check_manages_a_segment(caller: Caller, customer: Customer) -> None:
    if not may_assign_owners(caller, customer.segment):
        raise AccessDeniedError(
            f"owners of {customer.segment} customers are assigned by the head of "
            f"{customer.segment} or an executive"
        )


def _receipt(
    customer: Any,
    version: int,
    subject: str,
    *,
    replayed: bool = False,
    notes: tuple[str, ...] = (),
) -> Receipt:
    return Receipt(
        customer_code=customer.code,
        customer_name=customer.name,
        version=version,
        subject=subject,
        replayed=replayed,
        notes=notes,
    )
