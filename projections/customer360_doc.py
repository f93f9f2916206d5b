"""A customer's 360 document (projections.customer360) while events are applied
to it (projections.customer360_handlers): its empty shape, its timeline, and its
closed cases.

The document keeps its newest TIMELINE_LENGTH events as a timeline, its open cases
and the CLOSED_KEPT most recently closed ones; older closed cases are kept apart
(`ClosedCases`) and brought back should an event touch one again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import cache
from operator import attrgetter
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


# An event noted for the timeline: when it happened, its version, the event, and the
# key people's names as they were when it was applied.
Noted = tuple[str, int, CustomerEvent, dict[str, str]]


def remember_in_timeline(doc: Held, event: CustomerEvent, at: str) -> None:
    # Only noted here (a tuple, no entry): a customer's events nearly all leave its
    # timeline before its document is written. Entries are made for the newest
    # when it is (`write_timeline`); meanwhile the noted are trimmed to the
    # newest TIMELINE_LENGTH a few dozen at a time, not per event.
    names = doc.names
    recent = doc.recent
    recent.append((at, event.originator_version, event, _names(doc) if names is None else names))
    if len(recent) >= NOTED_AT_MOST:
        _newest_noted(recent)


# Events noted for the timeline before the newest TIMELINE_LENGTH are picked out
# (each noted event is held until then).
NOTED_AT_MOST = 4 * TIMELINE_LENGTH


def _newest_noted(recent: list[Noted]) -> None:
    # Versions are unique in a stream, so sorting never compares the events; noted
    # in order, as they nearly always are, the list is sorted in one pass.
    recent.sort(key=_noted_key)
    del recent[:-TIMELINE_LENGTH]


def _noted_key(noted: Noted) -> tuple[str, int]:
    return noted[0], noted[1]


def write_timeline(doc: Held) -> None:
    """Move the newest noted events into the timeline and keep its TIMELINE_LENGTH
    latest, in order of (time, version); an entry's payload and text are worked
    out only for the events kept, from the event and the key people's names as
    they were when it was applied."""
    recent = doc.recent
    if not recent:
        return
    _newest_noted(recent)
    timeline = doc["timeline"]
    if not timeline or timeline_key(timeline[-1]) < _noted_key(recent[0]):
        # Noted after every entry, as events nearly always come: the oldest entries
        # make room, the timeline being in order already.
        del timeline[: max(0, len(timeline) + len(recent) - TIMELINE_LENGTH)]
        timeline += [_entry(noted) for noted in recent]
    else:
        merged: list[tuple[tuple[str, int], Doc | Noted]] = [
            (timeline_key(entry), entry) for entry in timeline
        ]
        merged += [(_noted_key(noted), noted) for noted in recent]
        merged.sort(key=_first)
        timeline[:] = [
            _entry(item) if type(item) is tuple else item for _, item in merged[-TIMELINE_LENGTH:]
        ]
    recent.clear()


def _first(pair: tuple[tuple[str, int], Any]) -> tuple[str, int]:
    return pair[0]


def _entry(noted: Noted) -> Doc:
    at, version, event, names = noted
    return {
        "v": version,
        "occurred_at": at,
        "event": type(event).__name__,
        "actor": event.actor,
        "payload": _payload(event),
        "text": describe(event, names),
    }


def timeline_key(entry: dict[str, Any]) -> tuple[str, int]:
    return entry["occurred_at"], entry["v"]


# Values stored as they are; anything else goes through the history's conversion.
_AS_IS = frozenset({str, int, float, bool, type(None)})


def _payload(event: CustomerEvent) -> dict[str, Any]:
    names, values = _payload_fields(type(event))
    return {
        name: value if type(value) in _AS_IS else _plain(value)
        for name, value in zip(names, values(event), strict=True)
    }


@cache
def _payload_fields(
    event_class: type[CustomerEvent],
) -> tuple[tuple[str, ...], Callable[[CustomerEvent], tuple[Any, ...]]]:
    """The names of the fields a payload holds, and what reads them all from an
    event at once."""
    skip = {"originator_id", "originator_version", "timestamp", "previous_hash", "event_hash"}
    skip |= PERSONAL_EVENT_FIELDS  # never in a view as recorded (ledger.personal_reading)
    names = tuple(f.name for f in dataclasses.fields(event_class) if f.name not in skip)
    if len(names) > 1:
        return names, attrgetter(*names)
    # attrgetter of one name gives the value, not a tuple (and takes at least one)
    one = [attrgetter(name) for name in names]
    return names, lambda event: tuple(get(event) for get in one)


class Held(dict[str, Any]):
    """A document being worked on, with its key people's names worked out once
    (they are not stored): a handler that can change a name forgets them, and they
    are never changed in place, so an unwritten entry keeps the names of its time.
    It has its closed cases kept apart at hand, and knows whether a case closed (or
    came back closed) since the closed cases it keeps were last counted. Events
    noted for its timeline wait in `recent` until the timeline is written."""

    __slots__ = ("closed", "names", "recent", "unsettled")

    names: dict[str, str] | None
    closed: ClosedCases
    unsettled: bool
    recent: list[Noted]


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
