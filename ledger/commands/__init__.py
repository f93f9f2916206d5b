"""Commands: what staff ask the ledger to record, validated at the edge.

Each is an immutable pydantic model that refuses unknown fields. Times arrive
already parsed (see `ledger.clock`); `occurred_at=None` means "now".

The models live in one module per area (`base` holds what they share). Defining
a pydantic model costs about half a millisecond and there are some sixty, so
this package names each command and imports its module when the command is
first asked for: a process defines only the models it uses (docs/decisions.md,
"Start-up: the cost is paid at import"). `from ledger.commands import LogContact`
reads as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The module of each name this package offers.
MODULES: dict[str, str] = {
    "StaffId": "base",
    "Segment": "base",
    "Text": "base",
    "Name": "base",
    "OptionalText": "base",
    "Currency": "base",
    "Money": "base",
    "new_command_id": "base",
    "Command": "base",
    "CustomerCommand": "base",
    "LocalIdCommand": "base",
    "RegisterCustomer": "profile",
    "UpdateProfile": "profile",
    "ChangeSegment": "profile",
    "ChangeTier": "profile",
    "ChangeStage": "profile",
    "AddBranch": "profile",
    "CloseBranch": "profile",
    "AssignOwner": "profile",
    "TerminateRelationship": "profile",
    "ReactivateRelationship": "profile",
    "AddKeyPerson": "people",
    "UpdateKeyPerson": "people",
    "AssessRelationship": "people",
    "RecordPersonLeft": "people",
    "PlanContact": "people",
    "ErasePersonalData": "people",
    "LogContact": "interactions",
    "PlanVisit": "interactions",
    "Expense": "interactions",
    "PromisedCommitment": "interactions",
    "ReportVisit": "interactions",
    "CancelVisit": "interactions",
    "RecordSatisfaction": "interactions",
    "RecordCorrection": "interactions",
    "ReceiveInquiry": "cases",
    "AnswerInquiry": "cases",
    "FileComplaint": "cases",
    "AcknowledgeComplaint": "cases",
    "PauseComplaint": "cases",
    "ResumeComplaint": "cases",
    "ResolveComplaint": "cases",
    "ReopenComplaint": "cases",
    "RaiseEscalation": "cases",
    "ResolveEscalation": "cases",
    "MakeCommitment": "cases",
    "FulfilCommitment": "cases",
    "WithdrawCommitment": "cases",
    "HandleProblem": "cases",
    "RecordBreach": "cases",
    "CreateLead": "sales",
    "OpenOpportunity": "sales",
    "ChangeOpportunityStage": "sales",
    "LogFollowUp": "sales",
    "WinOpportunity": "sales",
    "LoseOpportunity": "sales",
    "Role": "staff",
    "StaffCommand": "staff",
    "AddStaff": "staff",
    "ChangeStaffRole": "staff",
    "ChangeStaffSegment": "staff",
    "FreezeStaff": "staff",
    "DeactivateStaff": "staff",
    "ReactivateStaff": "staff",
    "ReassignOwner": "staff",
    "PlanMonth": "plans",
    "PlannedVisit": "plans",
    "SubmitVisitPlan": "plans",
    "ApproveVisitPlan": "plans",
    "ReturnVisitPlan": "plans",
    "SubmitSummary": "plans",
    "RepairHoldings": "plans",
}

if TYPE_CHECKING:
    from ledger.commands.base import (
        Command,
        Currency,
        CustomerCommand,
        LocalIdCommand,
        Money,
        Name,
        OptionalText,
        Segment,
        StaffId,
        Text,
        new_command_id,
    )
    from ledger.commands.cases import (
        AcknowledgeComplaint,
        AnswerInquiry,
        FileComplaint,
        FulfilCommitment,
        HandleProblem,
        MakeCommitment,
        PauseComplaint,
        RaiseEscalation,
        ReceiveInquiry,
        RecordBreach,
        ReopenComplaint,
        ResolveComplaint,
        ResolveEscalation,
        ResumeComplaint,
        WithdrawCommitment,
    )
    from ledger.commands.interactions import (
        CancelVisit,
        Expense,
        LogContact,
        PlanVisit,
        PromisedCommitment,
        RecordCorrection,
        RecordSatisfaction,
        ReportVisit,
    )
    from ledger.commands.people import (
        AddKeyPerson,
        AssessRelationship,
        ErasePersonalData,
        PlanContact,
        RecordPersonLeft,
        UpdateKeyPerson,
    )
    from ledger.commands.plans import (
        ApproveVisitPlan,
        PlanMonth,
        PlannedVisit,
        RepairHoldings,
        ReturnVisitPlan,
        SubmitSummary,
        SubmitVisitPlan,
    )
    from ledger.commands.profile import (
        AddBranch,
        AssignOwner,
        ChangeSegment,
        ChangeStage,
        ChangeTier,
        CloseBranch,
        ReactivateRelationship,
        RegisterCustomer,
        TerminateRelationship,
        UpdateProfile,
    )
    from ledger.commands.sales import (
        ChangeOpportunityStage,
        CreateLead,
        LogFollowUp,
        LoseOpportunity,
        OpenOpportunity,
        WinOpportunity,
    )
    from ledger.commands.staff import (
        AddStaff,
        ChangeStaffRole,
        ChangeStaffSegment,
        DeactivateStaff,
        FreezeStaff,
        ReactivateStaff,
        ReassignOwner,
        Role,
        StaffCommand,
    )

__all__ = [
    "AcknowledgeComplaint",
    "AddBranch",
    "AddKeyPerson",
    "AddStaff",
    "AnswerInquiry",
    "ApproveVisitPlan",
    "AssessRelationship",
    "AssignOwner",
    "CancelVisit",
    "ChangeOpportunityStage",
    "ChangeSegment",
    "ChangeStaffRole",
    "ChangeStaffSegment",
    "ChangeStage",
    "ChangeTier",
    "CloseBranch",
    "Command",
    "CreateLead",
    "Currency",
    "CustomerCommand",
    "DeactivateStaff",
    "ErasePersonalData",
    "Expense",
    "FileComplaint",
    "FreezeStaff",
    "FulfilCommitment",
    "HandleProblem",
    "LocalIdCommand",
    "LogContact",
    "LogFollowUp",
    "LoseOpportunity",
    "MakeCommitment",
    "Money",
    "Name",
    "OpenOpportunity",
    "OptionalText",
    "PauseComplaint",
    "PlanContact",
    "PlanMonth",
    "PlanVisit",
    "PlannedVisit",
    "PromisedCommitment",
    "RaiseEscalation",
    "ReactivateRelationship",
    "ReactivateStaff",
    "ReassignOwner",
    "ReceiveInquiry",
    "RecordBreach",
    "RecordCorrection",
    "RecordPersonLeft",
    "RecordSatisfaction",
    "RegisterCustomer",
    "ReopenComplaint",
    "RepairHoldings",
    "ReportVisit",
    "ResolveComplaint",
    "ResolveEscalation",
    "ResumeComplaint",
    "ReturnVisitPlan",
    "Role",
    "Segment",
    "StaffCommand",
    "StaffId",
    "SubmitSummary",
    "SubmitVisitPlan",
    "TerminateRelationship",
    "Text",
    "UpdateKeyPerson",
    "UpdateProfile",
    "WinOpportunity",
    "WithdrawCommitment",
    "new_command_id",
]


def __getattr__(name: str) -> Any:
    """A command (or shared type) by name, its module imported on first use."""
    module = MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def import_all() -> None:
    """Define every command model now: for code that lists them by subclassing."""
    for module in sorted(set(MODULES.values())):
        importlib.import_module(f"{__name__}.{module}")
