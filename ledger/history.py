"""A customer's stream told as a story: one plain sentence per event, for a person
who never met the customer. Pure: takes events, returns entries."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.vocabulary import ESCALATION_LEVELS, VISIT_OUTCOME_MEANING

CATEGORIES: dict[str, str] = {
    "CustomerRegistered": "profile",
    "ProfileUpdated": "profile",
    "SegmentChanged": "profile",
    "TierChanged": "profile",
    "LifecycleStageChanged": "profile",
    "BranchAdded": "profile",
    "BranchClosed": "profile",
    "OwnerAssigned": "owner",
    "ResponsibilityHandedOver": "owner",
    "KeyPersonAdded": "people",
    "KeyPersonUpdated": "people",
    "KeyPersonRelationshipAssessed": "people",
    "KeyPersonLeft": "people",
    "ContactLogged": "contact",
    "VisitPlanned": "visit",
    "VisitReported": "visit",
    "VisitCancelled": "visit",
    "InquiryReceived": "inquiry",
    "InquiryAnswered": "inquiry",
    "ComplaintFiled": "complaint",
    "ComplaintAcknowledged": "complaint",
    "ComplaintPaused": "complaint",
    "ComplaintResumed": "complaint",
    "ComplaintResolved": "complaint",
    "ComplaintReopened": "complaint",
    "EscalationRaised": "escalation",
    "EscalationResolved": "escalation",
    "LeadCreated": "opportunity",
    "OpportunityOpened": "opportunity",
    "OpportunityStageChanged": "opportunity",
    "FollowUpLogged": "opportunity",
    "OpportunityWon": "opportunity",
    "OpportunityLost": "opportunity",
    "CommitmentMade": "commitment",
    "CommitmentFulfilled": "commitment",
    "CommitmentWithdrawn": "commitment",
    "ProblemHandled": "problem",
    "SatisfactionRecorded": "satisfaction",
    "RelationshipTerminated": "relationship",
    "RelationshipReactivated": "relationship",
    "CorrectionRecorded": "correction",
    "SlaBreached": "sla",
    "ContactPlanSet": "people",
    "PersonalDataErased": "people",
}
KINDS = sorted(set(CATEGORIES.values()))

# Bookkeeping fields shown as columns (or left out), not inside `data`.
ENVELOPE = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "occurred_at"}
)

CHANNEL_WORDS = {
    "phone": "Phone call",
    "email": "Email",
    "letter": "Letter",
    "fax": "Fax",
    "meeting": "Meeting",
    "web": "Web contact",
    "message": "Message",
    "other": "Contact",
}


@dataclass(frozen=True)
class HistoryEntry:
    version: int
    event: str
    category: str
    occurred_at: datetime
    recorded_at: datetime
    actor: str
    command_id: str
    text: str
    data: dict[str, Any]
    corrected_by: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "event": self.event,
            "kind": self.category,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
            "actor": self.actor,
            "command_id": self.command_id,
            "text": self.text,
            "corrected_by": self.corrected_by,
            "data": self.data,
        }


def resolve_kinds(requested: Iterable[str]) -> set[str]:
    """Accept categories (`complaint`) and event names (`ComplaintFiled`); raise on others."""
    from ledger.errors import InvalidInputError

    wanted: set[str] = set()
    for item in requested:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            if part.lower() in KINDS:
                wanted.update(e for e, c in CATEGORIES.items() if c == part.lower())
            elif part in CATEGORIES:
                wanted.add(part)
            else:
                raise InvalidInputError(
                    f"unknown kind {part!r}: use one of {', '.join(KINDS)} or an event name "
                    "such as ComplaintFiled"
                )
    if not wanted:
        # `--kind ,` names nothing: filtering by it would silently show everything.
        raise InvalidInputError(
            f"--kind names no kind: use one of {', '.join(KINDS)} or an event name "
            "such as ComplaintFiled"
        )
    return wanted


def tell(
    events: Sequence[CustomerEvent],
    *,
    kinds: set[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[HistoryEntry]:
    """Describe the events, oldest first by when they happened (then by version)."""
    corrections: dict[int, list[int]] = {}
    for event in events:
        if isinstance(event, ev.CorrectionRecorded):
            corrections.setdefault(event.target_version, []).append(event.originator_version)
    names: dict[str, str] = {}
    entries = []
    for event in events:
        kind = type(event).__name__
        if isinstance(event, ev.KeyPersonAdded):
            names[event.person_id] = event.name
        elif isinstance(event, ev.KeyPersonUpdated) and "name" in event.changes:
            names[event.person_id] = event.changes["name"]
        if kinds is not None and kind not in kinds:
            continue
        if since is not None and event.occurred_at < since:
            continue
        if until is not None and event.occurred_at > until:
            continue
        entries.append(
            HistoryEntry(
                version=event.originator_version,
                event=kind,
                category=CATEGORIES.get(kind, "other"),
                occurred_at=event.occurred_at,
                recorded_at=event.timestamp,
                actor=event.actor,
                command_id=event.command_id,
                text=describe(event, names),
                data=payload(event),
                corrected_by=corrections.get(event.originator_version, []),
            )
        )
    return sorted(entries, key=lambda e: (e.occurred_at, e.version))


def payload(event: CustomerEvent) -> dict[str, Any]:
    return {
        f.name: _plain(getattr(event, f.name))
        for f in dataclasses.fields(event)
        if f.name not in ENVELOPE
    }


def _plain(value: Any) -> Any:
    kind = type(value)
    # The kinds nearly every value is, looked up by exact type first: the 360 view
    # converts the payload of every event its timeline keeps.
    if kind in _AS_IS:
        return value
    if kind is list:
        return [v if type(v) in _AS_IS else _plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _AS_IS else _plain(v) for k, v in value.items()}
    if hasattr(value, "hex") and not isinstance(value, str | int | float | bytes):
        return str(value)
    return value


# Types `_plain` gives back as they are (neither a time, a container, nor a value
# with `hex` such as an id: `float.hex` is a method, but a float stays a float).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def describe(event: CustomerEvent, names: dict[str, str]) -> str:
    describer = _DESCRIBERS.get(type(event).__name__)
    if describer is None:
        return type(event).__name__
    return describer(event, _People(names))


class _People:
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def one(self, person_id: str) -> str:
        name = self.names.get(person_id)
        return f"{name} ({person_id})" if name else person_id

    def many(self, person_ids: Iterable[str]) -> str:
        return ", ".join(self.one(p) for p in person_ids)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _then(text: str, prefix: str = ": ") -> str:
    return f"{prefix}{text}" if text else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?。" else f"{text}."


def _registered(e: Any, _: _People) -> str:
    vip = " VIP" if e.vip else ""
    parts = [f"Registered {e.name} ({e.kind}{', ' + e.industry if e.industry else ''})"]
    parts.append(f"segment {e.segment}, tier {e.tier}{vip}, stage {e.stage}")
    parts.append(f"owner {e.owner}" if e.owner else "no owner yet")
    if e.headquarters:
        parts.append(f"headquarters {e.headquarters}")
    return _sentence("; ".join(parts))


def _profile_updated(e: Any, _: _People) -> str:
    changes = ", ".join(f"{_words(k)} → {v!r}" for k, v in e.changes.items())
    return _sentence(f"Profile updated: {changes}")


def _owner(e: Any, _: _People) -> str:
    if e.previous:
        return _sentence(f"Handed over from {e.previous} to {e.owner}{_then(e.reason)}")
    return _sentence(f"Owner assigned: {e.owner}{_then(e.reason)}")


def _person_added(e: Any, _: _People) -> str:
    title = f", {e.title}" if e.title else ""
    counterpart = f"; our counterpart {e.counterpart}" if e.counterpart else ""
    return _sentence(
        f"Key person {e.person_id} added: {e.name}{title} — {_words(e.decision_role)}, "
        f"relationship {_words(e.relationship_status)}{counterpart}"
    )


def _contact(e: Any, p: _People) -> str:
    with_whom = f" with {p.many(e.people)}" if e.people else ""
    channel = CHANNEL_WORDS.get(e.channel, "Contact")
    text = f"{channel} ({e.direction}){with_whom}: {_sentence(e.summary)}"
    if e.follow_ups:
        text += f" Follow-up promised: {'; '.join(e.follow_ups)}."
    return text


def _visit_planned(e: Any, p: _People) -> str:
    meeting = f" to meet {p.many(e.people)}" if e.people else ""
    plan = f" in the visit plan {e.plan}" if e.plan else ""
    return _sentence(
        f"Visit {e.case_id} planned for {e.planned_for:%Y-%m-%d %H:%M} by {e.visitor}{plan} "
        f"({_words(e.purpose)}, {_words(e.kind)}){meeting}{_then(e.agenda)}"
    )


def _visit_reported(e: Any, p: _People) -> str:
    company = f" with {', '.join(e.companions)}" if e.companions else ""
    met = f" met {p.many(e.people_met)}" if e.people_met else ""
    text = (
        f"Visit {e.case_id} ({_words(e.purpose)}, {_words(e.kind)}) by {e.visitor}{company}{met}: "
        f"{_sentence(e.summary)} Outcome {e.outcome} ({VISIT_OUTCOME_MEANING.get(e.outcome, '?')})."
    )
    if e.expenses:
        spent = ", ".join(f"{x['item']} {x['amount']} {x['currency']}" for x in e.expenses)
        text += f" Expenses: {spent}."
    if e.problems_handled:
        text += f" Handled: {'; '.join(e.problems_handled)}."
    if e.problems_pending:
        text += f" Pending: {'; '.join(e.problems_pending)}."
    for c in e.commitments:
        due = f" (due {c['due']})" if c.get("due") else ""
        text += f" Committed {c['commitment_id']}: {c['description']}{due}."
    return text


def _escalation(e: Any, _: _People) -> str:
    level = ESCALATION_LEVELS.get(e.level, "?")
    return _sentence(
        f"{e.concerning} escalated to level {e.level} ({level}), to {e.to}, as {e.case_id}"
        f"{_then(e.reason)}"
    )


def _opportunity_opened(e: Any, _: _People) -> str:
    value = f", value {e.value} {e.currency or ''}".rstrip() if e.value else ""
    origin = " from lead" if e.from_lead else ""
    return _sentence(
        f"Opportunity {e.case_id} opened{origin}: {e.title}, stage {_words(e.stage)}{value}"
        f"{_closing(e.expected_close)}"
    )


def _closing(expected_close: str | None) -> str:
    return f", expected to close {expected_close}" if expected_close else ""


def _correction(e: Any, _: _People) -> str:
    changes = ", ".join(f"{_words(k)} → {_plain(v)!r}" for k, v in e.changes.items())
    return _sentence(
        f"Correction to version {e.target_version} ({e.target_type}): {changes}. Reason: {e.reason}"
    )


# By the event class's name, so that telling an event imports no other event's module
# (docs/decisions.md, "Start-up: a read imports no event class").
_DESCRIBERS: dict[str, Callable[[Any, _People], str]] = {
    "CustomerRegistered": _registered,
    "ProfileUpdated": _profile_updated,
    "SegmentChanged": lambda e, _: _sentence(
        f"Moved from segment {e.previous} to {e.segment}{_then(e.reason)}"
    ),
    "TierChanged": lambda e, _: _sentence(
        f"Tier set to {e.tier}{' (VIP)' if e.vip else ''}{_then(e.reason)}"
    ),
    "LifecycleStageChanged": lambda e, _: _sentence(
        f"Lifecycle stage {e.previous} → {e.stage}{_then(e.reason)}"
    ),
    "BranchAdded": lambda e, _: _sentence(
        f"Branch {e.branch_id} added: {e.name}{', ' + e.location if e.location else ''}"
    ),
    "BranchClosed": lambda e, _: _sentence(f"Branch {e.branch_id} closed{_then(e.reason)}"),
    "OwnerAssigned": _owner,
    "ResponsibilityHandedOver": lambda e, p: _sentence(
        (
            f"Counterpart for {p.one(e.item)}"
            if e.role == "counterpart"
            else f"{e.role.capitalize()} {e.item}"
        )
        + f" handed over from {e.previous or 'nobody'} to {e.holder}{_then(e.reason)}"
    ),
    "KeyPersonAdded": _person_added,
    "KeyPersonUpdated": lambda e, p: _sentence(
        f"Key person {p.one(e.person_id)} updated"
        + _then(", ".join(f"{_words(k)} → {v!r}" for k, v in e.changes.items()))
    ),
    "KeyPersonRelationshipAssessed": lambda e, p: _sentence(
        f"Relationship with {p.one(e.person_id)} assessed as "
        f"{_words(e.relationship_status)}{_then(e.note)}"
    ),
    "KeyPersonLeft": lambda e, p: _sentence(
        f"{p.one(e.person_id)} left the customer{_then(e.reason)}"
    ),
    "ContactLogged": _contact,
    "VisitPlanned": _visit_planned,
    "VisitReported": _visit_reported,
    "VisitCancelled": lambda e, _: _sentence(f"Visit {e.case_id} cancelled{_then(e.reason)}"),
    "InquiryReceived": lambda e, _: _sentence(
        f"Inquiry {e.case_id} by {e.channel}: {e.title}{_then(e.question, ' — ')}"
    ),
    "InquiryAnswered": lambda e, _: _sentence(f"Inquiry {e.case_id} answered: {e.answer}"),
    "ComplaintFiled": lambda e, _: _sentence(
        f"Complaint {e.case_id} filed by {e.channel} ({e.category}, {e.severity}): {e.description}"
    ),
    "ComplaintAcknowledged": lambda e, _: _sentence(
        f"Complaint {e.case_id} acknowledged{_then(e.note)}"
    ),
    "ComplaintPaused": lambda e, _: _sentence(
        f"Complaint {e.case_id} paused, waiting on the customer{_then(e.reason)}"
    ),
    "ComplaintResumed": lambda e, _: _sentence(f"Complaint {e.case_id} resumed{_then(e.note)}"),
    "ComplaintResolved": lambda e, _: _sentence(
        f"Complaint {e.case_id} resolved: {_sentence(e.resolution)}"
        + (f" Root cause: {e.root_cause}" if e.root_cause else "")
    ),
    "ComplaintReopened": lambda e, _: _sentence(f"Complaint {e.case_id} reopened{_then(e.reason)}"),
    "EscalationRaised": _escalation,
    "EscalationResolved": lambda e, _: _sentence(
        f"Escalation {e.case_id} resolved{_then(e.resolution)}"
    ),
    "LeadCreated": lambda e, _: _sentence(
        f"Lead {e.case_id}: {e.title}"
        f"{f' (source: {e.source})' if e.source else ''}{_then(e.note, '. ')}"
    ),
    "OpportunityOpened": _opportunity_opened,
    "OpportunityStageChanged": lambda e, _: _sentence(
        f"Opportunity {e.case_id} moved from {_words(e.previous)} "
        f"to {_words(e.stage)}{_closing(e.expected_close)}{_then(e.note)}"
    ),
    "FollowUpLogged": lambda e, _: _sentence(
        f"Follow-up on {e.case_id}: {_sentence(e.summary)}"
        + (f" Next: {e.next_step}" if e.next_step else "")
    ),
    "OpportunityWon": lambda e, _: _sentence(
        f"Opportunity {e.case_id} won{f' ({e.value})' if e.value else ''}{_then(e.note)}"
    ),
    "OpportunityLost": lambda e, _: _sentence(f"Opportunity {e.case_id} lost{_then(e.reason)}"),
    "CommitmentMade": lambda e, _: _sentence(
        f"Commitment {e.case_id}: {e.description}{f' (due {e.due})' if e.due else ''}"
    ),
    "CommitmentFulfilled": lambda e, _: _sentence(
        f"Commitment {e.case_id} fulfilled{_then(e.note)}"
    ),
    "CommitmentWithdrawn": lambda e, _: _sentence(f"Commitment {e.case_id} withdrawn: {e.reason}"),
    "ProblemHandled": lambda e, _: _sentence(f"Problem {e.problem_id} handled: {e.note}"),
    "SatisfactionRecorded": lambda e, _: _sentence(
        f"Satisfaction {e.score}/5 ({_words(e.source)}){_then(e.note)}"
    ),
    "RelationshipTerminated": lambda e, _: _sentence(
        f"Relationship terminated: {_sentence(e.reason)} Root cause: {_sentence(e.root_cause)} "
        f"Filed with head office as {e.head_office_ref}"
    ),
    "RelationshipReactivated": lambda e, _: _sentence(
        f"Relationship reactivated (back to stage {e.stage}): {e.repair_plan}"
    ),
    "CorrectionRecorded": _correction,
    "SlaBreached": lambda e, _: _sentence(
        f"{e.case_id} missed its {_words(e.target)} target (due {e.due_at:%Y-%m-%d %H:%M}, "
        f"policy {e.policy_version}); detected {e.detected_at:%Y-%m-%d %H:%M}"
    ),
    "ContactPlanSet": lambda e, p: _sentence(
        f"Contact plan for {p.one(e.person_id)}: our counterpart {e.counterpart}, "
        f"every {e.every_days} days"
        + (f", next contact {e.next_contact}" if e.next_contact else "")
    ),
    "PersonalDataErased": lambda e, p: _sentence(
        f"Personal data of {p.one(e.person_id)} erased on request {e.request_ref} by "
        f"{e.requested_by}{_then(e.reason)}"
    ),
}
