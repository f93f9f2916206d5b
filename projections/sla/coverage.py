"""Targets that belong to no case: each owner's visit coverage of their active
customers per calendar month, and the handing over of a departed owner's
customers (docs/domain.md, "Service rules (SLA)")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.domain.sla.clocks import Clocks
from ledger.domain.sla.months import Month
from ledger.domain.sla.targets import COVERAGE, HANDOVER, SUMMARY
from projections.base import iso
from projections.handover import handovers
from projections.sla.items import SlaItem
from projections.store import Transaction


@dataclass(frozen=True)
class Coverage:
    """How many of an owner's active customers were visited in a month (so far);
    `planned`: how many customers their submitted or approved visit plan for the
    month holds (docs/domain.md, "Follow-through"), where a report asks for it."""

    owner: str
    month: Month
    customers: int
    visited: int
    visits: int
    planned: int = 0

    @property
    def share(self) -> float:
        return self.visited / self.customers if self.customers else 1.0


def coverage(
    tx: Transaction,
    month: Month,
    moment: datetime,
    timezone: ZoneInfo,
    *,
    segment: str | None = None,
    owner: str | None = None,
) -> list[Coverage]:
    """Each owner's active customers just before `moment` (the month's end, or an
    earlier moment inside the month) and how many of them had a reported visit in
    the month by then."""
    start = iso(month.start(timezone))
    until = iso(min(moment, month.end(timezone)))
    where, params = filters(segment=segment, owner=owner, prefix="p.")
    rows = tx.fetchall(
        "SELECT p.owner, COUNT(*), COUNT(v.customer_id), SUM(v.visits) "
        "FROM view_sla_periods p LEFT JOIN (SELECT customer_id, COUNT(*) AS visits "
        "FROM view_sla_visits WHERE visited_at >= ? AND visited_at < ? GROUP BY customer_id) v "
        "ON v.customer_id = p.customer_id WHERE p.active = 1 AND p.owner IS NOT NULL "
        f"AND p.since < ? AND (p.until IS NULL OR p.until >= ?){where} "
        "GROUP BY p.owner ORDER BY p.owner",
        (start, until, until, until, *params),
    )
    return [
        Coverage(str(name), month, int(customers), int(visited or 0), int(visits or 0))
        for name, customers, visited, visits in rows
    ]


def filters(
    *,
    segment: str | None = None,
    owner: str | None = None,
    kind: str | None = None,
    prefix: str = "",
) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in (("segment", segment), ("owner", owner), ("kind", kind)):
        if value is not None:
            clauses.append(f" AND {prefix}{column} = ?")
            params.append(value)
    return "".join(clauses), params


def _coverage_item(
    share: Coverage, clocks: Clocks, segment: str | None, as_of: datetime, **extra: Any
) -> SlaItem:
    policy = clocks.policy
    tz = clocks.timezone
    end = share.month.end(tz)
    return SlaItem(
        kind=COVERAGE,
        customer="",
        case=str(share.month),
        owner=share.owner,
        segment=segment or "",
        opened_at=share.month.start(tz),
        due_at=end,
        status="closed" if end <= as_of else "open",
        closed_at=end if end <= as_of else None,
        policy_version=policy.version,
        business_time=False,
        detail=(
            f"{share.visited} of {share.customers} active customers visited "
            f"({share.share:.0%}; target {policy.visit_coverage:.0%})"
        ),
        **extra,
    )


def handover_items(
    tx: Transaction,
    clocks: Clocks,
    as_of: datetime,
    since: datetime | None,
    segment: str | None,
    owner: str | None,
    *,
    breached: bool,
) -> list[SlaItem]:
    """Departed owners' customers not handed over within one working day (breached
    after `since`, or still open), or close to it (at risk), as of `as_of`."""
    calendar = clocks.calendar
    items = []
    for h in handovers(tx, as_of=as_of):
        if (segment is not None and h.segment != segment) or (
            owner is not None and h.departed != owner
        ):
            continue
        due = clocks.handover_due(h.started_at)
        end = h.closed_at or as_of
        detail = f"{h.departed} left; " + (
            f"handed to {h.handed_to}" if h.handed_to else "not handed over"
        )
        item = SlaItem(
            kind=HANDOVER,
            customer=h.code,
            case="handover",
            owner=h.departed,
            segment=h.segment,
            opened_at=h.started_at,
            due_at=due,
            status="closed" if h.closed_at else "open",
            closed_at=h.closed_at,
            policy_version=clocks.policy.version,
            business_time=True,
            detail=detail,
        )
        if breached:
            if end > due and (h.closed_at is None or since is None or due > since):
                items.append(replace(item, late=calendar.business_time_between(due, end)))
        elif h.closed_at is None and end < due and clocks.handover_at_risk(h.started_at, end):
            items.append(replace(item, left=calendar.business_time_between(end, due)))
    return items


def coverage_breaches(
    tx: Transaction,
    clocks: Clocks,
    as_of: datetime,
    since: datetime,
    segment: str | None,
    owner: str | None,
) -> list[SlaItem]:
    tz = clocks.timezone
    target = clocks.policy.visit_coverage
    items = []
    month = Month.of(since, tz)
    while month.end(tz) < as_of:
        if month.end(tz) > since:
            for share in coverage(tx, month, month.end(tz), tz, segment=segment, owner=owner):
                if share.share < target:
                    items.append(_coverage_item(share, clocks, segment, as_of))
        month = month.next()
    return items


def coverage_at_risk(
    tx: Transaction, clocks: Clocks, as_of: datetime, segment: str | None, owner: str | None
) -> list[SlaItem]:
    tz = clocks.timezone
    month = Month.of(as_of, tz)
    if not clocks.coverage_at_risk(month, as_of):
        return []
    left = month.end(tz) - as_of
    return [
        _coverage_item(share, clocks, segment, as_of, left=left)
        for share in coverage(tx, month, as_of, tz, segment=segment, owner=owner)
        if share.share < clocks.policy.visit_coverage
    ]


def summary_items(
    tx: Transaction,
    clocks: Clocks,
    as_of: datetime,
    since: datetime | None,
    segment: str | None,
    owner: str | None,
    *,
    breached: bool,
) -> list[SlaItem]:
    """Segments' monthly summaries not submitted by their due time (still owed, or
    submitted late after `since`), or, not yet due, past the at-risk share of the
    time from the month's end (docs/domain.md, "Reports")."""
    from projections.summaries import owed_summaries

    items = []
    for s in owed_summaries(tx, clocks, as_of=as_of, since=since, segment=segment, head=owner):
        done = s.submitted_at
        item = SlaItem(
            kind=SUMMARY,
            customer="",
            case=f"{s.segment} {s.month} {s.kind} summary",
            owner=s.head,
            segment=s.segment,
            opened_at=s.month.end(clocks.timezone),
            due_at=s.due_at,
            status="closed" if done else "open",
            closed_at=done,
            policy_version=clocks.policy.version,
            business_time=False,
            detail=f"submitted by {s.submitted_by}" if done else "not submitted",
        )
        if breached:
            end = done or as_of
            if end >= s.due_at:
                items.append(replace(item, late=end - s.due_at))
        elif done is None and s.at_risk_from <= as_of < s.due_at:
            items.append(replace(item, left=s.due_at - as_of))
    return items
