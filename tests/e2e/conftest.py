"""The `ledger` command run in-process, as a user types it, on a fresh database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result

from cli import ledger
from ledger.application import Ledger
from ledger.domain.base import CustomerEvent
from ledger.storage import resolve
from tests.staffing import seed_staff

E = TypeVar("E", bound=CustomerEvent)

ACTOR = "li.wei"
CUSTOMER_NAME = "Capital Airport Group"
# When the `customer` fixture registers it.
REGISTERED = "2025-01-02T09:00"
# The usage error of every command but `schema` and `--help` when no one is named to act as.
NO_ACTOR = (
    "no acting staff member: pass --as STAFF (e.g. --as li.wei), set LEDGER_ACTOR, "
    "or set `actor` in the configuration file"
)


@dataclass
class LedgerCli:
    """`ledger --db DB --as li.wei ...`, and a look at what the store holds."""

    db: str
    runner: CliRunner = field(default_factory=CliRunner)
    # The accounts tests act as; False for a test about a ledger without any.
    staffed: bool = True

    def __post_init__(self) -> None:
        if self.staffed:
            app = Ledger(env=resolve(self.db, environ={}).env)
            try:
                seed_staff(app)
            finally:
                app.close()

    def run(
        self, *args: str, actor: str | None = ACTOR, env: dict[str, str] | None = None
    ) -> Result:
        global_options = ["--db", self.db, *(["--as", actor] if actor else [])]
        result = self.runner.invoke(ledger, [*global_options, *args], env=env)
        # Whatever the input, a user never sees a traceback.
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    def ok_as(self, actor: str, *args: str) -> str:
        result = self.run(*args, actor=actor)
        assert result.exit_code == 0, result.output
        return result.stdout

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def events_recorded(self) -> int:
        """How many events the store holds, across every customer: the check that a
        refused command wrote nothing."""
        app = Ledger(env=resolve(self.db, environ={}).env)
        try:
            return app.recorder.max_notification_id() or 0
        finally:
            app.close()

    def events_of(self, customer: str) -> list[CustomerEvent]:
        app = Ledger(env=resolve(self.db, environ={}).env)
        try:
            return app.customer_events(customer)[1]
        finally:
            app.close()

    def recorded(self, customer: str, kind: type[E], version: int | None = None) -> E:
        """The customer's event at `version` (default: the latest), which must be a `kind`."""
        events = self.events_of(customer)
        event = events[-1] if version is None else events[version - 1]
        assert isinstance(event, kind), f"{type(event).__name__} is not {kind.__name__}"
        return event


def no_customer(reference: str) -> str:
    return (
        f"no customer {reference!r}: name one by code (C-00042) or exact name; "
        "`ledger customer list` shows them"
    )


def assert_refused(result: Result, message: str) -> None:
    """A rule the ledger refuses: one line on stderr, exit code 1."""
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"Error: {message}\n", "")


def assert_usage_error(result: Result, message: str, command: str | None = None) -> None:
    """Bad input: one line on stderr (naming the command's help when click knows it), exit 2."""
    hint = f" (see `ledger {command} --help`)" if command else ""
    assert (result.exit_code, result.stderr, result.stdout) == (
        2,
        f"Error: {message}{hint}\n",
        "",
    )


@pytest.fixture
def cli(tmp_path: Path) -> LedgerCli:
    return LedgerCli(db=str(tmp_path / "ledger.sqlite3"))


@pytest.fixture
def customer(cli: LedgerCli) -> str:
    """A registered customer, C-00001, registered early in 2025 so that tests may
    date its history in the past (nothing can be dated before the registration)."""
    cli.ok("customer", "register", CUSTOMER_NAME, "--segment", "airport", "--at", REGISTERED)
    return "C-00001"
