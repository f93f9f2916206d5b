"""The event of a key person's contact plan (docs/domain.md, "Follow-through")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class ContactPlanSet(CustomerEvent):
    """Our counterpart for a key person, how often they should be contacted
    (`every_days`) and, if given, the date of the next contact (`next_contact`, an
    ISO date; None keeps counting from the contacts, or from the date given
    before). Each field holds the plan as it stands after this event; the next
    contact date itself is worked out by `ledger.domain.contact_plan`."""

    person_id: str
    counterpart: str
    every_days: int
    next_contact: str | None

    def apply_to(self, customer: Customer) -> None:
        person = customer.people[self.person_id]
        person["counterpart"] = self.counterpart
        person["contact_every"] = self.every_days
        if self.next_contact is not None:
            person["contact_next"] = self.next_contact
