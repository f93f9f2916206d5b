"""What the customer service's commands return (`Ledger` and the command mixins
beside it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Receipt:
    """What a recorded command returns: where it landed, and whether it was a retry."""

    customer_code: str
    customer_name: str
    version: int
    subject: str
    replayed: bool = False
    # What a change of owner moved with the customer, as (item, role) pairs.
    handed_over: tuple[tuple[str, str], ...] = ()
    # What else the command opened or closed among promises and problems, one
    # short sentence each ("Commitment CM4 due 2026-03-10.").
    notes: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.customer_code}/{self.subject}" if self.subject else self.customer_code
