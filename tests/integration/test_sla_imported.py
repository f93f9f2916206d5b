"""How imported cases count for the SLA (README, "How imported cases count for the
SLA"): their clocks run on their original times and a breach whose deadline passed
before the import is shown as historic, never recorded or escalated by the sweep; an
open imported case stays real work. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.events import EscalationRaised, SlaBreached
from ledger.imports.kinds.complaints import Complaints
from ledger.sla_sweep import sweep_breaches
from ledger.storage import Storage
from ledger.vocabulary import Channel, ComplaintCategory
from projections.churn_scoring import ChurnPolicy
from projections.views import Views
from tests.importing import Session
from tests.reading import reader

COMPLAINTS = Complaints()
SINCE = datetime(2024, 1, 1, tzinfo=UTC)
RESOLVED_LATE = {
    "customer": "CRM-0001",
    "complaint_id": "CMP-1",
    "filed_at": "2024-05-06 09:00",  # a Monday, in Shanghai
    "staff": "zhang.min",
    "category": "service",
    "channel": "phone",
    "description": "The lounge closed early",
    "resolved_at": "2024-05-08 15:00",
    "resolution": "Opening hours extended",
}
STILL_OPEN = {
    **RESOLVED_LATE,
    "complaint_id": "CMP-2",
    "filed_at": "2024-06-03 09:00",
    "description": "Lost luggage not traced",
    "resolved_at": "",
    "resolution": "",
}


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


@pytest.fixture
def session(ledger_app: Ledger) -> Session:
    """C-00001 with two imported complaints, CP1 resolved two days late and CP2
    open since June 2024, and CP3 typed at the command line, back-dated and late."""
    session = Session(ledger_app)
    session.register("CRM-0001", "Capital Airport Group")
    session.run_rows((COMPLAINTS, RESOLVED_LATE), (COMPLAINTS, STILL_OPEN))
    ledger_app.file_complaint(
        c.FileComplaint(
            actor="zhang.min", customer="C-00001", category=ComplaintCategory.QUALITY,
            description="Dirty washrooms", channel=Channel.EMAIL,
            occurred_at=datetime(2024, 7, 1, 2, tzinfo=UTC),
        )
    )  # fmt: skip
    return session


def sweep(app: Ledger, views: Views) -> list[str]:
    moment = now()
    actions = sweep_breaches(
        app,
        reader(views).unrecorded_breaches(as_of=moment),
        reader(views).breached_open_cases(as_of=moment),
        actor="li.wei",
        moment=moment,
        escalate=True,
    )
    return [f"{a.item.case}:{a.describe()}" for a in actions]


def test_an_imported_complaint_resolved_late_is_a_historic_breach_of_its_own_times(
    session: Session, views: Views
) -> None:
    listed = reader(views).sla_breaches(as_of=now(), since=SINCE, kind="complaint")

    late = next(item for item in listed if item.case == "CP1")
    assert (late.status, late.historic, late.detail) == (
        "closed",
        True,
        "historic: due before it was imported",
    )
    # The clock ran on the original times: filed and resolved when the file says.
    assert late.opened_at == datetime(2024, 5, 6, 1, tzinfo=UTC)
    assert late.closed_at == datetime(2024, 5, 8, 7, tzinfo=UTC)
    assert late.opened_at < late.due_at < late.closed_at
    assert late.late is not None and late.late > timedelta(hours=8)  # two working days
    assert [i.historic for i in listed if i.case == "CP3"] == [False]


def test_the_sweep_records_nothing_for_imported_cases_and_escalates_none(
    session: Session, views: Views, ledger_app: Ledger
) -> None:
    swept = sweep(ledger_app, views)

    # Only the typed complaint's breach, and its escalation: the imported ones' are history.
    assert swept == ["CP3:breach of resolution", "CP3:escalated to level 1 (supervisor)"]
    stream = ledger_app.customer_events("C-00001")[1]
    assert [e.case_id for e in stream if isinstance(e, SlaBreached)] == ["CP3"]
    assert [e.concerning for e in stream if isinstance(e, EscalationRaised)] == ["CP3"]
    written = ledger_app.recorder.max_notification_id()
    assert sweep(ledger_app, views) == []
    assert ledger_app.recorder.max_notification_id() == written


def test_an_open_imported_complaint_is_work_the_closed_one_is_not(
    session: Session, views: Views
) -> None:
    work = reader(views).work_list(ChurnPolicy(), as_of=now(), owner="zhang.min")

    cases = {item.item: item.text for item in work if item.kind == "complaint"}
    assert cases == {
        "CP2": "complaint CP2: resolution (imported, due before the import)",
        "CP3": "complaint CP3: resolution",
    }


def test_a_deadline_after_the_import_is_live_and_swept_like_any_other(
    session: Session, views: Views
) -> None:
    filed = now() - timedelta(minutes=5)
    fresh = {
        **STILL_OPEN,
        "complaint_id": "CMP-3",
        "filed_at": filed.astimezone(UTC).strftime("%Y-%m-%d %H:%M+00:00"),
    }
    session.run(COMPLAINTS, fresh)

    later = reader(views).unrecorded_breaches(as_of=now() + timedelta(days=5))

    assert [(i.case, i.historic) for i in later if i.case == "CP4"] == [("CP4", False)]
    assert "CP2" not in {i.case for i in later}
