"""`ledger todo`: the caller's work list, most urgent first, as a table, json or csv;
who may ask for whose."""

from __future__ import annotations

import csv
import io
import json
import re

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


@pytest.mark.parametrize("days", ["-1", "3000000"])
def test_a_window_out_of_range_is_a_usage_error(cli: LedgerCli, work: str, days: str) -> None:
    result = cli.run("todo", "--within", days)

    assert_usage_error(result, f"--within is a number of days from 0 to 3650, not {days}", "todo")


# ------------------------------------------------------ a list with every kind
LATE_APRIL = ("--as-of", "2026-04-27T12:00")


@pytest.fixture
def every_kind(cli: LedgerCli) -> None:
    """The airport segment on 27 April 2026: he.tao heads it since 1 March (March's
    summaries not submitted); wu.lan has not submitted May's plan, qian.yu has; at
    Capital Airport Group (li.wei's) a late promise, a lead never followed up, a
    complaint, a visit on Wednesday, Ma Jun past his contact date and a problem
    pending since a visit in March; Quiet Cargo has not been contacted since
    January."""
    for staff_id, role in (("he.tao", "segment_head"), ("wu.lan", "staff"), ("qian.yu", "staff")):
        cli.ok_as(
            "ops", "staff", "add", staff_id, "--name", staff_id, "--role", role,
            "--segment", "airport", "--at", "2026-03-01T08:00",
        )  # fmt: skip
    cli.ok(
        "customer", "register", "Capital Airport Group", "--segment", "airport",
        "--owner", "li.wei", "--at", "2026-03-01T09:00",
    )  # fmt: skip
    cli.ok(
        "customer", "register", "Quiet Cargo", "--segment", "airport", "--owner", "li.wei",
        "--at", "2026-01-05T09:00",
    )  # fmt: skip
    cli.ok(
        "customer", "register", "Qian Freight", "--segment", "airport", "--owner", "qian.yu",
        "--at", "2026-03-01T09:00",
    )  # fmt: skip
    capital = "C-00001"
    cli.ok(
        "commitment", "make", capital, "--description", "Send the drawings",
        "--due", "2026-04-20", "--at", "2026-03-02T09:00",
    )  # fmt: skip
    cli.ok("opportunity", "lead", capital, "--title", "Cargo lounge", "--at", "2026-03-11T10:00")
    cli.ok(
        "complaint", "file", capital, "--category", "service", "--description", "Belt stopped",
        "--channel", "phone", "--at", "2026-04-24T10:00",
    )  # fmt: skip
    cli.ok(
        "visit", "plan", capital, "--for", "2026-04-29T10:00", "--purpose", "maintenance",
        "--kind", "relationship_building", "--at", "2026-04-27T09:00",
    )  # fmt: skip
    cli.ok(
        "person", "add", capital, "--name", "Ma Jun", "--role", "advisor",
        "--counterpart", "li.wei", "--at", "2026-03-02T09:00",
    )  # fmt: skip
    cli.ok(
        "person", "plan", f"{capital}/P1", "--every", "30d", "--next", "2026-04-20",
        "--at", "2026-03-02T09:00",
    )  # fmt: skip
    cli.ok(
        "visit", "report", capital, "--purpose", "maintenance", "--kind", "problem_handling",
        "--summary", "Walked the apron", "--outcome", "C", "--pending", "Belt noise at gate 3",
        "--at", "2026-03-10T09:00",
    )  # fmt: skip
    cli.ok_as(
        "qian.yu", "visit", "plan-month", "--month", "2026-05",
        "--visit", "C-00003:maintenance:2026-05-12", "--at", "2026-04-20T09:00",
    )  # fmt: skip


def test_a_segment_list_shows_every_kind_of_work_in_the_one_order(
    cli: LedgerCli, every_kind: None
) -> None:
    output = cli.ok("todo", *LATE_APRIL, "--segment", "airport", "--format", "table")

    # Late first, the latest first; then by least time left; then what has no due
    # time (a problem, a plan to review), the longest open first.
    lines = output.splitlines()
    assert lines[0] == "Work list of segment airport as of 2026-04-27 12:00"
    assert re.split(r"\s{2,}", lines[1]) == [
        "Due", "Late / left", "State", "Customer", "Name", "Kind", "Item", "What", "Owed by",
    ]  # fmt: skip
    # Columns are two spaces apart at least; a customer-less item leaves its blank.
    assert [re.split(r"\s{2,}", line) for line in lines[3:]] == [
        [
            "2026-02-19 00:00",
            "67d 12h late",
            "overdue",
            "C-00002",
            "Quiet Cargo",
            "silence",
            "contact",
            "no contact in the 112 days since registration, past the default 30-day cadence",
            "li.wei",
        ],
        [
            "2026-04-06 00:00",
            "21d 12h late",
            "breached",
            "summary",
            "airport/2026-03/cases",
            "submit the cases summary of airport for 2026-03",
            "he.tao",
        ],
        [
            "2026-04-06 00:00",
            "21d 12h late",
            "breached",
            "summary",
            "airport/2026-03/visits",
            "submit the visits summary of airport for 2026-03",
            "he.tao",
        ],
        [
            "2026-04-10 10:00",
            "17d 2h late",
            "breached",
            "C-00001",
            "Capital Airport Group",
            "follow-up",
            "OP1",
            "Cargo lounge",
            "li.wei",
        ],
        [
            "2026-04-15 00:00",
            "12d 12h late",
            "overdue",
            "C-00003",
            "Qian Freight",
            "silence",
            "contact",
            "no contact in the 57 days since registration, past the default 30-day cadence",
            "qian.yu",
        ],
        [
            "2026-04-21 00:00",
            "6d 12h late",
            "breached",
            "C-00001",
            "Capital Airport Group",
            "commitment",
            "CM1",
            "Send the drawings",
            "li.wei",
        ],
        [
            "2026-04-21 00:00",
            "6d 12h late",
            "overdue",
            "C-00001",
            "Capital Airport Group",
            "contact",
            "P1",
            "contact Ma Jun (advisor), every 30d",
            "li.wei",
        ],
        [
            "2026-04-24 00:00",
            "3d 12h late",
            "overdue",
            "C-00001",
            "Capital Airport Group",
            "silence",
            "contact",
            "no contact for 48 days, past the default 30-day cadence",
            "li.wei",
        ],
        [
            "2026-04-24 15:00",
            "6h late",
            "breached",
            "C-00001",
            "Capital Airport Group",
            "complaint",
            "CP1",
            "complaint CP1: resolution",
            "li.wei",
        ],
        [
            "2026-04-29 10:00",
            "1d 22h left",
            "due",
            "C-00001",
            "Capital Airport Group",
            "visit",
            "V1",
            "maintenance",
            "li.wei",
        ],
        [
            "2026-05-01 00:00",
            "3d 12h left",
            "due",
            "visit plan",
            "wu.lan/2026-05",
            "submit the visit plan for 2026-05",
            "wu.lan",
        ],
        [
            "-",
            "open 48d 3h",
            "due",
            "C-00001",
            "Capital Airport Group",
            "problem",
            "PB1",
            "Belt noise at gate 3",
            "li.wei",
        ],
        [
            "-",
            "open 7d 3h",
            "due",
            "plan review",
            "qian.yu/2026-05",
            "approve or return the visit plan qian.yu/2026-05 (1 visit)",
            "he.tao",
        ],
    ]


def test_json_and_csv_carry_the_kind_of_each_item(cli: LedgerCli, every_kind: None) -> None:
    rows = json.loads(cli.ok("todo", *LATE_APRIL, "--segment", "airport", "--format", "json"))
    table = list(csv.DictReader(io.StringIO(
        cli.ok("todo", *LATE_APRIL, "--segment", "airport", "--format", "csv")
    )))  # fmt: skip

    kinds = [
        "silence", "summary", "summary", "follow-up", "silence", "commitment", "contact",
        "silence", "complaint", "visit", "visit plan", "problem", "plan review",
    ]  # fmt: skip
    assert [row["kind"] for row in rows] == kinds
    assert [row["kind"] for row in table] == kinds
    problem = rows[-2]
    assert (problem["due"], problem["when"], problem["item"], problem["owed_by"]) == (
        None, "open 48d 3h", "PB1", "li.wei",
    )  # fmt: skip
    assert table[-1]["due"] == ""
