"""Importing complaints: one row is the complaint's life cycle, each step at its own
original time and through the complaint commands' rules (a step before the filing,
resolving what is not open: the row is rejected with the rule's words)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledger.domain.base import CustomerEvent
from ledger.domain.events import (
    ComplaintAcknowledged,
    ComplaintFiled,
    ComplaintPaused,
    ComplaintReopened,
    ComplaintResolved,
    ComplaintResumed,
)
from ledger.domain.provenance import origin_of
from ledger.imports.contract import RowRejected
from ledger.imports.kinds.complaints import Complaints
from tests.importing import Session, memory_ledger
from tests.staffing import seed_staff

COMPLAINTS = Complaints()
ROW = {
    "customer": "CRM-0001",
    "complaint_id": "CMP-77",
    "filed_at": "2024-05-06 09:00",
    "staff": "zhang.min",
    "category": "service",
    "channel": "phone",
    "description": "The lounge closed early",
    "severity": "high",
    "acknowledged_at": "2024-05-06 09:20",
    "acknowledgement": "Sorry, we are looking into it",
    "paused_at": "2024-05-06 11:00; 2024-05-07 10:00",
    "pause_reason": "Waiting for the flight log",
    "resumed_at": "2024-05-07 09:00",
    "resolved_at": "2024-05-08 15:00",
    "resolution": "Opening hours extended",
    "root_cause": "Staff rota",
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app)
    session = Session(app)
    session.register("CRM-0001", "Capital Airport Group")
    yield session
    app.close()


def events(session: Session) -> list[CustomerEvent]:
    return list(session.app.customer_events("C-00001")[1])[1:]  # after the registration


def shanghai(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00").astimezone(UTC)


def test_each_step_of_the_life_cycle_is_recorded_at_its_own_time(session: Session) -> None:
    session.run(COMPLAINTS, ROW)

    assert [(type(e), e.occurred_at) for e in events(session)] == [
        (ComplaintFiled, shanghai("2024-05-06T09:00")),
        (ComplaintAcknowledged, shanghai("2024-05-06T09:20")),
        (ComplaintPaused, shanghai("2024-05-06T11:00")),
        (ComplaintResumed, shanghai("2024-05-07T09:00")),
        (ComplaintPaused, shanghai("2024-05-07T10:00")),
        (ComplaintResolved, shanghai("2024-05-08T15:00")),
    ]
    filed, *_, resolved = events(session)
    assert isinstance(filed, ComplaintFiled) and isinstance(resolved, ComplaintResolved)
    assert (filed.case_id, filed.severity, filed.category) == ("CP1", "high", "service")
    assert (resolved.case_id, resolved.root_cause) == ("CP1", "Staff rota")


def test_each_step_has_its_own_command_id_and_names_the_row(session: Session) -> None:
    session.run(COMPLAINTS, ROW, line=12)

    origins = [origin_of(e) for e in events(session)]
    assert [(o.step, o.external_id, o.source) for o in origins if o] == [
        ("file", "CMP-77", "complaints.csv:12"),
        ("acknowledge", "CMP-77", "complaints.csv:12"),
        ("pause-1", "CMP-77", "complaints.csv:12"),
        ("resume-1", "CMP-77", "complaints.csv:12"),
        ("pause-2", "CMP-77", "complaints.csv:12"),
        ("resolve", "CMP-77", "complaints.csv:12"),
    ]


def test_a_reopened_complaint_is_open_again(session: Session) -> None:
    session.run(
        COMPLAINTS,
        {**ROW, "reopened_at": "2024-05-10 08:00", "reopen_reason": "It happened again"},
    )

    assert isinstance(events(session)[-1], ComplaintReopened)
    assert session.app.get_customer("C-00001").cases["CP1"]["status"] == "open"


def test_an_open_complaint_is_filed_only(session: Session) -> None:
    row = {k: v for k, v in ROW.items() if k in COMPLAINTS.columns.required}

    session.run(COMPLAINTS, row)

    assert [type(e) for e in events(session)] == [ComplaintFiled]


def test_running_the_row_again_records_nothing(session: Session) -> None:
    session.run(COMPLAINTS, ROW)
    written = session.app.recorder.max_notification_id()

    receipts = session.run(COMPLAINTS, ROW)

    assert all(r is not None and r.replayed for r in receipts)
    assert session.app.recorder.max_notification_id() == written


def test_a_resolution_before_the_filing_is_refused_by_the_complaint_rule(
    session: Session,
) -> None:
    row = {**ROW, "resolved_at": "2024-05-01 10:00", "acknowledged_at": "", "paused_at": ""}
    row.update(acknowledgement="", pause_reason="", resumed_at="")

    with pytest.raises(RowRejected) as refused:
        session.run(COMPLAINTS, row)

    assert str(refused.value) == (
        "resolved_at: C-00001/CP1 was opened at 2024-05-06 01:00; a later step cannot "
        "have happened before that: check resolved_at"
    )


def test_a_resolution_without_its_text_is_rejected_before_anything_is_recorded(
    session: Session,
) -> None:
    with pytest.raises(RowRejected, match="resolved_at is given without resolution"):
        session.steps(COMPLAINTS, {**ROW, "resolution": ""})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"category": "weather"}, "unknown category 'weather'"),
        ({"channel": "pigeon"}, "unknown channel 'pigeon'"),
        ({"filed_at": "06/05/2024"}, "bad date: filed_at '06/05/2024' is not a date"),
        ({"resumed_at": ""}, "paused_at has 2 time"),
        (
            {
                "reopened_at": "2024-05-10",
                "reopen_reason": "Again",
                "resolved_at": "",
                "resolution": "",
            },
            "only a resolved",
        ),
    ],
)
def test_a_bad_value_rejects_the_row(
    session: Session, changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason):
        session.run(COMPLAINTS, {**ROW, **changes})

    assert events(session) == []
