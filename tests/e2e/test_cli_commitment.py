"""`ledger commitment make|fulfil`."""

from __future__ import annotations

from ledger.domain.events import CommitmentMade
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


def test_a_commitment_prints_its_id_and_keeps_its_due_date(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(
        "commitment", "make", customer, "--description", "Send the safety audit",
        "--due", "2026-05-01", "--source", "Quarterly review", "--at", "2026-04-20T10:00",
    )  # fmt: skip

    made = cli.recorded(customer, CommitmentMade)
    assert output == (
        "Commitment made: C-00001/CM1 (Capital Airport Group), version 2. Due 2026-05-01.\n"
    )
    assert made.due == "2026-05-01"


def test_a_commitment_due_on_no_date_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("commitment", "make", customer, "--description", "Audit", "--due", "May 1")

    assert_usage_error(result, "--due 'May 1' is not a date: use YYYY-MM-DD")
    assert cli.events_recorded() == written


def test_a_commitment_needs_a_description(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("commitment", "make", customer, "--description", "")

    assert_usage_error(result, "--description must not be empty", "commitment make")
    assert cli.events_recorded() == written


def test_a_commitment_to_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("commitment", "make", "C-00008", "--description", "Audit")

    assert_refused(result, no_customer("C-00008"))
    assert cli.events_recorded() == written


def test_fulfilling_a_commitment_answers_with_its_id(cli: LedgerCli, customer: str) -> None:
    cli.ok("commitment", "make", customer, "--description", "Send the safety audit")

    output = cli.ok("commitment", "fulfil", "C-00001/CM1", "--note", "Emailed")

    assert output == "Commitment fulfilled: C-00001/CM1 (Capital Airport Group), version 3.\n"


def test_a_fulfilled_commitment_cannot_be_fulfilled_again(cli: LedgerCli, customer: str) -> None:
    cli.ok("commitment", "make", customer, "--description", "Send the safety audit")
    cli.ok("commitment", "fulfil", "C-00001/CM1")
    written = cli.events_recorded()

    result = cli.run("commitment", "fulfil", "C-00001/CM1")

    assert_refused(result, "C-00001/CM1 is fulfilled: open a new commitment instead")
    assert cli.events_recorded() == written


def test_fulfilling_a_commitment_never_made_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("commitment", "fulfil", "C-00001/CM2")

    assert_refused(result, "C-00001 has no commitment CM2")
    assert cli.events_recorded() == written
