"""A segment's monthly summaries: when one is due, when it is at risk, and the
record of its submission (docs/domain.md, "Reports" and "Service rules (SLA)").

Each segment owes head office one summary of each kind (its complaints and
inquiries: `cases`; its visits and coverage: `visits`) per calendar month, due
by the end of the policy's `report_due_day` of the following month in the
ledger's time zone. A summary is one stream per (segment, month, kind): it is
submitted once; the same command again is answered from the record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.domain.base import Meta, create_chained
from ledger.domain.chain import GENESIS
from ledger.domain.directory import NAMESPACE
from ledger.domain.events.reports import SummarySubmitted
from ledger.domain.sla.clocks import end_of_day
from ledger.domain.sla.months import Month
from ledger.domain.sla.policy import SlaPolicy
from ledger.errors import RuleViolationError

SUMMARY_KINDS = ("cases", "visits")


def summary_stream_id(segment: str, month: Month, kind: str) -> UUID:
    return uuid5(NAMESPACE, f"summary:{segment}:{month}:{kind}")


def summary_due(month: Month, policy: SlaPolicy, timezone: ZoneInfo) -> datetime:
    """The first moment a summary of `month` is late: the end of the policy's
    `report_due_day` of the next month, in the ledger's time zone."""
    following = month.next()
    return end_of_day(date(following.year, following.month, policy.report_due_day), timezone)


def summary_at_risk_from(month: Month, policy: SlaPolicy, timezone: ZoneInfo) -> datetime:
    """When a summary not yet submitted is at risk: once the policy's at-risk share
    of the time from the month's end to its due time has passed."""
    ended = month.end(timezone)
    return ended + policy.at_risk_after(summary_due(month, policy, timezone) - ended)


def is_late(submitted_at: datetime, due_at: datetime) -> bool:
    return submitted_at >= due_at


def months_owed(
    as_of: datetime, since: datetime, timezone: ZoneInfo, policy: SlaPolicy
) -> list[Month]:
    """The months ended by `as_of` whose summaries fall due after `since`: those a
    list of what is owed (or was late) since then is about, oldest first."""
    months = []
    month = Month.of(since, timezone).previous()  # due in the month of `since` at the earliest
    while month.end(timezone) <= as_of:
        if summary_due(month, policy, timezone) > since:
            months.append(month)
        month = month.next()
    return months


def check_month_ended(month: Month, timezone: ZoneInfo, moment: datetime) -> None:
    if month.end(timezone) > moment:
        raise RuleViolationError(
            f"{month} has not ended yet: its summary can be submitted from {month.next()}-01"
        )


class MonthlySummary(Aggregate):
    """One segment's summary of one kind for one month, once submitted."""

    def __init__(self) -> None:
        self.segment = ""
        self.month = ""
        self.kind = ""
        self.submitted_by = ""
        self.submitted_at: datetime | None = None
        self.due_at: datetime | None = None
        self.late = False
        self.commands: dict[str, list[Any]] = {}
        self.chain_head = GENESIS

    @classmethod
    def submit(
        cls,
        segment: str,
        month: Month,
        kind: str,
        note: str,
        policy: SlaPolicy,
        timezone: ZoneInfo,
        meta: Meta,
    ) -> MonthlySummary:
        check_month_ended(month, timezone, meta.occurred_at)
        due = summary_due(month, policy, timezone)
        return create_chained(
            cls,
            SummarySubmitted,
            summary_stream_id(segment, month, kind),
            meta,
            segment=segment,
            month=str(month),
            kind=kind,
            note=note,
            due_at=due,
            late=is_late(meta.occurred_at, due),
        )

    def result_of(self, command_id: str) -> int | None:
        recorded = self.commands.get(command_id)
        return None if recorded is None else int(recorded[0])
