"""How the corrected values typed on the command line are read into typed values.

Which fields a correction may change at all is the domain's rule
(`ledger.domain.corrections`); this module only reads text into the type the
event's field holds.
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
from ledger.domain.corrections import (
    FIXED_FIELDS,
    GOVERNING_EVENTS,
    check_correctable,
    correctable_fields,
)
from ledger.errors import InvalidInputError
from ledger.references import parse_local_id

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
RANGES: dict[str, tuple[int, int]] = {"score": v.SATISFACTION_SCORES, "level": v.LEVELS}
PERSON_LISTS = frozenset({"people", "people_met"})


def coerce_changes(event: CustomerEvent, changes: dict[str, str], tz: ZoneInfo) -> dict[str, Any]:
    """The typed values of a correction of `event`; a field it does not have (or a
    fact about the recording, such as who recorded it) is bad input, a field the
    domain does not let a correction change is refused."""
    kind = type(event).__name__
    names = {f.name for f in dataclasses.fields(event)}
    coerced: dict[str, Any] = {}
    for field, text in changes.items():
        if kind in GOVERNING_EVENTS:
            # Nothing of it can be corrected: say what to do instead, whatever the field.
            check_correctable(kind, [field])
        if field not in names or field in FIXED_FIELDS:
            allowed = correctable_fields(event)
            choices = f"choose from {', '.join(allowed)}" if allowed else "it has none"
            raise InvalidInputError(f"{kind} has no correctable field {field!r}: {choices}")
        check_correctable(kind, [field])
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
        return _amount(field, text)
    if not isinstance(original, str | None):
        raise InvalidInputError(f"{field} cannot be corrected from the command line")
    if not text.strip():
        raise InvalidInputError(f"{field} cannot be corrected to an empty value")
    if len(text.strip()) > v.TEXT_LIMIT:
        raise InvalidInputError(f"{field} is at most {v.TEXT_LIMIT} characters, not {len(text)}")
    return text.strip()


def _amount(field: str, text: str) -> str:
    """An amount as the commands take it (`Money`: not negative, at most two
    decimals), kept as decimal text like the event's own."""
    # Imported here: the command models are built on import, and every command that
    # opens the ledger imports this module, reads included.
    from pydantic import TypeAdapter, ValidationError

    from ledger.commands import Money

    try:
        amount = Decimal(text.strip())
        TypeAdapter(Money).validate_python(amount)
    except (InvalidOperation, ValidationError):
        raise InvalidInputError(
            f"{field} is an amount such as 1250.00 (not negative, at most two decimals), "
            f"not {text!r}"
        ) from None
    return str(amount)


# Fields whose names match a vocabulary but which hold free text in these events.
_FREE_TEXT = frozenset({("LeadCreated", "source"), ("CommitmentMade", "source")})


def _items(text: str) -> list[str]:
    """A list typed on the command line: items separated by semicolons."""
    return [item.strip() for item in text.split(";") if item.strip()]
