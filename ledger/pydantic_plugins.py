"""The command line uses no pydantic plugin: the search for them is turned off,
and so is the import that only that search needs.

Building a command model's validator asks pydantic's plugin loader for plugins
(`pydantic.plugin._loader.get_plugins`). With `PYDANTIC_DISABLE_PLUGINS` set to
`__all__` (pydantic's own switch) it returns none without searching, but its
module imports `importlib.metadata` at its top for that search, and with it the
`email` package: some 9 ms of every recording command (docs/decisions.md,
"Start-up: a read imports no event class"). With every plugin turned off, that
module is given as one whose `get_plugins` returns none, which is what pydantic's
returns then. A caller's own setting is kept, and the real loader with it.

The stand-in answers `get_plugins` only; asked for anything else (a pydantic
release whose other modules take more from the loader), it steps aside and the
real loader is imported and answers, so a newer pydantic costs the 9 ms again,
never a failure.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

LOADER = "pydantic.plugin._loader"


def no_plugins() -> tuple[()]:
    """What pydantic's loader returns with every plugin turned off."""
    return ()


def disable_plugins() -> None:
    """Turn pydantic's plugins off unless the caller set them, and skip importing
    the plugin search when they are all off."""
    setting = os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    if setting not in ("__all__", "1", "true") or LOADER in sys.modules:
        return
    loader = types.ModuleType(LOADER, "Every pydantic plugin is off (ledger/pydantic_plugins.py).")
    loader.get_plugins = no_plugins  # type: ignore[attr-defined]
    loader.__getattr__ = _real_loader_attribute  # type: ignore[method-assign]
    sys.modules[LOADER] = loader


def _real_loader_attribute(name: str) -> Any:
    """Any other name of the loader module, from the real one (imported now, in the
    stand-in's place). Dunder names are the import system's questions about the
    module itself (`__path__`...): answered as a plain module would, or asking
    them would import the search after all."""
    if name.startswith("__"):
        raise AttributeError(name)
    stand_in = sys.modules.get(LOADER)
    if stand_in is not None and stand_in.__dict__.get("get_plugins") is no_plugins:
        del sys.modules[LOADER]
    return getattr(importlib.import_module(LOADER), name)
