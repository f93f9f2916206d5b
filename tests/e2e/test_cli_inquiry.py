"""`ledger inquiry receive|answer`."""

from __future__ import annotations

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer


def test_receiving_an_inquiry_prints_its_id(cli: LedgerCli, customer: str) -> None:
    output = cli.ok(
        "inquiry", "receive", customer, "--channel", "phone", "--title", "Parking rates",
        "--question", "What does a month of staff parking cost?",
    )  # fmt: skip

    assert output == "Inquiry received: C-00001/IQ1 (Capital Airport Group), version 2.\n"


def test_an_inquiry_by_an_unknown_channel_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("inquiry", "receive", customer, "--channel", "pigeon", "--title", "Rates")

    assert_usage_error(
        result,
        "Invalid value for '--channel': 'pigeon' is not one of 'phone', 'email', 'letter', "
        "'fax', 'meeting', 'web', 'message', 'other'.",
        "inquiry receive",
    )
    assert cli.events_recorded() == written


def test_an_inquiry_needs_a_title(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("inquiry", "receive", customer, "--channel", "phone", "--title", "  ")

    assert_usage_error(result, "--title must not be empty", "inquiry receive")
    assert cli.events_recorded() == written


def test_an_inquiry_from_an_unknown_customer_is_refused(cli: LedgerCli, customer: str) -> None:
    written = cli.events_recorded()

    result = cli.run("inquiry", "receive", "C-00042", "--channel", "phone", "--title", "Rates")

    assert_refused(result, no_customer("C-00042"))
    assert cli.events_recorded() == written


def test_answering_an_inquiry_answers_with_its_id(cli: LedgerCli, customer: str) -> None:
    cli.ok("inquiry", "receive", customer, "--channel", "phone", "--title", "Parking rates")

    output = cli.ok("inquiry", "answer", "C-00001/IQ1", "--answer", "300 CNY a month")

    assert output == "Inquiry answered: C-00001/IQ1 (Capital Airport Group), version 3.\n"


def test_an_answered_inquiry_cannot_be_answered_again(cli: LedgerCli, customer: str) -> None:
    cli.ok("inquiry", "receive", customer, "--channel", "phone", "--title", "Parking rates")
    cli.ok("inquiry", "answer", "C-00001/IQ1", "--answer", "300 CNY a month")
    written = cli.events_recorded()

    result = cli.run("inquiry", "answer", "C-00001/IQ1", "--answer", "350 CNY a month")

    assert_refused(
        result,
        "C-00001/IQ1 is answered: an answered inquiry stays answered; receive a new inquiry "
        "instead",
    )
    assert cli.events_recorded() == written


def test_an_empty_answer_is_a_usage_error(cli: LedgerCli, customer: str) -> None:
    cli.ok("inquiry", "receive", customer, "--channel", "phone", "--title", "Parking rates")
    written = cli.events_recorded()

    result = cli.run("inquiry", "answer", "C-00001/IQ1", "--answer", "")

    assert_usage_error(result, "--answer must not be empty", "inquiry answer")
    assert cli.events_recorded() == written


def test_answering_an_inquiry_the_customer_does_not_have_is_refused(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("inquiry", "answer", "C-00001/IQ4", "--answer", "300 CNY a month")

    assert_refused(result, "C-00001 has no inquiry IQ4")
    assert cli.events_recorded() == written


def test_answering_a_complaint_as_an_inquiry_is_a_usage_error(
    cli: LedgerCli, customer: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("inquiry", "answer", "C-00001/CP1", "--answer", "Sorry")

    assert_usage_error(result, "'CP1' names a complaint, not an inquiry: inquiry ids start with IQ")
    assert cli.events_recorded() == written


def test_repeating_a_command_with_its_command_id_records_it_once(
    cli: LedgerCli, customer: str
) -> None:
    receive = ("inquiry", "receive", customer, "--channel", "web", "--title", "Lounge access")
    cli.ok(*receive, "--command-id", "web-form-881")
    written = cli.events_recorded()

    again = cli.ok(*receive, "--command-id", "web-form-881")

    assert again == (
        "Already recorded: C-00001/IQ1 (Capital Airport Group), version 2; "
        "nothing new was written.\n"
    )
    assert cli.events_recorded() == written
