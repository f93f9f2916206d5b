"""The service's report commands: submitting a segment's monthly summary
(docs/domain.md, "Reports").

`Ledger` mixes this in. A summary is a stream of its own per (segment, month,
kind); the same command again is answered from the record, another command for
a summary already submitted is refused (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.access import EXECUTIVE, SEGMENT_HEAD, Caller, may_submit_summary
from ledger.config import Settings
from ledger.domain.base import Meta
from ledger.domain.reports import MonthlySummary, summary_stream_id
from ledger.domain.sla.months import Month
from ledger.errors import AccessDeniedError, InvalidInputError, RuleViolationError

if TYPE_CHECKING:
    from ledger import commands as c


@dataclass(frozen=True)
class SummaryReceipt:
    segment: str
    month: str
    kind: str
    submitted_by: str
    submitted_at: datetime
    due_at: datetime
    late: bool
    replayed: bool = False


class ReportCommands:
    """Expects the host application's `settings`, `caller`, `save`, `meta_for`,
    `_get_or_none` and `_retrying`."""

    settings: Settings
    caller: Callable[[str], Caller]
    save: Callable[..., Any]
    meta_for: Callable[[c.Command], Meta]
    _get_or_none: Callable[[UUID], Any]
    _retrying: Callable[[Callable[[], Any]], Any]

    def submit_summary(self, command: c.SubmitSummary) -> SummaryReceipt:
        caller = self.caller(command.actor)
        if caller.role not in (EXECUTIVE, SEGMENT_HEAD):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: a segment's monthly summary is "
                "submitted by its segment head or an executive"
            )
        segment = command.segment or caller.segment
        if segment is None:
            raise InvalidInputError("an executive submits for one segment: give --segment")
        if not may_submit_summary(caller, segment):
            raise AccessDeniedError(
                f"{caller.staff_id} is segment head of {caller.segment}: the summary of "
                f"{segment} is its own head's to submit"
            )
        month = Month.parse(command.month)
        meta = self.meta_for(command)
        tz = self.settings.timezone

        def attempt() -> SummaryReceipt:
            stream = summary_stream_id(segment, month, command.kind)
            existing: MonthlySummary | None = self._get_or_none(stream)
            if existing is not None:
                assert existing.submitted_at is not None
                if existing.result_of(command.command_id) is None:
                    when = existing.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    raise RuleViolationError(
                        f"the {command.kind} summary of {segment} for {month} was submitted "
                        f"already, by {existing.submitted_by} on {when}: it is submitted once"
                    )
                return _receipt(existing, replayed=True)
            summary = MonthlySummary.submit(
                segment, month, command.kind, command.note, self.settings.sla, tz, meta
            )
            self.save(summary)
            return _receipt(summary)

        receipt: SummaryReceipt = self._retrying(attempt)
        return receipt


def _receipt(summary: MonthlySummary, *, replayed: bool = False) -> SummaryReceipt:
    assert summary.submitted_at is not None and summary.due_at is not None
    return SummaryReceipt(
        summary.segment,
        summary.month,
        summary.kind,
        summary.submitted_by,
        summary.submitted_at,
        summary.due_at,
        summary.late,
        replayed,
    )
