"""Customer 360: everything a member of staff needs on one customer, one document
per customer, kept current from the customer's events.

Handlers are pure (`apply(doc, event)`), so the same code rebuilds the stored
view and computes the view as it stood at any earlier version (`as_of`).
Every element that comes from an event keeps that event's version in `v`.
Corrections are not patched in: the events arrive corrected (docs/domain.md,
"Corrections").

The document keeps the open cases and only the `CLOSED_KEPT` most recently closed
ones: older closed cases are moved to `view_customer360_closed`, one row each, and
brought back should an event touch one again (a complaint reopened). A customer's
past would otherwise make its document grow for ever: a long-standing customer's
360 held thousands of closed cases that `customer show` read and parsed on every
call only to leave them out. Corrections patch the rows kept apart in place.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from functools import cache, singledispatch
from typing import Any
from uuid import UUID

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.corrections import fold
from ledger.history import _plain, describe
from projections.base import DocumentReplay, Handlers, Projection, Replay, dumps, iso
from projections.store import Transaction

Doc = dict[str, Any]
TIMELINE_LENGTH = 15
SATISFACTION_LENGTH = 24
CLOSED_STATUSES = {"answered", "resolved", "won", "lost", "fulfilled", "reported", "cancelled"}
# Closed cases the document keeps (the latest to close); the older ones are kept apart.
CLOSED_KEPT = 20


class Customer360(Projection):
    name = "customer360"
    keyed_by_customer = True
    # 2: closed cases beyond the latest CLOSED_KEPT moved out of the document.
    version = "3"
    tables = {
        "view_customer360": (
            "CREATE TABLE IF NOT EXISTS view_customer360 ("
            "customer_id TEXT PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL, "
            "segment TEXT NOT NULL, owner TEXT, stage TEXT NOT NULL, tier TEXT NOT NULL, "
            "version INTEGER NOT NULL, doc TEXT NOT NULL)"
        ),
        # A closed case kept out of its customer's document: `v` opened it and
        # `closed_v` closed it, so a correction of either event finds it.
        "view_customer360_closed": (
            "CREATE TABLE IF NOT EXISTS view_customer360_closed ("
            "customer_id TEXT NOT NULL, case_id TEXT NOT NULL, v INTEGER NOT NULL, "
            "closed_v INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (customer_id, case_id))"
        ),
    }
    indexes = (
        "CREATE INDEX IF NOT EXISTS view_customer360_code ON view_customer360 (code)",
        "CREATE INDEX IF NOT EXISTS view_customer360_segment ON view_customer360 (segment, owner)",
        "CREATE INDEX IF NOT EXISTS view_customer360_closed_v "
        "ON view_customer360_closed (customer_id, v)",
        "CREATE INDEX IF NOT EXISTS view_customer360_closed_closed_v "
        "ON view_customer360_closed (customer_id, closed_v)",
    )

    def replay(self, tx: Transaction | None) -> Replay:
        return _Documents(tx, apply_event)

    @staticmethod
    def load(tx: Transaction, customer_id: UUID) -> Doc | None:
        row = tx.fetchone(
            "SELECT doc FROM view_customer360 WHERE customer_id = ?", (str(customer_id),)
        )
        return None if row is None else dict(json.loads(row[0]))


def as_of(customer_id: UUID, events: Iterable[CustomerEvent]) -> Doc:
    """The 360 computed from a customer's events (all, or up to some version), each
    as the corrections among them say it was."""
    key = str(customer_id)
    doc = _held(new_doc(key), _Closed(key, None))
    for event in fold(events):
        apply_event(doc, event, iso(event.occurred_at))
    _write_timeline(doc)
    # Through JSON, so a computed view reads exactly like a stored one.
    return dict(json.loads(dumps(doc)))


COLUMNS = ("customer_id", "code", "name", "segment", "owner", "stage", "tier", "version", "doc")


class _Documents(DocumentReplay):
    """Customers' documents held while events are applied, each written once per
    flush, with only the timeline entries still kept worked out, and the closed
    cases kept apart beside them."""

    table = "view_customer360"
    columns = COLUMNS
    closed: _ClosedRows  # those of the chunk of documents being written

    def new(self, key: str) -> _Held:
        # A customer without a row has no closed cases kept apart either.
        return _held(new_doc(key), _Closed(key, None))

    def loaded(self, key: str, doc: Doc) -> _Held:
        return _held(doc, _Closed(key, self.tx))

    def prepare(self, keys: list[str]) -> None:
        self.closed = _ClosedRows()
        for key in keys:
            doc = self.docs[key]
            doc.closed.write_to(self.closed)
            _write_timeline(doc)

    def written(self, keys: list[str], tx: Transaction) -> None:
        # After the documents: tables are written in the order they are created.
        self.closed.flush(tx)


def _held(doc: Doc, closed: _Closed) -> _Held:
    held = _Held(doc)
    held.names = None
    held.closed = closed
    held.unsettled = False
    held.recent = []
    return held


class _Closed:
    """One customer's closed cases kept out of its document: those read or moved
    there while events are applied (the rest stay in the table until needed), and
    which rows to write or delete at the next flush."""

    __slots__ = ("changed", "held", "key", "removed", "stored", "tx")

    def __init__(self, key: str, tx: Transaction | None) -> None:
        self.key = key
        # Where cases not held are read from; None: every one there is is held
        # (a rebuild, a 360 computed from events, a customer new to the table).
        self.tx = tx
        self.held: dict[str, Doc] = {}
        self.stored: set[str] = set()  # of those known, the ones with a row
        self.changed: set[str] = set()  # held ones to write
        self.removed: set[str] = set()  # back in the document: their rows go

    def put(self, case_id: str, case: Doc) -> None:
        self.held[case_id] = case
        self.changed.add(case_id)
        self.removed.discard(case_id)  # a row still there is overwritten

    def take(self, case_id: str) -> Doc | None:
        """The case, no longer kept apart (it goes back into the document)."""
        case = self.held.pop(case_id, None)
        if case is None and self.tx is not None and case_id not in self.removed:
            row = self.tx.fetchone(
                "SELECT doc FROM view_customer360_closed WHERE customer_id = ? AND case_id = ?",
                (self.key, case_id),
            )
            if row is not None:
                case = json.loads(row[0])
                self.stored.add(case_id)
        if case is not None:
            self.changed.discard(case_id)
            if case_id in self.stored:
                self.removed.add(case_id)
        return case

    def write_to(self, rows: _ClosedRows) -> None:
        for case_id in sorted(self.removed):
            rows.gone.append((self.key, case_id))
        for case_id in sorted(self.changed):
            case = self.held[case_id]
            row = (self.key, case_id, case["v"], case["closed_v"], dumps(case))
            (rows.known if case_id in self.stored else rows.fresh).append(row)
        self.stored -= self.removed
        self.stored |= self.changed
        self.removed.clear()
        self.changed.clear()


class _ClosedRows:
    """Closed cases' rows to write in one flush, for all customers."""

    def __init__(self) -> None:
        self.gone: list[tuple[str, str]] = []
        self.fresh: list[tuple[Any, ...]] = []
        self.known: list[tuple[Any, ...]] = []

    def flush(self, tx: Transaction) -> None:
        tx.executemany(
            "DELETE FROM view_customer360_closed WHERE customer_id = ? AND case_id = ?", self.gone
        )
        tx.insert_new("view_customer360_closed", CLOSED_COLUMNS, self.fresh)
        tx.executemany(
            f"INSERT INTO view_customer360_closed ({', '.join(CLOSED_COLUMNS)}) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (customer_id, case_id) DO UPDATE SET "
            "v = excluded.v, closed_v = excluded.closed_v, doc = excluded.doc",
            self.known,
        )


CLOSED_COLUMNS = ("customer_id", "case_id", "v", "closed_v", "doc")


def new_doc(customer_id: str) -> Doc:
    return {
        "customer_id": customer_id,
        "code": "",
        "name": "",
        "kind": "",
        "industry": "",
        "segment": "",
        "headquarters": "",
        "tier": "",
        "vip": False,
        "stage": "",
        "owner": None,
        "external_refs": {},
        "registered_at": None,
        "version": 0,
        "last_event_at": None,
        "owners": [],
        "branches": {},
        "people": {},
        "cases": {},
        "last_contact": {},
        "timeline": [],
        "satisfaction": [],
        "pending_problems": [],
        "last_visit": None,
        "termination": None,
        "counts": {},
    }


def apply_event(doc: _Held, event: CustomerEvent, at: str) -> None:
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
        _keep_closed_bounded(doc)
    if kind != "CorrectionRecorded":
        _remember_in_timeline(doc, event, at)


class _Unwritten(dict[str, Any]):
    """A timeline entry whose payload and text are worked out only when its document
    is written (most entries have left the timeline by then), from its event and the
    key people's names as they were when it was applied."""

    __slots__ = ("names", "source")

    source: CustomerEvent
    names: dict[str, str]


def _remember_in_timeline(doc: _Held, event: CustomerEvent, at: str) -> None:
    # Only noted here (a tuple, no entry): a customer's events nearly all leave its
    # timeline before its document is written. Entries are made for the newest
    # when it is (`_settle_timeline`); meanwhile the noted are trimmed to the
    # newest TIMELINE_LENGTH a few dozen at a time, not per event.
    names = doc.names
    recent = doc.recent
    recent.append((at, event.originator_version, event, _names(doc) if names is None else names))
    if len(recent) >= NOTED_AT_MOST:
        _newest_noted(recent)


# Events noted for the timeline before the newest TIMELINE_LENGTH are picked out
# (each noted event is held until then).
NOTED_AT_MOST = 4 * TIMELINE_LENGTH


def _newest_noted(recent: list[tuple[str, int, CustomerEvent, dict[str, str]]]) -> None:
    # Versions are unique in a stream, so sorting never compares the events; noted
    # in order, as they nearly always are, the list is sorted in one pass.
    recent.sort(key=_noted_key)
    del recent[:-TIMELINE_LENGTH]


def _settle_timeline(doc: _Held) -> None:
    """Move the newest noted events into the timeline, as unwritten entries, and
    keep its TIMELINE_LENGTH latest, in order of (time, version)."""
    recent = doc.recent
    if not recent:
        return
    _newest_noted(recent)
    timeline = doc["timeline"]
    for at, version, event, names in recent:
        entry = _Unwritten(
            v=version,
            occurred_at=at,
            event=type(event).__name__,
            actor=event.actor,
            payload=None,
            text=None,
        )
        entry.source = event
        entry.names = names
        timeline.append(entry)
    recent.clear()
    timeline.sort(key=_timeline_key)
    del timeline[:-TIMELINE_LENGTH]


def _noted_key(noted: tuple[str, int, CustomerEvent, dict[str, str]]) -> tuple[str, int]:
    return noted[0], noted[1]


def _write_timeline(doc: _Held) -> None:
    """Work out the payload and text of the timeline's unwritten entries."""
    _settle_timeline(doc)
    timeline = doc["timeline"]
    for index, entry in enumerate(timeline):
        if type(entry) is _Unwritten:
            entry["payload"] = _payload(entry.source)
            entry["text"] = describe(entry.source, entry.names)
            timeline[index] = dict(entry)


def _timeline_key(entry: dict[str, Any]) -> tuple[str, int]:
    return entry["occurred_at"], entry["v"]


# Values stored as they are; anything else goes through the history's conversion.
_AS_IS = frozenset({str, int, float, bool, type(None)})


def _payload(event: CustomerEvent) -> dict[str, Any]:
    payload = {}
    for name in _payload_fields(type(event)):
        value = getattr(event, name)
        payload[name] = value if type(value) in _AS_IS else _plain(value)
    return payload


@cache
def _payload_fields(event_class: type[CustomerEvent]) -> tuple[str, ...]:
    skip = {"originator_id", "originator_version", "timestamp", "previous_hash", "event_hash"}
    return tuple(f.name for f in dataclasses.fields(event_class) if f.name not in skip)


class _Held(dict[str, Any]):
    """A document being worked on, with its key people's names worked out once
    (they are not stored): a handler that can change a name forgets them, and they
    are never changed in place, so an unwritten entry keeps the names of its time.
    It has its closed cases kept apart at hand, and knows whether a case closed (or
    came back closed) since the closed cases it keeps were last counted. Events
    noted for its timeline wait in `recent` until the timeline is settled."""

    __slots__ = ("closed", "names", "recent", "unsettled")

    names: dict[str, str] | None
    closed: _Closed
    unsettled: bool
    recent: list[tuple[str, int, CustomerEvent, dict[str, str]]]


def _names(doc: _Held) -> dict[str, str]:
    if doc.names is None:
        doc.names = {pid: p["name"] for pid, p in doc["people"].items()}
    return doc.names


def _forget_names(doc: _Held) -> None:
    doc.names = None


# ------------------------------------------------------------ closed cases
def _find_case(doc: _Held, case_id: str) -> Doc | None:
    """The case, from the document or, if it was kept apart, brought back into it."""
    case: Doc | None = doc["cases"].get(case_id)
    if case is None:
        case = doc.closed.take(case_id)
        if case is not None:
            cases = doc["cases"]
            cases[case_id] = case
            # Cases are in the order they opened, which is the order of `v` (each
            # opens at the newest version): the one brought back goes to its place.
            ordered = sorted(cases.items(), key=lambda item: int(item[1]["v"]))
            cases.clear()
            cases.update(ordered)
            doc.unsettled = True  # still closed, it may go back at once
    return case


def _case(doc: _Held, case_id: str) -> Doc:
    case = _find_case(doc, case_id)
    if case is None:
        raise KeyError(case_id)
    return case


def _keep_closed_bounded(doc: _Held) -> None:
    """Keep the `CLOSED_KEPT` latest closed cases in the document, the others apart."""
    doc.unsettled = False
    cases = doc["cases"]
    if len(cases) <= CLOSED_KEPT:
        return  # too few to count: most customers, most of the time
    closed = [
        (case["closed_v"], case_id)
        for case_id, case in cases.items()
        if case["status"] in CLOSED_STATUSES
    ]
    if len(closed) > CLOSED_KEPT:
        closed.sort()
        for _, case_id in closed[: len(closed) - CLOSED_KEPT]:
            doc.closed.put(case_id, cases.pop(case_id))


# ----------------------------------------------------------------- handlers
@singledispatch
def _handle(event: CustomerEvent, doc: _Held, at: str) -> None:
    """Events that only count and appear in the timeline."""


_HANDLERS = Handlers(_handle)


@_handle.register
def _(e: ev.CustomerRegistered, doc: _Held, at: str) -> None:
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


@_handle.register
def _(e: ev.ProfileUpdated, doc: _Held, at: str) -> None:
    for field, value in e.changes.items():
        if field == "external_refs":
            doc["external_refs"].update(value)
        else:
            doc[field] = value


@_handle.register
def _(e: ev.SegmentChanged, doc: _Held, at: str) -> None:
    doc["segment"] = e.segment


@_handle.register
def _(e: ev.TierChanged, doc: _Held, at: str) -> None:
    doc["tier"], doc["vip"] = e.tier, e.vip


@_handle.register
def _(e: ev.LifecycleStageChanged, doc: _Held, at: str) -> None:
    doc["stage"] = e.stage


@_handle.register
def _(e: ev.BranchAdded, doc: _Held, at: str) -> None:
    doc["branches"][e.branch_id] = {
        "v": e.originator_version,
        "name": e.name,
        "location": e.location,
        "open": True,
        "occurred_at": at,
    }


@_handle.register
def _(e: ev.BranchClosed, doc: _Held, at: str) -> None:
    doc["branches"][e.branch_id]["open"] = False


@_handle.register
def _(e: ev.OwnerAssigned, doc: _Held, at: str) -> None:
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


@_handle.register
def _(e: ev.KeyPersonAdded, doc: _Held, at: str) -> None:
    _forget_names(doc)
    doc["people"][e.person_id] = {
        "v": e.originator_version,
        "name": e.name,
        "title": e.title,
        "decision_role": e.decision_role,
        "relationship_status": e.relationship_status,
        "counterpart": e.counterpart,
        "present": True,
        "assessed_at": at,
    }


@_handle.register
def _(e: ev.KeyPersonUpdated, doc: _Held, at: str) -> None:
    _forget_names(doc)
    person = doc["people"][e.person_id]
    for field in ("name", "title", "decision_role", "counterpart"):
        if field in e.changes:
            person[field] = e.changes[field]


@_handle.register
def _(e: ev.KeyPersonRelationshipAssessed, doc: _Held, at: str) -> None:
    person = doc["people"][e.person_id]
    person.update(relationship_status=e.relationship_status, assessed_at=at, note=e.note)


@_handle.register
def _(e: ev.KeyPersonLeft, doc: _Held, at: str) -> None:
    doc["people"][e.person_id]["present"] = False


@_handle.register
def _(e: ev.ContactLogged, doc: _Held, at: str) -> None:
    current = doc["last_contact"].get(e.channel)
    if current is None or at >= current["occurred_at"]:
        doc["last_contact"][e.channel] = {
            "v": e.originator_version,
            "occurred_at": at,
            "direction": e.direction,
            "summary": e.summary,
        }


def _open_case(
    doc: _Held, e: CustomerEvent, case_id: str, kind: str, at: str, **extra: Any
) -> None:
    doc["cases"][case_id] = {
        "v": e.originator_version,
        "kind": kind,
        "status": "open",
        "opened_at": at,
        "closed_at": None,
        "closed_v": None,
        **extra,
    }


def _close_case(doc: _Held, e: CustomerEvent, case_id: str, status: str, at: str) -> None:
    case = _case(doc, case_id)
    case.update(status=status, closed_at=at, closed_v=e.originator_version)
    doc.unsettled = True
    if case.get("paused_at"):
        case["pauses"].append([case["paused_at"], at])
        case["paused_at"] = None


@_handle.register
def _(e: ev.VisitPlanned, doc: _Held, at: str) -> None:
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


@_handle.register
def _(e: ev.VisitReported, doc: _Held, at: str) -> None:
    if _find_case(doc, e.case_id) is None:
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
    for text in e.problems_pending:
        doc["pending_problems"].append(
            {"v": e.originator_version, "visit": e.case_id, "occurred_at": at, "text": text}
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
        )


@_handle.register
def _(e: ev.VisitCancelled, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "cancelled", at)


@_handle.register
def _(e: ev.InquiryReceived, doc: _Held, at: str) -> None:
    _open_case(doc, e, e.case_id, "inquiry", at, title=e.title, channel=e.channel)


@_handle.register
def _(e: ev.InquiryAnswered, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "answered", at)


@_handle.register
def _(e: ev.ComplaintFiled, doc: _Held, at: str) -> None:
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


@_handle.register
def _(e: ev.ComplaintAcknowledged, doc: _Held, at: str) -> None:
    _case(doc, e.case_id)["acknowledged_at"] = at


@_handle.register
def _(e: ev.ComplaintPaused, doc: _Held, at: str) -> None:
    _case(doc, e.case_id)["paused_at"] = at


@_handle.register
def _(e: ev.ComplaintResumed, doc: _Held, at: str) -> None:
    case = _case(doc, e.case_id)
    if case.get("paused_at"):
        case["pauses"].append([case["paused_at"], at])
    case["paused_at"] = None


@_handle.register
def _(e: ev.ComplaintResolved, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "resolved", at)
    doc["cases"][e.case_id].update(resolution=e.resolution, root_cause=e.root_cause)


@_handle.register
def _(e: ev.ComplaintReopened, doc: _Held, at: str) -> None:
    case = _case(doc, e.case_id)  # brought back if it was kept apart
    case.update(status="open", reopened_at=at, closed_at=None, closed_v=None)


@_handle.register
def _(e: ev.EscalationRaised, doc: _Held, at: str) -> None:
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
    concerned = _find_case(doc, e.concerning)
    if concerned is not None:
        concerned["escalation_level"] = max(concerned.get("escalation_level", 0), e.level)


@_handle.register
def _(e: ev.EscalationResolved, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "resolved", at)


@_handle.register
def _(e: ev.LeadCreated, doc: _Held, at: str) -> None:
    _open_case(doc, e, e.case_id, "opportunity", at, title=e.title, stage="lead", last_follow_up=at)
    doc["cases"][e.case_id]["status"] = "lead"


@_handle.register
def _(e: ev.OpportunityOpened, doc: _Held, at: str) -> None:
    if _find_case(doc, e.case_id) is None:
        _open_case(doc, e, e.case_id, "opportunity", at, title=e.title, last_follow_up=at)
    doc["cases"][e.case_id].update(
        status="open",
        title=e.title,
        stage=e.stage,
        value=e.value,
        currency=e.currency,
        last_follow_up=at,
    )


@_handle.register
def _(e: ev.OpportunityStageChanged, doc: _Held, at: str) -> None:
    _case(doc, e.case_id).update(stage=e.stage, last_follow_up=at)


@_handle.register
def _(e: ev.FollowUpLogged, doc: _Held, at: str) -> None:
    case = _case(doc, e.case_id)
    case["last_follow_up"] = max(case.get("last_follow_up") or at, at)
    case["next_step"] = e.next_step


@_handle.register
def _(e: ev.OpportunityWon, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "won", at)
    if e.value:
        doc["cases"][e.case_id]["value"] = e.value


@_handle.register
def _(e: ev.OpportunityLost, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "lost", at)
    doc["cases"][e.case_id]["lost_reason"] = e.reason


@_handle.register
def _(e: ev.CommitmentMade, doc: _Held, at: str) -> None:
    _open_case(doc, e, e.case_id, "commitment", at, title=e.description, due=e.due, source=e.source)


@_handle.register
def _(e: ev.CommitmentFulfilled, doc: _Held, at: str) -> None:
    _close_case(doc, e, e.case_id, "fulfilled", at)


@_handle.register
def _(e: ev.SatisfactionRecorded, doc: _Held, at: str) -> None:
    scores = doc["satisfaction"]
    in_order = not scores or _timeline_key(scores[-1]) <= (at, e.originator_version)
    scores.append(
        {"v": e.originator_version, "occurred_at": at, "score": e.score, "source": e.source}
    )
    if not in_order:
        scores.sort(key=_timeline_key)
    del scores[:-SATISFACTION_LENGTH]


@_handle.register
def _(e: ev.RelationshipTerminated, doc: _Held, at: str) -> None:
    doc["stage"] = "terminated"
    doc["termination"] = {
        "v": e.originator_version,
        "occurred_at": at,
        "reason": e.reason,
        "root_cause": e.root_cause,
        "head_office_ref": e.head_office_ref,
    }


@_handle.register
def _(e: ev.RelationshipReactivated, doc: _Held, at: str) -> None:
    doc["stage"] = e.stage
    doc["termination"] = None


@_handle.register
def _(e: ev.CorrectionRecorded, doc: _Held, at: str) -> None:
    # What was corrected is already in place: the corrected event was folded in
    # (projections/views.py replays a corrected customer from its corrected
    # stream). The timeline only says which of its entries were corrected.
    _write_timeline(doc)
    for entry in doc["timeline"]:
        if entry["v"] == e.target_version and not entry.get("corrected"):
            entry["corrected"] = True
            entry["text"] = f"{entry['text']} (corrected)"


def customer_360(views: Any, customer_id: UUID, moment: Any = None) -> Doc | None:
    """The stored 360, caught up first; or, with `moment`, the 360 as it stood then,
    replayed from the events recorded up to that moment (found through the
    recording-time index). None when the customer was not yet recorded then."""
    from projections.recorded import RecordedVersions

    views.catch_up(["customer360", "recorded"])
    with views.store.transaction() as tx:
        if moment is None:
            return Customer360.load(tx, customer_id)
        version = RecordedVersions.version_as_of(tx, customer_id, moment)
    if version == 0:
        return None
    events = [
        e for e in views.app.events.get(customer_id, lte=version) if isinstance(e, CustomerEvent)
    ]
    return as_of(customer_id, events)
