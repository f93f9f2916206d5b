"""Commands for contacts, visits, satisfaction scores and corrections."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from ledger.commands.base import (
    Currency,
    CustomerCommand,
    LocalIdCommand,
    Money,
    Name,
    OptionalText,
    StaffId,
    Text,
    _local_ids,
)
from ledger.references import parse_local_id
from ledger.vocabulary import (
    SATISFACTION_SCORES,
    Channel,
    Direction,
    SatisfactionSource,
    VisitKind,
    VisitOutcome,
    VisitPurpose,
)


class LogContact(CustomerCommand):
    channel: Channel
    direction: Direction
    people: list[str] = Field(default_factory=list)
    summary: Text
    follow_ups: list[Text] = Field(default_factory=list)
    # When the follow-ups are due; by default a configured number of working days on.
    due: date | None = None

    @field_validator("people")
    @classmethod
    def _people_ids(cls, values: list[str]) -> list[str]:
        return _local_ids(values, "person")

    @field_validator("due")
    @classmethod
    def _due_of_follow_ups(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is not None and not info.data.get("follow_ups"):
            raise ValueError(
                "only follow-ups promised have a due date: give at least one --follow-up"
            )
        return value


class PlanVisit(CustomerCommand):
    planned_for: AwareDatetime
    purpose: VisitPurpose
    kind: VisitKind
    visitor: StaffId | None = None
    companions: list[StaffId] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)
    agenda: OptionalText = ""

    @field_validator("people")
    @classmethod
    def _people_ids(cls, values: list[str]) -> list[str]:
        return _local_ids(values, "person")


class Expense(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    item: Name
    amount: Money
    currency: Currency = "CNY"


class PromisedCommitment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    description: Text
    due: date | None = None


class ReportVisit(CustomerCommand):
    visit: str | None = None
    purpose: VisitPurpose
    kind: VisitKind
    visitor: StaffId | None = None
    companions: list[StaffId] = Field(default_factory=list)
    people_met: list[str] = Field(default_factory=list)
    summary: Text
    outcome: VisitOutcome
    expenses: list[Expense] = Field(default_factory=list)
    problems_handled: list[Text] = Field(default_factory=list)
    problems_pending: list[Text] = Field(default_factory=list)
    commitments: list[PromisedCommitment] = Field(default_factory=list)

    @field_validator("visit")
    @classmethod
    def _visit_id(cls, value: str | None) -> str | None:
        return None if value is None else parse_local_id(value, expected="visit")[0]

    @field_validator("people_met")
    @classmethod
    def _people_ids(cls, values: list[str]) -> list[str]:
        return _local_ids(values, "person")


class CancelVisit(LocalIdCommand):
    TARGET_KIND = "visit"
    reason: OptionalText = ""


class RecordSatisfaction(CustomerCommand):
    score: Annotated[int, Field(ge=SATISFACTION_SCORES[0], le=SATISFACTION_SCORES[1])]
    source: SatisfactionSource
    note: OptionalText = ""


class RecordCorrection(CustomerCommand):
    version: Annotated[int, Field(ge=1)]
    reason: Text
    changes: dict[str, str]

    @field_validator("changes")
    @classmethod
    def _something_changes(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError("name at least one FIELD=VALUE to correct")
        return value
