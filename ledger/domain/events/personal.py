"""Events about a key person's personal data (docs/domain.md, "Personal data")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.domain.base import CustomerEvent

if TYPE_CHECKING:
    from ledger.domain.customer import Customer


class PersonalDataErased(CustomerEvent):
    """The person's personal details were erased on request: their key is destroyed
    (after this event is recorded), so what was sealed with it can no longer be
    read. `requested_by` and `request_ref` say who asked and under which request;
    the event's actor is who erased, its `occurred_at` when."""

    person_id: str
    reason: str
    request_ref: str
    requested_by: str
    # Versions of events that hold this person's details in plain text (recorded
    # before personal data was sealed): they cannot be shredded.
    plain_versions: list[int]

    def apply_to(self, customer: Customer) -> None:
        person = customer.people[self.person_id]
        person["erased"] = True
        person["erased_at_version"] = self.originator_version
