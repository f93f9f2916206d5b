"""`ledger person add|update|assess|left`."""

from __future__ import annotations

import pytest

from ledger.domain.events import KeyPersonAdded, KeyPersonRelationshipAssessed, KeyPersonUpdated
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


@pytest.fixture
def person(cli: LedgerCli, customer: str) -> str:
    """Wang Fang, the customer's CFO and decision maker: C-00001/P1."""
    cli.ok(
        "person", "add", customer, "--name", "Wang Fang", "--role", "decision_maker",
        "--title", "CFO",
    )  # fmt: skip
    return "C-00001/P1"


def test_adding_a_key_person_prints_their_id(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(
        "person", "add", customer, "--name", "Wang Fang", "--role", "gatekeeper",
        "--title", "Head of procurement", "--mobile", "+86 138 0000 1234",
        "--office-phone", "+86 10 1234 5678", "--email", "wang.fang@example.cn",
        "--notes", "Likes table tennis", "--status", "neutral", "--counterpart", "zhang.min",
    )  # fmt: skip

    added = cli.recorded(customer, KeyPersonAdded)
    assert output == "Key person added: C-00001/P1 (Capital Airport Group), version 2.\n"
    assert (added.decision_role, added.relationship_status) == ("gatekeeper", "neutral")
    # The details are recorded sealed with the person's key, never in plain text.
    assert set(added.personal or {}) == {"key", "nonce", "sealed"}
    assert "table tennis" not in str(added.personal)


def test_a_key_person_with_an_unknown_role_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "add", customer, "--name", "Wang Fang", "--role", "boss")

    assert_usage_error(
        result,
        "Invalid value for '--role': 'boss' is not one of 'decision_maker', 'advisor', 'user', "
        "'gatekeeper', 'coach'.",
        "person add",
    )
    assert cli.events_recorded() == written


def test_a_key_person_needs_a_name(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "add", customer, "--name", "", "--role", "user")

    assert_usage_error(result, "--name must not be empty", "person add")
    assert cli.events_recorded() == written


def test_adding_a_person_to_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "add", "C-00002", "--name", "Wang Fang", "--role", "user")

    assert_refused(result, no_customer("C-00002"))
    assert cli.events_recorded() == written


def test_updating_a_key_person_records_only_what_changed(cli: LedgerCli, person: str) -> None:
    output = cli.ok("person", "update", person, "--title", "CEO", "--role", "coach")

    updated = cli.recorded("C-00001", KeyPersonUpdated)
    assert output == "Key person updated: C-00001/P1 (Capital Airport Group), version 3.\n"
    assert updated.changes == {"title": "CEO", "decision_role": "coach"}


def test_an_update_to_the_values_a_person_already_has_is_refused(
    cli: LedgerCli, person: str
) -> None:
    cli.ok("person", "update", person, "--counterpart", "zhang.min")
    written = cli.events_recorded()

    again = cli.run("person", "update", person, "--counterpart", "zhang.min", "--title", "CFO")

    assert_refused(again, "nothing to change: C-00001/P1 Wang Fang already has those values")
    assert cli.events_recorded() == written


def test_an_update_records_only_the_fields_that_change(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "update", person, "--title", "CFO", "--role", "coach")

    assert cli.recorded("C-00001", KeyPersonUpdated).changes == {"decision_role": "coach"}


def test_an_update_without_any_field_is_a_usage_error(cli: LedgerCli, person: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "update", person)

    assert_usage_error(
        result,
        "nothing to update: give at least one of --name, --role, --title, --counterpart or a "
        "personal detail (--birth-date, --birthplace, --native-place, --education, --school, "
        "--family, --hobbies, --journals, --associations, --work-history, --mobile, "
        "--office-phone, --home-phone, --notes, --email) (to record how the relationship "
        "stands, use `ledger person assess`)",
        "person update",
    )
    assert cli.events_recorded() == written


def test_updating_a_person_the_customer_does_not_have_is_refused(
    cli: LedgerCli, person: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "update", "C-00001/P2", "--title", "CEO")

    assert_refused(result, "C-00001 has no key person P2")
    assert cli.events_recorded() == written


def test_assessing_the_relationship_records_the_new_status(cli: LedgerCli, person: str) -> None:
    output = cli.ok("person", "assess", person, "--status", "positive", "--note", "warm dinner")

    assessed = cli.recorded("C-00001", KeyPersonRelationshipAssessed)
    assert output == "Relationship assessed: C-00001/P1 (Capital Airport Group), version 3.\n"
    assert assessed.relationship_status == "positive"


def test_an_unknown_relationship_status_is_a_usage_error(cli: LedgerCli, person: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "assess", person, "--status", "friendly")

    assert_usage_error(
        result,
        "Invalid value for '--status': 'friendly' is not one of 'positive', 'neutral', "
        "'negative', 'not_established'.",
        "person assess",
    )
    assert cli.events_recorded() == written


def test_a_key_person_who_left_is_recorded_as_gone(cli: LedgerCli, person: str) -> None:
    output = cli.ok("person", "left", person, "--reason", "joined a competitor")

    assert output == "Key person left: C-00001/P1 (Capital Airport Group), version 3.\n"


def test_a_person_who_left_cannot_be_assessed(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "left", person)
    written = cli.events_recorded()

    result = cli.run("person", "assess", person, "--status", "negative")

    assert_refused(result, "C-00001/P1 Wang Fang has left")
    assert cli.events_recorded() == written


def test_a_person_is_named_by_a_person_id(cli: LedgerCli, person: str) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "left", "C-00001/V1")

    assert_usage_error(result, "'V1' names a visit, not a person: person ids start with P")
    assert cli.events_recorded() == written
