"""The contact-plan rule (docs/domain.md, "Follow-through"): the planned date,
moved on by each contact with the person to that contact's date plus the
frequency; due from the plan's date when there has been no contact."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from ledger.domain.contact_plan import (
    ContactPlan,
    contact_made,
    new_state,
    parse_frequency,
    plan_of,
    plan_set,
)
from ledger.errors import InvalidInputError

UTC = ZoneInfo("UTC")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def planned(every: int, next_contact: str | None, at: str) -> dict[str, object]:
    state = new_state()
    plan_set(state, every, next_contact, at)
    return state


def next_of(state: dict[str, object], tz: ZoneInfo = UTC) -> date:
    plan = plan_of(state)
    assert plan is not None
    return plan.next_contact(tz)


def test_without_a_plan_there_is_no_next_contact() -> None:
    state = new_state()
    contact_made(state, "2026-01-10T09:00:00+00:00")

    assert plan_of(state) is None


def test_the_planned_date_stands_until_someone_contacts_the_person() -> None:
    state = planned(30, "2026-02-01", "2026-01-10T09:00:00+00:00")

    assert next_of(state) == date(2026, 2, 1)


def test_a_contact_after_planning_moves_the_date_on_by_the_frequency() -> None:
    state = planned(30, "2026-02-01", "2026-01-10T09:00:00+00:00")

    contact_made(state, "2026-01-15T14:00:00+00:00")

    assert next_of(state) == date(2026, 2, 14)


def test_a_contact_before_the_date_was_planned_leaves_the_planned_date() -> None:
    state = new_state()
    contact_made(state, "2026-01-09T09:00:00+00:00")

    plan_set(state, 30, "2026-03-01", "2026-01-10T09:00:00+00:00")

    assert next_of(state) == date(2026, 3, 1)


def test_without_a_date_the_plan_counts_from_the_last_contact() -> None:
    state = new_state()
    contact_made(state, "2026-01-05T09:00:00+00:00")
    contact_made(state, "2025-12-01T09:00:00+00:00")  # recorded late, happened earlier

    plan_set(state, 60, None, "2026-01-10T09:00:00+00:00")

    assert next_of(state) == date(2026, 3, 6)


def test_a_person_never_contacted_is_due_from_the_day_the_plan_was_set() -> None:
    state = planned(30, None, "2026-01-10T09:00:00+00:00")
    plan_set(state, 45, None, "2026-01-20T09:00:00+00:00")  # a later change of frequency

    assert next_of(state) == date(2026, 1, 10)


def test_the_date_is_read_in_the_ledgers_time_zone() -> None:
    state = planned(10, None, "2026-01-01T00:00:00+00:00")
    contact_made(state, "2026-01-05T20:00:00+00:00")  # 6 January, 04:00 in Shanghai

    assert (next_of(state, UTC), next_of(state, SHANGHAI)) == (date(2026, 1, 15), date(2026, 1, 16))


def test_overdue_counts_the_days_past_the_next_contact() -> None:
    plan = plan_of(planned(30, "2026-02-01", "2026-01-10T09:00:00+00:00"))
    assert isinstance(plan, ContactPlan)

    assert [plan.overdue_days(UTC, date(2026, 2, d)) for d in (1, 2, 11)] == [0, 1, 10]


@pytest.mark.parametrize(("text", "days"), [("30d", 30), ("2w", 14), ("1d", 1), (" 52W ", 364)])
def test_frequencies_in_days_or_weeks(text: str, days: int) -> None:
    assert parse_frequency(text) == days


@pytest.mark.parametrize("text", ["0d", "0w", "-3d", "30", "monthly", "3m", "366d", "53w", ""])
def test_nonsense_frequencies_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--every"):
        parse_frequency(text)
