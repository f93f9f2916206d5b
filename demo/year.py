"""A demo customer's whole year: every thread, planned in one order."""

from __future__ import annotations

from demo.cases import CaseThreads
from demo.contact_plans import ContactPlanThread
from demo.erasure import plan_erasure
from demo.relationship import RelationshipThreads


class CustomerYear(RelationshipThreads, CaseThreads, ContactPlanThread):
    """One customer's year, planned thread by thread (`plan`), then told (`tell`)."""

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
        self._contact_plans()
        plan_erasure(self)
