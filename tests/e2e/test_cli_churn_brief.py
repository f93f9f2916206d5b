"""`ledger churn list` and `ledger brief`, as a manager and a new owner type them,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger.clock import now
from tests.e2e.conftest import LedgerCli, assert_usage_error, no_customer

TIMES = "\N{MULTIPLICATION SIGN}"
# Midnight (UTC) today: the stories below are back-dated from it, so that, scored as
# of now, day counts come out whole.
TODAY = now().replace(hour=0, minute=0, second=0, microsecond=0)
SILENT_REASONS = [
    f"no contact for 74 days, 3{TIMES} their usual 25-day cadence",
    "contacts fell to 1 in the last 90 days from 4 in the 90 before",
]
RISK_HEADER = "score,code,name,segment,owner,reasons"


def ago(days: int) -> datetime:
    return TODAY - timedelta(days=days)


def at(days: int) -> str:
    return ago(days).isoformat()


@pytest.fixture
def cli(db_url: str) -> LedgerCli:
    return LedgerCli(db=db_url)


def register(
    cli: LedgerCli, name: str, days: int = 400, owner: str = "zhang.min", segment: str = "airport"
) -> None:
    cli.ok("customer", "register", name, "--segment", segment, "--owner", owner, "--at", at(days))


def call(cli: LedgerCli, code: str, days: int, summary: str = "Checked in") -> None:
    cli.ok(
        "contact", "log", code, "--channel", "phone", "--direction", "outbound",
        "--summary", summary, "--at", at(days),
    )  # fmt: skip


@pytest.fixture
def ranked(cli: LedgerCli) -> LedgerCli:
    """C-00001 silent for 74 days against a 25-day cadence; C-00002 called every 10 days."""
    register(cli, "Silent Airlines")
    for days in range(274, 73, -25):
        call(cli, "C-00001", days)
    register(cli, "Busy Cargo", owner="wang.fang", segment="cargo")
    for days in range(272, 1, -10):
        call(cli, "C-00002", days)
    return cli


# ---------------------------------------------------------------- churn list
def test_churn_list_puts_the_silent_customer_first_with_its_reasons(ranked: LedgerCli) -> None:
    listed = json.loads(ranked.ok("churn", "list", "--format", "json"))

    assert [(r["code"], r["score"], r["reasons"]) for r in listed] == [
        ("C-00001", 41, SILENT_REASONS),
        ("C-00002", 0, []),
    ]
    assert listed[0]["points"] == {"silence": 29.4, "falling_frequency": 11.2}


def test_churn_list_as_csv_has_one_row_per_customer(ranked: LedgerCli) -> None:
    output = ranked.ok("churn", "list", "--format", "csv")

    assert output.splitlines() == [
        RISK_HEADER,
        f'41,C-00001,Silent Airlines,airport,zhang.min,"{"; ".join(SILENT_REASONS)}"',
        "0,C-00002,Busy Cargo,cargo,wang.fang,",
    ]


def test_churn_list_as_a_table_shows_score_code_and_why(ranked: LedgerCli) -> None:
    result = ranked.run("churn", "list", "--limit", "1", env={"COLUMNS": "200"})
    output = result.stdout

    assert f"Churn risk as of {now():%Y-%m-%d}" in output
    row = next(line for line in output.splitlines() if "C-00001" in line)
    assert row.split()[:2] == ["41", "C-00001"] and "no contact for 74 days" in row
    assert "C-00002" not in output and result.exit_code == 0


@pytest.mark.parametrize(
    ("filters", "codes"),
    [
        (["--segment", "cargo"], ["C-00002"]),
        (["--owner", "zhang.min"], ["C-00001"]),
        (["--min-score", "41"], ["C-00001"]),
        (["--min-score", "42"], []),
        (["--limit", "1"], ["C-00001"]),
    ],
)
def test_churn_list_filters(ranked: LedgerCli, filters: list[str], codes: list[str]) -> None:
    listed = json.loads(ranked.ok("churn", "list", *filters, "--format", "json"))

    assert [r["code"] for r in listed] == codes


def test_churn_list_as_of_an_earlier_moment_counts_back_from_it(ranked: LedgerCli) -> None:
    earlier = ago(60).isoformat()

    listed = json.loads(ranked.ok("churn", "list", "--as-of", earlier, "--format", "json"))

    assert [(r["code"], r["score"]) for r in listed] == [("C-00001", 0), ("C-00002", 0)]


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_an_empty_churn_list_is_no_error(ranked: LedgerCli, fmt: str) -> None:
    result = ranked.run("churn", "list", "--segment", "hotels", "--format", fmt)

    assert result.exit_code == 0
    assert (
        result.stdout
        == {
            "table": "No customers to score.\n",
            "json": "[]\n",
            "csv": RISK_HEADER + "\n",
        }[fmt]
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("high", "Invalid value for '--min-score': 'high' is not a valid integer."),
        ("101", "--min-score is a score from 0 to 100, not 101"),
    ],
)
def test_a_bad_minimum_score_is_a_usage_error(ranked: LedgerCli, value: str, message: str) -> None:
    result = ranked.run("churn", "list", "--min-score", value)

    assert_usage_error(result, message, "churn list")


def test_a_bad_as_of_time_is_a_usage_error(ranked: LedgerCli) -> None:
    result = ranked.run("churn", "list", "--as-of", "last tuesday")

    assert_usage_error(
        result,
        "--as-of 'last tuesday' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )


# ------------------------------------------------------------------ win-back
@pytest.fixture
def with_terminated(ranked: LedgerCli) -> LedgerCli:
    register(ranked, "Departed Air", days=300)
    ranked.ok(
        "relationship", "terminate", "C-00003", "--reason", "Moved to a competitor",
        "--root-cause", "Price", "--head-office-ref", "HO-7", "--at", at(30),
    )  # fmt: skip
    return ranked


def test_terminated_customers_are_only_on_the_win_back_list(with_terminated: LedgerCli) -> None:
    scored = json.loads(with_terminated.ok("churn", "list", "--format", "json"))
    win_back = json.loads(with_terminated.ok("churn", "list", "--win-back", "--format", "json"))

    assert [r["code"] for r in scored] == ["C-00001", "C-00002"]
    assert win_back == [
        {
            "code": "C-00003",
            "name": "Departed Air",
            "segment": "airport",
            "owner": "zhang.min",
            "terminated": ago(30).date().isoformat(),
            "days_since": (now() - ago(30)).days,
            "reason": "Moved to a competitor",
            "last_contact": None,
        }
    ]


def test_the_scored_table_points_to_the_win_back_list(with_terminated: LedgerCli) -> None:
    output = with_terminated.ok("churn", "list")

    assert output.endswith(
        "1 terminated customer is on the win-back list: ledger churn list --win-back\n"
    )


def test_a_minimum_score_does_not_apply_to_the_win_back_list(with_terminated: LedgerCli) -> None:
    result = with_terminated.run("churn", "list", "--win-back", "--min-score", "10")

    assert_usage_error(
        result,
        "--min-score does not apply to --win-back: terminated customers are not scored",
        "churn list",
    )


# ------------------------------------------------------------- configuration
def write_config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text, encoding="utf-8")


def test_weights_in_the_configuration_file_change_the_score(
    ranked: LedgerCli, isolated_home: Path
) -> None:
    write_config(isolated_home, "[churn.weights]\nsilence = 60\nfalling_frequency = 0\n")

    listed = json.loads(ranked.ok("churn", "list", "--format", "json"))

    assert (listed[0]["score"], listed[0]["reasons"]) == (59, SILENT_REASONS[:1])


def test_a_bad_churn_setting_is_one_line(ranked: LedgerCli, isolated_home: Path) -> None:
    write_config(isolated_home, '[churn]\nwindow_days = "a quarter"\n')

    result = ranked.run("churn", "list")

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: churn.window_days must be a whole number of at least 1, got 'a quarter' "
        f"(in {isolated_home / 'config.toml'})\n"
    )


# --------------------------------------------------------------------- brief
@pytest.fixture
def story(cli: LedgerCli) -> LedgerCli:
    """Capital Airport over two years, as its owners recorded it."""
    steps = [
        ["customer", "register", "Capital Airport", "--segment", "airport", "--owner", "li.wei",
         "--at", "2024-03-04T09:00"],
        ["person", "add", "C-00001", "--name", "Zhang Wei", "--title", "CFO",
         "--role", "decision_maker", "--counterpart", "li.wei", "--at", "2024-03-10T10:00"],
        ["visit", "report", "C-00001", "--purpose", "maintenance", "--kind", "problem_handling",
         "--summary", "Walked the apron", "--outcome", "B", "--met", "P1",
         "--pending", "Gate 5 jet bridge leaks",
         "--commitment", "Send the revised offer@2025-05-20", "--at", "2025-05-06T14:00"],
        ["complaint", "file", "C-00001", "--category", "service", "--channel", "email",
         "--description", "Bags arrived late", "--at", "2025-06-02T09:30"],
        ["complaint", "resolve", "C-00001/CP1", "--resolution", "New shift plan",
         "--at", "2025-06-04T16:00"],
        ["person", "assess", "C-00001/P1", "--status", "negative",
         "--note", "unhappy about the late bags", "--at", "2025-06-10T11:00"],
        ["owner", "assign", "C-00001", "--to", "zhang.min",
         "--reason", "li.wei moves to head office", "--at", "2025-07-01T09:00"],
        ["contact", "log", "C-00001", "--channel", "meeting", "--direction", "outbound",
         "--person", "P1", "--summary", "Discussed the cargo terminal tender",
         "--at", "2025-10-15T15:00"],
    ]  # fmt: skip
    for step in steps:
        cli.ok(*step)
    return cli


def test_the_brief_tells_a_new_owner_what_matters_before_the_first_call(
    story: LedgerCli,
) -> None:
    output = " ".join(story.ok("brief", "C-00001").split())

    for told in (
        "Handover brief: C-00001 Capital Airport",
        "li.wei owned it from 2024-03-04 until 2025-07-01, when it was handed to zhang.min: "
        "li.wei moves to head office. zhang.min has owned it since 2025-07-01.",
        "Zhang Wei (P1), CFO: decision maker, relationship negative (as of 2025-06-10: "
        "unhappy about the late bags). Our counterpart: zhang.min.",
        "CM1: Send the revised offer, due 2025-05-20 (overdue), held by zhang.min; promised "
        "2025-05-06 at V1.",
        "PB1: Gate 5 jet bridge leaks; raised 2025-05-06 at V1, owed by zhang.min.",
        "2025-10-15 meeting (outbound) with Zhang Wei (P1), logged by li.wei: Discussed the "
        "cargo terminal tender.",
        "2024: no contacts, visits or cases; only changes to the record. Registered on 4 Mar "
        "by li.wei: segment airport, tier general, stage prospect, owner li.wei.",
        "2025: 1 contact (1 meeting), 1 visit (outcomes 1 B), 1 complaint, 1 commitment made "
        "and 1 handover.",
        'On 2 Jun complaint CP1 (service, medium) came in by email: "Bags arrived late." '
        "Resolved on 4 Jun, 2 days later: New shift plan.",
        "On 10 Jun the relationship with Zhang Wei (P1) turned negative: unhappy about the "
        "late bags. On 1 Jul li.wei handed the account to zhang.min: li.wei moves to head "
        "office.",
    ):
        assert told in output


def test_the_brief_as_json_is_structured(story: LedgerCli) -> None:
    brief = json.loads(story.ok("brief", "C-00001", "--format", "json"))

    assert list(brief) == [
        "customer",
        "owners",
        "years",
        "people",
        "open_commitments",
        "pending_problems",
        "open_cases",
        "last_discussed",
        "warnings",
    ]
    assert [t["owner"] for t in brief["owners"]["tenures"]] == ["li.wei", "zhang.min"]
    assert brief["open_commitments"][0]["overdue"] is True
    assert brief["open_commitments"][0]["holder"] == "zhang.min"
    assert brief["warnings"] == []


def test_the_brief_of_an_unknown_customer_is_one_line(story: LedgerCli) -> None:
    result = story.run("brief", "C-00042")

    assert (result.exit_code, result.stderr, result.stdout) == (
        1,
        f"Error: {no_customer('C-00042')}\n",
        "",
    )


def test_a_brief_is_not_a_csv_file(story: LedgerCli) -> None:
    result = story.run("--format", "csv", "brief", "C-00001")

    assert_usage_error(
        result, "a brief is shown as table or json, not csv: use --format json", "brief"
    )
