"""`ledger satisfaction record`."""

from __future__ import annotations

from ledger.domain.events import SatisfactionRecorded
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


def test_a_satisfaction_score_is_recorded(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(
        "satisfaction", "record", customer, "--score", "4", "--source", "spot_check",
        "--note", "Happy with the new gates",
    )  # fmt: skip

    recorded = cli.recorded(customer, SatisfactionRecorded)
    assert output == "Satisfaction recorded: C-00001 (Capital Airport Group), version 2.\n"
    assert (recorded.score, recorded.source) == (4, "spot_check")


def test_a_score_above_five_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("satisfaction", "record", customer, "--score", "6", "--source", "survey")

    assert_usage_error(
        result,
        "Invalid value for '--score': 6 is not in the range 1<=x<=5.",
        "satisfaction record",
    )
    assert cli.events_recorded() == written


def test_an_unknown_source_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("satisfaction", "record", customer, "--score", "3", "--source", "rumour")

    assert_usage_error(
        result,
        "Invalid value for '--source': 'rumour' is not one of 'survey', 'spot_check'.",
        "satisfaction record",
    )
    assert cli.events_recorded() == written


def test_a_score_for_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("satisfaction", "record", "C-00009", "--score", "3", "--source", "survey")

    assert_refused(result, no_customer("C-00009"))
    assert cli.events_recorded() == written
