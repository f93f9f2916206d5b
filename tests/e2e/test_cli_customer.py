"""`ledger customer register|list|update|tier|stage|segment`."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.domain.events import ProfileUpdated
from tests.e2e.conftest import (
    CUSTOMER_NAME,
    NO_ACTOR,
    LedgerCli,
    assert_refused,
    assert_usage_error,
    no_customer,
)

CSV_HEADER = "code,name,segment,tier,vip,stage,owner,industry"


def test_registering_a_customer_prints_its_new_code(cli: LedgerCli) -> None:
    output = cli.ok("customer", "register", CUSTOMER_NAME, "--segment", "airport")

    assert output == "Customer registered: C-00001 (Capital Airport Group), version 1.\n"


def test_a_registered_customer_is_listed_with_its_whole_profile(cli: LedgerCli) -> None:
    cli.ok(
        "customer", "register", CUSTOMER_NAME,
        "--segment", "airport", "--kind", "organisation", "--industry", "aviation",
        "--headquarters", "Beijing", "--tier", "strategic", "--vip", "--stage", "growth",
        "--owner", "zhang.min", "--external-ref", "crm=4711",
    )  # fmt: skip

    listed = json.loads(cli.ok("customer", "list", "--format", "json"))

    assert listed == [
        {
            "code": "C-00001",
            "name": CUSTOMER_NAME,
            "segment": "airport",
            "tier": "strategic",
            "vip": True,
            "stage": "growth",
            "owner": "zhang.min",
            "industry": "aviation",
        }
    ]


def test_customers_are_numbered_in_the_order_they_register(cli: LedgerCli) -> None:
    cli.ok("customer", "register", "Zeta Logistics", "--segment", "cargo")

    output = cli.ok("customer", "register", "Alpha Airlines", "--segment", "airport")

    assert output == "Customer registered: C-00002 (Alpha Airlines), version 1.\n"


def test_a_second_customer_with_the_same_name_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "register", "capital airport group", "--segment", "airport")

    assert_refused(
        result,
        "a customer named 'capital airport group' exists already: choose a distinct name "
        "(add the city or legal form)",
    )
    assert cli.events_recorded() == written


def test_registering_with_an_unknown_tier_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "register", "Beta", "--segment", "airport", "--tier", "gold")

    assert_usage_error(
        result,
        "Invalid value for '--tier': 'gold' is not one of 'strategic', 'general'.",
        "customer register",
    )
    assert cli.events_recorded() == written


def test_a_customer_cannot_be_registered_as_terminated(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "customer", "register", "Beta", "--segment", "airport", "--stage", "terminated"
    )

    assert_usage_error(
        result,
        "Invalid value for '--stage': 'terminated' is not one of 'prospect', 'development', "
        "'growth', 'maturity'.",
        "customer register",
    )
    assert cli.events_recorded() == written


def test_a_malformed_external_reference_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "customer", "register", "Beta", "--segment", "airport", "--external-ref", "crm"
    )

    assert_usage_error(result, "--external-ref takes KEY=VALUE, not 'crm'", "customer register")
    assert cli.events_recorded() == written


def test_the_list_is_in_code_order_whatever_the_names(cli: LedgerCli) -> None:
    cli.ok("customer", "register", "Zeta Logistics", "--segment", "cargo")
    cli.ok("customer", "register", "Alpha Airlines", "--segment", "airport", "--vip")

    output = cli.ok("customer", "list", "--format", "csv")

    assert output.splitlines() == [
        CSV_HEADER,
        "C-00001,Zeta Logistics,cargo,general,,prospect,,",
        "C-00002,Alpha Airlines,airport,general,yes,prospect,,",
    ]


def test_the_list_filters_by_segment_owner_stage_and_tier(cli: LedgerCli) -> None:
    cli.ok("customer", "register", "Zeta Logistics", "--segment", "cargo")
    cli.ok(
        "customer", "register", "Alpha Airlines", "--segment", "airport",
        "--owner", "zhang.min", "--stage", "growth", "--tier", "strategic",
    )  # fmt: skip
    cli.ok("customer", "register", "Beta Hotels", "--segment", "airport")

    by_segment = cli.ok("customer", "list", "--segment", "airport", "--format", "jsonl")
    by_owner = cli.ok("customer", "list", "--owner", "zhang.min", "--format", "jsonl")
    by_stage = cli.ok("customer", "list", "--stage", "prospect", "--format", "jsonl")
    by_tier = cli.ok("customer", "list", "--tier", "strategic", "--format", "jsonl")

    def codes(jsonl: str) -> list[str]:
        return [json.loads(line)["code"] for line in jsonl.splitlines()]

    assert codes(by_segment) == ["C-00002", "C-00003"]
    assert codes(by_owner) == ["C-00002"]
    assert codes(by_stage) == ["C-00001", "C-00003"]
    assert codes(by_tier) == ["C-00002"]


def test_the_global_format_applies_to_the_list(cli: LedgerCli, customer: str) -> None:
    result = cli.run("--format", "csv", "customer", "list")

    assert result.stdout.splitlines() == [
        CSV_HEADER,
        "C-00001,Capital Airport Group,airport,general,,prospect,,",
    ]


def test_the_list_as_a_table_shows_each_customer(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("customer", "list")

    assert "Customers" in output
    assert "C-00001" in output


def test_a_list_that_matches_nothing_is_empty_not_an_error(cli: LedgerCli, customer: str) -> None:
    as_table = cli.ok("customer", "list", "--segment", "hotels")
    as_json = cli.ok("customer", "list", "--segment", "hotels", "--format", "json")

    assert as_table == "No customers match.\n"
    assert json.loads(as_json) == []


def test_listing_needs_an_acting_staff_member(cli: LedgerCli, customer: str) -> None:
    result = cli.run("customer", "list", "--format", "csv", actor=None)

    assert_usage_error(result, NO_ACTOR, "customer list")


def test_listing_a_ledger_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "ledger.sqlite3"), staffed=False)

    result = cli.run("customer", "list")

    assert_refused(
        result,
        f"no ledger at {cli.db}: run `ledger demo` to create one, or point --db / "
        "LEDGER_HOME at an existing ledger",
    )
    assert not Path(cli.db).exists()


def test_renaming_a_customer_makes_the_new_name_usable(cli: LedgerCli, customer: str) -> None:
    renamed = cli.ok("customer", "update", customer, "--name", "Capital Airport")

    by_new_name = cli.ok("customer", "update", "Capital Airport", "--industry", "aviation")

    assert renamed == "Profile updated: C-00001 (Capital Airport), version 2.\n"
    assert by_new_name == "Profile updated: C-00001 (Capital Airport), version 3.\n"


def test_updating_external_references_records_them(cli: LedgerCli, customer: str) -> None:
    cli.ok("customer", "update", customer, "--external-ref", "erp=A-17", "--kind", "individual")

    event = cli.recorded(customer, ProfileUpdated)

    assert event.changes == {"kind": "individual", "external_refs": {"erp": "A-17"}}


def test_an_update_without_any_field_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "update", customer)

    assert_usage_error(
        result,
        "nothing to update: give at least one of --name, --kind, --industry, --headquarters, "
        "--external-ref",
        "customer update",
    )
    assert cli.events_recorded() == written


def test_an_update_that_changes_nothing_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "update", customer, "--name", CUSTOMER_NAME)

    assert_refused(result, "nothing to change: C-00001 already has those values")
    assert cli.events_recorded() == written


def test_updating_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "update", "C-00099", "--industry", "aviation")

    assert_refused(result, no_customer("C-00099"))
    assert cli.events_recorded() == written


def test_a_customer_moves_to_the_strategic_tier_as_a_vip(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("customer", "tier", customer, "strategic", "--vip", "--reason", "hub")

    listed = json.loads(cli.ok("customer", "list", "--format", "json"))
    assert output == "Tier changed: C-00001 (Capital Airport Group), version 2.\n"
    assert (listed[0]["tier"], listed[0]["vip"]) == ("strategic", True)


def test_the_same_tier_again_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "tier", customer, "general")

    assert_refused(result, "C-00001 is already general")
    assert cli.events_recorded() == written


def test_an_unknown_tier_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "tier", customer, "platinum")

    assert_usage_error(
        result,
        "Invalid value for 'TIER': 'platinum' is not one of 'strategic', 'general'.",
        "customer tier",
    )
    assert cli.events_recorded() == written


def test_a_customer_moves_to_a_later_stage(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("customer", "stage", customer, "development", "--reason", "first order")

    listed = json.loads(cli.ok("customer", "list", "--format", "json"))
    assert output == "Stage changed: C-00001 (Capital Airport Group), version 2.\n"
    assert listed[0]["stage"] == "development"


def test_terminating_through_the_stage_points_to_the_relationship_command(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "stage", customer, "terminated")

    assert_refused(
        result,
        "use `ledger relationship terminate` to end a relationship: it needs a reason, "
        "a root-cause analysis and the head-office filing",
    )
    assert cli.events_recorded() == written


def test_changing_the_stage_of_an_unknown_customer_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "stage", "Nobody Ltd", "growth")

    assert_refused(result, no_customer("Nobody Ltd"))
    assert cli.events_recorded() == written


def test_a_customer_moves_to_another_segment(cli: LedgerCli, customer: str) -> None:
    output = cli.ok("customer", "segment", customer, "cargo", "--reason", "reorganisation")

    listed = json.loads(cli.ok("customer", "list", "--format", "json"))
    assert output == "Segment changed: C-00001 (Capital Airport Group), version 2.\n"
    assert listed[0]["segment"] == "cargo"


def test_the_same_segment_again_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("customer", "segment", customer, "airport")

    assert_refused(result, "C-00001 is already in segment airport")
    assert cli.events_recorded() == written


def test_repeating_a_registration_with_its_command_id_registers_once(cli: LedgerCli) -> None:
    cli.ok("customer", "register", CUSTOMER_NAME, "--segment", "airport", "--command-id", "reg-1")
    written = cli.events_recorded()

    again = cli.ok(
        "customer", "register", CUSTOMER_NAME, "--segment", "airport", "--command-id", "reg-1"
    )

    assert again == (
        "Already recorded: C-00001 (Capital Airport Group), version 1; nothing new was written.\n"
    )
    assert cli.events_recorded() == written


def test_changing_the_tier_keeps_the_vip_flag_unless_told(cli: LedgerCli, customer: str) -> None:
    cli.ok("customer", "tier", customer, "strategic", "--vip", "--reason", "hub")

    cli.ok("customer", "tier", customer, "general", "--reason", "smaller contract")
    kept = json.loads(cli.ok("customer", "list", "--format", "json"))[0]["vip"]
    cli.ok("customer", "tier", customer, "strategic", "--no-vip", "--reason", "review")
    cleared = json.loads(cli.ok("customer", "list", "--format", "json"))[0]["vip"]

    assert (kept, cleared) == (True, False)
