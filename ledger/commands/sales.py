"""Commands on leads and opportunities."""

from __future__ import annotations

from datetime import date

from pydantic import (
    field_validator,
)

from ledger.commands.base import (
    Currency,
    CustomerCommand,
    LocalIdCommand,
    Money,
    Name,
    OptionalText,
    Text,
)
from ledger.references import parse_local_id
from ledger.vocabulary import (
    OpportunityStage,
)


class CreateLead(CustomerCommand):
    title: Name
    source: OptionalText = ""
    note: OptionalText = ""


class OpenOpportunity(CustomerCommand):
    lead: str | None = None
    title: Name
    stage: OpportunityStage = OpportunityStage.QUALIFICATION
    value: Money | None = None
    currency: Currency | None = None
    expected_close: date | None = None

    @field_validator("lead")
    @classmethod
    def _lead_id(cls, value: str | None) -> str | None:
        return None if value is None else parse_local_id(value, expected="opportunity")[0]


class ChangeOpportunityStage(LocalIdCommand):
    TARGET_KIND = "opportunity"
    stage: OpportunityStage
    note: OptionalText = ""
    expected_close: date | None = None


class LogFollowUp(LocalIdCommand):
    TARGET_KIND = "opportunity"
    summary: Text
    next_step: OptionalText = ""


class WinOpportunity(LocalIdCommand):
    TARGET_KIND = "opportunity"
    value: Money | None = None
    note: OptionalText = ""


class LoseOpportunity(LocalIdCommand):
    TARGET_KIND = "opportunity"
    reason: Text
