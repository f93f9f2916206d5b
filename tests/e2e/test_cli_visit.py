"""`ledger visit plan|report|cancel`."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ledger.domain.events import VisitPlanned, VisitReported
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer

PLAN = ("--purpose", "maintenance", "--kind", "relationship_building")
REPORT = (*PLAN, "--summary", "Walked the new terminal with the CFO", "--outcome", "B")


@pytest.fixture
def planned(cli: LedgerCli, customer: str) -> str:
    """A visit planned for 2 May 2026, 10:00: C-00001/V1."""
    cli.ok("visit", "plan", customer, "--for", "2026-05-02T10:00", *PLAN)
    return "C-00001/V1"


def test_planning_a_visit_prints_its_id(cli: LedgerCli, customer: str) -> None:
    cli.ok("person", "add", customer, "--name", "Wang Fang", "--role", "decision_maker")

    output = cli.ok(
        "visit", "plan", customer, "--for", "2026-05-02T10:00", *PLAN,
        "--visitor", "zhang.min", "--companion", "chen.jie", "--person", "P1",
        "--agenda", "Lounge renewal",
    )  # fmt: skip

    planned = cli.recorded(customer, VisitPlanned)
    assert output == "Visit planned: C-00001/V1 (Capital Airport Group), version 3.\n"
    assert (planned.visitor, planned.companions, planned.people) == (
        "zhang.min",
        ["chen.jie"],
        ["P1"],
    )


def test_a_planned_time_is_read_in_the_ledgers_time_zone(cli: LedgerCli, customer: str) -> None:
    cli.run(
        "visit", "plan", customer, "--for", "2026-05-02T10:00", *PLAN,
        env={"LEDGER_TIMEZONE": "Asia/Shanghai"},
    )  # fmt: skip

    planned = cli.recorded(customer, VisitPlanned)

    assert planned.planned_for == datetime(2026, 5, 2, 2, 0, tzinfo=UTC)


def test_a_visit_planned_for_no_time_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "plan", customer, "--for", "next tuesday", *PLAN)

    assert_usage_error(
        result,
        "--for 'next tuesday' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )
    assert cli.events_recorded() == written


def test_a_visit_with_an_unknown_purpose_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "visit", "plan", customer, "--for", "2026-05-02", "--purpose", "golf",
        "--kind", "first_visit",
    )  # fmt: skip

    assert_usage_error(
        result,
        "Invalid value for '--purpose': 'golf' is not one of 'market_research', "
        "'competitor_intel', 'maintenance', 'new_customer', 'new_project', 'influence', "
        "'collection'.",
        "visit plan",
    )
    assert cli.events_recorded() == written


def test_planning_to_meet_a_stranger_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "plan", customer, "--for", "2026-05-02", *PLAN, "--person", "P3")

    assert_refused(result, "C-00001 has no key person P3")
    assert cli.events_recorded() == written


def test_reporting_a_planned_visit_keeps_its_id(cli: LedgerCli, planned: str) -> None:
    output = cli.ok("visit", "report", "C-00001", "--visit", "V1", *REPORT)

    assert output == "Visit reported: C-00001/V1 (Capital Airport Group), version 3.\n"


def test_a_visit_report_carries_expenses_problems_and_commitments(
    cli: LedgerCli, customer: str
) -> None:
    output = cli.ok(
        "visit", "report", customer, *REPORT,
        "--expense", "Taxi=45.50", "--expense", "Dinner with the CFO=300 usd",
        "--handled", "Gate signage fixed", "--pending", "Lounge wifi",
        "--commitment", "Send the revised offer@2026-05-10", "--commitment", "Call back",
        "--at", "2026-05-01T10:00",
    )  # fmt: skip

    reported = cli.recorded(customer, VisitReported)
    # A promise without a date is due five working days on: Friday 1 May to Friday 8 May.
    assert output == (
        "Visit reported: C-00001/V1 (Capital Airport Group), version 2. Commitment CM1 due "
        "2026-05-10. Commitment CM2 due 2026-05-08. Problem PB1 opened.\n"
    )
    assert reported.expenses == [
        {"item": "Taxi", "amount": "45.50", "currency": "CNY"},
        {"item": "Dinner with the CFO", "amount": "300", "currency": "USD"},
    ]
    assert (reported.problems_handled, reported.problems_pending) == (
        ["Gate signage fixed"],
        ["Lounge wifi"],
    )
    assert reported.commitments == [
        {"description": "Send the revised offer", "due": "2026-05-10", "commitment_id": "CM1"},
        {"description": "Call back", "due": "2026-05-08", "commitment_id": "CM2"},
    ]


def test_a_commitment_made_on_a_visit_can_be_fulfilled(cli: LedgerCli, customer: str) -> None:
    cli.ok(
        "visit", "report", customer, *REPORT, "--commitment", "Send the offer@2026-05-10",
        "--at", "2026-05-01T10:00",
    )  # fmt: skip

    output = cli.ok("commitment", "fulfil", "C-00001/CM1", "--note", "Sent by email")

    assert output == "Commitment fulfilled: C-00001/CM1 (Capital Airport Group), version 3.\n"


def test_a_malformed_expense_amount_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *REPORT, "--expense", "Taxi=45,50")

    assert_usage_error(
        result,
        "--expense 'Taxi=45,50': '45,50' is not an amount: write digits with up to two "
        "decimals and no thousands separator, e.g. 1250.00",
        "visit report",
    )
    assert cli.events_recorded() == written


def test_an_expense_without_an_amount_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *REPORT, "--expense", "Taxi")

    assert_usage_error(
        result,
        "--expense 'Taxi': write ITEM=AMOUNT[ CURRENCY], e.g. \"Taxi=45.50 CNY\"",
        "visit report",
    )
    assert cli.events_recorded() == written


def test_an_expense_in_an_unknown_currency_format_is_a_usage_error(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *REPORT, "--expense", "Taxi=45 yuan")

    assert_usage_error(
        result,
        "--expense 'Taxi=45 yuan': 'yuan' is not a currency: use a three-letter code such as "
        "CNY or USD",
        "visit report",
    )
    assert cli.events_recorded() == written


def test_a_commitment_due_on_no_date_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *REPORT, "--commitment", "Send offer@30/4")

    assert_usage_error(
        result,
        "--commitment 'Send offer@30/4': '30/4' is not a date: write TEXT@YYYY-MM-DD, "
        'e.g. "Send the revised offer@2026-04-30"',
        "visit report",
    )
    assert cli.events_recorded() == written


def test_a_commitment_without_words_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *REPORT, "--commitment", "@2026-04-30")

    assert_usage_error(
        result,
        "--commitment '@2026-04-30': say what was promised, e.g. "
        '"Send the revised offer@2026-04-30"',
        "visit report",
    )
    assert cli.events_recorded() == written


def test_a_visit_report_needs_a_summary(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *PLAN, "--summary", " ", "--outcome", "C")

    assert_usage_error(result, "--summary must not be empty", "visit report")
    assert cli.events_recorded() == written


def test_an_unknown_outcome_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", customer, *PLAN, "--summary", "Met", "--outcome", "F")

    assert_usage_error(
        result,
        "Invalid value for '--outcome': 'F' is not one of 'A', 'B', 'C', 'D', 'E'.",
        "visit report",
    )
    assert cli.events_recorded() == written


def test_reporting_a_visit_to_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "report", "Nobody Ltd", *REPORT)

    assert_refused(result, no_customer("Nobody Ltd"))
    assert cli.events_recorded() == written


def test_a_reported_visit_cannot_be_reported_again(cli: LedgerCli, planned: str) -> None:
    cli.ok("visit", "report", "C-00001", "--visit", "V1", *REPORT)
    written = cli.events_recorded()

    result = cli.run("visit", "report", "C-00001", "--visit", "V1", *REPORT)

    assert_refused(result, "C-00001/V1 is reported: plan a new visit instead")
    assert cli.events_recorded() == written


def test_cancelling_a_planned_visit_answers_with_its_id(cli: LedgerCli, planned: str) -> None:
    output = cli.ok("visit", "cancel", planned, "--reason", "Typhoon warning")

    assert output == "Visit cancelled: C-00001/V1 (Capital Airport Group), version 3.\n"


def test_a_cancelled_visit_cannot_be_reported(cli: LedgerCli, planned: str) -> None:
    cli.ok("visit", "cancel", planned)
    written = cli.events_recorded()

    result = cli.run("visit", "report", "C-00001", "--visit", "V1", *REPORT)

    assert_refused(result, "C-00001/V1 is cancelled: plan a new visit instead")
    assert cli.events_recorded() == written


def test_cancelling_a_visit_that_was_never_planned_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("visit", "cancel", "C-00001/V2")

    assert_refused(result, "C-00001 has no visit V2")
    assert cli.events_recorded() == written


def test_customer_show_tells_a_planned_visit_by_its_planned_date(
    cli: LedgerCli, planned: str
) -> None:
    shown = cli.ok("customer", "show", "C-00001")

    planned_row = next(line for line in shown.splitlines() if line.startswith("V1 "))
    assert "2026-05-02 10:00" in planned_row
    assert "Planned visits" in shown


def test_the_same_pending_problem_raised_at_two_visits_is_one_open_problem(
    cli: LedgerCli, customer: str
) -> None:
    cli.ok("visit", "report", customer, *REPORT, "--pending", "Baggage belt 3 is slow")
    cli.ok("visit", "report", customer, *REPORT, "--pending", "baggage belt 3  is slow.")

    shown = json.loads(cli.ok("customer", "show", customer, "--format", "json"))

    assert [(p["id"], p["visit"], p["text"]) for p in shown["pending_problems"]] == [
        ("PB1", "V1", "Baggage belt 3 is slow")
    ]


def test_a_pending_problem_reported_handled_at_a_later_visit_is_settled(
    cli: LedgerCli, customer: str
) -> None:
    cli.ok("visit", "report", customer, *REPORT, "--pending", "Baggage belt 3 is slow")
    cli.ok("visit", "report", customer, *REPORT, "--handled", "Baggage belt 3 is slow")

    shown = json.loads(cli.ok("customer", "show", customer, "--format", "json"))

    assert shown["pending_problems"] == []
