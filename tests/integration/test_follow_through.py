"""Promises and problems tracked to closure through the service, on SQLite and
PostgreSQL (docs/domain.md, "Follow-through"): follow-ups promised in a contact
become commitments due by default a configured number of working days on the
business calendar, a withdrawn commitment stops its clock, and problems from
visits are items that are raised once and handled once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.config import load_settings
from ledger.domain.events import CommitmentMade, ContactLogged, ProblemHandled
from ledger.domain.sla.calendar_config import CalendarConfig
from ledger.errors import CaseAlreadyClosedError, CaseNotFoundError
from ledger.storage import Storage
from ledger.vocabulary import Channel, Direction, VisitKind, VisitOutcome, VisitPurpose
from projections.views import Views
from tests.reading import reader
from tests.staffing import seed_staff

ACTOR = "li.wei"
OWNER = "zhang.min"
FRIDAY = date(2026, 3, 6)
HOLIDAY = date(2026, 3, 9)  # a Monday off


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def app(storage: Storage) -> Iterator[Ledger]:
    """A ledger whose promises are due two working days on, with Monday 9 March off."""
    settings = replace(
        load_settings({}),
        calendar=CalendarConfig(holidays=frozenset({HOLIDAY})),
        promise_due_working_days=2,
    )
    app = Ledger(env=storage.env, settings=settings)
    seed_staff(app)
    yield app
    app.close()


@pytest.fixture
def views(app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(app, storage)
    yield views
    views.close()


@pytest.fixture
def customer(app: Ledger) -> str:
    return app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR,
            name="Capital Airport",
            segment="airport",
            owner=OWNER,
            occurred_at=at(date(2026, 3, 2), 9),
        )
    ).customer_code


def contact(customer: str, *follow_ups: str, due: date | None = None) -> c.LogContact:
    """A phone call on Friday 6 March, 16:00, promising `follow_ups`."""
    return c.LogContact(
        actor=ACTOR,
        customer=customer,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        summary="Talked about the tender",
        follow_ups=list(follow_ups),
        due=due,
        occurred_at=at(FRIDAY, 16),
    )


def visit(
    app: Ledger,
    customer: str,
    day: date,
    *,
    pending: list[str],
    handled: list[str] = [],  # noqa: B006
) -> str:
    return app.report_visit(
        c.ReportVisit(
            actor=ACTOR,
            customer=customer,
            purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.PROBLEM_HANDLING,
            summary="Walked the apron",
            outcome=VisitOutcome.B,
            problems_pending=pending,
            problems_handled=handled,
            occurred_at=at(day, 10),
        )
    ).subject


def test_a_contact_with_two_follow_ups_records_two_commitments_due_by_default(
    app: Ledger, customer: str
) -> None:
    receipt = app.log_contact(contact(customer, "Send the agenda", "Call back"))

    _, events = app.customer_events(customer)
    logged, *made = events[-3:]
    assert isinstance(logged, ContactLogged)
    assert all(isinstance(m, CommitmentMade) for m in made)
    # Friday + 2 working days, Monday a holiday: Tuesday, Wednesday.
    assert [(m.case_id, m.description, m.due, m.source, m.actor) for m in made] == [  # type: ignore[attr-defined]
        ("CM1", "Send the agenda", "2026-03-11", "contact", ACTOR),
        ("CM2", "Call back", "2026-03-11", "contact", ACTOR),
    ]
    assert (receipt.ref, receipt.notes) == (
        customer,
        ("Commitment CM1 due 2026-03-11.", "Commitment CM2 due 2026-03-11."),
    )


def test_a_due_date_given_with_the_contact_wins(app: Ledger, customer: str) -> None:
    app.log_contact(contact(customer, "Send the agenda", due=date(2026, 3, 20)))

    made = app.customer_events(customer)[1][-1]
    assert isinstance(made, CommitmentMade) and made.due == "2026-03-20"


def test_a_commitment_without_a_due_date_gets_the_default_one(app: Ledger, customer: str) -> None:
    receipt = app.make_commitment(
        c.MakeCommitment(
            actor=ACTOR, customer=customer, description="Send the audit", occurred_at=at(FRIDAY, 9)
        )
    )

    made = app.customer_events(customer)[1][-1]
    assert isinstance(made, CommitmentMade) and made.due == "2026-03-11"
    assert receipt.notes == ("Due 2026-03-11.",)


def test_a_promise_made_at_a_visit_without_a_date_gets_the_default_one(
    app: Ledger, customer: str
) -> None:
    app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer=customer, purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.PROBLEM_HANDLING, summary="Walked the apron", outcome=VisitOutcome.B,
            commitments=[c.PromisedCommitment(description="Send the plan")],
            occurred_at=at(FRIDAY, 11),
        )
    )  # fmt: skip

    reported = app.customer_events(customer)[1][-1]
    assert [p["due"] for p in reported.commitments] == ["2026-03-11"]  # type: ignore[attr-defined]


def test_a_withdrawn_commitment_stops_its_clock_and_leaves_the_open_promises(
    app: Ledger, views: Views, customer: str
) -> None:
    app.log_contact(contact(customer, "Send the agenda", "Call back"))

    app.withdraw_commitment(
        c.WithdrawCommitment(
            actor=ACTOR, customer=customer, case="CM1", reason="They cancelled the tender",
            occurred_at=at(date(2026, 3, 10), 9),
        )
    )  # fmt: skip

    breaches = reader(views).sla_breaches(as_of=at(date(2026, 3, 20), 9))
    assert [b.ref for b in breaches] == [f"{customer}/CM2"]
    brief = reader(views).brief(customer, ZoneInfo("UTC"), at(date(2026, 3, 10), 12))
    assert [p["id"] for p in brief["open_commitments"]] == ["CM2"]
    shown = reader(views).customer_360(customer)
    assert shown is not None and shown["cases"]["CM1"]["status"] == "withdrawn"


def test_a_commitment_withdrawn_after_its_due_date_stays_breached(
    app: Ledger, views: Views, customer: str
) -> None:
    app.log_contact(contact(customer, "Send the agenda"))

    app.withdraw_commitment(
        c.WithdrawCommitment(
            actor=ACTOR, customer=customer, case="CM1", reason="Too late now",
            occurred_at=at(date(2026, 3, 13), 9),
        )
    )  # fmt: skip

    breaches = reader(views).sla_breaches(as_of=at(date(2026, 3, 20), 9))
    assert [(b.ref, b.due_at) for b in breaches] == [(f"{customer}/CM1", at(date(2026, 3, 12), 0))]


def test_a_problem_raised_at_two_visits_is_one_item_and_is_handled_once(
    app: Ledger, views: Views, customer: str
) -> None:
    visit(app, customer, date(2026, 3, 3), pending=["Gate 5 jet bridge leaks"])
    visit(app, customer, date(2026, 3, 4), pending=["gate 5 jet bridge leaks.", "Belt 3 slow"])

    receipt = app.handle_problem(
        c.HandleProblem(actor=OWNER, customer=customer, case="PB1", note="Seal replaced")
    )

    assert (receipt.ref, receipt.notes) == (f"{customer}/PB1", ())
    assert isinstance(app.customer_events(customer)[1][-1], ProblemHandled)
    shown = reader(views).customer_360(customer)
    assert shown is not None
    assert [(p["id"], p["visit"], p["text"]) for p in shown["pending_problems"]] == [
        ("PB2", "V2", "Belt 3 slow")
    ]
    with pytest.raises(CaseAlreadyClosedError, match=f"{customer}/PB1 was handled already on "):
        app.handle_problem(
            c.HandleProblem(actor=OWNER, customer=customer, case="PB1", note="Seal replaced")
        )


def test_a_visit_report_that_lists_an_open_problem_handled_handles_it(
    app: Ledger, views: Views, customer: str
) -> None:
    visit(app, customer, date(2026, 3, 3), pending=["Gate 5 jet bridge leaks", "Belt 3 slow"])

    visit(app, customer, date(2026, 3, 4), pending=[], handled=["Belt 3 slow"])

    brief = reader(views).brief(customer, ZoneInfo("UTC"), at(date(2026, 3, 5), 12))
    assert [(p["id"], p["owed_by"]) for p in brief["pending_problems"]] == [("PB1", OWNER)]
    with pytest.raises(CaseAlreadyClosedError, match="PB2 was handled already on 2026-03-04"):
        app.handle_problem(
            c.HandleProblem(actor=OWNER, customer=customer, case="PB2", note="Again")
        )


def test_an_unknown_problem_is_refused_and_nothing_is_written(app: Ledger, customer: str) -> None:
    visit(app, customer, date(2026, 3, 3), pending=["Gate 5 jet bridge leaks"])
    before = app.recorder.max_notification_id()

    with pytest.raises(CaseNotFoundError, match=f"{customer} has no problem PB2"):
        app.handle_problem(c.HandleProblem(actor=OWNER, customer=customer, case="PB2", note="x"))
    with pytest.raises(CaseNotFoundError, match=f"{customer} has no commitment CM1"):
        app.withdraw_commitment(
            c.WithdrawCommitment(actor=OWNER, customer=customer, case="CM1", reason="x")
        )
    assert app.recorder.max_notification_id() == before
