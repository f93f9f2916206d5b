"""`ledger person plan`: a key person's counterpart, contact frequency and next date."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from ledger.domain.events import ContactPlanSet
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error


@pytest.fixture
def person(cli: LedgerCli, customer: str) -> str:
    cli.ok("person", "add", customer, "--name", "Wang Fang", "--role", "decision_maker")
    return "C-00001/P1"


def test_a_plan_records_counterpart_frequency_and_date(cli: LedgerCli, person: str) -> None:
    soon = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    output = cli.ok(
        "person", "plan", person, "--counterpart", "zhang.min", "--every", "2w",
        "--next", soon,
    )  # fmt: skip

    planned = cli.recorded("C-00001", ContactPlanSet)
    assert output == "Contact plan set: C-00001/P1 (Capital Airport Group), version 3.\n"
    assert (planned.person_id, planned.counterpart, planned.every_days, planned.next_contact) == (
        "P1",
        "zhang.min",
        14,
        soon,
    )


def test_a_next_contact_before_the_day_of_the_plan_is_refused(cli: LedgerCli, person: str) -> None:
    written = cli.events_recorded()
    today = datetime.now(UTC).date()
    past = (today - timedelta(days=10)).isoformat()

    result = cli.run(
        "person", "plan", person, "--counterpart", "zhang.min", "--every", "2w", "--next", past
    )

    assert_refused(
        result,
        f"C-00001/P1: the next contact {past} is before the day the plan is made "
        f"({today.isoformat()}): give --next today or later",
    )
    assert cli.events_recorded() == written


def test_what_is_not_given_stays_as_planned(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "plan", person, "--counterpart", "zhang.min", "--every", "30d")

    cli.ok("person", "plan", person, "--every", "60d")

    planned = cli.recorded("C-00001", ContactPlanSet)
    assert (planned.counterpart, planned.every_days, planned.next_contact) == (
        "zhang.min",
        60,
        None,
    )


@pytest.mark.parametrize(
    ("every", "message"),
    [
        ("0d", "--every '0d' is no frequency: contact at least every 1d"),
        ("-5d", "--every '-5d' is not a frequency: give a number of days or weeks, e.g. 30d or 2w"),
        ("monthly", "--every 'monthly' is not a frequency: give a number of days or weeks, "
         "e.g. 30d or 2w"),
        ("100w", "--every '100w' is too long: a contact plan is at most every 365d"),
        ("99999999d", "--every '99999999d' is not a frequency: give a number of days or weeks, "
         "e.g. 30d or 2w"),
    ],
)  # fmt: skip
def test_a_bad_frequency_is_refused_in_one_line(
    cli: LedgerCli, person: str, every: str, message: str
) -> None:
    written = cli.events_recorded()

    result = cli.run("person", "plan", person, "--counterpart", "li.wei", "--every", every)

    assert_usage_error(result, message)
    assert cli.events_recorded() == written


def test_a_bad_next_date_is_refused(cli: LedgerCli, person: str) -> None:
    result = cli.run("person", "plan", person, "--every", "30d", "--counterpart", "li.wei",
                     "--next", "2026-02-30")  # fmt: skip

    assert_usage_error(result, "--next '2026-02-30' is not a date: use YYYY-MM-DD")


def test_a_plan_with_nothing_in_it_is_a_usage_error(cli: LedgerCli, person: str) -> None:
    result = cli.run("person", "plan", person)

    assert_usage_error(
        result, "nothing to plan: give at least one of --counterpart, --every, --next",
        "person plan",
    )  # fmt: skip


def test_an_unknown_person_is_refused(cli: LedgerCli, person: str) -> None:
    result = cli.run("person", "plan", "C-00001/P7", "--counterpart", "li.wei", "--every", "30d")

    assert_refused(result, "C-00001 has no key person P7")


def test_a_person_who_left_is_refused(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "left", person, "--reason", "retired")
    written = cli.events_recorded()

    result = cli.run("person", "plan", person, "--counterpart", "li.wei", "--every", "30d")

    assert_refused(result, "C-00001/P1 Wang Fang has left")
    assert cli.events_recorded() == written


def test_an_unknown_counterpart_is_refused(cli: LedgerCli, person: str) -> None:
    result = cli.run("person", "plan", person, "--counterpart", "nobody.here", "--every", "30d")

    assert_refused(
        result,
        "'nobody.here' is not a staff member: a counterpart must be one "
        "(`ledger staff list` shows them)",
    )


def test_an_inactive_counterpart_is_refused(cli: LedgerCli, person: str) -> None:
    cli.ok_as("ops", "staff", "deactivate", "chen.jie", "--reason", "left the company")
    written = cli.events_recorded()

    result = cli.run("person", "plan", person, "--counterpart", "chen.jie", "--every", "30d")

    assert_refused(result, "chen.jie's account is deactivated: name an active counterpart")
    assert cli.events_recorded() == written


def test_a_plan_needs_a_frequency_and_a_counterpart(cli: LedgerCli, person: str) -> None:
    no_frequency = cli.run("person", "plan", person, "--counterpart", "li.wei")
    no_counterpart = cli.run("person", "plan", person, "--every", "30d")

    assert_refused(
        no_frequency, "C-00001/P1 has no contact plan yet: give --every (e.g. 30d) to start one"
    )
    assert_refused(
        no_counterpart,
        "C-00001/P1 has no counterpart yet: give --counterpart STAFF, who will owe the contacts",
    )


def test_a_plan_that_changes_nothing_is_refused(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "plan", person, "--counterpart", "li.wei", "--every", "30d")

    result = cli.run("person", "plan", person, "--every", "30d")

    assert_refused(
        result,
        "nothing to change: C-00001/P1 is already planned that way "
        "(`ledger customer show` lists the plan)",
    )


def test_a_terminated_relationship_plans_no_contacts(cli: LedgerCli, person: str) -> None:
    cli.ok(
        "relationship", "terminate", "C-00001", "--reason", "Moved to a competitor",
        "--root-cause", "price", "--head-office-ref", "HO-1",
    )  # fmt: skip

    result = cli.run("person", "plan", person, "--counterpart", "li.wei", "--every", "30d")

    assert_refused(
        result,
        "the relationship with C-00001 is terminated: reactivate it (`ledger relationship "
        "reactivate`) before you plan contacts with its people",
    )


def test_show_brief_and_history_tell_the_plan(cli: LedgerCli, person: str) -> None:
    cli.ok("person", "plan", person, "--counterpart", "zhang.min", "--every", "30d",
           "--next", "2026-02-01", "--at", "2026-01-10")  # fmt: skip
    cli.ok("contact", "log", "C-00001", "--channel", "phone", "--direction", "outbound",
           "--person", "P1", "--summary", "Budget call", "--at", "2026-01-20T10:00")  # fmt: skip
    overdue = (datetime.now(UTC).date() - date(2026, 2, 19)).days
    plan_text = f"every 30 days, next contact 2026-02-19, overdue by {overdue} days"

    shown = cli.ok("customer", "show", "C-00001")
    brief = cli.ok("brief", "C-00001", "--format", "json")
    history = cli.ok("history", "C-00001")

    assert f"zhang.min    {plan_text}" in shown
    assert json.loads(brief)["people"][0]["contact_plan"] == {
        "every_days": 30,
        "last_contact": "2026-01-20",
        "next_contact": "2026-02-19",
        "overdue_days": overdue,
        "text": plan_text,
    }
    assert (
        "Contact plan for Wang Fang (P1): our counterpart zhang.min, every 30 days, "
        "next contact 2026-02-01." in history
    )
