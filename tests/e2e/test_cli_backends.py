"""A customer's whole story told through the CLI, on SQLite and on PostgreSQL."""

from __future__ import annotations

import shlex

from tests.e2e.conftest import LedgerCli, assert_refused

# Each step as typed at a shell, and the receipt it answers with.
STORY = [
    ("customer register 'Capital Airport Group' --segment airport", "Customer registered: C-00001"),
    ("person add C-00001 --name 'Wang Fang' --role decision_maker", "Key person added: C-00001/P1"),
    ("branch add C-00001 --name Shanghai --location Pudong", "Branch added: C-00001/B1"),
    (
        "visit plan C-00001 --for 2026-05-02T10:00 --purpose new_project --kind first_visit "
        "--person P1",
        "Visit planned: C-00001/V1",
    ),
    (
        "visit report C-00001 --visit V1 --purpose new_project --kind first_visit "
        "--summary 'Toured the cargo site' --outcome B --met P1 --expense Taxi=45.50 "
        "--commitment 'Send the offer@2099-05-10'",
        "Visit reported: C-00001/V1",
    ),
    (
        "inquiry receive C-00001 --channel phone --title 'Slot fees'",
        "Inquiry received: C-00001/IQ1",
    ),
    ("inquiry answer C-00001/IQ1 --answer 'Per the tariff'", "Inquiry answered: C-00001/IQ1"),
    (
        "complaint file C-00001 --category service --channel email --description 'Late bags'",
        "Complaint filed: C-00001/CP1",
    ),
    (
        "escalate C-00001/CP1 --level 2 --to 'Head of handling' --reason Repeated",
        "Escalation raised: C-00001/ES1",
    ),
    (
        "escalation resolve C-00001/ES1 --resolution 'New shift plan'",
        "Escalation resolved: C-00001/ES1",
    ),
    ("opportunity lead C-00001 --title 'Cargo terminal'", "Lead created: C-00001/OP1"),
    (
        "opportunity open C-00001 --lead OP1 --title 'Cargo terminal' --value 1250000.00 "
        "--currency CNY",
        "Opportunity opened: C-00001/OP1",
    ),
    (
        "opportunity follow-up C-00001/OP1 --summary 'Sent drawings'",
        "Follow-up logged: C-00001/OP1",
    ),
    ("opportunity win C-00001/OP1 --value 1200000", "Opportunity won: C-00001/OP1"),
    ("commitment fulfil C-00001/CM1", "Commitment fulfilled: C-00001/CM1"),
    (
        "satisfaction record C-00001 --score 4 --source survey",
        "Satisfaction recorded: C-00001",
    ),
    (
        "owner assign C-00001 --to zhang.min --reason 'li.wei moves to head office'",
        "Owner assigned: C-00001",
    ),
    ("customer tier C-00001 strategic --vip", "Tier changed: C-00001"),
    (
        "relationship terminate C-00001 --reason 'Tender lost' --root-cause Price "
        "--head-office-ref HO-9",
        "Relationship terminated: C-00001",
    ),
    (
        "relationship reactivate C-00001 --repair-plan 'Quarterly reviews'",
        "Relationship reactivated: C-00001",
    ),
    (
        "correct C-00001 --version 6 --set 'title=Fees 2026' --reason 'Year missing'",
        "Correction recorded: C-00001",
    ),
]

# What a receipt says after its version, by version: the promises the command made.
NOTES = {5: " Commitment CM1 due 2099-05-10."}


def test_the_whole_story_is_recorded_in_order_on_each_backend(db_url: str) -> None:
    cli = LedgerCli(db=db_url)

    outputs = [cli.ok(*shlex.split(command)) for command, _ in STORY]

    for version, (output, (_, receipt)) in enumerate(zip(outputs, STORY, strict=True), start=1):
        # The receipt comes first (a handover then says what moved with it).
        notes = NOTES.get(version, "")
        assert output.splitlines()[0] == (
            f"{receipt} (Capital Airport Group), version {version}.{notes}"
        )
    assert cli.ok("customer", "list", "--format", "csv").splitlines()[1] == (
        "C-00001,Capital Airport Group,airport,strategic,yes,prospect,zhang.min,"
    )


def test_a_refused_command_writes_nothing_on_each_backend(db_url: str) -> None:
    cli = LedgerCli(db=db_url)
    cli.ok("customer", "register", "Capital Airport Group", "--segment", "airport")
    cli.ok("inquiry", "receive", "C-00001", "--channel", "phone", "--title", "Slot fees")
    cli.ok("inquiry", "answer", "C-00001/IQ1", "--answer", "Per the 2026 tariff")
    written = cli.events_recorded()

    result = cli.run("inquiry", "answer", "C-00001/IQ1", "--answer", "Again")

    assert_refused(
        result,
        "C-00001/IQ1 is answered: an answered inquiry stays answered; receive a new inquiry "
        "instead",
    )
    assert cli.events_recorded() == written
