"""The service's repair of past handovers (docs/domain.md, "Follow-through").

`Ledger` mixes this in. Ledgers recorded before a change of owner moved what the
old owner held still show departed staff holding opportunities, commitments and
counterpart roles; the repair records the missing moves as events of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.access import Caller, manages_a_segment, may_assign_owners, may_see
from ledger.domain.holdings import StaleHolding
from ledger.errors import AccessDeniedError, RuleViolationError

if TYPE_CHECKING:
    from eventsourcing.application import Repository

    from ledger import commands as c
    from ledger.domain.base import Meta
    from ledger.domain.customer import Customer
    from ledger.domain.staff import StaffMember


@dataclass(frozen=True)
class Repaired:
    """One customer's repair: what moved (or would, in a dry run) to `owner`, or
    why nothing could (`refused`); `replayed` for a repeat of the same command."""

    customer_code: str
    customer_name: str
    owner: str | None
    moved: tuple[StaleHolding, ...] = ()
    refused: str = ""
    replayed: bool = False


class HoldingCommands:
    """Expects the host application's repository, `save`, `caller`, `meta_for`,
    `_retrying`, `member_or_none`, `resolve_customer` and `_directory_rows`."""

    repository: Repository[UUID]
    save: Callable[..., Any]
    caller: Callable[[str], Caller]
    meta_for: Callable[[c.Command], Meta]
    _retrying: Callable[[Callable[[], Any]], Any]
    member_or_none: Callable[[str], StaffMember | None]
    resolve_customer: Callable[[str], UUID]
    _directory_rows: Callable[[], dict[UUID, dict[str, Any]]]

    def repair_holdings(self, command: c.RepairHoldings) -> list[Repaired]:
        """Move everything held by someone no longer responsible to each customer's
        owner, for one customer or every one the caller assigns owners of, all in
        one transaction. With --all a customer whose owner cannot take over is
        reported and left as it is; named alone, it is refused."""
        caller = self.caller(command.actor)
        if not manages_a_segment(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: past handovers are repaired by "
                "segment heads and executives"
            )
        if command.customer is not None:
            ids = [self.resolve_customer(command.customer)]
        else:
            ids = [
                customer_id
                for customer_id, row in self._directory_rows().items()
                if may_assign_owners(caller, row["segment"])
            ]
        statuses: dict[str, str | None] = {}

        def status_of(staff_id: str) -> str | None:
            if staff_id not in statuses:
                member = self.member_or_none(staff_id)
                statuses[staff_id] = None if member is None else member.status
            return statuses[staff_id]

        def attempt() -> list[Repaired]:
            changed: list[Customer] = []
            results: list[Repaired] = []
            for customer_id in ids:
                customer: Customer = self.repository.get(customer_id)
                if command.customer is not None:
                    _check_repairable(caller, customer, command.customer)
                elif not may_assign_owners(caller, customer.segment):
                    continue  # moved out of the caller's segments since the list was read
                if customer.result_of(command.command_id) is not None:
                    results.append(_repaired(customer, (), replayed=True))
                    continue
                try:
                    stale = customer.repair_holdings(
                        status_of, self.meta_for(command), dry_run=command.dry_run
                    )
                except RuleViolationError as refused:
                    if command.customer is not None:
                        raise
                    results.append(_repaired(customer, (), refused=str(refused)))
                    continue
                if stale:
                    results.append(_repaired(customer, stale))
                    if not command.dry_run:
                        changed.append(customer)
            if changed:
                self.save(*changed)
            return results

        results: list[Repaired] = self._retrying(attempt)
        return results


def _check_repairable(caller: Caller, customer: Customer, reference: str) -> None:
    from ledger.service import customer_not_found  # the core of the host service

    if not may_see(caller, customer.segment, customer.owner, customer.worked_on):
        raise customer_not_found(reference)
    if not may_assign_owners(caller, customer.segment):
        raise AccessDeniedError(
            f"what is held at {customer.segment} customers is moved by the head of "
            f"{customer.segment} or an executive"
        )


def _repaired(
    customer: Customer,
    moved: list[StaleHolding] | tuple[()],
    *,
    refused: str = "",
    replayed: bool = False,
) -> Repaired:
    return Repaired(customer.code, customer.name, customer.owner, tuple(moved), refused, replayed)
