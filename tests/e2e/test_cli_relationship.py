"""`ledger relationship terminate|reactivate`."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer

TERMINATE = (
    "--reason", "Moved to a competitor",
    "--root-cause", "Three late complaint answers in a quarter",
    "--head-office-ref", "HO-2026-017",
)  # fmt: skip


@pytest.fixture
def terminated(cli: LedgerCli, customer: str) -> str:
    cli.ok("customer", "stage", customer, "growth")
    cli.ok("relationship", "terminate", customer, *TERMINATE)
    return customer


def stage_of(cli: LedgerCli) -> str:
    stage: str = json.loads(cli.ok("customer", "list", "--format", "json"))[0]["stage"]
    return stage


def test_terminating_a_relationship_shows_in_the_list(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("relationship", "terminate", customer, *TERMINATE)

    assert output == "Relationship terminated: C-00001 (Capital Airport Group), version 2.\n"
    assert stage_of(cli) == "terminated"


def test_a_termination_must_be_filed_with_head_office(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("relationship", "terminate", customer, *TERMINATE[:4])

    assert_usage_error(result, "Missing option '--head-office-ref'.", "relationship terminate")
    assert cli.events_recorded() == written


def test_a_terminated_relationship_cannot_be_terminated_again(
    cli: LedgerCli, terminated: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("relationship", "terminate", terminated, *TERMINATE)

    assert_refused(result, "the relationship with C-00001 is terminated already")
    assert cli.events_recorded() == written


def test_no_new_opportunity_opens_while_terminated(cli: LedgerCli, terminated: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "open", terminated, "--title", "Win-back offer")

    assert_refused(
        result,
        "the relationship with C-00001 is terminated: reactivate it (`ledger relationship "
        "reactivate`) before you open an opportunity",
    )
    assert cli.events_recorded() == written


def test_reactivating_returns_the_customer_to_its_earlier_stage(
    cli: LedgerCli, terminated: str
) -> None:
    output = cli.ok("relationship", "reactivate", terminated, "--repair-plan", "Monthly visits")

    assert output == "Relationship reactivated: C-00001 (Capital Airport Group), version 4.\n"
    assert stage_of(cli) == "growth"


def test_a_live_relationship_cannot_be_reactivated(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("relationship", "reactivate", customer, "--repair-plan", "Monthly visits")

    assert_refused(result, "the relationship with C-00001 is not terminated: nothing to reactivate")
    assert cli.events_recorded() == written


def test_reactivating_needs_a_repair_plan(cli: LedgerCli, terminated: str) -> None:
    written = cli.events_recorded()

    result = cli.run("relationship", "reactivate", terminated, "--repair-plan", " ")

    assert_usage_error(
        result,
        "--repair-plan must not be empty",
        "relationship reactivate",
    )
    assert cli.events_recorded() == written


def test_terminating_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("relationship", "terminate", "Nobody Ltd", *TERMINATE)

    assert_refused(result, no_customer("Nobody Ltd"))
    assert cli.events_recorded() == written
