"""The frame of a demo customer's year: who the customer is, when the relationship
is alive, and the timed steps, each a call of one of the `Customer` aggregate's
command methods, told in the order things happened (back-dated through
`Meta.occurred_at`), so the demo obeys every rule that staff at a keyboard do.
A story depends only on the seed, the customer's position, the day the history
ends and the business calendar, never on what else is in the database."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from demo.customers import customer_identity, registration_command_id
from demo.plots import FEATURE_ODDS, ROTATION
from demo.staff import LEAVER, SEGMENTS, STAFF
from demo.texts import TEXTS
from demo.timeline import HISTORY_DAYS, leaver_last_day
from ledger import commands as c
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.personal_rules import Sealer
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.vocabulary import CustomerKind, Stage, Tier

Action = Callable[[Customer, Meta], object]


@dataclass(frozen=True, order=True)
class Step:
    when: datetime
    order: int
    action: Action = field(compare=False)
    actor: str | None = field(compare=False)  # None: whoever owns the customer then


class Story:
    """One customer's year: timed steps, each a call of one aggregate command.
    The threads it is told in (`demo.relationship`, `demo.cases`) add the steps."""

    def __init__(self, seed: int, index: int, end: datetime, calendar: BusinessCalendar) -> None:
        self.seed = seed
        self.index = index
        self.end = end
        # The ledger's own calendar: a complaint told as answered in time is in time
        # by the SLA clocks too, holidays included.
        self.calendar = calendar
        self.tz = end.tzinfo
        self.rng = random.Random(f"ledger-demo/{seed}/{index}")
        self.segment = SEGMENTS[index % len(SEGMENTS)]
        self.texts = TEXTS[self.segment]
        self.team = STAFF[self.segment]
        self.head = self.team[0]
        self.start = end - timedelta(days=HISTORY_DAYS)
        self.leaver_last_day = leaver_last_day(end, calendar)
        self.steps: list[Step] = []
        # Seals key people's personal details (the ledger's, set before `tell`).
        self.seal: Sealer | None = None
        self.limit = end
        self.features = self._features()
        self.identity = customer_identity(seed, index)
        self.name, self.kind = self.identity.name, self.identity.kind
        self.branch_closing = "branch_closed" in self.features
        self._plan_profile()

    # ------------------------------------------------------------- the plan
    def _features(self) -> frozenset[str]:
        forced = ROTATION[self.index] if self.index < len(ROTATION) else frozenset()
        drawn = {name for name, odds in FEATURE_ODDS.items() if self.rng.random() < odds}
        fates = {"terminated", "reactivated"}
        if forced:
            drawn -= fates  # the rotation's customers keep the fate they were given
        elif fates <= drawn:
            drawn.discard("terminated")
        features = forced | drawn
        if "showcase" in features:
            features |= {"tier_raised", "person_updated"}
        if "segment_moved" in features:
            features -= {"handover"}
        return features

    def _plan_profile(self) -> None:
        rng, f = self.rng, self.features
        established = bool(f & {"showcase", "terminated", "reactivated"}) or rng.random() < 0.8
        offset = rng.randint(0, 12) if established else rng.randint(60, 290)
        self.registered = self.moment(self.start.date() + timedelta(days=offset), 9.0, 16.0)
        self.established = established
        if "showcase" in f:
            self.owner = LEAVER
        else:
            candidates = [s for s in self.team if s != LEAVER]
            may_have_left = self.segment == "airport" and self.registered.date() < (
                self.leaver_last_day - timedelta(days=30)
            )
            if may_have_left and not f & {"handover", "segment_moved"}:
                candidates.append(LEAVER)
            self.owner = rng.choice(candidates)
        if "showcase" in f:
            self.stage = "growth"
        elif established:
            self.stage = rng.choice(("development", "growth", "growth", "maturity"))
        else:
            self.stage = "prospect"
        if "tier_raised" in f or rng.random() >= 0.2:
            self.tier, self.vip = "general", False
        else:
            self.tier, self.vip = "strategic", rng.random() < 0.5
        self.periods = self._periods()

    def _periods(self) -> list[tuple[datetime, datetime]]:
        """When the relationship is alive; nothing is sold or visited in between."""
        rng, start = self.rng, self.registered
        if "reactivated" in self.features:
            self.terminated_at = self.moment(start.date() + timedelta(days=rng.randint(100, 150)))
            self.reactivated_at = self.moment(
                self.terminated_at.date() + timedelta(days=rng.randint(60, 100))
            )
            return [
                (start, self.terminated_at - timedelta(days=1)),
                (self.reactivated_at + timedelta(days=1), self.end),
            ]
        if "terminated" in self.features:
            latest = max(160, (self.end - start).days - 25)
            self.terminated_at = self.moment(
                start.date() + timedelta(days=rng.randint(150, latest))
            )
            return [(start, self.terminated_at - timedelta(days=1))]
        return [(start, self.end)]

    def registration(self) -> c.RegisterCustomer:
        refs = {"crm": f"CRM-{self.rng.randint(10000, 99999)}"} if self.rng.random() < 0.5 else {}
        return c.RegisterCustomer(
            actor=self.head,
            command_id=registration_command_id(self.seed, self.index),
            occurred_at=self.registered.astimezone(UTC),
            name=self.name,
            kind=CustomerKind(self.kind),
            industry=self.identity.industry,
            segment=self.segment,
            headquarters=self.identity.city,
            tier=Tier(self.tier),
            vip=self.vip,
            stage=Stage(self.stage),
            owner=self.owner,
            external_refs=refs,
        )

    # -------------------------------------------------------------- timing
    def working_day_from(self, day: date) -> date:
        """`day`, or the first working day after it."""
        while not self.calendar.is_working_day(day):
            day += timedelta(days=1)
        return day

    def after_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` of business time after `start` (in the story's zone):
        how complaints are made on time or late on purpose."""
        return self.calendar.add_business_time(start, timedelta(hours=hours)).astimezone(self.tz)

    def moment(self, day: date, earliest: float = 9.0, latest: float = 17.5) -> datetime:
        """A working moment on `day` (or the next working day) between the hours."""
        day = self.working_day_from(day)
        minutes = self.rng.randint(int(earliest * 60), int(latest * 60))
        if 12 * 60 <= minutes < 13 * 60:
            minutes += 60  # nobody records anything over lunch
        return datetime.combine(day, time(minutes // 60, minutes % 60), self.tz)

    def later(self, when: datetime, low_days: int, high_days: int, **hours: float) -> datetime:
        return self.moment(
            when.date() + timedelta(days=self.rng.randint(low_days, high_days)), **hours
        )

    def minutes_after(self, when: datetime, low: int, high: int) -> datetime:
        return when + timedelta(minutes=self.rng.randint(low, high))

    def period(self) -> tuple[datetime, datetime]:
        """A period of the live relationship, by its length; the thread that asks
        stops at its end."""
        weights = [(b - a).total_seconds() for a, b in self.periods]
        a, b = self.rng.choices(self.periods, weights=weights)[0]
        self.limit = b
        return a, b

    def day_in(self, a: datetime, b: datetime, *, tail: int = 0) -> date:
        """A day after `a`, at least `tail` days before `b` if the period allows."""
        span = max(1, (b - a).days - tail)
        return a.date() + timedelta(days=self.rng.randint(1, span))

    def at(self, when: datetime, action: Action, actor: str | None = None) -> bool:
        """Schedule a step; one past the thread's limit is dropped (the case stays
        open), and the thread stops there."""
        if when >= self.limit:
            return False
        self.steps.append(Step(when, len(self.steps), action, actor))
        return True

    # --------------------------------------------------------------- telling
    def tell(self, customer: Customer) -> None:
        """Run the steps in the order they happened."""
        prefix = registration_command_id(self.seed, self.index)
        for n, step in enumerate(sorted(self.steps), start=1):
            meta = Meta(
                occurred_at=step.when.astimezone(UTC),
                actor=step.actor or customer.owner or self.head,
                command_id=f"{prefix}-{n:03d}",
            )
            step.action(customer, meta)
