"""The pipeline view (docs/domain.md, "Reports"): one row per open lead or
opportunity, with what `ledger pipeline` shows of it, kept current from the
customers' events.

A row leaves the view when its case is won or lost. `last_follow_up` is the last
moment that restarted the case's follow-up clock: the opening, a follow-up, a
stage change, a lead's conversion (docs/domain.md, "Service rules (SLA)"); when
the next follow-up is due is the SLA view's (its clock, `Clocks.evaluate`), read
beside these rows, so the two never disagree. Customers' codes, segments and
owners come from the customer view at query time, so a row never holds a stale
owner, and the visibility rule (`sight_filter`) applies to it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import singledispatch
from typing import Any
from zoneinfo import ZoneInfo

from ledger.access import Sight
from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.holdings import first_holder
from ledger.domain.pipeline import LEAD, stage_rank
from projections.base import Decoded, Handlers, Projection, Replay, from_iso
from projections.store import Transaction, chunks
from projections.visibility import sight_filter

COLUMNS = (
    "customer_id",
    "case_id",
    "case_key",
    "title",
    "stage",
    "value",
    "currency",
    "expected_close",
    "holder",
    "opened_at",
    "last_follow_up",
)
_STAGE, _VALUE, _CURRENCY, _EXPECTED, _HOLDER, _LAST = 4, 5, 6, 7, 8, 10


class Pipeline(Projection):
    name = "pipeline"
    keyed_by_customer = True
    version = "1"
    tables = {
        "view_pipeline": (
            "CREATE TABLE IF NOT EXISTS view_pipeline ("
            "customer_id TEXT NOT NULL, case_id TEXT NOT NULL, case_key TEXT NOT NULL, "
            "title TEXT NOT NULL, stage TEXT NOT NULL, value TEXT, currency TEXT, "
            "expected_close TEXT, holder TEXT NOT NULL, opened_at TEXT NOT NULL, "
            "last_follow_up TEXT NOT NULL, PRIMARY KEY (customer_id, case_id))"
        ),
    }
    indexes = ("CREATE INDEX IF NOT EXISTS view_pipeline_holder ON view_pipeline (holder)",)

    def replay(self, tx: Transaction | None) -> Replay:
        return _Rows(tx)


Row = list[Any]
_Held = dict[tuple[str, str], Row | None]  # (customer, case) -> row; None: closed


class _Rows(Replay):
    """Rows held while events are applied: read from `tx` for the customers a batch
    names (none in a rebuild), written (or deleted, once closed) on flush."""

    def __init__(self, tx: Transaction | None) -> None:
        self.tx = tx
        self.rows: _Held = {}
        self.loaded: set[str] = set()
        self.changed: set[tuple[str, str]] = set()

    def feed(self, batch: Decoded) -> None:
        if self.tx is not None:
            self._load(sorted(set(batch.keys) - self.loaded))
        rows, changed = self.rows, self.changed
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            touched = _HANDLERS[type(event)](event, rows, key, at)
            if touched is not None:
                changed.add(touched)

    def _load(self, customers: list[str]) -> None:
        assert self.tx is not None
        for chunk in chunks(customers):
            for row in self.tx.fetchall(
                f"SELECT {', '.join(COLUMNS)} FROM view_pipeline "
                f"WHERE customer_id IN ({self.tx.in_list(len(chunk))})",
                chunk,
            ):
                self.rows[(str(row[0]), str(row[1]))] = list(row)
        self.loaded.update(customers)

    def flush(self, tx: Transaction) -> None:
        changed = sorted(self.changed)
        gone = [key for key in changed if self.rows[key] is None]
        kept = [self.rows[key] for key in changed if self.rows[key] is not None]
        if gone:
            tx.executemany("DELETE FROM view_pipeline WHERE customer_id = ? AND case_id = ?", gone)
        if kept:
            updated = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[2:])
            tx.executemany(
                f"INSERT INTO view_pipeline ({', '.join(COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(COLUMNS))}) "
                f"ON CONFLICT (customer_id, case_id) DO UPDATE SET {updated}",
                [row for row in kept if row is not None],
            )
        self.changed.clear()


@singledispatch
def _handle(event: CustomerEvent, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    """Events that change no row."""
    return None


_HANDLERS = Handlers(_handle)


def _open(rows: _Held, key: str, case_id: str, title: str, holder: str, at: str) -> Row:
    row: Row = [key, case_id, f"{key}/{case_id}", title, LEAD, None, None, None, holder, at, at]
    rows[(key, case_id)] = row
    return row


@_HANDLERS.register
def _(e: ev.LeadCreated, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    _open(rows, key, e.case_id, e.title, first_holder(e.actor), at)
    return key, e.case_id


@_HANDLERS.register
def _(e: ev.OpportunityOpened, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    row = rows.get((key, e.case_id)) if e.from_lead else None
    if row is None:
        row = _open(rows, key, e.case_id, e.title, first_holder(e.actor), at)
    # A converted lead takes the opportunity's title and restarts its clock.
    row[3] = e.title
    row[_STAGE], row[_VALUE], row[_CURRENCY] = e.stage, e.value, e.currency
    row[_EXPECTED] = e.expected_close
    row[_LAST] = max(row[_LAST], at)
    return key, e.case_id


@_HANDLERS.register
def _(e: ev.OpportunityStageChanged, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    row = rows.get((key, e.case_id))
    if row is None:
        return None
    row[_STAGE] = e.stage
    if e.expected_close is not None:
        row[_EXPECTED] = e.expected_close
    row[_LAST] = max(row[_LAST], at)
    return key, e.case_id


@_HANDLERS.register
def _(e: ev.FollowUpLogged, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    row = rows.get((key, e.case_id))
    if row is None:
        return None
    row[_LAST] = max(row[_LAST], at)
    return key, e.case_id


def _close(e: ev.OpportunityWon | ev.OpportunityLost, rows: _Held, key: str) -> tuple[str, str]:
    rows[(key, e.case_id)] = None
    return key, e.case_id


@_HANDLERS.register
def _(e: ev.OpportunityWon, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    return _close(e, rows, key)


@_HANDLERS.register
def _(e: ev.OpportunityLost, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    return _close(e, rows, key)


@_HANDLERS.register
def _(e: ev.ResponsibilityHandedOver, rows: _Held, key: str, at: str) -> tuple[str, str] | None:
    row = rows.get((key, e.item)) if e.role == "opportunity" else None
    if row is None:
        return None
    row[_HOLDER] = e.holder
    return key, e.item


# ------------------------------------------------------------------ queries
@dataclass(frozen=True)
class PipelineItem:
    customer: str
    case_id: str
    title: str
    stage: str
    value: str | None
    currency: str | None
    expected_close: date | None
    holder: str
    owner: str | None
    segment: str
    last_follow_up: datetime
    follow_up_due: datetime | None  # None: no clock (a case opened before clocks)

    @property
    def reference(self) -> str:
        return f"{self.customer}/{self.case_id}"

    def days_since_follow_up(self, now: datetime, timezone: ZoneInfo) -> int:
        """Whole local days from the last follow-up to `now`."""
        return (
            now.astimezone(timezone).date() - self.last_follow_up.astimezone(timezone).date()
        ).days


def pipeline(
    tx: Transaction,
    sight: Sight,
    *,
    holder: str | None = None,
    segment: str | None = None,
    stage: str | None = None,
) -> list[PipelineItem]:
    """Open leads and opportunities of the customers in `sight`, in stage order
    (leads first), then by expected close (undated last), customer and id."""
    condition, params = sight_filter(sight)
    where = [condition]
    args: list[Any] = list(params)
    for column, wanted in (("p.holder", holder), ("c.segment", segment), ("p.stage", stage)):
        if wanted is not None:
            where.append(f"{column} = ?")
            args.append(wanted)
    rows = tx.fetchall(
        "SELECT c.code, p.case_id, p.title, p.stage, p.value, p.currency, p.expected_close, "
        "p.holder, c.owner, c.segment, p.last_follow_up, s.due_at "
        "FROM view_pipeline p JOIN view_customer360 c ON c.customer_id = p.customer_id "
        "LEFT JOIN view_sla_cases s ON s.case_key = p.case_key "
        f"WHERE {' AND '.join(where)}",
        args,
    )
    items = [
        PipelineItem(
            customer=str(code),
            case_id=str(case_id),
            title=str(title),
            stage=str(stage_),
            value=value,
            currency=currency,
            expected_close=None if expected is None else date.fromisoformat(expected),
            holder=str(holder_),
            owner=owner,
            segment=str(segment_),
            last_follow_up=from_iso(last),
            follow_up_due=None if due is None else from_iso(due),
        )
        for (
            code,
            case_id,
            title,
            stage_,
            value,
            currency,
            expected,
            holder_,
            owner,
            segment_,
            last,
            due,
        ) in rows
    ]
    items.sort(key=_order)
    return items


def _order(item: PipelineItem) -> tuple[Any, ...]:
    undated = item.expected_close is None
    return (
        stage_rank(item.stage),
        undated,
        item.expected_close or date.min,
        item.customer,
        _number(item.case_id),
    )


def _number(case_id: str) -> tuple[str, int]:
    head = case_id.rstrip("0123456789")
    tail = case_id[len(head) :]
    return head, int(tail) if tail else 0
