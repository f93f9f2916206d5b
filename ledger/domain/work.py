"""A personal work list (docs/domain.md, "Follow-through"): what one member of
staff owes now, as items of one shape, and the one order they are worked in.

Each source of work (SLA cases, commitments, follow-ups, planned visits, silent
customers, ...) says what is owed, by whom and by when, under its own rules;
this module only says what an item of work is and which comes first.

Some work has no due time (an open problem from a visit, a visit plan awaiting
review): such an item is "due", says how long it has been open, and comes after
every item with a due time, the longest open first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# What state an item is in as of the moment the list is made.
BREACHED = "breached"  # a service target was missed
OVERDUE = "overdue"  # past its due time, with no service target behind it
AT_RISK = "at risk"  # a service target's at-risk point has passed, not yet due
DUE = "due"  # due soon (within the window the list looks ahead)
STATES = (BREACHED, OVERDUE, AT_RISK, DUE)
LATE_STATES = frozenset({BREACHED, OVERDUE})


@dataclass(frozen=True)
class WorkItem:
    """One thing a member of staff owes a customer."""

    kind: str  # which source: complaint, inquiry, commitment, follow-up, visit, ...
    owed_by: str | None  # the staff id who owes it
    customer: str  # the customer's code ("" for work of no one customer: a plan)
    name: str
    segment: str
    item: str  # the item's id within the customer (a case id), or a word for it
    text: str
    due_at: datetime | None  # None: no due time (see `opened_at`)
    state: str
    as_of: datetime
    # How late, or how much time is left, as the source's rule measures it (an SLA
    # case on business time counts working hours); unset, on the calendar.
    measured: timedelta | None = None
    # When an item with no due time was opened (how long it has been open).
    opened_at: datetime | None = None

    @property
    def late(self) -> bool:
        return self.state in LATE_STATES

    @property
    def late_by(self) -> timedelta:
        """How late the item is (zero when it is not)."""
        if not self.late or self.due_at is None:
            return timedelta(0)
        return self.measured if self.measured is not None else self.as_of - self.due_at

    @property
    def left(self) -> timedelta:
        """How much time is left before it is due (zero once it is late, or when
        it has no due time)."""
        if self.late or self.due_at is None:
            return timedelta(0)
        return self.measured if self.measured is not None else self.due_at - self.as_of

    @property
    def open_for(self) -> timedelta:
        """How long an item with no due time has been open (zero for others)."""
        if self.due_at is not None or self.opened_at is None:
            return timedelta(0)
        return max(timedelta(0), self.as_of - self.opened_at)

    def as_row(self) -> dict[str, Any]:
        return {
            "due_at": self.due_at,
            "state": self.state,
            "when": when(self),
            "kind": self.kind,
            "customer": self.customer,
            "name": self.name,
            "segment": self.segment,
            "item": self.item,
            "text": self.text,
            "owed_by": self.owed_by,
        }


def state_of(due_at: datetime, as_of: datetime, *, target: bool, at_risk: bool = False) -> str:
    """The state of an item due at `due_at`, as of `as_of`: past due is a breach
    when a service target stands behind it (`target`), else overdue; not yet due,
    it is at risk once its target's at-risk point passed (`at_risk`), else due."""
    if due_at <= as_of:
        return BREACHED if target else OVERDUE
    return AT_RISK if at_risk else DUE


def urgency(item: WorkItem) -> tuple[Any, ...]:
    """The one order of a work list: late items first, the latest first; then the
    rest by least time left; then items with no due time, the longest open first;
    ties by customer and item, so the order is stable."""
    dated = item.due_at is not None
    moment = item.due_at if item.due_at is not None else item.opened_at or item.as_of
    return (not item.late, not dated, moment, item.customer, item.item, item.kind)


def ordered(items: list[WorkItem]) -> list[WorkItem]:
    return sorted(items, key=urgency)


def when(item: WorkItem) -> str:
    """How late, or how much time is left, in words: '3d 4h late', '5h left'; for
    an item with no due time, how long it has been open: 'open 12d'."""
    if item.due_at is None:
        return f"open {_span(item.open_for)}"
    if item.late:
        return f"{_span(item.late_by)} late"
    return f"{_span(item.left)} left"


def _span(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"
