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
from datetime import datetime
from typing import Any
from uuid import UUID

GENESIS = ""
# Fields the event store keeps outside the state, or that are the link itself.
NOT_HASHED = frozenset({"originator_id", "originator_version", "event_hash", "class_version"})


def event_hash(stream_id: UUID, version: int, topic: str, content: dict[str, Any]) -> str:
    """The hash of one event; `content` holds its fields, `previous_hash` included."""
    # A datetime at the top level (every event's times) is put in its tagged form
    # here, in the pass that leaves out what is not hashed: the encoder would
    # otherwise call back into Python for each (`_canonical`), which doubled the cost
    # of hashing an event as it is recorded. The bytes hashed are the same.
    body = {
        k: _tagged_datetime(v) if type(v) is datetime else v
        for k, v in content.items()
        if k not in NOT_HASHED
    }
    return hash_body(stream_id, version, topic, body)


def hash_body(stream_id: UUID, version: int, topic: str, body: dict[str, Any]) -> str:
    """`event_hash` for content already without the fields that are not hashed
    (the audit's fast path over millions of stored rows)."""
    material = _ENCODER.encode([str(stream_id), version, topic, body])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


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
