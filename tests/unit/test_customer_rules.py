"""The Customer aggregate's rules: every guard refuses in the state it protects,
writes nothing when it refuses, and the stream replays to the same customer."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.application import project_aggregate
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.events import ResponsibilityHandedOver
from ledger.errors import (
    CaseAlreadyClosedError,
    CaseNotFoundError,
    EventNotFoundError,
    LedgerError,
    RelationshipTerminatedError,
    RuleViolationError,
)

# A Monday morning; every step of a story happens some minutes after it.
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def at(minutes: int = 0, command_id: str | None = None) -> Meta:
    return Meta(
        occurred_at=T0 + timedelta(minutes=minutes),
        actor="li.wei",
        command_id=command_id or uuid4().hex,
    )


def register(**overrides: Any) -> Customer:
    fields: dict[str, Any] = {
        "customer_id": uuid4(),
        "code": "C-00001",
        "name": "Capital Airport Group",
        "kind": "organisation",
        "industry": "aviation",
        "segment": "airport",
        "headquarters": "Beijing",
        "tier": "general",
        "vip": False,
        "stage": "development",
        "owner": "li.wei",
        "external_refs": {},
        "meta": at(),
    }
    fields.update(overrides)
    return Customer.register(**fields)


@pytest.fixture
def customer() -> Customer:
    return register()


@contextmanager
def refused(customer: Customer, error: type[LedgerError], match: str) -> Iterator[None]:
    """The command raises `error` and the customer is exactly as it was before."""
    before = state(customer)
    with pytest.raises(error, match=match):
        yield
    assert state(customer) == before


def state(customer: Customer) -> dict[str, Any]:
    return copy.deepcopy({k: v for k, v in vars(customer).items() if k != "_pending_events"})


# ---------------------------------------------------------------- story steps
def receive_inquiry(customer: Customer, minutes: int = 1) -> str:
    return customer.receive_inquiry("phone", "Lounge access", "Can a guest use it?", at(minutes))


def file_complaint(customer: Customer, minutes: int = 1) -> str:
    return customer.file_complaint(
        "service", "high", "The lounge closed without notice", "phone", at(minutes)
    )


def resolve(customer: Customer, case_id: str, minutes: int = 30) -> None:
    customer.resolve_complaint(case_id, "Apologised, voucher sent", "Staff rota gap", at(minutes))


def add_person(customer: Customer, name: str = "Wang Fang") -> str:
    return customer.add_key_person(
        name=name,
        title="Procurement director",
        decision_role="decision_maker",
        relationship_status="neutral",
        counterpart=None,
        meta=at(1),
    )


def plan_visit(customer: Customer, people: list[str] | None = None) -> str:
    return customer.plan_visit(
        planned_for=T0 + timedelta(days=3),
        purpose="maintenance",
        kind="relationship_building",
        visitor="li.wei",
        companions=[],
        people=people or [],
        agenda="Quarterly review",
        meta=at(2),
    )


def report_visit(
    customer: Customer,
    visit_id: str | None = None,
    commitments: list[dict[str, Any]] | None = None,
    people_met: list[str] | None = None,
) -> str:
    return customer.report_visit(
        visit_id=visit_id,
        purpose="maintenance",
        kind="relationship_building",
        visitor="li.wei",
        companions=[],
        people_met=people_met or [],
        summary="Walked the terminal with the operations team",
        outcome="B",
        expenses=[{"item": "taxi", "amount": "86.00", "currency": "CNY"}],
        problems_handled=[],
        problems_pending=[],
        commitments=commitments or [],
        meta=at(60),
    )


def make_commitment(customer: Customer) -> str:
    return customer.make_commitment("Send the revised price list", date(2024, 3, 8), "call", at(3))


def create_lead(customer: Customer) -> str:
    return customer.create_lead("Baggage system upgrade", "trade fair", "", at(4))


def open_opportunity(customer: Customer, lead_id: str | None = None) -> str:
    return customer.open_opportunity(
        lead_id=lead_id,
        title="Baggage system upgrade",
        stage="qualification",
        value="1250000.00",
        currency="CNY",
        meta=at(5),
    )


def terminate(customer: Customer) -> None:
    customer.terminate("Contract not renewed", "Price", "HO-2024-17", at(10))


# ------------------------------------------------------------------ inquiries
def test_an_answered_inquiry_cannot_be_answered_again(customer: Customer) -> None:
    inquiry = receive_inquiry(customer)
    customer.answer_inquiry(inquiry, "Yes, one guest per gold card", at(5))

    with refused(customer, CaseAlreadyClosedError, "IQ1 is answered"):
        customer.answer_inquiry(inquiry, "Two guests after all", at(9))


def test_an_inquiry_cannot_be_answered_before_it_was_received(customer: Customer) -> None:
    inquiry = receive_inquiry(customer, minutes=10)

    with refused(customer, RuleViolationError, "was opened at"):
        customer.answer_inquiry(inquiry, "Yes", at(5))


def test_a_complaint_id_does_not_name_an_inquiry(customer: Customer) -> None:
    complaint = file_complaint(customer)

    with refused(customer, CaseNotFoundError, "has no inquiry CP1"):
        customer.answer_inquiry(complaint, "Yes", at(5))


# ----------------------------------------------------------------- complaints
def test_a_resolved_complaint_cannot_be_resolved_again(customer: Customer) -> None:
    complaint = file_complaint(customer)
    resolve(customer, complaint)

    with refused(customer, CaseAlreadyClosedError, "reopen it first"):
        resolve(customer, complaint, minutes=40)


def test_a_reopened_complaint_can_be_resolved_again(customer: Customer) -> None:
    complaint = file_complaint(customer)
    resolve(customer, complaint)
    customer.reopen_complaint(complaint, "The voucher never arrived", at(35))

    resolve(customer, complaint, minutes=40)

    assert customer.cases[complaint]["status"] == "resolved"


def test_only_a_resolved_complaint_can_be_reopened(customer: Customer) -> None:
    complaint = file_complaint(customer)

    with refused(customer, RuleViolationError, "not resolved"):
        customer.reopen_complaint(complaint, "Customer called again", at(5))


def test_a_complaint_cannot_be_resolved_before_it_was_filed(customer: Customer) -> None:
    complaint = file_complaint(customer, minutes=20)

    with refused(customer, RuleViolationError, "was opened at"):
        resolve(customer, complaint, minutes=10)


def test_a_complaint_is_acknowledged_once(customer: Customer) -> None:
    complaint = file_complaint(customer)
    customer.acknowledge_complaint(complaint, "Called back", at(3))

    with refused(customer, RuleViolationError, "acknowledged already"):
        customer.acknowledge_complaint(complaint, "Called back again", at(4))


def test_a_resolved_complaint_cannot_be_acknowledged(customer: Customer) -> None:
    complaint = file_complaint(customer)
    resolve(customer, complaint)

    with refused(customer, CaseAlreadyClosedError, "is resolved"):
        customer.acknowledge_complaint(complaint, "Late acknowledgement", at(40))


def test_a_complaint_cannot_be_acknowledged_before_it_was_filed(customer: Customer) -> None:
    complaint = file_complaint(customer, minutes=20)

    with refused(customer, RuleViolationError, "was opened at"):
        customer.acknowledge_complaint(complaint, "Called back", at(10))


def test_a_paused_complaint_cannot_be_paused_again(customer: Customer) -> None:
    complaint = file_complaint(customer)
    customer.pause_complaint(complaint, "Waiting for the boarding pass scan", at(3))

    with refused(customer, RuleViolationError, "paused already"):
        customer.pause_complaint(complaint, "Still waiting", at(4))


def test_a_resolved_complaint_cannot_be_paused(customer: Customer) -> None:
    complaint = file_complaint(customer)
    resolve(customer, complaint)

    with refused(customer, CaseAlreadyClosedError, "is resolved"):
        customer.pause_complaint(complaint, "Waiting on the customer", at(40))


def test_a_complaint_cannot_be_paused_before_it_was_filed(customer: Customer) -> None:
    complaint = file_complaint(customer, minutes=20)

    with refused(customer, RuleViolationError, "was opened at"):
        customer.pause_complaint(complaint, "Waiting on the customer", at(10))


def test_only_a_paused_complaint_can_be_resumed(customer: Customer) -> None:
    complaint = file_complaint(customer)

    with refused(customer, RuleViolationError, "not paused"):
        customer.resume_complaint(complaint, "Customer sent the scan", at(5))


def test_a_resumed_complaint_can_be_paused_again(customer: Customer) -> None:
    complaint = file_complaint(customer)
    customer.pause_complaint(complaint, "Waiting for the scan", at(3))
    customer.resume_complaint(complaint, "Scan received", at(4))

    customer.pause_complaint(complaint, "Waiting for the receipt", at(5))

    assert customer.cases[complaint]["paused"] is True


# ---------------------------------------------------------------- escalations
@pytest.mark.parametrize("level", [0, 4])
def test_escalation_levels_run_from_one_to_three(customer: Customer, level: int) -> None:
    complaint = file_complaint(customer)

    with refused(customer, RuleViolationError, "escalation levels are 1"):
        customer.raise_escalation(complaint, level, "Zhao Lei", "Customer is furious", at(5))


def test_only_inquiries_and_complaints_escalate(customer: Customer) -> None:
    commitment = make_commitment(customer)

    with refused(customer, CaseNotFoundError, "no inquiry or complaint CM1"):
        customer.raise_escalation(commitment, 1, "Zhao Lei", "Overdue", at(5))


def test_an_unknown_case_cannot_be_escalated(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "no inquiry or complaint CP7"):
        customer.raise_escalation("CP7", 1, "Zhao Lei", "Overdue", at(5))


def test_a_resolved_complaint_cannot_be_escalated(customer: Customer) -> None:
    complaint = file_complaint(customer)
    resolve(customer, complaint)

    with refused(customer, CaseAlreadyClosedError, "is resolved"):
        customer.raise_escalation(complaint, 1, "Zhao Lei", "Too late", at(40))


def test_an_answered_inquiry_cannot_be_escalated(customer: Customer) -> None:
    inquiry = receive_inquiry(customer)
    customer.answer_inquiry(inquiry, "Yes", at(5))

    with refused(customer, CaseAlreadyClosedError, "is answered"):
        customer.raise_escalation(inquiry, 1, "Zhao Lei", "Too late", at(6))


@pytest.mark.parametrize("level", [1, 2])
def test_a_new_escalation_must_go_above_the_open_level(customer: Customer, level: int) -> None:
    complaint = file_complaint(customer)
    customer.raise_escalation(complaint, 2, "Department head", "No answer in 4 hours", at(5))

    with refused(customer, RuleViolationError, "already escalated to level 2"):
        customer.raise_escalation(complaint, level, "Zhao Lei", "Still no answer", at(6))


def test_an_escalation_can_go_higher_than_the_open_one(customer: Customer) -> None:
    complaint = file_complaint(customer)
    customer.raise_escalation(complaint, 1, "Supervisor", "No answer in 2 hours", at(5))

    escalation = customer.raise_escalation(complaint, 3, "Head office", "Press involved", at(6))

    assert escalation == "ES2"
    assert customer.cases[escalation]["level"] == 3


def test_once_escalations_are_resolved_a_lower_level_may_be_raised(customer: Customer) -> None:
    complaint = file_complaint(customer)
    first = customer.raise_escalation(complaint, 2, "Department head", "No answer", at(5))
    customer.resolve_escalation(first, "Team briefed", at(6))

    second = customer.raise_escalation(complaint, 1, "Supervisor", "New delay", at(7))

    assert customer.cases[second]["level"] == 1


def test_the_open_escalation_level_is_counted_per_case(customer: Customer) -> None:
    first_complaint = file_complaint(customer)
    second_complaint = file_complaint(customer, minutes=2)
    customer.raise_escalation(first_complaint, 2, "Department head", "No answer", at(5))

    escalation = customer.raise_escalation(second_complaint, 1, "Supervisor", "Delay", at(6))

    assert customer.cases[escalation]["concerning"] == second_complaint


def test_a_resolved_escalation_cannot_be_resolved_again(customer: Customer) -> None:
    complaint = file_complaint(customer)
    escalation = customer.raise_escalation(complaint, 1, "Supervisor", "No answer", at(5))
    customer.resolve_escalation(escalation, "Called the customer", at(6))

    with refused(customer, CaseAlreadyClosedError, "ES1 is resolved"):
        customer.resolve_escalation(escalation, "Called again", at(7))


# ------------------------------------------------------ leads and opportunities
def test_a_lead_cannot_change_stage_before_it_is_opened(customer: Customer) -> None:
    lead = create_lead(customer)

    with refused(customer, RuleViolationError, "OP1 is still a lead: open it first"):
        customer.change_opportunity_stage(lead, "proposal", "", at(6))


def test_a_won_opportunity_cannot_change_stage(customer: Customer) -> None:
    opportunity = open_opportunity(customer)
    customer.win_opportunity(opportunity, "1200000.00", "Signed", at(6))

    with refused(customer, CaseAlreadyClosedError, "is won"):
        customer.change_opportunity_stage(opportunity, "proposal", "", at(7))


def test_an_opportunity_does_not_change_to_the_stage_it_is_at(customer: Customer) -> None:
    opportunity = open_opportunity(customer)

    with refused(customer, RuleViolationError, "at stage qualification already"):
        customer.change_opportunity_stage(opportunity, "qualification", "", at(6))


def test_a_lead_cannot_be_won_before_it_is_opened(customer: Customer) -> None:
    lead = create_lead(customer)

    with refused(customer, RuleViolationError, "OP1 is still a lead: open it first"):
        customer.win_opportunity(lead, None, "", at(6))


@pytest.mark.parametrize("ending", ["won", "lost"])
def test_a_closed_opportunity_cannot_be_won(customer: Customer, ending: str) -> None:
    opportunity = open_opportunity(customer)
    if ending == "won":
        customer.win_opportunity(opportunity, None, "Signed", at(6))
    else:
        customer.lose_opportunity(opportunity, "Competitor cheaper", at(6))

    with refused(customer, CaseAlreadyClosedError, f"is {ending}"):
        customer.win_opportunity(opportunity, None, "Signed after all", at(7))


def test_a_lead_can_be_lost(customer: Customer) -> None:
    lead = create_lead(customer)

    customer.lose_opportunity(lead, "No budget this year", at(6))

    assert customer.cases[lead]["status"] == "lost"


def test_an_open_opportunity_can_be_lost(customer: Customer) -> None:
    opportunity = open_opportunity(customer)

    customer.lose_opportunity(opportunity, "Competitor cheaper", at(6))

    assert customer.cases[opportunity]["status"] == "lost"


@pytest.mark.parametrize("ending", ["won", "lost"])
def test_a_closed_opportunity_cannot_be_lost(customer: Customer, ending: str) -> None:
    opportunity = open_opportunity(customer)
    if ending == "won":
        customer.win_opportunity(opportunity, None, "Signed", at(6))
    else:
        customer.lose_opportunity(opportunity, "Competitor cheaper", at(6))

    with refused(customer, CaseAlreadyClosedError, f"is {ending}"):
        customer.lose_opportunity(opportunity, "Lost twice", at(7))


def test_follow_ups_are_logged_only_on_leads_and_open_opportunities(customer: Customer) -> None:
    lead = create_lead(customer)
    customer.log_follow_up(lead, "Sent the brochure", "Call next week", at(6))
    customer.lose_opportunity(lead, "No budget", at(7))

    with refused(customer, CaseAlreadyClosedError, "is lost"):
        customer.log_follow_up(lead, "Called again", "", at(8))


def test_a_lead_opens_as_an_opportunity_under_its_own_id(customer: Customer) -> None:
    lead = create_lead(customer)

    opportunity = open_opportunity(customer, lead_id=lead)

    assert opportunity == lead
    assert customer.cases[lead]["status"] == "open"
    assert create_lead(customer) == "OP2"


def test_only_a_lead_can_be_opened_as_an_opportunity(customer: Customer) -> None:
    opportunity = open_opportunity(customer)

    with refused(customer, RuleViolationError, "is not a lead"):
        open_opportunity(customer, lead_id=opportunity)


# ---------------------------------------------------------------- commitments
def test_a_commitment_is_fulfilled_once(customer: Customer) -> None:
    commitment = make_commitment(customer)
    customer.fulfil_commitment(commitment, "Price list emailed", at(20))

    with refused(customer, CaseAlreadyClosedError, "CM1 is fulfilled"):
        customer.fulfil_commitment(commitment, "Emailed again", at(21))


# --------------------------------------------------------------------- visits
def test_a_reported_visit_cannot_be_reported_again(customer: Customer) -> None:
    visit = plan_visit(customer)
    report_visit(customer, visit)

    with refused(customer, CaseAlreadyClosedError, "V1 is reported"):
        report_visit(customer, visit)


def test_a_cancelled_visit_cannot_be_reported(customer: Customer) -> None:
    visit = plan_visit(customer)
    customer.cancel_visit(visit, "Client travelling", at(3))

    with refused(customer, CaseAlreadyClosedError, "V1 is cancelled"):
        report_visit(customer, visit)


def test_an_unknown_planned_visit_cannot_be_reported(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "has no visit V4"):
        report_visit(customer, "V4")


def test_an_unplanned_visit_is_reported_under_a_new_visit_id(customer: Customer) -> None:
    plan_visit(customer)

    visit = report_visit(customer)

    assert visit == "V2"
    assert customer.cases[visit]["status"] == "reported"


@pytest.mark.parametrize("ending", ["reported", "cancelled"])
def test_only_a_planned_visit_can_be_cancelled(customer: Customer, ending: str) -> None:
    visit = plan_visit(customer)
    if ending == "reported":
        report_visit(customer, visit)
    else:
        customer.cancel_visit(visit, "Client travelling", at(3))

    with refused(customer, CaseAlreadyClosedError, f"is {ending}"):
        customer.cancel_visit(visit, "Cancelled again", at(70))


# --------------------------------------------------------------------- people
def test_a_key_person_who_left_cannot_be_updated(customer: Customer) -> None:
    person = add_person(customer)
    customer.record_person_left(person, "Retired", at(5))

    with refused(customer, RuleViolationError, "Wang Fang has left"):
        customer.update_key_person(person, {"title": "Adviser"}, at(6))


def test_a_key_person_who_left_cannot_be_assessed(customer: Customer) -> None:
    person = add_person(customer)
    customer.record_person_left(person, "Retired", at(5))

    with refused(customer, RuleViolationError, "has left"):
        customer.assess_relationship(person, "positive", "", at(6))


def test_a_key_person_leaves_once(customer: Customer) -> None:
    person = add_person(customer)
    customer.record_person_left(person, "Retired", at(5))

    with refused(customer, RuleViolationError, "has left"):
        customer.record_person_left(person, "Retired twice", at(6))


def test_an_update_of_a_key_person_must_change_something(customer: Customer) -> None:
    person = add_person(customer)

    with refused(customer, RuleViolationError, "nothing to change"):
        customer.update_key_person(person, {}, at(6))


def test_an_unknown_key_person_cannot_be_updated(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "has no key person P3"):
        customer.update_key_person("P3", {"title": "Adviser"}, at(6))


def test_a_contact_cannot_name_an_unknown_key_person(customer: Customer) -> None:
    add_person(customer)

    with refused(customer, CaseNotFoundError, "has no key person P2"):
        customer.log_contact(
            channel="phone",
            direction="outbound",
            people=["P1", "P2"],
            summary="Agreed the agenda",
            follow_ups=[],
            meta=at(5),
        )


def test_a_visit_plan_cannot_name_an_unknown_key_person(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "has no key person P1"):
        plan_visit(customer, people=["P1"])


def test_a_visit_report_cannot_name_an_unknown_key_person(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "has no key person P5"):
        report_visit(customer, people_met=["P5"])


def test_a_back_dated_contact_may_name_a_person_who_has_left_since(customer: Customer) -> None:
    person = add_person(customer)
    customer.record_person_left(person, "Retired", at(50))

    customer.log_contact(
        channel="meeting",
        direction="outbound",
        people=[person],
        summary="Farewell lunch",
        follow_ups=[],
        meta=at(40),
    )

    assert customer.version == 4


# -------------------------------------------------------------------- profile
def test_a_branch_is_closed_once(customer: Customer) -> None:
    branch = customer.add_branch("Daxing terminal", "Beijing", at(1))
    customer.close_branch(branch, "Merged into head office", at(2))

    with refused(customer, CaseAlreadyClosedError, "B1 is closed already"):
        customer.close_branch(branch, "Closed again", at(3))


def test_an_unknown_branch_cannot_be_closed(customer: Customer) -> None:
    with refused(customer, CaseNotFoundError, "has no branch B2"):
        customer.close_branch("B2", "", at(3))


def test_two_open_branches_do_not_share_a_name(customer: Customer) -> None:
    customer.add_branch("Daxing terminal", "Beijing", at(1))

    with refused(customer, RuleViolationError, "already has an open branch"):
        customer.add_branch("DAXING TERMINAL", "Beijing", at(2))


def test_a_closed_branchs_name_can_be_used_again(customer: Customer) -> None:
    old = customer.add_branch("Daxing terminal", "Beijing", at(1))
    customer.close_branch(old, "Moved", at(2))

    new = customer.add_branch("Daxing terminal", "Beijing south", at(3))

    assert (old, new) == ("B1", "B2")


def test_the_owner_cannot_be_assigned_to_the_customer_again(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "li.wei already owns C-00001"):
        customer.assign_owner("li.wei", "Handover", at(1))


def test_a_handover_names_the_previous_owner(customer: Customer) -> None:
    customer.assign_owner("zhang.min", "Li Wei moves to head office", at(1))

    assert customer.owner == "zhang.min"


def test_a_handover_moves_what_the_old_owner_held_and_nothing_else(
    customer: Customer,
) -> None:
    held = customer.make_commitment("Send the price list", None, "call", at(1))
    done = customer.make_commitment("Send the brochure", None, "call", at(2))
    customer.fulfil_commitment(done, "Sent", at(3))
    lead = customer.create_lead("Cargo lounge", "fair", "", at(4))
    theirs = customer.add_key_person(
        name="Wang Fang", title="Director",
        decision_role="decision_maker", relationship_status="neutral",
        counterpart="li.wei", meta=at(5),
    )  # fmt: skip
    someone_elses = customer.add_key_person(
        name="Zhou Min", title="Engineer",
        decision_role="user", relationship_status="neutral",
        counterpart="chen.jie", meta=at(6),
    )  # fmt: skip
    customer.collect_events()

    customer.assign_owner("zhang.min", "Li Wei moves to head office", at(7))

    moves = [
        (e.item, e.role, e.previous, e.holder)
        for e in customer.collect_events()
        if isinstance(e, ResponsibilityHandedOver)
    ]
    assert moves == [
        (held, "commitment", "li.wei", "zhang.min"),
        (lead, "opportunity", "li.wei", "zhang.min"),
        (theirs, "counterpart", "li.wei", "zhang.min"),
    ]
    assert customer.held_by("li.wei") == []
    assert customer.people[someone_elses]["counterpart"] == "chen.jie"
    assert customer.cases[done]["holder"] == "li.wei"


def test_the_segment_must_change_to_a_different_one(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "already in segment airport"):
        customer.change_segment("airport", "", at(1))


def test_the_tier_must_change(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "already general"):
        customer.change_tier("general", False, "", at(1))


def test_granting_vip_alone_is_a_tier_change(customer: Customer) -> None:
    customer.change_tier("general", True, "Board member's company", at(1))

    assert customer.vip is True


def test_the_stage_must_change_to_a_different_one(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "already at stage development"):
        customer.change_stage("development", "", at(1))


def test_the_terminated_stage_is_reached_only_by_terminating(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "relationship terminate"):
        customer.change_stage("terminated", "Lost them", at(1))


def test_a_customer_cannot_be_registered_as_terminated() -> None:
    with pytest.raises(RuleViolationError, match="cannot be registered as terminated"):
        register(stage="terminated")


def test_a_profile_update_must_change_something(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "nothing to change"):
        customer.update_profile({"industry": "aviation", "headquarters": "Beijing"}, at(1))


@pytest.mark.parametrize("score", [0, 6])
def test_a_satisfaction_score_runs_from_one_to_five(customer: Customer, score: int) -> None:
    with refused(customer, RuleViolationError, "1 to 5"):
        customer.record_satisfaction(score, "survey", "", at(1))


# --------------------------------------------------------------- relationship
def test_a_terminated_relationship_must_be_reactivated_before_a_new_lead(
    customer: Customer,
) -> None:
    terminate(customer)

    with refused(customer, RelationshipTerminatedError, "reactivate it"):
        create_lead(customer)


def test_a_terminated_relationship_must_be_reactivated_before_an_opportunity_opens(
    customer: Customer,
) -> None:
    terminate(customer)

    with refused(customer, RelationshipTerminatedError, "before you open an opportunity"):
        open_opportunity(customer)


def test_a_terminated_relationship_must_be_reactivated_before_a_visit_is_planned(
    customer: Customer,
) -> None:
    terminate(customer)

    with refused(customer, RelationshipTerminatedError, "before you plan a visit"):
        plan_visit(customer)


def test_a_terminated_relationship_changes_stage_only_by_reactivation(
    customer: Customer,
) -> None:
    terminate(customer)

    with refused(customer, RelationshipTerminatedError, "reactivate it"):
        customer.change_stage("growth", "", at(11))


def test_a_reactivated_relationship_returns_to_its_stage_and_takes_leads(
    customer: Customer,
) -> None:
    terminate(customer)

    customer.reactivate("Monthly steering meeting with their COO", at(20))

    assert customer.stage == "development"
    assert create_lead(customer) == "OP1"


def test_a_relationship_is_terminated_once(customer: Customer) -> None:
    terminate(customer)

    with refused(customer, RuleViolationError, "terminated already"):
        terminate(customer)


def test_only_a_terminated_relationship_can_be_reactivated(customer: Customer) -> None:
    with refused(customer, RuleViolationError, "not terminated"):
        customer.reactivate("Repair plan", at(1))


# ---------------------------------------------------------------- corrections
@pytest.mark.parametrize("version", [0, 3])
def test_a_correction_refers_to_a_version_that_exists(customer: Customer, version: int) -> None:
    receive_inquiry(customer)

    with refused(customer, EventNotFoundError, f"no version {version} to correct"):
        customer.record_correction(
            target_version=version,
            target_type="InquiryReceived",
            reason="Wrong channel",
            changes={"channel": "email"},
            meta=at(5),
        )


def test_a_correction_must_change_something(customer: Customer) -> None:
    receive_inquiry(customer)

    with refused(customer, RuleViolationError, "at least one field"):
        customer.record_correction(
            target_version=2,
            target_type="InquiryReceived",
            reason="Wrong channel",
            changes={},
            meta=at(5),
        )


def test_a_correction_leaves_the_corrected_case_as_it_was(customer: Customer) -> None:
    inquiry = receive_inquiry(customer)
    case_before = dict(customer.cases[inquiry])

    customer.record_correction(
        target_version=2,
        target_type="InquiryReceived",
        reason="It came by email",
        changes={"channel": "email"},
        meta=at(5),
    )

    assert customer.cases[inquiry] == case_before
    assert customer.version == 3


# ------------------------------------------------------------------ local ids
def test_complaints_are_numbered_in_the_order_they_are_filed(customer: Customer) -> None:
    ids = [file_complaint(customer, minutes=n) for n in range(1, 4)]

    assert ids == ["CP1", "CP2", "CP3"]


def test_each_kind_of_case_has_its_own_numbering(customer: Customer) -> None:
    ids = [
        file_complaint(customer),
        receive_inquiry(customer),
        file_complaint(customer),
        add_person(customer),
        customer.add_branch("Daxing terminal", "Beijing", at(2)),
        plan_visit(customer),
        create_lead(customer),
        make_commitment(customer),
        receive_inquiry(customer),
        add_person(customer, "Chen Jie"),
    ]

    assert ids == ["CP1", "IQ1", "CP2", "P1", "B1", "V1", "OP1", "CM1", "IQ2", "P2"]


def test_a_visit_reports_commitments_under_the_next_commitment_ids(customer: Customer) -> None:
    make_commitment(customer)

    visit = report_visit(
        customer,
        commitments=[
            {"description": "Send the maintenance schedule", "due": "2024-03-15"},
            {"description": "Arrange a site tour", "due": None},
        ],
    )

    assert customer.cases["CM2"]["kind"] == "commitment"
    assert customer.cases["CM3"]["due"] is None
    assert make_commitment(customer) == "CM4"
    assert visit == "V1"


def test_a_commitment_from_a_visit_is_fulfilled_like_any_other(customer: Customer) -> None:
    report_visit(customer, commitments=[{"description": "Send the schedule", "due": None}])

    customer.fulfil_commitment("CM1", "Sent", at(90))

    assert customer.cases["CM1"]["status"] == "fulfilled"


def test_a_command_remembers_the_version_and_subject_it_produced(customer: Customer) -> None:
    receive_inquiry(customer)
    file_complaint(customer)

    customer.pause_complaint("CP1", "Waiting for the scan", at(3, command_id="pause-cp1"))

    assert customer.result_of("pause-cp1") == (4, "CP1")
    assert customer.result_of("never-sent") is None


# --------------------------------------------------------------------- replay
def test_replaying_the_stream_rebuilds_the_same_customer(customer: Customer) -> None:
    person = add_person(customer)
    branch = customer.add_branch("Daxing terminal", "Beijing", at(2))
    complaint = file_complaint(customer)
    customer.acknowledge_complaint(complaint, "Called back", at(3))
    customer.pause_complaint(complaint, "Waiting for the scan", at(4))
    customer.resume_complaint(complaint, "Scan received", at(5))
    customer.raise_escalation(complaint, 2, "Department head", "Slow", at(6))
    resolve(customer, complaint)
    inquiry = receive_inquiry(customer)
    customer.answer_inquiry(inquiry, "Yes", at(31))
    visit = plan_visit(customer, people=[person])
    report_visit(customer, visit, [{"description": "Send the schedule", "due": "2024-03-20"}])
    lead = create_lead(customer)
    open_opportunity(customer, lead_id=lead)
    customer.change_opportunity_stage(lead, "proposal", "", at(61))
    customer.assess_relationship(person, "positive", "Enjoyed the tour", at(62))
    customer.close_branch(branch, "Merged", at(63))
    customer.change_tier("strategic", True, "Five-year contract", at(64))
    terminate(customer)
    customer.reactivate("Quarterly steering meeting", at(70))
    customer.update_profile({"name": "Capital Airports Holding"}, at(71))
    customer.record_person_left(person, "Retired", at(72))

    rebuilt = project_aggregate(None, customer.collect_events())

    assert isinstance(rebuilt, Customer)
    assert state(rebuilt) == state(customer)
    assert rebuilt.version == 24  # resolving the complaint closed its escalation too


def test_a_refused_command_leaves_nothing_to_save(customer: Customer) -> None:
    inquiry = receive_inquiry(customer)
    customer.answer_inquiry(inquiry, "Yes", at(5))
    customer.collect_events()

    with pytest.raises(CaseAlreadyClosedError):
        customer.answer_inquiry(inquiry, "Again", at(6))

    assert customer.collect_events() == []


STAGES = ("growth", "maturity", "prospect")

# A step of a random story: (name, function of the customer, a small number, a time).
Step = Callable[[Customer, int, Meta], object]

STEPS: dict[str, Step] = {
    "file complaint": lambda cu, n, m: cu.file_complaint("quality", "low", "Dirty", "web", m),
    "acknowledge": lambda cu, n, m: cu.acknowledge_complaint(f"CP{n}", "", m),
    "pause": lambda cu, n, m: cu.pause_complaint(f"CP{n}", "Waiting", m),
    "resume": lambda cu, n, m: cu.resume_complaint(f"CP{n}", "", m),
    "resolve": lambda cu, n, m: cu.resolve_complaint(f"CP{n}", "Cleaned", "", m),
    "reopen": lambda cu, n, m: cu.reopen_complaint(f"CP{n}", "Dirty again", m),
    "receive inquiry": lambda cu, n, m: cu.receive_inquiry("email", "Parking", "", m),
    "answer": lambda cu, n, m: cu.answer_inquiry(f"IQ{n}", "Level 2", m),
    "escalate complaint": lambda cu, n, m: cu.raise_escalation(f"CP{n}", n, "Boss", "Slow", m),
    "escalate inquiry": lambda cu, n, m: cu.raise_escalation(f"IQ{n}", n, "Boss", "Slow", m),
    "resolve escalation": lambda cu, n, m: cu.resolve_escalation(f"ES{n}", "Done", m),
    "lead": lambda cu, n, m: cu.create_lead("Upgrade", "", "", m),
    "open lead": lambda cu, n, m: cu.open_opportunity(
        lead_id=f"OP{n}", title="Upgrade", stage="proposal", value=None, currency=None, meta=m
    ),
    "win": lambda cu, n, m: cu.win_opportunity(f"OP{n}", None, "", m),
    "lose": lambda cu, n, m: cu.lose_opportunity(f"OP{n}", "Price", m),
    "commit": lambda cu, n, m: cu.make_commitment("Call back", None, "", m),
    "fulfil": lambda cu, n, m: cu.fulfil_commitment(f"CM{n}", "", m),
    "plan visit": lambda cu, n, m: cu.plan_visit(
        planned_for=T0,
        purpose="influence",
        kind="first_visit",
        visitor="li.wei",
        companions=[],
        people=[],
        agenda="",
        meta=m,
    ),
    "cancel visit": lambda cu, n, m: cu.cancel_visit(f"V{n}", "", m),
    "add person": lambda cu, n, m: cu.add_key_person(
        name=f"Person {n}",
        title="",
        decision_role="user",
        relationship_status="neutral",
        counterpart=None,
        meta=m,
    ),
    "person left": lambda cu, n, m: cu.record_person_left(f"P{n}", "", m),
    "terminate": lambda cu, n, m: cu.terminate("Ended", "Price", "HO-1", m),
    "reactivate": lambda cu, n, m: cu.reactivate("Plan", m),
    "change stage": lambda cu, n, m: cu.change_stage(STAGES[n - 1], "", m),
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(STEPS)), st.integers(1, 3)), max_size=40))
def test_any_accepted_history_replays_to_the_same_customer(steps: list[tuple[str, int]]) -> None:
    customer = register()

    for minute, (name, n) in enumerate(steps, start=1):
        before = state(customer)
        try:
            STEPS[name](customer, n, at(minute))
        except LedgerError:
            assert state(customer) == before, f"{name} {n} was refused but changed the customer"
    events = customer.collect_events()
    rebuilt = project_aggregate(None, events)

    assert rebuilt is not None
    assert state(rebuilt) == state(customer)
    assert [e.originator_version for e in events] == list(range(1, len(events) + 1))
