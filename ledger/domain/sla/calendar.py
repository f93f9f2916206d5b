"""The business calendar SLA clocks run on: working days and hours in the
ledger's time zone, minus holidays, plus make-up working days (its settings are
`calendar_config`'s).

Everything here is pure. Moments go in tz-aware and come out in UTC. Deadlines
are walked day by day over each date's working periods (cached per date), so a
deadline months away costs a few hundred dictionary lookups, not a minute-by-
minute scan; elapsed time between two moments reads the whole days between
them from running totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from ledger.domain.sla.calendar_config import CalendarConfig, calendar_record, parse_calendar_config
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from holidays import HolidayBase

    from ledger.config import Settings

Period = tuple[datetime, datetime]
Pause = tuple[datetime, datetime | None]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


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
        self._first = 0  # the ordinal of the first date of `_totals`
        self._totals: list[timedelta] = []
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
        elapsed = self._overlap(first_day, begin, finish)
        if last_day > first_day:
            elapsed += self._overlap(last_day, begin, finish)
            elapsed += self._whole_days(first_day + _ONE_DAY, last_day - _ONE_DAY)
        return elapsed

    def _overlap(self, day: date, begin: datetime, finish: datetime) -> timedelta:
        """The working time of one date between two moments."""
        elapsed = _ZERO
        for period_start, period_end in self._day(day).periods:
            overlap = min(period_end, finish) - max(period_start, begin)
            if overlap > _ZERO:
                elapsed += overlap
        return elapsed

    def _whole_days(self, first: date, last: date) -> timedelta:
        """The working time of the dates from `first` to `last`, both whole.

        Read from running totals by date (`_totals[i]`: the dates from `_first`
        up to the i-th after it, excluded), so a clock open for months costs two
        lookups, not one per day: the breaches list evaluates thousands."""
        if last < first:
            return _ZERO
        low, high = first.toordinal(), last.toordinal()
        if not self._totals or low < self._first:
            known = self._first + len(self._totals) - 2 if self._totals else high
            self._first, self._totals = low, [_ZERO]
            self._extend_totals(max(high, known))
        elif high - self._first >= len(self._totals) - 1:
            self._extend_totals(high)
        return self._totals[high - self._first + 1] - self._totals[low - self._first]

    def _extend_totals(self, high: int) -> None:
        totals = self._totals
        for ordinal in range(self._first + len(totals) - 1, high + 1):
            totals.append(totals[-1] + self._day(date.fromordinal(ordinal)).total)

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
