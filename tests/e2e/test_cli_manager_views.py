"""`ledger pipeline` and `ledger activity`, and `--expected-close` on `ledger
opportunity open|stage`, as a user types them."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest

from ledger.domain.events import OpportunityOpened, OpportunityStageChanged
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error
from tests.staffing import ADMIN


@pytest.fixture
def deals(cli: LedgerCli) -> LedgerCli:
    """Two airport customers of li.wei (an executive) with three open deals in two
    currencies, a lead, and a won deal; amy, airport staff, owns neither."""
    cli.ok_as(
        ADMIN, "staff", "add", "amy", "--name", "Amy", "--role", "staff", "--segment", "airport"
    )
    cli.ok("customer", "register", "Alpha", "--segment", "airport", "--at", "2025-01-02")
    cli.ok("customer", "register", "Beta", "--segment", "airport", "--at", "2025-01-02")
    cli.ok(
        "opportunity", "open", "C-00001", "--title", "Parking", "--value", "1000.00",
        "--currency", "CNY", "--expected-close", "2027-03-31", "--at", "2026-11-02T09:00",
    )  # fmt: skip
    cli.ok(
        "opportunity", "open", "C-00001", "--title", "Lounge", "--value", "300.00",
        "--currency", "USD", "--stage", "proposal", "--at", "2026-11-03T09:00",
    )  # fmt: skip
    cli.ok(
        "opportunity", "open", "C-00002", "--title", "Signs", "--value", "250.50",
        "--currency", "CNY", "--stage", "proposal", "--at", "2026-11-04T09:00",
    )  # fmt: skip
    cli.ok("opportunity", "lead", "C-00002", "--title", "Cargo", "--at", "2026-11-05T09:00")
    cli.ok("opportunity", "open", "C-00002", "--title", "Won", "--at", "2026-11-01T09:00")
    cli.ok("opportunity", "win", "C-00002/OP3", "--at", "2026-11-06T09:00")
    return cli


def test_expected_close_is_recorded_on_opening_and_moved_with_a_stage(
    cli: LedgerCli, customer: str
) -> None:
    at = ("--at", "2026-11-02T09:00")
    cli.ok(
        "opportunity", "open", customer, "--title", "Renewal", "--expected-close", "2027-01-31", *at
    )  # fmt: skip
    assert cli.recorded(customer, OpportunityOpened).expected_close == "2027-01-31"

    cli.ok(
        "opportunity", "stage", "C-00001/OP1", "proposal", "--expected-close", "2027-02-28", *at
    )  # fmt: skip
    assert cli.recorded(customer, OpportunityStageChanged).expected_close == "2027-02-28"

    cli.ok("opportunity", "stage", "C-00001/OP1", "negotiation", *at)
    assert cli.recorded(customer, OpportunityStageChanged).expected_close is None


def test_a_bad_expected_close_is_one_line_and_writes_nothing(cli: LedgerCli, customer: str) -> None:
    before = cli.events_recorded()

    result = cli.run(
        "opportunity", "open", customer, "--title", "X", "--expected-close", "2027-02-30"
    )

    assert_usage_error(result, "--expected-close '2027-02-30' is not a date: use YYYY-MM-DD")
    assert cli.events_recorded() == before


@pytest.mark.parametrize("command", ["open", "stage"])
def test_an_expected_close_before_the_day_it_is_forecast_is_refused(
    cli: LedgerCli, customer: str, command: str
) -> None:
    cli.ok("opportunity", "open", customer, "--title", "Renewal", "--at", "2026-11-02T09:00")
    before = cli.events_recorded()
    typed = (
        ("open", customer, "--title", "Parking")
        if command == "open"
        else ("stage", "C-00001/OP1", "proposal")
    )

    result = cli.run(
        "opportunity", *typed, "--expected-close", "2026-11-30", "--at", "2026-12-01T09:00"
    )

    assert_refused(
        result,
        "expected close 2026-11-30 is before the day it was forecast (2026-12-01): give a "
        "closing date on or after it (check --expected-close and --at)",
    )
    assert cli.events_recorded() == before


def days_since(day: date) -> int:
    return (datetime.now(UTC).date() - day).days


def test_pipeline_table_lists_open_items_then_totals_by_stage_and_holder(deals: LedgerCli) -> None:
    output = deals.ok("pipeline", "--all")

    lines = output.splitlines()
    assert lines[0] == f"Pipeline as of {datetime.now(UTC):%Y-%m-%d}"
    cases = [line.split()[:2] for line in lines[3:7]]
    # Leads first, then by stage, then expected close (undated last).
    assert cases == [["C-00002", "OP2"], ["C-00001", "OP1"], ["C-00001", "OP2"], ["C-00002", "OP1"]]
    assert output[output.index("\nTotals") :] == (
        "\nTotals by stage\n"
        "Stage          Count  Value\n"
        "─────────────  ─────  ──────────────────────\n"
        "lead               1\n"
        "qualification      1  1,000.00 CNY\n"
        "proposal           2  250.50 CNY; 300.00 USD\n"
        "\n"
        "Totals by holder\n"
        "Holder  Count  Value\n"
        "──────  ─────  ────────────────────────\n"
        "li.wei      4  1,250.50 CNY; 300.00 USD\n"
    )


def test_pipeline_json_gives_items_and_totals(deals: LedgerCli) -> None:
    found = json.loads(deals.ok("pipeline", "--format", "json"))

    parking = next(item for item in found["items"] if item["title"] == "Parking")
    assert {k: parking[k] for k in ("customer", "case", "stage", "value", "currency")} == {
        "customer": "C-00001",
        "case": "OP1",
        "stage": "qualification",
        "value": "1000.00",
        "currency": "CNY",
    }
    assert (parking["expected_close"], parking["holder"]) == ("2027-03-31", "li.wei")
    assert parking["days_since_follow_up"] == days_since(date(2026, 11, 2))
    assert parking["follow_up_due"] == "2026-12-02"
    assert found["by_holder"] == [
        {
            "key": "li.wei",
            "count": 4,
            "value": "1,250.50 CNY; 300.00 USD",
            "values": {"CNY": "1250.50", "USD": "300.00"},
        }
    ]


def test_pipeline_csv_filters_by_stage_and_staff_see_only_their_customers(deals: LedgerCli) -> None:
    rows = list(
        csv.DictReader(io.StringIO(deals.ok("pipeline", "--stage", "proposal", "--format", "csv")))
    )
    assert [(row["customer"], row["case"]) for row in rows] == [
        ("C-00001", "OP2"),
        ("C-00002", "OP1"),
    ]

    assert deals.ok_as("amy", "pipeline") == "No open leads or opportunities.\n"


def test_pipeline_refuses_an_unknown_owner_and_stage_in_one_line(deals: LedgerCli) -> None:
    assert_usage_error(
        deals.run("pipeline", "--owner", "nobody"),
        "--owner 'nobody' is not a staff member: `ledger staff list` shows who there is",
    )
    assert_usage_error(
        deals.run("pipeline", "--stage", "won"),
        "Invalid value for '--stage': 'won' is not one of 'lead', 'qualification', "
        "'needs_analysis', 'proposal', 'negotiation', 'contracting'.",
        "pipeline",
    )


def test_activity_table_compares_with_the_week_before(deals: LedgerCli) -> None:
    deals.ok(
        "contact", "log", "C-00001", "--channel", "phone", "--direction", "outbound",
        "--summary", "Called", "--at", "2026-11-10T09:00",
    )  # fmt: skip
    deals.ok(
        "contact", "log", "C-00001", "--channel", "email", "--direction", "outbound",
        "--summary", "Wrote", "--at", "2026-11-12T09:00",
    )  # fmt: skip

    output = deals.ok("activity", "--period", "week", "--date", "2026-11-11", "--owner", "li.wei")

    assert output == (
        "Activity, week 2026-11-09 to 2026-11-15 (change from week 2026-11-02 to 2026-11-08)\n"
        "Staff   Contacts  By channel        Visits  Inquiries answered  Complaints resolved  "
        "Commitments fulfilled  Won     Lost\n"
        "──────  ────────  ────────────────  ──────  ──────────────────  ───────────────────  "
        "─────────────────────  ──────  ─────\n"
        "li.wei  2 (+2)    email 1, phone 1  0 (0)   0 (0)               0 (0)                "
        "0 (0)                  0 (-1)  0 (0)\n"
    )


def test_activity_csv_has_counts_and_previous_counts(deals: LedgerCli) -> None:
    output = deals.ok("activity", "--period", "month", "--date", "2026-11-20", "--format", "csv")

    rows = {row["staff"]: row for row in csv.DictReader(io.StringIO(output))}
    assert (rows["li.wei"]["won"], rows["li.wei"]["won_previous"]) == ("1", "0")
    assert rows["amy"]["contact"] == "0"


def test_staff_see_their_own_activity_only(deals: LedgerCli) -> None:
    output = deals.ok_as("amy", "activity", "--period", "month", "--date", "2026-11-20")
    assert [line.split()[0] for line in output.splitlines()[3:]] == ["amy"]

    assert_refused(
        deals.run("activity", "--period", "month", "--owner", "li.wei", actor="amy"),
        "amy is staff: staff see their own activity only",
    )


def test_activity_refuses_bad_input_in_one_line(deals: LedgerCli) -> None:
    assert_usage_error(
        deals.run("activity", "--period", "fortnight"),
        "Invalid value for '--period': 'fortnight' is not one of 'week', 'month'.",
        "activity",
    )
    assert_usage_error(
        deals.run("activity", "--period", "week", "--date", "2026-11-31"),
        "--date '2026-11-31' is not a date: use YYYY-MM-DD",
    )
    assert_usage_error(
        deals.run("activity", "--period", "week", "--owner", "nobody"),
        "--owner 'nobody' is not a staff member: `ledger staff list` shows who there is",
    )
    assert_usage_error(
        deals.run("activity", "--date", "2026-11-11"),
        "Missing option '--period'. Choose from: week, month",
        "activity",
    )
