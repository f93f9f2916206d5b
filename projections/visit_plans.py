"""Monthly visit plans as tables (docs/domain.md, "Follow-through"): one row per
plan (owner, month, segment, status, when submitted, how many visits and
customers, whether late) and one per visit of its latest revision; and the
queries that `ledger visit plans`, coverage and the work list read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import singledispatch
from typing import Any

from ledger.access import EXECUTIVE, SEGMENT_HEAD, Caller
from ledger.domain.events.visit_plans import (
    VisitPlanApproved,
    VisitPlanEvent,
    VisitPlanOpened,
    VisitPlanReturned,
    VisitPlanSubmitted,
)
from ledger.domain.sla.months import Month
from ledger.domain.visit_plan import (
    APPROVED,
    NOT_SUBMITTED,
    PLANNING_ROLES,
    RETURNED,
    SUBMITTED,
    is_late,
    plan_owes,
)
from projections.base import Handlers, StatementProjection, from_iso, iso
from projections.store import Transaction

PLAN_COLUMNS = (
    "owner, month, segment, status, revision, submitted_at, due, visits, customers, "
    "late, decided_by, decided_at, note"
)


class VisitPlans(StatementProjection):
    name = "visit_plans"
    version = "1"
    accepts = (VisitPlanEvent,)
    tables = {
        "view_visit_plans": (
            "CREATE TABLE IF NOT EXISTS view_visit_plans ("
            "stream_id TEXT PRIMARY KEY, owner TEXT NOT NULL, month TEXT NOT NULL, "
            "segment TEXT, status TEXT NOT NULL, revision INTEGER NOT NULL, "
            "submitted_at TEXT, due TEXT, visits INTEGER NOT NULL, "
            "customers INTEGER NOT NULL, late INTEGER NOT NULL, decided_by TEXT, "
            "decided_at TEXT, note TEXT NOT NULL)"
        ),
        "view_visit_plan_entries": (
            "CREATE TABLE IF NOT EXISTS view_visit_plan_entries ("
            "stream_id TEXT NOT NULL, customer_id TEXT NOT NULL, code TEXT NOT NULL, "
            "visit TEXT NOT NULL, day TEXT NOT NULL, PRIMARY KEY (stream_id, customer_id, visit))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_visit_plans_month ON view_visit_plans (month, owner)",
    )

    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        for event in events:
            _HANDLERS[type(event)](event, tx)


@singledispatch
def _apply(e: VisitPlanEvent, tx: Transaction) -> None:
    """An event of a plan that changes none of its rows."""


_HANDLERS = Handlers(_apply)


def _update(tx: Transaction, e: VisitPlanEvent, **changes: Any) -> None:
    assignments = ", ".join(f"{column} = ?" for column in changes)
    tx.execute(
        f"UPDATE view_visit_plans SET {assignments} WHERE stream_id = ?",
        (*changes.values(), str(e.originator_id)),
    )


@_HANDLERS.register
def _(e: VisitPlanOpened, tx: Transaction) -> None:
    tx.execute(
        "INSERT INTO view_visit_plans (stream_id, owner, month, segment, status, revision, "
        "visits, customers, late, note) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, '')",
        (str(e.originator_id), e.owner, e.month, e.segment, NOT_SUBMITTED),
    )


@_HANDLERS.register
def _(e: VisitPlanSubmitted, tx: Transaction) -> None:
    stream = str(e.originator_id)
    tx.execute("DELETE FROM view_visit_plan_entries WHERE stream_id = ?", (stream,))
    tx.executemany(
        "INSERT INTO view_visit_plan_entries (stream_id, customer_id, code, visit, day) "
        "VALUES (?, ?, ?, ?, ?)",
        [(stream, x["customer_id"], x["code"], x["visit"], x["day"]) for x in e.entries],
    )
    _update(
        tx,
        e,
        status=SUBMITTED,
        revision=e.revision,
        submitted_at=iso(e.occurred_at),
        due=iso(e.due),
        visits=len(e.entries),
        customers=len({x["customer_id"] for x in e.entries}),
        late=int(e.late),
        decided_by=None,
        decided_at=None,
        note="",
    )


@_HANDLERS.register
def _(e: VisitPlanApproved, tx: Transaction) -> None:
    _update(tx, e, status=APPROVED, decided_by=e.by, decided_at=iso(e.occurred_at), note=e.note)


@_HANDLERS.register
def _(e: VisitPlanReturned, tx: Transaction) -> None:
    _update(tx, e, status=RETURNED, decided_by=e.by, decided_at=iso(e.occurred_at), note=e.reason)


# -------------------------------------------------------------------- queries
@dataclass(frozen=True)
class PlanRow:
    """Where one owner's plan for a month stands; `status` is "not submitted" for an
    owner who owes one and has handed in nothing."""

    owner: str
    month: str
    segment: str | None
    status: str
    revision: int
    submitted_at: datetime | None
    due: datetime
    visits: int
    customers: int
    late: bool
    decided_by: str | None
    note: str

    @property
    def owed(self) -> bool:
        return plan_owes(self.status)


def plan_rows(
    tx: Transaction,
    month: Month,
    due: datetime,
    now: datetime,
    *,
    segment: str | None = None,
    owner: str | None = None,
) -> list[PlanRow]:
    """Every plan for `month` (of `segment`, of `owner`), and a "not submitted" row
    for each active account manager (`PLANNING_ROLES`) with none; by owner."""
    rows = {
        row.owner: row for row in _stored(tx, month, segment, owner) if row.status != NOT_SUBMITTED
    }
    where, params = (
        ["status = 'active'", f"role IN ({tx.in_list(len(PLANNING_ROLES))})"],
        [*PLANNING_ROLES],
    )
    if segment is not None:
        where.append("segment = ?")
        params.append(segment)
    if owner is not None:
        where.append("staff_id = ?")
        params.append(owner)
    for staff_id, staff_segment in tx.fetchall(
        f"SELECT staff_id, segment FROM view_staff WHERE {' AND '.join(where)}", params
    ):
        if staff_id not in rows:
            rows[staff_id] = PlanRow(
                owner=staff_id,
                month=str(month),
                segment=staff_segment,
                status=NOT_SUBMITTED,
                revision=0,
                submitted_at=None,
                due=due,
                visits=0,
                customers=0,
                late=is_late(None, due, now),
                decided_by=None,
                note="",
            )
    return [rows[name] for name in sorted(rows)]


def _stored(tx: Transaction, month: Month, segment: str | None, owner: str | None) -> list[PlanRow]:
    clauses, params = ["month = ?"], [str(month)]
    for column, value in (("segment", segment), ("owner", owner)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    found = tx.fetchall(
        f"SELECT {PLAN_COLUMNS} FROM view_visit_plans WHERE {' AND '.join(clauses)}", params
    )
    return [
        PlanRow(
            owner=str(name),
            month=str(plan_month),
            segment=plan_segment,
            status=str(status),
            revision=int(revision),
            submitted_at=from_iso(submitted) if submitted else None,
            due=from_iso(due),
            visits=int(visits),
            customers=int(customers),
            late=bool(late),
            decided_by=decided_by,
            note=str(note),
        )
        for (
            name,
            plan_month,
            plan_segment,
            status,
            revision,
            submitted,
            due,
            visits,
            customers,
            late,
            decided_by,
            _,
            note,
        ) in found
    ]


def plans_owed_by(
    tx: Transaction, staff_id: str, month: Month, due: datetime, now: datetime
) -> list[PlanRow]:
    """The plan `staff_id` still owes for `month` (none submitted, or returned):
    one row, or none. For the work list (`ledger todo`)."""
    return [row for row in plan_rows(tx, month, due, now, owner=staff_id) if row.owed]


def plans_awaiting(tx: Transaction, reviewer: Caller, month: Month | None = None) -> list[PlanRow]:
    """Submitted plans `reviewer` may approve or return (a segment head: their
    segment's, not their own; an executive: all but their own), oldest first.
    For the work list (`ledger todo`)."""
    if reviewer.role not in (SEGMENT_HEAD, EXECUTIVE):
        return []
    clauses, params = ["status = ?", "owner <> ?"], [SUBMITTED, reviewer.staff_id]
    if reviewer.role == SEGMENT_HEAD:
        clauses.append("segment = ?")
        params.append(reviewer.segment or "")
    if month is not None:
        clauses.append("month = ?")
        params.append(str(month))
    found = tx.fetchall(
        f"SELECT owner, month FROM view_visit_plans WHERE {' AND '.join(clauses)} "
        "ORDER BY submitted_at, owner",
        params,
    )
    rows = []
    for name, plan_month in found:
        rows += _stored(tx, Month.parse(str(plan_month)), None, str(name))
    return rows


def planned_customers(
    tx: Transaction, month: Month, *, segment: str | None = None
) -> dict[str, int]:
    """Per owner, how many customers their submitted or approved plan for `month`
    holds (a returned plan plans nothing until it is submitted again)."""
    clauses, params = ["p.month = ?", "p.status IN (?, ?)"], [str(month), SUBMITTED, APPROVED]
    if segment is not None:
        clauses.append("p.segment = ?")
        params.append(segment)
    rows = tx.fetchall(
        "SELECT p.owner, COUNT(DISTINCT e.customer_id) FROM view_visit_plans p "
        "JOIN view_visit_plan_entries e ON e.stream_id = p.stream_id "
        f"WHERE {' AND '.join(clauses)} GROUP BY p.owner",
        params,
    )
    return {str(name): int(count) for name, count in rows}
