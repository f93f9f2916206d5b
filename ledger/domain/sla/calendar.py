"""The business calendar SLA clocks run on: working days and hours in the
ledger's time zone, minus holidays, plus make-up working days.

Everything here is pure. Moments go in tz-aware and come out in UTC. Durations
are walked day by day over each date's working periods (cached per date), so a
deadline months away costs a few hundred dictionary lookups, not a minute-by-
minute scan.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from holidays import HolidayBase

    from ledger.config import Settings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

Period = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]

_HOURS = re.compile(r"^\s*(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


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


class _WorkingDay(NamedTuple):
    periods: tuple[Period, ...]
    total: timedelta


class _CountryYear(NamedTuple):
    holidays: frozenset[date]
    workdays: frozenset[date]


class BusinessCalendar:
    """Working time in one time zone; answers deadlines and elapsed business time.

    A deadline is the earliest moment at which the requested business time has
    elapsed, so it can be the end of a working period (12:00, 18:00) but never
    the start of the next one.
    """

    def __init__(
        self, config: CalendarConfig | None = None, timezone: ZoneInfo | None = None
    ) -> None:
        self.config = config or CalendarConfig()
        self.timezone = timezone or ZoneInfo("UTC")
        self._days: dict[date, _WorkingDay] = {}
        self._country_years: dict[int, _CountryYear] = {}
        if self.config.country is not None:
            # Fail now, with the key named, rather than on the first deadline.
            self._load_country(years=())

    @classmethod
    def from_settings(cls, settings: Settings) -> BusinessCalendar:
        return cls(settings.calendar, settings.timezone)

    def as_record(self) -> dict[str, object]:
        """The calendar as plain JSON-able values, for stamping on a case."""
        return calendar_record(self.config, self.timezone)

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> BusinessCalendar:
        """The inverse of `as_record`."""
        table = {key: value for key, value in record.items() if value is not None}
        timezone = table.pop("timezone", "UTC")
        return cls(parse_calendar_config(table), ZoneInfo(str(timezone)))

    @property
    def working_day_length(self) -> timedelta:
        """Business time in one ordinary working day (8 hours by default)."""
        anchor = date(2000, 1, 1)
        return sum(
            (
                datetime.combine(anchor, end) - datetime.combine(anchor, start)
                for start, end in self.config.working_hours
            ),
            _ZERO,
        )

    def is_working_day(self, day: date) -> bool:
        """Configured dates win over the country's, and both over the weekday."""
        if day in self.config.makeup_days:
            return True
        if day in self.config.holidays:
            return False
        if self.config.country is not None:
            country = self._country_year(day.year)
            if day in country.workdays:
                return True
            if day in country.holidays:
                return False
        return day.weekday() in self.config.working_days

    def working_periods(self, day: date) -> tuple[Period, ...]:
        """The working periods of a local date, as UTC moments (empty on a day off)."""
        return self._day(day).periods

    def is_working_time(self, moment: datetime) -> bool:
        """Whether the clock runs at `moment` (a period's start counts, its end does not)."""
        utc = _as_utc(moment, "moment")
        return any(start <= utc < end for start, end in self._day(self._local_date(utc)).periods)

    def next_working_time(self, moment: datetime) -> datetime:
        """`moment` itself if the clock runs then, else the start of the next period."""
        utc = _as_utc(moment, "moment")
        day = self._local_date(utc)
        while True:
            for start, end in self._day(day).periods:
                if utc < end:
                    return max(start, utc)
            day += _ONE_DAY

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: the earliest moment by which `duration` of business time
        has elapsed since `start`."""
        cursor = _as_utc(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        remaining = duration
        if remaining == _ZERO:
            return cursor
        day = self._local_date(cursor)
        first = True
        while True:
            working_day = self._day(day)
            if not first and remaining > working_day.total:
                remaining -= working_day.total
            else:
                for period_start, period_end in working_day.periods:
                    if period_end <= cursor:
                        continue
                    begin = max(period_start, cursor)
                    available = period_end - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            first = False
            day += _ONE_DAY

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """The deadline `days` ordinary working days of business time after `start`."""
        return self.add_business_time(start, self.working_day_length * days)

    def business_time_between(
        self, start: datetime, end: datetime, *, pauses: Iterable[Pause] = ()
    ) -> timedelta:
        """Business time elapsed from `start` to `end` (zero if `end` is not later),
        not counting time inside `pauses`; a pause without an end lasts past `end`."""
        begin = _as_utc(start, "start")
        finish = _as_utc(end, "end")
        if finish <= begin:
            return _ZERO
        elapsed = self._between(begin, finish)
        for pause_start, pause_end in _merged(pauses, begin):
            if pause_start >= finish:
                break
            until = finish if pause_end is None else min(pause_end, finish)
            elapsed -= self._between(pause_start, until)
        return elapsed

    def deadline_with_pauses(
        self, start: datetime, duration: timedelta, pauses: Iterable[Pause]
    ) -> datetime | None:
        """The deadline when the clock stops during `pauses`: each pause that begins
        before the deadline moves it by exactly the business time it covered.

        None while a pause that began before the deadline is still open: the
        clock is stopped, so there is no deadline yet.
        """
        cursor = _as_utc(start, "start")
        if duration < _ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        remaining = duration
        for pause_start, pause_end in _merged(pauses, cursor):
            running = self._between(cursor, pause_start)
            if remaining <= running:
                break
            remaining -= running
            if pause_end is None:
                return None
            cursor = pause_end
        return self.add_business_time(cursor, remaining)

    def _between(self, begin: datetime, finish: datetime) -> timedelta:
        if finish <= begin:
            return _ZERO
        first_day = self._local_date(begin)
        last_day = self._local_date(finish)
        elapsed = _ZERO
        day = first_day
        while day <= last_day:
            working_day = self._day(day)
            if first_day < day < last_day:
                elapsed += working_day.total
            else:
                for period_start, period_end in working_day.periods:
                    overlap = min(period_end, finish) - max(period_start, begin)
                    if overlap > _ZERO:
                        elapsed += overlap
            day += _ONE_DAY
        return elapsed

    def _local_date(self, utc: datetime) -> date:
        return utc.astimezone(self.timezone).date()

    def _day(self, day: date) -> _WorkingDay:
        cached = self._days.get(day)
        if cached is None:
            cached = self._days[day] = self._build_day(day)
        return cached

    def _build_day(self, day: date) -> _WorkingDay:
        if not self.is_working_day(day):
            return _WorkingDay((), _ZERO)
        periods = []
        for local_start, local_end in self.config.working_hours:
            start = datetime.combine(day, local_start, tzinfo=self.timezone).astimezone(UTC)
            end = datetime.combine(day, local_end, tzinfo=self.timezone).astimezone(UTC)
            # A daylight-saving jump can swallow a period whole; it then holds no time.
            if start < end:
                periods.append((start, end))
        return _WorkingDay(tuple(periods), sum((end - start for start, end in periods), _ZERO))

    def _country_year(self, year: int) -> _CountryYear:
        cached = self._country_years.get(year)
        if cached is None:
            cached = self._country_years[year] = self._load_country_year(year)
        return cached

    def _load_country_year(self, year: int) -> _CountryYear:
        observed = self._load_country(years=(year,))
        # The library also knows official make-up days (CN works some Saturdays).
        return _CountryYear(frozenset(observed.keys()), frozenset(observed.weekend_workdays))

    def _load_country(self, years: tuple[int, ...]) -> HolidayBase:
        # Imported here: the library takes ~0.1 s to load and most commands never need it.
        import holidays

        country = self.config.country
        assert country is not None
        try:
            return holidays.country_holidays(country, subdiv=self.config.subdivision, years=years)
        except NotImplementedError:
            subdivisions = holidays.list_supported_countries().get(country)
            if subdivisions is None:
                raise InvalidInputError(
                    f"calendar.country {country!r} has no public-holiday data: use an ISO 3166 "
                    "country code such as CN, US or DE"
                ) from None
            choice = f"use one of {', '.join(subdivisions)}" if subdivisions else "leave it out"
            raise InvalidInputError(
                f"calendar.subdivision {self.config.subdivision!r} is not a subdivision of "
                f"{country}: {choice}"
            ) from None


def _as_utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be time-zone aware, got {moment.isoformat()}")
    return moment.astimezone(UTC)


def _merged(pauses: Iterable[Pause], start: datetime) -> list[Pause]:
    """Pauses in UTC, clipped to begin no earlier than `start`, overlaps joined,
    in order; an open pause swallows everything after it."""
    clipped: list[Pause] = []
    for pause_start, pause_end in pauses:
        begin = max(_as_utc(pause_start, "pause start"), start)
        finish = None if pause_end is None else _as_utc(pause_end, "pause end")
        if finish is not None and finish <= begin:
            continue
        clipped.append((begin, finish))
    clipped.sort(key=lambda pause: pause[0])
    merged: list[Pause] = []
    for begin, finish in clipped:
        if merged:
            last_begin, last_finish = merged[-1]
            if last_finish is None:
                break
            if begin <= last_finish:
                later = None if finish is None else max(finish, last_finish)
                merged[-1] = (last_begin, later)
                continue
        merged.append((begin, finish))
    return merged


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
