"""Which customers a caller may see in lists, from the views (DESIGN.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.access import SEGMENT_HEAD, STAFF, Caller, may_read_customers
from projections.customer360 import Customer360
from projections.staff import WorkedOn

if TYPE_CHECKING:
    from projections.views import Views


@dataclass(frozen=True)
class Visibility:
    caller: Caller
    # Customer codes the caller may see; None when they see every customer.
    codes: frozenset[str] | None

    def allows(self, code: str) -> bool:
        return self.codes is None or code in self.codes

    @property
    def everything(self) -> bool:
        return self.codes is None


def visibility(views: Views, caller: Caller) -> Visibility:
    if caller.sees_every_customer:
        return Visibility(caller, None)
    if not may_read_customers(caller):
        return Visibility(caller, frozenset())
    views.catch_up([Customer360.name, WorkedOn.name])
    with views.store.transaction() as tx:
        if caller.role == SEGMENT_HEAD:
            rows = tx.fetchall(
                "SELECT code FROM view_customer360 WHERE segment = ?", (caller.segment,)
            )
        elif caller.role == STAFF:
            rows = tx.fetchall(
                "SELECT c.code FROM view_customer360 c WHERE c.segment = ? AND (c.owner = ? "
                "OR EXISTS (SELECT 1 FROM view_worked_on w "
                "WHERE w.customer_id = c.customer_id AND w.staff_id = ?))",
                (caller.segment, caller.staff_id, caller.staff_id),
            )
        else:
            rows = []
    return Visibility(caller, frozenset(str(row[0]) for row in rows))
