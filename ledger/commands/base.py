"""What every command is: who acts, under which command id, when; the field
types commands share."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, ClassVar
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
from ledger.vocabulary import (
    TEXT_LIMIT,
)

StaffId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9._-]{1,39}$")
]
Segment = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
]
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_LIMIT)]
Currency = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


def new_command_id() -> str:
    return uuid4().hex


class Command(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )

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
