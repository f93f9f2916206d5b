"""Importing inquiries: a row is an inquiry received and, when it was, answered,
each at its original time; escalations of complaints and inquiries name their case
by its external id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledger.domain.base import CustomerEvent
from ledger.domain.events import (
    EscalationRaised,
    EscalationResolved,
    InquiryAnswered,
    InquiryReceived,
)
from ledger.domain.provenance import origin_of
from ledger.imports.contract import RowRejected
from ledger.imports.kinds.escalations import Escalations
from ledger.imports.kinds.inquiries import Inquiries
from tests.importing import Session, memory_ledger
from tests.staffing import seed_staff

INQUIRIES, ESCALATIONS = Inquiries(), Escalations()
INQUIRY = {
    "customer": "CRM-0002",
    "inquiry_id": "INQ-5",
    "received_at": "2024-06-03 14:00",
    "staff": "zhang.min",
    "channel": "email",
    "title": "Lounge fees",
    "question": "What do members pay?",
    "answered_at": "2024-06-03 16:30",
    "answer": "Members enter free",
    "answered_by": "wang.fang",
}
ESCALATION = {
    "customer": "CRM-0002",
    "escalation_id": "ESC-1",
    "case": "INQ-5",
    "raised_at": "2024-06-03 15:00",
    "staff": "zhang.min",
    "level": "1",
    "to": "Head of service",
    "reason": "The customer chased twice",
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app)
    session = Session(app)
    session.register("CRM-0002", "Shanghai Pudong Airport")
    yield session
    app.close()


def events(session: Session) -> list[CustomerEvent]:
    return list(session.app.customer_events("C-00001")[1])[1:]


def test_an_answered_inquiry_is_received_then_answered_at_their_own_times(
    session: Session,
) -> None:
    session.run(INQUIRIES, INQUIRY)

    received, answered = events(session)
    assert isinstance(received, InquiryReceived) and isinstance(answered, InquiryAnswered)
    assert (received.case_id, received.title, received.actor) == ("IQ1", "Lounge fees", "zhang.min")
    assert received.occurred_at == datetime(2024, 6, 3, 6, tzinfo=UTC)
    assert (answered.case_id, answered.actor, answered.occurred_at) == (
        "IQ1",
        "wang.fang",
        datetime(2024, 6, 3, 8, 30, tzinfo=UTC),
    )
    assert [o.step for e in events(session) if (o := origin_of(e))] == ["receive", "answer"]


def test_an_open_inquiry_is_received_only(session: Session) -> None:
    session.run(INQUIRIES, {**INQUIRY, "answered_at": "", "answer": ""})

    assert [type(e) for e in events(session)] == [InquiryReceived]


def test_running_the_row_again_records_nothing(session: Session) -> None:
    session.run(INQUIRIES, INQUIRY)
    written = session.app.recorder.max_notification_id()

    session.run(INQUIRIES, INQUIRY)

    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"channel": "telepathy"}, "unknown channel 'telepathy'"),
        ({"received_at": "yesterday"}, "bad date: received_at 'yesterday'"),
        ({"answer": ""}, "answered_at is given without an answer"),
        ({"answered_by": "nobody"}, "unknown staff 'nobody' in answered_by"),
        (
            {"answered_at": "2024-06-01 09:00"},
            "answered_at: C-00001/IQ1 was opened at 2024-06-03 06:00; a later step cannot "
            "have happened before that: check answered_at",
        ),
    ],
)
def test_a_bad_value_rejects_the_row(
    session: Session, changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason):
        session.run(INQUIRIES, {**INQUIRY, **changes})


def test_an_escalation_names_its_inquiry_by_external_id_and_closes_with_it(
    session: Session,
) -> None:
    escalation = {**ESCALATION, "resolved_at": "2024-06-04 10:00", "resolution": "Done"}
    session.run_rows((INQUIRIES, INQUIRY), (ESCALATIONS, escalation))

    raised = next(e for e in events(session) if isinstance(e, EscalationRaised))
    closed = [e for e in events(session) if isinstance(e, EscalationResolved)]
    assert (raised.case_id, raised.concerning, raised.level) == ("ES1", "IQ1", 1)
    # Answered at 16:30, the inquiry closed its escalation then (the domain's rule):
    # the row's own later resolution has nothing left to close.
    assert [(e.case_id, e.occurred_at) for e in closed] == [
        ("ES1", datetime(2024, 6, 3, 8, 30, tzinfo=UTC))
    ]


def test_an_escalation_resolved_while_its_case_is_open_is_resolved_at_its_time(
    session: Session,
) -> None:
    session.run(INQUIRIES, {**INQUIRY, "answered_at": "", "answer": ""})
    session.run(
        ESCALATIONS,
        {**ESCALATION, "resolved_at": "2024-06-03 15:30", "resolution": "Supervisor called"},
    )

    [closed] = [e for e in events(session) if isinstance(e, EscalationResolved)]
    assert (closed.resolution, closed.occurred_at) == (
        "Supervisor called",
        datetime(2024, 6, 3, 7, 30, tzinfo=UTC),
    )


def test_running_an_escalation_again_records_nothing(session: Session) -> None:
    escalation = {**ESCALATION, "resolved_at": "2024-06-04", "resolution": "Done"}
    session.run_rows((INQUIRIES, INQUIRY), (ESCALATIONS, escalation))
    written = session.app.recorder.max_notification_id()

    receipts = session.run_rows((INQUIRIES, INQUIRY), (ESCALATIONS, escalation))

    assert all(r is None or r.replayed for r in receipts)

    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"case": "CMP-404"}, "unknown case 'CMP-404'"),
        ({"level": "4"}, "level 4 is not a level: use 1 \\(supervisor\\)"),
        ({"case_kind": "complaint"}, "unknown case 'INQ-5'"),
        ({"raised_at": "2024-06-03 17:00"}, "raised_at: C-00001/IQ1 is answered"),
    ],
)
def test_a_bad_escalation_rejects_the_row(
    session: Session, changes: dict[str, str], reason: str
) -> None:
    session.run(INQUIRIES, INQUIRY)

    with pytest.raises(RowRejected, match=reason):
        session.run(ESCALATIONS, {**ESCALATION, **changes})
