"""Every event a customer's stream can hold, grouped by area.

Each event class lives in the module of its area; this package names each one and
imports its module when the name is first asked for (module `__getattr__`), so
`from ledger.domain.events import ContactLogged` reads as before and defines the
events of one area only. A read whose views are current decodes no event and so
imports none of these modules; decoding one imports its module by the topic it was
stored under, which names the area's module (docs/decisions.md, "Start-up: a read
imports no event class"). `ALL_EVENTS` imports every area.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The area module of each event this package offers, in the order the schemas
# list them (`ALL_EVENTS`).
MODULES: dict[str, str] = {
    "CustomerRegistered": "profile",
    "ProfileUpdated": "profile",
    "SegmentChanged": "profile",
    "TierChanged": "profile",
    "LifecycleStageChanged": "profile",
    "BranchAdded": "profile",
    "BranchClosed": "profile",
    "OwnerAssigned": "profile",
    "ResponsibilityHandedOver": "follow_through",
    "KeyPersonAdded": "people",
    "KeyPersonUpdated": "people",
    "KeyPersonRelationshipAssessed": "people",
    "KeyPersonLeft": "people",
    "ContactLogged": "interactions",
    "VisitPlanned": "interactions",
    "VisitReported": "interactions",
    "VisitCancelled": "interactions",
    "InquiryReceived": "cases",
    "InquiryAnswered": "cases",
    "ComplaintFiled": "cases",
    "ComplaintAcknowledged": "cases",
    "ComplaintPaused": "cases",
    "ComplaintResumed": "cases",
    "ComplaintResolved": "cases",
    "ComplaintReopened": "cases",
    "EscalationRaised": "cases",
    "EscalationResolved": "cases",
    "LeadCreated": "sales",
    "OpportunityOpened": "sales",
    "OpportunityStageChanged": "sales",
    "FollowUpLogged": "sales",
    "OpportunityWon": "sales",
    "OpportunityLost": "sales",
    "CommitmentMade": "cases",
    "CommitmentFulfilled": "cases",
    "SatisfactionRecorded": "interactions",
    "RelationshipTerminated": "profile",
    "RelationshipReactivated": "profile",
    "CorrectionRecorded": "interactions",
    "SlaBreached": "cases",
    "ContactPlanSet": "contact_plan",
    "CommitmentWithdrawn": "promises",
    "ProblemHandled": "promises",
    "PersonalDataErased": "personal",
}

if TYPE_CHECKING:
    from ledger.domain.base import CustomerEvent
    from ledger.domain.events.cases import (
        CommitmentFulfilled,
        CommitmentMade,
        ComplaintAcknowledged,
        ComplaintFiled,
        ComplaintPaused,
        ComplaintReopened,
        ComplaintResolved,
        ComplaintResumed,
        EscalationRaised,
        EscalationResolved,
        InquiryAnswered,
        InquiryReceived,
        SlaBreached,
    )
    from ledger.domain.events.contact_plan import ContactPlanSet
    from ledger.domain.events.follow_through import ResponsibilityHandedOver
    from ledger.domain.events.interactions import (
        ContactLogged,
        CorrectionRecorded,
        SatisfactionRecorded,
        VisitCancelled,
        VisitPlanned,
        VisitReported,
    )
    from ledger.domain.events.people import (
        KeyPersonAdded,
        KeyPersonLeft,
        KeyPersonRelationshipAssessed,
        KeyPersonUpdated,
    )
    from ledger.domain.events.personal import PersonalDataErased
    from ledger.domain.events.profile import (
        BranchAdded,
        BranchClosed,
        CustomerRegistered,
        LifecycleStageChanged,
        OwnerAssigned,
        ProfileUpdated,
        RelationshipReactivated,
        RelationshipTerminated,
        SegmentChanged,
        TierChanged,
    )
    from ledger.domain.events.promises import CommitmentWithdrawn, ProblemHandled
    from ledger.domain.events.sales import (
        FollowUpLogged,
        LeadCreated,
        OpportunityLost,
        OpportunityOpened,
        OpportunityStageChanged,
        OpportunityWon,
    )

    ALL_EVENTS: tuple[type[CustomerEvent], ...]


def __getattr__(name: str) -> Any:
    """An event class (or `ALL_EVENTS`), its area's module imported now."""
    if name == "ALL_EVENTS":
        found: Any = tuple(__getattr__(event) for event in MODULES)
    elif name in MODULES:
        module = importlib.import_module(f"{__name__}.{MODULES[name]}")
        found = getattr(module, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = found
    return found


def import_all() -> None:
    """Import every area's module: for code that finds event classes by subclass."""
    for module in dict.fromkeys(MODULES.values()):
        importlib.import_module(f"{__name__}.{module}")


__all__ = [
    "ALL_EVENTS",
    "BranchAdded",
    "BranchClosed",
    "CommitmentFulfilled",
    "CommitmentMade",
    "CommitmentWithdrawn",
    "ComplaintAcknowledged",
    "ComplaintFiled",
    "ComplaintPaused",
    "ComplaintReopened",
    "ComplaintResolved",
    "ComplaintResumed",
    "ContactLogged",
    "ContactPlanSet",
    "CorrectionRecorded",
    "CustomerRegistered",
    "EscalationRaised",
    "EscalationResolved",
    "FollowUpLogged",
    "InquiryAnswered",
    "InquiryReceived",
    "KeyPersonAdded",
    "KeyPersonLeft",
    "KeyPersonRelationshipAssessed",
    "KeyPersonUpdated",
    "LeadCreated",
    "LifecycleStageChanged",
    "OpportunityLost",
    "OpportunityOpened",
    "OpportunityStageChanged",
    "OpportunityWon",
    "OwnerAssigned",
    "PersonalDataErased",
    "ProblemHandled",
    "ProfileUpdated",
    "RelationshipReactivated",
    "RelationshipTerminated",
    "ResponsibilityHandedOver",
    "SatisfactionRecorded",
    "SegmentChanged",
    "SlaBreached",
    "TierChanged",
    "VisitCancelled",
    "VisitPlanned",
    "VisitReported",
]
