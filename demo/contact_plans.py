"""The demo's contact plans (docs/domain.md, "Follow-through"): most customers'
key people get a plan soon after onboarding, owed by the counterpart they were
given: decision makers every 30 days, the others every 60 or 90. The contacts
the year tells then move each plan on, so that by the end some key people are
overdue and some are not."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta

from demo.story import Story
from ledger.domain.base import Meta
from ledger.domain.customer import Customer

# Share of customers whose key people have a plan.
PLANNED_SHARE = 0.8


class ContactPlanThread(Story):
    """Expects `people` from the onboarding thread (`demo.relationship`)."""

    people: list[tuple[str, str]]

    def _contact_plans(self) -> None:
        # A random stream of its own: the other threads' draws stay as they were.
        rng = random.Random(f"ledger-demo/{self.seed}/{self.index}/contact-plans")
        if rng.random() >= PLANNED_SHARE:
            return
        self.limit = self.end
        when = self.later(self.registered, 1, 5)
        for person, role in self.people:
            every = 30 if role == "decision_maker" else rng.choice((60, 90))
            # Some first contacts are booked for a date; the rest are due at once.
            first = when.date() + timedelta(days=rng.randint(7, 21))
            booked = first.isoformat() if rng.random() < 0.4 else None
            when = self.minutes_after(when, 2, 10)
            self.at(when, _planning(person, every, booked))


def _planning(person: str, every: int, booked: str | None) -> Callable[[Customer, Meta], None]:
    def plan(cu: Customer, m: Meta) -> None:
        # Owed by the counterpart the person has then; none for a customer whose
        # relationship has ended, or a person already gone.
        known = cu.people.get(person)
        if cu.is_terminated or known is None or not known["present"]:
            return
        if not known.get("counterpart"):
            return
        cu.set_contact_plan(person, counterpart=None, every_days=every, next_contact=booked, meta=m)

    return plan
