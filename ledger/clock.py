"""Times as people type them, and the rule that nothing happens in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInputError, OccurredInFutureError

FORMAT_HINT = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM (optionally with a UTC offset)"
# The dates the ledger reads: wide enough for any relationship's history and any
# promise, and narrow enough that every date, moved into any time zone or some
# working days on, is still a date that can be held (year 1 and year 9999 are not).
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def now() -> datetime:
    return datetime.now(UTC)


def parse_time(text: str, timezone: ZoneInfo, *, what: str = "time") -> datetime:
    """Parse an ISO date or date-time; a time without an offset is in `timezone`."""
    cleaned = text.strip()
    if cleaned.lower() == "now":
        return now()
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInputError(f"{what} {text!r} is not a date or time: {FORMAT_HINT}") from None
    check_in_range(parsed.date(), what, text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone)
    return parsed.astimezone(UTC)


def parse_date(text: str, *, what: str = "date") -> date:
    try:
        parsed = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"{what} {text!r} is not a date: use YYYY-MM-DD") from None
    check_in_range(parsed, what, text)
    return parsed


def check_in_range(day: date, what: str, text: str) -> None:
    """Refuse a date outside the years the ledger reads (`EARLIEST` to `LATEST`)."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInputError(
            f"{what} {text!r} is outside the dates the ledger reads: "
            f"give one from {EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d}"
        )


def check_not_future(occurred_at: datetime, skew: timedelta) -> None:
    limit = now() + skew
    if occurred_at > limit:
        raise OccurredInFutureError(
            f"--at {occurred_at:%Y-%m-%d %H:%M} UTC is in the future: record what has "
            "happened, with a time up to now"
        )
