"""The `[calendar]` table of the configuration: working days and hours, holidays
(dates, and/or a country's public holidays) and make-up working days, as read and
validated, and as stamped on a case when it opens (docs/domain.md, "Service rules
(SLA)")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_HOURS = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


@dataclass(frozen=True)
class CalendarConfig:
    """What the `[calendar]` table of the configuration says (defaults: docs/domain.md,
    "Service rules (SLA)").

    `working_days` are weekday numbers (Monday is 0); `working_hours` are local
    wall-clock periods in order; `makeup_days` are dates worked although they
    fall on a non-working weekday.
    """

    working_days: frozenset[int] = frozenset(range(5))
    working_hours: tuple[tuple[time, time], ...] = (
        (time(9), time(12)),
        (time(13), time(18)),
    )
    holidays: frozenset[date] = field(default_factory=frozenset)
    country: str | None = None
    subdivision: str | None = None
    makeup_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.working_days:
            raise InvalidInputError(
                'calendar.working_days is empty: name at least one day, e.g. ["mon", "fri"]'
            )
        if not self.working_hours:
            raise InvalidInputError(
                'calendar.working_hours is empty: give periods like ["09:00-12:00"]'
            )
        previous_end: time | None = None
        for start, end in self.working_hours:
            if start >= end:
                raise InvalidInputError(
                    f"calendar.working_hours: {start:%H:%M}-{end:%H:%M} ends before it starts"
                )
            if previous_end is not None and start < previous_end:
                raise InvalidInputError(
                    f"calendar.working_hours: {start:%H:%M}-{end:%H:%M} overlaps or precedes "
                    "the period before it: list periods in order, without overlap"
                )
            previous_end = end
        both = sorted(self.holidays & self.makeup_days)
        if both:
            raise InvalidInputError(
                f"calendar: {both[0].isoformat()} is both in holidays and in makeup_days: "
                "keep it in one list"
            )
        if self.subdivision is not None and self.country is None:
            raise InvalidInputError(
                "calendar.subdivision needs calendar.country: name the country too"
            )


def parse_calendar_config(table: object) -> CalendarConfig:
    """Read the `[calendar]` table; every mistake is one line naming the key."""
    if table is None:
        return CalendarConfig()
    if not isinstance(table, Mapping):
        raise InvalidInputError("calendar must be a table: write it as [calendar] with keys below")
    known = {"working_days", "working_hours", "holidays", "country", "subdivision", "makeup_days"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InvalidInputError(
            f"calendar.{unknown[0]} is not a calendar setting: use {', '.join(sorted(known))}"
        )
    defaults = CalendarConfig()
    return CalendarConfig(
        working_days=(
            _weekdays(table["working_days"]) if "working_days" in table else defaults.working_days
        ),
        working_hours=(
            _periods(table["working_hours"]) if "working_hours" in table else defaults.working_hours
        ),
        holidays=_dates(table.get("holidays", []), "calendar.holidays"),
        country=_code(table.get("country"), "calendar.country", upper=True),
        subdivision=_code(table.get("subdivision"), "calendar.subdivision", upper=False),
        makeup_days=_dates(table.get("makeup_days", []), "calendar.makeup_days"),
    )


def calendar_record(config: CalendarConfig, timezone: ZoneInfo) -> dict[str, object]:
    """A calendar as plain JSON-able values in the `[calendar]` table's terms, with
    its time zone: what a case is stamped with when it opens."""
    return {
        "timezone": str(timezone),
        "working_days": [WEEKDAYS[day] for day in sorted(config.working_days)],
        "working_hours": [f"{s:%H:%M}-{e:%H:%M}" for s, e in config.working_hours],
        "holidays": sorted(day.isoformat() for day in config.holidays),
        "country": config.country,
        "subdivision": config.subdivision,
        "makeup_days": sorted(day.isoformat() for day in config.makeup_days),
    }


def _weekdays(value: object) -> frozenset[int]:
    hint = 'a list of day names such as ["mon", "tue", "wed", "thu", "fri"]'
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInputError(f"calendar.working_days must be {hint}")
    days: set[int] = set()
    for name in value:
        key = name.strip().lower()
        if key in WEEKDAYS:
            days.add(WEEKDAYS.index(key))
        elif key in FULL_WEEKDAYS:
            days.add(FULL_WEEKDAYS.index(key))
        else:
            raise InvalidInputError(f"calendar.working_days: {name!r} is not a day: use {hint}")
    return frozenset(days)


def _periods(value: object) -> tuple[tuple[time, time], ...]:
    hint = 'a list of "HH:MM-HH:MM" periods such as ["09:00-12:00", "13:00-18:00"]'
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInputError(f"calendar.working_hours must be {hint}")
    periods = []
    for text in value:
        match = _HOURS.match(text)
        try:
            if match is None:
                raise ValueError(text)
            periods.append((_clock(match[1]), _clock(match[2])))
        except ValueError:
            raise InvalidInputError(
                f"calendar.working_hours: {text!r} is not a period: use {hint}"
            ) from None
    return tuple(periods)


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _dates(value: object, key: str) -> frozenset[date]:
    hint = 'a list of dates such as ["2026-10-01", "2026-10-02"]'
    if not isinstance(value, list):
        raise InvalidInputError(f"{key} must be {hint}")
    days: set[date] = set()
    for item in value:
        days.add(_date(item, key, hint))
    return frozenset(days)


def _date(item: Any, key: str, hint: str) -> date:
    # TOML has a native date type; a quoted ISO date is accepted as well.
    if isinstance(item, date) and not isinstance(item, datetime):
        return item
    if isinstance(item, str):
        try:
            return date.fromisoformat(item.strip())
        except ValueError:
            pass
    raise InvalidInputError(f"{key}: {item!r} is not a date: use {hint}")


def _code(value: object, key: str, *, upper: bool) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f'{key} must be a code such as "CN" (or left out)')
    return value.strip().upper() if upper else value.strip()
