"""What every customer event carries, and how events fold into the aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

if TYPE_CHECKING:
    from ledger.domain.customer import Customer

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


class CustomerEvent(Aggregate.Event):
    """Base of every event in a customer's stream."""

    occurred_at: datetime
    actor: str
    command_id: str
    correlation_id: str | None
    causation_id: str | None
    # Tamper evidence (ledger.domain.chain): the previous event's hash, and this one's.
    previous_hash: str
    event_hash: str

    @property
    def subject(self) -> str:
        for name in SUBJECT_FIELDS:
            value = getattr(self, name, None)
            if value:
                return str(value)
        return ""

    def apply(self, aggregate: Any) -> None:
        self.apply_to(aggregate)
        aggregate.chain_head = self.event_hash
        # Remember the command so a retry returns the first result (idempotency).
        aggregate.commands.setdefault(self.command_id, [self.originator_version, self.subject])

    def apply_to(self, customer: Customer) -> None:
        """Evolve the customer's state; events that change no rule-relevant state
        (a logged contact, say) keep this default."""
