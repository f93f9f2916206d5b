"""Reporting periods (weeks from Monday, calendar months, the period before) and the
pipeline's totals, which never add different currencies (docs/domain.md, "Reports")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ledger.domain.periods import Period
from ledger.domain.pipeline import stage_rank, totals
from ledger.errors import InvalidInputError


def test_a_week_runs_from_monday_to_sunday_and_the_one_before_across_a_year_end() -> None:
    week = Period.containing("week", date(2027, 1, 3))  # a Sunday

    assert (week.first, week.after) == (date(2026, 12, 28), date(2027, 1, 4))
    assert week.previous() == Period("week", date(2026, 12, 21), date(2026, 12, 28))
    assert str(week) == "week 2026-12-28 to 2027-01-03"


def test_the_month_before_march_is_february_whatever_their_lengths() -> None:
    march = Period.containing("month", date(2026, 3, 31))

    assert march.previous() == Period("month", date(2026, 2, 1), date(2026, 3, 1))
    assert str(march.previous()) == "2026-02"
    assert Period.containing("month", date(2026, 1, 15)).previous().first == date(2025, 12, 1)


def test_a_period_starts_at_local_midnight() -> None:
    april = Period.containing("month", date(2026, 4, 9))

    assert april.start(ZoneInfo("Asia/Shanghai")) == datetime(2026, 3, 31, 16, tzinfo=UTC)
    assert april.end(ZoneInfo("Asia/Shanghai")) == datetime(2026, 4, 30, 16, tzinfo=UTC)


def test_an_unknown_period_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="--period 'day' is not a period"):
        Period.containing("day", date(2026, 4, 9))


@dataclass
class Deal:
    stage: str
    value: str | None
    currency: str | None


def test_totals_count_every_item_and_add_values_per_currency_only() -> None:
    deals = [
        Deal("proposal", "100.10", "CNY"),
        Deal("proposal", "0.90", "CNY"),
        Deal("proposal", "5.00", "USD"),
        Deal("proposal", None, None),
        Deal("lead", None, None),
    ]

    found = {t.key: t for t in totals(deals, lambda d: d.stage)}

    assert found["proposal"].count == 4
    assert found["proposal"].values == {"CNY": Decimal("101.00"), "USD": Decimal("5.00")}
    assert found["proposal"].value_text() == "101.00 CNY; 5.00 USD"
    assert (found["lead"].count, found["lead"].value_text()) == (1, "")


def test_leads_come_before_every_sales_stage() -> None:
    stages = ["contracting", "lead", "proposal", "qualification"]

    assert sorted(stages, key=stage_rank) == ["lead", "qualification", "proposal", "contracting"]
