"""The activity view (docs/domain.md, "Reports"): one row per piece of work a
member of staff did at a customer (a contact, a visit, an inquiry answered ...:
`ledger.domain.activity` says which events count and whose work each is), by
when it happened, so that a period's counts per person are one indexed query.

The events arrive corrected: a customer whose events include a correction is
replayed from its corrected stream (projections/views.py), so a contact whose
channel or time is corrected moves to its right channel or period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.domain.activity import counted_events, work_of
from projections.base import Decoded, Projection, Replay, iso
from projections.store import Transaction

COLUMNS = ("customer_id", "version", "occurred_at", "staff_id", "kind", "detail")


class Activity(Projection):
    name = "activity"
    keyed_by_customer = True
    version = "1"
    tables = {
        "view_activity": (
            "CREATE TABLE IF NOT EXISTS view_activity ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, occurred_at TEXT NOT NULL, "
            "staff_id TEXT NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, version))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_activity_time ON view_activity (occurred_at, staff_id)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Rows(fresh=tx is None)


class _Rows(Replay):
    """New rows held until written. Each event adds at most one row and changes
    none: corrections are replayed, not patched in."""

    def __init__(self, *, fresh: bool) -> None:
        # Into a table emptied for this replay, every row is new: no conflict to check.
        self.fresh = fresh
        self.rows: list[tuple[Any, ...]] = []
        self.counted = frozenset(counted_events())

    def feed(self, batch: Decoded) -> None:
        counted, rows = self.counted, self.rows
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            if type(event) in counted:
                work = work_of(event)
                if work is not None:
                    rows.append((key, event.originator_version, at, *work))

    def flush(self, tx: Transaction) -> None:
        if not self.rows:
            return
        if self.fresh:
            tx.insert_new("view_activity", COLUMNS, self.rows)
        else:
            tx.executemany(
                f"INSERT INTO view_activity ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(COLUMNS))}) "
                "ON CONFLICT (customer_id, version) DO NOTHING",
                self.rows,
            )
        self.rows = []


# ------------------------------------------------------------------ queries
@dataclass
class Counts:
    """One person's work in one period: per kind, and contacts per channel."""

    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)


def counts(
    tx: Transaction, start: datetime, end: datetime, staff: Iterable[str] | None = None
) -> dict[str, Counts]:
    """Each member of staff's work from `start` (included) to `end` (excluded);
    only of `staff` when given (None: everyone's)."""
    rows = tx.fetchall(
        "SELECT staff_id, kind, detail, COUNT(*) FROM view_activity "
        "WHERE occurred_at >= ? AND occurred_at < ? GROUP BY staff_id, kind, detail",
        (iso(start), iso(end)),
    )
    wanted = None if staff is None else set(staff)
    found: dict[str, Counts] = defaultdict(Counts)
    for staff_id, kind, detail, count in rows:
        if wanted is not None and staff_id not in wanted:
            continue
        entry = found[str(staff_id)]
        entry.by_kind[kind] = entry.by_kind.get(kind, 0) + int(count)
        if detail:
            entry.by_channel[detail] = entry.by_channel.get(detail, 0) + int(count)
    return dict(found)


@dataclass(frozen=True)
class Member:
    """A member of staff as the directory knows them (None fields: not in it)."""

    staff_id: str
    name: str | None
    role: str | None
    segment: str | None
    active: bool


def directory(tx: Transaction) -> dict[str, Member]:
    """Every staff account, by id (from the staff view)."""
    return {
        str(staff_id): Member(str(staff_id), name, role, segment, status == "active")
        for staff_id, name, role, segment, status in tx.fetchall(
            "SELECT staff_id, name, role, segment, status FROM view_staff"
        )
    }


@dataclass(frozen=True)
class StaffActivity:
    """One member of staff's work in a period and in the period before."""

    member: Member
    current: Counts
    previous: Counts
