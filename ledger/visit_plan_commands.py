"""The service's commands on monthly visit plans (docs/domain.md, "Follow-through"):
submit (or resubmit) a plan, approve it, return it.

`Ledger` mixes this in. A submission saves the plan's stream and every customer
whose visits it plans or drops in one `save`, so either the plan and all of its
visits are recorded, or nothing is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from ledger.access import Caller, may_record, may_see
from ledger.domain.base import Meta
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.months import Month
from ledger.domain.visit_plan import (
    VisitPlan,
    check_in_month,
    check_plan_month,
    check_plan_owner,
    plan_reference,
    plan_stream_id,
)
from ledger.errors import (
    AccessDeniedError,
    InvalidInputError,
    LedgerError,
    RuleViolationError,
    StaffNotFoundError,
)

if TYPE_CHECKING:
    from eventsourcing.application import Repository

    from ledger import commands as c
    from ledger.config import Settings
    from ledger.domain.customer import Customer
    from ledger.domain.staff import StaffMember

# What a resubmission keeps: an entry the same as one of the revision before (same
# customer, day, purpose and kind) keeps that entry's planned visit.
_KEPT = ("customer_id", "day", "purpose", "kind")


@dataclass(frozen=True)
class PlanReceipt:
    """Where a plan command landed: the plan, its revision and status, the visits a
    submission planned (`C-00012/V3`) and cancelled, and whether it was late."""

    plan: str
    revision: int
    status: str
    late: bool = False
    planned: tuple[str, ...] = ()
    cancelled: tuple[str, ...] = ()
    replayed: bool = False


class VisitPlanCommands:
    """Plan commands; expects the host application's repository, `save`,
    `meta_for`, `caller`, `staff_member`, `resolve_customer`, `settings` and
    `_retrying`."""

    repository: Repository[UUID]
    save: Callable[..., Any]
    meta_for: Callable[[c.Command], Meta]
    caller: Callable[[str], Caller]
    staff_member: Callable[[str], StaffMember]
    resolve_customer: Callable[[str], UUID]
    settings: Settings
    _retrying: Callable[[Callable[[], Any]], Any]

    def submit_visit_plan(self, command: c.SubmitVisitPlan) -> PlanReceipt:
        caller = self.caller(command.actor)
        if not may_record(caller):
            raise AccessDeniedError(
                f"{caller.staff_id} is {caller.role}: that role submits no visit plans"
            )
        owner = self._plan_owner(caller, command.owner or caller.staff_id)
        month = Month.parse(command.month)
        calendar = BusinessCalendar.from_settings(self.settings)
        meta = self.meta_for(command)
        check_plan_month(month, meta.occurred_at, calendar)
        for visit in command.visits:
            check_in_month(visit.day, month, visit.source or visit.customer)
        ids = [self._plan_customer(visit) for visit in command.visits]
        start = calendar.config.working_hours[0][0]
        reference = plan_reference(owner.staff_id, month)

        def attempt() -> PlanReceipt:
            plan = self._plan_or_none(owner.staff_id, month)
            if plan is not None and plan.result_of(command.command_id) is not None:
                return _receipt(plan, replayed=True)
            if plan is None:
                plan = VisitPlan.open(owner.staff_id, month, owner.segment, meta)
            customers: dict[UUID, Customer] = {}

            def load(customer_id: UUID) -> Customer:
                if customer_id not in customers:
                    customers[customer_id] = self.repository.get(customer_id)
                return customers[customer_id]

            previous = {_key(entry): entry for entry in plan.entries}
            entries: list[dict[str, Any]] = []
            planned: list[str] = []
            # Where each visit was first listed: a repeat would plan the same visit
            # twice, and a resubmission (which keeps visits by this identity) could
            # not tell the two apart.
            listed: dict[tuple[Any, ...], str] = {}
            for visit, customer_id in zip(command.visits, ids, strict=True):
                customer = load(customer_id)
                where = visit.source or visit.customer
                self._check_plannable(caller, owner, customer, visit.customer, where)
                entry: dict[str, Any] = {
                    "customer_id": str(customer_id),
                    "code": customer.code,
                    "day": visit.day.isoformat(),
                    "purpose": visit.purpose.value,
                    "kind": visit.kind.value,
                    "people": list(visit.people),
                    "agenda": visit.agenda,
                }
                if _key(entry) in listed:
                    raise InvalidInputError(
                        f"{where} repeats {listed[_key(entry)]}: a plan lists each visit once "
                        "(the same customer, date, purpose and kind)"
                    )
                listed[_key(entry)] = where
                kept = previous.pop(_key(entry), None)
                if kept is not None:
                    entry["visit"] = kept["visit"]
                else:
                    moment = datetime.combine(visit.day, start, tzinfo=calendar.timezone)
                    try:
                        entry["visit"] = customer.plan_visit(
                            planned_for=moment,
                            purpose=visit.purpose.value,
                            kind=visit.kind.value,
                            visitor=owner.staff_id,
                            companions=[],
                            people=list(visit.people),
                            agenda=visit.agenda,
                            meta=meta,
                            plan=reference,
                        )
                    except LedgerError as error:
                        raise type(error)(f"{where}: {error}") from None
                    planned.append(f"{customer.code}/{entry['visit']}")
                entries.append(entry)
            # What the resubmission dropped is called off (docs/domain.md,
            # "Follow-through"); a visit reported or cancelled since stays as it is.
            cancelled: list[str] = []
            for dropped in previous.values():
                customer = load(UUID(str(dropped["customer_id"])))
                visit_id = str(dropped["visit"])
                if customer.cases.get(visit_id, {}).get("status") == "planned":
                    customer.cancel_visit(
                        visit_id, f"dropped from the visit plan {reference}", meta
                    )
                    cancelled.append(f"{customer.code}/{visit_id}")
            plan.submit(entries, calendar, meta)
            changed = [cu for cu in customers.values() if cu.pending_events]
            self.save(plan, *changed)
            return _receipt(plan, planned=planned, cancelled=cancelled)

        receipt: PlanReceipt = self._retrying(attempt)
        return receipt

    def approve_visit_plan(self, command: c.ApproveVisitPlan) -> PlanReceipt:
        return self._review(
            command, lambda plan, caller, meta: plan.approve(caller, command.note, meta)
        )

    def return_visit_plan(self, command: c.ReturnVisitPlan) -> PlanReceipt:
        return self._review(
            command, lambda plan, caller, meta: plan.return_(caller, command.reason, meta)
        )

    # ------------------------------------------------------------- plumbing
    def _review(
        self,
        command: c.ApproveVisitPlan | c.ReturnVisitPlan,
        action: Callable[[VisitPlan, Caller, Meta], None],
    ) -> PlanReceipt:
        caller = self.caller(command.actor)
        month = Month.parse(command.month)
        # An unknown name is said to be one, not a plan never submitted.
        self.staff_member(command.owner)

        def attempt() -> PlanReceipt:
            plan = self._plan_or_none(command.owner, month)
            if plan is None:
                raise RuleViolationError(
                    f"{command.owner} has submitted no visit plan for {month}: "
                    f"`ledger visit plans --month {month}` shows the plans"
                )
            if plan.result_of(command.command_id) is not None:
                return _receipt(plan, replayed=True)
            action(plan, caller, self.meta_for(command))
            self.save(plan)
            return _receipt(plan)

        receipt: PlanReceipt = self._retrying(attempt)
        return receipt

    def visit_plan(self, owner: str, month: Month) -> VisitPlan | None:
        """The plan of `owner` for `month`, as it stands (None if never submitted)."""
        return self._plan_or_none(owner, month)

    def _plan_or_none(self, owner: str, month: Month) -> VisitPlan | None:
        try:
            plan: VisitPlan = self.repository.get(plan_stream_id(owner, month))
        except AggregateNotFoundError:
            return None
        return plan

    def _plan_owner(self, caller: Caller, owner: str) -> StaffMember:
        try:
            member = self.staff_member(owner)
        except StaffNotFoundError:
            raise RuleViolationError(
                f"--owner {owner!r} is not a staff member: `ledger staff list` shows them"
            ) from None
        if not member.is_active:
            raise RuleViolationError(
                f"{owner}'s account is {member.status}: only an active account keeps a visit plan"
            )
        check_plan_owner(caller, owner, member.role, member.segment)
        return member

    def _plan_customer(self, visit: c.PlannedVisit) -> UUID:
        where = visit.source or visit.customer
        try:
            return self.resolve_customer(visit.customer)
        except LedgerError as error:
            raise type(error)(f"{where}: {error}") from None

    @staticmethod
    def _check_plannable(
        caller: Caller, owner: StaffMember, customer: Customer, reference: str, where: str
    ) -> None:
        """A visit is planned only to a customer the owner (and whoever submits the
        plan) may see, and whose relationship is not terminated. One the caller may
        not see is named exactly as an unknown customer."""
        from ledger.service import customer_not_found  # the core of the service

        if not may_see(caller, customer.segment, customer.owner, customer.worked_on):
            raise type(customer_not_found(reference))(f"{where}: {customer_not_found(reference)}")
        planner = Caller(owner.staff_id, owner.role, owner.segment)
        if not may_see(planner, customer.segment, customer.owner, customer.worked_on):
            raise RuleViolationError(
                f"{where}: {owner.staff_id} may not plan visits to {customer.code}: it is "
                f"neither theirs nor one they worked on in segment {owner.segment}"
            )
        try:
            customer.check_not_terminated("plan a visit")
        except LedgerError as error:
            raise type(error)(f"{where}: {error}") from None


def _key(entry: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(entry[name] for name in _KEPT)


def _receipt(
    plan: VisitPlan,
    *,
    planned: list[str] | None = None,
    cancelled: list[str] | None = None,
    replayed: bool = False,
) -> PlanReceipt:
    return PlanReceipt(
        plan=plan.reference,
        revision=plan.revision,
        status=plan.status,
        late=plan.late,
        planned=tuple(planned or ()),
        cancelled=tuple(cancelled or ()),
        replayed=replayed,
    )
