"""How each event changes a customer's 360 document (projections.customer360_doc):
the bookkeeping every event gets, then the handler of its class. Handlers are
pure, so the same code keeps the stored view and computes an earlier one."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.contact_plan import contact_made, new_state, plan_set
from ledger.domain.holdings import first_holder
from ledger.domain.local_ids import PREFIXES
from ledger.domain.problems import problem_key, visit_problems
from projections.base import Handlers, iso
from projections.customer360_doc import (
    SATISFACTION_LENGTH,
    Held,
    existing_case,
    find_case,
    forget_names,
    keep_closed_bounded,
    remember_in_timeline,
    timeline_key,
    write_timeline,
)

PROBLEM_PREFIX = PREFIXES["problem"]


def apply_event(doc: Held, event: CustomerEvent, at: str) -> None:
    """Fold one event (which happened at `at`, as ISO text) into the document; the
    common bookkeeping, then the handler, then closed cases past the latest
    `CLOSED_KEPT` are kept apart."""
    event_class = type(event)
    kind = event_class.__name__
    doc["version"] = event.originator_version
    if doc["last_event_at"] is None or at > doc["last_event_at"]:
        doc["last_event_at"] = at
    counts = doc["counts"]
    counts[kind] = counts.get(kind, 0) + 1
    _HANDLERS[event_class](event, doc, at)
    if doc.unsettled:
        keep_closed_bounded(doc)
    if kind != "CorrectionRecorded":
        remember_in_timeline(doc, event, at)


# ----------------------------------------------------------------- handlers
@singledispatch
def _handle(event: CustomerEvent, doc: Held, at: str) -> None:
    """Events that only count and appear in the timeline."""


_HANDLERS = Handlers(_handle)


@_HANDLERS.register
def _(e: ev.CustomerRegistered, doc: Held, at: str) -> None:
    for field in ("code", "name", "kind", "industry", "segment", "headquarters", "tier"):
        doc[field] = getattr(e, field)
    doc.update(vip=e.vip, stage=e.stage, owner=e.owner, registered_at=at)
    doc["external_refs"] = dict(e.external_refs)
    if e.owner:
        doc["owners"].append(
            {
                "v": e.originator_version,
                "owner": e.owner,
                "previous": None,
                "occurred_at": at,
                "reason": "registered",
            }
        )


@_HANDLERS.register
def _(e: ev.ProfileUpdated, doc: Held, at: str) -> None:
    for field, value in e.changes.items():
        if field == "external_refs":
            doc["external_refs"].update(value)
        else:
            doc[field] = value


@_HANDLERS.register
def _(e: ev.SegmentChanged, doc: Held, at: str) -> None:
    doc["segment"] = e.segment


@_HANDLERS.register
def _(e: ev.TierChanged, doc: Held, at: str) -> None:
    doc["tier"], doc["vip"] = e.tier, e.vip


@_HANDLERS.register
def _(e: ev.LifecycleStageChanged, doc: Held, at: str) -> None:
    doc["stage"] = e.stage


@_HANDLERS.register
def _(e: ev.BranchAdded, doc: Held, at: str) -> None:
    doc["branches"][e.branch_id] = {
        "v": e.originator_version,
        "name": e.name,
        "location": e.location,
        "open": True,
        "occurred_at": at,
    }


@_HANDLERS.register
def _(e: ev.BranchClosed, doc: Held, at: str) -> None:
    doc["branches"][e.branch_id]["open"] = False


@_HANDLERS.register
def _(e: ev.OwnerAssigned, doc: Held, at: str) -> None:
    doc["owner"] = e.owner
    doc["owners"].append(
        {
            "v": e.originator_version,
            "owner": e.owner,
            "previous": e.previous,
            "occurred_at": at,
            "reason": e.reason,
        }
    )


@_HANDLERS.register
def _(e: ev.KeyPersonAdded, doc: Held, at: str) -> None:
    forget_names(doc)
    doc["people"][e.person_id] = {
        "v": e.originator_version,
        "name": e.name,
        "title": e.title,
        "decision_role": e.decision_role,
        "relationship_status": e.relationship_status,
        "counterpart": e.counterpart,
        "present": True,
        "assessed_at": at,
        # Personal details only as sealed (ledger.personal_reading opens them).
        "sealed": [e.personal] if e.personal else [],
    }


@_HANDLERS.register
def _(e: ev.KeyPersonUpdated, doc: Held, at: str) -> None:
    forget_names(doc)
    person = doc["people"][e.person_id]
    for field in ("name", "title", "decision_role", "counterpart"):
        if field in e.changes:
            person[field] = e.changes[field]
    if e.personal:
        person.setdefault("sealed", []).append(e.personal)


@_HANDLERS.register
def _(e: ev.PersonalDataErased, doc: Held, at: str) -> None:
    person = doc["people"][e.person_id]
    person.update(sealed=[], erased=True)


@_HANDLERS.register
def _(e: ev.KeyPersonRelationshipAssessed, doc: Held, at: str) -> None:
    person = doc["people"][e.person_id]
    person.update(relationship_status=e.relationship_status, assessed_at=at, note=e.note)


@_HANDLERS.register
def _(e: ev.KeyPersonLeft, doc: Held, at: str) -> None:
    doc["people"][e.person_id]["present"] = False


def _contacted(doc: Held, people: list[str], at: str) -> None:
    """A contact with these people moves their contact plans on (docs/domain.md,
    "Follow-through"); kept for everyone, so a plan set later counts from it."""
    for person_id in people:
        person = doc["people"].get(person_id)
        if person is not None:
            contact_made(person.setdefault("contact", new_state()), at)


@_HANDLERS.register
def _(e: ev.ContactPlanSet, doc: Held, at: str) -> None:
    person = doc["people"][e.person_id]
    person["counterpart"] = e.counterpart
    plan_set(person.setdefault("contact", new_state()), e.every_days, e.next_contact, at)


@_HANDLERS.register
def _(e: ev.ContactLogged, doc: Held, at: str) -> None:
    _contacted(doc, e.people, at)
    current = doc["last_contact"].get(e.channel)
    if current is None or at >= current["occurred_at"]:
        doc["last_contact"][e.channel] = {
            "v": e.originator_version,
            "occurred_at": at,
            "direction": e.direction,
            "summary": e.summary,
        }


def _open_case(doc: Held, e: CustomerEvent, case_id: str, kind: str, at: str, **extra: Any) -> None:
    doc["cases"][case_id] = {
        "v": e.originator_version,
        "kind": kind,
        "status": "open",
        "opened_at": at,
        "closed_at": None,
        "closed_v": None,
        **extra,
    }


def _close_case(doc: Held, e: CustomerEvent, case_id: str, status: str, at: str) -> None:
    case = existing_case(doc, case_id)
    case.update(status=status, closed_at=at, closed_v=e.originator_version)
    doc.unsettled = True
    if case.get("paused_at"):
        case["pauses"].append([case["paused_at"], at])
        case["paused_at"] = None


@_HANDLERS.register
def _(e: ev.VisitPlanned, doc: Held, at: str) -> None:
    _open_case(
        doc,
        e,
        e.case_id,
        "visit",
        at,
        title=f"{e.purpose} visit",
        planned_for=iso(e.planned_for),
        visitor=e.visitor,
    )
    doc["cases"][e.case_id]["status"] = "planned"


@_HANDLERS.register
def _(e: ev.VisitReported, doc: Held, at: str) -> None:
    _contacted(doc, e.people_met, at)
    if find_case(doc, e.case_id) is None:
        _open_case(doc, e, e.case_id, "visit", at, title=f"{e.purpose} visit", visitor=e.visitor)
    _close_case(doc, e, e.case_id, "reported", at)
    doc["cases"][e.case_id]["outcome"] = e.outcome
    doc["last_visit"] = {
        "v": e.originator_version,
        "case_id": e.case_id,
        "occurred_at": at,
        "outcome": e.outcome,
        "summary": e.summary,
        "visitor": e.visitor,
    }
    # One item per problem (docs/domain.md, "Follow-through"): raised again, it
    # stays as first raised; reported handled, it is settled.
    pending = doc["pending_problems"]
    effect = visit_problems(
        {problem_key(p["text"]): p["id"] for p in pending}, e.problems_pending, e.problems_handled
    )
    settled = set(effect.handled)
    pending[:] = [p for p in pending if p["id"] not in settled]
    for text in effect.raised:
        doc["problems_numbered"] += 1
        pending.append(
            {
                "id": f"{PROBLEM_PREFIX}{doc['problems_numbered']}",
                "v": e.originator_version,
                "visit": e.case_id,
                "occurred_at": at,
                "text": text,
            }
        )
    for commitment in e.commitments:
        _open_case(
            doc,
            e,
            commitment["commitment_id"],
            "commitment",
            at,
            title=commitment["description"],
            due=commitment.get("due"),
            source=e.case_id,
            holder=first_holder(e.actor, visitor=e.visitor),
        )


@_HANDLERS.register
def _(e: ev.VisitCancelled, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "cancelled", at)


@_HANDLERS.register
def _(e: ev.InquiryReceived, doc: Held, at: str) -> None:
    _open_case(doc, e, e.case_id, "inquiry", at, title=e.title, channel=e.channel)


@_HANDLERS.register
def _(e: ev.InquiryAnswered, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "answered", at)


@_HANDLERS.register
def _(e: ev.ComplaintFiled, doc: Held, at: str) -> None:
    _open_case(
        doc,
        e,
        e.case_id,
        "complaint",
        at,
        title=e.description,
        category=e.category,
        severity=e.severity,
        channel=e.channel,
        acknowledged_at=None,
        paused_at=None,
        pauses=[],
    )


@_HANDLERS.register
def _(e: ev.ComplaintAcknowledged, doc: Held, at: str) -> None:
    existing_case(doc, e.case_id)["acknowledged_at"] = at


@_HANDLERS.register
def _(e: ev.ComplaintPaused, doc: Held, at: str) -> None:
    existing_case(doc, e.case_id)["paused_at"] = at


@_HANDLERS.register
def _(e: ev.ComplaintResumed, doc: Held, at: str) -> None:
    case = existing_case(doc, e.case_id)
    if case.get("paused_at"):
        case["pauses"].append([case["paused_at"], at])
    case["paused_at"] = None


@_HANDLERS.register
def _(e: ev.ComplaintResolved, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "resolved", at)
    doc["cases"][e.case_id].update(resolution=e.resolution, root_cause=e.root_cause)


@_HANDLERS.register
def _(e: ev.ComplaintReopened, doc: Held, at: str) -> None:
    case = existing_case(doc, e.case_id)  # brought back if it was kept apart
    case.update(status="open", reopened_at=at, closed_at=None, closed_v=None)


@_HANDLERS.register
def _(e: ev.EscalationRaised, doc: Held, at: str) -> None:
    _open_case(
        doc,
        e,
        e.case_id,
        "escalation",
        at,
        title=e.reason,
        concerning=e.concerning,
        level=e.level,
        to=e.to,
    )
    concerned = find_case(doc, e.concerning)
    if concerned is not None:
        concerned["escalation_level"] = max(concerned.get("escalation_level", 0), e.level)


@_HANDLERS.register
def _(e: ev.EscalationResolved, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "resolved", at)


@_HANDLERS.register
def _(e: ev.LeadCreated, doc: Held, at: str) -> None:
    _open_case(
        doc,
        e,
        e.case_id,
        "opportunity",
        at,
        title=e.title,
        stage="lead",
        last_follow_up=at,
        holder=first_holder(e.actor),
    )
    doc["cases"][e.case_id]["status"] = "lead"


@_HANDLERS.register
def _(e: ev.OpportunityOpened, doc: Held, at: str) -> None:
    if find_case(doc, e.case_id) is None:
        _open_case(
            doc,
            e,
            e.case_id,
            "opportunity",
            at,
            title=e.title,
            last_follow_up=at,
            holder=first_holder(e.actor),
        )
    doc["cases"][e.case_id].update(
        status="open",
        title=e.title,
        stage=e.stage,
        value=e.value,
        currency=e.currency,
        last_follow_up=at,
    )


@_HANDLERS.register
def _(e: ev.OpportunityStageChanged, doc: Held, at: str) -> None:
    existing_case(doc, e.case_id).update(stage=e.stage, last_follow_up=at)


@_HANDLERS.register
def _(e: ev.FollowUpLogged, doc: Held, at: str) -> None:
    case = existing_case(doc, e.case_id)
    case["last_follow_up"] = max(case.get("last_follow_up") or at, at)
    case["next_step"] = e.next_step


@_HANDLERS.register
def _(e: ev.OpportunityWon, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "won", at)
    if e.value:
        doc["cases"][e.case_id]["value"] = e.value


@_HANDLERS.register
def _(e: ev.OpportunityLost, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "lost", at)
    doc["cases"][e.case_id]["lost_reason"] = e.reason


@_HANDLERS.register
def _(e: ev.CommitmentMade, doc: Held, at: str) -> None:
    _open_case(
        doc,
        e,
        e.case_id,
        "commitment",
        at,
        title=e.description,
        due=e.due,
        source=e.source,
        holder=first_holder(e.actor),
    )


@_HANDLERS.register
def _(e: ev.CommitmentFulfilled, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "fulfilled", at)


@_HANDLERS.register
def _(e: ev.CommitmentWithdrawn, doc: Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "withdrawn", at)
    doc["cases"][e.case_id]["withdrawn_reason"] = e.reason


@_HANDLERS.register
def _(e: ev.ProblemHandled, doc: Held, at: str) -> None:
    doc["pending_problems"] = [p for p in doc["pending_problems"] if p["id"] != e.problem_id]


@_HANDLERS.register
def _(e: ev.SatisfactionRecorded, doc: Held, at: str) -> None:
    scores = doc["satisfaction"]
    in_order = not scores or timeline_key(scores[-1]) <= (at, e.originator_version)
    scores.append(
        {"v": e.originator_version, "occurred_at": at, "score": e.score, "source": e.source}
    )
    if not in_order:
        scores.sort(key=timeline_key)
    del scores[:-SATISFACTION_LENGTH]


@_HANDLERS.register
def _(e: ev.RelationshipTerminated, doc: Held, at: str) -> None:
    doc["stage"] = "terminated"
    doc["termination"] = {
        "v": e.originator_version,
        "occurred_at": at,
        "reason": e.reason,
        "root_cause": e.root_cause,
        "head_office_ref": e.head_office_ref,
    }


@_HANDLERS.register
def _(e: ev.RelationshipReactivated, doc: Held, at: str) -> None:
    doc["stage"] = e.stage
    doc["termination"] = None


@_HANDLERS.register
def _(e: ev.CorrectionRecorded, doc: Held, at: str) -> None:
    # What was corrected is already in place: the corrected event was folded in
    # (projections/views.py replays a corrected customer from its corrected
    # stream). The timeline only says which of its entries were corrected.
    write_timeline(doc)
    for entry in doc["timeline"]:
        if entry["v"] == e.target_version and not entry.get("corrected"):
            entry["corrected"] = True
            entry["text"] = f"{entry['text']} (corrected)"


@_HANDLERS.register
def _(e: ev.ResponsibilityHandedOver, doc: Held, at: str) -> None:
    if e.role == "counterpart":
        doc["people"][e.item]["counterpart"] = e.holder
    else:
        existing_case(doc, e.item)["holder"] = e.holder
