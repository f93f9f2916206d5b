"""The handover brief on SQLite and PostgreSQL: a newcomer learns from it what the
previous owner knew."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.promises import DEFAULT_PROMISE_WORKING_DAYS, promise_due
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.errors import CustomerNotFoundError
from ledger.storage import Storage
from projections.views import Views
from tests.reading import reader

ACTOR = "li.wei"
UTC = ZoneInfo("UTC")
TODAY = now().replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)


def ago(days: int) -> datetime:
    return TODAY - timedelta(days=days)


def day(days_ago: int) -> str:
    return ago(days_ago).date().isoformat()


def due_by_default(days_ago: int) -> str:
    """The due date of a promise made `days_ago` without one (default calendar)."""
    due = promise_due(ago(days_ago), DEFAULT_PROMISE_WORKING_DAYS, BusinessCalendar())
    return due.isoformat()


def on(days_ago: int) -> str:
    """A date as a year's paragraph names it: `3 Mar`."""
    moment = ago(days_ago)
    return f"{moment.day} {moment:%b}"


@pytest.fixture
def views(ledger_app: Ledger, storage: Storage) -> Iterator[Views]:
    views = Views(ledger_app, storage)
    yield views
    views.close()


# How many days ago each event of the story happened.
STORY_DAYS = (400, 390, 380, 60, 50, 49, 47, 46, 45, 30, 5)


def tell_story(app: Ledger) -> None:
    """Two years with Capital Airport: a sour decision maker, a visit that left a
    problem and a promise, a complaint, a handover, and a last call."""
    code = app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR,
            name="Capital Airport",
            segment="airport",
            owner="li.wei",
            stage="growth",
            occurred_at=ago(400),
        )
    ).customer_code
    app.add_key_person(
        c.AddKeyPerson(
            actor=ACTOR,
            customer=code,
            name="Zhang Wei",
            title="CFO",
            decision_role="decision_maker",
            counterpart="li.wei",
            occurred_at=ago(390),
        )
    )
    app.log_contact(
        c.LogContact(
            actor=ACTOR,
            customer=code,
            channel="phone",
            direction="outbound",
            people=["P1"],
            summary="Introduced ourselves",
            occurred_at=ago(380),
        )
    )
    app.report_visit(
        c.ReportVisit(
            actor=ACTOR,
            customer=code,
            purpose="maintenance",
            kind="problem_handling",
            people_met=["P1"],
            summary="Walked the apron with their operations team",
            outcome="B",
            problems_pending=["Gate 5 jet bridge leaks"],
            commitments=[
                c.PromisedCommitment(description="Send the revised offer", due=ago(40).date())
            ],
            occurred_at=ago(60),
        )
    )
    complaint = app.file_complaint(
        c.FileComplaint(
            actor=ACTOR,
            customer=code,
            category="service",
            severity="high",
            channel="email",
            description="Bags arrived late",
            occurred_at=ago(50),
        )
    ).subject
    app.raise_escalation(
        c.RaiseEscalation(
            actor=ACTOR,
            customer=code,
            case=complaint,
            level=2,
            to="Head of handling",
            reason="Repeated",
            occurred_at=ago(49),
        )
    )
    app.resolve_escalation(
        c.ResolveEscalation(
            actor=ACTOR,
            customer=code,
            case="ES1",
            resolution="Shift plan agreed",
            occurred_at=ago(48),
        )
    )
    app.resolve_complaint(
        c.ResolveComplaint(
            actor=ACTOR,
            customer=code,
            case=complaint,
            resolution="New shift plan",
            occurred_at=ago(47),
        )
    )
    app.assess_relationship(
        c.AssessRelationship(
            actor=ACTOR,
            customer=code,
            case="P1",
            relationship_status="negative",
            note="unhappy about the late bags",
            occurred_at=ago(45),
        )
    )
    app.assign_owner(
        c.AssignOwner(
            actor=ACTOR,
            customer=code,
            owner="zhang.min",
            reason="li.wei moves to head office",
            occurred_at=ago(30),
        )
    )
    app.log_contact(
        c.LogContact(
            actor="zhang.min",
            customer=code,
            channel="meeting",
            direction="outbound",
            people=["P1"],
            summary="Discussed the cargo terminal tender",
            follow_ups=["Send the tender timeline"],
            occurred_at=ago(5),
        )
    )


@pytest.fixture
def brief(ledger_app: Ledger, views: Views) -> dict[str, Any]:
    tell_story(ledger_app)
    return reader(views).brief("C-00001", UTC, TODAY)


def test_the_brief_says_who_owned_the_account_before_and_why_it_changed_hands(
    brief: dict[str, Any],
) -> None:
    assert brief["owners"]["story"] == (
        f"li.wei owned it from {day(400)} until {day(30)}, when it was handed to zhang.min: "
        f"li.wei moves to head office. zhang.min has owned it since {day(30)}."
    )


def test_the_brief_tells_each_year_in_its_own_paragraphs(brief: dict[str, Any]) -> None:
    years = {year["year"]: year["paragraphs"] for year in brief["years"]}
    told = " ".join(p for paragraphs in years.values() for p in paragraphs)

    assert list(years) == sorted({ago(d).year for d in STORY_DAYS})
    assert years[ago(400).year][1].startswith(
        f"Registered on {on(400)} by li.wei: segment airport, tier general, stage growth, "
        "owner li.wei."
    )
    assert (
        f'On {on(50)} complaint CP1 (service, high) came in by email: "Bags arrived late." '
        f"It was escalated to level 2 (department head). Resolved on {on(47)}, 3 days later: "
        "New shift plan."
    ) in told
    assert f"On {on(30)} li.wei handed the account to zhang.min: li.wei moves to head office." in (
        told
    )


def test_each_year_opens_with_its_numbers(brief: dict[str, Any]) -> None:
    openings = [(year["year"], year["paragraphs"][0]) for year in brief["years"]]
    totals = {
        key: sum(year["counts"][key] for year in brief["years"])
        for key in ("contacts", "visits", "complaints", "escalations", "handovers")
    }

    assert all(text.startswith(f"{year}: ") for year, text in openings)
    assert totals == {"contacts": 2, "visits": 1, "complaints": 1, "escalations": 1, "handovers": 1}


def test_the_brief_names_the_negative_decision_maker_and_the_counterpart_handed_over(
    brief: dict[str, Any],
) -> None:
    assert [p["text"] for p in brief["people"]] == [
        f"Zhang Wei (P1), CFO: decision maker, relationship negative (as of {day(45)}: "
        "unhappy about the late bags). Our counterpart: zhang.min."
    ]


def test_the_brief_lists_the_open_promise_and_the_pending_problem(brief: dict[str, Any]) -> None:
    promises = [p["text"] for p in brief["open_commitments"]]

    # The visit's promise moved to the new owner with the account; the follow-up
    # promised in the last contact is a promise of its own, due by default.
    assert promises == [
        f"CM1: Send the revised offer, due {day(40)} (overdue), held by zhang.min; "
        f"promised {day(60)} at V1.",
        f"CM2: Send the tender timeline, due {due_by_default(5)}, held by zhang.min; "
        f"promised {day(5)} in a contact.",
    ]
    assert brief["pending_problems"] == [
        {
            "id": "PB1",
            "visit": "V1",
            "date": day(60),
            "problem": "Gate 5 jet bridge leaks",
            "owed_by": "zhang.min",
            "text": f"PB1: Gate 5 jet bridge leaks; raised {day(60)} at V1, owed by zhang.min.",
        }
    ]


def test_the_brief_starts_what_was_discussed_with_the_last_contact(
    brief: dict[str, Any],
) -> None:
    discussed = brief["last_discussed"]

    assert discussed[0] == {
        "date": day(5),
        "event": "ContactLogged",
        "text": "meeting (outbound) with Zhang Wei (P1), logged by zhang.min: Discussed the "
        "cargo terminal tender. Follow-up promised: Send the tender timeline.",
    }
    assert [d["date"] for d in discussed] == [day(5), day(60), day(380)]


def test_a_complaint_not_yet_resolved_is_told_as_still_open(
    ledger_app: Ledger, views: Views
) -> None:
    tell_story(ledger_app)
    ledger_app.file_complaint(
        c.FileComplaint(
            actor=ACTOR,
            customer="C-00001",
            category="billing",
            channel="phone",
            description="Invoice twice",
        )
    )

    brief = reader(views).brief("C-00001", UTC, now())

    assert brief["years"][-1]["paragraphs"][1].endswith(
        'came in by phone: "Invoice twice." Still open.'
    )
    assert [case["id"] for case in brief["open_cases"]] == ["CP2"]


def test_a_corrected_value_is_told_as_corrected(ledger_app: Ledger, views: Views) -> None:
    tell_story(ledger_app)
    _, events = ledger_app.customer_events("C-00001")
    (contact,) = [e for e in events if getattr(e, "summary", "").startswith("Discussed")]
    ledger_app.record_correction(
        c.RecordCorrection(
            actor=ACTOR,
            customer="C-00001",
            version=contact.originator_version,
            reason="misheard",
            changes={"summary": "Discussed the passenger terminal tender"},
        )
    )

    brief = reader(views).brief("C-00001", UTC, now())

    assert "passenger terminal tender" in brief["last_discussed"][0]["text"]


def test_a_brief_of_an_unknown_customer_is_refused(views: Views) -> None:
    with pytest.raises(CustomerNotFoundError):
        reader(views).brief("C-00999", UTC, now())
