"""A customer's closed cases kept apart from its 360 document, in
`view_customer360_closed`: the document keeps its open cases and the latest
`CLOSED_KEPT` to close; the older ones are moved here, one row each, and brought
back should an event touch one again (a complaint reopened)."""

from __future__ import annotations

from typing import Any

import orjson

from projections.base import dumps
from projections.store import Transaction

Doc = dict[str, Any]


class ClosedCases:
    """One customer's closed cases kept out of its document: those read or moved
    there while events are applied (the rest stay in the table until needed), and
    which rows to write or delete at the next flush."""

    __slots__ = ("changed", "held", "key", "removed", "stored", "tx")

    def __init__(self, key: str, tx: Transaction | None) -> None:
        self.key = key
        # Where cases not held are read from; None: every one there is is held
        # (a rebuild, a 360 computed from events, a customer new to the table).
        self.tx = tx
        self.held: dict[str, Doc] = {}
        self.stored: set[str] = set()  # of those known, the ones with a row
        self.changed: set[str] = set()  # held ones to write
        self.removed: set[str] = set()  # back in the document: their rows go

    def put(self, case_id: str, case: Doc) -> None:
        self.held[case_id] = case
        self.changed.add(case_id)
        self.removed.discard(case_id)  # a row still there is overwritten

    def take(self, case_id: str) -> Doc | None:
        """The case, no longer kept apart (it goes back into the document)."""
        case = self.held.pop(case_id, None)
        if case is None and self.tx is not None and case_id not in self.removed:
            row = self.tx.fetchone(
                "SELECT doc FROM view_customer360_closed WHERE customer_id = ? AND case_id = ?",
                (self.key, case_id),
            )
            if row is not None:
                case = orjson.loads(row[0])
                self.stored.add(case_id)
        if case is not None:
            self.changed.discard(case_id)
            if case_id in self.stored:
                self.removed.add(case_id)
        return case

    def write_to(self, rows: ClosedRows) -> None:
        for case_id in sorted(self.removed):
            rows.gone.append((self.key, case_id))
        for case_id in sorted(self.changed):
            case = self.held[case_id]
            row = (self.key, case_id, case["v"], case["closed_v"], dumps(case))
            (rows.known if case_id in self.stored else rows.fresh).append(row)
        self.stored -= self.removed
        self.stored |= self.changed
        self.removed.clear()
        self.changed.clear()


class ClosedRows:
    """Closed cases' rows to write in one flush, for all customers."""

    def __init__(self) -> None:
        self.gone: list[tuple[str, str]] = []
        self.fresh: list[tuple[Any, ...]] = []
        self.known: list[tuple[Any, ...]] = []

    def flush(self, tx: Transaction) -> None:
        tx.executemany(
            "DELETE FROM view_customer360_closed WHERE customer_id = ? AND case_id = ?", self.gone
        )
        tx.insert_new("view_customer360_closed", CLOSED_COLUMNS, self.fresh)
        tx.executemany(
            f"INSERT INTO view_customer360_closed ({', '.join(CLOSED_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id, case_id) DO UPDATE SET "
            "v = excluded.v, closed_v = excluded.closed_v, doc = excluded.doc",
            self.known,
        )


CLOSED_COLUMNS = ("customer_id", "case_id", "v", "closed_v", "doc")
