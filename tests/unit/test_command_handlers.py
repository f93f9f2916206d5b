"""Every command reaches the service through its type: each concrete command in
`ledger.commands` has exactly one handler on `Ledger`, the method that takes it."""

from __future__ import annotations

from collections import defaultdict

from ledger.commands import LocalIdCommand, LogContact, ReassignOwner
from tests.handlers import concrete_commands, handlers


def test_the_concrete_commands_are_the_ones_staff_give() -> None:
    concrete = concrete_commands()

    assert {LogContact, ReassignOwner} <= concrete
    assert LocalIdCommand not in concrete


def test_every_command_has_exactly_one_handler_on_the_service() -> None:
    handled_by: dict[str, list[str]] = defaultdict(list)
    for name, (_, command) in handlers().items():
        handled_by[command.__name__].append(name)

    unhandled = sorted(c.__name__ for c in concrete_commands() if c.__name__ not in handled_by)
    shared = {command: names for command, names in handled_by.items() if len(names) > 1}

    assert (unhandled, shared) == ([], {})
