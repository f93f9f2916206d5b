"""Who holds what at a customer, and who should no longer hold it
(docs/domain.md, "Follow-through").

A holder is the member of staff who opened an opportunity, lead or commitment
(for a visit's commitments: the visitor), or a key person's counterpart. A
change of owner moves what the old owner held; `no_longer_responsible` is the
one rule that says which holders are stale, for the aggregate (the repair
command) and for the views (the warnings of `brief` and `customer show`) alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.domain.base import Meta
from ledger.errors import RuleViolationError

# Cases that can be held, and the statuses in which they are still owed.
HELD_CASE_KINDS = ("opportunity", "commitment")
OPEN_STATUSES = ("lead", "open")

ACTIVE = "active"


def first_holder(opened_by: str, *, visitor: str | None = None) -> str:
    """Who holds an opportunity, lead or commitment when it is opened: the member of
    staff who opened it; a commitment promised at a visit, the visitor who made the
    promise, whoever recorded the report. The aggregate and every view that keeps
    holders ask this, so the rule is stated once."""
    return visitor if visitor is not None else opened_by


@dataclass(frozen=True)
class Holding:
    """One thing held at a customer: a case (`item` is its id) or a key person's
    counterpart role (`item` is the person id)."""

    item: str
    role: str
    holder: str


@dataclass(frozen=True)
class StaleHolding:
    """A holding whose holder should no longer hold it, and why."""

    holding: Holding
    why: str


def account_gone(status: str | None) -> str | None:
    """Why an account with `status` (None: no such account) can hold nothing, or
    None for an active one: deactivated, frozen, or not a staff account at all."""
    if status is None:
        return "is not a staff account"
    if status != ACTIVE:
        return f"is {status}"
    return None


def no_longer_responsible(
    holder: str, status: str | None, owner: str | None, past_owners: Iterable[str]
) -> str | None:
    """Why `holder` should no longer hold anything at a customer now owned by
    `owner`, or None. A deactivated account (or one that does not exist) has left;
    a past owner who handed the customer over, and does not own it now, should
    have passed on what they held with it. A frozen account alone is not stale:
    freezing is a pause, not a departure; a frozen past owner is, as a past owner."""
    if status is None or status == "deactivated":
        return account_gone(status)
    if holder != owner and holder in past_owners:
        gone = account_gone(status)
        return (f"{gone} and " if gone else "") + "handed the customer over"
    return None


def open_holdings(cases: Mapping[str, Any], people: Mapping[str, Any]) -> list[Holding]:
    """Everything held at a customer, from its cases and people (the aggregate's
    state or the 360 document, which keep both the same way): open opportunities
    and leads, open commitments, counterparts of key people still there; in the
    order they were opened or added."""
    held = [
        Holding(case_id, case["kind"], case["holder"])
        for case_id, case in cases.items()
        if case["kind"] in HELD_CASE_KINDS
        and case["status"] in OPEN_STATUSES
        and case.get("holder")
    ]
    held += [
        Holding(person_id, "counterpart", person["counterpart"])
        for person_id, person in people.items()
        if person["present"] and person.get("counterpart")
    ]
    return held


def stale_holdings(
    holdings: Iterable[Holding],
    status_of: Callable[[str], str | None],
    owner: str | None,
    past_owners: Iterable[str],
) -> list[StaleHolding]:
    past = set(past_owners)
    stale = []
    for holding in holdings:
        why = no_longer_responsible(holding.holder, status_of(holding.holder), owner, past)
        if why is not None:
            stale.append(StaleHolding(holding, why))
    return stale


def count_moved(roles: Iterable[str]) -> str:
    """'2 opportunities, 1 commitment and 3 counterpart roles' ('' for nothing)."""
    roles = list(roles)
    parts = []
    for role, one, many in (
        ("opportunity", "opportunity", "opportunities"),
        ("commitment", "commitment", "commitments"),
        ("counterpart", "counterpart role", "counterpart roles"),
    ):
        n = roles.count(role)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
    if len(parts) > 1:
        return f"{', '.join(parts[:-1])} and {parts[-1]}"
    return parts[0] if parts else ""


class Holdings:
    """What a `Customer` does with holdings; it keeps `cases`, `people`, `owner`,
    `past_owners` (everyone who handed the customer over) and records events."""

    code: str
    owner: str | None
    cases: dict[str, dict[str, Any]]
    people: dict[str, dict[str, Any]]
    past_owners: list[str]
    registered_at: datetime | None
    # When the current owner took the customer over (OwnerAssigned). A class-level
    # default, because a snapshot taken before it was kept does not hold it: the
    # registration time is the bound then.
    owner_since: datetime | None = None
    _record: Callable[..., None]

    def check_handover_time(self, meta: Meta) -> None:
        """A change of owner cannot be dated before the current owner took over: the
        owners' history would run backwards. (Before the registration nothing can be
        dated: `Customer._record`.)"""
        if self.owner_since is not None and meta.occurred_at < self.owner_since:
            raise RuleViolationError(
                f"{self.code} passed to {self.owner} on {self.owner_since:%Y-%m-%d %H:%M} UTC: "
                "a later handover cannot be dated before that: check --at"
            )

    def held_by(self, staff_id: str) -> list[tuple[str, str]]:
        """What `staff_id` holds at this customer, as (item, role) pairs."""
        return [
            (h.item, h.role) for h in open_holdings(self.cases, self.people) if h.holder == staff_id
        ]

    def hand_over(
        self, items: Iterable[tuple[str, str]], holder: str, reason: str, meta: Meta
    ) -> list[tuple[str, str]]:
        """Move each (item, role) to `holder`, one event each; returns what moved."""
        # Imported by the write: reading who holds what needs no event class.
        from ledger.domain.events.follow_through import ResponsibilityHandedOver

        moved = []
        for item, role in items:
            current = (
                self.people[item].get("counterpart")
                if role == "counterpart"
                else self.cases[item].get("holder")
            )
            self._record(
                ResponsibilityHandedOver,
                meta,
                item=item,
                role=role,
                previous=current,
                holder=holder,
                reason=reason,
            )
            moved.append((item, role))
        return moved

    def stale_holdings(self, status_of: Callable[[str], str | None]) -> list[StaleHolding]:
        """What is held here by someone no longer responsible for it."""
        return stale_holdings(
            open_holdings(self.cases, self.people), status_of, self.owner, self.past_owners
        )

    def repair_holdings(
        self, status_of: Callable[[str], str | None], meta: Meta, *, dry_run: bool = False
    ) -> list[StaleHolding]:
        """Record the moves a past handover or departure missed: everything held by
        someone no longer responsible goes to the owner, one event each (history
        is added to, never rewritten). Nothing to move records nothing."""
        stale = self.stale_holdings(status_of)
        if not stale:
            return []
        if self.owner is None:
            raise RuleViolationError(
                f"{self.code} has no owner to take over what is held there: "
                f"assign one with `ledger owner assign {self.code} --to STAFF`"
            )
        gone = account_gone(status_of(self.owner))
        if gone is not None:
            raise RuleViolationError(
                f"{self.code}'s owner {self.owner} {gone}: hand the customer to an active "
                f"owner first (`ledger owner reassign --from {self.owner} --to STAFF`), "
                "which moves what is held with it"
            )
        if not dry_run:
            self.hand_over(
                ((s.holding.item, s.holding.role) for s in stale),
                self.owner,
                "repair: the holder is no longer responsible",
                meta,
            )
        return stale
