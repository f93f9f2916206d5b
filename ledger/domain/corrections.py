"""How a correction applies: which fields of an earlier event may be corrected,
and the fold that puts corrected values in place of the originals.

The rule (docs/domain.md, "Corrections"): a correction stands beside the event it
corrects and never changes it; what the ledger knows is the original with every
later correction of it laid over it, in the order they were recorded. Fields that
govern access, ownership or lifecycle (segment, owner, tier, VIP, stage), and
fields that have a command of their own, are not corrected: they are changed by
that command, whose event says when and by whom, so that who could see and who
was responsible at any moment is never rewritten after the fact. Identity and
bookkeeping (ids, version, who recorded it, the hash chain, the SLA policy a case
opened under) are facts about the recording and are never corrected either.

The aggregate (through `fold`) and every view apply corrections through
`applicable_changes`, so they all agree on what a correction changed; a
correction recorded before a field was governed is kept in the history but
applies to nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from ledger.domain.base import CustomerEvent, RecordedEvent
from ledger.domain.events import CorrectionRecorded
from ledger.errors import RuleViolationError

E = TypeVar("E", bound=RecordedEvent)

# Facts about the recording, never corrected.
FIXED_FIELDS = frozenset(
    {
        "originator_id",
        "originator_version",
        "originator_topic",
        "timestamp",
        "actor",
        "command_id",
        "correlation_id",
        "causation_id",
        "case_id",
        "person_id",
        "branch_id",
        "code",
        "previous_hash",
        "event_hash",
        "sla_policy",  # the policy a case opened under is a fact of record
    }
)

_CUSTOMER_UPDATE = "change it with `ledger customer update`"
_PERSON_UPDATE = "change it with `ledger person update`"
_PERSON_ASSESS = "record a new assessment with `ledger person assess`"
_OPPORTUNITY_STAGE = "move the opportunity with `ledger opportunity stage`"

# Events that steer access, ownership or lifecycle: none of their fields is
# corrected, not even their time, because views of who was responsible when
# (visit coverage, handovers, churn's periods) hang on them.
GOVERNING_EVENTS: dict[str, str] = {
    "CustomerRegistered": "a registration sets the customer's segment, owner and stage: "
    "change those with `ledger customer segment|tier|stage|update` or `ledger owner assign`",
    "ProfileUpdated": _CUSTOMER_UPDATE + " again",
    "SegmentChanged": "change the segment again with `ledger customer segment`",
    "TierChanged": "change the tier again with `ledger customer tier`",
    "LifecycleStageChanged": "change the stage again with `ledger customer stage`",
    "OwnerAssigned": "hand the customer over again with `ledger owner assign`",
    "ResponsibilityHandedOver": "who holds an item changes with the customer's owner "
    "(`ledger owner assign`) or the person's counterpart (`ledger person update`)",
    "RelationshipTerminated": "reactivate it with `ledger relationship reactivate`",
    "RelationshipReactivated": "terminate it again with `ledger relationship terminate`",
    "SlaBreached": "a breach is recorded by the sweep from the case's own events: "
    "correct those instead",
    "CorrectionRecorded": "correct the original event again (a later correction wins)",
    "ContactPlanSet": "who owes a key person's contacts, and when, changes with "
    "`ledger person plan`",
    "PersonalDataErased": "an erasure is final, and its request, reason and requester are "
    "the record of why it was done",
}

# Fields of other events that have a command of their own, or that open cases.
GOVERNED_FIELDS: dict[str, dict[str, str]] = {
    "KeyPersonAdded": {
        **dict.fromkeys(
            (
                "name",
                "title",
                "personal",
                "legacy_personal",
                "decision_role",
                "counterpart",
            ),
            _PERSON_UPDATE,
        ),
        "relationship_status": _PERSON_ASSESS,
    },
    "KeyPersonUpdated": {
        "changes": _PERSON_UPDATE + " again",
        "personal": _PERSON_UPDATE + " again",
        "legacy_personal": _PERSON_UPDATE + " again",
    },
    "KeyPersonRelationshipAssessed": {"relationship_status": _PERSON_ASSESS},
    "OpportunityOpened": {"stage": _OPPORTUNITY_STAGE},
    "OpportunityStageChanged": {"stage": _OPPORTUNITY_STAGE, "previous": _OPPORTUNITY_STAGE},
    "EscalationRaised": {
        "level": "raise a new escalation at a higher level with `ledger escalate`",
        "concerning": "resolve this escalation and escalate the right case",
    },
    "VisitReported": {
        "commitments": "each commitment is a case of its own: fulfil it, or make the "
        "right one with `ledger commitment make`",
        "expenses": "state the right amounts in the correction of the summary",
        "expense_totals": "the totals are worked out from the expenses",
        # The report numbers its problems (`PB3`) from these lists: corrected, later
        # ids would move (docs/domain.md, "Follow-through").
        "problems_pending": "each problem is an item of its own: record it handled with "
        "`ledger problem handle`, or raise the right one at the next visit",
        "problems_handled": "record the problem handled with `ledger problem handle`",
    },
    "VisitPlanned": {
        "plan": "the monthly plan that planned the visit is its own record: submit the "
        "plan again (once returned) to change its visits",
    },
}


def refusal(event_type: str, field: str) -> str | None:
    """Why `field` of an `event_type` event cannot be corrected, with what to do
    instead; None when it can be."""
    if field in FIXED_FIELDS:
        return f"{field} is a fact about the recording and is never corrected"
    if event_type in GOVERNING_EVENTS:
        return f"{event_type} cannot be corrected: {GOVERNING_EVENTS[event_type]}"
    how = GOVERNED_FIELDS.get(event_type, {}).get(field)
    if how is not None:
        return f"{field} of {event_type} cannot be corrected: {how}"
    return None


def check_correctable(event_type: str, fields: Iterable[str]) -> None:
    """Refuse a correction that would change a governed or fixed field."""
    for field in fields:
        reason = refusal(event_type, field)
        if reason is not None:
            raise RuleViolationError(reason)


def correctable_fields(event: CustomerEvent) -> list[str]:
    """The fields of `event` a correction may change."""
    kind = type(event).__name__
    return [f.name for f in dataclasses.fields(event) if refusal(kind, f.name) is None]


def applicable_changes(correction: CorrectionRecorded) -> dict[str, Any]:
    """What a recorded correction changes: its values for the fields that may be
    corrected (one recorded before a field was governed changes nothing there)."""
    return {
        field: value
        for field, value in correction.changes.items()
        if refusal(correction.target_type, field) is None
    }


def corrected(event: E, changes: Mapping[str, Any]) -> E:
    """`event` as a correction with `changes` (already applicable) says it was."""
    known = {f.name for f in dataclasses.fields(event)}
    values = {field: value for field, value in changes.items() if field in known}
    return dataclasses.replace(event, **values) if values else event


# (customer id, version) -> the values that version's corrections lay over it.
Known = dict[tuple[UUID, int], dict[str, Any]]


def collect(corrections: Iterable[CorrectionRecorded], known: Known | None = None) -> Known:
    """The corrections of every event they target, in the order recorded (a later
    correction of a field wins)."""
    found: Known = {} if known is None else known
    for correction in corrections:
        key = (correction.originator_id, correction.target_version)
        found.setdefault(key, {}).update(applicable_changes(correction))
    return found


def apply_known(events: Iterable[E], known: Known) -> list[E]:
    """Each event as the `known` corrections say it was."""
    if not known:
        return list(events)
    return [
        corrected(event, changes)
        if (changes := known.get((event.originator_id, event.originator_version)))
        else event
        for event in events
    ]


def fold(events: Iterable[E]) -> list[E]:
    """A stream with each event replaced by its corrected self: every correction
    laid over its target in the order recorded. Corrections stay in the stream."""
    stream = list(events)
    return apply_known(stream, collect(e for e in stream if isinstance(e, CorrectionRecorded)))
