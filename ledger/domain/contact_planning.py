"""The customer's command that sets a key person's contact plan (docs/domain.md,
"Follow-through"); `Customer` inherits it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from ledger.domain.base import Meta, record_chained
from ledger.domain.events.contact_plan import ContactPlanSet
from ledger.errors import RuleViolationError


class ContactPlanning:
    """Expects the customer's `code`, `people`, `check_person` and
    `check_not_terminated`."""

    code: str
    people: dict[str, dict[str, Any]]
    check_person: Callable[..., dict[str, Any]]
    check_not_terminated: Callable[[str], None]

    def set_contact_plan(
        self,
        person_id: str,
        *,
        counterpart: str | None,
        every_days: int | None,
        next_contact: str | None,
        meta: Meta,
        today: date | None = None,
    ) -> None:
        """Set or change the plan; what is not given stays as planned before. A plan
        needs a counterpart (the one who owes the contacts) and a frequency, and a
        next contact planned is not before `today`, the plan's own day in the
        ledger's time zone (a plan made today cannot be overdue already)."""
        # Nothing is owed to a customer we no longer serve, nor to someone gone.
        self.check_not_terminated("plan contacts with its people")
        person = self.check_person(person_id)
        ref = f"{self.code}/{person_id}"
        who = counterpart or person.get("counterpart")
        every = every_days or person.get("contact_every")
        if who is None:
            raise RuleViolationError(
                f"{ref} has no counterpart yet: give --counterpart STAFF, who will owe the contacts"
            )
        if every is None:
            raise RuleViolationError(
                f"{ref} has no contact plan yet: give --every (e.g. 30d) to start one"
            )
        if next_contact is not None and today is not None and next_contact < today.isoformat():
            raise RuleViolationError(
                f"{ref}: the next contact {next_contact} is before the day the plan is made "
                f"({today.isoformat()}): give --next today or later"
            )
        # A date given is always news: contacts since the last one may have moved
        # the plan on, and giving it again plans from it anew.
        unchanged = (
            next_contact is None
            and who == person.get("counterpart")
            and every == person.get("contact_every")
        )
        if unchanged:
            raise RuleViolationError(
                f"nothing to change: {ref} is already planned that way "
                "(`ledger customer show` lists the plan)"
            )
        record_chained(
            self,
            ContactPlanSet,
            meta,
            person_id=person_id,
            counterpart=who,
            every_days=every,
            next_contact=next_contact,
        )
