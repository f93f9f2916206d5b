"""The service's case commands: inquiries, complaints, escalations, leads and
opportunities, commitments and SLA breaches.

`Ledger` mixes this in. A case that runs against an SLA target is stamped, as
it opens, with the policy, calendar and time zone in force.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from ledger.access import Caller
from ledger.config import Settings
from ledger.domain.pipeline import check_expected_close
from ledger.domain.sla.policy import stamp
from ledger.receipts import Receipt

if TYPE_CHECKING:
    from ledger import commands as c
    from ledger.domain.base import Meta
    from ledger.domain.customer import Customer


class CaseCommands:
    """Commands on a customer's cases; expects the host application's `settings`
    and `_execute`."""

    settings: Settings
    _execute: Callable[..., Receipt]

    if TYPE_CHECKING:

        def promise_due(self, due: date | None, made_at: datetime) -> date: ...

    def _sla_stamp(self) -> dict[str, object]:
        """The SLA policy, calendar and time zone in force: stamped on each case as
        it opens, so that a later change of configuration keeps its deadlines."""
        return stamp(self.settings.sla, self.settings.calendar, self.settings.timezone)

    # ------------------------------------------------------------ inquiries
    def receive_inquiry(self, command: c.ReceiveInquiry) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.receive_inquiry(
                command.channel.value,
                command.title,
                command.question,
                m,
                sla_policy=self._sla_stamp(),
            ),
        )

    def answer_inquiry(self, command: c.AnswerInquiry) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.answer_inquiry(command.case, command.answer, m),
            subject=command.case,
        )

    # ----------------------------------------------------------- complaints
    def file_complaint(self, command: c.FileComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.file_complaint(
                command.category.value,
                command.severity.value,
                command.description,
                command.channel.value,
                m,
                sla_policy=self._sla_stamp(),
            ),
        )

    def acknowledge_complaint(self, command: c.AcknowledgeComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.acknowledge_complaint(command.case, command.note, m),
            subject=command.case,
        )

    def pause_complaint(self, command: c.PauseComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.pause_complaint(command.case, command.reason, m),
            subject=command.case,
        )

    def resume_complaint(self, command: c.ResumeComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.resume_complaint(command.case, command.note, m),
            subject=command.case,
        )

    def resolve_complaint(self, command: c.ResolveComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.resolve_complaint(
                command.case, command.resolution, command.root_cause, m
            ),
            subject=command.case,
        )

    def reopen_complaint(self, command: c.ReopenComplaint) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.reopen_complaint(command.case, command.reason, m),
            subject=command.case,
        )

    # ---------------------------------------------------------- escalations
    def raise_escalation(self, command: c.RaiseEscalation, caller: Caller | None = None) -> Receipt:
        """(`caller`: the acting account, when a sweep of many cases has it already.)"""
        return self._execute(
            command,
            lambda cu, m: cu.raise_escalation(
                command.case, command.level, command.to, command.reason, m
            ),
            caller=caller,
        )

    def resolve_escalation(self, command: c.ResolveEscalation) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.resolve_escalation(command.case, command.resolution, m),
            subject=command.case,
        )

    # -------------------------------------------------------- opportunities
    def create_lead(self, command: c.CreateLead) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.create_lead(
                command.title,
                command.source,
                command.note,
                m,
                sla_policy=self._sla_stamp(),
            ),
        )

    def open_opportunity(self, command: c.OpenOpportunity) -> Receipt:
        def open_(customer: Customer, meta: Meta) -> str:
            check_expected_close(command.expected_close, meta.occurred_at, self.settings.timezone)
            return customer.open_opportunity(
                lead_id=command.lead,
                title=command.title,
                stage=command.stage.value,
                value=None if command.value is None else str(command.value),
                currency=command.currency,
                meta=meta,
                sla_policy=self._sla_stamp(),
                expected_close=_iso(command.expected_close),
            )

        return self._execute(command, open_)

    def change_opportunity_stage(self, command: c.ChangeOpportunityStage) -> Receipt:
        def move(customer: Customer, meta: Meta) -> None:
            check_expected_close(command.expected_close, meta.occurred_at, self.settings.timezone)
            customer.change_opportunity_stage(
                command.case,
                command.stage.value,
                command.note,
                meta,
                expected_close=_iso(command.expected_close),
            )

        return self._execute(command, move, subject=command.case)

    def log_follow_up(self, command: c.LogFollowUp) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.log_follow_up(command.case, command.summary, command.next_step, m),
            subject=command.case,
        )

    def win_opportunity(self, command: c.WinOpportunity) -> Receipt:
        value = None if command.value is None else str(command.value)
        return self._execute(
            command,
            lambda cu, m: cu.win_opportunity(command.case, value, command.note, m),
            subject=command.case,
        )

    def lose_opportunity(self, command: c.LoseOpportunity) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.lose_opportunity(command.case, command.reason, m),
            subject=command.case,
        )

    # ---------------------------------------------------------- commitments
    def make_commitment(self, command: c.MakeCommitment) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.make_commitment(
                command.description,
                self.promise_due(command.due, m.occurred_at),
                command.source,
                m,
                sla_policy=self._sla_stamp(),
            ),
        )

    def fulfil_commitment(self, command: c.FulfilCommitment) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.fulfil_commitment(command.case, command.note, m),
            subject=command.case,
        )

    # ------------------------------------------------------------------ SLA
    def record_breach(self, command: c.RecordBreach, caller: Caller | None = None) -> Receipt:
        """(`caller`: the acting account, when a sweep of many cases has it already.)"""
        return self._execute(
            command,
            lambda cu, m: cu.record_breach(
                command.case, command.target, command.due_at, command.policy_version, m
            ),
            subject=command.case,
            caller=caller,
        )


def _iso(day: date | None) -> str | None:
    """A date as events carry it: ISO text, or None when not given."""
    return None if day is None else day.isoformat()
