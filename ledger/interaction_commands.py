"""The service's commands on a customer's people and interactions: key people,
contacts, visits and satisfaction scores.

`Ledger` mixes this in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.receipts import Receipt

if TYPE_CHECKING:
    from ledger import commands as c
    from ledger.domain.personal_rules import Sealer


class InteractionCommands:
    """Commands on a customer's people and interactions; expects the host
    application's `_execute`."""

    _execute: Callable[..., Receipt]
    sealer: Callable[[UUID], Sealer]

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
        )

    def update_key_person(self, command: c.UpdateKeyPerson) -> Receipt:
        return self._execute(
            command,
            lambda cu, m: cu.update_key_person(
                command.case, command.changes(), m, command.details(), self.sealer(cu.id)
            ),
            subject=command.case,
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
        commitments = [
            {"description": p.description, "due": p.due.isoformat() if p.due else None}
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
                commitments=commitments,
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
