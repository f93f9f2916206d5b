"""Monthly summaries submitted, and those owed (docs/domain.md, "Reports").

A row per summary submitted. What is owed is worked out when asked: each
segment with an active segment head owes a summary of each kind for every month
that has ended; when each falls due, and when it is at risk, are the domain's
(`ledger.domain.reports`). The SLA lists (`projections/sla/coverage.py`) and the
`todo` work list read `owed_summaries`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.access import SEGMENT_HEAD
from ledger.domain.events.reports import SummarySubmitted
from ledger.domain.reports import (
    SUMMARY_KINDS,
    months_owed,
    summary_at_risk_from,
    summary_due,
)
from ledger.domain.sla.clocks import Clocks
from ledger.domain.sla.months import Month
from projections.base import StatementProjection, from_iso, iso
from projections.store import Transaction


class SummarySubmissions(StatementProjection):
    name = "summaries"
    version = "1"
    accepts = (SummarySubmitted,)
    tables = {
        "view_summaries": (
            "CREATE TABLE IF NOT EXISTS view_summaries ("
            "stream_id TEXT PRIMARY KEY, segment TEXT NOT NULL, month TEXT NOT NULL, "
            "kind TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL, "
            "due_at TEXT NOT NULL, late INTEGER NOT NULL, note TEXT NOT NULL)"
        )
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_summaries_month ON view_summaries (segment, month)",
    )

    def process(self, tx: Transaction, events: Sequence[Any]) -> None:
        tx.executemany(
            "INSERT INTO view_summaries (stream_id, segment, month, kind, submitted_by, "
            "submitted_at, due_at, late, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (stream_id) DO NOTHING",
            [
                (
                    str(e.originator_id),
                    e.segment,
                    e.month,
                    e.kind,
                    e.actor,
                    iso(e.occurred_at),
                    iso(e.due_at),
                    int(e.late),
                    e.note,
                )
                for e in events
            ],
        )


@dataclass(frozen=True)
class Submission:
    segment: str
    month: str
    kind: str
    submitted_by: str
    submitted_at: datetime
    due_at: datetime
    late: bool
    note: str


@dataclass(frozen=True)
class OwedSummary:
    """A segment's summary of one month and kind, due at `due_at`: not submitted
    (`submitted_at` None), or submitted then (late if at or after `due_at`)."""

    segment: str
    head: str  # the segment head who owes it (the first by id, if there are several)
    month: Month
    kind: str
    due_at: datetime
    at_risk_from: datetime
    submitted_at: datetime | None
    submitted_by: str | None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def overdue(self, as_of: datetime) -> bool:
        """Not submitted by its due time, as of `as_of`."""
        return self.submitted_at is None and self.due_at <= as_of


def submissions(
    tx: Transaction, *, segment: str | None = None, month: Month | None = None
) -> list[Submission]:
    clauses, params = [], []
    if segment is not None:
        clauses.append("segment = ?")
        params.append(segment)
    if month is not None:
        clauses.append("month = ?")
        params.append(str(month))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = tx.fetchall(
        "SELECT segment, month, kind, submitted_by, submitted_at, due_at, late, note "
        f"FROM view_summaries{where} ORDER BY month, segment, kind",
        params,
    )
    return [
        Submission(
            str(s), str(m), str(k), str(by), from_iso(at), from_iso(due), bool(late), str(note)
        )
        for s, m, k, by, at, due, late, note in rows
    ]


def segment_heads(tx: Transaction) -> dict[str, tuple[str, datetime]]:
    """Each segment with an active segment head: that head (the first by id) and
    since when the segment has had one active (the earliest, of several)."""
    rows = tx.fetchall(
        "SELECT segment, MIN(staff_id), MIN(since) FROM view_staff "
        "WHERE role = ? AND status = 'active' AND segment IS NOT NULL GROUP BY segment",
        (SEGMENT_HEAD,),
    )
    return {str(segment): (str(head), from_iso(since)) for segment, head, since in rows}


def owed_summaries(
    tx: Transaction,
    clocks: Clocks,
    *,
    as_of: datetime,
    since: datetime | None = None,
    segment: str | None = None,
    head: str | None = None,
) -> list[OwedSummary]:
    """The summaries of months ended by `as_of` that fall due after `since`
    (default: the start of the month before `as_of`'s, so last month's and, until
    its due day has passed, the month before's), submitted or not, of segments
    with an active head whose account was active before the month ended (a head
    owes no month that ended before they took office): `segment`'s only, or those
    `head` heads. Ordered by due
    time, segment and kind. The `todo` list keeps those not `submitted`; the SLA
    lists those `overdue` or submitted late."""
    tz = clocks.timezone
    policy = clocks.policy
    if since is None:
        since = Month.of(as_of, tz).previous().start(tz)
    heads = {
        s: h
        for s, h in segment_heads(tx).items()
        if (segment is None or s == segment) and (head is None or h[0] == head)
    }
    months = months_owed(as_of, since, tz, policy)
    if not heads or not months:
        return []
    done = {
        (s.segment, s.month, s.kind): s
        for month in months
        for s in submissions(tx, month=month)
        if s.segment in heads
    }
    owed = []
    for month in months:
        due = summary_due(month, policy, tz)
        risk = summary_at_risk_from(month, policy, tz)
        for name, (owner, in_office) in sorted(heads.items()):
            if in_office >= month.end(tz):
                continue
            for kind in SUMMARY_KINDS:
                found = done.get((name, str(month), kind))
                # Submitted after `as_of` is, as of then, not submitted yet.
                if found is not None and found.submitted_at > as_of:
                    found = None
                owed.append(
                    OwedSummary(
                        segment=name,
                        head=owner,
                        month=month,
                        kind=kind,
                        # A submission keeps the due time in force when it was made.
                        due_at=due if found is None else found.due_at,
                        at_risk_from=risk,
                        submitted_at=None if found is None else found.submitted_at,
                        submitted_by=None if found is None else found.submitted_by,
                    )
                )
    return owed


def summaries_owed_by(
    tx: Transaction, clocks: Clocks, head: str, *, as_of: datetime
) -> list[OwedSummary]:
    """What segment head `head` still has to submit as of `as_of`: last month's
    summaries (due) and any of the month before not submitted by their due time
    (`overdue(as_of)`), most urgent first. For the `todo` work list."""
    return [s for s in owed_summaries(tx, clocks, as_of=as_of, head=head) if not s.submitted]
