"""The business calendar, on cases computed by hand.

Dates used below: 2026-11-20 is a Friday, 2026-11-23 a Monday; 2026-09-30 is
the Wednesday before China's National Day week (1-7 October 2026).
"""

from __future__ import annotations

import re
import time as stopwatch
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.config import load_settings
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.calendar_config import CalendarConfig, parse_calendar_config
from ledger.errors import InvalidInputError

SHANGHAI = ZoneInfo("Asia/Shanghai")
FOUR_HOURS = timedelta(hours=4)
TEN_MINUTES = timedelta(minutes=10)


def at(text: str, zone: ZoneInfo | None = None) -> datetime:
    """A wall-clock time such as "2026-11-20 16:30", in `zone` (UTC by default)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone or UTC)


def calendar(**config: object) -> BusinessCalendar:
    return BusinessCalendar(parse_calendar_config(config))


# The cases of issue 3 and docs/domain.md, "Business calendar"


def test_complaint_filed_friday_afternoon_is_due_monday_late_morning() -> None:
    business = BusinessCalendar()

    due = business.add_business_time(at("2026-11-20 16:30"), FOUR_HOURS)

    assert due == at("2026-11-23 11:30")


def test_complaint_filed_friday_afternoon_is_due_tuesday_when_monday_is_a_holiday() -> None:
    business = calendar(holidays=["2026-11-23"])

    due = business.add_business_time(at("2026-11-20 16:30"), FOUR_HOURS)

    assert due == at("2026-11-24 11:30")


def test_inquiry_received_just_before_lunch_is_due_just_after_lunch() -> None:
    business = BusinessCalendar()

    due = business.add_business_time(at("2026-11-24 11:55"), TEN_MINUTES)

    assert due == at("2026-11-24 13:05")


def test_inquiry_received_on_saturday_is_due_monday_ten_past_nine() -> None:
    business = BusinessCalendar()

    due = business.add_business_time(at("2026-11-21 15:00"), TEN_MINUTES)

    assert due == at("2026-11-23 09:10")


def test_a_makeup_sunday_counts_as_a_working_day() -> None:
    business = calendar(makeup_days=["2026-11-22"])

    due = business.add_business_time(at("2026-11-20 16:30"), FOUR_HOURS)

    assert business.is_working_day(date(2026, 11, 22))
    assert due == at("2026-11-22 11:30")


# Pauses (a complaint waiting on the customer)


def test_a_pause_of_two_business_hours_moves_the_deadline_two_business_hours_later() -> None:
    business = BusinessCalendar()
    filed = at("2026-11-23 09:00")  # due 14:00 without the pause
    pauses = [(at("2026-11-23 10:00"), at("2026-11-23 12:00"))]

    due = business.deadline_with_pauses(filed, FOUR_HOURS, pauses)

    assert due == at("2026-11-23 16:00")


def test_a_pause_over_the_weekend_moves_the_deadline_by_no_more_than_its_business_time() -> None:
    business = BusinessCalendar()
    filed = at("2026-11-20 16:30")  # due Monday 11:30 without the pause
    weekend_only = [(at("2026-11-21 10:00"), at("2026-11-22 20:00"))]
    friday_evening_to_monday = [(at("2026-11-20 17:30"), at("2026-11-23 09:30"))]

    due_after_weekend_pause = business.deadline_with_pauses(filed, FOUR_HOURS, weekend_only)
    due_after_long_pause = business.deadline_with_pauses(
        filed, FOUR_HOURS, friday_evening_to_monday
    )

    assert due_after_weekend_pause == at("2026-11-23 11:30")
    # 30 business minutes on Friday and 30 on Monday were paused: one hour later.
    assert due_after_long_pause == at("2026-11-23 13:30")


def test_a_complaint_still_paused_has_no_deadline() -> None:
    business = BusinessCalendar()

    due = business.deadline_with_pauses(
        at("2026-11-23 09:00"), FOUR_HOURS, [(at("2026-11-23 10:00"), None)]
    )

    assert due is None


def test_a_pause_from_the_deadline_on_does_not_move_it() -> None:
    business = BusinessCalendar()
    filed = at("2026-11-23 09:00")  # due 14:00

    due_paused_later = business.deadline_with_pauses(
        filed, FOUR_HOURS, [(at("2026-11-23 15:00"), None)]
    )
    due_paused_at_deadline = business.deadline_with_pauses(
        filed, FOUR_HOURS, [(at("2026-11-23 14:00"), at("2026-11-23 16:00"))]
    )

    assert due_paused_later == at("2026-11-23 14:00")
    assert due_paused_at_deadline == at("2026-11-23 14:00")


def test_overlapping_pauses_are_counted_once() -> None:
    business = BusinessCalendar()
    pauses = [
        (at("2026-11-23 10:00"), at("2026-11-23 11:00")),
        (at("2026-11-23 10:30"), at("2026-11-23 12:00")),
    ]

    due = business.deadline_with_pauses(at("2026-11-23 09:00"), FOUR_HOURS, pauses)

    assert due == at("2026-11-23 16:00")


def test_elapsed_business_time_leaves_out_the_paused_time() -> None:
    business = BusinessCalendar()
    pauses = [(at("2026-11-23 10:00"), at("2026-11-23 14:00")), (at("2026-11-23 17:00"), None)]

    elapsed = business.business_time_between(
        at("2026-11-23 09:00"), at("2026-11-24 10:00"), pauses=pauses
    )

    # Ran 09:00-10:00 and 14:00-17:00; paused since 17:00.
    assert elapsed == timedelta(hours=4)


# Holidays, countries, time zones


def test_a_countrys_public_holiday_is_not_a_working_day() -> None:
    business = calendar(country="CN")

    assert not business.is_working_day(date(2026, 10, 1))  # National Day, a Thursday
    assert business.working_periods(date(2026, 10, 1)) == ()
    assert business.is_working_day(date(2026, 9, 30))


def test_a_countrys_official_makeup_saturday_is_a_working_day() -> None:
    business = calendar(country="CN")

    assert business.is_working_day(date(2026, 10, 10))
    assert not business.is_working_day(date(2026, 10, 17))


def test_an_explicit_makeup_day_wins_over_the_countrys_holiday() -> None:
    business = calendar(country="CN", makeup_days=["2026-10-02"])

    assert business.is_working_day(date(2026, 10, 2))


def test_nine_in_the_morning_in_shanghai_is_one_in_the_morning_utc() -> None:
    business = BusinessCalendar(timezone=SHANGHAI)

    periods = business.working_periods(date(2026, 11, 23))
    due = business.add_business_time(at("2026-11-23 09:00", SHANGHAI), TEN_MINUTES)

    assert periods[0] == (at("2026-11-23 01:00"), at("2026-11-23 04:00"))
    assert due == at("2026-11-23 01:10")
    assert due.tzinfo is UTC


def test_working_hours_stay_local_across_a_daylight_saving_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    business = BusinessCalendar(timezone=berlin)  # clocks went forward on Sunday 29 March 2026

    friday_start = business.working_periods(date(2026, 3, 27))[0][0]
    monday_start = business.working_periods(date(2026, 3, 30))[0][0]
    elapsed = business.business_time_between(
        at("2026-03-27 17:00", berlin), at("2026-03-30 10:00", berlin)
    )

    assert friday_start == at("2026-03-27 08:00")
    assert monday_start == at("2026-03-30 07:00")
    assert elapsed == timedelta(hours=2)


def test_a_deadline_skips_a_long_holiday_week() -> None:
    business = BusinessCalendar(CalendarConfig(country="CN"), SHANGHAI)

    due = business.add_business_time(at("2026-09-30 16:30", SHANGHAI), FOUR_HOURS)

    # 1.5 h on Wednesday 30 September, then nothing until Thursday 8 October.
    assert due == at("2026-10-08 11:30", SHANGHAI)


def test_a_handover_of_one_working_day_after_a_departure_on_friday_is_due_monday() -> None:
    business = BusinessCalendar()

    due = business.add_working_days(at("2026-11-20 10:00"), 1)

    assert business.working_day_length == timedelta(hours=8)
    assert due == at("2026-11-23 10:00")


# Elapsed time and boundaries


def test_elapsed_business_time_counts_only_working_hours() -> None:
    business = BusinessCalendar()

    over_a_day = business.business_time_between(at("2026-11-23 10:00"), at("2026-11-24 10:00"))
    over_a_weekend = business.business_time_between(at("2026-11-20 17:00"), at("2026-11-23 10:00"))
    over_lunch = business.business_time_between(at("2026-11-23 11:30"), at("2026-11-23 13:30"))
    over_a_month = business.business_time_between(at("2026-11-02 09:00"), at("2026-12-01 09:00"))

    assert over_a_day == timedelta(hours=8)
    assert over_a_weekend == timedelta(hours=2)
    assert over_lunch == timedelta(hours=1)
    assert over_a_month == timedelta(hours=8 * 21)


def test_elapsed_business_time_is_zero_when_the_end_is_not_after_the_start() -> None:
    business = BusinessCalendar()

    assert business.business_time_between(at("2026-11-23 11:00"), at("2026-11-23 10:00")) == (
        timedelta(0)
    )
    assert business.business_time_between(at("2026-11-23 11:00"), at("2026-11-23 11:00")) == (
        timedelta(0)
    )


def test_a_period_starts_working_time_and_its_end_does_not() -> None:
    business = BusinessCalendar()

    assert business.is_working_time(at("2026-11-23 09:00"))
    assert business.is_working_time(at("2026-11-23 11:59:59"))
    assert not business.is_working_time(at("2026-11-23 12:00"))
    assert business.is_working_time(at("2026-11-23 13:00"))
    assert not business.is_working_time(at("2026-11-23 18:00"))
    assert not business.is_working_time(at("2026-11-21 10:00"))


def test_a_clock_started_at_noon_or_six_waits_for_the_next_period() -> None:
    business = BusinessCalendar()

    from_noon = business.add_business_time(at("2026-11-23 12:00"), TEN_MINUTES)
    from_six = business.add_business_time(at("2026-11-23 18:00"), TEN_MINUTES)

    assert from_noon == at("2026-11-23 13:10")
    assert from_six == at("2026-11-24 09:10")
    assert business.next_working_time(at("2026-11-23 12:00")) == at("2026-11-23 13:00")


def test_a_deadline_that_fills_a_period_exactly_is_its_end_not_the_next_start() -> None:
    business = BusinessCalendar()

    morning = business.add_business_time(at("2026-11-23 09:00"), timedelta(hours=3))
    whole_day = business.add_business_time(at("2026-11-23 09:00"), timedelta(hours=8))
    two_whole_days = business.add_business_time(at("2026-11-20 18:00"), timedelta(hours=16))

    assert morning == at("2026-11-23 12:00")
    assert whole_day == at("2026-11-23 18:00")
    assert two_whole_days == at("2026-11-24 18:00")


def test_no_business_time_after_a_moment_is_that_moment() -> None:
    business = BusinessCalendar()

    assert business.add_business_time(at("2026-11-21 10:00"), timedelta(0)) == at(
        "2026-11-21 10:00"
    )


def test_naive_times_and_negative_durations_are_refused() -> None:
    business = BusinessCalendar()

    with pytest.raises(ValueError, match="time-zone aware"):
        business.add_business_time(datetime(2026, 11, 23, 9), TEN_MINUTES)
    with pytest.raises(ValueError, match="negative"):
        business.add_business_time(at("2026-11-23 09:00"), -TEN_MINUTES)


def test_deadlines_months_away_are_computed_by_the_day_not_by_the_minute() -> None:
    business = BusinessCalendar()
    starts = [at("2026-01-05 09:00") + timedelta(hours=7 * n) for n in range(1000)]
    three_months = timedelta(hours=8 * 65)

    began = stopwatch.perf_counter()
    for start in starts:
        business.add_business_time(start, three_months)
    seconds = stopwatch.perf_counter() - began

    # Stepping minute by minute would take ~30,000 steps per deadline.
    assert seconds < 2.0


# Configuration


def test_the_calendar_is_read_from_the_configuration_file(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        'timezone = "Asia/Shanghai"\n'
        "[calendar]\n"
        'working_days = ["mon", "tue", "wed", "thu"]\n'
        'working_hours = ["08:30-12:00", "13:30-17:00"]\n'
        'holidays = ["2026-11-24", 2026-11-25]\n'
        'makeup_days = ["2026-11-22"]\n'
    )

    business = BusinessCalendar.from_settings(load_settings())

    assert business.working_day_length == timedelta(hours=7)
    assert business.working_periods(date(2026, 11, 23))[0][0] == at("2026-11-23 08:30", SHANGHAI)
    assert not business.is_working_day(date(2026, 11, 20))  # Friday is not listed
    assert not business.is_working_day(date(2026, 11, 25))
    assert business.is_working_day(date(2026, 11, 22))


def test_without_a_calendar_table_the_defaults_are_those_of_the_design() -> None:
    business = BusinessCalendar.from_settings(load_settings())

    assert business.timezone == ZoneInfo("UTC")
    assert business.working_periods(date(2026, 11, 23)) == (
        (at("2026-11-23 09:00"), at("2026-11-23 12:00")),
        (at("2026-11-23 13:00"), at("2026-11-23 18:00")),
    )
    assert business.working_periods(date(2026, 11, 21)) == ()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"working_days": ["mon", "funday"]}, "calendar.working_days: 'funday' is not a day"),
        ({"working_days": []}, "calendar.working_days is empty"),
        ({"working_hours": ["9-12"]}, "calendar.working_hours: '9-12' is not a period"),
        ({"working_hours": ["09:00-25:00"]}, "calendar.working_hours: '09:00-25:00'"),
        ({"working_hours": ["12:00-09:00"]}, "12:00-09:00 ends before it starts"),
        ({"working_hours": ["09:00-12:00", "11:00-18:00"]}, "overlaps"),
        ({"working_hours": "09:00-18:00"}, "calendar.working_hours must be a list"),
        ({"holidays": ["2026-13-01"]}, "calendar.holidays: '2026-13-01' is not a date"),
        ({"makeup_days": "2026-10-11"}, "calendar.makeup_days must be a list of dates"),
        (
            {"holidays": ["2026-10-11"], "makeup_days": ["2026-10-11"]},
            "2026-10-11 is both in holidays and in makeup_days",
        ),
        ({"subdivision": "CA"}, "calendar.subdivision needs calendar.country"),
        ({"country": 86}, "calendar.country must be a code"),
        ({"weekend": ["sat"]}, "calendar.weekend is not a calendar setting"),
    ],
)
def test_a_mistake_in_the_calendar_table_is_named_in_one_line(
    table: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)) as refused:
        parse_calendar_config(table)

    assert "\n" not in str(refused.value)


def test_an_unknown_country_or_subdivision_is_refused_when_the_calendar_is_built() -> None:
    with pytest.raises(
        InvalidInputError, match=re.escape("calendar.country 'XX' has no public-holiday")
    ):
        calendar(country="xx")
    with pytest.raises(
        InvalidInputError, match=re.escape("calendar.subdivision 'ZZ' is not a subdivision")
    ):
        calendar(country="US", subdivision="ZZ")


def test_a_broken_calendar_table_makes_loading_the_settings_fail(isolated_home: Path) -> None:
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[calendar]\nworking_hours = ["nine to six"]\n')

    with pytest.raises(InvalidInputError, match=re.escape("calendar.working_hours")):
        load_settings()


# Properties

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)
SHANGHAI_CHINA = BusinessCalendar(CalendarConfig(country="CN"), SHANGHAI)
PLAIN = BusinessCalendar()

moments = st.integers(min_value=0, max_value=3 * 365 * 86400).map(
    lambda seconds: EPOCH + timedelta(seconds=seconds)
)
durations = st.integers(min_value=1, max_value=400 * 3600).map(
    lambda seconds: timedelta(seconds=seconds)
)
calendars = st.sampled_from([PLAIN, SHANGHAI_CHINA])


def ends_a_period(business: BusinessCalendar, moment: datetime) -> bool:
    local_day = moment.astimezone(business.timezone).date()
    return any(end == moment for _, end in business.working_periods(local_day))


@settings(max_examples=300, deadline=None)
@given(business=calendars, start=moments, duration=durations)
def test_the_business_time_up_to_a_deadline_is_the_duration_asked_for(
    business: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = business.add_business_time(start, duration)

    assert business.business_time_between(start, due) == duration
    assert business.business_time_between(start, due - ONE_SECOND) < duration
    assert business.is_working_time(due) or ends_a_period(business, due)


pause_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30 * 86400),
        st.integers(min_value=1, max_value=5 * 86400),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(start=moments, duration=durations, offsets=pause_lists)
def test_with_pauses_the_running_business_time_up_to_the_deadline_is_the_duration(
    start: datetime, duration: timedelta, offsets: list[tuple[int, int]]
) -> None:
    pauses: list[tuple[datetime, datetime | None]] = [
        (start + timedelta(seconds=after), start + timedelta(seconds=after + length))
        for after, length in offsets
    ]

    due = PLAIN.deadline_with_pauses(start, duration, pauses)

    assert due is not None
    assert PLAIN.business_time_between(start, due, pauses=pauses) == duration
    assert PLAIN.business_time_between(start, due - ONE_SECOND, pauses=pauses) < duration
    assert due >= PLAIN.add_business_time(start, duration)


def walked(business: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time from `start` to `end`, each date's periods summed one by one."""
    total, day = timedelta(0), start.astimezone(business.timezone).date()
    while day <= end.astimezone(business.timezone).date():
        for begin, finish in business.working_periods(day):
            total += max(timedelta(0), min(finish, end) - max(begin, start))
        day += timedelta(days=1)
    return total


@settings(max_examples=200, deadline=None)
@given(business=calendars, pairs=st.lists(st.tuples(moments, moments), min_size=1, max_size=6))
def test_elapsed_business_time_is_every_dates_working_time_summed(
    business: BusinessCalendar, pairs: list[tuple[datetime, datetime]]
) -> None:
    # Whole days are read from running totals kept by the calendar (which one
    # calendar grows, backwards and forwards, as questions come): the same sums.
    for start, end in pairs:
        assert business.business_time_between(start, end) == walked(business, start, end)
