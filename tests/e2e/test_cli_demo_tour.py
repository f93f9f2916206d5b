"""The demo's tour: every command it suggests works, as printed, for the account
it names (or the executive it says to export)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import ledger


@pytest.mark.parametrize("seed", [7, 11])
def test_every_command_the_tour_suggests_runs(tmp_path: Path, seed: int) -> None:
    runner = CliRunner()
    env = {"LEDGER_HOME": str(tmp_path)}
    shown = runner.invoke(ledger, ["demo", "--customers", "12", "--seed", str(seed)], env=env)
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    exported = [line.split("=", 1)[1] for line in lines if "export LEDGER_ACTOR=" in line]
    suggested = [line.strip() for line in lines if line.strip().startswith("ledger ")]
    assert exported and len(suggested) >= 5
    for command in suggested:
        args = shlex.split(command)[1:]
        result = runner.invoke(ledger, args, env={**env, "LEDGER_ACTOR": exported[0]})
        assert result.exit_code == 0, f"{command}\n{result.output}"
