"""Commands: what staff ask the ledger to record, validated at the edge.

Each is an immutable pydantic model that refuses unknown fields. Times arrive
already parsed (see `ledger.clock`); `occurred_at=None` means "now".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal
from uuid import uuid4

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ledger.domain.contact_plan import MAX_EVERY_DAYS
from ledger.personal_details import PersonalFields
from ledger.references import parse_local_id
from ledger.vocabulary import (
    LEVELS,
    NUL,
    NUL_REFUSAL,
    SATISFACTION_SCORES,
    TEXT_LIMIT,
    Channel,
    ComplaintCategory,
    CustomerKind,
    DecisionRole,
    Direction,
    OpportunityStage,
    RelationshipStatus,
    SatisfactionSource,
    Severity,
    Stage,
    Tier,
    VisitKind,
    VisitOutcome,
    VisitPurpose,
)

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
        return any(holds_nul(v) for v in value)
    if isinstance(value, BaseModel):
        return any(holds_nul(v) for v in value.__dict__.values())
    return False


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL's text and jsonb cannot hold NUL: an event carrying one would be
        # stored, but no view could take it, and every read catching up would stop.
        if holds_nul(value):
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


# ------------------------------------------------------------------- profile
class RegisterCustomer(Command):
    name: Name
    kind: CustomerKind = CustomerKind.ORGANISATION
    industry: OptionalText = ""
    segment: Segment
    headquarters: OptionalText = ""
    tier: Tier = Tier.GENERAL
    vip: bool = False
    stage: Stage = Stage.PROSPECT
    owner: StaffId | None = None
    external_refs: dict[str, str] = Field(default_factory=dict)


class UpdateProfile(CustomerCommand):
    name: Name | None = None
    kind: CustomerKind | None = None
    industry: OptionalText | None = None
    headquarters: OptionalText | None = None
    external_refs: dict[str, str] = Field(default_factory=dict)


class ChangeSegment(CustomerCommand):
    segment: Segment
    reason: OptionalText = ""


class ChangeTier(CustomerCommand):
    tier: Tier
    vip: bool | None = None  # None keeps the current VIP flag
    reason: OptionalText = ""


class ChangeStage(CustomerCommand):
    stage: Stage
    reason: OptionalText = ""


class AddBranch(CustomerCommand):
    name: Name
    location: OptionalText = ""


class CloseBranch(LocalIdCommand):
    TARGET_KIND = "branch"
    reason: OptionalText = ""


class AssignOwner(CustomerCommand):
    owner: StaffId
    reason: Text


class TerminateRelationship(CustomerCommand):
    reason: Text
    root_cause: Text
    head_office_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReactivateRelationship(CustomerCommand):
    repair_plan: Text


# -------------------------------------------------------------------- people
class AddKeyPerson(PersonalFields, CustomerCommand):
    name: Name
    title: OptionalText = ""
    decision_role: DecisionRole
    relationship_status: RelationshipStatus = RelationshipStatus.NOT_ESTABLISHED
    counterpart: StaffId | None = None


class UpdateKeyPerson(PersonalFields, LocalIdCommand):
    TARGET_KIND = "person"
    name: Name | None = None
    title: OptionalText | None = None
    decision_role: DecisionRole | None = None
    counterpart: StaffId | None = None

    def changes(self) -> dict[str, Any]:
        """The business facts to change (personal details: `details()`)."""
        fields = ("name", "title", "decision_role")
        found = {
            f: getattr(self, f) for f in (*fields, "counterpart") if getattr(self, f) is not None
        }
        return {k: (v.value if hasattr(v, "value") else v) for k, v in found.items()}


class AssessRelationship(LocalIdCommand):
    TARGET_KIND = "person"
    relationship_status: RelationshipStatus
    note: OptionalText = ""


class RecordPersonLeft(LocalIdCommand):
    TARGET_KIND = "person"
    reason: OptionalText = ""


class PlanContact(LocalIdCommand):
    """A key person's contact plan; what is not given stays as planned before."""

    TARGET_KIND = "person"
    counterpart: StaffId | None = None
    every_days: Annotated[int, Field(ge=1, le=MAX_EVERY_DAYS)] | None = None
    next_contact: date | None = None


# -------------------------------------------------------------- interactions
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
    model_config = ConfigDict(extra="forbid", frozen=True)
    item: Name
    amount: Money
    currency: Currency = "CNY"


class PromisedCommitment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
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


# ----------------------------------------------------------------- inquiries
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


# ------------------------------------------------------------- opportunities
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


# --------------------------------------------------------------- commitments
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


# ------------------------------------------------------------------ staff
Role = Literal["executive", "segment_head", "staff", "auditor", "admin"]


class StaffCommand(Command):
    staff: StaffId


class AddStaff(StaffCommand):
    name: Name
    role: Role
    segment: Segment | None = None
    reason: Text = "joined"


class ChangeStaffRole(StaffCommand):
    role: Role
    # The segment the new role works in (kept when not given).
    segment: Segment | None = None
    reason: Text


class ChangeStaffSegment(StaffCommand):
    segment: Segment
    reason: Text


class FreezeStaff(StaffCommand):
    """Stop an account's access at once (ahead of a departure, say)."""

    reason: Text


class DeactivateStaff(StaffCommand):
    """The account's owner has left: no access from now on."""

    reason: Text


class ReactivateStaff(StaffCommand):
    """Give a frozen or deactivated account access again."""

    reason: Text


class ReassignOwner(Command):
    """Hand every customer of one owner to another (a departure)."""

    previous: StaffId
    owner: StaffId
    reason: Text = "handover after departure"


# ------------------------------------------------------------ monthly visit plans
PlanMonth = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{4}-\d{2}$")]


class PlannedVisit(BaseModel):
    """One visit of a monthly plan; `source` names where it was typed (an option or
    a CSV row), so a refusal can say which one is wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
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


class ErasePersonalData(LocalIdCommand):
    """Erase a key person's personal data on their request (docs/domain.md,
    "Personal data")."""

    TARGET_KIND = "person"
    reason: Text
    request_ref: Name
    # Who asked; None: the person themselves.
    requested_by: Name | None = None
