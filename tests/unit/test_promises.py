"""Promises and problems tracked to closure (docs/domain.md, "Follow-through"): the
default due date of a promise, a contact's follow-ups as commitments, withdrawing
a commitment, and problems from visits as items with ids."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from ledger.config import load_settings
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.events import CommitmentMade, ContactLogged, ProblemHandled
from ledger.domain.problems import owed_by, visit_problems
from ledger.domain.promises import DEFAULT_PROMISE_WORKING_DAYS, promise_due
from ledger.domain.sla.calendar import BusinessCalendar
from ledger.domain.sla.calendar_config import CalendarConfig
from ledger.errors import CaseAlreadyClosedError, CaseNotFoundError, InvalidInputError

# Friday 6 March 2026, 10:00 UTC.
FRIDAY = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def meta(minutes: int, actor: str = "li.wei") -> Meta:
    return Meta(
        occurred_at=FRIDAY + timedelta(minutes=minutes),
        actor=actor,
        command_id=uuid4().hex,
    )


def customer() -> Customer:
    return Customer.register(
        customer_id=uuid4(), code="C-00001", name="Capital Airport", kind="organisation",
        industry="aviation", segment="airport", headquarters="Beijing", tier="general",
        vip=False, stage="growth", owner="li.wei", external_refs={}, meta=meta(0),
    )  # fmt: skip


def report(cu: Customer, minutes: int, pending: list[str], handled: list[str] = []) -> str:  # noqa: B006
    return cu.report_visit(
        visit_id=None, purpose="maintenance", kind="problem_handling", visitor="li.wei",
        companions=[], people_met=[], summary="Walked the apron", outcome="B", expenses=[],
        problems_handled=handled, problems_pending=pending, commitments=[], meta=meta(minutes),
    )  # fmt: skip


# ------------------------------------------------------------ the due date
def test_a_promise_is_due_the_given_number_of_working_days_after_the_day_it_was_made() -> None:
    # Friday + 3 working days: Monday, Tuesday, Wednesday.
    assert promise_due(FRIDAY, 3, BusinessCalendar()) == date(2026, 3, 11)


def test_a_holiday_in_between_is_not_a_working_day() -> None:
    calendar = BusinessCalendar(CalendarConfig(holidays=frozenset({date(2026, 3, 10)})))

    assert promise_due(FRIDAY, 3, calendar) == date(2026, 3, 12)


def test_a_promise_made_at_the_weekend_counts_from_the_next_working_day() -> None:
    saturday = FRIDAY + timedelta(days=1)

    assert promise_due(saturday, 1, BusinessCalendar()) == date(2026, 3, 9)


def test_a_make_up_working_day_counts() -> None:
    calendar = BusinessCalendar(CalendarConfig(makeup_days=frozenset({date(2026, 3, 7)})))

    assert promise_due(FRIDAY, 1, calendar) == date(2026, 3, 7)


def test_the_day_a_promise_was_made_is_the_day_in_the_ledgers_time_zone() -> None:
    # Thursday 23:30 UTC is already Friday in Shanghai.
    late = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    shanghai = BusinessCalendar(timezone=ZoneInfo("Asia/Shanghai"))

    assert promise_due(late, 1, BusinessCalendar()) == date(2026, 3, 6)
    assert promise_due(late, 1, shanghai) == date(2026, 3, 9)


def test_the_default_is_a_working_week() -> None:
    assert load_settings({}).promise_due_working_days == DEFAULT_PROMISE_WORKING_DAYS == 5


@pytest.mark.parametrize("value", ["0", "251", '"5"', "1.5", "true"])
def test_a_default_that_is_not_a_whole_number_of_working_days_is_refused(
    tmp_path: Path, value: str
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"promise_due_working_days = {value}\n")

    with pytest.raises(InvalidInputError) as refused:
        load_settings({"LEDGER_CONFIG": str(config)})

    assert str(refused.value).startswith(
        "promise_due_working_days must be a whole number of working days from 1 to 250, e.g. 5"
    )


def test_a_configured_default_is_read(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("promise_due_working_days = 2\n")

    assert load_settings({"LEDGER_CONFIG": str(config)}).promise_due_working_days == 2


# ------------------------------------------------------ contacts' follow-ups
def test_each_follow_up_promised_in_a_contact_is_a_commitment_of_its_own() -> None:
    cu = customer()

    cu.log_contact(
        channel="phone", direction="outbound", people=[], summary="Talked tenders",
        follow_ups=["Send the agenda", "Call back"], meta=meta(5, actor="zhang.min"),
        follow_up_due=date(2026, 3, 13),
    )  # fmt: skip

    events = cu.collect_events()[1:]
    assert [type(e) for e in events] == [ContactLogged, CommitmentMade, CommitmentMade]
    made = [e for e in events if isinstance(e, CommitmentMade)]
    assert [(e.case_id, e.description, e.due, e.source) for e in made] == [
        ("CM1", "Send the agenda", "2026-03-13", "contact"),
        ("CM2", "Call back", "2026-03-13", "contact"),
    ]
    assert [cu.cases[m.case_id]["holder"] for m in made] == ["zhang.min", "zhang.min"]


def test_a_follow_up_without_a_due_date_is_refused() -> None:
    cu = customer()

    with pytest.raises(Exception, match="follow-ups promised need a due date"):
        cu.log_contact(
            channel="phone", direction="outbound", people=[], summary="Talked",
            follow_ups=["Send the agenda"], meta=meta(5),
        )  # fmt: skip


# ----------------------------------------------------------- withdrawing
def test_a_withdrawn_commitment_is_closed_and_held_by_nobody() -> None:
    cu = customer()
    promise = cu.make_commitment("Send the audit", date(2026, 3, 20), "call", meta(1))

    cu.withdraw_commitment(promise, "They no longer need it", meta(2))

    assert cu.cases[promise]["status"] == "withdrawn"
    assert cu.held_by("li.wei") == []


def test_a_withdrawn_commitment_cannot_be_withdrawn_or_fulfilled_again() -> None:
    cu = customer()
    promise = cu.make_commitment("Send the audit", date(2026, 3, 20), "call", meta(1))
    cu.withdraw_commitment(promise, "Not needed", meta(2))

    with pytest.raises(CaseAlreadyClosedError, match="C-00001/CM1 is withdrawn"):
        cu.withdraw_commitment(promise, "Not needed", meta(3))
    with pytest.raises(CaseAlreadyClosedError, match="C-00001/CM1 is withdrawn"):
        cu.fulfil_commitment(promise, "Sent", meta(3))


# ------------------------------------------------------------- problems
def test_a_visit_report_opens_one_item_per_new_problem() -> None:
    cu = customer()

    report(cu, 1, ["Gate 5 jet bridge leaks", "Lounge Wi-Fi drops"])

    assert cu.open_problems() == {"gate 5 jet bridge leaks": "PB1", "lounge wi-fi drops": "PB2"}
    assert cu.cases["PB1"]["visit"] == "V1"


def test_the_same_problem_raised_again_is_the_same_open_item() -> None:
    cu = customer()
    report(cu, 1, ["Gate 5 jet bridge leaks"])

    report(cu, 2, ["gate 5  jet bridge leaks.", "Lounge Wi-Fi drops"])

    assert cu.open_problems() == {"gate 5 jet bridge leaks": "PB1", "lounge wi-fi drops": "PB2"}


def test_a_later_report_that_lists_a_problem_handled_settles_it() -> None:
    cu = customer()
    report(cu, 1, ["Gate 5 jet bridge leaks"])

    report(cu, 2, [], handled=["Gate 5 jet bridge leaks"])

    assert cu.open_problems() == {}
    assert cu.cases["PB1"]["status"] == "handled"


def test_a_problem_is_handled_once() -> None:
    cu = customer()
    report(cu, 1, ["Gate 5 jet bridge leaks"])

    cu.handle_problem("PB1", "Seal replaced", meta(2))

    assert isinstance(cu.collect_events()[-1], ProblemHandled)
    with pytest.raises(
        CaseAlreadyClosedError,
        match="C-00001/PB1 was handled already on 2026-03-06: nothing to handle",
    ):
        cu.handle_problem("PB1", "Seal replaced", meta(3))


def test_an_unknown_problem_cannot_be_handled() -> None:
    with pytest.raises(CaseNotFoundError, match="C-00001 has no problem PB4"):
        customer().handle_problem("PB4", "Done", meta(2))


def test_a_handled_problem_raised_again_is_a_new_item() -> None:
    cu = customer()
    report(cu, 1, ["Gate 5 jet bridge leaks"])
    cu.handle_problem("PB1", "Seal replaced", meta(2))

    report(cu, 3, ["Gate 5 jet bridge leaks"])

    assert cu.open_problems() == {"gate 5 jet bridge leaks": "PB2"}


def test_what_a_visit_report_does_to_the_open_problems() -> None:
    effect = visit_problems(
        {"belt 3 is slow": "PB1", "gate 5 leaks": "PB2"},
        pending=["Belt 3 is slow.", "New badge reader", "new badge reader!", "Gate 5 leaks"],
        handled=["gate 5 leaks", "Never raised"],
    )

    assert effect.handled == ("PB2",)
    assert effect.raised == ("New badge reader",)
    assert effect.again == ("PB1",)


def test_an_open_problem_is_owed_by_the_customers_owner() -> None:
    assert owed_by("zhang.min") == "zhang.min"
    assert owed_by(None) is None


def test_the_receipt_notes_name_what_a_command_opened_and_closed() -> None:
    cu = customer()
    report(cu, 1, ["Gate 5 jet bridge leaks", "Belt 3 is slow"])
    mark = cu.follow_through_mark()

    cu.report_visit(
        visit_id=None, purpose="maintenance", kind="problem_handling", visitor="li.wei",
        companions=[], people_met=[], summary="Again", outcome="B", expenses=[],
        problems_handled=["Belt 3 is slow"], problems_pending=["Badge reader"],
        commitments=[{"description": "Send the plan", "due": "2026-03-13"}], meta=meta(2),
    )  # fmt: skip

    assert cu.follow_through_since(mark, "V2") == (
        "Commitment CM1 due 2026-03-13.",
        "Problem PB3 opened.",
        "Problem PB2 handled.",
    )
