"""The service's command handlers, found from their signatures: a handler is a
public method of `Ledger` whose `command` is one of the concrete commands."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, get_type_hints

from ledger import commands
from ledger.application import Ledger
from ledger.commands import Command

# The first half of `register_customer`, which bulk loaders (the demo) finish
# by saving more of the customer's history with it.
NOT_HANDLERS = frozenset({"prepare_registration"})


def concrete_commands() -> set[type[Command]]:
    """The commands staff give: those no other command builds on."""
    # The models are defined module by module as they are first used: all of them here.
    commands.import_all()
    found: set[type[Command]] = set()
    pending: list[type[Command]] = [Command]
    while pending:
        model = pending.pop()
        below = model.__subclasses__()
        if not below:
            found.add(model)
        pending.extend(below)
    return found


def handlers() -> dict[str, tuple[Callable[..., Any], type[Command]]]:
    """Each handler by its name, with the command it takes."""
    concrete = concrete_commands()
    found: dict[str, tuple[Callable[..., Any], type[Command]]] = {}
    for name, function in inspect.getmembers(Ledger, inspect.isfunction):
        if name.startswith("_") or name in NOT_HANDLERS:
            continue
        if "command" not in inspect.signature(function).parameters:
            continue
        # The service names its command types through `c`, imported for type checking only.
        takes = get_type_hints(function, localns={"c": commands})["command"]
        if takes in concrete:
            found[name] = (function, takes)
    return found
