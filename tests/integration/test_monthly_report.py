"""The monthly report of a small April worked out by hand: complaints and inquiries by
category with working-time resolution and breaches, visits and coverage per owner,
satisfaction by source, handovers; whole and for one segment. On SQLite and
PostgreSQL.

April 2026 (UTC, default calendar): Alpha and Beta are airport customers of
zhang.min, Gamma a technology customer of wang.fang; Beta moves to li.wei on the
20th."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.causes import UNKNOWN_CAUSE
from ledger.domain.events import ComplaintResolved
from ledger.domain.sla.months import Month
from ledger.storage import Storage
from ledger.vocabulary import (
    Channel,
    ComplaintCategory,
    SatisfactionSource,
    VisitKind,
    VisitOutcome,
    VisitPurpose,
)
from projections.monthly import CaseFigures, CauseFigures, Handover, MonthlyReport
from projections.sla.coverage import Coverage
from projections.views import Views
from tests.reading import reader
from tests.staffing import seed_staff

ACTOR = "li.wei"
APRIL = Month(2026, 4)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


class April:
    """Records the month through the service, each step at its own time."""

    def __init__(self, app: Ledger) -> None:
        self.app = app

    def register(self, name: str, segment: str, owner: str) -> str:
        return self.app.register_customer(
            c.RegisterCustomer(
                actor=ACTOR, name=name, segment=segment, owner=owner, occurred_at=at(3, 2, 9)
            )
        ).customer_code

    def complaint(
        self,
        customer: str,
        category: ComplaintCategory,
        filed: datetime,
        resolved: datetime | None,
        cause: str = "",
    ) -> str:
        case = self.app.file_complaint(
            c.FileComplaint(
                actor=ACTOR, customer=customer, category=category, description="Late bags",
                channel=Channel.PHONE, occurred_at=filed,
            )
        ).subject  # fmt: skip
        if resolved is not None:
            self.resolve(customer, case, resolved, cause)
        return case

    def resolve(self, customer: str, case: str, when: datetime, cause: str = "") -> None:
        self.app.resolve_complaint(
            c.ResolveComplaint(
                actor=ACTOR, customer=customer, case=case, resolution="Done", root_cause=cause,
                occurred_at=when,
            )
        )  # fmt: skip

    def inquiry(
        self, customer: str, channel: Channel, received: datetime, answered: datetime
    ) -> None:
        case = self.app.receive_inquiry(
            c.ReceiveInquiry(
                actor=ACTOR, customer=customer, channel=channel, title="Fees", occurred_at=received
            )
        ).subject
        self.app.answer_inquiry(
            c.AnswerInquiry(
                actor=ACTOR, customer=customer, case=case, answer="Free", occurred_at=answered
            )
        )

    def visit(self, customer: str, when: datetime) -> None:
        self.app.report_visit(
            c.ReportVisit(
                actor=ACTOR, customer=customer, purpose=VisitPurpose.MAINTENANCE,
                kind=VisitKind.RELATIONSHIP_BUILDING, summary="Coffee", outcome=VisitOutcome.C,
                occurred_at=when,
            )
        )  # fmt: skip

    def score(self, customer: str, score: int, source: SatisfactionSource, when: datetime) -> None:
        self.app.record_satisfaction(
            c.RecordSatisfaction(
                actor=ACTOR, customer=customer, score=score, source=source, occurred_at=when
            )
        )

    def hand_over(self, customer: str, owner: str, when: datetime) -> None:
        self.app.assign_owner(
            c.AssignOwner(
                actor=ACTOR, customer=customer, owner=owner, reason="Rebalancing", occurred_at=when
            )
        )


@pytest.fixture
def april(ledger_app: Ledger) -> April:
    month = April(ledger_app)
    alpha = month.register("Alpha Air", "airport", "zhang.min")
    beta = month.register("Beta Cargo", "airport", "zhang.min")
    gamma = month.register("Gamma Tech", "technology", "wang.fang")
    # Service: 2h (Wed 09-11) and 4h (Thu 09-10, paused to Fri 09:00, then 09-12).
    month.complaint(alpha, ComplaintCategory.SERVICE, at(4, 1, 9), at(4, 1, 11), "Staff training")
    paused = month.complaint(alpha, ComplaintCategory.SERVICE, at(4, 2, 9), None)
    ledger_app.pause_complaint(
        c.PauseComplaint(
            actor=ACTOR, customer=alpha, case=paused, reason="Waiting for photos",
            occurred_at=at(4, 2, 10),
        )
    )  # fmt: skip
    ledger_app.resume_complaint(
        c.ResumeComplaint(actor=ACTOR, customer=alpha, case=paused, occurred_at=at(4, 3, 9))
    )
    # The same cause typed another way.
    month.resolve(alpha, paused, at(4, 3, 12), "  staff TRAINING. ")
    # Billing: a full working day (Monday), breached at 14:00.
    month.complaint(beta, ComplaintCategory.BILLING, at(4, 6, 9), at(4, 7, 9), "Tariff error")
    # Delivery: filed in March (Tue 17:00), resolved in April after 2h of working time.
    month.complaint(beta, ComplaintCategory.DELIVERY, at(3, 31, 17), at(4, 1, 10), "Courier")
    # Quality: still open, breached on the 8th at 14:00.
    month.complaint(gamma, ComplaintCategory.QUALITY, at(4, 8, 9), None)
    month.inquiry(alpha, Channel.EMAIL, at(4, 1, 10), at(4, 1, 10, 5))
    month.inquiry(beta, Channel.PHONE, at(4, 1, 10), at(4, 1, 10, 30))
    month.visit(alpha, at(4, 10, 10))
    month.visit(alpha, at(4, 20, 10))
    month.visit(gamma, at(3, 20, 10))
    month.score(alpha, 1, SatisfactionSource.SURVEY, at(3, 30, 10))
    month.score(alpha, 4, SatisfactionSource.SURVEY, at(4, 2, 10))
    month.score(beta, 2, SatisfactionSource.SURVEY, at(4, 3, 10))
    month.score(alpha, 5, SatisfactionSource.SPOT_CHECK, at(4, 15, 10))
    month.score(gamma, 3, SatisfactionSource.SURVEY, at(4, 16, 10))
    # A handover there and back in March, which April's report leaves out.
    seed_staff(ledger_app, ("wang.fang.2",))
    month.hand_over(gamma, "wang.fang.2", at(3, 25, 10))
    month.hand_over(gamma, "wang.fang", at(3, 26, 10))
    month.hand_over(beta, "li.wei", at(4, 20, 15))
    return month


def report(views: Views, segment: str | None = None) -> MonthlyReport:
    return reader(views).monthly_report(APRIL, segment=segment, now=now())


def test_complaints_and_inquiries_are_counted_by_category_with_working_time_to_resolve(
    april: April, views: Views
) -> None:
    figures = report(views).cases

    # Still open, and share of the month's cases of the kind, come last.
    five, thirty = timedelta(minutes=5), timedelta(minutes=30)
    assert figures == [
        CaseFigures("complaint", "billing", 1, 1, hours(8), hours(8), 1, 0, 0.25),
        CaseFigures("complaint", "delivery", 0, 1, hours(2), hours(2), 0, 0, 0.0),
        CaseFigures("complaint", "quality", 1, 0, None, None, 1, 1, 0.25),
        CaseFigures("complaint", "service", 2, 2, hours(3), hours(3), 0, 0, 0.5),
        CaseFigures("inquiry", "email", 1, 1, five, five, 0, 0, 0.5),
        CaseFigures("inquiry", "phone", 1, 1, thirty, thirty, 1, 0, 0.5),
    ]


def test_the_months_complaints_are_grouped_by_root_cause_however_it_was_typed(
    april: April, views: Views
) -> None:
    causes = report(views).causes

    # March's delivery complaint (resolved in April) is not one of April's.
    assert causes == [
        CauseFigures("Staff training", complaints=2, open=0, resolved=2, share=0.5),
        CauseFigures("Tariff error", complaints=1, open=0, resolved=1, share=0.25),
        CauseFigures(UNKNOWN_CAUSE, complaints=1, open=1, resolved=0, share=0.25),
    ]
    assert [f.cause for f in report(views, "airport").causes] == ["Staff training", "Tariff error"]


def test_a_corrected_root_cause_moves_the_complaint_to_its_cause(
    april: April, views: Views, ledger_app: Ledger
) -> None:
    report(views)  # the views have seen the cause as first stated
    beta = ledger_app.get_customer("Beta Cargo")
    resolved = next(
        e
        for e in ledger_app.events.get(beta.id)
        if isinstance(e, ComplaintResolved) and e.root_cause == "Tariff error"
    )
    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR, customer=beta.code, version=resolved.originator_version,
            reason="Misread the ticket", changes={"root_cause": "Staff training"},
        )
    )  # fmt: skip

    causes = report(views).causes

    assert [(f.cause, f.complaints, f.share) for f in causes] == [
        ("Staff training", 3, 0.75),
        (UNKNOWN_CAUSE, 1, 0.25),
    ]


def test_a_complaint_resolved_again_counts_under_its_latest_cause(
    april: April, views: Views, ledger_app: Ledger
) -> None:
    report(views)
    quality = ledger_app.get_customer("Gamma Tech").code
    month = April(ledger_app)
    month.resolve(quality, "CP1", at(4, 9, 10), "Supplier parts")
    ledger_app.reopen_complaint(
        c.ReopenComplaint(actor=ACTOR, customer=quality, case="CP1", reason="Broke again",
                          occurred_at=at(4, 9, 11))
    )  # fmt: skip
    month.resolve(quality, "CP1", at(4, 9, 12), "Staff training")

    causes = report(views).causes

    assert [(f.cause, f.complaints, f.open) for f in causes] == [
        ("Staff training", 3, 0),
        ("Tariff error", 1, 0),
    ]


def test_visits_are_counted_per_owner_of_the_customers_at_the_months_end(
    april: April, views: Views
) -> None:
    visits = report(views).visits

    assert visits == [
        Coverage("li.wei", APRIL, customers=1, visited=0, visits=0),
        Coverage("wang.fang", APRIL, customers=1, visited=0, visits=0),
        Coverage("zhang.min", APRIL, customers=1, visited=1, visits=2),
    ]


def test_satisfaction_is_averaged_by_source_and_overall(april: April, views: Views) -> None:
    figures = [(s.source, s.count, s.average) for s in report(views).satisfaction]

    assert figures == [("spot_check", 1, 5.0), ("survey", 3, 3.0), ("all", 4, 3.5)]


def test_handovers_of_the_month_name_from_whom_to_whom_and_why(april: April, views: Views) -> None:
    handovers = report(views).handovers

    assert handovers == [Handover("C-00002", at(4, 20, 15), "zhang.min", "li.wei", "Rebalancing")]


def test_a_segments_report_counts_only_its_customers(april: April, views: Views) -> None:
    airport = report(views, segment="airport")

    assert [(f.kind, f.category) for f in airport.cases] == [
        ("complaint", "billing"),
        ("complaint", "delivery"),
        ("complaint", "service"),
        ("inquiry", "email"),
        ("inquiry", "phone"),
    ]
    assert [share.owner for share in airport.visits] == ["li.wei", "zhang.min"]
    assert [(s.source, s.count) for s in airport.satisfaction] == [
        ("spot_check", 1),
        ("survey", 2),
        ("all", 3),
    ]
    assert len(airport.handovers) == 1


def test_a_month_with_nothing_recorded_reports_empty_sections(april: April, views: Views) -> None:
    empty = reader(views).monthly_report(Month(2025, 6), now=now())

    assert (empty.cases, empty.visits, empty.handovers) == ([], [], [])
    assert [(s.source, s.count, s.average) for s in empty.satisfaction] == [("all", 0, None)]


def test_a_corrected_score_changes_the_average(
    ledger_app: Ledger, april: April, views: Views
) -> None:
    version = next(
        e.originator_version
        for e in ledger_app.customer_events("C-00003")[1]
        if type(e).__name__ == "SatisfactionRecorded"
    )
    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR, customer="C-00003", version=version, reason="Misheard",
            changes={"score": "5"},
        )
    )  # fmt: skip

    figures = [(s.source, s.average) for s in report(views).satisfaction]

    assert figures == [("spot_check", 5.0), ("survey", 11 / 3), ("all", 4.0)]
