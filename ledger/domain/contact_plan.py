"""The contact plan of a key person (docs/domain.md, "Follow-through"): who of our
staff is their counterpart, how often they should be contacted, and when the
next contact is due.

The rule, owned here and nowhere else:

- a plan's next contact is the date planned with it (`--next`), if one was given
  and no contact with the person has happened since it was planned;
- otherwise each contact involving the person (a logged contact naming them, a
  visit report that met them) moves it on to that contact's date plus the
  frequency: the latest contact counts;
- a person with a frequency but no contact yet is due on the day the plan was
  first set;
- a key person past their next-contact date is work owed by their counterpart.

Whether a contact came "since" the planned date was set is decided by the
moments (not the days) they happened, so the choice does not depend on the time
zone; only the resulting date is read in the ledger's time zone. The state is a
plain dict of ISO texts (`new_state`, `plan_set`, `contact_made`), so the
aggregate, the 360 document and the contact-plan view all keep it the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInputError

# A frequency longer than a year is not a plan of contact: it is a typo.
MAX_EVERY_DAYS = 365
_UNIT_DAYS = {"d": 1, "w": 7}
_FREQUENCY = re.compile(r"^\s*(\d{1,6})\s*([dw])\s*$", re.IGNORECASE)

State = dict[str, Any]


def parse_frequency(text: str) -> int:
    """Days between contacts from `30d` or `2w`; one line for anything else."""
    match = _FREQUENCY.match(text)
    if match is None:
        raise InvalidInputError(
            f"--every {text!r} is not a frequency: give a number of days or weeks, e.g. 30d or 2w"
        )
    days = int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()]
    check_frequency(days, text)
    return days


def check_frequency(days: int, text: str | None = None) -> None:
    shown = text if text is not None else f"{days}d"
    if days < 1:
        raise InvalidInputError(f"--every {shown!r} is no frequency: contact at least every 1d")
    if days > MAX_EVERY_DAYS:
        raise InvalidInputError(
            f"--every {shown!r} is too long: a contact plan is at most every {MAX_EVERY_DAYS}d"
        )


@dataclass(frozen=True)
class ContactPlan:
    every_days: int
    since: datetime  # when the plan was first set
    planned: date | None  # the date last given explicitly
    planned_at: datetime | None  # when that date was given
    last_contact: datetime | None  # the latest contact involving the person

    def next_contact(self, tz: ZoneInfo) -> date:
        """The date the next contact is due, read in `tz`."""
        contacted = self.last_contact
        # No contact since the date was planned: the planned date stands.
        if self.planned is not None and (
            contacted is None or self.planned_at is None or contacted <= self.planned_at
        ):
            return self.planned
        if contacted is not None:
            return contacted.astimezone(tz).date() + timedelta(days=self.every_days)
        return self.since.astimezone(tz).date()

    def overdue_days(self, tz: ZoneInfo, today: date) -> int:
        """Days past the next contact date on `today` (0 when not overdue)."""
        return max(0, (today - self.next_contact(tz)).days)


# --------------------------------------------------------- state, as plain data
def new_state() -> State:
    return {
        "every_days": None,
        "since": None,
        "planned": None,
        "planned_at": None,
        "last_contact": None,
    }


def plan_set(state: State, every_days: int, next_contact: str | None, at: str) -> None:
    """A plan was set at `at` (ISO time): the frequency, and a date if one was given
    (none given keeps counting from the contacts, or from the date given before)."""
    state["every_days"] = every_days
    if state["since"] is None:
        state["since"] = at
    if next_contact is not None:
        state["planned"] = next_contact
        state["planned_at"] = at


def contact_made(state: State, at: str) -> None:
    """A contact involving the person happened at `at` (ISO time, UTC)."""
    if state["last_contact"] is None or at > state["last_contact"]:
        state["last_contact"] = at


def plan_of(state: State | None) -> ContactPlan | None:
    """The plan the state holds; None when no plan was ever set."""
    if state is None or state.get("every_days") is None:
        return None
    return ContactPlan(
        every_days=int(state["every_days"]),
        since=_time(state["since"]),
        planned=date.fromisoformat(state["planned"]) if state.get("planned") else None,
        planned_at=_time(state["planned_at"]) if state.get("planned_at") else None,
        last_contact=_time(state["last_contact"]) if state.get("last_contact") else None,
    )


def _time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
