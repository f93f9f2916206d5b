"""The sales pipeline's arithmetic (docs/domain.md, "Reports"): open leads and
opportunities in stage order, and totals that never add different currencies."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ledger.errors import RuleViolationError
from ledger.vocabulary import OpportunityStage

LEAD = "lead"
# Leads come before every opportunity stage, then the sales stages in their order.
STAGE_ORDER = (LEAD, *(stage.value for stage in OpportunityStage))


def check_expected_close(expected_close: date | None, at: datetime, timezone: ZoneInfo) -> None:
    """An expected closing date is a forecast made at `at`: it cannot lie before the
    (local) day it was made."""
    made_on = at.astimezone(timezone).date()
    if expected_close is not None and expected_close < made_on:
        raise RuleViolationError(
            f"expected close {expected_close} is before the day it was forecast ({made_on}): "
            "give a closing date on or after it (check --expected-close and --at)"
        )


def stage_rank(stage: str) -> int:
    return STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER)


@dataclass
class Total:
    """How many items share a stage or a holder, and their value per currency
    (items without a value are counted, not valued)."""

    key: str
    count: int = 0
    values: dict[str, Decimal] = field(default_factory=dict)

    def add(self, value: str | None, currency: str | None) -> None:
        self.count += 1
        if value is not None:
            cur = currency or ""
            self.values[cur] = self.values.get(cur, Decimal(0)) + Decimal(value)

    def value_text(self) -> str:
        """Values per currency, e.g. `1,250.00 CNY; 300.00 EUR` (never summed across)."""
        return "; ".join(
            f"{amount:,.2f} {cur}".rstrip() for cur, amount in sorted(self.values.items())
        )


def totals(items: Iterable[Any], key: Callable[[Any], str]) -> list[Total]:
    """Totals of `items` (each with `value` and `currency`) grouped by `key`."""
    found: dict[str, Total] = {}
    for item in items:
        name = key(item)
        total = found.get(name)
        if total is None:
            total = found[name] = Total(name)
        total.add(item.value, item.currency)
    return list(found.values())
