"""The compiled code of the methods `dataclasses` writes, kept between runs.

Every event class is a frozen dataclass (eventsourcing makes it one), and for each
dataclass the standard library writes `__init__`, `__repr__`, `__eq__`, `__hash__`,
`__setattr__` and `__delattr__` out as source text and compiles it. With some 85
event classes and as many other dataclasses, that compiling was over half of what
importing the ledger cost, in every process (benchmarks/README.md, "Start-up").

Python keeps the bytecode of modules in `__pycache__`; this keeps the bytecode of
those generated methods beside it, keyed by their exact source text, and hands the
stored code to `exec` instead of the text. The methods are the same; only the
compiling is skipped.

Keyed by the whole text, the store cannot give a class the wrong code: a class
that changed writes different text, which is a miss, compiled as before and added.
The file belongs to one interpreter (its cache tag names it, its magic number is
checked) and is written only where Python itself would write bytecode: not under
`PYTHONDONTWRITEBYTECODE` or `-B`, and not where the package is read-only.
See docs/decisions.md, "Start-up: the cost is paid at import".
"""

from __future__ import annotations

import atexit
import builtins
import dataclasses
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

STORE = Path(__file__).parent / "__pycache__" / f"dataclass_code.{sys.implementation.cache_tag}"
# Edits to classes leave their old methods' entries behind; past this many, the
# next save keeps only the entries the saving process used.
MOST_ENTRIES = 5000


class CodeStore:
    """Compiled code by source text, loaded on first use and saved at exit when
    something was added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, CodeType] | None = None
        self.used: set[str] = set()
        self.compiled = 0

    @property
    def codes(self) -> dict[str, CodeType]:
        if self._codes is None:
            self._codes = read_store(self.path)
        return self._codes

    def exec(
        self,
        source: Any,
        globals: dict[str, Any] | None = None,
        locals: Any = None,
        /,
    ) -> None:
        """`exec` as the dataclasses module calls it, with the text's code stored."""
        if not isinstance(source, str):
            builtins.exec(source, globals, locals)
            return
        code = self.codes.get(source)
        if code is None:
            # As `exec(text)` from the dataclasses module would compile it: that
            # module has no __future__ imports, so none are inherited here either.
            code = compile(source, "<string>", "exec", dont_inherit=True)
            self.codes[source] = code
            self.compiled += 1
        self.used.add(source)
        # With no globals, exec would run in the caller's: the dataclasses module's.
        builtins.exec(code, vars(dataclasses) if globals is None else globals, locals)

    def save(self) -> None:
        """Write what was compiled in this run, where Python would write bytecode."""
        if not self.compiled or sys.dont_write_bytecode or self._codes is None:
            return
        codes = self._codes
        if len(codes) > MOST_ENTRIES:
            codes = {source: codes[source] for source in self.used}
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            temporary.write_bytes(MAGIC_NUMBER + marshal.dumps(codes))
            # Whole or not at all: a reader never sees half a file.
            temporary.replace(self.path)
        except OSError:
            # Read-only install, full disk: the next run compiles, as Python would.
            temporary.unlink(missing_ok=True)


def read_store(path: Path) -> dict[str, CodeType]:
    """The stored codes, or none if the file is missing, another interpreter's or
    unreadable (it is only ever a shortcut)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(MAGIC_NUMBER):
        return {}
    try:
        codes = marshal.loads(data[len(MAGIC_NUMBER) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    return {
        source: code
        for source, code in codes.items()
        if isinstance(source, str) and isinstance(code, CodeType)
    }


_installed: CodeStore | None = None


def keep_generated_code(path: Path = STORE) -> CodeStore:
    """Route the dataclasses module's `exec` through a store (once per process)."""
    global _installed
    if _installed is None:
        _installed = CodeStore(path)
        # The module calls `exec` by its bare name: a module global of that name is
        # found before the builtin.
        setattr(dataclasses, "exec", _installed.exec)  # noqa: B010
        atexit.register(_installed.save)
    return _installed
