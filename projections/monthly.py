"""The monthly report (docs/domain.md, "Reports"): complaints and
inquiries by category with resolution times and breaches, complaints by root
cause, visits per owner with coverage, satisfaction, and handovers, for one
calendar month in the ledger's time zone.

This projection keeps what the SLA view does not: satisfaction scores,
handovers, and each complaint's root cause as its latest resolution states it.
Cases, their clocks and visit coverage come from the SLA view
(`projections.sla`), so both reports count a case and a breach the same way.
Resolution times are worked out when asked, on the business calendar, from
each case's opening, closing and pauses.

Customers are filtered by their current segment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import singledispatch
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.causes import UNKNOWN_CAUSE, cause_key, cause_label
from ledger.domain.sla.clocks import Clocks
from ledger.domain.sla.months import Month
from projections.base import Decoded, Handlers, Projection, Replay, from_iso, iso
from projections.sla.coverage import Coverage, coverage
from projections.store import Transaction
from projections.visit_plans import planned_customers


class MonthlyFigures(Projection):
    name = "monthly"
    keyed_by_customer = True
    version = "3"
    tables = {
        "view_monthly_causes": (
            "CREATE TABLE IF NOT EXISTS view_monthly_causes ("
            "customer_id TEXT NOT NULL, case_id TEXT NOT NULL, root_cause TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, case_id))"
        ),
        "view_monthly_satisfaction": (
            "CREATE TABLE IF NOT EXISTS view_monthly_satisfaction ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, occurred_at TEXT NOT NULL, "
            "score INTEGER NOT NULL, source TEXT NOT NULL, PRIMARY KEY (customer_id, version))"
        ),
        "view_monthly_handovers": (
            "CREATE TABLE IF NOT EXISTS view_monthly_handovers ("
            "customer_id TEXT NOT NULL, version INTEGER NOT NULL, occurred_at TEXT NOT NULL, "
            "previous TEXT, owner TEXT NOT NULL, reason TEXT NOT NULL, "
            "PRIMARY KEY (customer_id, version))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_monthly_satisfaction_time "
        "ON view_monthly_satisfaction (occurred_at)",
        "CREATE INDEX IF NOT EXISTS view_monthly_handovers_time "
        "ON view_monthly_handovers (occurred_at)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Rows(fresh=tx is None)


SATISFACTION_COLUMNS = ("customer_id", "version", "occurred_at", "score", "source")
HANDOVER_COLUMNS = ("customer_id", "version", "occurred_at", "previous", "owner", "reason")
CAUSE_COLUMNS = ("customer_id", "case_id", "root_cause")


class _Rows(Replay):
    """New rows held until written, keyed by (customer, version). Corrections are
    not patched in: the events arrive corrected (projections/views.py)."""

    def __init__(self, *, fresh: bool) -> None:
        # Into a table emptied for this replay, every row is new: no conflict to check.
        self.fresh = fresh
        self.rows: _Held = {
            "view_monthly_satisfaction": {},
            "view_monthly_handovers": {},
            "view_monthly_causes": {},
        }

    def feed(self, batch: Decoded) -> None:
        rows = self.rows
        for event, key, at in zip(batch.events, batch.keys, batch.times, strict=True):
            _HANDLERS[type(event)](event, rows, key, at)

    def flush(self, tx: Transaction) -> None:
        for table, columns in (
            ("view_monthly_satisfaction", SATISFACTION_COLUMNS),
            ("view_monthly_handovers", HANDOVER_COLUMNS),
        ):
            rows = list(self.rows[table].values())
            if self.fresh:
                tx.insert_new(table, columns, rows)
            else:
                marks = ", ".join("?" * len(columns))
                tx.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
                    "ON CONFLICT (customer_id, version) DO NOTHING",
                    rows,
                )
            self.rows[table] = {}
        # A complaint resolved again states its cause again: the latest stands.
        causes = list(self.rows["view_monthly_causes"].values())
        if self.fresh:
            tx.insert_new("view_monthly_causes", CAUSE_COLUMNS, causes)
        else:
            tx.executemany(
                "INSERT INTO view_monthly_causes (customer_id, case_id, root_cause) "
                "VALUES (?, ?, ?) ON CONFLICT (customer_id, case_id) "
                "DO UPDATE SET root_cause = excluded.root_cause",
                causes,
            )
        self.rows["view_monthly_causes"] = {}


# table -> (customer, version) -> row; for causes (customer, case) -> row
_Held = dict[str, dict[tuple[str, Any], list[Any]]]


@singledispatch
def _handle(event: CustomerEvent, rows: _Held, key: str, at: str) -> None:
    """Events that add no row."""


_HANDLERS = Handlers(_handle)


@_HANDLERS.register
def _(e: ev.SatisfactionRecorded, rows: _Held, key: str, at: str) -> None:
    version = e.originator_version
    rows["view_monthly_satisfaction"][(key, version)] = [key, version, at, e.score, e.source]


@_HANDLERS.register
def _(e: ev.ComplaintResolved, rows: _Held, key: str, at: str) -> None:
    rows["view_monthly_causes"][(key, e.case_id)] = [key, e.case_id, e.root_cause]


@_HANDLERS.register
def _(e: ev.OwnerAssigned, rows: _Held, key: str, at: str) -> None:
    version = e.originator_version
    rows["view_monthly_handovers"][(key, version)] = [
        key,
        version,
        at,
        e.previous,
        e.owner,
        e.reason,
    ]


# ------------------------------------------------------------------ queries
@dataclass(frozen=True)
class CaseFigures:
    """Inquiries (by channel) or complaints (by category) of one month."""

    kind: str
    category: str
    received: int = 0
    resolved: int = 0
    median_resolution: timedelta | None = None  # business time, pauses excluded
    mean_resolution: timedelta | None = None
    breaches: int = 0
    open: int = 0  # of those received in the month, still open when the report is made
    share: float = 0.0  # of the month's cases of this kind received


@dataclass(frozen=True)
class CauseFigures:
    """Complaints received in the month with one root cause (as their latest
    resolution states it, when the report is made), or none known yet."""

    cause: str
    complaints: int
    open: int
    resolved: int
    share: float  # of the month's complaints


@dataclass(frozen=True)
class SatisfactionFigures:
    source: str  # survey, spot_check, or "all"
    count: int
    average: float | None


@dataclass(frozen=True)
class Handover:
    customer: str
    occurred_at: datetime
    previous: str | None
    owner: str
    reason: str


@dataclass(frozen=True)
class MonthlyReport:
    month: Month
    segment: str | None
    cases: list[CaseFigures]
    causes: list[CauseFigures]
    visits: list[Coverage]
    coverage_target: float
    satisfaction: list[SatisfactionFigures]
    handovers: list[Handover]


def monthly_report(
    tx: Transaction, clocks: Clocks, month: Month, *, segment: str | None = None, now: datetime
) -> MonthlyReport:
    """The figures of `month`, with everything recorded by now (a month still
    running is counted up to `now`), from the SLA and monthly views."""
    tz = clocks.timezone
    start, end = month.start(tz), month.end(tz)
    until = min(end, now)
    cases = _case_figures(tx, clocks, start, end, until, now, segment)
    causes = _causes(tx, start, end, now, segment)
    visits = coverage(tx, month, until, tz, segment=segment) if start < now else []
    planned = planned_customers(tx, month, segment=segment)
    visits = [replace(share, planned=planned.get(share.owner, 0)) for share in visits]
    satisfaction = _satisfaction(tx, start, end, segment)
    handovers = _handovers(tx, start, end, segment)
    return MonthlyReport(
        month=month,
        segment=segment,
        cases=cases,
        causes=causes,
        visits=visits,
        coverage_target=clocks.policy.visit_coverage,
        satisfaction=satisfaction,
        handovers=handovers,
    )


def _segment_clause(segment: str | None, alias: str) -> tuple[str, list[str]]:
    if segment is None:
        return "", []
    return f" AND {alias}.segment = ?", [segment]


def _case_figures(
    tx: Transaction,
    clocks: Clocks,
    start: datetime,
    end: datetime,
    until: datetime,
    now: datetime,
    segment: str | None,
) -> list[CaseFigures]:
    where, params = _segment_clause(segment, "c")
    kinds = " AND c.kind IN ('inquiry', 'complaint')"
    received = tx.fetchall(
        "SELECT c.kind, c.category, COUNT(*), "
        "SUM(CASE WHEN c.closed_at IS NULL OR c.closed_at > ? THEN 1 ELSE 0 END) "
        "FROM view_sla_cases c "
        f"WHERE c.opened_at >= ? AND c.opened_at < ?{kinds}{where} GROUP BY c.kind, c.category",
        (iso(now), iso(start), iso(end), *params),
    )
    breached = tx.fetchall(
        "SELECT c.kind, c.category, COUNT(*) FROM view_sla_cases c "
        f"WHERE c.breach_at >= ? AND c.breach_at < ?{kinds}{where} GROUP BY c.kind, c.category",
        (iso(start), iso(until), *params),
    )
    closed = tx.fetchall(
        "SELECT c.kind, c.category, c.opened_at, c.closed_at, c.pauses, c.policy "
        "FROM view_sla_cases c "
        f"WHERE c.closed_at >= ? AND c.closed_at < ?{kinds}{where}",
        (iso(start), iso(end), *params),
    )
    figures: dict[tuple[str, str], dict[str, Any]] = {}

    def entry(kind: str, category: str) -> dict[str, Any]:
        return figures.setdefault(
            (kind, category), {"received": 0, "open": 0, "breaches": 0, "times": []}
        )

    totals: dict[str, int] = {}
    for kind, category, count, still_open in received:
        entry(kind, category).update(received=int(count), open=int(still_open or 0))
        totals[kind] = totals.get(kind, 0) + int(count)
    for kind, category, count in breached:
        entry(kind, category)["breaches"] = int(count)
    for kind, category, opened, closed_at, pauses, policy in closed:
        entry(kind, category)["times"].append(
            clocks.elapsed(kind, policy, from_iso(opened), from_iso(closed_at), _pauses(pauses))
        )
    order = {"complaint": 0, "inquiry": 1}
    return [
        CaseFigures(
            kind=kind,
            category=category,
            received=values["received"],
            resolved=len(values["times"]),
            open=values["open"],
            share=values["received"] / totals[kind] if totals.get(kind) else 0.0,
            median_resolution=_median(values["times"]),
            mean_resolution=_mean(values["times"]),
            breaches=values["breaches"],
        )
        for (kind, category), values in sorted(
            figures.items(), key=lambda item: (order[item[0][0]], item[0][1])
        )
    ]


def _causes(
    tx: Transaction, start: datetime, end: datetime, now: datetime, segment: str | None
) -> list[CauseFigures]:
    """Complaints received in the month by root cause (one cause however it was
    typed: `cause_key`), most common first."""
    where, params = _segment_clause(segment, "c")
    rows = tx.fetchall(
        "SELECT m.root_cause, CASE WHEN c.closed_at IS NULL OR c.closed_at > ? THEN 1 ELSE 0 END "
        "FROM view_sla_cases c LEFT JOIN view_monthly_causes m "
        "ON m.customer_id = c.customer_id AND m.case_id = c.case_id "
        f"WHERE c.kind = 'complaint' AND c.opened_at >= ? AND c.opened_at < ?{where}",
        (iso(now), iso(start), iso(end), *params),
    )
    groups: dict[str, dict[str, Any]] = {}
    for cause, still_open in rows:
        key = cause_key(cause or "")
        group = groups.setdefault(key, {"spellings": [], "open": 0, "count": 0})
        if key:
            group["spellings"].append(cause)
        group["count"] += 1
        group["open"] += int(still_open)
    total = len(rows)
    figures = [
        CauseFigures(
            cause=cause_label(group["spellings"]) if key else UNKNOWN_CAUSE,
            complaints=group["count"],
            open=group["open"],
            resolved=group["count"] - group["open"],
            share=group["count"] / total,
        )
        for key, group in groups.items()
    ]
    # The unknown last: it is no cause, whatever its count.
    return sorted(figures, key=lambda f: (f.cause == UNKNOWN_CAUSE, -f.complaints, f.cause))


def _pauses(text: str) -> list[tuple[datetime, datetime | None]]:
    return [
        (from_iso(start), None if end is None else from_iso(end)) for start, end in json.loads(text)
    ]


def _median(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    # Imported when a report is drawn: every read imports this module, few draw one.
    import statistics

    return timedelta(seconds=round(statistics.median(t.total_seconds() for t in times)))


def _mean(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    import statistics  # as in _median

    return timedelta(seconds=round(statistics.fmean(t.total_seconds() for t in times)))


def _satisfaction(
    tx: Transaction, start: datetime, end: datetime, segment: str | None
) -> list[SatisfactionFigures]:
    where, params = _segment_clause(segment, "c")
    rows = tx.fetchall(
        "SELECT s.source, COUNT(*), SUM(s.score) FROM view_monthly_satisfaction s "
        "JOIN view_sla_customers c ON c.customer_id = s.customer_id "
        f"WHERE s.occurred_at >= ? AND s.occurred_at < ?{where} GROUP BY s.source "
        "ORDER BY s.source",
        (iso(start), iso(end), *params),
    )
    figures = [
        SatisfactionFigures(str(source), int(count), int(total) / int(count))
        for source, count, total in rows
    ]
    count = sum(f.count for f in figures)
    total = sum(f.count * (f.average or 0) for f in figures)
    figures.append(SatisfactionFigures("all", count, total / count if count else None))
    return figures


def _handovers(
    tx: Transaction, start: datetime, end: datetime, segment: str | None
) -> list[Handover]:
    where, params = _segment_clause(segment, "c")
    rows = tx.fetchall(
        "SELECT c.code, h.occurred_at, h.previous, h.owner, h.reason, h.version "
        "FROM view_monthly_handovers h JOIN view_sla_customers c ON c.customer_id = h.customer_id "
        f"WHERE h.occurred_at >= ? AND h.occurred_at < ?{where} "
        "ORDER BY h.occurred_at, c.code, h.version",
        (iso(start), iso(end), *params),
    )
    return [
        Handover(str(code), from_iso(at), previous, str(owner), str(reason))
        for code, at, previous, owner, reason, _ in rows
    ]
