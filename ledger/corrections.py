"""What a correction may change in an earlier event, and how typed values are read.

Identity and bookkeeping (ids, version, who recorded it, under which command)
are facts about the recording and cannot be corrected; the content can, and so
can `occurred_at` (a wrongly typed date is the commonest mistake).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from ledger import vocabulary as v
from ledger.clock import check_not_future, parse_date, parse_time
from ledger.config import DEFAULT_CLOCK_SKEW
from ledger.domain.base import CustomerEvent
from ledger.errors import InvalidInputError
from ledger.references import parse_local_id

FIXED_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "command_id",
        "correlation_id",
        "causation_id",
        "case_id",
        "person_id",
        "branch_id",
        "code",
        "previous_hash",
        "event_hash",
        "sla_policy",  # the policy a case opened under is a fact of record
    }
)

# Fields whose values come from a closed vocabulary: by field name, and where one
# name means different things in different events, by (event, field).
VOCABULARIES: dict[str, type[StrEnum]] = {
    "channel": v.Channel,
    "direction": v.Direction,
    "purpose": v.VisitPurpose,
    "outcome": v.VisitOutcome,
    "category": v.ComplaintCategory,
    "severity": v.Severity,
    "decision_role": v.DecisionRole,
    "relationship_status": v.RelationshipStatus,
    "tier": v.Tier,
}
EVENT_VOCABULARIES: dict[tuple[str, str], type[StrEnum]] = {
    ("SatisfactionRecorded", "source"): v.SatisfactionSource,
    ("VisitPlanned", "kind"): v.VisitKind,
    ("VisitReported", "kind"): v.VisitKind,
    ("CustomerRegistered", "kind"): v.CustomerKind,
    ("LifecycleStageChanged", "stage"): v.Stage,
    ("LifecycleStageChanged", "previous"): v.Stage,
    ("OpportunityOpened", "stage"): v.OpportunityStage,
    ("OpportunityStageChanged", "stage"): v.OpportunityStage,
    ("OpportunityStageChanged", "previous"): v.OpportunityStage,
}
# Whole numbers with the range their command allows.
RANGES: dict[str, tuple[int, int]] = {"score": (1, 5), "level": (1, 3)}
PERSON_LISTS = frozenset({"people", "people_met"})


def correctable_fields(event: CustomerEvent) -> list[str]:
    names = [f.name for f in dataclasses.fields(event)]
    return [name for name in names if name not in FIXED_FIELDS]


def coerce_changes(event: CustomerEvent, changes: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    allowed = correctable_fields(event)
    kind = type(event).__name__
    coerced: dict[str, Any] = {}
    for field, text in changes.items():
        if field not in allowed:
            raise InvalidInputError(
                f"{kind} has no correctable field {field!r}: choose from {', '.join(allowed)}"
            )
        coerced[field] = _coerce(kind, field, text, getattr(event, field), tz)
    return coerced


def _coerce(kind: str, field: str, text: str, original: Any, tz: ZoneInfo) -> Any:
    vocabulary = EVENT_VOCABULARIES.get((kind, field)) or (
        VOCABULARIES.get(field) if (kind, field) not in _FREE_TEXT else None
    )
    if vocabulary is not None:
        choices = [member.value for member in vocabulary]
        if text not in choices or text == "terminated":
            allowed = [c for c in choices if c != "terminated"]
            raise InvalidInputError(f"{field} must be one of {', '.join(allowed)}, not {text!r}")
        return text
    if field in RANGES:
        low, high = RANGES[field]
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise InvalidInputError(f"{field} is a whole number from {low} to {high}, not {text!r}")
        return int(text)
    if field == "due":
        return parse_date(text, what="due").isoformat()
    if field in PERSON_LISTS:
        return [parse_local_id(item, expected="person")[0] for item in _items(text)]
    if field == "currency" and not (len(text) == 3 and text.isalpha() and text.isupper()):
        raise InvalidInputError(f"currency is a three-letter code such as CNY, not {text!r}")
    if isinstance(original, bool):
        if text.lower() not in ("true", "false", "yes", "no"):
            raise InvalidInputError(f"{field} is true or false, not {text!r}")
        return text.lower() in ("true", "yes")
    if isinstance(original, int):
        try:
            return int(text)
        except ValueError:
            raise InvalidInputError(f"{field} is a whole number, not {text!r}") from None
    if isinstance(original, datetime):
        moment = parse_time(text, tz, what=field)
        if field == "occurred_at":
            check_not_future(moment, DEFAULT_CLOCK_SKEW)
        return moment
    if isinstance(original, list):
        return _items(text)
    if field in ("value", "amount"):
        try:
            return str(Decimal(text))
        except InvalidOperation:
            raise InvalidInputError(f"{field} is an amount such as 1250.00, not {text!r}") from None
    if not isinstance(original, str | None):
        raise InvalidInputError(f"{field} cannot be corrected from the command line")
    if not text.strip():
        raise InvalidInputError(f"{field} cannot be corrected to an empty value")
    return text.strip()


# Fields whose names match a vocabulary but which hold free text in these events.
_FREE_TEXT = frozenset({("LeadCreated", "source"), ("CommitmentMade", "source")})


def _items(text: str) -> list[str]:
    """A list typed on the command line: items separated by semicolons."""
    return [item.strip() for item in text.split(";") if item.strip()]
