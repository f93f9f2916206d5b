"""The demo's erasure on request: one key person of the showcase customer asked,
under privacy law, for their personal details to be erased, and the executive
did it (docs/domain.md, "Personal data"), so `history` shows an erased person."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from demo.staff import EXECUTIVE
from ledger.sealing import key_id

if TYPE_CHECKING:
    from demo.relationship import RelationshipThreads
    from ledger.application import Ledger
    from ledger.domain.customer import Customer

SHOWCASE = 0  # the customer the tour starts with
REQUEST_REF = "PIPL-REQ-2026-014"
REASON = "Left the industry; asked by letter that we keep none of their personal details"


def plan_erasure(story: RelationshipThreads) -> None:
    """The showcase customer's last key person asks for erasure near the year's end."""
    if not erases(story.index) or not story.people:
        return
    person, _ = story.people[-1]
    story.limit = story.end
    when = story.moment(story.end.date() - timedelta(days=6))
    story.at(
        when,
        lambda cu, m: cu.erase_personal_data(
            person,
            reason=REASON,
            request_ref=REQUEST_REF,
            requested_by=cu.people[person]["name"],
            plain_versions=[],
            meta=m,
        ),
        actor=EXECUTIVE,
    )


def erases(index: int) -> bool:
    """Whether the story of customer `index` records an erasure (`plan_erasure`)."""
    return index == SHOWCASE


def destroy_erased_keys(app: Ledger, customer: Customer) -> None:
    """After the save that recorded an erasure, destroy the person's key, as
    `ledger person erase` does (the record first, then the key)."""
    for person_id, person in customer.people.items():
        if person.get("erased"):
            app.keys.destroy(key_id(customer.id, person_id))
