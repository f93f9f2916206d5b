"""The service's commands that close follow-through items (docs/domain.md,
"Follow-through"): withdrawing a commitment and recording a problem handled, and
the default due date of a promise made without one.

`Ledger` mixes this in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from ledger.config import Settings
from ledger.domain.promises import check_due, promise_due
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.receipts import Receipt

if TYPE_CHECKING:
    from ledger import commands as c


class FollowThroughCommands:
    """Commands on promises and problems; expects the host application's
    `settings` and `_execute`."""

    settings: Settings
    _execute: Callable[..., Receipt]

    @cached_property
    def _promise_calendar(self) -> BusinessCalendar:
        return BusinessCalendar.from_settings(self.settings)

    def promise_due(self, due: date | None, made_at: datetime) -> date:
        """`due` if given, else the configured number of working days after the
        promise was made (`ledger.domain.promises.promise_due`); a given one is
        checked (`check_due`)."""
        if due is not None:
            check_due(due, made_at, self._promise_calendar)
            return due
        return promise_due(made_at, self.settings.promise_due_working_days, self._promise_calendar)

    def withdraw_commitment(self, command: c.WithdrawCommitment) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.withdraw_commitment(command.case, command.reason, m),
            subject=command.case,
        )

    def handle_problem(self, command: c.HandleProblem) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.handle_problem(command.case, command.note, m),
            subject=command.case,
        )
