"""SLA clocks worked out by hand (docs/domain.md, "Service rules (SLA)"): deadlines
on the business calendar (Monday to Friday, 09:00-12:00 and 13:00-18:00, UTC),
pauses, at risk at 75%, follow-ups every 30 days, commitments by the end of their
due day, visit coverage, moments in the past, and the policy each case opened
under. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.events import ComplaintFiled
from ledger.storage import Storage
from ledger.vocabulary import Channel, ComplaintCategory, VisitKind, VisitOutcome, VisitPurpose
from projections.sla.items import SlaItem
from projections.views import Views
from tests.old_events import store_old_event
from tests.reading import reader

ACTOR = "li.wei"
FRIDAY = date(2026, 3, 6)
MONDAY = date(2026, 3, 9)
TUESDAY = date(2026, 3, 10)


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


def register(
    app: Ledger,
    name: str = "Capital Airport Group",
    *,
    owner: str = "zhang.min",
    segment: str = "airport",
    when: datetime | None = None,
) -> str:
    """A customer registered on Monday 2 March: no month of visit coverage has ended
    before the moments these tests look at, unless they say so."""
    when = when or at(date(2026, 3, 2), 9)
    receipt = app.register_customer(
        c.RegisterCustomer(actor=ACTOR, name=name, segment=segment, owner=owner, occurred_at=when)
    )
    return receipt.customer_code


def file_complaint(app: Ledger, customer: str, when: datetime) -> str:
    receipt = app.file_complaint(
        c.FileComplaint(
            actor=ACTOR,
            customer=customer,
            category=ComplaintCategory.SERVICE,
            description="The lounge closed early",
            channel=Channel.PHONE,
            occurred_at=when,
        )
    )
    return receipt.subject


def receive_inquiry(app: Ledger, customer: str, when: datetime) -> str:
    receipt = app.receive_inquiry(
        c.ReceiveInquiry(
            actor=ACTOR, customer=customer, channel=Channel.EMAIL, title="Fees", occurred_at=when
        )
    )
    return receipt.subject


def case_step(
    app: Ledger, method: str, model: str, customer: str, case: str, **fields: Any
) -> None:
    command = getattr(c, model)(actor=ACTOR, customer=customer, case=case, **fields)
    getattr(app, method)(command)


def only(items: list[SlaItem]) -> SlaItem:
    assert len(items) == 1, [item.ref for item in items]
    return items[0]


# ---------------------------------------------------------------- complaints
def test_a_complaint_filed_friday_afternoon_is_due_monday_late_morning(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))

    before = reader(views).sla_breaches(as_of=at(MONDAY, 11, 29))
    after = reader(views).sla_breaches(as_of=at(MONDAY, 11, 31))

    assert before == []
    breach = only(after)
    assert (breach.ref, breach.kind, breach.target) == (
        f"{customer}/{complaint}",
        "complaint",
        "resolution",
    )
    assert breach.due_at == at(MONDAY, 11, 30)
    assert (breach.status, breach.late, breach.business_time) == (
        "open",
        timedelta(minutes=1),
        True,
    )
    assert (breach.owner, breach.segment, breach.policy_version) == (
        "zhang.min",
        "airport",
        "default",
    )


def test_a_complaint_resolved_late_is_still_listed_as_breached(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))
    case_step(
        ledger_app, "resolve_complaint", "ResolveComplaint", customer, complaint,
        resolution="Lounge hours extended", occurred_at=at(MONDAY, 14),
    )  # fmt: skip

    listed = only(reader(views).sla_breaches(as_of=at(TUESDAY, 9)))

    assert (listed.status, listed.closed_at) == ("closed", at(MONDAY, 14))
    # 11:30-12:00 and 13:00-14:00: late by an hour and a half of working time.
    assert listed.late == timedelta(hours=1, minutes=30)


def test_a_complaint_resolved_in_time_is_never_breached(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))
    case_step(
        ledger_app, "resolve_complaint", "ResolveComplaint", customer, complaint,
        resolution="Apologised", occurred_at=at(MONDAY, 11, 30),
    )  # fmt: skip

    assert reader(views).sla_breaches(as_of=at(TUESDAY, 9)) == []


def test_a_paused_complaint_is_due_later_by_exactly_the_paused_working_time(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(MONDAY, 9))
    case_step(
        ledger_app, "pause_complaint", "PauseComplaint", customer, complaint,
        reason="Waiting for the receipts", occurred_at=at(MONDAY, 10),
    )  # fmt: skip
    case_step(
        ledger_app, "resume_complaint", "ResumeComplaint", customer, complaint,
        occurred_at=at(MONDAY, 15),
    )  # fmt: skip

    # Without the pause it was due 14:00; the pause covered 10-12 and 13-15 (4 hours).
    assert reader(views).sla_breaches(as_of=at(MONDAY, 17, 59)) == []
    assert only(reader(views).sla_breaches(as_of=at(MONDAY, 18, 1))).due_at == at(MONDAY, 18)


def test_a_complaint_waiting_on_the_customer_is_neither_at_risk_nor_breached(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(MONDAY, 9))
    case_step(
        ledger_app, "pause_complaint", "PauseComplaint", customer, complaint,
        reason="Waiting for the receipts", occurred_at=at(MONDAY, 12),
    )  # fmt: skip

    later = at(TUESDAY, 17)

    assert reader(views).sla_breaches(as_of=later) == []
    assert reader(views).sla_at_risk(as_of=later, kind="complaint") == []


def test_a_complaint_is_at_risk_once_three_quarters_of_its_four_hours_have_passed(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))

    # 1h30 on Friday, then 1h30 on Monday: three hours are up at 10:30.
    assert reader(views).sla_at_risk(as_of=at(MONDAY, 10, 29), kind="complaint") == []
    risky = only(reader(views).sla_at_risk(as_of=at(MONDAY, 10, 31), kind="complaint"))
    assert (risky.due_at, risky.left) == (at(MONDAY, 11, 30), timedelta(minutes=59))


def test_a_reopened_complaint_runs_its_clock_again_from_the_reopening(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(MONDAY, 9))
    case_step(
        ledger_app, "resolve_complaint", "ResolveComplaint", customer, complaint,
        resolution="Refunded", occurred_at=at(MONDAY, 10),
    )  # fmt: skip
    case_step(
        ledger_app, "reopen_complaint", "ReopenComplaint", customer, complaint,
        reason="The refund bounced", occurred_at=at(TUESDAY, 9),
    )  # fmt: skip

    # One hour was used on Monday; three remain from Tuesday 09:00.
    assert only(reader(views).sla_breaches(as_of=at(TUESDAY, 13))).due_at == at(TUESDAY, 12)


# ----------------------------------------------------------------- inquiries
def test_an_inquiry_received_at_11_55_is_due_at_13_05(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app)
    inquiry = receive_inquiry(ledger_app, customer, at(TUESDAY, 11, 55))

    assert reader(views).sla_breaches(as_of=at(TUESDAY, 13, 4)) == []
    breach = only(reader(views).sla_breaches(as_of=at(TUESDAY, 13, 6)))
    assert (breach.ref, breach.target, breach.due_at) == (
        f"{customer}/{inquiry}",
        "first_answer",
        at(TUESDAY, 13, 5),
    )


def test_an_inquiry_received_on_saturday_is_due_monday_at_09_10(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    receive_inquiry(ledger_app, customer, at(date(2026, 3, 7), 10))

    assert only(reader(views).sla_breaches(as_of=at(MONDAY, 10))).due_at == at(MONDAY, 9, 10)


def test_an_inquiry_is_at_risk_after_seven_and_a_half_of_its_ten_minutes(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    receive_inquiry(ledger_app, customer, at(TUESDAY, 10))

    assert reader(views).sla_at_risk(as_of=at(TUESDAY, 10, 7, 29)) == []
    risky = only(reader(views).sla_at_risk(as_of=at(TUESDAY, 10, 7, 30)))
    assert (risky.kind, risky.left) == ("inquiry", timedelta(minutes=2, seconds=30))


def test_an_inquiry_answered_in_time_is_neither_at_risk_nor_breached(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    inquiry = receive_inquiry(ledger_app, customer, at(TUESDAY, 10))
    case_step(
        ledger_app, "answer_inquiry", "AnswerInquiry", customer, inquiry,
        answer="Free for members", occurred_at=at(TUESDAY, 10, 8),
    )  # fmt: skip

    assert reader(views).sla_at_risk(as_of=at(TUESDAY, 10, 9)) == []
    assert reader(views).sla_breaches(as_of=at(TUESDAY, 11)) == []


# ------------------------------------------------------------------ follow-up
def test_an_open_lead_needs_a_follow_up_every_30_days(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app, when=at(date(2026, 1, 5), 9))
    lead = ledger_app.create_lead(
        c.CreateLead(
            actor=ACTOR,
            customer=customer,
            title="Cargo lounge",
            occurred_at=at(date(2026, 1, 5), 10),
        )
    ).subject

    assert reader(views).sla_breaches(as_of=at(date(2026, 2, 4), 9, 59), kind="follow-up") == []
    breach = only(reader(views).sla_breaches(as_of=at(date(2026, 2, 4), 10, 1), kind="follow-up"))
    assert (breach.ref, breach.kind, breach.due_at) == (
        f"{customer}/{lead}",
        "follow-up",
        at(date(2026, 2, 4), 10),
    )
    assert (breach.late, breach.business_time) == (timedelta(minutes=1), False)


def test_a_follow_up_moves_the_next_one_due_30_days_on(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app, when=at(date(2026, 1, 5), 9))
    lead = ledger_app.create_lead(
        c.CreateLead(
            actor=ACTOR,
            customer=customer,
            title="Cargo lounge",
            occurred_at=at(date(2026, 1, 5), 10),
        )
    ).subject
    case_step(
        ledger_app, "log_follow_up", "LogFollowUp", customer, lead,
        summary="Sent the price list", occurred_at=at(date(2026, 1, 20), 10),
    )  # fmt: skip

    assert reader(views).sla_breaches(as_of=at(date(2026, 2, 10), 9), kind="follow-up") == []
    # 75% of 30 days after the follow-up is 22 days and 12 hours.
    risky = only(reader(views).sla_at_risk(as_of=at(date(2026, 2, 11), 23), kind="follow-up"))
    assert risky.due_at == at(date(2026, 2, 19), 10)


def test_a_follow_up_gap_missed_once_stays_breached(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app, when=at(date(2026, 1, 5), 9))
    lead = ledger_app.create_lead(
        c.CreateLead(
            actor=ACTOR,
            customer=customer,
            title="Cargo lounge",
            occurred_at=at(date(2026, 1, 5), 10),
        )
    ).subject
    case_step(
        ledger_app, "log_follow_up", "LogFollowUp", customer, lead,
        summary="Called at last", occurred_at=at(date(2026, 2, 10), 10),
    )  # fmt: skip

    breach = only(reader(views).sla_breaches(as_of=at(date(2026, 2, 12), 9), kind="follow-up"))

    assert breach.due_at == at(date(2026, 2, 4), 10)
    assert breach.late == timedelta(days=6)  # until the follow-up that ended the gap


# ---------------------------------------------------------------- commitments
def test_a_commitment_not_kept_by_the_end_of_its_due_day_is_breached(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    commitment = ledger_app.make_commitment(
        c.MakeCommitment(
            actor=ACTOR,
            customer=customer,
            description="Send the revised contract",
            due=TUESDAY,
            occurred_at=at(MONDAY, 9),
        )
    ).subject

    assert reader(views).sla_breaches(as_of=at(TUESDAY, 23, 59)) == []
    breach = only(reader(views).sla_breaches(as_of=at(date(2026, 3, 11), 0, 1)))
    assert (breach.ref, breach.target, breach.due_at) == (
        f"{customer}/{commitment}",
        "commitment_due",
        at(date(2026, 3, 11), 0),
    )


def test_a_commitment_is_due_at_the_end_of_its_day_in_the_ledgers_time_zone(
    ledger_app: Ledger, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_TIMEZONE", "Asia/Shanghai")
    in_shanghai = Ledger(env=storage.env)  # the time zone in force when the promise is made
    customer = register(in_shanghai)
    in_shanghai.make_commitment(
        c.MakeCommitment(
            actor=ACTOR, customer=customer, description="Call back", due=TUESDAY,
            occurred_at=at(MONDAY, 2),
        )
    )  # fmt: skip
    shanghai = Views(in_shanghai, storage)

    try:
        breach = only(reader(shanghai).sla_breaches(as_of=at(TUESDAY, 16, 1)))
    finally:
        shanghai.close()
        in_shanghai.close()

    assert breach.due_at == at(TUESDAY, 16)  # midnight in Shanghai, UTC+8


def test_a_commitment_made_in_a_visit_report_is_tracked_too(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    ledger_app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer=customer, purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.RELATIONSHIP_BUILDING, summary="Walked the terminal",
            outcome=VisitOutcome.B, occurred_at=at(MONDAY, 10),
            commitments=[c.PromisedCommitment(description="Fix the gate sign", due=MONDAY)],
        )
    )  # fmt: skip

    breach = only(reader(views).sla_breaches(as_of=at(TUESDAY, 9)))

    assert (breach.kind, breach.due_at) == ("commitment", at(TUESDAY, 0))


# -------------------------------------------------------------- visit coverage
def visit(app: Ledger, customer: str, when: datetime) -> None:
    app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer=customer, purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.RELATIONSHIP_BUILDING, summary="Coffee with the buyer",
            outcome=VisitOutcome.C, occurred_at=when,
        )
    )  # fmt: skip


def test_an_owner_who_visits_fewer_than_half_of_their_customers_breaches_coverage(
    ledger_app: Ledger, views: Views
) -> None:
    first, _, _ = (register(ledger_app, name) for name in ("Alpha Air", "Beta Cargo", "Gamma"))
    visit(ledger_app, first, at(MONDAY, 10))

    breach = only(reader(views).sla_breaches(as_of=at(date(2026, 4, 2), 9), kind="visit-coverage"))

    assert (breach.ref, breach.owner, breach.due_at) == (
        "2026-03",
        "zhang.min",
        at(date(2026, 4, 1), 0),
    )
    assert breach.detail == "1 of 3 active customers visited (33%; target 50%)"


def test_visiting_half_of_them_meets_the_coverage_target(ledger_app: Ledger, views: Views) -> None:
    first, second = (register(ledger_app, name) for name in ("Alpha Air", "Beta Cargo"))
    visit(ledger_app, first, at(MONDAY, 10))
    register(ledger_app, "Gamma")
    register(ledger_app, "Delta")
    visit(ledger_app, second, at(TUESDAY, 10))

    assert reader(views).sla_breaches(as_of=at(date(2026, 4, 2), 9), kind="visit-coverage") == []


def test_terminated_customers_do_not_count_towards_coverage(
    ledger_app: Ledger, views: Views
) -> None:
    first, second = (register(ledger_app, name) for name in ("Alpha Air", "Beta Cargo"))
    visit(ledger_app, first, at(MONDAY, 10))
    ledger_app.terminate_relationship(
        c.TerminateRelationship(
            actor=ACTOR, customer=second, reason="Moved to a competitor",
            root_cause="Price", head_office_ref="HO-1", occurred_at=at(FRIDAY, 10),
        )
    )  # fmt: skip

    assert reader(views).sla_breaches(as_of=at(date(2026, 4, 2), 9), kind="visit-coverage") == []


def test_coverage_short_of_the_target_late_in_the_month_is_at_risk(
    ledger_app: Ledger, views: Views
) -> None:
    first, _, _ = (register(ledger_app, name) for name in ("Alpha Air", "Beta Cargo", "Gamma"))
    visit(ledger_app, first, at(MONDAY, 10))

    # 75% of March's 31 days have passed on the 24th at 06:00.
    assert reader(views).sla_at_risk(as_of=at(date(2026, 3, 24), 5), kind="visit-coverage") == []
    risky = only(reader(views).sla_at_risk(as_of=at(date(2026, 3, 24), 7), kind="visit-coverage"))
    assert (risky.owner, risky.case) == ("zhang.min", "2026-03")


# ------------------------------------------------------------------- as of
def test_as_of_a_past_moment_a_case_closed_later_is_open_and_one_opened_later_does_not_exist(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))
    case_step(
        ledger_app, "resolve_complaint", "ResolveComplaint", customer, complaint,
        resolution="Refunded", occurred_at=at(TUESDAY, 10),
    )  # fmt: skip
    receive_inquiry(ledger_app, customer, at(MONDAY, 13))

    then = only(reader(views).sla_breaches(as_of=at(MONDAY, 12)))

    assert (then.ref, then.status, then.closed_at) == (f"{customer}/{complaint}", "open", None)
    assert then.late == timedelta(minutes=30)
    assert reader(views).sla_breaches(as_of=at(FRIDAY, 16)) == []


def test_as_of_a_moment_inside_a_pause_the_complaint_is_paused(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    complaint = file_complaint(ledger_app, customer, at(MONDAY, 9))
    case_step(
        ledger_app, "pause_complaint", "PauseComplaint", customer, complaint,
        reason="Waiting for photos", occurred_at=at(MONDAY, 11),
    )  # fmt: skip
    case_step(
        ledger_app, "resume_complaint", "ResumeComplaint", customer, complaint,
        occurred_at=at(TUESDAY, 9),
    )  # fmt: skip

    # At 10:30 three quarters (3h) had not passed; at 11:00 the clock stopped at 2h.
    assert reader(views).sla_at_risk(as_of=at(MONDAY, 10, 59), kind="complaint") == []
    assert reader(views).sla_at_risk(as_of=at(MONDAY, 16), kind="complaint") == []
    risky = only(reader(views).sla_at_risk(as_of=at(TUESDAY, 10), kind="complaint"))
    assert risky.due_at == at(TUESDAY, 11)


# ------------------------------------------------------------------- policy
def test_a_policy_change_does_not_move_the_deadline_of_a_case_opened_before_it(
    ledger_app: Ledger, storage: Storage, isolated_home: Path
) -> None:
    customer = register(ledger_app)
    old = file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text(
        '[sla]\npolicy_version = "2026.2"\ncomplaint_resolution_hours = 8\n'
    )
    stricter = Ledger(env=storage.env)
    views = Views(stricter, storage)
    try:
        new = file_complaint(stricter, customer, at(FRIDAY, 16, 30))
        listed = reader(views).sla_breaches(as_of=at(TUESDAY, 9))
    finally:
        views.close()
        stricter.close()

    assert [(i.case, i.due_at, i.policy_version) for i in listed] == [
        (old, at(MONDAY, 11, 30), "default"),
        (new, at(MONDAY, 16, 30), "2026.2"),
    ]


def test_a_holiday_added_to_the_calendar_keeps_the_deadlines_of_complaints_already_open(
    ledger_app: Ledger, views: Views, storage: Storage, isolated_home: Path
) -> None:
    # Changed from "moves open deadlines": each case keeps the calendar stamped on it.
    customer = register(ledger_app)
    file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[calendar]\nholidays = ["2026-03-09"]\n')
    with_holiday = Ledger(env=storage.env)
    later = register(with_holiday, "Baiyun Airport")
    file_complaint(with_holiday, later, at(FRIDAY, 16, 30))
    views_with_holiday = Views(with_holiday, storage)

    try:
        listed = reader(views_with_holiday).sla_breaches(as_of=at(TUESDAY, 12))
    finally:
        views_with_holiday.close()
        with_holiday.close()

    assert [(item.customer, item.due_at) for item in listed] == [
        (customer, at(MONDAY, 11, 30)),  # filed before the holiday was configured
        (later, at(TUESDAY, 11, 30)),  # filed after: Monday is a holiday
    ]


def store_version_1_complaint(app: Ledger, customer_id: UUID, when: datetime) -> None:
    """A complaint as stored before cases carried their SLA policy."""
    store_old_event(
        app, customer_id, ComplaintFiled, occurred_at=when, actor=ACTOR,
        command_id="complaint-from-2025",
        fields={
            "case_id": "CP1",
            "category": "service",
            "severity": "high",
            "description": "Lost luggage",
            "channel": "phone",
        },
    )  # fmt: skip


def test_a_complaint_stored_before_policies_were_stamped_runs_under_the_default_policy(
    ledger_app: Ledger, views: Views
) -> None:
    customer = register(ledger_app)
    customer_id = ledger_app.resolve_customer(customer)
    store_version_1_complaint(ledger_app, customer_id, at(FRIDAY, 16, 30))

    breach = only(reader(views).sla_breaches(as_of=at(MONDAY, 12)))
    upcast = ledger_app.event_at(customer_id, 2)

    assert (breach.due_at, breach.policy_version) == (at(MONDAY, 11, 30), "default")
    assert isinstance(upcast, ComplaintFiled)
    assert upcast.sla_policy["complaint_resolution_hours"] == 4
    assert Auditor(ledger_app.recorder, ledger_app.mapper).verify_stream(customer_id).ok


def test_a_new_time_zone_in_the_configuration_keeps_the_deadlines_of_complaints_already_open(
    ledger_app: Ledger, storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = register(ledger_app)
    file_complaint(ledger_app, customer, at(FRIDAY, 16, 30))  # due Monday 11:30 UTC
    monkeypatch.setenv("LEDGER_TIMEZONE", "Asia/Shanghai")
    in_shanghai = Ledger(env=storage.env)
    later = register(in_shanghai, "Baiyun Airport")
    # Saturday 00:30 in Shanghai: due Monday 14:00 there, 06:00 UTC.
    file_complaint(in_shanghai, later, at(FRIDAY, 16, 30))
    shanghai = Views(in_shanghai, storage)

    try:
        listed = reader(shanghai).sla_breaches(as_of=at(TUESDAY, 12))
    finally:
        shanghai.close()
        in_shanghai.close()

    assert [(item.customer, item.due_at) for item in listed] == [
        (later, at(MONDAY, 6)),
        (customer, at(MONDAY, 11, 30)),
    ]


def test_a_complaint_stamped_before_calendars_were_runs_on_the_configured_calendar(
    ledger_app: Ledger, storage: Storage, isolated_home: Path
) -> None:
    customer = register(ledger_app)
    customer_id = ledger_app.resolve_customer(customer)
    store_version_1_complaint(ledger_app, customer_id, at(FRIDAY, 16, 30))
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('[calendar]\nholidays = ["2026-03-09"]\n')
    with_holiday = Views(ledger_app, storage)

    try:
        breach = only(reader(with_holiday).sla_breaches(as_of=at(TUESDAY, 12)))
    finally:
        with_holiday.close()

    assert breach.due_at == at(TUESDAY, 11, 30)


# -------------------------------------------------------------- corrections
def test_a_corrected_filing_time_moves_the_deadline(ledger_app: Ledger, views: Views) -> None:
    customer = register(ledger_app)
    file_complaint(ledger_app, customer, at(MONDAY, 9))
    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR, customer=customer, version=2, reason="Typed the wrong day",
            changes={"occurred_at": "2026-03-06T16:30"},
        )
    )  # fmt: skip

    assert only(reader(views).sla_breaches(as_of=at(TUESDAY, 9))).due_at == at(MONDAY, 11, 30)


# -------------------------------------------------------- filters and order
def test_breaches_are_filtered_by_segment_owner_and_kind_and_ordered_by_due_time(
    ledger_app: Ledger, views: Views
) -> None:
    airport = register(ledger_app, "Alpha Air", owner="zhang.min", segment="airport")
    tech = register(ledger_app, "Beta Tech", owner="wang.fang", segment="technology")
    late_complaint = file_complaint(ledger_app, tech, at(FRIDAY, 16, 30))
    early_complaint = file_complaint(ledger_app, airport, at(FRIDAY, 9))
    inquiry = receive_inquiry(ledger_app, airport, at(FRIDAY, 10))
    moment = at(TUESDAY, 9)

    everything = reader(views).sla_breaches(as_of=moment, kind=None)
    airport_only = reader(views).sla_breaches(as_of=moment, segment="airport")
    wang_only = reader(views).sla_breaches(as_of=moment, owner="wang.fang")
    complaints = reader(views).sla_breaches(as_of=moment, kind="complaint")

    assert [i.ref for i in everything if i.kind != "visit-coverage"] == [
        f"{airport}/{inquiry}",
        f"{airport}/{early_complaint}",
        f"{tech}/{late_complaint}",
    ]
    assert [i.ref for i in airport_only] == [f"{airport}/{inquiry}", f"{airport}/{early_complaint}"]
    assert [i.ref for i in wang_only] == [f"{tech}/{late_complaint}"]
    assert [i.ref for i in complaints] == [
        f"{airport}/{early_complaint}",
        f"{tech}/{late_complaint}",
    ]


def test_the_first_breaches_of_a_long_list_are_those_of_the_whole_list(
    ledger_app: Ledger, views: Views
) -> None:
    # A table shows the first 50 breaches: the view is asked only for the first
    # ones of each kind of case, ties at the cut included, and counts the rest.
    app = ledger_app
    customers = [register(app, f"Customer {n}") for n in range(1, 8)]
    for n, customer in enumerate(customers):
        # Several inquiries received at the same moment breach at the same moment
        # (ties across customers and cases), others a day apart.
        receive_inquiry(app, customer, at(MONDAY, 10))
        receive_inquiry(app, customer, at(MONDAY, 10))
        receive_inquiry(app, customer, at(TUESDAY, 9, n))
        file_complaint(app, customer, at(FRIDAY, 15))
    late = receive_inquiry(app, customers[0], at(MONDAY, 9))
    case_step(app, "answer_inquiry", "AnswerInquiry", customers[0], late, answer="Sorry",
              occurred_at=at(date(2026, 3, 20), 9))  # fmt: skip
    as_of = at(date(2026, 3, 18), 12)
    read = reader(views)
    whole = read.sla_breaches(as_of=as_of)
    assert len(whole) == 7 * 4 + 1

    for first in (1, 5, 7, 8, 14, 15, 20, 29, 40):
        shown, total = read.sla_breaches_page(first, as_of=as_of)
        assert [i.ref for i in shown] == [i.ref for i in whole[:first]], first
        assert total == len(whole)
    assert read.sla_breaches_page(None, as_of=as_of) == (whole, len(whole))
