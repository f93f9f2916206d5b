"""`ledger owner assign`: a handover, with its reason."""

from __future__ import annotations

import json

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


def test_a_customer_is_handed_to_a_new_owner(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("owner", "assign", customer, "--to", "zhang.min", "--reason", "li.wei leaves")

    listed = json.loads(cli.ok("customer", "list", "--format", "json"))
    assert output == (
        "Owner assigned: C-00001 (Capital Airport Group), version 2.\n"
        "C-00001 handed to zhang.min, with nothing else held there.\n"
    )
    assert listed[0]["owner"] == "zhang.min"


def test_handing_a_customer_to_its_owner_is_refused(cli: LedgerCli, customer: str) -> None:
    cli.ok("owner", "assign", customer, "--to", "zhang.min", "--reason", "li.wei leaves")
    written = cli.events_recorded()

    result = cli.run("owner", "assign", customer, "--to", "zhang.min", "--reason", "again")

    assert_refused(result, "zhang.min already owns C-00001")
    assert cli.events_recorded() == written


def test_a_handover_needs_a_reason(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "assign", customer, "--to", "zhang.min")

    assert_usage_error(result, "Missing option '--reason'.", "owner assign")
    assert cli.events_recorded() == written


def test_a_handover_with_an_empty_reason_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "assign", customer, "--to", "zhang.min", "--reason", " ")

    assert_usage_error(result, "--reason must not be empty", "owner assign")
    assert cli.events_recorded() == written


def test_handing_over_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "assign", "C-00002", "--to", "zhang.min", "--reason", "x")

    assert_refused(result, no_customer("C-00002"))
    assert cli.events_recorded() == written


def test_a_new_owner_that_is_not_a_staff_id_is_named_by_its_option(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "assign", customer, "--to", "Zhang Min", "--reason", "leaves")

    assert_usage_error(
        result,
        "--to must be a staff id such as li.wei (lowercase letters, digits, . _ -) "
        "(got 'Zhang Min')",
        "owner assign",
    )
    assert cli.events_recorded() == written


def test_a_handover_cannot_be_dated_before_the_customer_was_registered(cli: LedgerCli) -> None:
    cli.ok("customer", "register", "Alpha", "--segment", "airport", "--at", "2026-01-05T09:00")
    written = cli.events_recorded()

    result = cli.run(
        "owner", "assign", "C-00001", "--to", "zhang.min", "--reason", "x", "--at", "2026-01-01"
    )

    assert_refused(
        result,
        "C-00001 was registered on 2026-01-05 09:00 UTC: nothing about it can be dated "
        "before that: check --at",
    )
    assert cli.events_recorded() == written


def test_a_handover_cannot_be_dated_before_the_one_it_follows(cli: LedgerCli) -> None:
    cli.ok("customer", "register", "Alpha", "--segment", "airport", "--at", "2026-01-05T09:00")
    cli.ok("owner", "assign", "C-00001", "--to", "zhang.min", "--reason", "x", "--at", "2026-03-01")
    written = cli.events_recorded()

    # Dated before zhang.min took over, the owners' history would run backwards.
    result = cli.run(
        "owner", "assign", "C-00001", "--to", "wang.fang", "--reason", "y", "--at", "2026-02-01"
    )

    assert_refused(
        result,
        "C-00001 passed to zhang.min on 2026-03-01 00:00 UTC: a later handover cannot be "
        "dated before that: check --at",
    )
    assert cli.events_recorded() == written


def test_reassigning_an_owners_customers_to_the_same_owner_is_a_usage_error(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("owner", "reassign", "--from", "li.wei", "--to", "li.wei")

    assert_usage_error(
        result,
        "--from and --to both name li.wei: hand the customers to someone else",
        "owner reassign",
    )
    assert cli.events_recorded() == written
