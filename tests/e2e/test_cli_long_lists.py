"""Long lists as people and scripts read them: a table shows the first 50 rows and
says on stderr how many it left out; `--limit N` and `--all` choose; machine
formats carry every row; tables written to a pipe keep each row on one line."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.storage import resolve
from tests.e2e.conftest import LedgerCli, assert_usage_error

LONG_NAME = "Strategic Infrastructure Development and Airport Operations Holding Company"
LONG_INDUSTRY = "strategic aviation infrastructure and ground handling services"


def register_customers(cli: LedgerCli, count: int) -> None:
    """`count` customers, C-00001 upwards, straight through the service (the CLI
    would take a process start's worth of time for each)."""
    app = Ledger(env=resolve(cli.db, environ={}).env)
    try:
        for n in range(1, count + 1):
            app.register_customer(
                c.RegisterCustomer(actor="li.wei", name=f"Customer {n:03d}", segment="airport")
            )
    finally:
        app.close()


@pytest.fixture
def many(cli: LedgerCli) -> LedgerCli:
    register_customers(cli, 53)
    return cli


def listed_codes(stdout: str) -> list[str]:
    return [line.split()[0] for line in stdout.splitlines() if line.startswith("C-")]


# ------------------------------------------------------------ how much is shown
def test_a_table_shows_the_first_50_rows_and_says_on_stderr_how_many_it_left_out(
    many: LedgerCli,
) -> None:
    result = many.run("customer", "list")

    assert result.exit_code == 0, result.output
    assert listed_codes(result.stdout) == [f"C-{n:05d}" for n in range(1, 51)]
    assert result.stderr == ("Showing 50 of 53 customers, by code: --limit N or --all for more.\n")


def test_limit_shows_the_first_n_rows(many: LedgerCli) -> None:
    result = many.run("customer", "list", "--limit", "3")

    assert listed_codes(result.stdout) == ["C-00001", "C-00002", "C-00003"]
    assert result.stderr == "Showing 3 of 53 customers, by code: --limit N or --all for more.\n"


def test_all_shows_every_row_and_says_nothing_more(many: LedgerCli) -> None:
    result = many.run("customer", "list", "--all")

    assert len(listed_codes(result.stdout)) == 53
    assert result.stderr == ""


def test_a_limit_larger_than_the_list_shows_it_whole_without_a_note(many: LedgerCli) -> None:
    result = many.run("customer", "list", "--limit", "100")

    assert len(listed_codes(result.stdout)) == 53
    assert result.stderr == ""


def test_csv_carries_every_row_and_stdout_stays_parseable(many: LedgerCli) -> None:
    result = many.run("customer", "list", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["code"] for row in rows] == [f"C-{n:05d}" for n in range(1, 54)]
    assert result.stderr == ""


def test_a_limited_machine_format_keeps_its_note_off_stdout(many: LedgerCli) -> None:
    result = many.run("customer", "list", "--format", "jsonl", "--limit", "2")

    assert [json.loads(line)["code"] for line in result.stdout.splitlines()] == [
        "C-00001",
        "C-00002",
    ]
    assert result.stderr == "Showing 2 of 53 customers, by code: --limit N or --all for more.\n"


NOT_A_LIMIT = "--limit is a number of rows from 1 up, not {!r} (--all shows every row)"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--limit", "0"], NOT_A_LIMIT.format("0")),
        (["--limit", "-3"], NOT_A_LIMIT.format("-3")),
        (["--limit", "x"], NOT_A_LIMIT.format("x")),
        (["--limit", "5", "--all"], "--limit 5 and --all contradict each other: give one"),
    ],
)
@pytest.mark.parametrize(
    "command",
    [
        ["customer", "list"],
        ["sla", "breaches"],
        ["sla", "at-risk"],
        ["churn", "list"],
        ["churn", "list", "--win-back"],
        ["history", "C-00001"],
        ["audit", "reads"],
    ],
)
def test_a_bad_limit_is_refused_with_one_line(
    cli: LedgerCli, customer: str, command: list[str], options: list[str], message: str
) -> None:
    result = cli.run(*command, *options)

    path = " ".join(word for word in command if not word.startswith(("C-", "--")))
    assert_usage_error(result, message, path)


def test_sla_breaches_show_the_earliest_due_first_and_say_how_many_there_are(
    cli: LedgerCli, customer: str
) -> None:
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        cli.ok(
            "inquiry", "receive", customer, "--channel", "email", "--title", f"Fees {day}",
            "--at", f"{day}T10:00",
        )  # fmt: skip

    result = cli.run("sla", "breaches", "--as-of", "2026-03-09T12:00", "--limit", "2")

    assert result.exit_code == 0, result.output
    rows = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("C-")]
    assert rows == ["C-00001/IQ1", "C-00001/IQ2"]
    assert result.stderr == (
        "Showing 2 of 3 breaches, earliest due first: --limit N or --all for more.\n"
    )


def test_churn_list_says_how_many_customers_it_left_out(cli: LedgerCli) -> None:
    register_customers(cli, 3)

    result = cli.run("churn", "list", "--limit", "1", "--format", "json")

    assert len(json.loads(result.stdout)) == 1
    assert result.stderr == (
        "Showing 1 of 3 customers, highest risk first: --limit N or --all for more.\n"
    )


def test_churn_list_shows_the_first_rows_of_the_whole_list(cli: LedgerCli) -> None:
    # The table's first rows are read by bounds of the scores, not by scoring
    # everyone: they are the first rows of every customer scored (--all).
    register_customers(cli, 6)
    for customer in ("C-00004", "C-00002", "C-00004"):
        cli.ok(
            "complaint", "file", customer, "--category", "service", "--channel", "phone",
            "--description", "Late",
        )  # fmt: skip
    moment = ("--format", "json")

    whole = json.loads(cli.ok("churn", "list", *moment, "--all"))
    first = cli.run("churn", "list", *moment, "--limit", "3")
    least = str(whole[1]["score"])
    scoring = cli.run("churn", "list", *moment, "--limit", "1", "--min-score", least)

    assert [row["code"] for row in whole[:2]] == ["C-00004", "C-00002"]
    assert json.loads(first.stdout) == whole[:3]
    assert first.stderr == (
        "Showing 3 of 6 customers, highest risk first: --limit N or --all for more.\n"
    )
    assert json.loads(scoring.stdout) == whole[:1]
    assert scoring.stderr.startswith("Showing 1 of 2 customers")


def test_history_limit_shows_the_latest_entries_oldest_first(cli: LedgerCli, customer: str) -> None:
    for summary in ("First call", "Second call", "Third call"):
        cli.ok(
            "contact", "log", customer, "--channel", "phone", "--direction", "outbound",
            "--summary", summary,
        )  # fmt: skip

    result = cli.run("history", customer, "--limit", "2")

    assert result.exit_code == 0, result.output
    assert "4 events, 2 shown." in result.stdout
    told = [line for line in result.stdout.splitlines() if "call." in line]
    assert [line.split("Phone call (outbound): ")[1] for line in told] == [
        "Second call.",
        "Third call.",
    ]
    assert result.stderr == "Showing the latest 2 of 4 entries: --limit N or --all for more.\n"


# ------------------------------------------------------------ pipes
def test_a_table_written_to_a_pipe_keeps_every_value_whole_on_one_line(cli: LedgerCli) -> None:
    cli.ok(
        "customer", "register", LONG_NAME, "--segment", "airport", "--industry", LONG_INDUSTRY,
        "--tier", "strategic", "--owner", "zhang.min",
    )  # fmt: skip

    # CliRunner's stdout is no terminal: as `ledger customer list | grep ...` sees it.
    result = cli.run("customer", "list", env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if line.startswith("C-00001"))
    for value in ("C-00001", LONG_NAME, "airport", "strategic", "zhang.min", LONG_INDUSTRY):
        assert value in row


def test_the_360_written_to_a_pipe_keeps_every_value_whole_on_one_line(
    cli: LedgerCli, customer: str
) -> None:
    summary = "Walked through the strategic renewal of the ground handling contract for 2027"
    cli.ok(
        "contact", "log", customer, "--channel", "phone", "--direction", "outbound",
        "--summary", summary,
    )  # fmt: skip

    result = cli.run("customer", "show", customer, env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    assert any(
        "phone" in line and "outbound" in line and summary in line
        for line in result.stdout.splitlines()
    ), result.stdout
