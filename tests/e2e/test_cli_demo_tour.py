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


def test_the_tour_shows_the_work_list_the_pipeline_and_the_activity(tmp_path: Path) -> None:
    shown = CliRunner().invoke(
        ledger, ["demo", "--customers", "12", "--seed", "7"], env={"LEDGER_HOME": str(tmp_path)}
    )

    suggested = [line.split()[1:] for line in shown.stdout.splitlines() if "  ledger " in line]
    commands = {next(word for word in words if not word.startswith("-") and "." not in word)
                for words in suggested}  # fmt: skip
    assert {"todo", "pipeline", "activity"} <= commands
