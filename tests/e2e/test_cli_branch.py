"""`ledger branch add|close`."""

from __future__ import annotations

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


def test_adding_a_branch_prints_its_id(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("branch", "add", customer, "--name", "Shanghai office", "--location", "Pudong")

    assert output == "Branch added: C-00001/B1 (Capital Airport Group), version 2.\n"


def test_a_branch_needs_a_name(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("branch", "add", customer, "--location", "Pudong")

    assert_usage_error(result, "Missing option '--name'.", "branch add")
    assert cli.events_recorded() == written


def test_a_second_open_branch_with_the_same_name_is_refused(cli: LedgerCli, customer: str) -> None:
    cli.ok("branch", "add", customer, "--name", "Shanghai office", "--location", "Pudong")
    written = cli.events_recorded()

    result = cli.run("branch", "add", customer, "--name", "shanghai office", "--location", "Puxi")

    assert_refused(result, "C-00001 already has an open branch shanghai office (B1)")
    assert cli.events_recorded() == written


def test_adding_a_branch_to_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("branch", "add", "C-00007", "--name", "Shanghai office", "--location", "x")

    assert_refused(result, no_customer("C-00007"))
    assert cli.events_recorded() == written


def test_closing_a_branch_answers_with_its_id(cli: LedgerCli, customer: str) -> None:
    cli.ok("branch", "add", customer, "--name", "Shanghai office", "--location", "Pudong")

    output = cli.ok("branch", "close", "C-00001/B1", "--reason", "merged into Beijing")

    assert output == "Branch closed: C-00001/B1 (Capital Airport Group), version 3.\n"


def test_a_closed_branch_cannot_be_closed_again(cli: LedgerCli, customer: str) -> None:
    cli.ok("branch", "add", customer, "--name", "Shanghai office", "--location", "Pudong")
    cli.ok("branch", "close", "C-00001/B1")
    written = cli.events_recorded()

    result = cli.run("branch", "close", "C-00001/B1")

    assert_refused(result, "C-00001/B1 is closed already")
    assert cli.events_recorded() == written


def test_closing_a_branch_the_customer_does_not_have_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("branch", "close", "C-00001/B9")

    assert_refused(result, "C-00001 has no branch B9")
    assert cli.events_recorded() == written


def test_closing_something_that_is_not_a_branch_is_a_usage_error(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("branch", "close", "C-00001/CP1")

    assert_usage_error(result, "'CP1' names a complaint, not a branch: branch ids start with B")
    assert cli.events_recorded() == written


def test_a_branch_is_named_with_its_customer(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("branch", "close", "B1")

    assert_usage_error(
        result,
        "'B1' is not a case reference: use CUSTOMER/ID such as C-00042/CP3 "
        "(the id printed when the case was opened)",
    )
    assert cli.events_recorded() == written
