"""The service's command on key people's contact plans (docs/domain.md,
"Follow-through"). `Ledger` mixes this in."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ledger.receipts import Receipt

if TYPE_CHECKING:
    from ledger import commands as c
    from ledger.access import Caller
    from ledger.config import Settings
    from ledger.domain.customer import Customer


class ContactPlanCommands:
    """Expects the host application's `_execute` and `check_owner`."""

    _execute: Callable[..., Receipt]
    check_owner: Callable[..., Any]
    settings: Settings

    def plan_contact(self, command: c.PlanContact) -> Receipt:
        def permission(caller: Caller, customer: Customer) -> None:
            # A counterpart is held as an owner is: by an active account that can
            # see the customer (one rule, `check_owner`).
            if command.counterpart is not None:
                self.check_owner(command.counterpart, customer.segment, holding="counterpart")

        next_contact = command.next_contact.isoformat() if command.next_contact else None
        return self._execute(
            command,
            lambda cu, m: cu.set_contact_plan(
                command.case,
                counterpart=command.counterpart,
                every_days=command.every_days,
                next_contact=next_contact,
                meta=m,
                today=m.occurred_at.astimezone(self.settings.timezone).date(),
            ),
            subject=command.case,
            permission=permission,
        )
