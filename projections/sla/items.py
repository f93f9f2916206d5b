"""What the SLA queries return: one target breached or at risk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ledger.domain.sla.targets import TARGETS

_LOCAL_ID = re.compile(r"^([A-Z]+)(\d+)$")


@dataclass(frozen=True)
class SlaItem:
    """One target breached or at risk: a case's, or an owner's visit coverage in a
    month (then `customer` is empty and `case` is the month)."""

    kind: str
    customer: str
    case: str
    owner: str | None
    segment: str
    opened_at: datetime
    due_at: datetime
    status: str  # open, paused or closed, at the moment asked about
    closed_at: datetime | None
    policy_version: str
    business_time: bool
    late: timedelta | None = None  # how late, for a breach
    left: timedelta | None = None  # time left, for a case at risk
    escalation_level: int = 0
    recorded: bool = False  # a sweep recorded the breach as an event
    # Due before an import brought the case in: the old system's breach, shown but
    # never swept (`ledger.domain.sla.historic`).
    historic: bool = False
    detail: str = ""

    @property
    def target(self) -> str:
        return TARGETS[self.kind]

    @property
    def ref(self) -> str:
        return f"{self.customer}/{self.case}" if self.customer else self.case

    def sort_key(self) -> tuple[Any, ...]:
        return (self.due_at, *reference_order(self.customer, self.case, self.owner))


def reference_order(customer: str, case: str, owner: str | None) -> tuple[Any, ...]:
    """The order of items due at the same moment: by customer, case (C2 before C10),
    then owner."""
    return (customer, *_natural(case), owner or "")


def _natural(local_id: str) -> tuple[str, int]:
    match = _LOCAL_ID.match(local_id)
    return (match[1], int(match[2])) if match else (local_id, 0)
