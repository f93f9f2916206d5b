"""`ledger opportunity lead|open|stage|follow-up|win|lose`."""

from __future__ import annotations

import pytest

from ledger.domain.events import OpportunityOpened, OpportunityWon
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


@pytest.fixture
def opened(cli: LedgerCli, customer: str) -> str:
    """An open opportunity to renew the lounge contract: C-00001/OP1."""
    cli.ok("opportunity", "open", customer, "--title", "Lounge contract renewal")
    return "C-00001/OP1"


def test_a_lead_prints_its_id(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(
        "opportunity", "lead", customer, "--title", "Cargo terminal expansion",
        "--source", "Trade fair", "--note", "Met at the Shanghai fair",
    )  # fmt: skip

    assert output == "Lead created: C-00001/OP1 (Capital Airport Group), version 2.\n"


def test_a_lead_grows_into_an_opportunity_with_the_same_id(cli: LedgerCli, customer: str) -> None:
    cli.ok("opportunity", "lead", customer, "--title", "Cargo terminal expansion")

    output = cli.ok(
        "opportunity", "open", customer, "--lead", "OP1", "--title", "Cargo terminal expansion",
        "--stage", "needs_analysis", "--value", "1250000.00", "--currency", "cny",
    )  # fmt: skip

    opened = cli.recorded(customer, OpportunityOpened)
    assert output == "Opportunity opened: C-00001/OP1 (Capital Airport Group), version 3.\n"
    assert (opened.value, opened.currency, opened.from_lead) == ("1250000.00", "CNY", True)


def test_a_malformed_value_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "open", customer, "--title", "Renewal", "--value", "1,250")

    assert_usage_error(
        result,
        "--value: '1,250' is not an amount: write digits with up to two decimals and no "
        "thousands separator, e.g. 1250.00",
        "opportunity open",
    )
    assert cli.events_recorded() == written


def test_a_malformed_currency_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "opportunity", "open", customer, "--title", "Renewal", "--value", "10", "--currency", "¥"
    )

    assert_usage_error(
        result,
        "--currency: '¥' is not a currency: use a three-letter code such as CNY or USD",
        "opportunity open",
    )
    assert cli.events_recorded() == written


def test_opening_from_a_lead_that_is_already_open_is_refused(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "open", "C-00001", "--lead", "OP1", "--title", "Again")

    assert_refused(result, "C-00001/OP1 is not a lead: it is open")
    assert cli.events_recorded() == written


def test_an_opportunity_moves_through_the_sales_stages(cli: LedgerCli, opened: str) -> None:
    output = cli.ok("opportunity", "stage", opened, "proposal", "--note", "Offer sent")

    assert output == (
        "Opportunity stage changed: C-00001/OP1 (Capital Airport Group), version 3.\n"
    )


def test_an_unknown_sales_stage_is_a_usage_error(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "stage", opened, "dreaming")

    assert_usage_error(
        result,
        "Invalid value for 'STAGE': 'dreaming' is not one of 'qualification', "
        "'needs_analysis', 'proposal', 'negotiation', 'contracting'.",
        "opportunity stage",
    )
    assert cli.events_recorded() == written


def test_moving_to_the_current_stage_is_refused(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "stage", opened, "qualification")

    assert_refused(result, "C-00001/OP1 is at stage qualification already")
    assert cli.events_recorded() == written


def test_a_follow_up_is_logged_on_the_opportunity(cli: LedgerCli, opened: str) -> None:
    output = cli.ok(
        "opportunity", "follow-up", opened, "--summary", "Called procurement",
        "--next-step", "Site visit",
    )  # fmt: skip

    assert output == "Follow-up logged: C-00001/OP1 (Capital Airport Group), version 3.\n"


def test_a_follow_up_needs_a_summary(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "follow-up", opened, "--summary", "")

    assert_usage_error(result, "--summary must not be empty", "opportunity follow-up")
    assert cli.events_recorded() == written


def test_winning_records_the_value_won(cli: LedgerCli, opened: str) -> None:
    output = cli.ok("opportunity", "win", opened, "--value", "980000", "--note", "3 years")

    won = cli.recorded("C-00001", OpportunityWon)
    assert output == "Opportunity won: C-00001/OP1 (Capital Airport Group), version 3.\n"
    assert won.value == "980000"


def test_a_won_opportunity_cannot_be_lost(cli: LedgerCli, opened: str) -> None:
    cli.ok("opportunity", "win", opened)
    written = cli.events_recorded()

    result = cli.run("opportunity", "lose", opened, "--reason", "Changed their mind")

    assert_refused(result, "C-00001/OP1 is won: open a new opportunity instead")
    assert cli.events_recorded() == written


def test_a_negative_value_won_is_a_usage_error(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "win", opened, "--value", "-5")

    assert_usage_error(
        result,
        "--value: '-5' is not an amount: write digits with up to two decimals and no "
        "thousands separator, e.g. 1250.00",
        "opportunity win",
    )
    assert cli.events_recorded() == written


def test_losing_a_lead_closes_it(cli: LedgerCli, customer: str) -> None:
    cli.ok("opportunity", "lead", customer, "--title", "Cargo terminal expansion")

    output = cli.ok("opportunity", "lose", "C-00001/OP1", "--reason", "Budget cut")

    assert output == "Opportunity lost: C-00001/OP1 (Capital Airport Group), version 3.\n"


def test_losing_needs_a_reason(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "lose", opened)

    assert_usage_error(result, "Missing option '--reason'.", "opportunity lose")
    assert cli.events_recorded() == written


def test_a_lead_at_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "lead", "C-00003", "--title", "Expansion")

    assert_refused(result, no_customer("C-00003"))
    assert cli.events_recorded() == written


def test_an_opportunity_is_named_by_an_opportunity_id(cli: LedgerCli, opened: str) -> None:
    written = cli.events_recorded()

    result = cli.run("opportunity", "win", "C-00001/CM1")

    assert_usage_error(
        result, "'CM1' names a commitment, not an opportunity: opportunity ids start with OP"
    )
    assert cli.events_recorded() == written
