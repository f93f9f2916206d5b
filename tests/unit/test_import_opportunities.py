"""Importing leads and opportunities: a row is a lead, or an opportunity opened at
once or from its lead, its later stages, and its win or loss, each at its original
time and through the sales commands' rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledger.domain.base import CustomerEvent
from ledger.domain.events import (
    LeadCreated,
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)
from ledger.domain.provenance import origin_of
from ledger.imports.contract import RowRejected
from ledger.imports.kinds.opportunities import Opportunities
from tests.importing import Session, memory_ledger
from tests.staffing import seed_staff

OPPORTUNITIES = Opportunities()
ROW = {
    "customer": "CRM-0003",
    "opportunity_id": "OPP-9",
    "created_at": "2024-02-01 10:00",
    "staff": "zhang.min",
    "title": "Terminal 3 lounge refit",
    "source": "trade fair",
    "opened_at": "2024-02-20 10:00",
    "stage": "needs_analysis",
    "value": "1,250,000",
    "currency": "cny",
    "expected_close": "2024-09-30",
    "stages": "proposal@2024-04-01; negotiation@2024-05-15 16:00",
    "outcome": "won",
    "closed_at": "2024-07-02",
    "close_reason": "Signed at the board meeting",
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app)
    session = Session(app)
    session.register("CRM-0003", "Guangzhou Baiyun Airport")
    yield session
    app.close()


def events(session: Session) -> list[CustomerEvent]:
    return list(session.app.customer_events("C-00001")[1])[1:]


def test_a_lead_opened_moved_and_won_is_each_step_at_its_time(session: Session) -> None:
    session.run(OPPORTUNITIES, ROW)

    # Dates in UTC: midnight in Shanghai is the day before.
    kinds = [(type(e), e.occurred_at.date().isoformat()) for e in events(session)]
    assert kinds == [
        (LeadCreated, "2024-02-01"),
        (OpportunityOpened, "2024-02-20"),
        (OpportunityStageChanged, "2024-03-31"),
        (OpportunityStageChanged, "2024-05-15"),
        (OpportunityWon, "2024-07-01"),
    ]
    _, opened, _, negotiation, won = events(session)
    assert isinstance(opened, OpportunityOpened) and opened.from_lead
    assert (opened.case_id, opened.value, opened.currency, opened.expected_close) == (
        "OP1",
        "1250000",
        "CNY",
        "2024-09-30",
    )
    assert isinstance(negotiation, OpportunityStageChanged)
    assert (negotiation.previous, negotiation.stage) == ("proposal", "negotiation")
    assert negotiation.occurred_at == datetime(2024, 5, 15, 8, tzinfo=UTC)
    assert isinstance(won, OpportunityWon) and won.note == "Signed at the board meeting"
    assert [o.step for e in events(session) if (o := origin_of(e))] == [
        "lead", "open", "stage-1", "stage-2", "won",
    ]  # fmt: skip


def test_without_a_source_the_row_opens_an_opportunity_at_once(session: Session) -> None:
    row = {**ROW, "source": "", "opened_at": "", "stages": "", "outcome": "lost"}
    row["close_reason"] = "Budget cut"

    session.run(OPPORTUNITIES, row)

    opened, lost = events(session)
    assert isinstance(opened, OpportunityOpened) and not opened.from_lead
    assert isinstance(lost, OpportunityLost) and lost.reason == "Budget cut"


def test_a_lead_never_opened_stays_a_lead(session: Session) -> None:
    row = {**ROW, "opened_at": "", "stages": "", "outcome": "", "closed_at": ""}

    session.run(OPPORTUNITIES, row)

    assert [type(e) for e in events(session)] == [LeadCreated]


def test_running_the_row_again_records_nothing(session: Session) -> None:
    session.run(OPPORTUNITIES, ROW)
    written = session.app.recorder.max_notification_id()

    session.run(OPPORTUNITIES, ROW)

    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"stage": "dreaming"}, "unknown stage 'dreaming'"),
        ({"stages": "proposal 2024-04-01"}, "is not `stage@time`"),
        ({"outcome": "lost", "close_reason": ""}, "needs close_reason"),
        ({"outcome": "abandoned"}, "unknown outcome 'abandoned'"),
        ({"expected_close": "2024-02-10"}, "expected_close|expected close"),
        ({"currency": "yuan"}, "currency"),
        (
            {"opened_at": "", "stages": "", "closed_at": "2024-03-01"},
            "is still a lead: open it first",
        ),
        (
            {"closed_at": "2024-01-15"},
            "closed_at: C-00001/OP1 was opened at 2024-02-01 02:00",
        ),
        ({"won_value": "abc"}, "^won_value: input should be a valid decimal"),
    ],
)
def test_a_bad_value_rejects_the_row(
    session: Session, changes: dict[str, str], reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason):
        session.run(OPPORTUNITIES, {**ROW, **changes})
