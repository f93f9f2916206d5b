"""The threads of a demo customer's year that concern the relationship itself:
onboarding, people and branches, stages, contacts and commitments, visits,
satisfaction, profile changes, handovers, corrections and termination."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from demo.customers import person_name, phone_number
from demo.personal import personal_details
from demo.staff import LEAVER, STAFF
from demo.story import Action, Story
from demo.texts import (
    ASSESSMENT_NOTES,
    CHANNEL_WEIGHTS,
    CITIES,
    CONTACT_ENDINGS,
    EXPENSES,
    HANDOVER_REASONS,
    OUTCOME_WEIGHTS,
    REPAIR_PLANS,
    TERMINATIONS,
    TEXTS,
)
from ledger.domain.base import Meta
from ledger.domain.customer import Customer


class RelationshipThreads(Story):
    """The relationship's own threads of a customer's year."""

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
        details = personal_details(rng, family, given, domain, self.registered.date())
        status = rng.choice(("positive", "neutral", "neutral", "not_established"))
        counterpart = self.head if role == "decision_maker" and self.tier == "strategic" else None

        def add(cu: Customer, m: Meta) -> None:
            cu.add_key_person(
                name=name,
                title=title,
                decision_role=role,
                relationship_status=status,
                counterpart=counterpart or cu.owner,
                meta=m,
                details=details,
                seal=self.seal,
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
                # A follow-up promised on a call is a commitment of its own, due a few
                # days on (docs/domain.md, "Follow-through").
                promise = self.rng.choice(self.texts.follow_ups)
                promised = self.rng.random() < 0.25
                due = when.date() + timedelta(days=self.rng.randint(3, 14))
                ids: dict[str, str] = {}
                logged = self._contact_action(
                    promise=promise if promised else None, due=due, ids=ids
                )
                if not self.at(when, logged):
                    break
                if promised:
                    self._fulfil(ids, "cm", when, due)
                when = self.later(when, 9, 28)

    def _contact_action(
        self,
        channel: str | None = None,
        summary: str | None = None,
        promise: str | None = None,
        due: date | None = None,
        ids: dict[str, str] | None = None,
    ) -> Action:
        rng, texts = self.rng, self.texts
        channel = channel or rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        direction = "outbound" if rng.random() < 0.6 else "inbound"
        people = [
            pid for pid, _ in rng.sample(self.people, k=min(len(self.people), rng.randint(0, 2)))
        ]
        text = summary or f"{rng.choice(texts.contact_topics)}; {rng.choice(CONTACT_ENDINGS)}."
        follow_ups = [promise] if promise else []

        def log(cu: Customer, m: Meta) -> None:
            if follow_ups and ids is not None:
                ids["cm"] = cu.next_id("commitment")
            cu.log_contact(
                channel=channel,
                direction=direction,
                people=people,
                summary=text,
                follow_ups=follow_ups,
                meta=m,
                follow_up_due=due if follow_ups else None,
            )

        return log

    def _fulfil(self, ids: dict[str, str], key: str, made: datetime, due: date) -> None:
        """Most promises are kept before they are due; some late, some not yet, and a
        few are withdrawn because the customer no longer wants them."""
        rng = self.rng
        fate = rng.random()
        # Left open only if made lately: a promise forgotten for months is the
        # exception the work list exists to catch, not the rule of the demo.
        if fate < 0.1 and (self.end.date() - due).days < 30:
            return  # still open
        if fate < 0.1:
            fate = 0.15  # kept, but late
        days_to_due = max(1, (due - made.date()).days)
        if fate < 0.14:
            when = self.moment(made.date() + timedelta(days=rng.randint(1, days_to_due)))
            self.at(
                when,
                lambda cu, m: cu.withdraw_commitment(
                    ids[key], "the customer no longer needs it", m
                ),
            )
            return
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
            ids["visit"] = cu.report_visit(
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
            if rng.random() < 0.4:
                self._handle_problems(ids, reported)
        return False

    def _handle_problems(self, ids: dict[str, str], reported: datetime) -> None:
        """Some problems a visit left open are handled a few days later, each
        recorded on its own (the others wait for a later visit, or for good)."""

        def handle(cu: Customer, m: Meta) -> None:
            raised_here = [
                problem_id
                for problem_id, case in cu.cases.items()
                if case["kind"] == "problem"
                and case["status"] == "open"
                and case["visit"] == ids["visit"]
            ]
            for problem_id in raised_here:
                cu.handle_problem(problem_id, "sorted out with their operations team", m)

        self.at(self.later(reported, 2, 12), handle)

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

    def _person_updated(self) -> None:
        if "person_updated" not in self.features:
            return
        self.limit = self.end
        person, _ = self.people[0]
        changes: dict[str, object] = (
            {"title": self.rng.choice(("President", "Chairman of the Board"))}
            if self.kind == "organisation"
            else {}
        )
        details = {} if changes else {"mobile": phone_number(self.rng)}
        self.at(
            self.moment(self.day_in(self.registered, self.end)),
            lambda cu, m: cu.update_key_person(person, changes, m, details, self.seal),
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
