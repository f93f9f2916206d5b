"""SLA clocks: a case's deadline, at-risk moment and breach from its steps, under
the policy and calendar stamped on it when it opened (docs/domain.md, "Service
rules (SLA)").

A case's steps are `(occurred_at, version, step)` triples, in any order; times
are aware datetimes or their ISO text. Inquiries and complaints run on business
time (a complaint's clock stops while it waits on the customer, and while it
stands resolved before a reopening); commitments are due by the end of their due
day; follow-up of a lead or opportunity is a recurring clock: each follow-up
restarts it, and every lapse between two follow-ups is a breach of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from ledger.domain.sla.calendar import BusinessCalendar, Pause
from ledger.domain.sla.months import Month
from ledger.domain.sla.policy import SlaPolicy, split_stamp
from ledger.domain.sla.targets import BUSINESS_TIME_KINDS, RECURRING_KINDS

# The steps of a case's clock.
OPEN, CLOSE, PAUSE, RESUME, REOPEN, TOUCH = "open", "close", "pause", "resume", "reopen", "touch"

Step = Sequence[Any]  # (occurred_at, version, step)


@dataclass(frozen=True)
class Clock:
    """A case's SLA state from its steps (all of them, or those up to a moment).

    For a recurring clock the deadline, risk and breach are those of the current
    period, which began with the last follow-up; earlier periods that lapsed are
    `Clocks.lapses`."""

    opened_at: datetime
    closed_at: datetime | None
    paused: bool
    pauses: tuple[Pause, ...]
    due_at: datetime | None  # the deadline as things stand; None while paused or undated
    risk_at: datetime | None
    breach_at: datetime | None  # when the target was (or, still open, will be) missed


@dataclass(frozen=True)
class Lapse:
    """A period of a recurring clock that ran past its deadline and then ended
    (with the next follow-up): a breach of its own, closed late."""

    start: datetime
    due_at: datetime
    risk_at: datetime
    ended_at: datetime


class Clocks:
    """Evaluates case clocks. Each case runs on the calendar and policy stamped on
    it; `calendar` and `policy` (the configured ones) serve cases stamped before
    the calendar was, and the clocks that belong to no case (coverage, handover)."""

    def __init__(self, calendar: BusinessCalendar, policy: SlaPolicy) -> None:
        self.calendar = calendar
        self.policy = policy
        self.timezone: ZoneInfo = calendar.timezone
        self._policies: dict[str, SlaPolicy] = {}
        self._calendars: dict[str, BusinessCalendar] = {}
        self._calendar_of: dict[str, BusinessCalendar] = {}

    def policy_of(self, record: str) -> SlaPolicy:
        """The policy a case runs under, from the record stamped on it (as JSON)."""
        policy = self._policies.get(record)
        if policy is None:
            policy = self._policies[record] = SlaPolicy.from_record(
                split_stamp(json.loads(record))[0]
            )
        return policy

    def calendar_of(self, record: str) -> BusinessCalendar:
        """The calendar a case runs on, from the record stamped on it (as JSON).

        Cases stamped before the calendar was part of the stamp run on the
        configured calendar: nothing else is known of the calendar in force when
        they opened, and it is the one their deadlines were always computed on.
        """
        calendar = self._calendar_of.get(record)
        if calendar is None:
            stamped = split_stamp(json.loads(record))[1]
            if stamped is None:
                calendar = self.calendar
            else:
                key = json.dumps(stamped, sort_keys=True)
                calendar = self._calendars.get(key)
                if calendar is None:
                    calendar = self._calendars[key] = BusinessCalendar.from_record(stamped)
            self._calendar_of[record] = calendar
        return calendar

    def evaluate(self, case: Mapping[str, Any], until: datetime | None = None) -> Clock | None:
        """The clock of `case` (its `kind`, `steps`, stamped `policy` and, for a
        commitment, `due` date) from its steps up to `until` (default: all of
        them); None if the case had not opened by then."""
        steps = _ordered(case["steps"], until)
        opened = next((at for at, _, step in steps if step == OPEN), None)
        if opened is None:
            return None
        closed: datetime | None = None
        paused_since: datetime | None = None
        pauses: list[Pause] = []
        touches = [opened]
        for at, _, step in steps:
            if step == PAUSE and closed is None and paused_since is None:
                paused_since = at
            elif step == RESUME and paused_since is not None:
                pauses.append((paused_since, at))
                paused_since = None
            elif step == CLOSE and closed is None:
                if paused_since is not None:
                    pauses.append((paused_since, at))
                    paused_since = None
                closed = at
            elif step == REOPEN and closed is not None:
                # While a complaint stood resolved nobody worked on it: its clock stopped.
                pauses.append((closed, at))
                closed = None
            elif step == TOUCH and closed is None and at > opened:
                touches.append(at)
        if paused_since is not None:
            pauses.append((paused_since, None))
        record = case["policy"]
        policy = self.policy_of(record)
        calendar = self.calendar_of(record)
        kind = case["kind"]
        start = touches[-1] if kind in RECURRING_KINDS else opened
        due, risk = _deadlines(kind, case.get("due"), policy, calendar, start, pauses)
        breach = None if due is None or (closed is not None and closed <= due) else due
        return Clock(opened, closed, paused_since is not None, tuple(pauses), due, risk, breach)

    def lapses(self, case: Mapping[str, Any]) -> list[Lapse]:
        """The periods of a recurring clock that lapsed before the next follow-up
        restarted it, oldest first (the current period is the clock itself)."""
        if case["kind"] not in RECURRING_KINDS:
            return []
        steps = _ordered(case["steps"], None)
        opened = next((at for at, _, step in steps if step == OPEN), None)
        if opened is None:
            return []
        touches = [opened]
        for at, _, step in steps:
            if step == CLOSE:
                break
            if step == TOUCH and at > opened:
                touches.append(at)
        policy = self.policy_of(case["policy"])
        interval = policy.follow_up_interval
        risk = policy.at_risk_after(interval)
        return [
            Lapse(start, start + interval, start + risk, following)
            for start, following in pairwise(touches)
            if following > start + interval
        ]

    def elapsed(
        self, kind: str, record: str, start: datetime, end: datetime, pauses: Iterable[Pause]
    ) -> timedelta:
        """Time on `kind`'s clock from `start` to `end`: business time without the
        pauses for inquiries and complaints, calendar time otherwise."""
        if kind in BUSINESS_TIME_KINDS:
            return self.calendar_of(record).business_time_between(start, end, pauses=pauses)
        return end - start

    def handover_due(self, started_at: datetime) -> datetime:
        """When a departed owner's customer must have been handed over."""
        return self.calendar.add_working_days(started_at, self.policy.handover_working_days)

    def handover_at_risk(self, started_at: datetime, as_of: datetime) -> bool:
        """Whether the at-risk share of the handover's working time has passed."""
        target = self.calendar.working_day_length * self.policy.handover_working_days
        elapsed = self.calendar.business_time_between(started_at, as_of)
        return elapsed >= self.policy.at_risk_after(target)

    def coverage_at_risk(self, month: Month, as_of: datetime) -> bool:
        """Whether the at-risk share of `month` has passed by `as_of`."""
        start, end = month.start(self.timezone), month.end(self.timezone)
        return as_of - start >= self.policy.at_risk_after(end - start)


def end_of_day(day: date, timezone: ZoneInfo) -> datetime:
    """The first moment after `day` in `timezone`: when a promise due that day is late."""
    following = day + timedelta(days=1)
    return datetime.combine(following, time(0), tzinfo=timezone).astimezone(UTC)


def is_overdue(due: date, today: date) -> bool:
    """Whether a promise due on `due` is late on `today` (both local dates)."""
    return due < today


def _deadlines(
    kind: str,
    due_date: str | None,
    policy: SlaPolicy,
    calendar: BusinessCalendar,
    start: datetime,
    pauses: list[Pause],
) -> tuple[datetime | None, datetime | None]:
    if kind == "inquiry":
        target = policy.inquiry_first_answer
        return (
            calendar.add_business_time(start, target),
            calendar.add_business_time(start, policy.at_risk_after(target)),
        )
    if kind == "complaint":
        target = policy.complaint_resolution
        return (
            calendar.deadline_with_pauses(start, target, pauses),
            calendar.deadline_with_pauses(start, policy.at_risk_after(target), pauses),
        )
    if kind == "follow-up":
        interval = policy.follow_up_interval
        return start + interval, start + policy.at_risk_after(interval)
    if due_date is None:
        return None, None
    deadline = end_of_day(date.fromisoformat(due_date), calendar.timezone)
    span = max(deadline - start, timedelta(0))
    return deadline, start + policy.at_risk_after(span)


def _ordered(steps: Iterable[Step], until: datetime | None) -> list[tuple[datetime, int, str]]:
    parse = datetime.fromisoformat
    ordered = sorted(
        (at if isinstance(at, datetime) else parse(at), version, step)
        for at, version, step in steps
    )
    if until is None:
        return ordered
    return [entry for entry in ordered if entry[0] <= until]
