"""When a promise is due if nobody said (docs/domain.md, "Follow-through").

Every promise made to a customer has a due date: the one given, or else a
configured number of working days after the day it was made, counted on the
business calendar (`promise_due_working_days`, read by ledger/config.py). The
date is worked out once, when the promise is recorded, and stored on it, so a
later change of the calendar or of the setting leaves it where it was.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from ledger.domain.sla.calendar import BusinessCalendar
from ledger.errors import RuleViolationError

# One working week, when the configuration does not say otherwise.
DEFAULT_PROMISE_WORKING_DAYS = 5


def check_due(due: date, made_at: datetime, calendar: BusinessCalendar) -> None:
    """A promise falls due on or after the (local) day it is made: one due before
    would be late the moment it is recorded."""
    made_on = made_at.astimezone(calendar.timezone).date()
    if due < made_on:
        raise RuleViolationError(
            f"due date {due} is before the promise was made ({made_on}): "
            "give a due date on or after the day it is made (check --due and --at)"
        )


def promise_due(made_at: datetime, working_days: int, calendar: BusinessCalendar) -> date:
    """The due date of a promise made at `made_at` without one: the `working_days`-th
    working day after the local date it was made (a promise made on Friday with
    3 working days is due on Wednesday; a holiday in between is skipped)."""
    if working_days < 1:
        raise ValueError(f"working_days must be at least 1, got {working_days}")
    day = made_at.astimezone(calendar.timezone).date()
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
    return day
