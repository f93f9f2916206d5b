"""`ledger escalate` and `ledger escalation resolve`."""

from __future__ import annotations

import json

import pytest

from ledger.domain.events import EscalationRaised, EscalationResolved
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


@pytest.fixture
def complaint(cli: LedgerCli, customer: str) -> str:
    """An open complaint about baggage handling: C-00001/CP1."""
    cli.ok(
        "complaint", "file", customer, "--category", "service", "--channel", "phone",
        "--description", "Bags left on the apron in the rain",
    )  # fmt: skip
    return "C-00001/CP1"


def test_escalating_a_complaint_prints_the_escalation_id(cli: LedgerCli, complaint: str) -> None:
    output = cli.ok(
        "escalate", complaint, "--level", "2", "--to", "Head of ground handling",
        "--reason", "No answer for two days",
    )  # fmt: skip

    raised = cli.recorded("C-00001", EscalationRaised)
    assert output == "Escalation raised: C-00001/ES1 (Capital Airport Group), version 3.\n"
    assert (raised.concerning, raised.level) == ("CP1", 2)


def test_an_inquiry_escalates_too(cli: LedgerCli, customer: str) -> None:
    cli.ok("inquiry", "receive", customer, "--channel", "email", "--title", "Slot times")

    output = cli.ok(
        "escalate", "C-00001/IQ1", "--level", "1", "--to", "Supervisor", "--reason", "x"
    )

    assert output == "Escalation raised: C-00001/ES1 (Capital Airport Group), version 3.\n"


def test_only_inquiries_and_complaints_escalate(cli: LedgerCli, complaint: str) -> None:
    written = cli.events_recorded()

    result = cli.run("escalate", "C-00001/OP1", "--level", "1", "--to", "Boss", "--reason", "x")

    assert_usage_error(
        result,
        "'C-00001/OP1' is not an inquiry or complaint: only those escalate; name one such as "
        "C-00042/CP3 or C-00042/IQ1",
        "escalate",
    )
    assert cli.events_recorded() == written


def test_there_is_no_fourth_escalation_level(cli: LedgerCli, complaint: str) -> None:
    written = cli.events_recorded()

    result = cli.run("escalate", complaint, "--level", "4", "--to", "Board", "--reason", "x")

    assert_usage_error(
        result, "Invalid value for '--level': '4' is not one of '1', '2', '3'.", "escalate"
    )
    assert cli.events_recorded() == written


def test_escalating_again_must_go_higher(cli: LedgerCli, complaint: str) -> None:
    cli.ok("escalate", complaint, "--level", "2", "--to", "Head of handling", "--reason", "x")
    written = cli.events_recorded()

    result = cli.run("escalate", complaint, "--level", "1", "--to", "Supervisor", "--reason", "y")

    assert_refused(
        result,
        "C-00001/CP1 is already escalated to level 2: escalate to level 3 or higher",
    )
    assert cli.events_recorded() == written


def test_a_resolved_complaint_cannot_be_escalated(cli: LedgerCli, complaint: str) -> None:
    cli.ok("complaint", "resolve", complaint, "--resolution", "Bags dried and delivered")
    written = cli.events_recorded()

    result = cli.run("escalate", complaint, "--level", "1", "--to", "Supervisor", "--reason", "x")

    assert_refused(result, "C-00001/CP1 is resolved: reopen it first (`ledger complaint reopen`)")
    assert cli.events_recorded() == written


def test_escalating_at_an_unknown_customer_is_refused(cli: LedgerCli, complaint: str) -> None:
    written = cli.events_recorded()

    result = cli.run("escalate", "C-00005/CP1", "--level", "1", "--to", "Boss", "--reason", "x")

    assert_refused(result, no_customer("C-00005"))
    assert cli.events_recorded() == written


def test_resolving_an_escalation_answers_with_its_id(cli: LedgerCli, complaint: str) -> None:
    cli.ok("escalate", complaint, "--level", "3", "--to", "Head office", "--reason", "x")

    output = cli.ok("escalation", "resolve", "C-00001/ES1", "--resolution", "Handler replaced")

    assert output == "Escalation resolved: C-00001/ES1 (Capital Airport Group), version 4.\n"


def test_a_resolved_escalation_cannot_be_resolved_again(cli: LedgerCli, complaint: str) -> None:
    cli.ok("escalate", complaint, "--level", "3", "--to", "Head office", "--reason", "x")
    cli.ok("escalation", "resolve", "C-00001/ES1", "--resolution", "Handler replaced")
    written = cli.events_recorded()

    result = cli.run("escalation", "resolve", "C-00001/ES1", "--resolution", "Again")

    assert_refused(result, "C-00001/ES1 is resolved: open a new escalation instead")
    assert cli.events_recorded() == written


def test_an_escalation_needs_a_resolution_text(cli: LedgerCli, complaint: str) -> None:
    cli.ok("escalate", complaint, "--level", "3", "--to", "Head office", "--reason", "x")
    written = cli.events_recorded()

    result = cli.run("escalation", "resolve", "C-00001/ES1", "--resolution", "")

    assert_usage_error(result, "--resolution must not be empty", "escalation resolve")
    assert cli.events_recorded() == written


def test_resolving_a_complaint_closes_its_open_escalations_in_every_view(
    cli: LedgerCli, complaint: str
) -> None:
    cli.ok("escalate", complaint, "--level", "1", "--to", "Supervisor", "--reason", "Slow")
    cli.ok("escalate", complaint, "--level", "2", "--to", "Head", "--reason", "Slower")

    output = cli.ok("complaint", "resolve", complaint, "--resolution", "Bags dried and returned")

    shown = json.loads(cli.ok("customer", "show", "C-00001", "--format", "json"))
    closed = [e for e in cli.events_of("C-00001") if isinstance(e, EscalationResolved)]
    assert output == "Complaint resolved: C-00001/CP1 (Capital Airport Group), version 5.\n"
    assert [(e.case_id, e.resolution) for e in closed] == [
        ("ES1", "closed: the complaint was resolved"),
        ("ES2", "closed: the complaint was resolved"),
    ]
    assert [c["status"] for c in shown["cases"].values() if c["kind"] == "escalation"] == [
        "resolved",
        "resolved",
    ]


def test_answering_an_inquiry_closes_its_escalation(cli: LedgerCli, customer: str) -> None:
    cli.ok("inquiry", "receive", customer, "--channel", "email", "--title", "Slot times")
    cli.ok("escalate", "C-00001/IQ1", "--level", "1", "--to", "Supervisor", "--reason", "x")

    cli.ok("inquiry", "answer", "C-00001/IQ1", "--answer", "Slots open at six")

    result = cli.run("escalation", "resolve", "C-00001/ES1", "--resolution", "done")
    assert_refused(result, "C-00001/ES1 is resolved: open a new escalation instead")


def test_a_repeated_resolution_names_the_same_version_as_the_first(
    cli: LedgerCli, complaint: str
) -> None:
    cli.ok("escalate", complaint, "--level", "1", "--to", "Supervisor", "--reason", "Slow")
    args = ("complaint", "resolve", complaint, "--resolution", "Dried", "--command-id", "r-1")

    first = cli.ok(*args)
    again = cli.ok(*args)

    assert first == "Complaint resolved: C-00001/CP1 (Capital Airport Group), version 4.\n"
    assert again.startswith("Already recorded: C-00001/CP1 (Capital Airport Group), version 4;")
