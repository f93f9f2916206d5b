"""`ledger.commands` names every command and defines a model only when its module
is first used: a process recording a contact builds no staff or visit-plan model."""

from __future__ import annotations

import importlib
import subprocess
import sys

from pydantic import BaseModel

from ledger import commands


def test_every_model_of_every_module_is_named_with_its_module() -> None:
    defined = {}
    for module in set(commands.MODULES.values()):
        namespace = vars(importlib.import_module(f"ledger.commands.{module}"))
        for name, value in namespace.items():
            model = isinstance(value, type) and issubclass(value, BaseModel)
            if model and value.__module__ == f"ledger.commands.{module}":
                defined[name] = module

    named = {name: module for name, module in commands.MODULES.items() if name in defined}

    assert named == defined


def test_each_name_gives_what_its_module_holds() -> None:
    for name, module in commands.MODULES.items():
        held = getattr(importlib.import_module(f"ledger.commands.{module}"), name)

        assert getattr(commands, name) is held


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        commands.LogContract  # noqa: B018
    except AttributeError as error:
        assert "LogContract" in str(error)
    else:
        raise AssertionError("an unknown command name was accepted")


def test_asking_for_one_command_defines_only_its_area() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ledger.commands import LogContact; "
            "print(sorted(m for m in sys.modules if m.startswith('ledger.commands.')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert run.stdout.split() == ["['ledger.commands.base',", "'ledger.commands.interactions']"]
