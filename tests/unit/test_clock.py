"""Times as people type them, and the rule that nothing is recorded in the future."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ledger.clock import check_not_future, now, parse_date, parse_time
from ledger.errors import InvalidInputError, OccurredInFutureError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_time_without_an_offset_is_in_the_ledgers_time_zone() -> None:
    assert parse_time("2024-03-04T10:30", SHANGHAI) == datetime(2024, 3, 4, 2, 30, tzinfo=UTC)


def test_a_time_with_an_offset_keeps_its_own_offset() -> None:
    parsed = parse_time("2024-03-04T10:30+02:00", SHANGHAI)

    assert parsed == datetime(2024, 3, 4, 8, 30, tzinfo=UTC)
    assert parsed.tzinfo == UTC


def test_a_date_alone_is_midnight_in_the_ledgers_time_zone() -> None:
    assert parse_time("2024-03-04", SHANGHAI) == datetime(2024, 3, 3, 16, 0, tzinfo=UTC)


def test_now_may_be_typed_as_a_word() -> None:
    before = now()

    parsed = parse_time(" NOW ", SHANGHAI)

    assert before <= parsed <= now()


@pytest.mark.parametrize("typed", ["yesterday", "2024-13-01", "04/03/2024", ""])
def test_an_unreadable_time_says_which_formats_work(typed: str) -> None:
    with pytest.raises(InvalidInputError, match=f"--at '{typed}' is not a date or time: use YYYY"):
        parse_time(typed, SHANGHAI, what="--at")


def test_a_date_is_read_as_iso() -> None:
    assert parse_date(" 2024-03-08 ") == date(2024, 3, 8)


def test_an_unreadable_date_says_how_to_write_one() -> None:
    with pytest.raises(InvalidInputError, match="--due '8 March' is not a date: use YYYY-MM-DD"):
        parse_date("8 March", what="--due")


def test_a_time_within_the_clock_skew_is_not_the_future() -> None:
    check_not_future(now() + timedelta(minutes=4), timedelta(minutes=5))


def test_a_time_beyond_the_clock_skew_is_refused() -> None:
    with pytest.raises(OccurredInFutureError, match="is in the future"):
        check_not_future(now() + timedelta(minutes=6), timedelta(minutes=5))
