"""The demo's monthly summaries (docs/domain.md, "Reports"): for the month before
last, whose summaries fell due on the 5th of last month, airport's head submits
on time, technology's late, and real estate's never does (a breach in `ledger sla
breaches`); last month's airport cases summary is in once this month has begun."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from demo.staff import STAFF
from ledger.domain.base import Meta
from ledger.domain.reports import (
    SUMMARY_KINDS,
    MonthlySummary,
    summary_due,
    summary_stream_id,
)
from ledger.domain.sla.months import Month

if TYPE_CHECKING:
    from ledger.application import Ledger

ON_TIME, LATE = "airport", "technology"  # real_estate submits nothing


def submit_demo_summaries(app: Ledger, end: datetime, timezone: ZoneInfo) -> int:
    """Submit the demo's summaries that are not in yet; returns how many were new."""
    last = Month.of(end, timezone).previous()  # the last month ended when the history does
    before = last.previous()
    due = summary_due(before, app.settings.sla, timezone)
    plan = [(ON_TIME, before, kind, due - timedelta(days=2, hours=14)) for kind in SUMMARY_KINDS]
    plan += [(LATE, before, kind, due + timedelta(days=2, hours=10)) for kind in SUMMARY_KINDS]
    early = last.end(timezone) + timedelta(hours=10)
    if early < end:
        plan.append((ON_TIME, last, "cases", early))
    added = 0
    for segment, month, kind, when in plan:
        # Recorded as the loader records customers: straight from the domain, on a
        # ledger whose accounts may not be the demo's.
        if app._get_or_none(summary_stream_id(segment, month, kind)) is not None:
            continue
        meta = Meta(when, STAFF[segment][0], f"demo-summary:{segment}:{month}:{kind}")
        app.save(
            MonthlySummary.submit(
                segment, month, kind, "Demo summary", app.settings.sla, timezone, meta
            )
        )
        added += 1
    return added
