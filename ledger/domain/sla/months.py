"""Calendar months in the ledger's time zone: the period of visit coverage and of
the monthly reports (docs/domain.md, "Service rules (SLA)")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ledger.clock import check_in_range
from ledger.errors import InvalidInputError


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-03`; anything else is a usage error naming the option."""
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise InvalidInputError(f"--month {text!r} is not a month: use YYYY-MM, e.g. 2026-03")
        # A month's end and the month after must be dates too (year 9999 has none after).
        check_in_range(date(int(match[1]), int(match[2]), 1), "--month", text)
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, moment: datetime, timezone: ZoneInfo) -> Month:
        local = moment.astimezone(timezone)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def start(self, timezone: ZoneInfo) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone).astimezone(UTC)

    def end(self, timezone: ZoneInfo) -> datetime:
        return self.next().start(timezone)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
