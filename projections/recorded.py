"""When each event was recorded: the index from recording time to stream version
that as-of views load by (the event store itself cannot load by time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from ledger.domain.base import CustomerEvent
from projections.base import Projection, iso
from projections.store import Transaction


class RecordedVersions(Projection):
    name = "recorded"
    version = "1"
    tables = {
        "view_recorded": (
            "CREATE TABLE IF NOT EXISTS view_recorded ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, recorded_at TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, version))"
        )
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_recorded_by_time "
        "ON view_recorded (customer_id, recorded_at)",
    )

    def process(self, tx: Transaction, events: Sequence[CustomerEvent]) -> None:
        tx.executemany(
            "INSERT INTO view_recorded (customer_id, version, recorded_at) VALUES (?, ?, ?) "
            "ON CONFLICT (customer_id, version) DO NOTHING",
            [(str(e.originator_id), e.originator_version, iso(e.timestamp)) for e in events],
        )

    @staticmethod
    def version_as_of(tx: Transaction, customer_id: UUID, moment: datetime) -> int:
        """The customer's last version recorded at or before `moment` (0: none yet)."""
        row = tx.fetchone(
            "SELECT MAX(version) FROM view_recorded WHERE customer_id = ? AND recorded_at <= ?",
            (str(customer_id), iso(moment)),
        )
        return int(row[0]) if row and row[0] is not None else 0
