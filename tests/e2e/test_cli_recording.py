"""What every recording command shares: who acts, when it happened, retries, and
machine-readable receipts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ledger.domain.events import CommitmentMade, SatisfactionRecorded
from tests.e2e.conftest import (
    CUSTOMER_NAME,
    NO_ACTOR,
    LedgerCli,
    assert_refused,
    assert_usage_error,
)


def score(customer: str) -> tuple[str, ...]:
    return ("satisfaction", "record", customer, "--score", "3", "--source", "survey")


def test_recording_without_an_acting_staff_member_is_a_usage_error(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "ledger.sqlite3"), staffed=False)

    result = cli.run("customer", "register", CUSTOMER_NAME, "--segment", "airport", actor=None)

    assert_usage_error(result, NO_ACTOR, "customer register")
    assert not Path(cli.db).exists()


def test_a_command_without_an_actor_on_an_existing_customer_writes_nothing(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "satisfaction", "record", customer, "--score", "5", "--source", "survey", actor=None
    )

    assert_usage_error(result, NO_ACTOR, "satisfaction record")
    assert cli.events_recorded() == written


def test_the_acting_staff_member_can_come_from_the_environment(cli: LedgerCli) -> None:
    result = cli.run(
        "customer",
        "register",
        CUSTOMER_NAME,
        "--segment",
        "airport",
        actor=None,
        env={"LEDGER_ACTOR": "zhang.min"},
    )

    assert result.exit_code == 0
    assert cli.events_of("C-00001")[0].actor == "zhang.min"


def test_an_event_can_be_back_dated(cli: LedgerCli, customer: str) -> None:
    cli.ok(*score(customer), "--at", "2026-01-05T09:30")

    recorded = cli.recorded(customer, SatisfactionRecorded)

    assert recorded.occurred_at == datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_an_event_in_the_future_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(*score(customer), "--at", "2999-01-01")

    assert_refused(
        result,
        "--at 2999-01-01 00:00 UTC is in the future: record what has happened, with a time "
        "up to now",
    )
    assert cli.events_recorded() == written


def test_a_time_that_is_no_time_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run(*score(customer), "--at", "yesterday")

    assert_usage_error(
        result,
        "--at 'yesterday' is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM "
        "(optionally with a UTC offset)",
    )
    assert cli.events_recorded() == written


def test_correlation_and_causation_ids_are_kept(cli: LedgerCli, customer: str) -> None:
    ids = ("--correlation-id", "review-q2", "--causation-id", "meeting-17")
    cli.ok("commitment", "make", customer, "--description", "Send the audit", *ids)

    made = cli.recorded(customer, CommitmentMade)

    assert (made.correlation_id, made.causation_id) == ("review-q2", "meeting-17")


def test_a_retried_command_id_answers_already_recorded_and_writes_nothing(
    cli: LedgerCli, customer: str
) -> None:
    make = ("commitment", "make", customer, "--description", "Send the audit")
    cli.ok(*make, "--command-id", "script-run-7")
    written = cli.events_recorded()

    again = cli.ok(*make, "--command-id", "script-run-7")

    assert again == (
        "Already recorded: C-00001/CM1 (Capital Airport Group), version 2; "
        "nothing new was written.\n"
    )
    assert cli.events_recorded() == written


def test_a_receipt_can_be_read_by_machines(cli: LedgerCli, customer: str) -> None:
    result = cli.run(
        "--format", "json", "inquiry", "receive", customer, "--channel", "web", "--title", "Fees"
    )

    assert json.loads(result.stdout) == {
        "ref": "C-00001/IQ1",
        "customer": "C-00001",
        "name": CUSTOMER_NAME,
        "version": 2,
        "replayed": False,
    }
