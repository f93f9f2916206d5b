"""The breach sweep: record each breach no sweep has recorded yet as an
SlaBreached event in its customer's stream, and optionally raise the next
escalation level on breached open inquiries and complaints (docs/domain.md,
"Service rules (SLA)").

The breaches come from the SLA view, read by the caller; the sweep only writes,
one command per breach, each with an id derived from what it records, so a
repeated or concurrent sweep replays instead of writing again. Historic breaches
(an imported case's deadline that passed before the import,
`ledger.domain.sla.historic`) are not among them: the sweep never records or
escalates those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from ledger import commands as c
from ledger.domain.sla.targets import RECURRING_KINDS
from ledger.errors import RuleViolationError
from ledger.vocabulary import ESCALATION_LEVELS

if TYPE_CHECKING:
    from ledger.application import Ledger


class Breach(Protocol):
    """A target breached, as the SLA view reports it."""

    @property
    def kind(self) -> str: ...
    @property
    def customer(self) -> str: ...
    @property
    def case(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def policy_version(self) -> str: ...
    @property
    def escalation_level(self) -> int: ...


B = TypeVar("B", bound=Breach)


@dataclass(frozen=True)
class SweepAction(Generic[B]):
    """What a sweep wrote: a breach recorded, or an escalation raised (`level`)."""

    item: B
    level: int | None = None

    def describe(self) -> str:
        if self.level is None:
            return f"breach of {self.item.target.replace('_', ' ')}"
        return f"escalated to level {self.level} ({ESCALATION_LEVELS[self.level]})"


def sweep_breaches(
    app: Ledger,
    unrecorded: Iterable[B],
    breached_open: Iterable[B],
    *,
    actor: str,
    moment: datetime,
    escalate: bool,
    visible: Callable[[str], bool] = lambda code: True,
) -> list[SweepAction[B]]:
    """Record every breach of `unrecorded` (those no sweep has recorded as of
    `moment`), and with `escalate` raise the next level on each of
    `breached_open` (breached open inquiries and complaints). Customers not
    `visible` to the caller are left alone."""
    caller = app.caller(actor)  # checked once for the whole sweep, as one command
    actions: list[SweepAction[B]] = []
    for item in unrecorded:
        if not visible(item.customer):
            continue
        try:
            receipt = app.record_breach(
                c.RecordBreach(
                    actor=actor,
                    customer=item.customer,
                    case=item.case,
                    target=item.target,
                    due_at=item.due_at,
                    policy_version=item.policy_version,
                    occurred_at=moment,
                    command_id=_breach_command_id(item),
                ),
                caller,
            )
        except RuleViolationError:
            continue  # another sweep recorded it under its own id meanwhile
        if not receipt.replayed:
            actions.append(SweepAction(item))
    if not escalate:
        return actions
    timezone = app.settings.timezone
    for item in breached_open:
        level = item.escalation_level + 1
        if not visible(item.customer) or level > max(ESCALATION_LEVELS):
            continue
        due = item.due_at.astimezone(timezone)
        try:
            receipt = app.raise_escalation(
                c.RaiseEscalation(
                    actor=actor,
                    customer=item.customer,
                    case=item.case,
                    level=level,
                    to=ESCALATION_LEVELS[level],
                    reason=f"SLA {item.target.replace('_', ' ')} target missed: due "
                    f"{due:%Y-%m-%d %H:%M} {timezone.key} (policy {item.policy_version})",
                    occurred_at=moment,
                    command_id=f"sla-escalate:{item.customer}:{item.case}:{item.target}",
                ),
                caller,
            )
        except RuleViolationError:
            continue  # escalated (or closed) by someone else since the view was read
        if not receipt.replayed:
            actions.append(SweepAction(item, level))
    return actions


def _breach_command_id(item: Breach) -> str:
    command_id = f"sla-sweep:{item.customer}:{item.case}:{item.target}"
    if item.kind in RECURRING_KINDS:
        # Each lapse of a recurring clock is a breach of its own.
        command_id += f":{item.due_at.astimezone(UTC):%Y%m%dT%H%M%S}"
    return command_id
