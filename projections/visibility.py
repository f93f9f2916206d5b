"""The visibility rule (`ledger.access.Sight`, docs/domain.md, "Access") as a
filter on the views: which customers a caller may see in lists, and whether they
may see one."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.access import Sight
from projections.store import Transaction


@dataclass(frozen=True)
class Visibility:
    # Customer codes the caller may see; None when they see every customer.
    codes: frozenset[str] | None

    def allows(self, code: str) -> bool:
        return self.codes is None or code in self.codes


def sight_filter(sight: Sight, alias: str = "c") -> tuple[str, tuple[str, ...]]:
    """A WHERE condition on `view_customer360 {alias}` that holds for exactly the
    customers `sight.allows`, and its parameters."""
    if sight.everything:
        return "1 = 1", ()
    if sight.segment is None:
        return "1 = 0", ()
    if sight.staff_id is None:
        return f"{alias}.segment = ?", (sight.segment,)
    return (
        f"{alias}.segment = ? AND ({alias}.owner = ? OR EXISTS (SELECT 1 FROM view_worked_on w "
        f"WHERE w.customer_id = {alias}.customer_id AND w.staff_id = ?))",
        (sight.segment, sight.staff_id, sight.staff_id),
    )


def visibility(tx: Transaction, sight: Sight) -> Visibility:
    """The codes of the customers in sight (from the customer and worked-on views).

    For a member of staff, `sight_filter`'s condition taken as two queries joined:
    the customers they own, and those they worked on, each found by its own index.
    As one condition the database walks the whole segment, checking each customer
    for work (the work list of one person took 2.9 s at 100,000 customers)."""
    if sight.everything:
        return Visibility(None)
    if sight.segment is not None and sight.staff_id is not None:
        rows = tx.fetchall(
            "SELECT c.code FROM view_customer360 c WHERE c.segment = ? AND c.owner = ? "
            "UNION SELECT c.code FROM view_worked_on w "
            "JOIN view_customer360 c ON c.customer_id = w.customer_id "
            "WHERE w.staff_id = ? AND c.segment = ?",
            (sight.segment, sight.staff_id, sight.staff_id, sight.segment),
        )
    else:
        condition, params = sight_filter(sight)
        rows = tx.fetchall(f"SELECT c.code FROM view_customer360 c WHERE {condition}", params)
    return Visibility(frozenset(str(row[0]) for row in rows))


def in_sight(tx: Transaction, sight: Sight, customer_id: str) -> bool:
    """Whether the customer `customer_id` is in sight (and in the views at all)."""
    condition, params = sight_filter(sight)
    row = tx.fetchone(
        f"SELECT 1 FROM view_customer360 c WHERE c.customer_id = ? AND {condition}",
        (customer_id, *params),
    )
    return row is not None
