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
from ledger.clock import parse_time
from ledger.domain.base import CustomerEvent
from ledger.errors import InvalidInputError

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
    }
)

# Fields whose values come from a closed vocabulary, by event field name.
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
        coerced[field] = _coerce(field, text, getattr(event, field), tz)
    return coerced


def _coerce(field: str, text: str, original: Any, tz: ZoneInfo) -> Any:
    if field in VOCABULARIES:
        choices = [member.value for member in VOCABULARIES[field]]
        if text not in choices:
            raise InvalidInputError(f"{field} must be one of {', '.join(choices)}, not {text!r}")
        return text
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
        return parse_time(text, tz, what=field)
    if isinstance(original, list):
        return [item.strip() for item in text.split(";") if item.strip()]
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
