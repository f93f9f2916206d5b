"""`ledger report submit` as a segment head types it, and the summaries owed in
`ledger sla breaches`: exact messages, one-line refusals that write nothing. On
SQLite and PostgreSQL.

March 2026's summaries are due by the end of 5 April (UTC)."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error

WIDE = {"COLUMNS": "220"}


@pytest.fixture
def cli(db_url: str) -> LedgerCli:
    cli = LedgerCli(db=db_url)
    for staff_id, role, segment in (
        ("gao.yan", "segment_head", "airport"),
        ("sun.li", "segment_head", "technology"),
        ("wu.hao", "staff", "airport"),
    ):
        cli.ok_as(
            "ops", "staff", "add", staff_id, "--name", staff_id, "--role", role,
            "--segment", segment, "--at", "2026-01-02T09:00",
        )  # fmt: skip
    return cli


def test_a_segment_head_submits_the_months_summary_on_time(cli: LedgerCli) -> None:
    output = cli.ok_as(
        "gao.yan", "report", "submit", "--month", "2026-03", "--at", "2026-04-03T10:00",
        "--note", "Two open complaints", "--command-id", "mar-airport",
    )  # fmt: skip
    again = cli.ok_as(
        "gao.yan", "report", "submit", "--month", "2026-03", "--at", "2026-04-03T10:00",
        "--command-id", "mar-airport",
    )  # fmt: skip

    assert output == (
        "Submitted: the cases summary of airport for 2026-03, on 2026-04-03 10:00 (on time).\n"
    )
    assert again == (
        "Already recorded: the cases summary of airport for 2026-03 was submitted by gao.yan "
        "on 2026-04-03 10:00; nothing new was written.\n"
    )


def test_a_summary_submitted_after_the_fifth_says_it_is_late(cli: LedgerCli) -> None:
    output = cli.ok_as(
        "gao.yan", "--format", "json", "report", "submit", "--month", "2026-03",
        "--kind", "visits", "--at", "2026-04-07T09:00",
    )  # fmt: skip

    assert json.loads(output) == {
        "segment": "airport",
        "month": "2026-03",
        "kind": "visits",
        "submitted_by": "gao.yan",
        "submitted_at": "2026-04-07T09:00:00+00:00",
        "due": "2026-04-06T00:00:00+00:00",
        "late": True,
        "replayed": False,
    }
    table = cli.ok_as(
        "gao.yan", "report", "submit", "--month", "2026-03", "--at", "2026-04-08T09:00"
    )
    assert table == (
        "Submitted: the cases summary of airport for 2026-03, on 2026-04-08 09:00 "
        "(late: it was due by the end of 2026-04-05).\n"
    )


def test_a_second_submission_of_a_month_is_refused_and_writes_nothing(cli: LedgerCli) -> None:
    cli.ok_as("gao.yan", "report", "submit", "--month", "2026-03", "--at", "2026-04-03T10:00")
    written = cli.events_recorded()

    result = cli.run(
        "report", "submit", "--month", "2026-03", "--segment", "airport", actor="li.wei"
    )

    assert_refused(
        result,
        "the cases summary of airport for 2026-03 was submitted already, by gao.yan on "
        "2026-04-03 10:00: it is submitted once",
    )
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    ("actor", "extra", "message"),
    [
        ("wu.hao", (), "wu.hao is staff: a segment's monthly summary is submitted by its "
         "segment head or an executive"),
        ("ops", ("--segment", "airport"), "ops is admin: a segment's monthly summary is "
         "submitted by its segment head or an executive"),
        ("sun.li", ("--segment", "airport"), "sun.li is segment head of technology: the "
         "summary of airport is its own head's to submit"),
    ],
)  # fmt: skip
def test_who_may_not_submit_is_told_in_one_line(
    cli: LedgerCli, actor: str, extra: tuple[str, ...], message: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("report", "submit", "--month", "2026-03", *extra, actor=actor)

    assert_refused(result, message)
    assert cli.events_recorded() == written


def test_a_month_not_ended_is_refused(cli: LedgerCli) -> None:
    result = cli.run(
        "report", "submit", "--month", "2026-04", "--at", "2026-04-30T23:00", actor="gao.yan"
    )

    assert_refused(
        result, "2026-04 has not ended yet: its summary can be submitted from 2026-05-01"
    )


def test_a_month_that_is_no_month_is_a_usage_error(cli: LedgerCli) -> None:
    result = cli.run("report", "submit", "--month", "April", actor="gao.yan")

    assert_usage_error(result, "--month 'April' is not a month: use YYYY-MM, e.g. 2026-03")


def test_an_executive_must_name_the_segment(cli: LedgerCli) -> None:
    result = cli.run("report", "submit", "--month", "2026-03")

    assert_usage_error(result, "an executive submits for one segment: give --segment")


def test_summaries_missing_or_late_are_breaches(cli: LedgerCli) -> None:
    cli.ok_as("gao.yan", "report", "submit", "--month", "2026-03", "--at", "2026-04-03T10:00")

    rows = json.loads(
        cli.ok(
            "sla", "breaches", "--kind", "summary", "--as-of", "2026-04-06T12:00",
            "--segment", "airport", "--format", "json",
        )
    )  # fmt: skip

    march = [r for r in rows if "2026-03" in r["case"]]
    assert [(r["case"], r["owner"], r["target"], r["due"], r["status"]) for r in march] == [
        (
            "airport 2026-03 visits summary",
            "gao.yan",
            "report_due",
            "2026-04-06T00:00:00+00:00",
            "open",
        )
    ]
