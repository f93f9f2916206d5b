"""The read log by customer: who read which customer's record, through which
view, when (`ledger audit reads`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.domain.events.staff import RecordRead
from projections.base import StatementProjection, from_iso, iso
from projections.store import Transaction

# A read of every customer at once (a full export) is stored under this id.
EVERY_CUSTOMER = "*"


@dataclass(frozen=True)
class Read:
    at: datetime
    reader: str
    customer_id: str
    view: str
    detail: str


class ReadLog(StatementProjection):
    name = "reads"
    version = "1"
    accepts = (RecordRead,)
    tables = {
        "view_reads": (
            "CREATE TABLE IF NOT EXISTS view_reads ("
            "stream_id TEXT PRIMARY KEY, at TEXT NOT NULL, reader TEXT NOT NULL, "
            "customer_id TEXT NOT NULL, view TEXT NOT NULL, detail TEXT NOT NULL)"
        )
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_reads_customer ON view_reads (customer_id, at)",
        "CREATE INDEX IF NOT EXISTS view_reads_reader ON view_reads (reader, at)",
    )

    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        tx.executemany(
            "INSERT INTO view_reads (stream_id, at, reader, customer_id, view, detail) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stream_id) DO NOTHING",
            [
                (
                    str(e.originator_id),
                    iso(e.timestamp),
                    e.reader,
                    str(e.customer_id) if e.customer_id else EVERY_CUSTOMER,
                    e.view,
                    e.detail,
                )
                for e in events
            ],
        )


def reads(
    tx: Transaction,
    *,
    customer_id: UUID | None = None,
    reader: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Read]:
    """Reads in time order; a customer's include reads of every customer."""
    clauses: list[str] = []
    params: list[Any] = []
    if customer_id is not None:
        clauses.append("customer_id IN (?, ?)")
        params += [str(customer_id), EVERY_CUSTOMER]
    if reader is not None:
        clauses.append("reader = ?")
        params.append(reader)
    if since is not None:
        clauses.append("at >= ?")
        params.append(iso(since))
    if until is not None:
        clauses.append("at < ?")
        params.append(iso(until))
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = tx.fetchall(
        f"SELECT at, reader, customer_id, view, detail FROM view_reads {where} "
        "ORDER BY at, stream_id",
        params,
    )
    return [
        Read(from_iso(at), reader, customer, view, detail)
        for at, reader, customer, view, detail in rows
    ]
