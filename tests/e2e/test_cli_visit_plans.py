"""`ledger visit plan-month|plan-approve|plan-return|plans` as an account manager
and their segment head type them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.domain.events import VisitPlanned
from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error, no_customer

MONTH = ("--month", "2026-06")
# Before the plan is due (the end of Friday 29 May 2026) and after.
EARLY = ("--at", "2026-05-20T09:00")
LATE = ("--at", "2026-06-02T09:00")
PLAN_HELP = "visit plan-month"


@pytest.fixture
def team(cli: LedgerCli) -> LedgerCli:
    """Head gao.head and account managers am.one (C-00001, C-00002) and am.two
    (C-00003), all of segment airport."""
    for staff_id, role in (("gao.head", "segment_head"), ("am.one", "staff"), ("am.two", "staff")):
        cli.ok_as(
            "ops", "staff", "add", staff_id, "--name", staff_id, "--role", role,
            "--segment", "airport",
        )  # fmt: skip
    for name, owner in (("Alpha", "am.one"), ("Beta", "am.one"), ("Gamma", "am.two")):
        cli.ok_as(
            owner, "customer", "register", name, "--segment", "airport", "--owner", owner,
            "--at", "2026-01-05T09:00",
        )  # fmt: skip
    return cli


def submit(cli: LedgerCli, *args: str, actor: str = "am.one") -> str:
    return cli.ok_as(actor, "visit", "plan-month", *MONTH, *args)


def test_a_plan_typed_as_options_plans_each_visit(team: LedgerCli) -> None:
    output = submit(
        team, "--visit", "C-00001:maintenance:2026-06-03",
        "--visit", "C-00002:collection:2026-06-10:problem_handling::Overdue invoices: May",
        *EARLY,
    )  # fmt: skip

    assert output == (
        "Visit plan am.one/2026-06 submitted (revision 1).\n"
        "Visits planned: C-00001/V1, C-00002/V1.\n"
    )
    history = team.ok_as("am.one", "history", "C-00002")
    assert "Visit V1 planned for 2026-06-10 09:00 by am.one in the visit plan am.one/2026-06 " in (
        history
    )
    beta = team.recorded("C-00002", VisitPlanned)
    assert (beta.plan, beta.kind, beta.agenda) == (
        "am.one/2026-06", "problem_handling", "Overdue invoices: May",
    )  # fmt: skip


def test_a_plan_handed_in_after_its_due_day_is_said_to_be_late(team: LedgerCli) -> None:
    output = submit(team, "--visit", "C-00001:maintenance:2026-06-03", *LATE)

    assert output.startswith(
        "Visit plan am.one/2026-06 submitted (revision 1). It is late: it was due by the "
        "end of the month's last working day before.\n"
    )


def write_csv(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "plan.csv"
    path.write_text("\n".join(["customer,purpose,date,kind,people,agenda", *rows]) + "\n")
    return str(path)


def test_a_plan_read_from_csv(team: LedgerCli, tmp_path: Path) -> None:
    plan = write_csv(
        tmp_path,
        "C-00001,maintenance,2026-06-03,,,Renewal",
        "Beta,influence,2026-06-04,relationship_building,,",
    )

    output = submit(team, "--from-csv", plan, *EARLY)

    assert output.endswith("Visits planned: C-00001/V1, C-00002/V1.\n")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "C-00002,maintenance,2026-06-31,,,",
            "plan.csv row 3: date '2026-06-31' is not valid: input should be a valid date "
            "or datetime, day value is outside expected range",
        ),
        (
            "C-00002,sightseeing,2026-06-05,,,",
            "plan.csv row 3: purpose 'sightseeing' is not valid: input should be "
            "'market_research', 'competitor_intel', 'maintenance', 'new_customer', "
            "'new_project', 'influence' or 'collection'",
        ),
        (
            "C-00002,maintenance",
            "plan.csv row 3: no date: every visit names its customer, purpose and date",
        ),
    ],
)
def test_a_bad_csv_row_is_refused_naming_it_and_nothing_is_written(
    team: LedgerCli, tmp_path: Path, row: str, message: str
) -> None:
    plan = write_csv(tmp_path, "C-00001,maintenance,2026-06-03,,,", row)
    written = team.events_recorded()

    result = team.run("visit", "plan-month", *MONTH, "--from-csv", plan, actor="am.one")

    assert_usage_error(result, message, PLAN_HELP)
    assert team.events_recorded() == written


@pytest.mark.parametrize(
    ("visit", "message"),
    [
        ("C-00003:maintenance:2026-06-03", f"--visit 'C-00003:maintenance:2026-06-03': "
         f"{no_customer('C-00003')}"),
        ("C-00002:maintenance:2026-07-01", "--visit 'C-00002:maintenance:2026-07-01': "
         "2026-07-01 is not in 2026-06: every visit of the plan is in it"),
    ],
)  # fmt: skip
def test_a_visit_the_owner_may_not_plan_refuses_the_whole_plan(
    team: LedgerCli, visit: str, message: str
) -> None:
    written = team.events_recorded()

    result = team.run(
        "visit", "plan-month", *MONTH, "--visit", "C-00001:maintenance:2026-06-03",
        "--visit", visit, *EARLY, actor="am.one",
    )  # fmt: skip

    assert_refused(result, message)
    assert team.events_recorded() == written


def test_a_visit_typed_without_its_date_is_a_usage_error(team: LedgerCli) -> None:
    result = team.run("visit", "plan-month", *MONTH, "--visit", "C-00001:maintenance")

    assert_usage_error(
        result,
        "--visit 'C-00001:maintenance': write "
        "CUSTOMER:PURPOSE:YYYY-MM-DD[:KIND[:PEOPLE[:AGENDA]]], e.g. "
        "C-00012:maintenance:2027-01-14",
        PLAN_HELP,
    )


def test_a_plan_needs_visits(team: LedgerCli) -> None:
    result = team.run("visit", "plan-month", *MONTH, actor="am.one")

    assert_usage_error(
        result,
        "give the plan's visits: --visit CUSTOMER:PURPOSE:YYYY-MM-DD[:KIND[:PEOPLE[:AGENDA]]] "
        "(repeatable) or --from-csv FILE",
        PLAN_HELP,
    )


def test_the_segment_head_approves_and_the_owner_may_not(team: LedgerCli) -> None:
    submit(team, "--visit", "C-00001:maintenance:2026-06-03", *EARLY)

    refused = team.run("visit", "plan-approve", "am.one", *MONTH, actor="am.one")
    output = team.ok_as("gao.head", "visit", "plan-approve", "am.one", *MONTH, "--note", "Fine")
    again = team.run("visit", "plan-approve", "am.one", *MONTH, actor="gao.head")

    assert_refused(refused, "am.one owns the plan am.one/2026-06: its segment head reviews it")
    assert output == "Visit plan am.one/2026-06 approved (revision 1).\n"
    assert_refused(
        again, "the plan am.one/2026-06 is approved: only a submitted plan can be approved"
    )


def test_a_returned_plan_is_submitted_again(team: LedgerCli) -> None:
    submit(team, "--visit", "C-00001:maintenance:2026-06-03", *EARLY)

    returned = team.ok_as(
        "gao.head", "visit", "plan-return", "am.one", *MONTH, "--reason", "Visit Beta too"
    )
    resubmitted = submit(team, "--visit", "C-00002:maintenance:2026-06-05", *EARLY)

    assert returned == "Visit plan am.one/2026-06 returned (revision 1).\n"
    assert resubmitted == (
        "Visit plan am.one/2026-06 submitted (revision 2).\n"
        "Visits planned: C-00002/V1.\n"
        "Visits dropped from the plan, cancelled: C-00001/V1.\n"
    )


def test_no_plan_to_review_is_said(team: LedgerCli) -> None:
    result = team.run("visit", "plan-approve", "am.two", *MONTH, actor="gao.head")

    assert_refused(
        result,
        "am.two has submitted no visit plan for 2026-06: "
        "`ledger visit plans --month 2026-06` shows the plans",
    )


def test_plans_list_every_account_manager_for_the_head_and_their_own_for_staff(
    team: LedgerCli,
) -> None:
    submit(team, "--visit", "C-00001:maintenance:2026-06-03", "--visit",
           "C-00001:collection:2026-06-20", *EARLY)  # fmt: skip

    head = json.loads(team.ok_as("gao.head", "visit", "plans", *MONTH, "--format", "json"))
    own = json.loads(team.ok_as("am.two", "visit", "plans", *MONTH, "--format", "json"))
    table = team.ok_as("gao.head", "visit", "plans", *MONTH)

    assert [(r["owner"], r["status"], r["late"], r["visits"], r["customers"]) for r in head] == [
        ("am.one", "submitted", False, 2, 1),
        ("am.two", "not submitted", True, 0, 0),
    ]
    assert [(r["owner"], r["status"]) for r in own] == [("am.two", "not submitted")]
    assert table.endswith(
        "2 owners: 1 not submitted, 1 submitted, 0 approved, 0 returned; 1 late.\n"
    )


def test_a_csv_not_in_utf8_is_refused(team: LedgerCli, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_bytes("customer,purpose,date\n北京,maintenance,2026-06-03\n".encode("gb18030"))

    result = team.run("visit", "plan-month", *MONTH, "--from-csv", str(path), actor="am.one")

    assert_usage_error(result, "--from-csv plan.csv is not UTF-8 text: save it as UTF-8", PLAN_HELP)


def test_a_csv_row_naming_an_unknown_customer_refuses_the_plan(
    team: LedgerCli, tmp_path: Path
) -> None:
    plan = write_csv(
        tmp_path, "C-00001,maintenance,2026-06-03,,,", "C-00099,maintenance,2026-06-04,,,"
    )
    written = team.events_recorded()

    result = team.run("visit", "plan-month", *MONTH, "--from-csv", plan, *EARLY, actor="am.one")

    assert_refused(result, f"plan.csv row 3: {no_customer('C-00099')}")
    assert team.events_recorded() == written


def test_a_visit_listed_twice_refuses_the_plan_naming_both(team: LedgerCli, tmp_path: Path) -> None:
    # The same customer by code and by name, on the same day, for the same purpose.
    plan = write_csv(
        tmp_path, "C-00002,maintenance,2026-06-03,,,", "Beta,maintenance,2026-06-03,,,Again"
    )
    written = team.events_recorded()

    result = team.run("visit", "plan-month", *MONTH, "--from-csv", plan, *EARLY, actor="am.one")

    assert_usage_error(
        result,
        "plan.csv row 3 repeats plan.csv row 2: a plan lists each visit once "
        "(the same customer, date, purpose and kind)",
    )
    assert team.events_recorded() == written


def test_the_same_visit_option_twice_is_refused(team: LedgerCli) -> None:
    visit = "C-00001:maintenance:2026-06-03"
    written = team.events_recorded()

    result = team.run(
        "visit", "plan-month", *MONTH, "--visit", visit, "--visit", visit, *EARLY, actor="am.one"
    )

    assert_usage_error(
        result,
        f"--visit {visit!r} repeats --visit {visit!r}: a plan lists each visit once "
        "(the same customer, date, purpose and kind)",
    )
    assert team.events_recorded() == written


def test_a_csv_naming_a_column_twice_is_refused(team: LedgerCli, tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("customer,purpose,date,customer\nC-00001,maintenance,2026-06-03,C-00002\n")

    result = team.run("visit", "plan-month", *MONTH, "--from-csv", str(path), actor="am.one")

    assert_usage_error(
        result,
        "--from-csv plan.csv: the header names customer more than once: name each column once",
        PLAN_HELP,
    )


@pytest.mark.parametrize("review", ["plan-approve", "plan-return"])
def test_a_plan_cannot_be_reviewed_before_it_was_submitted(team: LedgerCli, review: str) -> None:
    submit(team, "--visit", "C-00001:maintenance:2026-06-03", "--at", "2026-05-20T09:00")
    written = team.events_recorded()

    result = team.run(
        "visit", review, "am.one", *MONTH, "--at", "2026-05-19T09:00",
        *(["--reason", "Too few"] if review == "plan-return" else []), actor="gao.head",
    )  # fmt: skip

    assert_refused(
        result,
        "the plan am.one/2026-06 was submitted on 2026-05-20 09:00 UTC: it cannot be "
        "reviewed before that: check --at",
    )
    assert team.events_recorded() == written


def test_plans_are_listed_within_what_each_role_may_see(team: LedgerCli) -> None:
    for staff_id, role, segment in (
        ("rail.head", "segment_head", ("--segment", "rail")),
        ("aud", "auditor", ()),
    ):
        team.ok_as("ops", "staff", "add", staff_id, "--name", staff_id, "--role", role, *segment)
    submit(team, "--visit", "C-00001:maintenance:2026-06-03", *EARLY)

    def owners(actor: str) -> list[str]:
        rows = json.loads(team.ok_as(actor, "visit", "plans", *MONTH, "--format", "json"))
        return [row["owner"] for row in rows]

    admin = team.run("visit", "plans", *MONTH, actor="ops")

    assert owners("aud") == ["am.one", "am.two"]
    assert owners("rail.head") == []
    assert owners("am.one") == ["am.one"]
    assert_refused(admin, "ops is admin: that role has no access to customer records")


def test_reviewing_the_plan_of_someone_unknown_says_so(team: LedgerCli) -> None:
    result = team.run("visit", "plan-approve", "nobody", *MONTH, actor="gao.head")

    assert_refused(result, "no staff member 'nobody': `ledger staff list` shows who there is")
