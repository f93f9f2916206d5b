"""The customer's service cases: inquiries, complaints and their escalations,
and the SLA breaches a sweep records on them (docs/domain.md, "Service rules
(SLA)").

A mixin of the Customer aggregate (ledger/domain/customer.py).
"""

from __future__ import annotations

from datetime import datetime

from ledger.domain.base import Meta
from ledger.domain.case_guards import CaseGuards, PolicyRecord, policy_record
from ledger.domain.events import (
    ComplaintAcknowledged,
    ComplaintFiled,
    ComplaintPaused,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
    EscalationRaised,
    EscalationResolved,
    InquiryAnswered,
    InquiryReceived,
    SlaBreached,
)
from ledger.domain.sla.targets import SLA_TARGETS, breach_key
from ledger.errors import CaseNotFoundError, RuleViolationError
from ledger.vocabulary import ESCALATION_LEVELS

CASE_KINDS_THAT_ESCALATE = ("inquiry", "complaint")


class ServiceCases(CaseGuards):
    """Inquiries, complaints, escalations and SLA breaches."""

    # ----------------------------------------------------------------- inquiries
    def receive_inquiry(
        self,
        channel: str,
        title: str,
        question: str,
        meta: Meta,
        *,
        sla_policy: PolicyRecord | None = None,
    ) -> str:
        case_id = self.next_id("inquiry")
        self._record(
            InquiryReceived,
            meta,
            case_id=case_id,
            channel=channel,
            title=title,
            question=question,
            sla_policy=policy_record(sla_policy),
        )
        return case_id

    def answer_inquiry(self, case_id: str, answer: str, meta: Meta) -> None:
        case = self.check_case(case_id, "inquiry")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(InquiryAnswered, meta, case_id=case_id, answer=answer)
        self._close_escalations_of(case_id, "the inquiry was answered", meta)

    # ---------------------------------------------------------------- complaints
    def file_complaint(
        self,
        category: str,
        severity: str,
        description: str,
        channel: str,
        meta: Meta,
        *,
        sla_policy: PolicyRecord | None = None,
    ) -> str:
        case_id = self.next_id("complaint")
        self._record(
            ComplaintFiled,
            meta,
            case_id=case_id,
            category=category,
            severity=severity,
            description=description,
            channel=channel,
            sla_policy=policy_record(sla_policy),
        )
        return case_id

    def acknowledge_complaint(self, case_id: str, note: str, meta: Meta) -> None:
        case = self.check_case(case_id, "complaint")
        self.check_open(case_id, case, allowed=("open",))
        if case["acknowledged"]:
            raise RuleViolationError(f"{self.code}/{case_id} is acknowledged already")
        self.check_not_before_opening(case_id, case, meta)
        self._record(ComplaintAcknowledged, meta, case_id=case_id, note=note)

    def pause_complaint(self, case_id: str, reason: str, meta: Meta) -> None:
        case = self.check_case(case_id, "complaint")
        self.check_open(case_id, case, allowed=("open",))
        if case["paused"]:
            raise RuleViolationError(
                f"{self.code}/{case_id} is paused already: resume it when the customer answers"
            )
        self.check_not_before_opening(case_id, case, meta)
        self._record(ComplaintPaused, meta, case_id=case_id, reason=reason)

    def resume_complaint(self, case_id: str, note: str, meta: Meta) -> None:
        case = self.check_case(case_id, "complaint")
        self.check_open(case_id, case, allowed=("open",))
        if not case["paused"]:
            raise RuleViolationError(f"{self.code}/{case_id} is not paused: nothing to resume")
        self._record(ComplaintResumed, meta, case_id=case_id, note=note)

    def resolve_complaint(self, case_id: str, resolution: str, root_cause: str, meta: Meta) -> None:
        case = self.check_case(case_id, "complaint")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(
            ComplaintResolved, meta, case_id=case_id, resolution=resolution, root_cause=root_cause
        )
        self._close_escalations_of(case_id, "the complaint was resolved", meta)

    def reopen_complaint(self, case_id: str, reason: str, meta: Meta) -> None:
        case = self.check_case(case_id, "complaint")
        if case["status"] != "resolved":
            raise RuleViolationError(f"{self.code}/{case_id} is not resolved: nothing to reopen")
        self._record(ComplaintReopened, meta, case_id=case_id, reason=reason)

    # --------------------------------------------------------------- escalations
    def raise_escalation(
        self, concerning: str, level: int, to: str, reason: str, meta: Meta
    ) -> str:
        case = self.cases.get(concerning)
        if case is None or case["kind"] not in CASE_KINDS_THAT_ESCALATE:
            raise CaseNotFoundError(
                f"{self.code} has no inquiry or complaint {concerning} to escalate"
            )
        self.check_open(concerning, case, allowed=("open",))
        self.check_not_before_opening(concerning, case, meta)
        if level not in ESCALATION_LEVELS:
            raise RuleViolationError(
                "escalation levels are "
                + ", ".join(f"{n} ({name})" for n, name in ESCALATION_LEVELS.items())
            )
        open_levels = [
            c["level"]
            for c in self.cases.values()
            if c["kind"] == "escalation" and c["status"] == "open" and c["concerning"] == concerning
        ]
        if open_levels and level <= max(open_levels):
            raise RuleViolationError(
                f"{self.code}/{concerning} is already escalated to level {max(open_levels)}: "
                f"escalate to level {max(open_levels) + 1} or higher"
            )
        case_id = self.next_id("escalation")
        self._record(
            EscalationRaised,
            meta,
            case_id=case_id,
            concerning=concerning,
            level=level,
            to=to,
            reason=reason,
        )
        return case_id

    def _close_escalations_of(self, concerning: str, why: str, meta: Meta) -> None:
        """An escalation asks for help with a case: once the case is closed there is
        nothing left to escalate, so its open escalations close with it, each by an
        event of its own in the same command (docs/domain.md, "Service rules (SLA)")."""
        # Cases are kept in the order they opened: the escalations close in that order.
        open_escalations = [
            case_id
            for case_id, case in self.cases.items()
            if case["kind"] == "escalation"
            and case["status"] == "open"
            and case["concerning"] == concerning
        ]
        for case_id in open_escalations:
            self._record(EscalationResolved, meta, case_id=case_id, resolution=f"closed: {why}")

    def resolve_escalation(self, case_id: str, resolution: str, meta: Meta) -> None:
        case = self.check_case(case_id, "escalation")
        self.check_open(case_id, case, allowed=("open",))
        self.check_not_before_opening(case_id, case, meta)
        self._record(EscalationResolved, meta, case_id=case_id, resolution=resolution)

    # ------------------------------------------------------------------- SLA
    def record_breach(
        self, case_id: str, target: str, due_at: datetime, policy_version: str, meta: Meta
    ) -> None:
        """Record that `case_id` missed its SLA `target` (due at `due_at`), as a sweep
        detected it at `meta.occurred_at`. Each target of a case is recorded once,
        but a recurring clock (follow-up) once per lapse, told apart by its due time."""
        case = self.cases.get(case_id)
        if case is None or SLA_TARGETS.get(case["kind"]) is None:
            raise CaseNotFoundError(
                f"{self.code} has no inquiry, complaint, opportunity or commitment {case_id}"
            )
        if SLA_TARGETS[case["kind"]] != target:
            raise RuleViolationError(
                f"{self.code}/{case_id} is {_a(case['kind'])}: its SLA target is "
                f"{SLA_TARGETS[case['kind']]}, not {target}"
            )
        key = breach_key(case["kind"], target, due_at)
        if key in case.get("breaches", ()):
            lapse = "" if key == target else f" due at {due_at:%Y-%m-%d %H:%M} UTC"
            raise RuleViolationError(
                f"{self.code}/{case_id} has its {target} breach{lapse} recorded already"
            )
        if due_at >= meta.occurred_at:
            raise RuleViolationError(
                f"{self.code}/{case_id} is due at {due_at:%Y-%m-%d %H:%M}: a breach cannot "
                "be detected before the target has passed"
            )
        self._record(
            SlaBreached,
            meta,
            case_id=case_id,
            target=target,
            due_at=due_at,
            detected_at=meta.occurred_at,
            policy_version=policy_version,
        )


def _a(noun: str) -> str:
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"
