"""The staff directory as a table (`ledger staff list`), and who has worked on
which customer: the rows that decide what a `staff` member may see in lists."""

from __future__ import annotations

from collections.abc import Sequence
from functools import singledispatch
from operator import attrgetter
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.events.staff import (
    StaffAdded,
    StaffDeactivated,
    StaffEvent,
    StaffFrozen,
    StaffReactivated,
    StaffRoleChanged,
    StaffSegmentChanged,
)
from projections.base import Decoded, Handlers, Projection, Replay, StatementProjection, iso
from projections.store import Transaction

STAFF_COLUMNS = "staff_id, name, role, segment, status, since, changed_by, reason"


class StaffDirectoryView(StatementProjection):
    name = "staff"
    version = "1"
    accepts = (StaffEvent,)
    tables = {
        "view_staff": (
            "CREATE TABLE IF NOT EXISTS view_staff ("
            "staff_id TEXT PRIMARY KEY, stream_id TEXT NOT NULL, name TEXT NOT NULL, "
            "role TEXT NOT NULL, "
            "segment TEXT, status TEXT NOT NULL, since TEXT NOT NULL, "
            "changed_by TEXT NOT NULL, reason TEXT NOT NULL)"
        )
    }

    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        for event in events:
            _STAFF_HANDLERS[type(event)](event, tx)


@singledispatch
def _apply(e: StaffEvent, tx: Transaction) -> None:
    """A change that shows only who made it and why."""
    _update(tx, e)


_STAFF_HANDLERS = Handlers(_apply)


def _update(tx: Transaction, e: StaffEvent, **changes: Any) -> None:
    changes.update(changed_by=e.actor, reason=e.reason)
    assignments = ", ".join(f"{column} = ?" for column in changes)
    tx.execute(
        f"UPDATE view_staff SET {assignments} WHERE stream_id = ?",
        (*changes.values(), str(e.originator_id)),
    )


@_STAFF_HANDLERS.register
def _(e: StaffAdded, tx: Transaction) -> None:
    tx.execute(
        f"INSERT INTO view_staff (stream_id, {STAFF_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(e.originator_id),
            e.member,
            e.name,
            e.role,
            e.segment,
            "active",
            iso(e.occurred_at),
            e.actor,
            e.reason,
        ),
    )


@_STAFF_HANDLERS.register
def _(e: StaffRoleChanged, tx: Transaction) -> None:
    _update(tx, e, role=e.role, segment=e.segment)


@_STAFF_HANDLERS.register
def _(e: StaffSegmentChanged, tx: Transaction) -> None:
    _update(tx, e, segment=e.segment)


@_STAFF_HANDLERS.register
def _(e: StaffFrozen, tx: Transaction) -> None:
    _update(tx, e, status="frozen", since=iso(e.occurred_at))


@_STAFF_HANDLERS.register
def _(e: StaffDeactivated, tx: Transaction) -> None:
    _update(tx, e, status="deactivated", since=iso(e.occurred_at))


@_STAFF_HANDLERS.register
def _(e: StaffReactivated, tx: Transaction) -> None:
    _update(tx, e, status="active", since=iso(e.occurred_at))


class WorkedOn(Projection):
    """(customer, staff) for everyone who recorded on a customer or owned it."""

    name = "worked_on"
    keyed_by_customer = True
    version = "1"
    tables = {
        "view_worked_on": (
            "CREATE TABLE IF NOT EXISTS view_worked_on ("
            "customer_id TEXT NOT NULL, staff_id TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, staff_id))"
        )
    }
    indexes = ("CREATE INDEX IF NOT EXISTS view_worked_on_staff ON view_worked_on (staff_id)",)

    def replay(self, tx: Transaction | None) -> Replay:
        return _WorkedOnPairs(fresh=tx is None)


class _WorkedOnPairs(Replay):
    """The (customer, staff) pairs met since the last write; stored ones are
    skipped by the insert, so nothing needs reading first. Into a table emptied
    for this replay, the pairs it has not written yet are new rows, so they are
    bulk inserted instead (`insert_new`)."""

    def __init__(self, *, fresh: bool) -> None:
        self.pairs: set[tuple[str, str]] = set()
        self.written: set[tuple[str, str]] | None = set() if fresh else None

    def feed(self, batch: Decoded) -> None:
        # Every customer event passes here: one set update in C for the actors, then
        # the owners named by the kinds that name one.
        events = batch.events
        pairs = self.pairs
        pairs.update(zip(batch.keys, map(_actor, events), strict=True))
        for key, e in zip(batch.keys, events, strict=True):
            _OWNER_HANDLERS[type(e)](e, key, pairs)

    def flush(self, tx: Transaction) -> None:
        if self.written is None:
            tx.executemany(
                "INSERT INTO view_worked_on (customer_id, staff_id) VALUES (?, ?) "
                "ON CONFLICT (customer_id, staff_id) DO NOTHING",
                sorted(self.pairs),
            )
        else:
            new = self.pairs - self.written
            tx.insert_new("view_worked_on", ("customer_id", "staff_id"), sorted(new))
            self.written |= new
        self.pairs = set()


_actor = attrgetter("actor")


@singledispatch
def _owner(e: CustomerEvent, key: str, pairs: set[tuple[str, str]]) -> None:
    """Events that name no owner."""


_OWNER_HANDLERS = Handlers(_owner)


@_OWNER_HANDLERS.register
def _(e: ev.CustomerRegistered | ev.OwnerAssigned, key: str, pairs: set[tuple[str, str]]) -> None:
    if e.owner:
        pairs.add((key, e.owner))


def staff_rows(
    tx: Transaction, where: str = "", params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    rows = tx.fetchall(f"SELECT {STAFF_COLUMNS} FROM view_staff {where} ORDER BY staff_id", params)
    names = [c.strip() for c in STAFF_COLUMNS.split(",")]
    return [dict(zip(names, row, strict=True)) for row in rows]
