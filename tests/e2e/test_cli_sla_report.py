"""`ledger sla breaches|at-risk|sweep` and `ledger report monthly` as a manager types
them: tables for people, json and csv for machines, one-line errors for bad input.
On SQLite and PostgreSQL.

The story: Capital Airport Group (C-00001, zhang.min, airport) registered on
Monday 2 March 2026 files a complaint on Friday 6 March at 16:30 (due Monday
11:30) and an inquiry on Monday 9 March at 11:55 (due 13:05)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.e2e.conftest import NO_ACTOR, LedgerCli, assert_usage_error

WIDE = {"COLUMNS": "220"}
MONDAY_NOON = "2026-03-09T12:00"


@pytest.fixture
def cli(db_url: str) -> LedgerCli:
    return LedgerCli(db=db_url)


@pytest.fixture
def story(cli: LedgerCli) -> LedgerCli:
    cli.ok(
        "customer", "register", "Capital Airport Group", "--segment", "airport",
        "--owner", "zhang.min", "--at", "2026-03-02T09:00",
    )  # fmt: skip
    cli.ok(
        "complaint", "file", "C-00001", "--category", "service", "--channel", "phone",
        "--description", "The lounge closed early", "--at", "2026-03-06T16:30",
    )  # fmt: skip
    cli.ok(
        "inquiry", "receive", "C-00001", "--channel", "email", "--title", "Lounge fees",
        "--at", "2026-03-09T11:55",
    )  # fmt: skip
    return cli


def test_breaches_are_a_table_for_people(story: LedgerCli) -> None:
    result = story.run("sla", "breaches", "--as-of", MONDAY_NOON, env=WIDE)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "SLA breaches as of 2026-03-09 12:00" in lines[0]
    row = next(line for line in lines if "C-00001/CP1" in line)
    for cell in (
        "complaint",
        "zhang.min",
        "2026-03-06 16:30",
        "2026-03-09 11:30",
        "0h 30m working",
    ):
        assert cell in row


def test_breaches_in_json_carry_every_field_with_times_in_iso(story: LedgerCli) -> None:
    rows = json.loads(
        story.ok("sla", "breaches", "--as-of", "2026-03-09T13:10", "--format", "json")
    )

    assert rows == [
        {
            "customer": "C-00001",
            "case": "C-00001/CP1",
            "kind": "complaint",
            "target": "resolution",
            "owner": "zhang.min",
            "segment": "airport",
            "opened": "2026-03-06T16:30:00+00:00",
            "due": "2026-03-09T11:30:00+00:00",
            "status": "open",
            "closed": None,
            "late": "0h 40m working",
            "left": None,
            "clock": "working time",
            "policy": "default",
            "escalation_level": 0,
            "recorded": False,
            "detail": "",
            "late_minutes": 40,
            "left_minutes": None,
        },
        {
            "customer": "C-00001",
            "case": "C-00001/IQ1",
            "kind": "inquiry",
            "target": "first_answer",
            "owner": "zhang.min",
            "segment": "airport",
            "opened": "2026-03-09T11:55:00+00:00",
            "due": "2026-03-09T13:05:00+00:00",
            "status": "open",
            "closed": None,
            "late": "0h 05m working",
            "left": None,
            "clock": "working time",
            "policy": "default",
            "escalation_level": 0,
            "recorded": False,
            "detail": "",
            "late_minutes": 5,
            "left_minutes": None,
        },
    ]


def test_breaches_in_csv_have_a_header_and_one_line_per_breach(story: LedgerCli) -> None:
    output = story.ok("sla", "breaches", "--as-of", MONDAY_NOON, "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(output)))
    assert output.splitlines()[0] == (
        "customer,case,kind,target,owner,segment,opened,due,status,closed,late,late_minutes,"
        "left,left_minutes,clock,policy,escalation_level,recorded,detail"
    )
    assert [(r["case"], r["due"], r["late_minutes"]) for r in rows] == [
        ("C-00001/CP1", "2026-03-09T11:30:00+00:00", "30")
    ]


def test_breaches_filtered_to_another_kind_are_an_empty_list_and_exit_0(story: LedgerCli) -> None:
    table = story.run("sla", "breaches", "--as-of", MONDAY_NOON, "--kind", "commitment")
    machines = story.ok(
        "sla", "breaches", "--as-of", MONDAY_NOON, "--kind", "inquiry", "--format", "json"
    )

    assert (table.exit_code, table.stdout) == (0, "No breaches.\n")
    assert json.loads(machines) == []


def test_breaches_of_another_owner_or_segment_are_not_listed(story: LedgerCli) -> None:
    by_owner = story.ok("sla", "breaches", "--as-of", MONDAY_NOON, "--owner", "wang.fang")
    by_segment = story.ok("sla", "breaches", "--as-of", MONDAY_NOON, "--segment", "cargo")

    assert by_owner == by_segment == "No breaches.\n"


def test_cases_at_risk_show_the_time_left(story: LedgerCli) -> None:
    rows = json.loads(story.ok("sla", "at-risk", "--as-of", "2026-03-09T10:45", "--format", "json"))

    assert [(r["case"], r["due"], r["left"], r["left_minutes"]) for r in rows] == [
        ("C-00001/CP1", "2026-03-09T11:30:00+00:00", "0h 45m working", 45)
    ]


def test_nothing_at_risk_says_so(story: LedgerCli) -> None:
    result = story.run("sla", "at-risk", "--as-of", "2026-03-06T17:00")

    assert (result.exit_code, result.stdout) == (0, "Nothing at risk.\n")


def test_a_time_that_is_no_time_is_a_usage_error(story: LedgerCli) -> None:
    result = story.run("sla", "breaches", "--as-of", "yesterday")

    assert_usage_error(
        result,
        "--as-of 'yesterday' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )


def test_an_unknown_kind_is_a_usage_error(story: LedgerCli) -> None:
    result = story.run("sla", "at-risk", "--kind", "escalation")

    assert_usage_error(
        result,
        "Invalid value for '--kind': 'escalation' is not one of 'inquiry', 'complaint', "
        "'follow-up', 'commitment', 'visit-coverage', 'handover', 'summary'.",
        "sla at-risk",
    )


def test_the_help_of_breaches_says_departed_owners_customers_are_due_a_handover(
    cli: LedgerCli,
) -> None:
    help_text = " ".join(cli.ok("sla", "breaches", "--help").split())

    assert (
        "A departed (deactivated) owner's customers must be handed to an active owner "
        "within 1 working day: each one not handed over in time is a `handover` breach."
    ) in help_text
    assert "Not checked yet" not in help_text


def test_a_sweep_records_breaches_once(story: LedgerCli) -> None:
    first = story.run("sla", "sweep", "--escalate", env=WIDE)
    second = story.run("sla", "sweep", "--escalate")

    assert first.exit_code == 0, first.output
    assert "C-00001/CP1" in first.stdout and "C-00001/IQ1" in first.stdout
    assert "escalated to level 1 (supervisor)" in first.stdout
    assert first.stdout.splitlines()[-1] == "Recorded 2 new breach(es); raised 2 escalation(s)."
    assert (second.exit_code, second.stdout) == (0, "No new breaches: nothing recorded.\n")
    history = json.loads(story.ok("--format", "json", "history", "C-00001", "--kind", "sla"))
    assert [(e["event"], e["actor"]) for e in history] == [("SlaBreached", "li.wei")] * 2


def test_a_sweep_shows_and_writes_due_times_in_the_ledgers_time_zone(story: LedgerCli) -> None:
    shanghai = {**WIDE, "LEDGER_TIMEZONE": "Asia/Shanghai"}

    swept = story.run("sla", "sweep", "--escalate", env=shanghai)

    assert swept.exit_code == 0, swept.output
    row = next(line for line in swept.stdout.splitlines() if "C-00001/CP1" in line)
    assert "2026-03-09 19:30" in row  # 11:30 UTC
    history = story.run("--format", "json", "history", "C-00001", env=shanghai)
    assert "due 2026-03-09 19:30 Asia/Shanghai (policy default)" in history.stdout
    assert "11:30 UTC" not in history.stdout


def test_a_sweep_needs_someone_to_act_as(story: LedgerCli) -> None:
    written = story.events_recorded()

    result = story.run("sla", "sweep", actor=None)

    assert_usage_error(result, NO_ACTOR, "sla sweep")
    assert story.events_recorded() == written


# ------------------------------------------------------------------ report
def test_the_monthly_report_is_four_tables_for_people(story: LedgerCli) -> None:
    result = story.run("report", "monthly", "--month", "2026-03", env=WIDE)

    assert result.exit_code == 0, result.output
    output = result.stdout
    assert output.startswith("Monthly report 2026-03\n")
    for title in ("Complaints and inquiries", "Visits and coverage (target 50%)"):
        assert title in output
    assert "Satisfaction: No satisfaction scores." not in output  # the overall row is shown
    assert "Handovers: No handovers." in output


def test_the_monthly_report_in_json_has_one_list_per_section(story: LedgerCli) -> None:
    doc = json.loads(story.ok("report", "monthly", "--month", "2026-03", "--format", "json"))

    assert (doc["month"], doc["segment"]) == ("2026-03", None)
    assert doc["cases"] == [
        {
            "kind": "complaint",
            "category": "service",
            "received": 1,
            "share": 1.0,
            "open": 1,
            "resolved": 0,
            "breaches": 1,
            "median_resolution_minutes": None,
            "mean_resolution_minutes": None,
        },
        {
            "kind": "inquiry",
            "category": "email",
            "received": 1,
            "share": 1.0,
            "open": 1,
            "resolved": 0,
            "breaches": 1,
            "median_resolution_minutes": None,
            "mean_resolution_minutes": None,
        },
    ]
    # The complaint is not resolved: no cause known yet.
    assert doc["causes"] == [
        {
            "kind": "complaint",
            "cause": "(not known yet)",
            "complaints": 1,
            "share": 1.0,
            "open": 1,
            "resolved": 0,
        }
    ]
    assert doc["visits"] == [
        {
            "owner": "zhang.min",
            "customers": 1,
            "planned": 0,
            "visited": 0,
            "coverage": 0.0,
            "visits": 0,
            "target_met": False,
        }
    ]
    assert doc["satisfaction"] == [{"source": "all", "count": 0, "average": None}]
    assert doc["handovers"] == []


def test_the_monthly_report_in_csv_names_each_rows_section(story: LedgerCli) -> None:
    output = story.ok("report", "monthly", "--month", "2026-03", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(output)))
    assert [(r["section"], r["kind"] or r["owner"] or r["source"]) for r in rows] == [
        ("cases", "complaint"),
        ("cases", "inquiry"),
        ("causes", "complaint"),
        ("visits", "zhang.min"),
        ("satisfaction", "all"),
    ]


@pytest.mark.parametrize("month", ["2026-13", "March", "2026/03"])
def test_a_month_that_is_no_month_is_a_usage_error(story: LedgerCli, month: str) -> None:
    result = story.run("report", "monthly", "--month", month)

    assert_usage_error(result, f"--month {month!r} is not a month: use YYYY-MM, e.g. 2026-03")


def test_the_monthly_report_needs_a_month(story: LedgerCli) -> None:
    result = story.run("report", "monthly")

    assert_usage_error(result, "Missing option '--month'.", "report monthly")


def test_a_breach_of_thirty_seconds_never_reads_as_zero_late(story: LedgerCli) -> None:
    moment = "2026-03-09T13:05:30"  # the inquiry was due at 13:05

    rows = list(
        csv.DictReader(
            io.StringIO(
                story.ok(
                    "sla", "breaches", "--as-of", moment, "--kind", "inquiry", "--format", "csv"
                )
            )
        )
    )
    table = story.run("sla", "breaches", "--as-of", moment, "--kind", "inquiry", env=WIDE)

    assert [(r["case"], r["late"], r["late_minutes"]) for r in rows] == [
        ("C-00001/IQ1", "0h 01m working", "1")
    ]
    assert table.exit_code == 0, table.output
    assert "0h 01m working" in table.stdout
