"""No command takes a blank text: every text option and argument of every command,
given '' or '   ', is a usage error in one line and nothing is written (issue #18:
`branch add --location ''` wrote a branch, `--reason ''` and twenty more were
recorded blank, `history --kind ''` filtered nothing)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cli import GROUPS, ledger, load_command


def commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))
    else:
        yield path


def text_inputs() -> Iterator[tuple[tuple[str, ...], str]]:
    """(command path, input) for every text option and argument of every command."""
    for name in sorted(GROUPS):
        group = load_command(name)
        for path in commands(group, (name,)):
            command = group
            for step in path[1:]:
                assert isinstance(command, click.Group)
                command = command.commands[step]
            for param in command.params:
                if not isinstance(param.type, click.types.StringParamType):
                    continue
                if isinstance(param, click.Option) and not (param.is_flag or param.count):
                    yield path, param.opts[-1] if param.opts[-1].startswith("--") else param.opts[0]
                elif isinstance(param, click.Argument):
                    yield path, f"ARG:{param.name}"


def _arguments_before(path: tuple[str, ...], name: str) -> list[str] | None:
    """Plain values for the arguments before `name`, or None if one of them is not text."""
    command = load_command(path[0])
    for step in path[1:]:
        assert isinstance(command, click.Group)
        command = command.commands[step]
    before: list[str] = []
    for param in command.params:
        if not isinstance(param, click.Argument):
            continue
        if param.name == name:
            return before
        if not isinstance(param.type, click.types.StringParamType):
            return None
        before.append("C-00001")
    return None


INPUTS = sorted(set(text_inputs()))


def test_the_walk_finds_the_free_texts_the_issue_named() -> None:
    found = set(INPUTS)

    assert (("branch", "add"), "--location") in found
    assert (("relationship", "terminate"), "--root-cause") in found
    assert (("history",), "--kind") in found
    assert len({option for _, option in INPUTS if option.startswith("--")}) >= 21


@pytest.mark.parametrize("blank", ["", "   "], ids=["empty", "blank"])
@pytest.mark.parametrize(("path", "option"), INPUTS, ids=[" ".join((*p, o)) for p, o in INPUTS])
def test_a_blank_text_is_refused_in_one_line_before_anything_is_opened(
    tmp_path: Path, path: tuple[str, ...], option: str, blank: str
) -> None:
    db = tmp_path / "ledger.sqlite3"
    if option.startswith("ARG:"):
        before = _arguments_before(path, option[4:])
        if before is None:
            pytest.skip("an earlier argument is not text")
        given = [*before, blank]
    else:
        given = [f"{option}={blank}"]

    result = CliRunner().invoke(
        ledger,
        ["--db", str(db), "--as", "li.wei", *path, *given],
        env={"LEDGER_HOME": str(tmp_path)},
    )

    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    # An option is named as typed; an argument by its metavar (CUSTOMER, CUSTOMER/B1).
    named = "" if option.startswith("ARG:") else option
    assert lines[0].startswith(f"Error: {named}")
    assert lines[0].endswith(f" must not be empty (see `ledger {' '.join(path)} --help`)")
    assert not db.exists()


@pytest.mark.parametrize("kinds", [",", " , ,"])
def test_a_kind_filter_that_names_no_kind_is_refused(tmp_path: Path, kinds: str) -> None:
    db = tmp_path / "ledger.sqlite3"

    result = CliRunner().invoke(
        ledger, ["--db", str(db), "--as", "li.wei", "history", "C-00001", "--kind", kinds]
    )

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: --kind names no kind: use one of ")
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("option", ["--db", "--as"])
def test_a_blank_global_option_is_refused(tmp_path: Path, option: str) -> None:
    result = CliRunner().invoke(
        ledger, [f"{option}= ", "customer", "list"], env={"LEDGER_HOME": str(tmp_path)}
    )

    assert result.exit_code == 2, result.output
    assert result.stderr == f"Error: {option} must not be empty (see `ledger --help`)\n"
    assert list(tmp_path.iterdir()) == []
