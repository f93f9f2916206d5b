"""The service's commands on a customer's people and interactions: key people,
contacts, visits and satisfaction scores.

`Ledger` mixes this in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.receipts import Receipt

if TYPE_CHECKING:
    from ledger import commands as c
    from ledger.access import Caller
    from ledger.domain.customer import Customer
    from ledger.domain.personal_rules import Sealer
    from ledger.domain.staff import StaffMember


class InteractionCommands:
    """Commands on a customer's people and interactions; expects the host
    application's `_execute` and `check_owner`."""

    _execute: Callable[..., Receipt]
    check_owner: Callable[..., StaffMember]
    sealer: Callable[[UUID], Sealer]

    def _counterpart_check(
        self, counterpart: str | None
    ) -> Callable[[Caller, Customer], None] | None:
        """A key person's counterpart must be an account that could own the customer
        (active, and able to see it): the owner's check, so one rule."""
        if counterpart is None:
            return None

        def check(_caller: Caller, customer: Customer) -> None:
            self.check_owner(counterpart, customer.segment, holding="counterpart")

        return check

    if TYPE_CHECKING:

        def promise_due(self, due: date | None, made_at: datetime) -> date: ...
        def _sla_stamp(self) -> dict[str, object]: ...

    # --------------------------------------------------------------- people
    def add_key_person(self, command: c.AddKeyPerson) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.add_key_person(
                name=command.name,
                title=command.title,
                decision_role=command.decision_role.value,
                relationship_status=command.relationship_status.value,
                counterpart=command.counterpart,
                meta=m,
                details=command.details(),
                seal=self.sealer(cu.id),
            ),
            permission=self._counterpart_check(command.counterpart),
        )

    def update_key_person(self, command: c.UpdateKeyPerson) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.update_key_person(
                command.case, command.changes(), m, command.details(), self.sealer(cu.id)
            ),
            subject=command.case,
            permission=self._counterpart_check(command.counterpart),
        )

    def assess_relationship(self, command: c.AssessRelationship) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.assess_relationship(
                command.case, command.relationship_status.value, command.note, m
            ),
            subject=command.case,
        )

    def record_person_left(self, command: c.RecordPersonLeft) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.record_person_left(command.case, command.reason, m),
            subject=command.case,
        )

    # --------------------------------------------------------- interactions
    def log_contact(self, command: c.LogContact) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.log_contact(
                channel=command.channel.value,
                direction=command.direction.value,
                people=list(command.people),
                summary=command.summary,
                follow_ups=list(command.follow_ups),
                meta=m,
                # Each follow-up is a promise, due when said or by default
                # (docs/domain.md, "Follow-through").
                follow_up_due=self.promise_due(command.due, m.occurred_at)
                if command.follow_ups
                else None,
                sla_policy=self._sla_stamp() if command.follow_ups else None,
            ),
        )

    def plan_visit(self, command: c.PlanVisit) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.plan_visit(
                planned_for=command.planned_for,
                purpose=command.purpose.value,
                kind=command.kind.value,
                visitor=command.visitor or command.actor,
                companions=list(command.companions),
                people=list(command.people),
                agenda=command.agenda,
                meta=m,
            ),
        )

    def report_visit(self, command: c.ReportVisit) -> Receipt:
        expenses = [
            {"item": e.item, "amount": str(e.amount), "currency": e.currency}
            for e in command.expenses
        ]

        def commitments(made_at: datetime) -> list[dict[str, Any]]:
            # A promise made at a visit without a date is due by default.
            return [
                {
                    "description": p.description,
                    "due": self.promise_due(p.due, made_at).isoformat(),
                }
                for p in command.commitments
            ]

        return self._execute(
            command,
            lambda cu, m: cu.report_visit(
                visit_id=command.visit,
                purpose=command.purpose.value,
                kind=command.kind.value,
                visitor=command.visitor or command.actor,
                companions=list(command.companions),
                people_met=list(command.people_met),
                summary=command.summary,
                outcome=command.outcome.value,
                expenses=expenses,
                problems_handled=list(command.problems_handled),
                problems_pending=list(command.problems_pending),
                commitments=commitments(m.occurred_at),
                meta=m,
            ),
        )

    def cancel_visit(self, command: c.CancelVisit) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.cancel_visit(command.case, command.reason, m),
            subject=command.case,
        )

    def record_satisfaction(self, command: c.RecordSatisfaction) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.record_satisfaction(
                command.score, command.source.value, command.note, m
            ),
        )
