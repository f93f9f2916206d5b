"""Hash chaining of a customer's stream: each event's `chain` covers the previous
event's `chain`, its stream identity and position, its type and its full content.

The content hashed is exactly what the event store keeps in the event's state
(every field but the id, version and the chain itself), so an auditor can
recompute a link from the stored row alone, before any upcasting.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any
from uuid import UUID

GENESIS = ""
# Fields the event store keeps outside the state, or that are the link itself.
NOT_HASHED = frozenset({"originator_id", "originator_version", "chain", "class_version"})


def link(previous: str, stream_id: UUID, version: int, topic: str, content: dict[str, Any]) -> str:
    """The chain value of one event."""
    body = {k: v for k, v in content.items() if k not in NOT_HASHED}
    material = json.dumps(
        [previous, str(stream_id), version, topic, body],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=_canonical,
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot hash a {type(value).__name__}: events hold JSON-able values only")
