"""Which customers a caller may see in lists, from the views (docs/domain.md, "Access")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.access import SEGMENT_HEAD, STAFF, Caller, may_see
from projections.customer360 import Customer360
from projections.staff import WorkedOn

if TYPE_CHECKING:
    from projections.views import Views


@dataclass(frozen=True)
class Visibility:
    # Customer codes the caller may see; None when they see every customer.
    codes: frozenset[str] | None

    def allows(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def visibility(views: Views, caller: Caller) -> Visibility:
    if caller.sees_every_customer:
        return Visibility(None)
    if caller.role == SEGMENT_HEAD:
        statement = "SELECT code FROM view_customer360 WHERE segment = ?"
        params: tuple[str | None, ...] = (caller.segment,)
    elif caller.role == STAFF:
        statement = (
            "SELECT c.code FROM view_customer360 c WHERE c.segment = ? AND (c.owner = ? "
            "OR EXISTS (SELECT 1 FROM view_worked_on w "
            "WHERE w.customer_id = c.customer_id AND w.staff_id = ?))"
        )
        params = (caller.segment, caller.staff_id, caller.staff_id)
    else:
        return Visibility(frozenset())  # admins read no customer
    views.catch_up([Customer360.name, WorkedOn.name])
    with views.store.transaction() as tx:
        rows = tx.fetchall(statement, params)
    return Visibility(frozenset(str(row[0]) for row in rows))


def visible_customer(views: Views, caller: Caller, reference: str) -> UUID:
    """The id of the customer `reference` names, if the caller may see it; one the
    caller may not see is reported exactly like one that does not exist."""
    from ledger.application import customer_not_found

    customer_id = views.app.resolve_customer(reference)
    if caller.sees_every_customer:
        return customer_id
    views.catch_up([Customer360.name, WorkedOn.name])
    key = str(customer_id)
    with views.store.transaction() as tx:
        row = tx.fetchone(
            "SELECT segment, owner FROM view_customer360 WHERE customer_id = ?", (key,)
        )
        worked_on = [
            str(r[0])
            for r in tx.fetchall(
                "SELECT staff_id FROM view_worked_on WHERE customer_id = ?", (key,)
            )
        ]
    if row is None or not may_see(caller, str(row[0]), row[1], worked_on):
        raise customer_not_found(reference)
    return customer_id
