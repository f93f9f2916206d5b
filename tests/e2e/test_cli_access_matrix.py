"""Who may see and do what, role by role (docs/domain.md, "Access"), through the command line.

One ledger per case, on SQLite and on PostgreSQL: an executive, a head and two
staff of the airport segment, a head and a staff member of the technology
segment, an auditor and an admin; customer C-00001 (airport, owned by
staff.a) and C-00002 (technology, owned by staff.b). Each allowed action
succeeds; each forbidden one is refused with nothing written, and a customer
the caller may not see is refused in exactly the words used for a customer that
does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from click.testing import Result

from ledger import commands as c
from ledger.application import Ledger
from ledger.storage import resolve
from tests.e2e.conftest import LedgerCli, no_customer

AIRPORT, TECH = "C-00001", "C-00002"
UNKNOWN = "C-09999"

ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    ("boss", "executive", None),
    ("head.a", "segment_head", "airport"),
    ("staff.a", "staff", "airport"),  # owns C-00001
    ("staff.a2", "staff", "airport"),  # airport, but never worked on C-00001
    ("head.b", "segment_head", "technology"),
    ("staff.b", "staff", "technology"),  # owns C-00002
    ("aud", "auditor", None),
    ("ops", "admin", None),
)
ROLES = [name for name, _, _ in ACCOUNTS]


def build_ledger(db: str) -> None:
    app = Ledger(env=resolve(db, environ={}).env)
    try:
        app.add_staff(c.AddStaff(actor="ops", staff="ops", name="Operations", role="admin"))
        for staff_id, role, segment in ACCOUNTS:
            if staff_id != "ops":
                app.add_staff(
                    c.AddStaff(
                        actor="ops", staff=staff_id, name=staff_id, role=role, segment=segment
                    )
                )
        app.register_customer(
            c.RegisterCustomer(
                actor="head.a", name="Capital Airport", segment="airport", owner="staff.a"
            )
        )
        app.register_customer(
            c.RegisterCustomer(
                actor="head.b", name="Zhongguancun Soft", segment="technology", owner="staff.b"
            )
        )
        # Version 2 of each: an event a correction may change (a registration is
        # changed by its own commands, not corrected).
        for code, actor in (("C-00001", "head.a"), ("C-00002", "head.b")):
            app.log_contact(
                c.LogContact(
                    actor=actor, customer=code, channel="phone", direction="inbound",
                    summary="Asked about the tender",
                )
            )  # fmt: skip
    finally:
        app.close()


@pytest.fixture
def cli(db_url: str) -> LedgerCli:
    build_ledger(db_url)
    return LedgerCli(db=db_url, staffed=False)


@dataclass(frozen=True)
class Action:
    """A command line about a customer, and who may run it."""

    name: str
    args: Callable[[str], tuple[str, ...]]
    allowed: frozenset[str]
    writes: bool


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


READERS_OF_AIRPORT = _roles("boss", "head.a", "staff.a", "aud")
WRITERS_OF_AIRPORT = _roles("boss", "head.a", "staff.a")
MANAGERS_OF_AIRPORT = _roles("boss", "head.a")

ACTIONS = (
    Action(
        "show", lambda ref: ("customer", "show", ref, "--format", "json"), READERS_OF_AIRPORT, False
    ),
    Action("history", lambda ref: ("history", ref, "--format", "jsonl"), READERS_OF_AIRPORT, False),
    Action("brief", lambda ref: ("brief", ref, "--format", "json"), READERS_OF_AIRPORT, False),
    Action("export", lambda ref: ("export", ref), READERS_OF_AIRPORT, False),
    Action(
        "contact",
        lambda ref: (
            "contact",
            "log",
            ref,
            "--channel",
            "phone",
            "--direction",
            "inbound",
            "--summary",
            "Asked about invoices",
        ),
        WRITERS_OF_AIRPORT,
        True,
    ),
    Action(
        "complaint",
        lambda ref: (
            "complaint",
            "file",
            ref,
            "--category",
            "service",
            "--channel",
            "phone",
            "--description",
            "Late delivery",
        ),
        WRITERS_OF_AIRPORT,
        True,
    ),
    Action(
        "correct",
        lambda ref: (
            "correct",
            ref,
            "--version",
            "2",
            "--set",
            "summary=Asked about the 2027 tender",
            "--reason",
            "typo",
        ),
        WRITERS_OF_AIRPORT,
        True,
    ),
    Action(
        "assign",
        lambda ref: ("owner", "assign", ref, "--to", "head.a", "--reason", "rebalancing"),
        MANAGERS_OF_AIRPORT,
        True,
    ),
    Action(
        "move segment",
        lambda ref: ("customer", "segment", ref, "technology", "--reason", "reorganised"),
        MANAGERS_OF_AIRPORT,
        True,
    ),
)

# Refusals of a customer the caller does see (or, for the admin, of customer
# content as such); everyone else is told the customer does not exist.
SEEN_BUT_REFUSED = {
    ("aud", "contact"): "aud is auditor: that role reads customers and records nothing on them",
    ("aud", "complaint"): "aud is auditor: that role reads customers and records nothing on them",
    ("aud", "correct"): "aud is auditor: that role reads customers and records nothing on them",
    ("aud", "assign"): "aud is auditor: that role reads customers and records nothing on them",
    (
        "aud",
        "move segment",
    ): "aud is auditor: that role reads customers and records nothing on them",
    (
        "staff.a",
        "assign",
    ): "owners of airport customers are assigned by the head of airport or an executive",
    (
        "staff.a",
        "move segment",
    ): "moving C-00001 out of segment airport needs the head of that segment or an executive",
    ("ops", "show"): "ops is admin: that role has no access to customer records",
    ("ops", "history"): "ops is admin: that role has no access to customer records",
    ("ops", "brief"): "ops is admin: that role has no access to customer records",
    ("ops", "export"): "ops is admin: that role has no access to customer records",
}


def _cases() -> list[tuple[str, Action]]:
    return [(role, action) for action in ACTIONS for role in ROLES]


@pytest.mark.parametrize(("role", "action"), _cases(), ids=[f"{r}-{a.name}" for r, a in _cases()])
def test_each_role_may_do_exactly_what_its_role_allows_on_a_customer_of_the_airport_segment(
    cli: LedgerCli, role: str, action: Action
) -> None:
    before = cli.events_recorded()
    result = cli.run(*action.args(AIRPORT), actor=role)
    if role in action.allowed:
        assert result.exit_code == 0, result.output
        # A write adds its event; a read adds its entry in the read log.
        assert cli.events_recorded() == before + 1
        return
    expected = SEEN_BUT_REFUSED.get((role, action.name))
    if expected is None:
        # Not even whether it exists: the same words, exit code and silence as
        # for a customer code nobody registered.
        unknown = cli.run(*action.args(UNKNOWN), actor=role)
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == f"Error: {no_customer(AIRPORT)}\n"
        assert unknown.stderr == f"Error: {no_customer(UNKNOWN)}\n"
    else:
        assert (result.exit_code, result.stderr, result.stdout) == (1, f"Error: {expected}\n", "")
    assert cli.events_recorded() == before


@pytest.mark.parametrize("role", ROLES)
def test_customer_lists_show_only_the_customers_the_caller_may_see(
    cli: LedgerCli, role: str
) -> None:
    sees = {
        "boss": {AIRPORT, TECH},
        "aud": {AIRPORT, TECH},
        "head.a": {AIRPORT},
        "staff.a": {AIRPORT},
        "staff.a2": set(),
        "head.b": {TECH},
        "staff.b": {TECH},
    }
    result = cli.run("customer", "list", "--format", "csv", actor=role)
    if role == "ops":
        assert (result.exit_code, result.stderr) == (
            1,
            "Error: ops is admin: that role has no access to customer records\n",
        )
        return
    assert result.exit_code == 0, result.output
    codes = {line.split(",")[0] for line in result.stdout.splitlines()[1:]}
    assert codes == sees[role]
    churn = cli.run("churn", "list", "--format", "csv", actor=role)
    assert churn.exit_code == 0, churn.output
    assert {line.split(",")[1] for line in churn.stdout.splitlines()[1:]} == sees[role]


def test_staff_see_a_customer_of_their_segment_once_they_have_worked_on_it(
    cli: LedgerCli,
) -> None:
    assert cli.run("customer", "show", AIRPORT, actor="staff.a2").exit_code == 1
    # The owner takes a colleague along on a visit: recorded by the colleague,
    # who has then worked on the customer.
    cli.run("owner", "assign", AIRPORT, "--to", "staff.a2", "--reason", "cover", actor="head.a")
    assert cli.run("customer", "show", AIRPORT, actor="staff.a2").exit_code == 0
    # Handed back: staff.a2 keeps seeing the customer they worked on.
    cli.run("owner", "assign", AIRPORT, "--to", "staff.a", "--reason", "back", actor="head.a")
    assert cli.run("customer", "show", AIRPORT, "--format", "json", actor="staff.a2").exit_code == 0


def test_an_owner_must_be_an_active_account_of_the_customers_segment(cli: LedgerCli) -> None:
    before = cli.events_recorded()
    other = cli.run("owner", "assign", AIRPORT, "--to", "staff.b", "--reason", "x", actor="boss")
    auditor = cli.run("owner", "assign", AIRPORT, "--to", "aud", "--reason", "x", actor="boss")
    nobody = cli.run("owner", "assign", AIRPORT, "--to", "no.body", "--reason", "x", actor="boss")
    assert other.stderr == (
        "Error: staff.b is staff and works in segment technology: an owner of a customer in "
        "airport must be staff or head of airport, or an executive\n"
    )
    assert auditor.stderr == (
        "Error: aud is auditor and has no segment: an owner of a customer in airport must be "
        "staff or head of airport, or an executive\n"
    )
    assert nobody.stderr == (
        "Error: 'no.body' is not a staff member: an owner must be one (`ledger staff list` "
        "shows them)\n"
    )
    assert cli.events_recorded() == before


@pytest.mark.parametrize("status", ["freeze", "deactivate"])
def test_a_frozen_or_deactivated_account_can_do_nothing(cli: LedgerCli, status: str) -> None:
    cli.run("staff", status, "staff.a", "--reason", "leaving", actor="ops")
    state = "frozen" if status == "freeze" else "deactivated"
    refusal = (
        f"Error: staff.a's account is {state}: it can do nothing until an admin runs "
        "`ledger staff reactivate`\n"
    )
    before = cli.events_recorded()
    for args in (
        ("customer", "show", AIRPORT),
        ("customer", "list"),
        (
            "contact",
            "log",
            AIRPORT,
            "--channel",
            "phone",
            "--direction",
            "inbound",
            "--summary",
            "hi",
        ),
        ("sla", "breaches"),
    ):
        result: Result = cli.run(*args, actor="staff.a")
        assert (result.exit_code, result.stderr, result.stdout) == (1, refusal, "")
    assert cli.events_recorded() == before
    cli.run("staff", "reactivate", "staff.a", "--reason", "stays", actor="ops")
    assert cli.run("customer", "show", AIRPORT, actor="staff.a").exit_code == 0


NEW_HIRE = (
    "staff",
    "add",
    "new.hire",
    "--name",
    "New Hire",
    "--role",
    "staff",
    "--segment",
    "airport",
)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "ops"])
def test_only_an_admin_manages_staff_accounts(cli: LedgerCli, role: str) -> None:
    before = cli.events_recorded()
    result = cli.run(*NEW_HIRE, actor=role)
    kind = {name: r for name, r, _ in ACCOUNTS}[role]
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {role} is {kind}: only an admin manages staff accounts\n",
    )
    assert cli.events_recorded() == before
    assert cli.run(*NEW_HIRE, actor="ops").exit_code == 0


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("boss", True), ("aud", True), ("head.a", False), ("staff.a", False), ("ops", False)],
)
def test_audits_and_the_read_log_are_for_auditors_and_executives(
    cli: LedgerCli, role: str, allowed: bool
) -> None:
    for args in (("audit", "verify"), ("audit", "reads")):
        result = cli.run(*args, actor=role)
        assert (result.exit_code == 0) == allowed, result.output


def test_every_read_of_a_customers_record_is_in_the_read_log(cli: LedgerCli) -> None:
    cli.run("customer", "show", AIRPORT, actor="staff.a")
    cli.run("history", AIRPORT, actor="head.a")
    cli.run("brief", AIRPORT, actor="boss")
    cli.run("export", actor="aud")
    cli.run("customer", "show", TECH, actor="staff.a")  # refused: not a read
    result = cli.run("audit", "reads", AIRPORT, "--format", "csv", actor="aud")
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("staff.a", AIRPORT, "customer show"),
        ("head.a", AIRPORT, "history"),
        ("boss", AIRPORT, "brief"),
        ("aud", "*", "export"),
    ]
    by = cli.run("audit", "reads", "--by", "staff.a", "--format", "csv", actor="aud")
    assert [line.split(",")[2] for line in by.stdout.splitlines()[1:]] == [AIRPORT]


@pytest.mark.parametrize("role", ["head.b", "staff.a2", "staff.b", "ops"])
def test_a_correction_of_a_hidden_customer_does_not_reveal_its_versions(
    cli: LedgerCli, role: str
) -> None:
    result = cli.run(
        "correct", AIRPORT, "--version", "99", "--set", "industry=x", "--reason", "r", actor=role
    )
    assert (result.exit_code, result.stderr) == (1, f"Error: {no_customer(AIRPORT)}\n")
