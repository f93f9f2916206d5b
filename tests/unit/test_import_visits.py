"""Importing visit reports and satisfaction scores: a visit row is a report at its
original time, with its expenses, problems and promises as `ledger visit report`
records them; a score row is a score at its time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledger.domain.base import CustomerEvent
from ledger.domain.events import SatisfactionRecorded, VisitReported
from ledger.domain.provenance import origin_of
from ledger.imports.contract import RowRejected
from ledger.imports.kinds.satisfaction import Satisfaction
from ledger.imports.kinds.visits import Visits
from tests.importing import Session, memory_ledger
from tests.staffing import seed_staff

VISITS, SATISFACTION = Visits(), Satisfaction()
VISIT = {
    "customer": "CRM-0004",
    "visit_id": "VIS-301",
    "visited_at": "2024-04-11 10:00",
    "visitor": "zhang.min",
    "purpose": "maintenance",
    "kind": "problem handling",
    "outcome": "b",
    "summary": "Reviewed the baggage belt faults",
    "companions": "wang.fang",
    "people_met": "CRM-0004-P1",
    "expenses": "taxi=86.50 CNY; dinner=420",
    "problems_handled": "Belt 4 jams",
    "problems_pending": "Spare parts slow; Night shift training",
    "commitments": "Send the maintenance plan@2024-04-18; Call back about training",
}
SCORE = {
    "customer": "CRM-0004",
    "recorded_at": "2024-04-12 09:00",
    "staff": "zhang.min",
    "score": "4",
    "source": "survey",
    "note": "Happy with the response",
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app)
    session = Session(app)
    session.register("CRM-0004", "Shenzhen Bao'an Airport")
    session.add_person("CRM-0004", "CRM-0004-P1", "Chen Hua")
    yield session
    app.close()


def events(session: Session) -> list[CustomerEvent]:
    return list(session.app.customer_events("C-00001")[1])[2:]  # after the person


def test_a_row_is_a_visit_report_at_its_original_time(session: Session) -> None:
    session.run(VISITS, VISIT)

    [visit] = events(session)
    assert isinstance(visit, VisitReported)
    assert visit.occurred_at == datetime(2024, 4, 11, 2, tzinfo=UTC)
    assert (visit.case_id, visit.planned, visit.kind, visit.outcome) == (
        "V1",
        False,
        "problem_handling",
        "B",
    )
    assert (visit.actor, visit.visitor, visit.companions, visit.people_met) == (
        "zhang.min",
        "zhang.min",
        ["wang.fang"],
        ["P1"],
    )
    assert visit.expenses == [
        {"item": "taxi", "amount": "86.50", "currency": "CNY"},
        {"item": "dinner", "amount": "420", "currency": "CNY"},
    ]
    assert visit.problems_pending == ["Spare parts slow", "Night shift training"]
    first = visit.commitments[0]
    assert (first["description"], first["due"]) == ("Send the maintenance plan", "2024-04-18")
    assert visit.commitments[1]["description"] == "Call back about training"
    assert visit.commitments[1]["due"] > "2024-04-11"  # the configured default
    origin = origin_of(visit)
    assert origin is not None and (origin.kind, origin.external_id) == ("visits", "VIS-301")


def test_running_the_row_again_records_nothing(session: Session) -> None:
    session.run(VISITS, VISIT)
    written = session.app.recorder.max_notification_id()

    session.run(VISITS, VISIT)

    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("purpose", "sightseeing", "unknown purpose 'sightseeing'"),
        ("outcome", "F", "unknown outcome 'F': use A"),
        ("expenses", "taxi 86", "is not `item=amount CUR`"),
        ("expenses", "taxi=lots", "'lots' in 'taxi=lots' is not an amount"),
        ("expenses", "taxi=-5 CNY", "expenses"),
        ("commitments", "Plan@2024-13-01", "bad date: commitments '2024-13-01'"),
        ("people_met", "CRM-0004-P7", "unknown person record 'CRM-0004-P7'"),
        ("companions", "ghost", "unknown staff 'ghost' in companions"),
        ("visitor", "ghost", "unknown staff 'ghost' in visitor"),
        ("visited_at", "2019-05-01", "visited_at: C-00001 was registered on 2020-01-06"),
    ],
)
def test_a_bad_value_rejects_the_row(
    session: Session, column: str, value: str, reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason):
        session.run(VISITS, {**VISIT, column: value})

    assert events(session) == []


def test_satisfaction_is_recorded_at_its_time(session: Session) -> None:
    session.run(SATISFACTION, SCORE)

    [score] = events(session)
    assert isinstance(score, SatisfactionRecorded)
    assert (score.score, score.source, score.note) == (4, "survey", "Happy with the response")
    assert score.occurred_at == datetime(2024, 4, 12, 1, tzinfo=UTC)
    origin = origin_of(score)
    assert origin is not None and origin.external_id == "CRM-0004@20240412T010000@survey"


def test_running_a_score_again_records_nothing(session: Session) -> None:
    session.run(SATISFACTION, SCORE)
    written = session.app.recorder.max_notification_id()

    session.run(SATISFACTION, SCORE)

    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("score", "9", "score"),
        ("score", "four", "score 'four' is not a whole number from 1 to 5"),
        ("source", "gossip", "unknown source 'gossip': use one of survey, spot_check"),
        ("recorded_at", "2024-04-31", "bad date"),
    ],
)
def test_a_bad_score_rejects_the_row(
    session: Session, column: str, value: str, reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason):
        session.run(SATISFACTION, {**SCORE, column: value})
