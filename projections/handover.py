"""Departures: a deactivated staff member's customers must be handed to an active
owner within one working day (docs/domain.md, "Service rules (SLA)").

The clock starts when the account is deactivated (world time) for every customer
it owned then, and stops when the customer is assigned an owner, or when the
account is reactivated. A handover back-dated after a departure recorded earlier
counts from the departure too. Deadlines are computed when asked, on the configured
business calendar, so a calendar change needs no rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import singledispatch
from typing import Any

from ledger.domain import events as ev
from ledger.domain.events.staff import StaffAdded, StaffDeactivated, StaffEvent, StaffReactivated
from projections.base import Handlers, StatementProjection, from_iso, iso
from projections.store import Transaction


class Handovers(StatementProjection):
    name = "handover"
    version = "1"
    accepts = (
        ev.CustomerRegistered,
        ev.OwnerAssigned,
        ev.SegmentChanged,
        StaffAdded,
        StaffDeactivated,
        StaffReactivated,
    )
    tables = {
        "view_handover_owner": (
            "CREATE TABLE IF NOT EXISTS view_handover_owner ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, segment TEXT NOT NULL, "
            "owner TEXT)"
        ),
        "view_handover_staff": (
            "CREATE TABLE IF NOT EXISTS view_handover_staff ("
            "stream_id TEXT PRIMARY KEY, staff_id TEXT NOT NULL, left_at TEXT)"
        ),
        "view_handover": (
            "CREATE TABLE IF NOT EXISTS view_handover ("
            "customer_id TEXT NOT NULL, departed TEXT NOT NULL, started_at TEXT NOT NULL, "
            "closed_at TEXT, handed_to TEXT, PRIMARY KEY (customer_id, started_at))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_handover_owner_by_owner ON view_handover_owner (owner)",
    )

    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        run = _Run()
        for e in events:
            _HANDLERS[type(e)](e, tx, run)
        run.write(tx)


@dataclass
class _Run:
    """Registrations, segment moves and handovers, with no staff change among them:
    a registration precedes its customer's other events, and each kind of change
    keeps its order, so one statement per kind gives the same rows."""

    registered: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    assigned: list[ev.OwnerAssigned] = field(default_factory=list)

    def write(self, tx: Transaction) -> None:
        registered, moved, assigned = self.registered, self.moved, self.assigned
        self.registered, self.moved, self.assigned = [], [], []
        tx.execute_values(
            "INSERT INTO view_handover_owner (customer_id, code, segment, owner) "
            "VALUES {values} ON CONFLICT (customer_id) DO NOTHING",
            registered,
        )
        # Each customer's last move and last owner are what stay: one row each.
        tx.execute_values(
            "UPDATE view_handover_owner SET segment = v.column2 FROM (VALUES {values}) AS v "
            "WHERE view_handover_owner.customer_id = v.column1",
            list(dict(moved).items()),
        )
        if not assigned:
            return
        # A handover recorded after the departure but back-dated, or a departure
        # recorded late: the clock ran from the departure.
        tx.executemany(
            "INSERT INTO view_handover (customer_id, departed, started_at, closed_at, "
            "handed_to) SELECT ?, staff_id, left_at, ?, ? FROM view_handover_staff "
            "WHERE staff_id = ? AND left_at IS NOT NULL AND left_at <= ? "
            "ON CONFLICT (customer_id, started_at) DO NOTHING",
            [
                (str(e.originator_id), iso(e.occurred_at), e.owner, e.previous, iso(e.occurred_at))
                for e in assigned
                if e.previous
            ],
        )
        tx.execute_values(
            "UPDATE view_handover_owner SET owner = v.column2 FROM (VALUES {values}) AS v "
            "WHERE view_handover_owner.customer_id = v.column1",
            list({str(e.originator_id): e.owner for e in assigned}.items()),
        )
        # A customer's first handover in the run closes its open clocks; the clocks
        # the later ones would find were opened closed, above.
        first: dict[str, tuple[str, str, str]] = {}
        for e in assigned:
            key = str(e.originator_id)
            if key not in first:
                first[key] = (key, iso(e.occurred_at), e.owner)
        tx.execute_values(
            "UPDATE view_handover SET closed_at = v.column2, handed_to = v.column3 "
            "FROM (VALUES {values}) AS v "
            "WHERE view_handover.customer_id = v.column1 AND view_handover.closed_at IS NULL",
            list(first.values()),
        )


# Customer events join the run; staff events are rare and each may depend on
# everything before it, so the run is written before one is applied.
@singledispatch
def _handle(e: Any, tx: Transaction, run: _Run) -> None:
    """Events this view is not given."""


_HANDLERS = Handlers(_handle)


@_HANDLERS.register
def _(e: ev.CustomerRegistered, tx: Transaction, run: _Run) -> None:
    run.registered.append((str(e.originator_id), e.code, e.segment, e.owner))


@_HANDLERS.register
def _(e: ev.SegmentChanged, tx: Transaction, run: _Run) -> None:
    run.moved.append((str(e.originator_id), e.segment))


@_HANDLERS.register
def _(e: ev.OwnerAssigned, tx: Transaction, run: _Run) -> None:
    run.assigned.append(e)


@_HANDLERS.register
def _(e: StaffAdded, tx: Transaction, run: _Run) -> None:
    run.write(tx)
    tx.execute(
        "INSERT INTO view_handover_staff (stream_id, staff_id) VALUES (?, ?) "
        "ON CONFLICT (stream_id) DO NOTHING",
        (str(e.originator_id), e.member),
    )


@_HANDLERS.register
def _(e: StaffDeactivated, tx: Transaction, run: _Run) -> None:
    run.write(tx)
    staff_id = _staff_id(tx, e)
    if staff_id is None:
        return
    at, stream_id = iso(e.occurred_at), str(e.originator_id)
    tx.execute("UPDATE view_handover_staff SET left_at = ? WHERE stream_id = ?", (at, stream_id))
    tx.execute(
        "INSERT INTO view_handover (customer_id, departed, started_at) "
        "SELECT customer_id, owner, ? FROM view_handover_owner WHERE owner = ? "
        "ON CONFLICT (customer_id, started_at) DO NOTHING",
        (at, staff_id),
    )


@_HANDLERS.register
def _(e: StaffReactivated, tx: Transaction, run: _Run) -> None:
    run.write(tx)
    staff_id = _staff_id(tx, e)
    if staff_id is None:
        return
    # Back at work: their customers have an active owner again.
    tx.execute(
        "UPDATE view_handover_staff SET left_at = NULL WHERE stream_id = ?",
        (str(e.originator_id),),
    )
    tx.execute(
        "UPDATE view_handover SET closed_at = ?, handed_to = ? "
        "WHERE departed = ? AND closed_at IS NULL",
        (iso(e.occurred_at), staff_id, staff_id),
    )


def _staff_id(tx: Transaction, e: StaffEvent) -> str | None:
    row = tx.fetchone(
        "SELECT staff_id FROM view_handover_staff WHERE stream_id = ?", (str(e.originator_id),)
    )
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class PendingHandover:
    customer_id: str
    code: str
    segment: str
    departed: str
    started_at: datetime
    closed_at: datetime | None
    handed_to: str | None


def handovers(tx: Transaction, *, as_of: datetime) -> list[PendingHandover]:
    """Every handover clock started by `as_of`, as it stood then (a handover after
    `as_of` is still open at `as_of`)."""
    rows = tx.fetchall(
        "SELECT h.customer_id, o.code, o.segment, h.departed, h.started_at, h.closed_at, "
        "h.handed_to FROM view_handover h JOIN view_handover_owner o "
        "ON o.customer_id = h.customer_id WHERE h.started_at <= ? "
        "ORDER BY h.started_at, o.code",
        (iso(as_of),),
    )
    found = []
    for customer_id, code, segment, departed, started_at, closed_at, handed_to in rows:
        closed = from_iso(closed_at) if closed_at is not None else None
        if closed is not None and closed > as_of:
            closed, handed_to = None, None
        found.append(
            PendingHandover(
                customer_id, code, segment, departed, from_iso(started_at), closed, handed_to
            )
        )
    return found
