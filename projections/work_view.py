"""The work view (docs/domain.md, "Follow-through"): who holds each open item of
work that has a holder of its own, kept current from the customers' events.

One row per open commitment, open lead or opportunity (held by its `holder`,
moved by `ResponsibilityHandedOver`) and planned visit (held by its visitor,
`due_at` its planned time). Deadlines of commitments and follow-ups are not kept
here: they are the SLA view's (`view_sla_cases`), worked out by the SLA clocks,
and the work list joins the two. The index on (holder, due_at) lets one
person's list be read without looking at anyone else's items.
"""

from __future__ import annotations

from functools import singledispatch
from typing import Any, NamedTuple

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from projections.base import Decoded, Handlers, Projection, Replay, iso
from projections.store import Transaction, chunks

COMMITMENT, OPPORTUNITY, VISIT = "commitment", "opportunity", "visit"


class HeldItem(NamedTuple):
    """A row of `view_work_items`."""

    customer_id: str
    item: str
    kind: str
    holder: str | None
    text: str
    due_at: str | None


_COLUMNS = HeldItem._fields


class WorkItems(Projection):
    name = "work"
    keyed_by_customer = True
    version = "1"
    tables = {
        "view_work_items": (
            "CREATE TABLE IF NOT EXISTS view_work_items ("
            "customer_id TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL, holder TEXT, "
            "text TEXT NOT NULL, due_at TEXT, PRIMARY KEY (customer_id, item))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_work_items_holder ON view_work_items (holder, due_at)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Items(tx)


# A customer's open items, by item id.
Items = dict[str, HeldItem]


class _Items(Replay):
    """Each customer's open items held while events are applied; a customer's
    rows are rewritten whole when flushed (a customer holds few)."""

    def __init__(self, tx: Transaction | None) -> None:
        self.tx = tx
        self.customers: dict[str, Items] = {}
        self.changed: set[str] = set()
        self.written: set[str] = set()  # customers whose rows this replay wrote

    def feed(self, batch: Decoded) -> None:
        if self.tx is not None:
            self._load([k for k in dict.fromkeys(batch.keys) if k not in self.customers])
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            items = self.customers.get(key)
            if items is None:
                items = self.customers[key] = {}
            _HANDLERS[type(event)](event, items, key, at)
        self.changed.update(batch.keys)

    def _load(self, keys: list[str]) -> None:
        assert self.tx is not None
        for key in keys:
            self.customers[key] = {}
        for chunk in chunks(keys):
            for row in self.tx.fetchall(
                f"SELECT {', '.join(_COLUMNS)} FROM view_work_items "
                f"WHERE customer_id IN ({self.tx.in_list(len(chunk))})",
                chunk,
            ):
                customer_id, item, kind, holder, text, due_at = row
                held = HeldItem(str(customer_id), str(item), str(kind), holder, str(text), due_at)
                self.customers[held.customer_id][held.item] = held

    def flush(self, tx: Transaction) -> None:
        changed = sorted(self.changed)
        # Rows read from the table, or written by an earlier flush, are replaced.
        stale = changed if self.tx is not None else sorted(self.changed & self.written)
        if stale:
            for chunk in chunks(stale):
                tx.execute(
                    f"DELETE FROM view_work_items WHERE customer_id IN ({tx.in_list(len(chunk))})",
                    chunk,
                )
        rows = [tuple(row) for key in changed for row in self.customers[key].values()]
        tx.insert_new("view_work_items", _COLUMNS, rows)
        self.written.update(self.changed)
        self.changed.clear()


@singledispatch
def _handle(event: CustomerEvent, items: Items, key: str, at: str) -> None:
    """Events that open, close or move no item of work."""


_HANDLERS: Handlers = Handlers(_handle)


def _open(items: Items, key: str, item: str, kind: str, holder: str | None, text: str) -> None:
    items[item] = HeldItem(key, item, kind, holder, text, None)


def _close(items: Items, item: str) -> None:
    items.pop(item, None)


@_handle.register
def _(e: ev.LeadCreated, items: Items, key: str, at: str) -> None:
    _open(items, key, e.case_id, OPPORTUNITY, e.actor, e.title)


@_handle.register
def _(e: ev.OpportunityOpened, items: Items, key: str, at: str) -> None:
    held = items.get(e.case_id)
    if e.from_lead and held is not None:
        # A converted lead keeps its holder, under the opportunity's title.
        items[e.case_id] = held._replace(text=e.title)
    else:
        _open(items, key, e.case_id, OPPORTUNITY, e.actor, e.title)


@_handle.register
def _(e: ev.CommitmentMade, items: Items, key: str, at: str) -> None:
    _open(items, key, e.case_id, COMMITMENT, e.actor, e.description)


@_handle.register
def _(e: ev.VisitPlanned, items: Items, key: str, at: str) -> None:
    items[e.case_id] = HeldItem(key, e.case_id, VISIT, e.visitor, e.purpose, iso(e.planned_for))


@_handle.register
def _(e: ev.VisitReported, items: Items, key: str, at: str) -> None:
    _close(items, e.case_id)
    for commitment in e.commitments:
        # Whoever made the promise on the visit keeps it, as the aggregate says.
        _open(
            items,
            key,
            commitment["commitment_id"],
            COMMITMENT,
            e.visitor,
            str(commitment.get("description", "")),
        )


def _closes(e: Any, items: Items, key: str, at: str) -> None:
    _close(items, e.case_id)


_CLOSING: tuple[type, ...] = (
    ev.OpportunityWon,
    ev.OpportunityLost,
    ev.CommitmentFulfilled,
    ev.VisitCancelled,
)
for _event_class in _CLOSING:
    _handle.register(_event_class)(_closes)


@_handle.register
def _(e: ev.ResponsibilityHandedOver, items: Items, key: str, at: str) -> None:
    held = items.get(e.item)
    if held is not None and e.role in (COMMITMENT, OPPORTUNITY):
        items[e.item] = held._replace(holder=e.holder)
