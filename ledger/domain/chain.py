"""Hash chaining of a customer's stream. Each event records `previous_hash` (the
`event_hash` of the event before it, empty for the first) and `event_hash`, a
SHA-256 over its stream identity and position, its type and its full content,
`previous_hash` included.

The content hashed is exactly what the event store keeps in the event's state
(every field but the id, the version and `event_hash`), so an auditor can
recompute a hash from the stored row alone, before any upcasting. Keeping the
previous hash in each event lets an audit tell an event whose content was
changed (its own hash no longer matches) from one rewritten together with its
hash (the next event no longer follows it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from ledger.domain.plain_json import PLAIN_SCALARS, is_plain

GENESIS = ""
# Fields the event store keeps outside the state, or that are the link itself.
NOT_HASHED = frozenset({"originator_id", "originator_version", "event_hash", "class_version"})


def event_hash(stream_id: UUID, version: int, topic: str, content: dict[str, Any]) -> str:
    """The hash of one event; `content` holds its fields, `previous_hash` included."""
    # A datetime at the top level (every event's times) is put in its tagged form
    # here, in the pass that leaves out what is not hashed: the encoder would
    # otherwise call back into Python for each (`_canonical`), which doubled the cost
    # of hashing an event as it is recorded. The bytes hashed are the same.
    body: dict[str, Any] = {}
    plain = True  # what orjson writes as the json module does (`is_plain`)
    for k, v in content.items():
        if k in NOT_HASHED:
            continue
        kind = type(v)
        if kind is datetime:
            v = _tagged_datetime(v)
        elif kind is UUID:
            v = {"_type_": "uuid_hex", "_data_": v.hex}
        elif plain and kind not in PLAIN_SCALARS:
            plain = is_plain(v)
        body[k] = v
    if plain:
        # orjson writes the very text of `_ENCODER` for such a body (see
        # `plain_hasher`) in a tenth of the time: hashing was a third of the cost of
        # recording an event. It refuses what it cannot write the same way (an
        # integer beyond 64 bits, a lone surrogate), which goes the canonical way.
        try:
            material = _dumps()([_stream_text(stream_id), version, topic, body])
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            pass
        else:
            return hashlib.sha256(material).hexdigest()
    return hash_body(stream_id, version, topic, body)


@lru_cache(maxsize=1024)
def _stream_text(stream_id: UUID) -> str:
    """A stream's id as text, remembered: a batch records many events on each of a
    few hundred streams, and writing a UUID out costs more than finding it here."""
    return str(stream_id)


_dumps_sorted: Callable[[Any], bytes] | None = None


def _dumps() -> Callable[[Any], bytes]:
    """orjson's `dumps` with sorted keys, imported on first use (a read never
    hashes; the start of every command does not pay for it)."""
    global _dumps_sorted
    if _dumps_sorted is None:
        import orjson

        # A partial, not a function of ours: no Python frame per event hashed.
        _dumps_sorted = partial(orjson.dumps, option=orjson.OPT_SORT_KEYS)
    return _dumps_sorted


def hash_body(stream_id: UUID, version: int, topic: str, body: dict[str, Any]) -> str:
    """`event_hash` for content already without the fields that are not hashed
    (the audit's fast path over millions of stored rows)."""
    material = _ENCODER.encode([str(stream_id), version, topic, body])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def plain_decoder() -> tuple[Callable[[str | bytes], Any], Callable[[], int]]:
    """A JSON decoder for stored rows, and a count of the floats it has met.

    `hash_plain` is exact only for content without floats; the count tells the
    caller whether a row had any, at no cost for rows that have none (the C
    scanner calls the hook only for a float)."""
    floats = [0]

    def parse_float(text: str) -> float:
        floats[0] += 1
        return float(text)

    decode = json.JSONDecoder(parse_float=parse_float).decode

    def load(data: str | bytes) -> Any:
        return decode(data.decode("utf-8") if isinstance(data, bytes) else data)

    return load, lambda: floats[0]


PlainHasher = Callable[[str, int, str, dict[str, Any]], "str | None"]


def plain_hasher() -> PlainHasher:
    """`hash_body` for a body decoded from stored JSON with no float in it, written
    by orjson (several times faster than the standard encoder: an audit hashes
    every row of the log). For such a body, strings, integers, booleans, nulls,
    lists and objects only, orjson with sorted keys writes the very text of
    `_ENCODER` (the same escapes, the same key order by code point; checked by
    tests/test_chain_encoding.py). A float may be written differently (`0.00001`
    against `1e-05`), so the caller does not use it for a body with one. It gives
    None when orjson cannot write the body (an integer beyond 64 bits, a lone
    surrogate): the caller then uses `hash_body`.

    The stream is passed as text (`str(stream_id)`), which the caller keeps per
    stream. orjson is imported here, by the audit, not by every command."""
    import orjson

    dumps, sort_keys, sha256 = orjson.dumps, orjson.OPT_SORT_KEYS, hashlib.sha256

    def hash_plain(stream_text: str, version: int, topic: str, body: dict[str, Any]) -> str | None:
        try:
            material = dumps([stream_text, version, topic, body], option=sort_keys)
        except TypeError:  # orjson.JSONEncodeError is a TypeError
            return None
        return sha256(material).hexdigest()

    return hash_plain


def _tagged_datetime(value: datetime) -> dict[str, str]:
    return {"_type_": "datetime_iso", "_data_": value.isoformat()}


def _canonical(value: Any) -> Any:
    """Datetimes and UUIDs in the tagged form the event store's JSON transcoder writes
    (`{"_type_": ..., "_data_": ...}`), so an audit can hash a stored row decoded as
    plain JSON, without building a single Python object per value."""
    if isinstance(value, datetime):
        return _tagged_datetime(value)
    if isinstance(value, UUID):
        return {"_type_": "uuid_hex", "_data_": value.hex}
    raise TypeError(f"cannot hash a {type(value).__name__}: events hold JSON-able values only")


# Built once: `json.dumps` with options builds a new encoder per call, which is most
# of the cost of hashing an event during an audit of millions.
_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical
)
