"""Every command a user can reach explains itself."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from cli import GROUPS, ledger


def reachable(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path.rsplit(" ", 1)[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, f"{path} lists {name} but cannot load it"
            yield from reachable(sub, f"{path} {name}")


@pytest.mark.parametrize("name", sorted(GROUPS))
def test_every_command_and_subcommand_has_help_text(name: str) -> None:
    root = click.Context(ledger, info_name="ledger")
    command = ledger.get_command(root, name)
    assert command is not None

    missing = [
        path for path, cmd in reachable(command, f"ledger {name}") if not (cmd.help or "").strip()
    ]

    assert missing == []


def test_the_root_help_lists_every_command_without_loading_them() -> None:
    result = CliRunner().invoke(ledger, ["--help"])

    assert result.exit_code == 0
    listed = result.stdout.split("Commands:", 1)[1]
    assert [line.split()[0] for line in listed.strip().splitlines()] == sorted(GROUPS)


@pytest.mark.parametrize(
    "path",
    [
        ["customer", "register"],
        ["visit", "report"],
        ["escalate"],
        ["correct"],
        ["opportunity", "follow-up"],
    ],
)
def test_a_command_help_shows_its_options(path: list[str]) -> None:
    result = CliRunner().invoke(ledger, [*path, "--help"])

    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: ledger {' '.join(path)} [OPTIONS]")
    assert "--command-id ID" in result.stdout
