"""The customer's sales cases: leads, opportunities and commitments
(docs/domain.md, "Follow-through").

A mixin of the Customer aggregate (ledger/domain/customer.py).
"""

from __future__ import annotations

from datetime import date

from ledger.domain.base import Meta
from ledger.domain.case_guards import CaseGuards, PolicyRecord, policy_record
from ledger.domain.events import (
    CommitmentFulfilled,
    CommitmentMade,
    FollowUpLogged,
    LeadCreated,
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)
from ledger.errors import RuleViolationError


class SalesCases(CaseGuards):
    """Leads, opportunities and commitments."""

    # ------------------------------------------------------------- opportunities
    def create_lead(
        self,
        title: str,
        source: str,
        note: str,
        meta: Meta,
        *,
        sla_policy: PolicyRecord | None = None,
    ) -> str:
        self.check_not_terminated("create a lead")
        case_id = self.next_id("opportunity")
        self._record(
            LeadCreated,
            meta,
            case_id=case_id,
            title=title,
            source=source,
            note=note,
            sla_policy=policy_record(sla_policy),
        )
        return case_id

    def open_opportunity(
        self,
        *,
        lead_id: str | None,
        title: str,
        stage: str,
        value: str | None,
        currency: str | None,
        meta: Meta,
        sla_policy: PolicyRecord | None = None,
        expected_close: str | None = None,
    ) -> str:
        self.check_not_terminated("open an opportunity")
        if lead_id is not None:
            case = self.check_case(lead_id, "opportunity")
            if case["status"] != "lead":
                raise RuleViolationError(
                    f"{self.code}/{lead_id} is not a lead: it is {case['status']}"
                )
            self.check_not_before_opening(lead_id, case, meta)
        case_id = lead_id or self.next_id("opportunity")
        self._record(
            OpportunityOpened,
            meta,
            case_id=case_id,
            from_lead=lead_id is not None,
            title=title,
            stage=stage,
            value=value,
            currency=currency,
            sla_policy=policy_record(sla_policy),
            expected_close=expected_close,
        )
        return case_id

    def change_opportunity_stage(
        self, case_id: str, stage: str, note: str, meta: Meta, expected_close: str | None = None
    ) -> None:
        case = self.check_case(case_id, "opportunity")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        if case["stage"] == stage:
            raise RuleViolationError(f"{self.code}/{case_id} is at stage {stage} already")
        self._record(
            OpportunityStageChanged,
            meta,
            case_id=case_id,
            previous=case["stage"],
            stage=stage,
            note=note,
            expected_close=expected_close,
        )

    def log_follow_up(self, case_id: str, summary: str, next_step: str, meta: Meta) -> None:
        case = self.check_case(case_id, "opportunity")
        self.check_open(case_id, case, allowed=("lead", "open"))
        self.check_not_before_opening(case_id, case, meta)
        self._record(FollowUpLogged, meta, case_id=case_id, summary=summary, next_step=next_step)

    def win_opportunity(self, case_id: str, value: str | None, note: str, meta: Meta) -> None:
        case = self.check_case(case_id, "opportunity")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(OpportunityWon, meta, case_id=case_id, value=value, note=note)

    def lose_opportunity(self, case_id: str, reason: str, meta: Meta) -> None:
        case = self.check_case(case_id, "opportunity")
        self.check_open(case_id, case, allowed=("lead", "open"))
        self.check_not_before_opening(case_id, case, meta)
        self._record(OpportunityLost, meta, case_id=case_id, reason=reason)

    # --------------------------------------------------------------- commitments
    def make_commitment(
        self,
        description: str,
        due: date | None,
        source: str,
        meta: Meta,
        *,
        sla_policy: PolicyRecord | None = None,
    ) -> str:
        case_id = self.next_id("commitment")
        self._record(
            CommitmentMade,
            meta,
            case_id=case_id,
            description=description,
            due=due.isoformat() if due else None,
            source=source,
            sla_policy=policy_record(sla_policy),
        )
        return case_id

    def fulfil_commitment(self, case_id: str, note: str, meta: Meta) -> None:
        case = self.check_case(case_id, "commitment")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(CommitmentFulfilled, meta, case_id=case_id, note=note)
