"""`ledger correct`: a correcting event beside the original, never an edit."""

from __future__ import annotations

import json

import pytest

from ledger.domain.events import ContactLogged, CorrectionRecorded
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


@pytest.fixture
def contact(cli: LedgerCli, customer: str) -> int:
    """A phone call logged with a typo in its summary, at version 2."""
    cli.ok(
        "contact", "log", customer, "--channel", "phone", "--direction", "outbound",
        "--summary", "Agreed the Mya price",
    )  # fmt: skip
    return 2


def test_a_correction_is_recorded_and_the_original_stays(cli: LedgerCli, contact: int) -> None:
    output = cli.ok(
        "correct", "C-00001", "--version", str(contact), "--set", "summary=Agreed the May price",
        "--set", "channel=meeting", "--reason", "Typo; it was a meeting",
    )  # fmt: skip

    original = cli.recorded("C-00001", ContactLogged, version=contact)
    correction = cli.recorded("C-00001", CorrectionRecorded)
    assert output == "Correction recorded: C-00001 (Capital Airport Group), version 3.\n"
    assert original.summary == "Agreed the Mya price"
    assert correction.changes == {"summary": "Agreed the May price", "channel": "meeting"}


def test_correcting_a_version_the_customer_does_not_have_is_refused(
    cli: LedgerCli, contact: int
) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00001", "--version", "9", "--set", "summary=x", "--reason", "y")

    assert_refused(result, "this customer has no version 9: `ledger history` lists versions")
    assert cli.events_recorded() == written


def test_a_field_the_event_does_not_have_is_a_usage_error(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00001", "--version", "2", "--set", "mood=good", "--reason", "y")

    assert cli.events_recorded() == written
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: ContactLogged has no correctable field 'mood': choose from occurred_at, "
    )


def test_a_value_outside_the_vocabulary_is_a_usage_error(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "correct", "C-00001", "--version", "2", "--set", "channel=pigeon", "--reason", "y"
    )

    assert_usage_error(
        result,
        "channel must be one of phone, email, letter, fax, meeting, web, message, other, "
        "not 'pigeon'",
    )
    assert cli.events_recorded() == written


def test_a_malformed_setting_is_a_usage_error(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00001", "--version", "2", "--set", "summary", "--reason", "y")

    assert_usage_error(result, "--set takes KEY=VALUE, not 'summary'", "correct")
    assert cli.events_recorded() == written


def test_a_correction_must_set_something(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00001", "--version", "2", "--reason", "y")

    assert_usage_error(result, "Missing option '--set'.", "correct")
    assert cli.events_recorded() == written


def test_version_zero_is_a_usage_error(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00001", "--version", "0", "--set", "summary=x", "--reason", "y")

    assert_usage_error(
        result, "Invalid value for '--version': 0 is not in the range 1<=x<=2147483647.", "correct"
    )
    assert cli.events_recorded() == written


def test_correcting_an_unknown_customer_is_refused(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run("correct", "C-00004", "--version", "1", "--set", "name=x", "--reason", "y")

    assert_refused(result, no_customer("C-00004"))
    assert cli.events_recorded() == written


def test_correcting_the_registered_segment_is_refused_naming_the_command_to_use(
    cli: LedgerCli, contact: int
) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "correct", "C-00001", "--version", "1", "--set", "segment=technology",
        "--reason", "wrong unit",
    )  # fmt: skip

    assert_refused(
        result,
        "CustomerRegistered cannot be corrected: a registration sets the customer's segment, "
        "owner and stage: change those with `ledger customer segment|tier|stage|update` or "
        "`ledger owner assign`",
    )
    assert cli.events_recorded() == written


def test_a_key_persons_counterpart_is_changed_by_person_update_not_corrected(
    cli: LedgerCli, customer: str
) -> None:
    cli.ok("person", "add", customer, "--name", "Zhang Wei", "--role", "decision_maker")
    written = cli.events_recorded()

    result = cli.run(
        "correct", customer, "--version", "2", "--set", "name=Zhang Wen", "--reason", "typo"
    )

    assert_refused(
        result, "name of KeyPersonAdded cannot be corrected: change it with `ledger person update`"
    )
    assert cli.events_recorded() == written


def test_who_recorded_an_event_is_never_corrected(cli: LedgerCli, contact: int) -> None:
    written = cli.events_recorded()

    result = cli.run(
        "correct", "C-00001", "--version", "2", "--set", "actor=he.ping", "--reason", "y"
    )

    assert cli.events_recorded() == written
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ContactLogged has no correctable field 'actor'")


def test_every_view_shows_the_corrected_channel_of_a_contact(cli: LedgerCli, contact: int) -> None:
    cli.ok(
        "correct", "C-00001", "--version", str(contact), "--set", "channel=meeting",
        "--reason", "It was a meeting",
    )  # fmt: skip

    shown = json.loads(cli.ok("customer", "show", "C-00001", "--format", "json"))

    assert list(shown["last_contact"]) == ["meeting"]
