"""The event store's transcoder writes the very bytes of the library's
(ledger/transcoding.py), whatever an event's state holds."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.plain_json import PLAIN_FLOAT_HIGH, PLAIN_FLOAT_LOW, is_plain
from ledger.transcoding import StoreTranscoder


def transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    library, ours = JSONTranscoder(), StoreTranscoder()
    for transcoder in (library, ours):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return library, ours


LIBRARY, OURS = transcoders()

# What an event's state holds: text of any code point (lone surrogates included,
# which orjson refuses), integers of any size, floats of any size, times in any
# zone, ids and amounts, at the top or nested.
values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.text(st.characters(exclude_categories=()))  # lone surrogates too
    | st.floats()
    | st.datetimes(timezones=st.just(UTC) | st.just(timezone(timedelta(hours=8))))
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def written(transcoder: JSONTranscoder, state: dict[str, Any]) -> bytes | str:
    """The bytes, or the kind of error (a lone surrogate cannot be written as UTF-8)."""
    try:
        return transcoder.encode(state)
    except ValueError as error:
        return type(error).__name__


@given(st.dictionaries(st.text(), values, max_size=10))
def test_a_state_is_written_as_the_library_writes_it(state: dict[str, Any]) -> None:
    assert written(OURS, state) == written(LIBRARY, state)


def test_an_event_like_state_is_written_as_the_library_writes_it() -> None:
    state = {
        "timestamp": datetime(2026, 12, 5, 1, 2, 3, 4, tzinfo=UTC),
        "occurred_at": datetime(2024, 5, 7, 22, 2, tzinfo=UTC),
        "actor": "airp.liu.na5",
        "summary": '电话\u2028"回访"\n\x00\x7f',
        "people": ["P1", "P2"],
        "sla_policy": {"minutes": 10.0, "ratio": 0.75, "days": 1, "calendar": {"holidays": []}},
        "customer": UUID(int=7),
    }

    assert OURS.encode(state) == LIBRARY.encode(state)
    assert OURS.decode(OURS.encode(state)) == state


def test_floats_are_plain_only_where_orjson_writes_them_as_repr_does() -> None:
    assert is_plain([0.0, -0.0, PLAIN_FLOAT_LOW, 1.5, math.nextafter(PLAIN_FLOAT_HIGH, 0)])
    for outside in (1e-05, math.nextafter(PLAIN_FLOAT_LOW, 0), PLAIN_FLOAT_HIGH, math.inf):
        assert not is_plain({"x": [outside]})
        assert OURS.encode({"x": outside}) == LIBRARY.encode({"x": outside})
    assert not is_plain(math.nan)
    assert OURS.encode({"x": math.nan}) == LIBRARY.encode({"x": math.nan})


def test_an_unregistered_type_is_refused_as_the_library_refuses_it() -> None:
    for transcoder in (LIBRARY, OURS):
        try:
            transcoder.encode({"x": {1, 2}})
        except TypeError as error:
            assert "not serializable" in str(error)
        else:
            raise AssertionError("a set must not be written")


def test_decimals_keep_the_library_s_transcoding() -> None:
    state = {"amount": Decimal("12.50"), "at": datetime(2025, 1, 1, tzinfo=UTC)}
    assert OURS.encode(state) == LIBRARY.encode(state)


def test_an_interrupt_while_a_time_is_written_is_not_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """orjson hands what its `default` raised back as an encoding error, which the
    transcoder answers by writing the library's way: an interrupt must go on."""
    import ledger.transcoding

    def interrupted(value: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(ledger.transcoding, "_tagged_time", interrupted)
    _, ours = transcoders()

    with pytest.raises(KeyboardInterrupt):
        ours.encode({"occurred_at": datetime(2026, 12, 5, tzinfo=UTC), "n": 1})


def test_an_interrupt_while_a_view_document_is_written_is_not_swallowed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import projections.base

    def interrupted(value: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(projections.base, "_plain", interrupted)

    with pytest.raises(KeyboardInterrupt):
        projections.base.dumps({"at": datetime(2026, 12, 5, tzinfo=UTC)})
