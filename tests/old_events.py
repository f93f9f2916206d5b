"""Events as an earlier version of the ledger stored them: written straight into
the log, chained to the customer's last event, so that tests can show they still
load, replay, verify and export after the event's class moved on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from ledger.application import Ledger
from ledger.domain.chain import event_hash
from ledger.domain.customer import Customer


def store_old_event(
    app: Ledger,
    customer_id: UUID,
    event_class: type,
    *,
    occurred_at: datetime,
    actor: str,
    command_id: str,
    fields: dict[str, Any],
) -> int:
    """Store `fields` as an `event_class` event without `class_version` (so it reads
    as version 1) at the customer's next version; returns that version."""
    customer: Customer = app.repository.get(customer_id)
    version = customer.version + 1
    topic = get_topic(event_class)
    content: dict[str, Any] = {
        "timestamp": datetime.now(UTC),
        "occurred_at": occurred_at,
        "actor": actor,
        "command_id": command_id,
        "correlation_id": None,
        "causation_id": None,
        "previous_hash": customer.chain_head,
        **fields,
    }
    content["event_hash"] = event_hash(customer_id, version, topic, content)
    app.recorder.insert_events(
        [
            StoredEvent(
                originator_id=customer_id,
                originator_version=version,
                topic=topic,
                state=app.mapper.transcoder.encode(content),
            )
        ]
    )
    return version
