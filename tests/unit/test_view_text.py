"""Times and documents as views store them: the fast formatting in
`projections.base` must write exactly what the standard library writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from projections.base import _plain, dumps, iso

ZONES = st.sampled_from(
    [
        UTC,
        timezone(timedelta(hours=8)),
        timezone(timedelta(hours=-5, minutes=-30)),
        ZoneInfo("Asia/Shanghai"),
        ZoneInfo("Europe/Berlin"),
    ]
)


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)), ZONES)
def test_iso_is_utc_isoformat_with_microseconds(moment: datetime, zone: object) -> None:
    aware = moment.replace(tzinfo=zone)  # type: ignore[arg-type]
    assert iso(aware) == aware.astimezone(UTC).isoformat(timespec="microseconds")


def test_iso_keeps_zero_microseconds_and_small_years() -> None:
    assert iso(datetime(7, 1, 2, 3, 4, 5, tzinfo=UTC)) == "0007-01-02T03:04:05.000000+00:00"


# What views hold: text, 64-bit integers, finite floats, lists and dicts.
JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSONISH)
def test_dumps_writes_what_json_dumps_writes(doc: object) -> None:
    expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_plain)
    # Very large and very small floats are written with another exponent notation
    # (1e16, not 1e+16): the same number.
    assert json.loads(dumps(doc)) == json.loads(expected)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**53), max_value=2**53)
        | st.floats(min_value=1e-4, max_value=1e15)
        | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text() | st.integers(0, 99), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_dumps_writes_the_very_text_of_json_dumps_for_plain_numbers(doc: object) -> None:
    expected = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=_plain)
    assert dumps(doc) == expected


def test_dumps_turns_times_and_ids_into_text() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=ZoneInfo("Asia/Shanghai"))
    uid = UUID(int=7)
    assert dumps({"at": moment, "id": uid, "n": [1.5, "é"]}) == (
        '{"at":"2026-03-03T21:06:07.000000+00:00",'
        '"id":"00000000-0000-0000-0000-000000000007","n":[1.5,"é"]}'
    )
    try:
        dumps({"x": Decimal("1")})
    except TypeError as error:
        assert "Decimal" in str(error)
    else:
        raise AssertionError("a Decimal must not be stored")
