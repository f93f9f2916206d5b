"""The command line turns pydantic's plugins off (ledger/pydantic_plugins.py): the
plugin search is skipped, and its module not imported, unless the caller chose
plugins of their own."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = (
    "from ledger.pydantic_plugins import disable_plugins; disable_plugins(); "
    "import sys; from pydantic.plugin._loader import get_plugins; "
    "from ledger.commands import LogContact; "
    "LogContact(actor='li.wei', customer='C-00001', channel='phone', direction='outbound', "
    "summary='Called.'); "
    "print(list(get_plugins()), 'importlib.metadata' in sys.modules)"
)


def probe(setting: str | None) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if setting is not None:
        environ["PYDANTIC_DISABLE_PLUGINS"] = setting
    run = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=environ, check=True
    )
    return run.stdout.strip()


@pytest.mark.parametrize("setting", [None, "__all__", "true"])
def test_with_every_plugin_off_models_validate_without_the_plugin_search(
    setting: str | None,
) -> None:
    assert probe(setting) == "[] False"


def test_a_callers_own_plugin_setting_keeps_pydantics_plugin_search() -> None:
    """Turning off one plugin by name leaves the others to be found: the real loader."""
    assert probe("some_plugin") == "[] True"


def test_a_name_the_stand_in_lacks_comes_from_pydantics_real_loader() -> None:
    """A pydantic that takes more from its plugin loader than `get_plugins` gets the
    real module, not an ImportError."""
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ledger.pydantic_plugins import disable_plugins; disable_plugins(); "
            "import sys; from pydantic.plugin._loader import _plugins; "
            "print(hasattr(sys.modules['pydantic.plugin._loader'], '__file__'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip() == "True"
