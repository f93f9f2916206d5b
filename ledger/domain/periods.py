"""Reporting periods in the ledger's time zone: a week (Monday to Sunday) or a
calendar month, and the period before it (docs/domain.md, "Reports")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger.domain.sla.months import Month
from ledger.errors import InvalidInputError

PERIODS = ("week", "month")


@dataclass(frozen=True)
class Period:
    """One week or month: its first local day and the first day after it."""

    kind: str
    first: date
    after: date

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The week (starting on Monday) or month that holds the local date `day`."""
        if kind == "week":
            monday = day - timedelta(days=day.weekday())
            return cls(kind, monday, monday + timedelta(days=7))
        if kind == "month":
            month = Month(day.year, day.month)
            following = month.next()
            return cls(kind, date(day.year, day.month, 1), date(following.year, following.month, 1))
        raise InvalidInputError(f"--period {kind!r} is not a period: use week or month")

    def previous(self) -> Period:
        """The period just before this one (a month before a month: lengths differ)."""
        return Period.containing(self.kind, self.first - timedelta(days=1))

    def start(self, timezone: ZoneInfo) -> datetime:
        """The first moment of the period in `timezone`, in UTC."""
        return _midnight(self.first, timezone)

    def end(self, timezone: ZoneInfo) -> datetime:
        """The first moment after the period in `timezone`, in UTC."""
        return _midnight(self.after, timezone)

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.first:%Y-%m}"
        last = self.after - timedelta(days=1)
        return f"week {self.first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone).astimezone(UTC)
