"""How imported cases count for the SLA (README, "How imported cases count for the
SLA"; docs/domain.md, "Service rules (SLA)").

An imported case keeps its history: its clock runs on the original times of its
steps, under the policy stamped on it when the import opened it, so how fast it was
answered or resolved, and whether it was late, are worked out as for any case. What
differs is what the ledger does about a breach:

- A breach is **historic** when its deadline passed before the import brought the
  case into the ledger (before its opening event was recorded). It happened under
  the old system, which handled it or did not; the ledger shows it, marked
  historic, in `sla breaches` and counts it in its month's report, but the sweep
  never records it as an `SlaBreached` event and never escalates the case for it:
  an import of years of cases must not turn into thousands of escalations and
  breach events dated today.
- A deadline that falls after the import (a case still open, a promise due next
  week, a follow-up clock still running) is live: it is swept like any other.

This module is the one place that says which breaches are historic; the SLA view
stores what it says for each case and lapse, and the sweep's queries leave the
historic ones out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ledger.domain.provenance import is_imported


def imported_at(opening: Any) -> datetime | None:
    """When the import recorded the event that opened a case (its recording
    time), or None for a case opened by a command."""
    if not is_imported(opening):
        return None
    recorded: datetime = opening.timestamp
    return recorded


def is_historic(deadline: datetime | None, imported: datetime | None) -> bool:
    """Whether a breach with this deadline is historic: its case was imported, and
    the deadline had passed when it was."""
    return imported is not None and deadline is not None and deadline < imported
