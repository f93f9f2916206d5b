"""What every command is: who acts, under which command id, when; the field
types commands share."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from uuid import uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from ledger.references import parse_local_id
from ledger.vocabulary import NUL, NUL_REFUSAL, TEXT_LIMIT

StaffId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9._-]{1,39}$")
]
Segment = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


def new_command_id() -> str:
    return uuid4().hex


def holds_nul(value: Any) -> bool:
    """Whether a NUL character is anywhere in `value` (a text, or a list, mapping or
    model of them)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        # Most items are text: looked at here, without a call for each.
        return any(NUL in v if type(v) is str else holds_nul(v) for v in value)
    if isinstance(value, BaseModel):
        return any(holds_nul(v) for v in value.__dict__.values())
    return False


# Values that hold no text (their exact types; a subclass, an enum say, is looked into).
_WITHOUT_TEXT = frozenset({datetime, date, int, float, bool, Decimal, type(None)})


class Command(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL's text and jsonb cannot hold NUL: an event carrying one would be
        # stored, but no view could take it, and every read catching up would stop.
        # Most values are text: looked at here, without a call per value (a bulk
        # import builds a command for every row).
        kind = type(value)
        if kind is str:
            if NUL in value:
                raise ValueError(NUL_REFUSAL)
            return value
        if kind in _WITHOUT_TEXT:  # a time, a date, a number: nothing to look into
            return value
        if holds_nul(value):  # a text enum, a list...
            raise ValueError(NUL_REFUSAL)
        return value

    actor: StaffId
    command_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        default_factory=new_command_id
    )
    # A time without an offset is ambiguous here; `ledger.clock.parse_time` reads
    # typed times in the ledger's time zone before they reach a command.
    occurred_at: AwareDatetime | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


class CustomerCommand(Command):
    customer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LocalIdCommand(CustomerCommand):
    """A command about one thing inside the customer's stream (`case` is `CP3`, `P2`...)."""

    TARGET_KIND: ClassVar[str] = ""
    case: str

    @field_validator("case")
    @classmethod
    def _known_local_id(cls, value: str) -> str:
        local_id, _ = parse_local_id(value, expected=cls.TARGET_KIND or None)
        return local_id


def _local_ids(values: list[str], kind: str) -> list[str]:
    return [parse_local_id(value, expected=kind)[0] for value in values]
