"""The audit's fast hash of stored JSON is the canonical hash (ledger/domain/chain.py)
for every value an event can hold without floats."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.chain import NOT_HASHED, event_hash, hash_body, plain_hasher

STREAM = UUID("12345678-1234-5678-1234-567812345678")

# What stored JSON decodes to, floats aside: text of any code point but lone
# surrogates (the store writes UTF-8), integers of any size, nested lists and objects.
scalars = st.none() | st.booleans() | st.integers() | st.text()
plain_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), plain_json, max_size=6), st.integers(1, 10**6), st.text())
def test_the_fast_hash_is_the_canonical_hash(
    body: dict[str, Any], version: int, topic: str
) -> None:
    fast = plain_hasher()(str(STREAM), version, topic, body)

    # Integers beyond 64 bits are left to the canonical encoder; all else must agree.
    assert fast is None or fast == hash_body(STREAM, version, topic, body)


def test_escapes_and_key_order_agree_with_the_canonical_text() -> None:
    body = {
        "z": '\x00\x1f\x7f\u2028"\\/\b\f\n\r\t',
        "é": ["\uffff", "\U0001f600"],
        "\U0001f600": {"b": 1, "a": -(2**63)},
        "A": True,
    }

    assert plain_hasher()(str(STREAM), 3, "t", body) == hash_body(STREAM, 3, "t", body)


def test_an_integer_beyond_64_bits_is_left_to_the_canonical_encoder() -> None:
    assert plain_hasher()(str(STREAM), 1, "t", {"n": 2**64}) is None


# What an event holds as it is recorded: the stored JSON's values, and datetimes,
# UUIDs and floats, at the top or nested.
recorded_values = st.recursive(
    scalars | st.floats(allow_nan=False) | st.datetimes(timezones=st.just(UTC)) | st.uuids(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), recorded_values, max_size=8), st.integers(1, 10**6))
def test_an_event_recorded_is_hashed_as_the_canonical_encoder_hashes_it(
    content: dict[str, Any], version: int
) -> None:
    body = {k: v for k, v in content.items() if k not in NOT_HASHED}

    assert event_hash(STREAM, version, "t", content) == hash_body(STREAM, version, "t", body)


def test_an_event_with_a_time_and_an_id_is_hashed_the_canonical_way() -> None:
    content = {
        "at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "who": UUID(int=7),
        "text": "问题\u2028",
        "people": ["P1", "P2"],
        "event_hash": "left out",
    }
    body = {k: v for k, v in content.items() if k != "event_hash"}

    assert event_hash(STREAM, 2, "t", content) == hash_body(STREAM, 2, "t", body)


def test_an_event_with_floats_is_hashed_the_canonical_way_on_either_side_of_the_plain_range() -> (
    None
):
    for minutes in (10.0, 0.75, 1e-4, 9.999999999999999e-05, 1e-05, 1e15, 1e16, -0.0):
        content = {"sla_policy": {"minutes": minutes, "calendar": {"days": ["mon"]}}}

        assert event_hash(STREAM, 4, "t", content) == hash_body(STREAM, 4, "t", content)
