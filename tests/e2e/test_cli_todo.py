"""`ledger todo`: the caller's work list, most urgent first, as a table, json or csv;
who may ask for whose."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error

AS_OF = ("--as-of", "2026-04-06T12:00")


@pytest.fixture
def work(cli: LedgerCli, customer: str) -> str:
    """li.wei promised C-00001 something due 20 March, and plans a visit on 8 April."""
    cli.ok(
        "commitment", "make", customer, "--description", "Send the drawings",
        "--due", "2026-03-20", "--at", "2026-03-02T09:00",
    )  # fmt: skip
    cli.ok(
        "visit", "plan", customer, "--for", "2026-04-08T10:00", "--purpose", "maintenance",
        "--kind", "relationship_building", "--at", "2026-04-06T09:00",
    )  # fmt: skip
    cli.ok_as(
        "ops", "staff", "add", "wu.lan", "--name", "Wu Lan", "--role", "staff",
        "--segment", "airport",
    )  # fmt: skip
    return customer


def test_the_list_is_one_line_per_item_late_first(cli: LedgerCli, work: str) -> None:
    output = cli.ok("todo", *AS_OF, "--format", "table")

    lines = output.splitlines()
    assert lines[0] == "Work list of li.wei as of 2026-04-06 12:00"
    assert [line.split()[:6] for line in lines[3:]] == [
        ["2026-03-21", "00:00", "16d", "12h", "late", "breached"],
        ["2026-04-08", "10:00", "1d", "22h", "left", "due"],
    ]
    assert "Send the drawings" in lines[3] and "C-00001" in lines[3] and "CM1" in lines[3]
    assert "visit" in lines[4] and "V1" in lines[4]


def test_json_carries_every_field_of_each_item(cli: LedgerCli, work: str) -> None:
    rows = json.loads(cli.ok("todo", *AS_OF, "--format", "json"))

    assert rows[0] == {
        "due": "2026-03-21T00:00:00+00:00",
        "state": "breached",
        "when": "16d 12h late",
        "kind": "commitment",
        "customer": "C-00001",
        "name": "Capital Airport Group",
        "segment": "airport",
        "item": "CM1",
        "text": "Send the drawings",
        "owed_by": "li.wei",
    }
    assert [row["kind"] for row in rows] == ["commitment", "visit"]


def test_csv_has_a_header_and_a_row_per_item(cli: LedgerCli, work: str) -> None:
    rows = list(csv.reader(io.StringIO(cli.ok("todo", *AS_OF, "--format", "csv"))))

    assert rows[0] == [
        "due", "when", "state", "customer", "name", "kind", "item", "text", "owed_by", "segment",
    ]  # fmt: skip
    assert rows[2] == [
        "2026-04-08T10:00:00+00:00", "1d 22h left", "due", "C-00001", "Capital Airport Group",
        "visit", "V1", "maintenance", "li.wei", "airport",
    ]  # fmt: skip


def test_within_reaches_commitments_further_ahead(cli: LedgerCli, work: str) -> None:
    cli.ok(
        "commitment", "make", work, "--description", "Quarterly review",
        "--due", "2026-05-01", "--at", "2026-03-02T09:00",
    )  # fmt: skip

    default = json.loads(cli.ok("todo", *AS_OF, "--format", "json"))
    further = json.loads(cli.ok("todo", *AS_OF, "--within", "30", "--format", "json"))

    assert [row["item"] for row in default] == ["CM1", "V1"]
    assert [row["item"] for row in further] == ["CM1", "V1", "CM2"]


def test_nothing_owed_says_so(cli: LedgerCli, work: str) -> None:
    output = cli.ok_as("wu.lan", "todo", *AS_OF, "--format", "table")

    assert output == "Nothing owed.\n"


def test_staff_may_not_ask_for_anyone_elses_list(cli: LedgerCli, work: str) -> None:
    result = cli.run("todo", "--owner", "li.wei", actor="wu.lan")

    assert_refused(result, "wu.lan is staff: a member of staff sees only their own work list")


def test_an_unknown_member_of_staff_is_one_line(cli: LedgerCli, work: str) -> None:
    result = cli.run("todo", "--owner", "no.body")

    assert_refused(result, "no staff member 'no.body': `ledger staff list` shows who there is")


def test_a_negative_window_is_a_usage_error(cli: LedgerCli, work: str) -> None:
    result = cli.run("todo", "--within", "-1")

    assert_usage_error(result, "--within is a number of days, 0 or more, not -1", "todo")
