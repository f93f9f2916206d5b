"""The SLA view's event handlers: each event adds a step to its case's clock,
opens a case, or records who owns the customer and in which segment."""

from __future__ import annotations

from functools import singledispatch
from typing import Any

from ledger.domain import events as ev
from ledger.domain.base import CustomerEvent
from ledger.domain.sla.clocks import CLOSE, OPEN, PAUSE, REOPEN, RESUME, TOUCH
from ledger.domain.sla.targets import RECURRING_KINDS, TARGETS
from projections.base import dumps, iso
from projections.sla.batch import Batch, concerning_case


@singledispatch
def handle(event: CustomerEvent, batch: Batch, customer_id: str, at: str) -> None:
    """Events that no SLA clock depends on."""


def _history(batch: Batch, customer_id: str, event: CustomerEvent, at: str, **values: Any) -> None:
    customer = batch.customer(customer_id)
    for name, value in values.items():
        customer["history"].append([at, event.originator_version, name, value])
    batch.moved.add(customer_id)


def _step(
    batch: Batch, customer_id: str, case_id: str, event: CustomerEvent, at: str, step: str
) -> None:
    case = batch.case(customer_id, case_id)
    if case is not None:
        case["steps"].append([at, event.originator_version, step])


# Events that only add a step to their case's clock.
CASE_STEPS: dict[type[CustomerEvent], str] = {
    ev.InquiryAnswered: CLOSE,
    ev.ComplaintPaused: PAUSE,
    ev.ComplaintResumed: RESUME,
    ev.ComplaintResolved: CLOSE,
    ev.ComplaintReopened: REOPEN,
    ev.OpportunityStageChanged: TOUCH,
    ev.FollowUpLogged: TOUCH,
    ev.OpportunityWon: CLOSE,
    ev.OpportunityLost: CLOSE,
    ev.CommitmentFulfilled: CLOSE,
    # A withdrawn promise is owed no longer: its clock stops as a kept one's does.
    ev.CommitmentWithdrawn: CLOSE,
}


def _register_case_steps() -> None:
    for event_class, step in CASE_STEPS.items():

        def add_step(e: Any, batch: Batch, customer_id: str, at: str, step: str = step) -> None:
            _step(batch, customer_id, e.case_id, e, at, step)

        handle.register(event_class)(add_step)


_register_case_steps()


@handle.register
def _(e: ev.CustomerRegistered, batch: Batch, customer_id: str, at: str) -> None:
    _history(
        batch, customer_id, e, at, code=e.code, segment=e.segment, owner=e.owner, stage=e.stage
    )


@handle.register
def _(e: ev.SegmentChanged, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, segment=e.segment)


@handle.register
def _(e: ev.OwnerAssigned, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, owner=e.owner)


@handle.register
def _(e: ev.LifecycleStageChanged, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage=e.stage)


@handle.register
def _(e: ev.RelationshipTerminated, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage="terminated")


@handle.register
def _(e: ev.RelationshipReactivated, batch: Batch, customer_id: str, at: str) -> None:
    _history(batch, customer_id, e, at, stage=e.stage)


@handle.register
def _(e: ev.InquiryReceived, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "inquiry", e, category=e.channel, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.ComplaintFiled, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "complaint", e, category=e.category, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.LeadCreated, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(customer_id, e.case_id, "follow-up", e, policy=dumps(e.sla_policy))
    case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.OpportunityOpened, batch: Batch, customer_id: str, at: str) -> None:
    if e.from_lead:
        # A converted lead keeps the clock and the policy it opened under.
        _step(batch, customer_id, e.case_id, e, at, TOUCH)
        return
    case = batch.open_case(customer_id, e.case_id, "follow-up", e, policy=dumps(e.sla_policy))
    case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.CommitmentMade, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.open_case(
        customer_id, e.case_id, "commitment", e, due=e.due, policy=dumps(e.sla_policy)
    )
    case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.VisitReported, batch: Batch, customer_id: str, at: str) -> None:
    batch.visits.append((customer_id, e.originator_version, at))
    for commitment in e.commitments:
        # Promises made in a visit report carry no policy of their own: the visit
        # report has none to give, so they run under the policy of unstamped cases.
        case = batch.open_case(
            customer_id, commitment["commitment_id"], "commitment", e, due=commitment.get("due")
        )
        case["steps"].append([at, e.originator_version, OPEN])


@handle.register
def _(e: ev.EscalationRaised, batch: Batch, customer_id: str, at: str) -> None:
    batch.customer(customer_id)["escalations"][e.case_id] = [e.concerning, e.level]
    case = batch.case(customer_id, e.concerning)
    if case is not None:
        case["escalations"][e.case_id] = e.level


@handle.register
def _(e: ev.EscalationResolved, batch: Batch, customer_id: str, at: str) -> None:
    customer = batch.customer(customer_id)
    concerning = concerning_case(customer, e.case_id)
    if concerning is None:
        return
    case = batch.case(customer_id, concerning)
    if case is not None:
        case["escalations"].pop(e.case_id, None)


@handle.register
def _(e: ev.SlaBreached, batch: Batch, customer_id: str, at: str) -> None:
    case = batch.case(customer_id, e.case_id)
    if case is None or TARGETS[case["kind"]] != e.target:
        return
    if case["kind"] in RECURRING_KINDS:
        # Each lapse is recorded by its due time (breaches recorded before follow-up
        # recurred carry the first lapse's).
        case["recorded_lapses"].append(iso(e.due_at))
    else:
        case["recorded"] = True
