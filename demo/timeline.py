"""When the demo's year runs: it ends at the start of the day it is loaded, and
the leaver leaves part-way through."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger.domain.sla.calendar import BusinessCalendar

HISTORY_DAYS = 365
LEAVER_LAST_DAY = 150  # days before the history ends


def history_end(today: date, timezone: ZoneInfo) -> datetime:
    """The history runs up to the start of `today`: everything lies in the past, and
    one day's runs tell exactly the same stories."""
    return datetime.combine(today, time(0), timezone)


def leaver_last_day(end: datetime, calendar: BusinessCalendar) -> date:
    """The leaver's last day: the last working day `LEAVER_LAST_DAY` days or more
    before the history ends."""
    day = end.date() - timedelta(days=LEAVER_LAST_DAY)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day
