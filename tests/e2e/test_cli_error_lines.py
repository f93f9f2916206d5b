"""Defects the command-line fuzzer found (tests/reliability/test_fuzz_cli.py,
issue #18): every refusal is one short line and writes nothing, whichever part of
the command line was wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import ledger
from tests.e2e.conftest import LedgerCli, assert_refused


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--no-such-option", "customer", "list"), "No such option '--no-such-option'."),
        (("--format",), "Option '--format' requires an argument."),
        (("--db",), "Option '--db' requires an argument."),
    ],
    ids=["unknown option", "format without value", "db without value"],
)
def test_a_bad_option_of_the_ledger_itself_is_one_line(
    cli: LedgerCli, args: tuple[str, ...], message: str
) -> None:
    # It printed click's usage block: "Usage: ledger [OPTIONS] ...", "Try ...", "Error: ...".
    result = cli.runner.invoke(ledger, list(args))

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: {message} (see `ledger --help`)\n"


def test_a_group_without_its_command_shows_the_groups_help(cli: LedgerCli) -> None:
    # It printed the whole help folded into one "Error: Usage: ..." line.
    result = cli.run("customer")

    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: ledger customer [OPTIONS] COMMAND [ARGS]...\n")
    assert "\nCommands:\n" in result.stderr
    assert "Error:" not in result.stderr


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (("customer", "tier", "C-00001", "x" * 5000),
         "Error: Invalid value for 'TIER': '" + "x" * 60 + "…' is not one of"),
        (("contact", "log", "C-00001", "--channel", "phone", "--direction", "inbound",
          "--summary", "Call", "--at", "a " * 3000),
         "Error: --at '" + "a " * 30 + "…' is not a date or time"),
        (("customer", "tier", "C-00001", "\x00" * 300),
         "Error: Invalid value for 'TIER': '" + "\\x00" * 15 + "…' is not one of"),
    ],
    ids=["a choice", "a time", "control characters"],
)  # fmt: skip
def test_a_refusal_shows_only_the_start_of_a_long_value(
    cli: LedgerCli, customer: str, args: tuple[str, ...], shown: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(*args)

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(shown), result.stderr[:300]
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 200
    assert cli.events_recorded() == written


def test_a_long_extra_argument_is_cut(cli: LedgerCli, customer: str) -> None:
    result = cli.run("owner", "reassign", "--from", "li.wei", "--to", "zhang.min", "y" * 4000)

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Got unexpected extra argument (yyyy")
    assert result.stderr.endswith("… (see `ledger owner reassign --help`)\n")
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 400


def test_a_rule_refusing_a_long_name_shows_only_its_start(cli: LedgerCli, customer: str) -> None:
    result = cli.run("customer", "show", "Q" * 3000)

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no customer '" + "Q" * 60 + "…': name one by code")
    assert result.stderr.count("\n") == 1 and len(result.stderr) < 200


def test_a_customer_shown_as_of_before_it_was_recorded_logs_no_read(
    cli: LedgerCli, customer: str
) -> None:
    # It was refused, but the read log recorded a `customer show` all the same.
    written = cli.events_recorded()

    result = cli.run("customer", "show", customer, "--as-of", "2024-07-04T04:30+08:00")

    assert_refused(
        result, "C-00001 had not been recorded yet at 2024-07-04T04:30+08:00: try a later --as-of"
    )
    assert cli.events_recorded() == written
    assert "customer show" not in cli.ok("audit", "reads")


def test_a_history_as_of_before_the_customer_was_recorded_logs_no_read(
    cli: LedgerCli, customer: str
) -> None:
    # The same as `customer show --as-of`: refused, yet logged as a `history` read.
    written = cli.events_recorded()

    result = cli.run("history", customer, "--as-of", "2024-07-04")

    assert_refused(result, "C-00001 had not been recorded yet at 2024-07-04: try a later --as-of")
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    ("heads", "reason"),
    [("no-such-folder/heads.txt", "No such file or directory"), ("/dev/full", "No space left")],
    ids=["missing folder", "full disk"],
)
def test_a_heads_file_that_cannot_be_written_is_one_line_and_no_digest(
    cli: LedgerCli, customer: str, tmp_path: Path, heads: str, reason: str
) -> None:
    # It was a traceback (FileNotFoundError, OSError).
    target = heads if heads.startswith("/") else str(tmp_path / heads)

    result = cli.run("audit", "digest", "--heads", target)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: --heads {target} cannot be written ({reason}")
    assert result.stderr.endswith(
        "no digest was printed; give a file in a folder you can write to\n"
    )
    assert not (tmp_path / "no-such-folder").exists()


@pytest.mark.parametrize(
    ("option", "value"),
    [("--seconds", "nan"), ("--seconds", "inf"), ("--poll", "nan"), ("--poll", "inf")],
)
def test_following_the_log_takes_a_number_of_seconds_not_nan_or_infinity(
    cli: LedgerCli, customer: str, option: str, value: str
) -> None:
    # --seconds nan or inf never stopped (NaN passes a range check); --poll nan or
    # inf was a traceback from time.sleep.
    given = {"--seconds": "0.1", "--poll": "0.05", option: value}

    result = cli.run("projections", "run", *(word for pair in given.items() for word in pair))

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"Error: Invalid value for '{option}': '{value}' is not a number of seconds: give one "
        "such as 60 (see `ledger projections run --help`)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("customer", "register", "Nul\x00Name", "--segment", "airport"),
        ("contact", "log", "C-00001", "--channel", "phone", "--direction", "inbound",
         "--summary", "a\x00b"),
        ("correct", "C-00001", "--version", "1", "--set", "industry=a\x00b", "--reason", "typo"),
        ("sla", "breaches", "--segment", "a\x00b"),
    ],
    ids=["a name", "a summary", "a corrected value", "a read's filter"],
)  # fmt: skip
def test_a_nul_character_is_refused_in_one_line_and_the_views_go_on(
    db_url: str, args: tuple[str, ...]
) -> None:
    # On PostgreSQL a name holding NUL was recorded, and from then on every read
    # catching up the 360 stopped with a traceback (text and jsonb cannot hold NUL);
    # a filter holding one was a traceback at once.
    cli = LedgerCli(db=db_url)
    cli.ok("customer", "register", "Capital Airport Group", "--segment", "airport")
    written = cli.events_recorded()

    result = cli.run(*args)

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    assert "must not contain a NUL character (\\x00)" in result.stderr
    assert cli.events_recorded() == written
    assert "Capital Airport Group" in cli.ok("customer", "show", "C-00001")


# What Python makes of bytes in argv that are not UTF-8 (`ledger customer show
# $'x\xffy'` in a shell): a lone surrogate.
NOT_UTF8 = "x\udcffy"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("customer", "show", NOT_UTF8), "CUSTOMER"),
        (("todo", "--owner", NOT_UTF8), "--owner"),
        (("sla", "breaches", "--segment", NOT_UTF8), "--segment"),
        (("audit", "reads", "--by", NOT_UTF8), "--by"),
        (("staff", "show", NOT_UTF8), "STAFF"),
    ],
    ids=["a customer", "an owner filter", "a segment filter", "a reader", "a staff id"],
)
def test_bytes_that_are_not_text_are_refused_in_one_line(
    cli: LedgerCli, customer: str, args: tuple[str, ...], named: str
) -> None:
    # Each was a traceback (UnicodeEncodeError) when the value reached a query.
    result = cli.run(*args)

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(
        f"Error: {named} holds bytes that are not UTF-8 text: check the terminal's or the "
        "script's encoding (see `ledger "
    )
    assert result.stderr.count("\n") == 1
