"""The work view (docs/domain.md, "Follow-through"): who holds each open item of
work that has a holder of its own, kept current from the customers' events.

One row per open commitment, open lead or opportunity (held by its `holder`,
`ledger.domain.holdings.first_holder`, moved by `ResponsibilityHandedOver`),
planned visit (held by its visitor, `due_at` its planned time) and open problem
from visits (`PB3`: no holder of its own, as the customer's owner owes it,
`ledger.domain.problems.owed_by`; numbered and settled as the aggregate does,
`visit_problems`). Deadlines of commitments and follow-ups are not kept here:
they are the SLA view's (`view_sla_cases`), worked out by the SLA clocks, and
the work list joins the two. The index on (holder, due_at) lets one person's
list be read without looking at anyone else's items.
"""

from __future__ import annotations

from functools import singledispatch
from typing import NamedTuple

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.holdings import first_holder
from ledger.domain.local_ids import PREFIXES
from ledger.domain.problems import problem_key, visit_problems
from projections.base import Decoded, Handlers, Projection, Replay, iso
from projections.store import Transaction, chunks

COMMITMENT, OPPORTUNITY, VISIT, PROBLEM = "commitment", "opportunity", "visit", "problem"
_PROBLEM_PREFIX = PREFIXES[PROBLEM]


class HeldItem(NamedTuple):
    """A row of `view_work_items`."""

    customer_id: str
    item: str
    kind: str
    holder: str | None
    text: str
    due_at: str | None
    opened_at: str


_COLUMNS = HeldItem._fields


class WorkItems(Projection):
    name = "work"
    keyed_by_customer = True
    # 2: withdrawn commitments close; problems from visits are items; opened_at.
    version = "2"
    tables = {
        "view_work_items": (
            "CREATE TABLE IF NOT EXISTS view_work_items ("
            "customer_id TEXT NOT NULL, item TEXT NOT NULL, kind TEXT NOT NULL, holder TEXT, "
            "text TEXT NOT NULL, due_at TEXT, opened_at TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, item))"
        ),
        # How many problems each customer has had numbered, so the next is `PB<n+1>`.
        "view_work_numbered": (
            "CREATE TABLE IF NOT EXISTS view_work_numbered ("
            "customer_id TEXT PRIMARY KEY, problems INTEGER NOT NULL)"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_work_items_holder ON view_work_items (holder, due_at)",
        "CREATE INDEX IF NOT EXISTS view_work_items_kind ON view_work_items (kind, customer_id)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Items(tx)


class Items(dict[str, HeldItem]):
    """A customer's open items, by item id, and how many problems it has had."""

    problems = 0


class _Items(Replay):
    """Each customer's open items held while events are applied; when flushed, a
    customer's rows that changed are written (a catch-up touches many customers
    and few of each one's items)."""

    def __init__(self, tx: Transaction | None) -> None:
        self.tx = tx
        self.customers: dict[str, Items] = {}
        self.changed: set[str] = set()
        # Of each customer read from the table or written by this replay, the items
        # and count of problems its rows hold.
        self.stored: dict[str, tuple[dict[str, HeldItem], int]] = {}

    def feed(self, batch: Decoded) -> None:
        if self.tx is not None:
            self._load([k for k in dict.fromkeys(batch.keys) if k not in self.customers])
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            items = self.customers.get(key)
            if items is None:
                items = self.customers[key] = Items()
            _HANDLERS[type(event)](event, items, key, at)
        self.changed.update(batch.keys)

    def _load(self, keys: list[str]) -> None:
        assert self.tx is not None
        for key in keys:
            self.customers[key] = Items()
        for chunk in chunks(keys):
            keyed = f"WHERE customer_id IN ({self.tx.in_list(len(chunk))})"
            for row in self.tx.fetchall(
                f"SELECT {', '.join(_COLUMNS)} FROM view_work_items {keyed}", chunk
            ):
                customer_id, item, kind, holder, text, due_at, opened_at = row
                held = HeldItem(
                    str(customer_id), str(item), str(kind), holder, str(text), due_at, opened_at
                )
                self.customers[held.customer_id][held.item] = held
            for customer_id, problems in self.tx.fetchall(
                f"SELECT customer_id, problems FROM view_work_numbered {keyed}", chunk
            ):
                self.customers[str(customer_id)].problems = int(problems)
        for key in keys:
            items = self.customers[key]
            self.stored[key] = (dict(items), items.problems)

    def flush(self, tx: Transaction) -> None:
        gone: list[tuple[str, str]] = []
        rows: list[HeldItem] = []
        renumbered: list[str] = []
        numbered: list[tuple[str, int]] = []
        for key in sorted(self.changed):
            items = self.customers[key]
            before, problems = self.stored.get(key) or ({}, 0)
            # Items are tuples, never changed in place: one that differs is replaced.
            gone += [(key, item) for item, row in before.items() if items.get(item) != row]
            rows += [row for item, row in items.items() if before.get(item) != row]
            if items.problems != problems:
                if problems:
                    renumbered.append(key)
                numbered.append((key, items.problems))
            self.stored[key] = (dict(items), items.problems)
        tx.executemany("DELETE FROM view_work_items WHERE customer_id = ? AND item = ?", gone)
        tx.insert_new("view_work_items", _COLUMNS, rows)
        for chunk in chunks(renumbered):
            tx.execute(
                f"DELETE FROM view_work_numbered WHERE customer_id IN ({tx.in_list(len(chunk))})",
                chunk,
            )
        tx.insert_new(
            "view_work_numbered", ("customer_id", "problems"), [n for n in numbered if n[1]]
        )
        self.changed.clear()


@singledispatch
def _handle(event: CustomerEvent, items: Items, key: str, at: str) -> None:
    """Events that open, close or move no item of work."""


_HANDLERS: Handlers = Handlers(_handle)


def _open(
    items: Items, key: str, item: str, kind: str, holder: str | None, text: str, at: str
) -> None:
    items[item] = HeldItem(key, item, kind, holder, text, None, at)


def _close(items: Items, item: str) -> None:
    items.pop(item, None)


@_HANDLERS.register
def _(e: ev.LeadCreated, items: Items, key: str, at: str) -> None:
    _open(items, key, e.case_id, OPPORTUNITY, first_holder(e.actor), e.title, at)


@_HANDLERS.register
def _(e: ev.OpportunityOpened, items: Items, key: str, at: str) -> None:
    held = items.get(e.case_id)
    if e.from_lead and held is not None:
        # A converted lead keeps its holder, under the opportunity's title.
        items[e.case_id] = held._replace(text=e.title)
    else:
        _open(items, key, e.case_id, OPPORTUNITY, first_holder(e.actor), e.title, at)


@_HANDLERS.register
def _(e: ev.CommitmentMade, items: Items, key: str, at: str) -> None:
    _open(items, key, e.case_id, COMMITMENT, first_holder(e.actor), e.description, at)


@_HANDLERS.register
def _(e: ev.VisitPlanned, items: Items, key: str, at: str) -> None:
    items[e.case_id] = HeldItem(key, e.case_id, VISIT, e.visitor, e.purpose, iso(e.planned_for), at)


@_HANDLERS.register
def _(e: ev.VisitReported, items: Items, key: str, at: str) -> None:
    _close(items, e.case_id)
    for commitment in e.commitments:
        _open(
            items,
            key,
            commitment["commitment_id"],
            COMMITMENT,
            first_holder(e.actor, visitor=e.visitor),
            str(commitment.get("description", "")),
            at,
        )
    # Problems are settled and numbered as the aggregate does (`visit_problems`).
    open_problems = {
        problem_key(held.text): held.item for held in items.values() if held.kind == PROBLEM
    }
    effect = visit_problems(open_problems, e.problems_pending, e.problems_handled)
    for problem in effect.handled:
        _close(items, problem)
    for text in effect.raised:
        items.problems += 1
        _open(items, key, f"{_PROBLEM_PREFIX}{items.problems}", PROBLEM, None, text, at)


@_HANDLERS.register
def _closes(
    e: ev.OpportunityWon
    | ev.OpportunityLost
    | ev.CommitmentFulfilled
    | ev.CommitmentWithdrawn
    | ev.VisitCancelled,
    items: Items,
    key: str,
    at: str,
) -> None:
    _close(items, e.case_id)


@_HANDLERS.register
def _(e: ev.ProblemHandled, items: Items, key: str, at: str) -> None:
    _close(items, e.problem_id)


@_HANDLERS.register
def _(e: ev.ResponsibilityHandedOver, items: Items, key: str, at: str) -> None:
    held = items.get(e.item)
    if held is not None and e.role in (COMMITMENT, OPPORTUNITY):
        items[e.item] = held._replace(holder=e.holder)
