"""Bad input found by attacking the command line: each is refused with one line,
a non-zero exit, and nothing written (it used to be a traceback, or written)."""

from __future__ import annotations

import pytest
from click.testing import Result

from tests.e2e.conftest import LedgerCli, assert_refused


def assert_one_line(result: Result, exit_code: int, says: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert says in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("commitment", "make", "C-00001", "--description", "Report", "--due", "9999-12-31"),
        ("visit", "report", "C-00001", "--purpose", "maintenance", "--kind",
         "relationship_building", "--summary", "Walked", "--outcome", "B",
         "--commitment", "Report@9999-12-31"),
        ("contact", "log", "C-00001", "--channel", "phone", "--direction", "inbound",
         "--summary", "Hello", "--at", "0001-01-01T00:00+01:00"),
    ],
    ids=["commitment due", "visit commitment due", "contact at year 1"],
)  # fmt: skip
def test_a_date_outside_the_ledgers_years_is_refused_before_anything_is_written(
    cli: LedgerCli, customer: str, args: tuple[str, ...]
) -> None:
    written = cli.events_recorded()

    result = cli.run(*args)

    assert_one_line(result, 2, "outside the dates the ledger reads: give one from 1900-01-01")
    assert cli.events_recorded() == written


def test_a_moment_outside_the_ledgers_years_is_refused_by_reads_too(
    cli: LedgerCli, customer: str
) -> None:
    result = cli.run("customer", "show", customer, "--as-of", "9999-12-31T23:59-05:00")

    assert_one_line(result, 2, "--as-of '9999-12-31T23:59-05:00' is outside the dates")


def test_a_correction_to_a_far_future_due_date_is_refused(cli: LedgerCli, customer: str) -> None:
    cli.ok(
        "commitment", "make", customer, "--description", "Report", "--due", "2026-12-01",
        "--at", "2026-11-02T09:00",
    )  # fmt: skip
    written = cli.events_recorded()

    result = cli.run(
        "correct", customer, "--version", "2", "--set", "due=9999-12-31", "--reason", "typo"
    )

    assert_one_line(result, 2, "due '9999-12-31' is outside the dates the ledger reads")
    assert cli.events_recorded() == written


def test_breaches_since_a_moment_after_the_as_of_moment_are_a_usage_error(
    cli: LedgerCli, customer: str
) -> None:
    result = cli.run("sla", "breaches", "--since", "2026-06-16", "--as-of", "2026-06-15")

    assert_one_line(result, 2, "--since 2026-06-16 is after --as-of 2026-06-15")


def test_a_version_too_large_to_store_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    result = cli.run(
        "correct", customer, "--version", "99999999999999999999", "--set", "summary=x",
        "--reason", "y",
    )  # fmt: skip

    assert_one_line(result, 2, "is not in the range 1<=x<=2147483647")


@pytest.fixture
def opportunity(cli: LedgerCli, customer: str) -> int:
    """An opportunity worth 1000.00 CNY, opened at version 2."""
    cli.ok(
        "opportunity", "open", customer, "--title", "Lounge", "--stage", "proposal",
        "--value", "1000.00", "--currency", "CNY",
    )  # fmt: skip
    return 2


@pytest.mark.parametrize("value", ["NaN", "-5", "1e999999", "12.345"])
def test_a_corrected_amount_follows_the_rule_of_the_command(
    cli: LedgerCli, opportunity: int, value: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "correct", "C-00001", "--version", str(opportunity), "--set", f"value={value}",
        "--reason", "typo",
    )  # fmt: skip

    assert_one_line(result, 2, "value is an amount such as 1250.00 (not negative, at most two")
    assert cli.events_recorded() == written


@pytest.fixture
def contact(cli: LedgerCli, customer: str) -> str:
    """A phone call logged with C-00001 at version 2; the customer's code."""
    cli.ok("contact", "log", customer, "--channel", "phone", "--direction", "inbound",
           "--summary", "Short")  # fmt: skip
    return customer


def test_a_corrected_text_is_no_longer_than_its_command_allows(
    cli: LedgerCli, contact: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "correct", contact, "--version", "2", "--set", "summary=" + "x" * 4001, "--reason", "y"
    )

    assert_one_line(result, 2, "summary is at most 4000 characters, not 4001")
    assert cli.events_recorded() == written


def test_a_correction_cannot_name_a_key_person_the_customer_does_not_have(
    cli: LedgerCli, contact: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", contact, "--version", "2", "--set", "people=P9", "--reason", "typo")

    assert_refused(result, "C-00001 has no key person P9")
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    ("setup", "step"),
    [
        (("complaint", "file", "C-00001", "--category", "service", "--channel", "phone",
          "--description", "Late", "--at", "2026-03-02T10:00"),
         ("escalate", "C-00001/CP1", "--level", "1", "--to", "Supervisor", "--reason", "x",
          "--at", "2026-03-01T10:00")),
        (("commitment", "make", "C-00001", "--description", "Report",
          "--at", "2026-03-02T10:00"),
         ("commitment", "fulfil", "C-00001/CM1", "--at", "2026-03-01T10:00")),
        (("opportunity", "lead", "C-00001", "--title", "Lounge", "--at", "2026-03-02T10:00"),
         ("opportunity", "follow-up", "C-00001/OP1", "--summary", "Called",
          "--at", "2026-03-01T10:00")),
        (("opportunity", "lead", "C-00001", "--title", "Lounge", "--at", "2026-03-02T10:00"),
         ("opportunity", "lose", "C-00001/OP1", "--reason", "Price",
          "--at", "2026-03-01T10:00")),
    ],
    ids=["escalation", "fulfilment", "follow-up", "loss"],
)  # fmt: skip
def test_a_step_of_a_case_cannot_have_happened_before_the_case_opened(
    cli: LedgerCli, customer: str, setup: tuple[str, ...], step: tuple[str, ...]
) -> None:
    cli.ok(*setup)
    written = cli.events_recorded()

    result = cli.run(*step)

    assert_one_line(result, 1, "was opened at 2026-03-02 10:00; a later step cannot have")
    assert cli.events_recorded() == written


def test_correcting_a_correction_says_to_correct_the_original_whatever_the_field(
    cli: LedgerCli, contact: str
) -> None:
    cli.ok("correct", contact, "--version", "2", "--set", "summary=Longer", "--reason", "typo")

    result = cli.run(
        "correct", contact, "--version", "3", "--set", "channel=email", "--reason", "typo"
    )

    assert_refused(
        result,
        "CorrectionRecorded cannot be corrected: correct the original event again "
        "(a later correction wins)",
    )


def test_a_command_id_reused_for_another_kind_of_command_is_refused_not_lost(
    cli: LedgerCli, customer: str
) -> None:
    cli.ok(
        "complaint", "file", customer, "--category", "service", "--channel", "phone",
        "--description", "Late", "--command-id", "call-7",
    )  # fmt: skip
    written = cli.events_recorded()

    result = cli.run(
        "contact", "log", customer, "--channel", "phone", "--direction", "inbound",
        "--summary", "Asked about the lounge", "--command-id", "call-7",
    )  # fmt: skip

    assert_refused(
        result,
        "command id 'call-7' was used for ComplaintFiled (C-00001 version 2) already: "
        "give this command an id of its own",
    )
    assert cli.events_recorded() == written


def test_a_repeated_command_that_cannot_be_done_again_is_answered_as_already_recorded(
    cli: LedgerCli, customer: str
) -> None:
    cli.ok("complaint", "file", customer, "--category", "service", "--channel", "phone",
           "--description", "Late")  # fmt: skip
    args = ("complaint", "resolve", "C-00001/CP1", "--resolution", "Done", "--command-id", "r1")
    cli.ok(*args)

    again = cli.ok(*args)

    assert again.startswith("Already recorded: C-00001/CP1")


def test_an_empty_counterpart_is_named_by_its_own_option(cli: LedgerCli, customer: str) -> None:
    # --title is empty by default too: the refusal must still name --counterpart.
    written = cli.events_recorded()

    result = cli.run(
        "person", "add", customer, "--name", "Wang Hua", "--role", "user", "--counterpart", ""
    )

    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "Error: --counterpart must not be empty (see `ledger person add --help`)\n"
    )
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    "args",
    [
        ("report", "submit", "--month", "9999-12"),
        ("report", "monthly", "--month", "9999-12"),
        ("visit", "plan-month", "--month", "9999-12", "--visit", "C-00001:maintenance:9999-12-01"),
        ("visit", "plans", "--month", "0001-01"),
    ],
    ids=["report submit", "report monthly", "visit plan-month", "visit plans"],
)
def test_a_month_outside_the_ledgers_years_is_refused_in_one_line(
    cli: LedgerCli, customer: str, args: tuple[str, ...]
) -> None:
    written = cli.events_recorded()

    result = cli.run(*args)

    month = args[args.index("--month") + 1]
    assert_one_line(
        result,
        2,
        f"--month '{month}' is outside the dates the ledger reads: give one from 1900-01-01 "
        "to 2999-12-31",
    )
    assert cli.events_recorded() == written


def test_a_refusal_repeats_only_the_start_of_a_very_long_value(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "contact", "log", customer, "--channel", "phone", "--direction", "outbound",
        "--summary", "Called", "--follow-up", "a" * 5000,
    )  # fmt: skip

    assert_one_line(
        result, 2, f"--follow-up: string should have at most 4000 characters (got '{'a' * 60}…')"
    )
    assert len(result.stderr) < 200
    assert cli.events_recorded() == written


@pytest.mark.parametrize(
    "args",
    [
        ("contact", "log", "C-00001", "--channel", "phone", "--direction", "inbound",
         "--summary", "Call"),
        ("complaint", "file", "C-00001", "--category", "delivery", "--channel", "email",
         "--description", "Wet"),
        ("branch", "add", "C-00001", "--name", "East", "--location", "Pudong"),
    ],
    ids=["contact", "complaint", "branch"],
)  # fmt: skip
def test_nothing_about_a_customer_can_be_dated_before_it_was_registered(
    cli: LedgerCli, customer: str, args: tuple[str, ...]
) -> None:
    # Issue #18: `--at 0001-01-01T00:00` is refused by the ledger's floor; a date
    # after the floor but before the customer existed was recorded.
    written = cli.events_recorded()

    result = cli.run(*args, "--at", "2024-12-31T09:00")

    assert_one_line(
        result,
        1,
        "C-00001 was registered on 2025-01-02 09:00 UTC: nothing about it can be dated "
        "before that: check --at",
    )
    assert cli.events_recorded() == written


def test_a_time_before_the_ledgers_floor_says_which_floor(cli: LedgerCli, customer: str) -> None:
    result = cli.run(
        "contact", "log", customer, "--channel", "phone", "--direction", "inbound",
        "--summary", "Call",
        "--at", "0001-01-01T00:00",
    )  # fmt: skip

    assert_one_line(
        result,
        2,
        "--at '0001-01-01T00:00' is outside the dates the ledger reads: give one from "
        "1900-01-01 to 2999-12-31",
    )
