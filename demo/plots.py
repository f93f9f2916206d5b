"""Which plot lines a demo customer's year carries: the rarer ones by position,
so that even a dozen customers show every kind of event, the rest at random."""

from __future__ import annotations

# Customers in these positions carry the rarer plot lines, so that even a dozen
# customers show every kind of event; the rest draw them at random.
ROTATION: tuple[frozenset[str], ...] = tuple(
    frozenset(features.split())
    for features in (
        "showcase",
        "reactivated lead_lost",
        "terminated reopened_complaint",
        "paused_complaint branch_closed visit_cancelled",
        "segment_moved profile_updated",
        "person_left contact_corrected critical_complaint",
        "open_complaint score_corrected",
        "late_inquiry tier_raised",
        "paused_complaint reopened_complaint",
        "handover visit_cancelled lead_lost",
        "late_complaint branch_closed",
        "person_updated profile_updated",
    )
)
FEATURE_ODDS = {
    "late_complaint": 0.15,
    "critical_complaint": 0.03,
    "paused_complaint": 0.1,
    "open_complaint": 0.06,
    "reopened_complaint": 0.05,
    "branches": 0.35,
    "branch_closed": 0.08,
    "visit_cancelled": 0.15,
    "segment_moved": 0.01,
    "profile_updated": 0.1,
    "person_left": 0.08,
    "person_updated": 0.12,
    "tier_raised": 0.06,
    "contact_corrected": 0.04,
    "score_corrected": 0.02,
    "late_inquiry": 0.2,
    "handover": 0.1,
    "lead_lost": 0.3,
    "terminated": 0.02,
    "reactivated": 0.015,
}
