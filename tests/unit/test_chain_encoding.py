"""The audit's fast hash of stored JSON is the canonical hash (ledger/domain/chain.py)
for every value an event can hold without floats."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from ledger.domain.chain import hash_body, plain_hasher

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
