"""Commands on service cases: inquiries, complaints, escalations, commitments,
problems from visits, and SLA breaches."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    Field,
    StringConstraints,
    field_validator,
)

from ledger.commands.base import (
    CustomerCommand,
    LocalIdCommand,
    Name,
    OptionalText,
    Text,
)
from ledger.references import parse_local_id
from ledger.vocabulary import (
    LEVELS,
    Channel,
    ComplaintCategory,
    Severity,
)


class ReceiveInquiry(CustomerCommand):
    channel: Channel
    title: Name
    question: OptionalText = ""


class AnswerInquiry(LocalIdCommand):
    TARGET_KIND = "inquiry"
    answer: Text


# ---------------------------------------------------------------- complaints
class FileComplaint(CustomerCommand):
    category: ComplaintCategory
    severity: Severity = Severity.MEDIUM
    description: Text
    channel: Channel


class AcknowledgeComplaint(LocalIdCommand):
    TARGET_KIND = "complaint"
    note: OptionalText = ""


class PauseComplaint(LocalIdCommand):
    TARGET_KIND = "complaint"
    reason: Text


class ResumeComplaint(LocalIdCommand):
    TARGET_KIND = "complaint"
    note: OptionalText = ""


class ResolveComplaint(LocalIdCommand):
    TARGET_KIND = "complaint"
    resolution: Text
    root_cause: OptionalText = ""


class ReopenComplaint(LocalIdCommand):
    TARGET_KIND = "complaint"
    reason: Text


# --------------------------------------------------------------- escalations
class RaiseEscalation(LocalIdCommand):
    """`case` is the inquiry or complaint being escalated."""

    level: Annotated[int, Field(ge=LEVELS[0], le=LEVELS[1])]
    to: Name
    reason: Text

    @field_validator("case")
    @classmethod
    def _escalatable(cls, value: str) -> str:
        local_id, kind = parse_local_id(value)
        if kind not in ("inquiry", "complaint"):
            raise ValueError(f"only inquiries (IQ..) and complaints (CP..) escalate, not {kind}s")
        return local_id


class ResolveEscalation(LocalIdCommand):
    TARGET_KIND = "escalation"
    resolution: Text


class MakeCommitment(CustomerCommand):
    description: Text
    due: date | None = None
    source: OptionalText = ""


class FulfilCommitment(LocalIdCommand):
    TARGET_KIND = "commitment"
    note: OptionalText = ""


class WithdrawCommitment(LocalIdCommand):
    TARGET_KIND = "commitment"
    reason: Text


class HandleProblem(LocalIdCommand):
    TARGET_KIND = "problem"
    note: Text


# ----------------------------------------------------------------------- SLA
class RecordBreach(LocalIdCommand):
    """A sweep found `case` past its SLA `target`; `occurred_at` is when it saw it."""

    target: Literal["first_answer", "resolution", "follow_up", "commitment_due"]
    due_at: AwareDatetime
    policy_version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
