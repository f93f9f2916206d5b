"""Commands on monthly visit plans, monthly summaries, and repairs of holdings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from ledger.commands.base import (
    Command,
    OptionalText,
    Segment,
    StaffId,
    Text,
    _local_ids,
)
from ledger.vocabulary import (
    VisitKind,
    VisitPurpose,
)

PlanMonth = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{2}$")]


class PlannedVisit(BaseModel):
    """One visit of a monthly plan; `source` names where it was typed (an option or
    a CSV row), so a refusal can say which one is wrong."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True
    )
    customer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    purpose: VisitPurpose
    day: date
    kind: VisitKind = VisitKind.RELATIONSHIP_BUILDING
    people: list[str] = Field(default_factory=list)
    agenda: OptionalText = ""
    source: str = ""

    @field_validator("people")
    @classmethod
    def _people_ids(cls, values: list[str]) -> list[str]:
        return _local_ids(values, "person")


class SubmitVisitPlan(Command):
    month: PlanMonth
    owner: StaffId | None = None
    visits: list[PlannedVisit]


class ApproveVisitPlan(Command):
    owner: StaffId
    month: PlanMonth
    note: OptionalText = ""


class ReturnVisitPlan(Command):
    owner: StaffId
    month: PlanMonth
    reason: Text


class SubmitSummary(Command):
    """Hand a segment's summary of one month to head office (docs/domain.md, "Reports")."""

    month: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{2}$")]
    kind: Literal["cases", "visits"] = "cases"
    # The caller's own segment when not given (an executive must name one).
    segment: Segment | None = None
    note: OptionalText = ""


class RepairHoldings(Command):
    """Record the moves past handovers missed (docs/domain.md, "Follow-through"):
    one customer, or every customer the caller assigns owners of."""

    customer: str | None = None
    every: bool = False
    dry_run: bool = False

    @model_validator(mode="after")
    def _one_customer_or_all(self) -> RepairHoldings:
        if (self.customer is None) == (not self.every):
            raise ValueError("name one customer, or give --all for every customer you manage")
        return self
