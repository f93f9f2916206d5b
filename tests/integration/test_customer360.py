"""The customer 360, on SQLite and PostgreSQL: what staff see on one customer, kept
current from its events, using corrected values, and as it stood at any moment."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.base import CustomerEvent
from ledger.history import tell
from ledger.storage import Storage
from projections.customer360 import as_of
from projections.customer360_doc import CLOSED_KEPT
from projections.views import Views
from tests.reading import reader

ACTOR = "li.wei"
CUSTOMER = "C-00001"
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    """A moment in the first week of March 2026, counted in hours from Monday 09:00."""
    return MONDAY + timedelta(hours=hours)


@pytest.fixture
def app(ledger_app: Ledger) -> Ledger:
    ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR,
            name="Capital Airport Group",
            segment="airport",
            industry="aviation",
            tier="strategic",
            vip=True,
            stage="growth",
            owner="li.wei",
            occurred_at=at(0),
        )
    )
    return ledger_app


@pytest.fixture
def views(app: Ledger, storage: Storage) -> Iterator[Views]:
    created = Views(app, storage)
    yield created
    created.close()


def show(views: Views, moment: datetime | None = None) -> dict[str, Any]:
    doc = reader(views).customer_360(CUSTOMER, moment=moment)
    assert doc is not None
    return doc


def events(app: Ledger) -> list[CustomerEvent]:
    return app.customer_events(CUSTOMER)[1]


def log_contact(app: Ledger, hours: float, summary: str, channel: str = "phone") -> int:
    return app.log_contact(
        c.LogContact(
            actor=ACTOR,
            customer=CUSTOMER,
            channel=channel,
            direction="outbound",
            summary=summary,
            occurred_at=at(hours),
        )
    ).version


def correct(app: Ledger, version: int, **changes: str) -> int:
    return app.record_correction(
        c.RecordCorrection(
            actor=ACTOR, customer=CUSTOMER, version=version, reason="typo", changes=changes
        )
    ).version


# ------------------------------------------------------------------- content
def test_the_360_shows_the_profile_and_who_owned_the_customer_when(
    app: Ledger, views: Views
) -> None:
    app.assign_owner(
        c.AssignOwner(
            actor=ACTOR, customer=CUSTOMER, owner="zhang.min", reason="li.wei moves on",
            occurred_at=at(2),
        )
    )  # fmt: skip
    app.add_branch(c.AddBranch(actor=ACTOR, customer=CUSTOMER, name="Pudong", location="Shanghai"))

    doc = show(views)

    assert (doc["code"], doc["name"], doc["segment"], doc["tier"], doc["vip"], doc["stage"]) == (
        CUSTOMER, "Capital Airport Group", "airport", "strategic", True, "growth",
    )  # fmt: skip
    assert doc["owner"] == "zhang.min"
    assert [(o["owner"], o["previous"], o["reason"]) for o in doc["owners"]] == [
        ("li.wei", None, "registered"),
        ("zhang.min", "li.wei", "li.wei moves on"),
    ]
    branch = doc["branches"]["B1"]
    assert (branch["name"], branch["location"], branch["open"]) == ("Pudong", "Shanghai", True)


def test_the_360_shows_key_people_with_their_role_attitude_and_counterpart(
    app: Ledger, views: Views
) -> None:
    app.add_key_person(
        c.AddKeyPerson(
            actor=ACTOR, customer=CUSTOMER, name="Wang Fang", title="CFO",
            decision_role="decision_maker", counterpart="zhang.min",
        )
    )  # fmt: skip
    app.assess_relationship(
        c.AssessRelationship(
            actor=ACTOR, customer=CUSTOMER, case="P1", relationship_status="negative",
            note="Unhappy about fees",
        )
    )  # fmt: skip

    person = show(views)["people"]["P1"]

    assert (
        person["name"], person["title"], person["decision_role"],
        person["relationship_status"], person["counterpart"], person["present"],
    ) == ("Wang Fang", "CFO", "decision_maker", "negative", "zhang.min", True)  # fmt: skip


def test_open_cases_show_their_state_and_closed_ones_when_they_closed(
    app: Ledger, views: Views
) -> None:
    app.file_complaint(
        c.FileComplaint(
            actor=ACTOR, customer=CUSTOMER, category="service", description="Bags late",
            channel="email", occurred_at=at(1),
        )
    )  # fmt: skip
    app.acknowledge_complaint(
        c.AcknowledgeComplaint(actor=ACTOR, customer=CUSTOMER, case="CP1", occurred_at=at(1.5))
    )
    app.pause_complaint(
        c.PauseComplaint(
            actor=ACTOR, customer=CUSTOMER, case="CP1", reason="Waiting for the flight list",
            occurred_at=at(2),
        )
    )  # fmt: skip
    app.raise_escalation(
        c.RaiseEscalation(
            actor=ACTOR, customer=CUSTOMER, case="CP1", level=2, to="Head of handling",
            reason="Repeated",
        )
    )  # fmt: skip
    app.receive_inquiry(
        c.ReceiveInquiry(
            actor=ACTOR, customer=CUSTOMER, channel="phone", title="Slot fees", occurred_at=at(3)
        )
    )
    app.answer_inquiry(
        c.AnswerInquiry(
            actor=ACTOR, customer=CUSTOMER, case="IQ1", answer="Per the tariff", occurred_at=at(3.1)
        )
    )

    cases = show(views)["cases"]

    complaint, inquiry = cases["CP1"], cases["IQ1"]
    assert (complaint["status"], complaint["title"], complaint["escalation_level"]) == (
        "open", "Bags late", 2,
    )  # fmt: skip
    assert complaint["acknowledged_at"] == at(1.5).isoformat(timespec="microseconds")
    assert complaint["paused_at"] == at(2).isoformat(timespec="microseconds")
    assert cases["ES1"]["status"] == "open"
    assert (inquiry["status"], inquiry["closed_at"]) == (
        "answered", at(3.1).isoformat(timespec="microseconds"),
    )  # fmt: skip


def test_the_last_contact_per_channel_is_the_latest_to_have_happened_not_to_be_recorded(
    app: Ledger, views: Views
) -> None:
    log_contact(app, 5, "Agreed the May price")
    log_contact(app, 1, "Earlier call, recorded late")
    log_contact(app, 2, "Sent the tariff", channel="email")

    last = show(views)["last_contact"]

    assert {channel: contact["summary"] for channel, contact in last.items()} == {
        "phone": "Agreed the May price",
        "email": "Sent the tariff",
    }


def test_a_visit_report_leaves_its_pending_problems_and_open_commitments(
    app: Ledger, views: Views
) -> None:
    app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer=CUSTOMER, purpose="maintenance", kind="problem_handling",
            summary="Walked the baggage hall", outcome="C",
            problems_pending=["Conveyor 3 still jams"],
            commitments=[c.PromisedCommitment(description="Send the engineer report")],
        )
    )  # fmt: skip

    doc = show(views)

    assert [p["text"] for p in doc["pending_problems"]] == ["Conveyor 3 still jams"]
    assert (doc["last_visit"]["case_id"], doc["last_visit"]["outcome"]) == ("V1", "C")
    commitment = doc["cases"]["CM1"]
    assert (commitment["kind"], commitment["status"], commitment["title"]) == (
        "commitment", "open", "Send the engineer report",
    )  # fmt: skip


def test_an_opportunity_shows_its_stage_and_its_last_follow_up(app: Ledger, views: Views) -> None:
    app.create_lead(c.CreateLead(actor=ACTOR, customer=CUSTOMER, title="Lounge", occurred_at=at(1)))
    app.open_opportunity(
        c.OpenOpportunity(
            actor=ACTOR, customer=CUSTOMER, lead="OP1", title="Lounge refit", occurred_at=at(2)
        )
    )
    app.change_opportunity_stage(
        c.ChangeOpportunityStage(
            actor=ACTOR, customer=CUSTOMER, case="OP1", stage="proposal", occurred_at=at(3)
        )
    )
    app.log_follow_up(
        c.LogFollowUp(
            actor=ACTOR, customer=CUSTOMER, case="OP1", summary="Sent drawings",
            next_step="Site visit", occurred_at=at(4),
        )
    )  # fmt: skip

    opportunity = show(views)["cases"]["OP1"]

    assert (opportunity["status"], opportunity["title"], opportunity["stage"]) == (
        "open", "Lounge refit", "proposal",
    )  # fmt: skip
    assert opportunity["last_follow_up"] == at(4).isoformat(timespec="microseconds")
    assert opportunity["next_step"] == "Site visit"


def test_a_terminated_relationship_shows_why_until_it_is_reactivated(
    app: Ledger, views: Views
) -> None:
    app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR, customer=CUSTOMER, reason="Tender lost", root_cause="Price",
            head_office_ref="HO-9",
        )
    )  # fmt: skip
    terminated = show(views)
    app.reactivate_relationship(
        c.ReactivateRelationship(actor=ACTOR, customer=CUSTOMER, repair_plan="Quarterly reviews")
    )

    reactivated = show(views)

    assert terminated["stage"] == "terminated"
    assert terminated["termination"]["head_office_ref"] == "HO-9"
    assert (reactivated["stage"], reactivated["termination"]) == ("growth", None)


def test_the_360_is_caught_up_with_the_log_before_it_is_read(app: Ledger, views: Views) -> None:
    show(views)
    log_contact(app, 1, "Recorded after the last read")

    doc = show(views)

    assert doc["last_contact"]["phone"]["summary"] == "Recorded after the last read"
    assert doc == as_of(app.resolve_customer(CUSTOMER), events(app))


# --------------------------------------------------------------- corrections
def test_a_corrected_contact_summary_is_what_the_360_shows(app: Ledger, views: Views) -> None:
    call = log_contact(app, 1, "Agreed the Mya price")

    correct(app, call, summary="Agreed the May price")

    doc = show(views)
    entry = next(e for e in doc["timeline"] if e["v"] == call)
    assert doc["last_contact"]["phone"]["summary"] == "Agreed the May price"
    assert entry["corrected"] is True
    assert entry["text"] == "Phone call (outbound): Agreed the May price. (corrected)"


def test_a_corrected_contact_keeps_its_original_words_in_the_history(app: Ledger) -> None:
    call = log_contact(app, 1, "Agreed the Mya price")

    correction = correct(app, call, summary="Agreed the May price")

    told = next(e for e in tell(events(app)) if e.version == call)
    assert told.text == "Phone call (outbound): Agreed the Mya price."
    assert told.corrected_by == [correction]


def test_a_corrected_complaint_time_moves_when_the_case_opened_and_its_place_in_the_timeline(
    app: Ledger, views: Views
) -> None:
    filed = app.file_complaint(
        c.FileComplaint(
            actor=ACTOR, customer=CUSTOMER, category="billing", description="Double charge",
            channel="phone", occurred_at=at(5),
        )
    ).version  # fmt: skip
    log_contact(app, 3, "Checked the invoice")

    correct(app, filed, occurred_at=at(2).isoformat())

    doc = show(views)
    moved = at(2).isoformat(timespec="microseconds")
    assert doc["cases"]["CP1"]["opened_at"] == moved
    assert [(e["v"], e["occurred_at"]) for e in doc["timeline"]][1:] == [
        (filed, moved),
        (filed + 1, at(3).isoformat(timespec="microseconds")),
    ]
    assert next(e for e in doc["timeline"] if e["v"] == filed)["corrected"] is True
    assert next(e for e in tell(events(app)) if e.version == filed).occurred_at == at(5)


def test_a_corrected_last_contact_time_moves_the_last_contact(app: Ledger, views: Views) -> None:
    call = log_contact(app, 1, "Agreed the May price")

    correct(app, call, occurred_at=at(4).isoformat())

    assert show(views)["last_contact"]["phone"]["occurred_at"] == at(4).isoformat(
        timespec="microseconds"
    )


def test_a_correction_to_a_planned_visit_is_applied_to_the_view(app: Ledger, views: Views) -> None:
    planned = app.plan_visit(
        c.PlanVisit(
            actor=ACTOR, customer=CUSTOMER, planned_for=at(48), purpose="new_project",
            kind="first_visit", agenda="Cargo terminal",
        )
    ).version  # fmt: skip

    correct(app, planned, agenda="Passenger terminal")

    entry = next(e for e in show(views)["timeline"] if e["v"] == planned)
    assert entry["text"] == (
        "Visit V1 planned for 2026-03-04 09:00 by li.wei (new project, first visit): "
        "Passenger terminal. (corrected)"
    )


# --------------------------------------------------------------------- as-of
def test_a_back_dated_event_recorded_after_a_moment_is_not_in_the_360_as_of_that_moment(
    app: Ledger, views: Views
) -> None:
    log_contact(app, 5, "Agreed the May price")
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    log_contact(app, 1, "Monday morning's call, recorded late", channel="meeting")

    then, now = show(views, moment), show(views)

    assert "meeting" not in then["last_contact"]
    assert now["last_contact"]["meeting"]["summary"] == "Monday morning's call, recorded late"
    assert then == as_of(app.resolve_customer(CUSTOMER), events(app)[:2])


def test_the_360_as_of_a_moment_is_computed_from_what_was_recorded_by_then(
    app: Ledger, views: Views
) -> None:
    log_contact(app, 1, "First")
    time.sleep(0.002)
    moment = datetime.now(UTC)
    time.sleep(0.002)
    correct(app, 2, summary="First, corrected later")

    then = show(views, moment)

    assert then["last_contact"]["phone"]["summary"] == "First"
    assert then["version"] == 2


def test_there_is_no_360_as_of_a_moment_before_the_customer_was_recorded(
    app: Ledger, views: Views
) -> None:
    before = reader(views).customer_360(CUSTOMER, moment=datetime(2000, 1, 1, tzinfo=UTC))

    assert before is None


# ------------------------------------------------ closed cases kept apart
def answered_inquiries(app: Ledger, count: int, from_hour: float = 10) -> list[str]:
    """Receive and answer `count` inquiries, an hour apart; their case ids."""
    cases = []
    for n in range(count):
        case = app.receive_inquiry(
            c.ReceiveInquiry(
                actor=ACTOR, customer=CUSTOMER, channel="phone", title=f"Question {n}",
                occurred_at=at(from_hour + n),
            )
        ).subject  # fmt: skip
        app.answer_inquiry(
            c.AnswerInquiry(
                actor=ACTOR, customer=CUSTOMER, case=case, answer="Answered",
                occurred_at=at(from_hour + n + 0.5),
            )
        )  # fmt: skip
        cases.append(case)
    return cases


def resolved_complaint(app: Ledger) -> str:
    """A complaint acknowledged, paused, resumed, escalated and resolved; its id."""
    case = app.file_complaint(
        c.FileComplaint(
            actor=ACTOR, customer=CUSTOMER, category="service", description="Bags late",
            channel="email", occurred_at=at(1),
        )
    ).subject  # fmt: skip
    app.acknowledge_complaint(
        c.AcknowledgeComplaint(actor=ACTOR, customer=CUSTOMER, case=case, occurred_at=at(1.5))
    )
    app.pause_complaint(
        c.PauseComplaint(
            actor=ACTOR, customer=CUSTOMER, case=case, reason="Flight list", occurred_at=at(2)
        )
    )
    app.resume_complaint(
        c.ResumeComplaint(actor=ACTOR, customer=CUSTOMER, case=case, occurred_at=at(3))
    )
    app.raise_escalation(
        c.RaiseEscalation(
            actor=ACTOR, customer=CUSTOMER, case=case, level=2, to="Head of handling",
            reason="Repeated", occurred_at=at(4),
        )
    )  # fmt: skip
    app.resolve_complaint(
        c.ResolveComplaint(
            actor=ACTOR, customer=CUSTOMER, case=case, resolution="Extra staff",
            occurred_at=at(5),
        )
    )  # fmt: skip
    return case


def reopen(app: Ledger, case: str, hours: float) -> None:
    app.reopen_complaint(
        c.ReopenComplaint(
            actor=ACTOR, customer=CUSTOMER, case=case, reason="Late again", occurred_at=at(hours)
        )
    )


def test_the_360_keeps_the_latest_closed_cases_however_many_have_closed(
    app: Ledger, views: Views
) -> None:
    waiting = app.receive_inquiry(
        c.ReceiveInquiry(actor=ACTOR, customer=CUSTOMER, channel="email", title="Still open")
    ).subject
    answered = answered_inquiries(app, CLOSED_KEPT)
    size = len(json.dumps(show(views)))

    answered += answered_inquiries(app, 3 * CLOSED_KEPT, from_hour=100)

    doc = show(views)
    assert list(doc["cases"]) == [waiting, *answered[-CLOSED_KEPT:]]
    assert len(json.dumps(doc)) < size * 1.2  # the document did not grow with the past
    assert doc == as_of(app.resolve_customer(CUSTOMER), events(app))


def test_a_complaint_reopened_long_after_it_was_resolved_shows_again_with_all_it_had(
    app: Ledger, views: Views
) -> None:
    complaint = resolved_complaint(app)
    answered_inquiries(app, CLOSED_KEPT)
    assert complaint not in show(views)["cases"]  # closed long ago: kept apart

    reopen(app, complaint, 200)

    doc = show(views)
    case = doc["cases"][complaint]
    assert (case["status"], case["title"], case["escalation_level"]) == ("open", "Bags late", 2)
    assert case["acknowledged_at"] == at(1.5).isoformat(timespec="microseconds")
    assert case["pauses"] == [
        [at(2).isoformat(timespec="microseconds"), at(3).isoformat(timespec="microseconds")]
    ]
    assert case["reopened_at"] == at(200).isoformat(timespec="microseconds")
    assert list(doc["cases"])[:1] == [complaint]  # in its place among the cases
    assert "ES1" not in doc["cases"]  # closed with the complaint, and kept apart with it then
    assert doc == as_of(app.resolve_customer(CUSTOMER), events(app))


def test_a_correction_of_a_complaint_kept_apart_shows_when_it_is_reopened(
    app: Ledger, views: Views
) -> None:
    complaint = resolved_complaint(app)
    filed = next(e.version for e in tell(events(app)) if e.event == "ComplaintFiled")
    answered_inquiries(app, CLOSED_KEPT)
    show(views)  # caught up: the complaint is kept apart when it is corrected

    correct(app, filed, description="Bags two hours late", occurred_at=at(0.5).isoformat())
    show(views)
    reopen(app, complaint, 200)

    case = show(views)["cases"][complaint]
    assert (case["title"], case["opened_at"]) == (
        "Bags two hours late", at(0.5).isoformat(timespec="microseconds"),
    )  # fmt: skip


def test_a_complaint_closed_again_after_reopening_is_kept_with_its_new_closing(
    app: Ledger, views: Views
) -> None:
    complaint = resolved_complaint(app)
    answered_inquiries(app, CLOSED_KEPT)
    reopen(app, complaint, 200)
    app.resolve_complaint(
        c.ResolveComplaint(
            actor=ACTOR, customer=CUSTOMER, case=complaint, resolution="Fixed for good",
            occurred_at=at(201),
        )
    )  # fmt: skip

    doc = show(views)

    case = doc["cases"][complaint]  # now among the latest to close
    assert (case["status"], case["resolution"]) == ("resolved", "Fixed for good")
    assert case["closed_at"] == at(201).isoformat(timespec="microseconds")
    assert len(doc["cases"]) == CLOSED_KEPT  # the latest to close (its escalation closed before)
    assert doc == as_of(app.resolve_customer(CUSTOMER), events(app))
