"""Asking for help is instant: `ledger --help` and a group's `--help` load no command
model, storage or event library, only click and the group's own module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli import GROUPS
from ledger.domain.events import MODULES as CUSTOMER_EVENT_MODULES
from tests.e2e.conftest import LedgerCli

HEAVY = {"pydantic", "eventsourcing", "psycopg"}
CUSTOMER_EVENT_AREAS = set(CUSTOMER_EVENT_MODULES.values())


def imported_by(*args: str) -> set[str]:
    """The top-level packages `ledger ARGS` imports, as `python -X importtime` lists them."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return {
        line.rsplit("|", 1)[-1].strip().partition(".")[0]
        for line in run.stderr.splitlines()
        if line.startswith("import time:")
    }


@pytest.mark.parametrize("group", [None, *sorted(GROUPS)])
def test_help_imports_neither_models_nor_storage(group: str | None) -> None:
    args = [group, "--help"] if group else ["--help"]

    heavy = imported_by(*args) & HEAVY

    assert heavy == set()


def test_opening_the_ledger_to_read_builds_no_command_model() -> None:
    """A read opens the write service and the read service; neither may import the
    command models (pydantic builds them on import: some 150 ms of every start)."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, ledger.application, projections.reader; "
            "print(sorted({'ledger.commands', 'pydantic'} & set(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert run.stdout.strip() == "[]"


def test_the_customer_360_is_drawn_without_rich() -> None:
    """`customer show` prints plain lines: importing rich was a tenth of its start."""
    run = subprocess.run(
        [sys.executable, "-c", "import sys, commands.render360; print('rich' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert run.stdout.strip() == "False"


def modules_after(db: str, *args: str) -> set[str]:
    """The modules a new process running `ledger --db DB --as li.wei ARGS` has imported
    by the time it exits."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import atexit, sys; "
            "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr)); "
            "from cli import main; main()",
            "--db",
            db,
            "--as",
            "li.wei",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return set(run.stderr.splitlines()[-1].split())


@pytest.mark.parametrize(
    "args",
    [("customer", "show", "C-00001"), ("history", "C-00001"), ("brief", "C-00001")],
    ids=" ".join,
)
def test_a_read_of_one_customer_imports_only_the_views_it_reads(
    cli: LedgerCli, customer: str, args: tuple[str, ...]
) -> None:
    """Neither the write service's commands nor the views the read does not use are
    imported (docs/decisions.md, "Start-up: a process imports what it uses"), once
    the views' tables exist (the first read creates them all)."""
    cli.ok("contact", "log", customer, "--channel", "phone", "--direction", "outbound",
           "--summary", "Called about the renewal.")  # fmt: skip
    cli.ok(*args)

    imported = modules_after(cli.db, *args)

    assert "projections.reader" in imported
    unused = {"ledger.application", "projections.churn", "projections.sla.view"}
    assert imported & unused == set()


# What a 360 read whose views are current never needs: the event classes of customers'
# streams and the rules that fold them (it decodes no customer event: only the read
# log's own), the customer aggregate, the views' handlers, the write service and its
# command models. The staff events are decoded: the caller's account is loaded.
NOT_FOR_A_CURRENT_READ = {
    *(f"ledger.domain.events.{area}" for area in CUSTOMER_EVENT_AREAS),
    "ledger.domain.corrections",
    "ledger.domain.customer",
    "projections.customer360_handlers",
    "projections.customer360_replay",
    "projections.sla.handlers",
    "ledger.application",
    "ledger.commands",
    "pydantic",
    "rich.console",
}


def test_a_current_360_imports_no_event_class_nor_any_handler(
    cli: LedgerCli, customer: str
) -> None:
    """`customer show` on views that are current (but for the read log: each read is
    logged, so the next catches that up) decodes no customer event, so imports
    none of the modules that define or handle them (docs/decisions.md, "Start-up: a
    read imports no event class"); with no sealed details to open, not cryptography
    either. The customer has a person, a contact and an open complaint, so each
    kind of handler the 360 has would have run had its events been new."""
    cli.ok("person", "add", customer, "--name", "Wang Fang", "--role", "decision_maker")
    cli.ok("contact", "log", customer, "--channel", "phone", "--direction", "outbound",
           "--summary", "Called about the renewal.", "--person", "P1")  # fmt: skip
    cli.ok("complaint", "file", customer, "--category", "service", "--channel", "phone",
           "--description", "Late.")  # fmt: skip
    shown = cli.ok("customer", "show", customer)
    assert "Wang Fang" in shown

    imported = modules_after(cli.db, "customer", "show", customer)

    assert "ledger.domain.events.staff" in imported  # the caller's account, the read log
    assert imported & NOT_FOR_A_CURRENT_READ == set()
    assert not any(name.startswith("cryptography") for name in imported)


def test_a_current_work_list_imports_no_handler_nor_the_events_of_cases(
    cli: LedgerCli, customer: str
) -> None:
    """`todo` reads a dozen views; once they are current it imports none of their
    handlers. Only the events some views filter by are imported: the handover
    view's profile events, the staff, plan and summary events."""
    cli.ok("complaint", "file", customer, "--category", "service", "--channel", "phone",
           "--description", "Late.")  # fmt: skip
    cli.ok("todo")

    imported = modules_after(cli.db, "todo")

    assert "projections.sla.view" in imported
    filtered_by = {"ledger.domain.events.profile"}
    assert imported & (NOT_FOR_A_CURRENT_READ - filtered_by) == set()
    assert "projections.sla.replay" not in imported


def test_a_read_that_goes_on_to_write_records_through_the_open_ledger(
    cli: LedgerCli, customer: str
) -> None:
    """`sla sweep` looks at the views (through the read side of the ledger), then
    records what it found: the same open ledger becomes the write service."""
    cli.ok("complaint", "file", customer, "--category", "service", "--channel", "phone",
           "--description", "Late.", "--at", "2025-02-03T09:00")  # fmt: skip

    swept = cli.ok("sla", "sweep")

    assert "C-00001" in swept
    assert "CP1 missed its resolution target" in cli.ok("history", customer)


def test_a_recording_command_does_not_import_the_pydantic_plugin_search(
    cli: LedgerCli, customer: str
) -> None:
    """The command line turns pydantic's plugins off, and with them the import of
    `importlib.metadata` (and the email package) that only their search needs."""
    args = ("contact", "log", customer, "--channel", "phone", "--direction", "outbound",
            "--summary", "Called about the renewal.")  # fmt: skip

    imported = modules_after(cli.db, *args)

    assert "ledger.commands.interactions" in imported  # the command's model was built
    assert {"importlib.metadata", "email"} & imported == set()
    assert len(cli.events_of(customer)) == 2  # registered, then the contact logged
