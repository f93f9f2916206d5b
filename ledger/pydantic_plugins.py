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
"""

from __future__ import annotations

import os
import sys
import types

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
    sys.modules[LOADER] = loader
