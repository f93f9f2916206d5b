"""Asking for help is instant: `ledger --help` and a group's `--help` load no command
model, storage or event library, only click and the group's own module."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli import GROUPS

HEAVY = {"pydantic", "eventsourcing", "psycopg"}


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
