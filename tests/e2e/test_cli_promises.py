"""`ledger contact log --follow-up`, `ledger commitment withdraw` and `ledger problem
handle`: promises and problems tracked to closure, as a user types them."""

from __future__ import annotations

import pytest

from ledger.domain.events import CommitmentWithdrawn, ProblemHandled
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error

NAME = "Capital Airport Group"
# Friday 6 March 2026 at 16:00, in the ledger's time zone (UTC here).
FRIDAY = "2026-03-06T16:00"
CALL = ("contact", "log", "C-00001", "--channel", "phone", "--direction", "outbound",
        "--summary", "Went through the tender")  # fmt: skip
VISIT = ("visit", "report", "C-00001", "--purpose", "maintenance", "--kind", "problem_handling",
         "--summary", "Walked the apron", "--outcome", "B")  # fmt: skip


@pytest.fixture
def promised(cli: LedgerCli, customer: str) -> LedgerCli:
    """Two follow-ups promised on a Friday call: CM1 and CM2."""
    cli.ok(*CALL, "--follow-up", "Send the agenda", "--follow-up", "Call back", "--at", FRIDAY)
    return cli


@pytest.fixture
def problems(cli: LedgerCli, customer: str) -> LedgerCli:
    """A visit on Thursday 5 March that left two problems pending: PB1 and PB2."""
    cli.ok(
        *VISIT, "--pending", "Gate 5 jet bridge leaks", "--pending", "Belt 3 is slow",
        "--at", "2026-03-05T10:00",
    )  # fmt: skip
    return cli


def test_each_follow_up_is_a_commitment_named_with_its_due_date(
    cli: LedgerCli, customer: str
) -> None:
    output = cli.ok(
        *CALL, "--follow-up", "Send the agenda", "--follow-up", "Call back", "--at", FRIDAY
    )

    # Five working days after Friday 6 March: Friday 13 March.
    assert output == (
        f"Contact logged: C-00001 ({NAME}), version 2. Commitment CM1 due 2026-03-13. "
        "Commitment CM2 due 2026-03-13.\n"
    )


def test_the_follow_ups_due_date_can_be_given(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(*CALL, "--follow-up", "Send the agenda", "--due", "2026-03-09", "--at", FRIDAY)

    assert output == (
        f"Contact logged: C-00001 ({NAME}), version 2. Commitment CM1 due 2026-03-09.\n"
    )


def test_the_default_follow_up_time_is_configured_in_working_days(
    cli: LedgerCli, customer: str, tmp_path: object
) -> None:
    from pathlib import Path

    config = Path(str(tmp_path)) / "promises.toml"
    config.write_text('promise_due_working_days = 1\n[calendar]\nholidays = ["2026-03-09"]\n')

    result = cli.run(
        *CALL, "--follow-up", "Send the agenda", "--at", FRIDAY, env={"LEDGER_CONFIG": str(config)}
    )

    assert result.stdout == (
        f"Contact logged: C-00001 ({NAME}), version 2. Commitment CM1 due 2026-03-10.\n"
    )


def test_a_due_date_without_a_follow_up_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(*CALL, "--due", "2026-03-09")

    assert_usage_error(
        result,
        "--due: only follow-ups promised have a due date: give at least one --follow-up",
        "contact log",
    )
    assert cli.events_recorded() == written


def test_a_withdrawn_commitment_is_recorded_with_its_reason(promised: LedgerCli) -> None:
    output = promised.ok(
        "commitment", "withdraw", "C-00001/CM1", "--reason", "They cancelled the tender"
    )

    assert output == f"Commitment withdrawn: C-00001/CM1 ({NAME}), version 5.\n"
    assert promised.recorded("C-00001", CommitmentWithdrawn).reason == "They cancelled the tender"


def test_a_commitment_is_withdrawn_once(promised: LedgerCli) -> None:
    promised.ok("commitment", "withdraw", "C-00001/CM1", "--reason", "Cancelled")
    written = promised.events_recorded()

    result = promised.run("commitment", "withdraw", "C-00001/CM1", "--reason", "Cancelled")

    assert_refused(result, "C-00001/CM1 is withdrawn: open a new commitment instead")
    assert promised.events_recorded() == written


def test_a_withdrawal_needs_a_reason(promised: LedgerCli) -> None:
    result = promised.run("commitment", "withdraw", "C-00001/CM1")

    assert_usage_error(result, "Missing option '--reason'.", "commitment withdraw")


def test_only_a_commitment_is_withdrawn(promised: LedgerCli) -> None:
    result = promised.run("commitment", "withdraw", "C-00001/PB1", "--reason", "x")

    assert_usage_error(
        result, "'PB1' names a problem, not a commitment: commitment ids start with CM"
    )


def test_the_visit_report_names_the_problems_it_opens(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(*VISIT, "--pending", "Gate 5 jet bridge leaks", "--pending", "Belt 3 is slow")

    assert output == (
        f"Visit reported: C-00001/V1 ({NAME}), version 2. Problem PB1 opened. Problem PB2 opened.\n"
    )


def test_a_problem_raised_again_is_the_same_item_and_a_handled_one_is_said(
    problems: LedgerCli,
) -> None:
    output = problems.ok(
        *VISIT, "--pending", "gate 5 jet bridge leaks.", "--handled", "Belt 3 is slow"
    )

    assert output == f"Visit reported: C-00001/V2 ({NAME}), version 3. Problem PB2 handled.\n"


def test_a_problem_is_handled_with_a_note(problems: LedgerCli) -> None:
    output = problems.ok("problem", "handle", "C-00001/PB1", "--note", "Seal replaced")

    assert output == f"Problem handled: C-00001/PB1 ({NAME}), version 3.\n"
    assert problems.recorded("C-00001", ProblemHandled).note == "Seal replaced"


def test_handling_a_problem_twice_is_refused(problems: LedgerCli) -> None:
    problems.ok("problem", "handle", "C-00001/PB1", "--note", "Seal replaced", "--at", FRIDAY)
    written = problems.events_recorded()

    result = problems.run("problem", "handle", "C-00001/PB1", "--note", "Again")

    assert_refused(result, "C-00001/PB1 was handled already on 2026-03-06: nothing to handle")
    assert problems.events_recorded() == written


@pytest.mark.parametrize(
    ("reference", "message", "code"),
    [
        ("C-00001/PB9", "C-00001 has no problem PB9", 1),
        ("C-00001/CM1", "'CM1' names a commitment, not a problem: problem ids start with PB", 2),
        ("PB1", "'PB1' is not a case reference: use CUSTOMER/ID such as C-00042/CP3 "
         "(the id printed when the case was opened)", 2),
    ],
)  # fmt: skip
def test_a_problem_that_is_not_there_is_refused_in_one_line(
    problems: LedgerCli, reference: str, message: str, code: int
) -> None:
    written = problems.events_recorded()

    result = problems.run("problem", "handle", reference, "--note", "Done")

    if code == 1:
        assert_refused(result, message)
    else:
        assert_usage_error(result, message)
    assert problems.events_recorded() == written


def test_customer_show_lists_open_problems_and_promises_with_who_owes_them(
    cli: LedgerCli,
) -> None:
    cli.ok(
        "customer", "register", NAME, "--segment", "airport", "--owner", "li.wei",
        "--at", "2025-01-02",
    )  # fmt: skip
    cli.ok(*CALL, "--follow-up", "Send the agenda", "--at", FRIDAY)
    cli.ok(*VISIT, "--pending", "Gate 5 jet bridge leaks", "--at", "2026-03-10T10:00")

    lines = cli.ok("customer", "show", "C-00001").splitlines()

    assert "CM1  Send the agenda  2026-03-13  contact  li.wei" in lines
    assert "PB1  Gate 5 jet bridge leaks  2026-03-10  V1  li.wei" in lines


def test_the_history_tells_withdrawn_promises_and_handled_problems(
    promised: LedgerCli,
) -> None:
    promised.ok(*VISIT, "--pending", "Gate 5 jet bridge leaks")
    promised.ok("commitment", "withdraw", "C-00001/CM2", "--reason", "Not needed")
    promised.ok("problem", "handle", "C-00001/PB1", "--note", "Seal replaced")

    told = promised.ok("history", "C-00001", "--format", "jsonl")

    assert "Commitment CM2 withdrawn: Not needed." in told
    assert "Problem PB1 handled: Seal replaced." in told


@pytest.mark.parametrize(
    "args",
    [
        (*CALL, "--follow-up", "Send the agenda", "--due", "2026-03-05", "--at", FRIDAY),
        ("commitment", "make", "C-00001", "--description", "Send the agenda",
         "--due", "2026-03-05", "--at", FRIDAY),
        (*VISIT, "--commitment", "Send the agenda@2026-03-05", "--at", FRIDAY),
    ],
    ids=["contact follow-up", "commitment make", "visit commitment"],
)  # fmt: skip
def test_a_promise_due_before_the_day_it_was_made_is_refused(
    cli: LedgerCli, customer: str, args: tuple[str, ...]
) -> None:
    written = cli.events_recorded()

    result = cli.run(*args)

    assert_refused(
        result,
        "due date 2026-03-05 is before the promise was made (2026-03-06): give a due date "
        "on or after the day it is made (check --due and --at)",
    )
    assert cli.events_recorded() == written


def test_a_promise_may_fall_due_the_day_it_is_made(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(*CALL, "--follow-up", "Send the agenda", "--due", "2026-03-06", "--at", FRIDAY)

    assert output.endswith("Commitment CM1 due 2026-03-06.\n")
