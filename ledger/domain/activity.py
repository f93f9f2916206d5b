"""What counts as a member of staff's activity, and who did it (docs/domain.md,
"Reports"): the one place that says which events `ledger activity` counts.

Each counted event is one piece of work by one person: the event's actor, except
a visit, which is the visitor's (whoever typed the report in). Handling a case
counts once, when it is closed: an inquiry answered, a complaint resolved. The
steps on the way (acknowledging, pausing, resuming a complaint) are not counted,
so a complaint worked through to resolution is one complaint handled, not four.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledger.domain.base import CustomerEvent

CONTACT = "contact"
VISIT = "visit"
INQUIRY_ANSWERED = "inquiry_answered"
COMPLAINT_RESOLVED = "complaint_resolved"
COMMITMENT_FULFILLED = "commitment_fulfilled"
WON = "won"
LOST = "lost"

# The kinds of activity, in the order reports show them (contacts by channel first).
KINDS = (CONTACT, VISIT, INQUIRY_ANSWERED, COMPLAINT_RESOLVED, COMMITMENT_FULFILLED, WON, LOST)

# One piece of work: who did it, what kind of work, and the detail that splits a
# kind (a contact's channel; empty otherwise).
Work = tuple[str, str, str]


def _by_actor(kind: str) -> Callable[[Any], Work]:
    return lambda e: (e.actor, kind, "")


@cache
def _counted() -> dict[type[CustomerEvent], Callable[[Any], Work]]:
    # The events are imported when first needed: `ledger activity --help` reads the
    # kinds above and loads no event classes (nor the event store library).
    from ledger.domain import events as ev

    return {
        ev.ContactLogged: lambda e: (e.actor, CONTACT, e.channel),
        ev.VisitReported: lambda e: (e.visitor, VISIT, ""),
        ev.InquiryAnswered: _by_actor(INQUIRY_ANSWERED),
        ev.ComplaintResolved: _by_actor(COMPLAINT_RESOLVED),
        ev.CommitmentFulfilled: _by_actor(COMMITMENT_FULFILLED),
        ev.OpportunityWon: _by_actor(WON),
        ev.OpportunityLost: _by_actor(LOST),
    }


def work_of(event: CustomerEvent) -> Work | None:
    """The work `event` records, or None for an event that is not counted."""
    counted = _counted().get(type(event))
    return None if counted is None else counted(event)


def counted_events() -> tuple[type[CustomerEvent], ...]:
    """The kinds of event that count as activity."""
    return tuple(_counted())
