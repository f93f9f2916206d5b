"""What every customer event carries, and how events fold into the aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from ledger.domain.chain import GENESIS, event_hash

if TYPE_CHECKING:
    from ledger.domain.customer import Customer

A = TypeVar("A", bound=Aggregate)

# Set on an aggregate (a customer) loaded from a snapshot that does not hold all the
# state the events give (`worked_on`, each follow-up breach's due time): the
# repository replays the events instead (ledger/service.py). Here, not beside the
# customer, so that loading any aggregate need not import the customer's module.
SNAPSHOT_INCOMPLETE = "_snapshot_incomplete"

# Fields that name the thing inside the stream an event concerns; the first one an
# event has becomes the result a repeated command returns.
SUBJECT_FIELDS = ("case_id", "person_id", "branch_id")


@dataclass(frozen=True)
class Meta:
    """Who recorded a fact, when it happened in the world, and under which command.

    The recording time is the event's own `timestamp`, set when it is triggered.
    """

    occurred_at: datetime
    actor: str
    command_id: str
    correlation_id: str | None = None
    causation_id: str | None = None

    def as_fields(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at,
            "actor": self.actor,
            "command_id": self.command_id,
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
        }


class RecordedEvent(Aggregate.Event):
    """What every recorded event carries: who, when in the world, under which
    command, and its link in the stream's hash chain (ledger.domain.chain)."""

    occurred_at: datetime
    actor: str
    command_id: str
    correlation_id: str | None
    causation_id: str | None
    # Tamper evidence (ledger.domain.chain): the previous event's hash, and this one's.
    previous_hash: str
    event_hash: str

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)
        aggregate.chain_head = self.event_hash
        # Remember the command so a retry returns the first result (idempotency).
        aggregate.commands.setdefault(self.command_id, [self.originator_version, self.subject])

    @property
    def subject(self) -> str:
        return ""

    def apply_to(self, aggregate: Any) -> None:
        """Evolve the aggregate's state; the default changes nothing."""


class CustomerEvent(RecordedEvent):
    """Base of every event in a customer's stream."""

    @property
    def subject(self) -> str:
        for name in SUBJECT_FIELDS:
            value = getattr(self, name, None)
            if value:
                return str(value)
        return ""

    def apply(self, aggregate: Any) -> None:
        super().apply(aggregate)
        # Everyone who recorded something on a customer has worked on it, which is
        # what lets `staff` see the customer (ledger.access).
        aggregate.worked_on[self.actor] = self.originator_version

    def apply_to(self, customer: Customer) -> None:
        """Evolve the customer's state; events that change no rule-relevant state
        (a logged contact, say) keep this default."""


def record_chained(
    aggregate: Any, event_class: type[Aggregate.Event], meta: Meta, **fields: Any
) -> None:
    """Trigger the aggregate's next event with its link in the hash chain."""
    content = {
        **fields,
        **meta.as_fields(),
        "timestamp": event_class.create_timestamp(),
        "previous_hash": aggregate.chain_head,
    }
    digest = event_hash(aggregate.id, aggregate.version + 1, get_topic(event_class), content)
    aggregate.trigger_event(event_class, event_hash=digest, **content)


def create_chained(
    aggregate_class: type[A],
    event_class: type[Aggregate.Created],
    aggregate_id: UUID,
    meta: Meta,
    **fields: Any,
) -> A:
    """Create an aggregate with its first event, the start of its hash chain."""
    content = {
        **fields,
        **meta.as_fields(),
        "originator_topic": get_topic(aggregate_class),
        "timestamp": event_class.create_timestamp(),
        "previous_hash": GENESIS,
    }
    digest = event_hash(aggregate_id, 1, get_topic(event_class), content)
    return aggregate_class._create(event_class, id=aggregate_id, event_hash=digest, **content)
