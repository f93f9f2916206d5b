"""Events of a segment's monthly summaries (docs/domain.md, "Reports").

A summary belongs to a segment, not to a customer: each (segment, month, kind)
is a stream of its own, hash-chained like a staff account's, so `ledger audit
verify` checks it and no customer's history shows it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate

from ledger.domain.base import RecordedEvent

if TYPE_CHECKING:
    from ledger.domain.reports import MonthlySummary


class SummarySubmitted(RecordedEvent, Aggregate.Created):
    """A segment's summary of one month handed to head office. `due_at` is the
    deadline in force when it was submitted and `late` whether it was missed, so a
    later change of the policy does not rewrite what was on time."""

    segment: str
    month: str  # YYYY-MM
    kind: str  # cases or visits
    note: str
    due_at: datetime
    late: bool

    def apply_to(self, summary: MonthlySummary) -> None:
        summary.segment = self.segment
        summary.month = self.month
        summary.kind = self.kind
        summary.submitted_by = self.actor
        summary.submitted_at = self.occurred_at
        summary.due_at = self.due_at
        summary.late = self.late
