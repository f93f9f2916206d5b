"""`ledger staff ...`: accounts, their changes kept as events, and who acts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import LedgerCli, assert_refused, assert_usage_error


@pytest.fixture
def cli(tmp_path: Path) -> LedgerCli:
    cli = LedgerCli(db=str(tmp_path / "ledger.sqlite3"), staffed=False)
    assert (
        cli.run(
            "staff", "add", "ops", "--name", "Operations", "--role", "admin", actor=None
        ).exit_code
        == 0
    )
    return cli


def add(cli: LedgerCli, staff_id: str, role: str, *extra: str) -> str:
    return cli.ok_as(
        "ops", "staff", "add", staff_id, "--name", staff_id.title(), "--role", role, *extra
    )


def test_the_first_account_founds_the_directory_and_needs_no_acting_member(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "new.sqlite3"), staffed=False)
    result = cli.run("staff", "add", "ops", "--name", "Operations", "--role", "admin", actor=None)
    assert (result.exit_code, result.stdout) == (0, "Staff member added: ops, version 1.\n")
    # From then on, accounts are added by an admin.
    anonymous = cli.run(
        "staff", "add", "li.wei", "--name", "Li Wei", "--role", "executive", actor=None
    )
    assert anonymous.exit_code == 2


def test_the_first_account_must_be_able_to_manage_the_rest(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "new.sqlite3"), staffed=False)
    result = cli.run(
        "staff",
        "add",
        "li.wei",
        "--name",
        "Li Wei",
        "--role",
        "staff",
        "--segment",
        "airport",
        actor=None,
    )
    assert_refused(
        result,
        "the first account founds the staff directory and must be an admin or an executive: "
        "add it with --role admin",
    )
    assert not Path(tmp_path / "new.sqlite3").exists() or cli.events_recorded() == 0


def test_a_ledger_without_accounts_says_how_to_create_the_first(tmp_path: Path) -> None:
    cli = LedgerCli(db=str(tmp_path / "new.sqlite3"), staffed=False)
    cli.run("schema", "--list")  # needs no account
    result = cli.run("customer", "register", "Acme", "--segment", "airport", actor="li.wei")
    assert_refused(
        result,
        "this ledger has no staff accounts yet: add the first with `ledger staff add ID "
        "--name NAME --role admin` (it needs no --as)",
    )


def test_staff_and_segment_heads_need_a_segment(cli: LedgerCli) -> None:
    before = cli.events_recorded()
    result = cli.run("staff", "add", "li.wei", "--name", "Li Wei", "--role", "staff", actor="ops")
    assert_refused(result, "a staff works in one segment: give --segment")
    assert cli.events_recorded() == before


def test_an_unknown_role_is_a_usage_error(cli: LedgerCli) -> None:
    result = cli.run("staff", "add", "li.wei", "--name", "Li Wei", "--role", "boss", actor="ops")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--role': 'boss' is not one of")


def test_a_bad_staff_id_is_a_usage_error(cli: LedgerCli) -> None:
    result = cli.run("staff", "add", "Li Wei", "--name", "Li", "--role", "executive", actor="ops")
    assert_usage_error(
        result,
        "STAFF must be a staff id such as li.wei (lowercase letters, digits, . _ -) (got 'Li Wei')",
        "staff add",
    )


def test_an_account_id_is_taken_once(cli: LedgerCli) -> None:
    add(cli, "li.wei", "executive")
    result = cli.run("staff", "add", "li.wei", "--name", "Other", "--role", "auditor", actor="ops")
    assert_refused(result, "staff member li.wei exists already: `ledger staff show li.wei`")


def test_every_change_to_an_account_is_kept_with_who_and_why(cli: LedgerCli) -> None:
    add(cli, "li.wei", "staff", "--segment", "airport")
    cli.ok_as("ops", "staff", "role", "li.wei", "segment_head", "--reason", "promoted")
    cli.ok_as("ops", "staff", "segment", "li.wei", "technology", "--reason", "reorganised")
    cli.ok_as("ops", "staff", "freeze", "li.wei", "--reason", "notice given")
    cli.ok_as("ops", "staff", "deactivate", "li.wei", "--reason", "left")
    shown = json.loads(cli.ok_as("ops", "staff", "show", "li.wei", "--format", "json"))
    assert (shown["role"], shown["segment"], shown["status"]) == (
        "segment_head",
        "technology",
        "deactivated",
    )
    assert [(c["change"], c["by"], c["reason"]) for c in shown["changes"]] == [
        ("added as staff in airport", "ops", "joined"),
        ("role staff -> segment_head in airport", "ops", "promoted"),
        ("segment airport -> technology", "ops", "reorganised"),
        ("frozen", "ops", "notice given"),
        ("deactivated", "ops", "left"),
    ]


def test_staff_list_hides_those_who_left_unless_asked(cli: LedgerCli) -> None:
    add(cli, "li.wei", "executive")
    add(cli, "zhang.min", "staff", "--segment", "airport")
    cli.ok_as("ops", "staff", "deactivate", "zhang.min", "--reason", "left")
    listed = json.loads(cli.ok_as("li.wei", "staff", "list", "--format", "json"))
    assert [r["staff_id"] for r in listed] == ["li.wei", "ops"]
    everyone = json.loads(cli.ok_as("li.wei", "staff", "list", "--all", "--format", "json"))
    assert [(r["staff_id"], r["status"]) for r in everyone] == [
        ("li.wei", "active"),
        ("ops", "active"),
        ("zhang.min", "deactivated"),
    ]


def test_an_admin_cannot_lock_themselves_out(cli: LedgerCli) -> None:
    before = cli.events_recorded()
    result = cli.run("staff", "deactivate", "ops", "--reason", "oops", actor="ops")
    assert_refused(result, "an admin cannot change their own role or access: ask another admin")
    assert cli.events_recorded() == before


def test_a_repeated_command_id_changes_the_account_once(cli: LedgerCli) -> None:
    add(cli, "li.wei", "executive")
    first = cli.ok_as("ops", "staff", "freeze", "li.wei", "--reason", "x", "--command-id", "f1")
    again = cli.ok_as("ops", "staff", "freeze", "li.wei", "--reason", "x", "--command-id", "f1")
    assert first == "Account frozen: li.wei, version 2.\n"
    assert again == "Already recorded: li.wei, version 2; nothing new was written.\n"


def test_a_configured_default_actor_is_used_when_none_is_named(
    cli: LedgerCli, isolated_home: Path
) -> None:
    add(cli, "li.wei", "executive")
    isolated_home.mkdir(parents=True, exist_ok=True)
    (isolated_home / "config.toml").write_text('actor = "li.wei"\n')
    result = cli.run("customer", "register", "Acme", "--segment", "airport", actor=None)
    assert result.exit_code == 0, result.output
    assert cli.events_of("C-00001")[0].actor == "li.wei"


def test_an_unknown_actor_can_do_nothing(cli: LedgerCli) -> None:
    result = cli.run("customer", "list", actor="no.body")
    assert_refused(
        result,
        "'no.body' is not a staff member: act as your own account (--as or LEDGER_ACTOR); "
        "`ledger staff list` shows them",
    )
