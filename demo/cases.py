"""The threads of a demo customer's year that open cases: inquiries, complaints
(on time, late on purpose, paused, reopened, still open) with their escalations,
and opportunities won or lost."""

from __future__ import annotations

from datetime import datetime, timedelta

from demo.story import Story
from demo.texts import (
    LEAD_SOURCES,
    LOSS_REASONS,
)
from ledger.domain.base import Meta
from ledger.domain.customer import Customer


class CaseThreads(Story):
    """The cases of a customer's year."""

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
            # The answer closes the escalation with it.
            self.at(answered, lambda cu, m: cu.answer_inquiry(ids["iq"], answer, m))
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
        # Resolving the complaint closes its escalations with it.
        if not self.at(
            resolved,
            lambda cu, m: cu.resolve_complaint(ids["cp"], resolution, root_cause, m),
        ):
            return
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
        # Expected close two to five months out, worked out from the deal rather than
        # drawn, so the rest of the demo's stories stay as they were.
        expected = (when + timedelta(days=60 + int(value) // 10_000 % 90)).date().isoformat()
        if not self.at(
            when,
            lambda cu, m: cu.open_opportunity(
                lead_id=ids["op"],
                title=title,
                stage="qualification",
                value=f"{value:.2f}",
                currency="CNY",
                meta=m,
                expected_close=expected,
            ),
        ):
            return
        stages = ("needs_analysis", "proposal", "negotiation", "contracting")
        for stage in stages[: rng.randint(1, 4)]:

            def follow_up(cu: Customer, m: Meta, stage: str = stage) -> None:
                work = f"worked on the {stage.replace('_', ' ')}"
                cu.log_follow_up(ids["op"], work, "next meeting booked", m)

            def advance(cu: Customer, m: Meta, stage: str = stage) -> None:
                # Negotiating, the close is a month or so out: the date moves with it.
                closing = None
                if stage in ("negotiation", "contracting"):
                    closing = (m.occurred_at + timedelta(days=35)).date().isoformat()
                cu.change_opportunity_stage(
                    ids["op"], stage, "they agreed to move on", m, expected_close=closing
                )

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
