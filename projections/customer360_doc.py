"""A customer's 360 document (projections.customer360) while events are applied
to it (projections.customer360_handlers): its empty shape, its timeline, and its
closed cases.

The document keeps its newest TIMELINE_LENGTH events as a timeline, its open cases
and the CLOSED_KEPT most recently closed ones; older closed cases are kept apart
(`ClosedCases`) and brought back should an event touch one again.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import TYPE_CHECKING, Any

from ledger.domain.base import CustomerEvent
from ledger.domain.personal import PERSONAL_EVENT_FIELDS
from ledger.history import _plain, describe

if TYPE_CHECKING:
    from projections.customer360_closed import ClosedCases

Doc = dict[str, Any]
TIMELINE_LENGTH = 15
SATISFACTION_LENGTH = 24
CLOSED_STATUSES = {
    "answered",
    "resolved",
    "won",
    "lost",
    "fulfilled",
    "withdrawn",
    "reported",
    "cancelled",
}
# Closed cases the document keeps (the latest to close); the older ones are kept apart.
CLOSED_KEPT = 20


def held(doc: Doc, closed: ClosedCases) -> Held:
    working = Held(doc)
    working.names = None
    working.closed = closed
    working.unsettled = False
    working.recent = []
    return working


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
        # The open problems from visits, each with its id (`PB3`), in the order
        # raised, and how many ids were issued (docs/domain.md, "Follow-through").
        "pending_problems": [],
        "problems_numbered": 0,
        "last_visit": None,
        "termination": None,
        "counts": {},
    }


class _Unwritten(dict[str, Any]):
    """A timeline entry whose payload and text are worked out only when its document
    is written (most entries have left the timeline by then), from its event and the
    key people's names as they were when it was applied."""

    __slots__ = ("names", "source")

    source: CustomerEvent
    names: dict[str, str]


def remember_in_timeline(doc: Held, event: CustomerEvent, at: str) -> None:
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


def _settle_timeline(doc: Held) -> None:
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
    timeline.sort(key=timeline_key)
    del timeline[:-TIMELINE_LENGTH]


def _noted_key(noted: tuple[str, int, CustomerEvent, dict[str, str]]) -> tuple[str, int]:
    return noted[0], noted[1]


def write_timeline(doc: Held) -> None:
    """Work out the payload and text of the timeline's unwritten entries."""
    _settle_timeline(doc)
    timeline = doc["timeline"]
    for index, entry in enumerate(timeline):
        if type(entry) is _Unwritten:
            entry["payload"] = _payload(entry.source)
            entry["text"] = describe(entry.source, entry.names)
            timeline[index] = dict(entry)


def timeline_key(entry: dict[str, Any]) -> tuple[str, int]:
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
    skip |= PERSONAL_EVENT_FIELDS  # never in a view as recorded (ledger.personal_reading)
    return tuple(f.name for f in dataclasses.fields(event_class) if f.name not in skip)


class Held(dict[str, Any]):
    """A document being worked on, with its key people's names worked out once
    (they are not stored): a handler that can change a name forgets them, and they
    are never changed in place, so an unwritten entry keeps the names of its time.
    It has its closed cases kept apart at hand, and knows whether a case closed (or
    came back closed) since the closed cases it keeps were last counted. Events
    noted for its timeline wait in `recent` until the timeline is settled."""

    __slots__ = ("closed", "names", "recent", "unsettled")

    names: dict[str, str] | None
    closed: ClosedCases
    unsettled: bool
    recent: list[tuple[str, int, CustomerEvent, dict[str, str]]]


def _names(doc: Held) -> dict[str, str]:
    if doc.names is None:
        doc.names = {pid: p["name"] for pid, p in doc["people"].items()}
    return doc.names


def forget_names(doc: Held) -> None:
    doc.names = None


# ------------------------------------------------------------ closed cases
def find_case(doc: Held, case_id: str) -> Doc | None:
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


def existing_case(doc: Held, case_id: str) -> Doc:
    case = find_case(doc, case_id)
    if case is None:
        raise KeyError(case_id)
    return case


def keep_closed_bounded(doc: Held) -> None:
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
