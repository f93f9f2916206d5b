"""Customer 360: everything a member of staff needs on one customer, one document
per customer, kept current from the customer's events.

The document is in projections/customer360_doc.py and how each event changes it
in projections/customer360_handlers.py; handlers are pure, so the same code
rebuilds the stored view and computes the view as it stood at any earlier
version (`as_of`). Both are imported by the first replay
(projections/customer360_replay.py): this module holds the view's tables and
queries, all a read of a current view needs.
Every element that comes from an event keeps that event's version in `v`.
Corrections are not patched in: the events arrive corrected (docs/domain.md,
"Corrections").

The document keeps the open cases and only the `CLOSED_KEPT` most recently closed
ones: older closed cases are moved to `view_customer360_closed`, one row each, and
brought back should an event touch one again (a complaint reopened). A customer's
past would otherwise make its document grow for ever: a long-standing customer's
360 held thousands of closed cases that `customer show` read and parsed on every
call only to leave them out. Corrections patch the rows kept apart in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from ledger.domain.base import CustomerEvent
from projections.base import Projection, Replay
from projections.store import Transaction, chunks

Doc = dict[str, Any]


class Customer360(Projection):
    name = "customer360"
    keyed_by_customer = True
    # 2: closed cases beyond the latest CLOSED_KEPT moved out of the document.
    # 5: who holds each opportunity and commitment, moved by ResponsibilityHandedOver.
    # 6: key people keep their contact plan and last contact ("contact").
    # 7: problems from visits have ids; commitments name their holder; withdrawn.
    # 8: key people's personal details, sealed (docs/domain.md, "Personal data").
    version = "8"
    tables = {
        "view_customer360": (
            "CREATE TABLE IF NOT EXISTS view_customer360 ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
            "segment TEXT NOT NULL, owner TEXT, stage TEXT NOT NULL, tier TEXT NOT NULL, "
            "version INTEGER NOT NULL, doc TEXT NOT NULL)"
        ),
        # A closed case kept out of its customer's document: `v` opened it and
        # `closed_v` closed it, so a correction of either event finds it.
        "view_customer360_closed": (
            "CREATE TABLE IF NOT EXISTS view_customer360_closed ("
            "customer_id TEXT NOT NULL, case_id TEXT NOT NULL, v INTEGER NOT NULL, "
            "closed_v INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (customer_id, case_id))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_customer360_code ON view_customer360 (code)",
        "CREATE INDEX IF NOT EXISTS view_customer360_segment ON view_customer360 (segment, owner)",
        "CREATE INDEX IF NOT EXISTS view_customer360_closed_v "
        "ON view_customer360_closed (customer_id, v)",
        "CREATE INDEX IF NOT EXISTS view_customer360_closed_closed_v "
        "ON view_customer360_closed (customer_id, closed_v)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        # The handlers (and with them the event classes) are imported by the first
        # replay: a read that finds the view current needs none of them
        # (docs/decisions.md, "Start-up: a read imports no event class").
        from projections.customer360_replay import Documents

        return Documents(tx)

    @staticmethod
    def load(tx: Transaction, customer_id: UUID) -> Doc | None:
        row = tx.fetchone(
            "SELECT doc FROM view_customer360 WHERE customer_id = ?", (str(customer_id),)
        )
        return None if row is None else dict(json.loads(row[0]))


def as_of(customer_id: UUID, events: Iterable[CustomerEvent]) -> Doc:
    """The 360 computed from a customer's events (all, or up to some version), each
    as the corrections among them say it was (projections/customer360_replay.py)."""
    from projections.customer360_replay import computed

    return computed(customer_id, events)


def customer_360(tx: Transaction, customer_id: UUID) -> Doc | None:
    """The stored 360 of `customer_id` (None for an unknown id); the read service
    catches the view up first, and replays an earlier moment with `as_of`."""
    return Customer360.load(tx, customer_id)


def codes(tx: Transaction, customer_ids: Iterable[str]) -> dict[str, str]:
    """The code of each customer id given that the view knows."""
    return {
        str(customer): str(code)
        for chunk in chunks(sorted(customer_ids))
        for customer, code in tx.fetchall(
            "SELECT customer_id, code FROM view_customer360 "
            f"WHERE customer_id IN ({tx.in_list(len(chunk))})",
            chunk,
        )
    }
