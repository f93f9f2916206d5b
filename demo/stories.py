"""One demo customer's year: timed steps, each a call of one of the `Customer`
aggregate's command methods in the order things happened (back-dated through
`Meta.occurred_at`), so the demo obeys every rule that staff at a keyboard do.
A story depends only on the seed, the customer's position, the day the history
ends and the business calendar, never on what else is in the database."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from demo.customers import customer_identity, person_name, phone_number, registration_command_id
from demo.plots import FEATURE_ODDS, ROTATION
from demo.staff import LEAVER, SEGMENTS, STAFF
from demo.texts import (
    ASSESSMENT_NOTES,
    CHANNEL_WEIGHTS,
    CITIES,
    CONTACT_ENDINGS,
    EXPENSES,
    HANDOVER_REASONS,
    INTERESTS,
    LEAD_SOURCES,
    LOSS_REASONS,
    OUTCOME_WEIGHTS,
    REPAIR_PLANS,
    SCHOOLS,
    TERMINATIONS,
    TEXTS,
)
from demo.timeline import HISTORY_DAYS, leaver_last_day
from ledger import commands as c
from ledger.calendar import BusinessCalendar
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.vocabulary import CustomerKind, Stage, Tier

Action = Callable[[Customer, Meta], object]


@dataclass(frozen=True, order=True)
class Step:
    when: datetime
    order: int
    action: Action = field(compare=False)
    actor: str | None = field(compare=False)  # None: whoever owns the customer then


class Story:
    """One customer's year: timed steps, each a call of one aggregate command."""

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

    def plan(self) -> None:
        self.limit = self.end
        self._onboarding()
        self._stages()
        self._contacts()
        self._visits()
        for n in range(self.rng.randint(2, 5)):
            self._inquiry(late=n == 0 and "late_inquiry" in self.features)
        self._complaints()
        count = self.rng.randint(1, 2) if self.established else 1
        for n, deal in enumerate(self.rng.sample(self.texts.opportunities, k=count)):
            self._opportunity(deal, lose_lead=n == 0 and "lead_lost" in self.features)
        self._satisfaction()
        self._assessments()
        self._profile_changes()
        self._handovers()
        self._person_updated()
        self._person_left()
        self._contact_corrected()
        self._score_corrected()
        self._termination()

    # ----------------------------------------------------------- onboarding
    def _onboarding(self) -> None:
        rng = self.rng
        if self.kind == "individual":
            roles = ["decision_maker"] + (["advisor"] if rng.random() < 0.6 else [])
        else:
            roles = ["decision_maker", rng.choice(("gatekeeper", "advisor")), "user"]
            roles += ["coach"] if rng.random() < 0.5 else []
        self.people: list[tuple[str, str]] = []  # (person id, decision role)
        when = self.registered
        for n, role in enumerate(roles, start=1):
            when = self.minutes_after(when, 5, 30)
            self._add_person(when, role, first=n == 1)
            self.people.append((f"P{n}", role))
        if self.kind == "organisation" and self.features & {"branches", "branch_closed"}:
            self._branches()

    def _add_person(self, when: datetime, role: str, *, first: bool = False) -> bool:
        rng = self.rng
        if self.kind == "individual" and first:
            name = self.name
            family, given = name.split(" ", 1)
            title = "Owner"
        else:
            name, family, given = person_name(rng)
            title = rng.choice(self.texts.titles.get(role, ("Manager",)))
            if self.kind == "individual":
                title = "Spouse"
        brand = self.identity.brand
        domain = f"{brand.lower()}.com.cn" if brand else "163.com"
        notes = (
            f"birthday {rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}; "
            f"studied at {rng.choice(SCHOOLS)}; enjoys {rng.choice(INTERESTS)}"
        )
        status = rng.choice(("positive", "neutral", "neutral", "not_established"))
        counterpart = self.head if role == "decision_maker" and self.tier == "strategic" else None
        phones = [phone_number(rng)]
        emails = [f"{given}.{family}@{domain}".lower().replace(" ", "")]

        def add(cu: Customer, m: Meta) -> None:
            cu.add_key_person(
                name=name,
                title=title,
                phones=phones,
                emails=emails,
                personal_notes=notes,
                decision_role=role,
                relationship_status=status,
                counterpart=counterpart or cu.owner,
                meta=m,
            )

        return self.at(when, add)

    def _branches(self) -> None:
        rng = self.rng
        self.limit = self.end
        cities = rng.sample([c for c in CITIES if c != self.identity.city], 2)
        when = self.later(self.registered, 2, 40)
        for city in cities[: rng.randint(1, 2)]:
            self._branch(when, rng.choice(self.texts.branches).format(city=city), city)
            when = self.later(when, 20, 90)

    def _branch(self, when: datetime, name: str, city: str) -> None:
        ids: dict[str, str] = {}

        def add(cu: Customer, m: Meta) -> None:
            ids["branch"] = cu.add_branch(name, city, m)

        def close(cu: Customer, m: Meta) -> None:
            cu.close_branch(ids["branch"], "lease ended; the work moved to the head office", m)

        if self.at(when, add) and self.branch_closing:
            self.branch_closing = False
            self.at(self.later(when, 60, 150), close)

    # -------------------------------------------------------------- stages
    def _stages(self) -> None:
        chain = {"prospect": "development", "development": "growth", "growth": "maturity"}
        odds = {"prospect": 0.9, "development": 0.35, "growth": 0.2}
        stage, steps = self.stage, []
        while stage in chain and self.rng.random() < odds[stage]:
            steps.append(chain[stage])
            stage = chain[stage]
        if not steps:
            return
        a, b = self.periods[0]
        self.limit = b
        earliest = a + timedelta(days=30 if self.stage == "prospect" else 10)
        days = sorted(self.day_in(earliest, b, tail=5) for _ in steps)
        reasons = {
            "development": "first order placed after the introductory visit",
            "growth": "order volume up for three quarters in a row",
            "maturity": "stable multi-year contract; growth has levelled off",
        }
        for day, target in zip(days, steps, strict=True):

            def change(cu: Customer, m: Meta, target: str = target) -> None:
                cu.change_stage(target, reasons[target], m)

            self.at(self.moment(day), change, self.head)

    # ------------------------------------------------------------- contacts
    def _contacts(self) -> None:
        for a, b in self.periods:
            self.limit = b
            when = self.later(a, 2, 9)
            while True:
                # Some follow-ups are promises worth tracking as commitments.
                promise = self.rng.choice(self.texts.follow_ups)
                tracked = self.rng.random() < 0.1
                if not self.at(when, self._contact_action(promise=promise if tracked else None)):
                    break
                if tracked:
                    self._commitment(when, promise)
                when = self.later(when, 9, 28)

    def _contact_action(
        self, channel: str | None = None, summary: str | None = None, promise: str | None = None
    ) -> Action:
        rng, texts = self.rng, self.texts
        channel = channel or rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        direction = "outbound" if rng.random() < 0.6 else "inbound"
        people = [
            pid for pid, _ in rng.sample(self.people, k=min(len(self.people), rng.randint(0, 2)))
        ]
        text = summary or f"{rng.choice(texts.contact_topics)}; {rng.choice(CONTACT_ENDINGS)}."
        if promise is None and rng.random() < 0.2:
            promise = rng.choice(texts.follow_ups)
        follow_ups = [promise] if promise else []

        def log(cu: Customer, m: Meta) -> None:
            cu.log_contact(
                channel=channel,
                direction=direction,
                people=people,
                summary=text,
                follow_ups=follow_ups,
                meta=m,
            )

        return log

    def _commitment(self, after: datetime, description: str) -> None:
        rng = self.rng
        promised = self.minutes_after(after, 2, 20)
        due = promised.date() + timedelta(days=rng.randint(3, 14))
        ids: dict[str, str] = {}

        def make(cu: Customer, m: Meta) -> None:
            ids["cm"] = cu.make_commitment(description, due, "contact", m)

        if self.at(promised, make):
            self._fulfil(ids, "cm", promised, due)

    def _fulfil(self, ids: dict[str, str], key: str, made: datetime, due: date) -> None:
        """Most promises are kept before they are due; some late, some not yet."""
        rng = self.rng
        fate = rng.random()
        if fate < 0.1:
            return  # still open
        days_to_due = max(1, (due - made.date()).days)
        if fate < 0.2:
            when = self.moment(due + timedelta(days=rng.randint(2, 10)))
        else:
            when = self.moment(made.date() + timedelta(days=rng.randint(1, days_to_due)))
        self.at(when, lambda cu, m: cu.fulfil_commitment(ids[key], "done as promised", m))

    # --------------------------------------------------------------- visits
    def _visits(self) -> None:
        rng = self.rng
        count = rng.randint(2, 5) if self.established else rng.randint(1, 3)
        if not self.established:
            self.limit = self.periods[0][1]
            first = self.later(self.registered, 7, 20, earliest=9.5, latest=15.0)
            self._visit(first, self.registered, first=True)
            count -= 1
        cancel = "visit_cancelled" in self.features
        for _ in range(count):
            a, b = self.period()
            day = self.day_in(a, b, tail=3)
            if self._visit(self.moment(day, 9.5, 15.0), a, cancel=cancel):
                cancel = False

    def _visit(
        self, when: datetime, alive_since: datetime, *, first: bool = False, cancel: bool = False
    ) -> bool:
        """Plan (or not) and report a visit; True if it was planned and then cancelled."""
        rng, texts = self.rng, self.texts
        ids: dict[str, str] = {}
        planned_at = self.moment(when.date() - timedelta(days=rng.randint(3, 10)))
        if planned_at <= alive_since + timedelta(days=1):
            # Not before onboarding is done, nor while the relationship is terminated.
            planned_at = self.later(alive_since, 1, 1)
        planned = (cancel or rng.random() < 0.6) and planned_at < when
        purpose, kind, summary, handled, pending = rng.choice(texts.visits)
        if first:
            purpose, kind = "new_customer", "first_visit"
        companions = [s for s in self.team if s != LEAVER]
        companion = rng.choice(companions) if rng.random() < 0.4 else None
        met = [
            pid for pid, _ in rng.sample(self.people, k=min(len(self.people), rng.randint(1, 2)))
        ]
        if planned:

            def plan(cu: Customer, m: Meta) -> None:
                ids["v"] = cu.plan_visit(
                    planned_for=when.astimezone(UTC),
                    purpose=purpose,
                    kind=kind,
                    visitor=cu.owner or self.head,
                    companions=[companion] if companion and companion != cu.owner else [],
                    people=met,
                    agenda=summary,
                    meta=m,
                )

            if not self.at(planned_at, plan):
                return False
        if planned and cancel:
            return self.at(
                planned_at + (when - planned_at) / 2,
                lambda cu, m: cu.cancel_visit(
                    ids["v"], "they asked to postpone: their GM is travelling", m
                ),
            )
        outcome = (
            "B" if first else rng.choices(list(OUTCOME_WEIGHTS), list(OUTCOME_WEIGHTS.values()))[0]
        )
        expenses = [
            {"item": item, "amount": f"{rng.uniform(low, high):.2f}", "currency": "CNY"}
            for item, low, high in rng.sample(EXPENSES, k=rng.randint(1, 3))
        ]
        promises = [
            {
                "description": description,
                "due": (when.date() + timedelta(days=rng.randint(7, 30))).isoformat(),
            }
            for description in rng.sample(texts.commitments, k=rng.choice((0, 0, 1, 1, 2)))
        ]
        reported = when + timedelta(hours=rng.randint(2, 4), minutes=rng.randint(0, 59))

        def report(cu: Customer, m: Meta) -> None:
            for n in range(1, len(promises) + 1):
                ids[f"cm{n}"] = cu.next_id("commitment", offset=n)
            cu.report_visit(
                visit_id=ids.get("v"),
                purpose=purpose,
                kind=kind,
                visitor=cu.owner or self.head,
                companions=[companion] if companion and companion != cu.owner else [],
                people_met=met,
                summary=summary,
                outcome=outcome,
                expenses=expenses,
                problems_handled=[handled],
                problems_pending=[pending] if outcome in "BCE" else [],
                commitments=promises,
                meta=m,
            )

        if self.at(reported, report):
            for n, promise in enumerate(promises, start=1):
                self._fulfil(ids, f"cm{n}", reported, date.fromisoformat(promise["due"]))
        return False

    # ------------------------------------------------------------ inquiries
    def _inquiry(self, *, late: bool = False) -> None:
        rng = self.rng
        a, b = self.period()
        received = self.moment(self.day_in(a, b), 9.0, 17.0)
        title, question, answer = rng.choice(self.texts.inquiries)
        channel = rng.choice(("phone", "email", "web", "message"))
        ids: dict[str, str] = {}
        late = late or rng.random() < 0.12

        def receive(cu: Customer, m: Meta) -> None:
            ids["iq"] = cu.receive_inquiry(channel, title, question, m)

        if not self.at(received, receive):
            return
        if late:
            supervisor = f"{self.head} (supervisor)"

            def escalate(cu: Customer, m: Meta) -> None:
                ids["es"] = cu.raise_escalation(
                    ids["iq"], 1, supervisor, "no answer after 15 minutes", m
                )

            answered = self.minutes_after(received, 40, 180)
            self.at(self.minutes_after(received, 15, 25), escalate)
            self.at(answered, lambda cu, m: cu.answer_inquiry(ids["iq"], answer, m))
            self.at(
                self.minutes_after(answered, 5, 30),
                lambda cu, m: cu.resolve_escalation(ids["es"], "answered; duty roster fixed", m),
                self.head,
            )
        else:
            self.at(
                self.minutes_after(received, 2, 9),
                lambda cu, m: cu.answer_inquiry(ids["iq"], answer, m),
            )

    # ------------------------------------------------------------ complaints
    def _complaints(self) -> None:
        f = self.features
        variants = ["on_time"] * self.rng.choice((0, 1, 1, 1, 2))
        variants += [
            variant
            for variant, feature in (
                ("showcase", "showcase"),
                ("late", "late_complaint"),
                ("critical", "critical_complaint"),
                ("paused", "paused_complaint"),
                ("reopened", "reopened_complaint"),
                ("open", "open_complaint"),
            )
            if feature in f
        ]
        for variant in variants:
            self._complaint(variant)

    def _complaint(self, variant: str) -> None:
        rng = self.rng
        if variant == "open":
            self.limit = self.periods[-1][1]
            day = self.limit.date() - timedelta(days=rng.randint(1, 6))
        elif variant == "showcase":
            self.limit = self.end
            day = self.end.date() - timedelta(days=100)
        else:
            a, b = self.period()
            day = self.day_in(a, b, tail=20)
        filed = self.moment(day, 9.0, 15.5)
        category, description, resolution, root_cause = rng.choice(self.texts.complaints)
        severity = {"critical": "critical", "showcase": "high", "late": "high"}.get(
            variant, rng.choice(("low", "medium", "medium", "high"))
        )
        channel = rng.choice(("phone", "email", "web", "letter", "meeting"))
        ids: dict[str, str] = {}

        def file(cu: Customer, m: Meta) -> None:
            ids["cp"] = cu.file_complaint(category, severity, description, channel, m)

        if not self.at(filed, file):
            return
        acknowledged = self.minutes_after(filed, 10, 45)
        if not self.at(
            acknowledged,
            lambda cu, m: cu.acknowledge_complaint(ids["cp"], "received; we are on it", m),
        ):
            return
        if variant == "open":
            if severity in ("high", "critical"):
                self._escalate(ids, 1, self.after_working_hours(filed, 3.2))
            return
        escalations: list[tuple[int, float]] = []
        if variant == "paused":
            paused = self.minutes_after(acknowledged, 20, 60)
            resumed = self.later(paused, 2, 6, earliest=9.0, latest=10.5)
            if not (
                self.at(
                    paused,
                    lambda cu, m: cu.pause_complaint(
                        ids["cp"], "waiting for their photos and the contract number", m
                    ),
                )
                and self.at(
                    resumed,
                    lambda cu, m: cu.resume_complaint(ids["cp"], "documents received", m),
                )
            ):
                return
            resolved = self.after_working_hours(resumed, rng.uniform(0.5, 1.5))
        elif variant in ("on_time", "reopened"):
            resolved = self.after_working_hours(filed, rng.uniform(1.0, 3.6))
        else:
            escalations = [(1, rng.uniform(3.0, 3.5))]
            if variant in ("showcase", "critical") or rng.random() < 0.5:
                escalations.append((2, rng.uniform(6.0, 8.0)))
            if variant == "critical":
                escalations.append((3, rng.uniform(12.0, 14.0)))
            # More than two working days: unmistakably past the 4-hour target.
            resolved = self.after_working_hours(filed, rng.uniform(17.0, 30.0))
        for level, hours in escalations:
            if not self._escalate(ids, level, self.after_working_hours(filed, hours)):
                return
        if not self.at(
            resolved,
            lambda cu, m: cu.resolve_complaint(ids["cp"], resolution, root_cause, m),
        ):
            return
        for level, _ in escalations:

            def close(cu: Customer, m: Meta, escalation: str = f"es{level}") -> None:
                cu.resolve_escalation(ids[escalation], "complaint resolved; customer informed", m)

            self.at(self.minutes_after(resolved, 10 * level, 10 * level + 30), close, self.head)
        if variant == "reopened":
            reopened = self.later(resolved, 3, 12)
            if not self.at(
                reopened,
                lambda cu, m: cu.reopen_complaint(ids["cp"], "the problem came back", m),
            ):
                return
            resolved = self.after_working_hours(reopened, rng.uniform(1.0, 3.0))
            if not self.at(
                resolved,
                lambda cu, m: cu.resolve_complaint(
                    ids["cp"], f"{resolution}; checked again on site", root_cause, m
                ),
            ):
                return
        slow = variant in ("showcase", "late", "critical")
        score = rng.randint(1, 3) if slow else rng.randint(4, 5)
        self.at(
            self.later(resolved, 1, 3),
            lambda cu, m: cu.record_satisfaction(
                score, "spot_check", f"call after complaint {ids['cp']}", m
            ),
        )
        if variant == "showcase":
            self.at(
                self.later(resolved, 4, 8),
                lambda cu, m: cu.assess_relationship(
                    "P1", "negative", "unhappy about how long the complaint took", m
                ),
            )

    def _escalate(self, ids: dict[str, str], level: int, when: datetime) -> bool:
        to = {
            1: f"{self.head} (supervisor)",
            2: f"{self.texts.label} department head",
            3: "head office, customer relations",
        }[level]
        reason = {
            1: "three working hours gone and not resolved",
            2: "the customer's GM called; still not resolved",
            3: "critical complaint open for more than a working day",
        }[level]

        def escalate(cu: Customer, m: Meta) -> None:
            ids[f"es{level}"] = cu.raise_escalation(ids["cp"], level, to, reason, m)

        return self.at(when, escalate)

    # --------------------------------------------------------- opportunities
    def _opportunity(self, deal: tuple[str, int, int], *, lose_lead: bool) -> None:
        rng = self.rng
        a, b = self.period()
        if not self.established and a == self.registered:
            a = a + timedelta(days=20)
        created = self.moment(self.day_in(a, b, tail=60))
        title, low, high = deal
        value = round(rng.uniform(low, high), -4)
        source = rng.choice(LEAD_SOURCES)
        ids: dict[str, str] = {}

        def lead(cu: Customer, m: Meta) -> None:
            ids["op"] = cu.create_lead(title, source, "", m)

        if not self.at(created, lead):
            return
        when = self.later(created, 3, 14)
        if not self.at(
            when,
            lambda cu, m: cu.log_follow_up(
                ids["op"], "first call with their procurement team", "send a proposal", m
            ),
        ):
            return
        if lose_lead or rng.random() < 0.15:
            reason = rng.choice(LOSS_REASONS)
            self.at(
                self.later(when, 10, 30), lambda cu, m: cu.lose_opportunity(ids["op"], reason, m)
            )
            return
        when = self.later(when, 5, 20)
        if not self.at(
            when,
            lambda cu, m: cu.open_opportunity(
                lead_id=ids["op"],
                title=title,
                stage="qualification",
                value=f"{value:.2f}",
                currency="CNY",
                meta=m,
            ),
        ):
            return
        stages = ("needs_analysis", "proposal", "negotiation", "contracting")
        for stage in stages[: rng.randint(1, 4)]:

            def follow_up(cu: Customer, m: Meta, stage: str = stage) -> None:
                work = f"worked on the {stage.replace('_', ' ')}"
                cu.log_follow_up(ids["op"], work, "next meeting booked", m)

            def advance(cu: Customer, m: Meta, stage: str = stage) -> None:
                cu.change_opportunity_stage(ids["op"], stage, "they agreed to move on", m)

            # Now and then a follow-up comes after more than 30 days: a lapse to find.
            gap = (32, 45) if rng.random() < 0.1 else (7, 25)
            when = self.later(when, *gap)
            if not self.at(when, follow_up):
                return
            when = self.later(when, 2, 10)
            if not self.at(when, advance):
                return
        fate = rng.random()
        when = self.later(when, 5, 20)
        if fate < 0.6:
            won = value * rng.choice((0.9, 0.95, 1.0))
            self.at(
                when,
                lambda cu, m: cu.win_opportunity(ids["op"], f"{won:.2f}", "contract signed", m),
            )
        elif fate < 0.85:
            reason = rng.choice(LOSS_REASONS)
            self.at(when, lambda cu, m: cu.lose_opportunity(ids["op"], reason, m))

    # ---------------------------------------------------------- satisfaction
    def _satisfaction(self) -> None:
        rng = self.rng
        for quarter in range(1, 5):
            day = self.start.date() + timedelta(days=91 * quarter - rng.randint(0, 10))
            when = self.moment(day)
            period = next((p for p in self.periods if p[0] <= when < p[1]), None)
            if period is None:
                continue
            self.limit = period[1]
            score = rng.choices((1, 2, 3, 4, 5), (2, 5, 20, 45, 28))[0]

            def survey(cu: Customer, m: Meta, score: int = score, quarter: int = quarter) -> None:
                cu.record_satisfaction(score, "survey", f"quarterly survey, Q{quarter}", m)

            self.at(when, survey)

    def _assessments(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 2)):
            a, b = self.period()
            person, _ = rng.choice(self.people)
            status = rng.choices(("positive", "neutral", "negative"), (5, 4, 1))[0]
            note = rng.choice(ASSESSMENT_NOTES[status])

            def assess(
                cu: Customer, m: Meta, person: str = person, status: str = status, note: str = note
            ) -> None:
                cu.assess_relationship(person, status, note, m)

            self.at(self.moment(self.day_in(a, b)), assess)

    # --------------------------------------------------------------- profile
    def _profile_changes(self) -> None:
        rng, f = self.rng, self.features
        self.limit = self.end
        if "profile_updated" in f:
            city = rng.choice([c for c in CITIES if c != self.identity.city])
            changes: dict[str, object] = (
                {"headquarters": city}
                if rng.random() < 0.5
                else {"external_refs": {"erp": f"ERP-{rng.randint(10000, 99999)}"}}
            )
            self.at(
                self.moment(self.day_in(self.registered, self.end)),
                lambda cu, m: cu.update_profile(changes, m),
            )
        if "tier_raised" in f:
            day = (
                self.end.date() - timedelta(days=60)
                if "showcase" in f
                else self.day_in(self.registered, self.end)
            )
            self.at(
                self.moment(day),
                lambda cu, m: cu.change_tier(
                    "strategic", True, "annual revenue above CNY 5 million", m
                ),
                self.head,
            )

    def _handovers(self) -> None:
        rng, f = self.rng, self.features
        self.limit = self.end
        if self.owner == LEAVER:
            days_late = 1 if rng.random() < 0.9 else rng.randint(2, 3)
            when = self.moment(self.leaver_last_day + timedelta(days=days_late), 9.0, 11.0)
            reason = (
                f"{LEAVER} left the company on {self.leaver_last_day:%Y-%m-%d}; "
                "account handed over with its full history"
            )
            self._hand_over(when, reason, self.segment)
        elif "handover" in f:
            when = self.moment(self.day_in(self.registered, self.end, tail=30))
            self._hand_over(when, rng.choice(HANDOVER_REASONS), self.segment)
        if "segment_moved" in f:
            target = {"technology": "airport", "airport": "technology", "real_estate": "airport"}[
                self.segment
            ]
            why = f"its main contract is now with our {TEXTS[target].label} business"
            when = self.moment(self.day_in(self.registered, self.end, tail=60))
            self.at(when, lambda cu, m: cu.change_segment(target, why, m), self.head)
            moved = self.minutes_after(when, 30, 90)
            self._hand_over(moved, f"account moved to the {target} segment", target)

    def _hand_over(self, when: datetime, reason: str, segment: str) -> bool:
        """Hand the customer to a member of `segment`'s team; who owns it by then
        depends on the other plot lines, so the new owner is settled when it happens."""
        candidates = [s for s in STAFF[segment] if s != LEAVER]
        self.rng.shuffle(candidates)

        def assign(cu: Customer, m: Meta) -> None:
            cu.assign_owner(next(s for s in candidates if s != cu.owner), reason, m)

        return self.at(when, assign, STAFF[segment][0])

    # Each plot line has a method of its own: the closures it schedules must not
    # see a name rebound by another plot line (Python binds them late).
    def _person_updated(self) -> None:
        if "person_updated" not in self.features:
            return
        self.limit = self.end
        person, _ = self.people[0]
        changes: dict[str, object] = (
            {"title": self.rng.choice(("President", "Chairman of the Board"))}
            if self.kind == "organisation"
            else {"phones": [phone_number(self.rng)]}
        )
        self.at(
            self.moment(self.day_in(self.registered, self.end)),
            lambda cu, m: cu.update_key_person(person, changes, m),
        )

    def _person_left(self) -> None:
        if "person_left" not in self.features or self.kind != "organisation":
            return
        a, b = self.periods[0]
        self.limit = self.end
        joined = self.moment(self.day_in(a, b, tail=120))
        # Only this plot line adds people after onboarding, so the next id is known.
        newcomer = f"P{len(self.people) + 1}"
        if not self._add_person(joined, "gatekeeper"):
            return
        self.at(
            self.later(joined, 20, 40),
            lambda cu, m: cu.assess_relationship(
                newcomer, "positive", "helpful with the paperwork", m
            ),
        )
        left = self.later(joined, 60, 100)
        self.at(left, lambda cu, m: cu.record_person_left(newcomer, "moved to a competitor", m))
        self._add_person(self.later(left, 3, 10), "gatekeeper")

    def _contact_corrected(self) -> None:
        if "contact_corrected" not in self.features:
            return
        a, b = self.period()
        when = self.moment(self.day_in(a, b, tail=5))
        versions: dict[str, int] = {}
        logged = self._contact_action(
            "email", "Called their duty manager about the new schedule; they agreed."
        )

        def log(cu: Customer, m: Meta) -> None:
            logged(cu, m)
            versions["contact"] = cu.version

        if self.at(when, log):
            self.at(
                self.later(when, 1, 2),
                lambda cu, m: cu.record_correction(
                    target_version=versions["contact"],
                    target_type="ContactLogged",
                    reason="logged as an email by mistake: it was a phone call",
                    changes={"channel": "phone"},
                    meta=m,
                ),
            )

    def _score_corrected(self) -> None:
        if "score_corrected" not in self.features:
            return
        a, b = self.period()
        when = self.moment(self.day_in(a, b, tail=5))
        versions: dict[str, int] = {}

        def score(cu: Customer, m: Meta) -> None:
            cu.record_satisfaction(2, "survey", "annual survey form", m)
            versions["score"] = cu.version

        if self.at(when, score):
            self.at(
                self.minutes_after(when, 60, 240),
                lambda cu, m: cu.record_correction(
                    target_version=versions["score"],
                    target_type="SatisfactionRecorded",
                    reason="typed 2 instead of the 4 on the survey form",
                    changes={"score": 4},
                    meta=m,
                ),
            )

    def _termination(self) -> None:
        if not self.features & {"terminated", "reactivated"}:
            return
        rng = self.rng
        self.limit = self.end
        ended = self.terminated_at
        reason, root_cause = rng.choice(TERMINATIONS)
        reference = f"HO-{ended:%Y}-{rng.randint(100, 999)}"
        warning = self._contact_action(
            "meeting", "Their GM said they are reviewing all suppliers; relationship at risk."
        )
        self.at(ended - timedelta(days=rng.randint(8, 14)), warning)
        self.at(
            ended,
            lambda cu, m: cu.terminate(reason, root_cause, reference, m),
            self.head,
        )
        self.at(
            self.later(ended, 3, 20),
            self._contact_action("phone", "Exit call: asked what would bring them back; noted."),
        )
        if "reactivated" in self.features:
            plan = rng.choice(REPAIR_PLANS)
            back = self.reactivated_at
            self.at(back, lambda cu, m: cu.reactivate(plan, m), self.head)
            fresh_start = "fresh start after the reactivation (repair plan)"
            self._hand_over(self.minutes_after(back, 5, 30), fresh_start, self.segment)
            self.at(
                self.minutes_after(back, 60, 180),
                self._contact_action("meeting", "Kick-off meeting after the reactivation."),
            )
