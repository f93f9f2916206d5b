"""The SLA vocabulary: what kinds of clock there are and the target each runs
against (docs/domain.md, "Service rules (SLA)")."""

from __future__ import annotations

from datetime import UTC, datetime

# Clocks kept per case, from the case's own events.
CASE_KINDS = ("inquiry", "complaint", "follow-up", "commitment")
# Clocks worked out from other facts: owners' monthly visits, departed owners'
# customers, segments' monthly summaries (docs/domain.md, "Reports").
COVERAGE = "visit-coverage"
HANDOVER = "handover"
SUMMARY = "summary"
KINDS = (*CASE_KINDS, COVERAGE, HANDOVER, SUMMARY)

TARGETS = {
    "inquiry": "first_answer",
    "complaint": "resolution",
    "follow-up": "follow_up",
    "commitment": "commitment_due",
    COVERAGE: "visit_coverage",
    HANDOVER: "handover_after_departure",
    SUMMARY: "report_due",
}
# Inquiries and complaints run on business time; the other clocks on the calendar.
BUSINESS_TIME_KINDS = frozenset({"inquiry", "complaint"})
# Follow-up restarts with every follow-up: each lapse is a breach of its own.
RECURRING_KINDS = frozenset({"follow-up"})

# The clock each kind of case in a customer's stream runs (leads and
# opportunities share the follow-up clock).
CLOCK_OF_CASE = {
    "inquiry": "inquiry",
    "complaint": "complaint",
    "opportunity": "follow-up",
    "commitment": "commitment",
}
SLA_TARGETS = {case_kind: TARGETS[clock] for case_kind, clock in CLOCK_OF_CASE.items()}


def breach_key(case_kind: str, target: str, due_at: datetime) -> str:
    """What identifies one recorded breach within a case: the target alone for a
    clock that breaches once, the target and the lapse's due time for a recurring
    one (so each lapse of a follow-up is recorded once, and breaches recorded
    before follow-up recurred, which carry the first lapse's due time, read the same)."""
    if CLOCK_OF_CASE.get(case_kind) in RECURRING_KINDS:
        return f"{target}@{due_at.astimezone(UTC).isoformat()}"
    return target
