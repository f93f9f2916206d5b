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
The codes are kept in one file per module, and a process reads only the files of
the modules whose dataclasses it defines: a command that defines a third of the
ledger's classes reads a third of the store (docs/decisions.md, "Start-up: a
process imports what it uses"). One file for all (1.5 MB once the tests had run)
took a read command some 2.5 ms to read and unpack ("Start-up: a read imports no
event class").

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

# One file per module, named for it, in a folder beside the package's bytecode.
STORE = Path(__file__).parent / "__pycache__" / f"dataclass_code.{sys.implementation.cache_tag}.d"
# Edits to classes leave their old methods' entries behind; past this many in one
# module, the next save keeps only the entries of it the saving process used.
MOST_ENTRIES = 2000


class CodeStore:
    """Compiled code by module and source text, each module's read from its own
    file on first use and saved at exit when something was added."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._codes: dict[str, dict[str, CodeType]] = {}
        self.used: dict[str, set[str]] = {}
        self.compiled = 0
        self._changed: set[str] = set()

    def codes(self, module: str) -> dict[str, CodeType]:
        """The stored codes of the dataclasses of `module`."""
        found = self._codes.get(module)
        if found is None:
            found = self._codes[module] = read_module(self.path, module)
        return found

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
        # The dataclasses module passes the class's module's namespace.
        module = str((globals or {}).get("__name__", ""))
        codes = self.codes(module)
        code = codes.get(source)
        if code is None:
            # As `exec(text)` from the dataclasses module would compile it: that
            # module has no __future__ imports, so none are inherited here either.
            code = compile(source, "<string>", "exec", dont_inherit=True)
            codes[source] = code
            self.compiled += 1
            self._changed.add(module)
        self.used.setdefault(module, set()).add(source)
        # With no globals, exec would run in the caller's: the dataclasses module's.
        builtins.exec(code, vars(dataclasses) if globals is None else globals, locals)

    def save(self) -> None:
        """Write the modules that compiled something in this run, where Python would
        write bytecode."""
        if not self.compiled or sys.dont_write_bytecode:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError:
            return  # a read-only install: the next run compiles, as Python would
        for module in self._changed:
            codes = self._codes[module]
            if len(codes) > MOST_ENTRIES:
                codes = {source: codes[source] for source in self.used.get(module, ())}
            target = self.path / _file_name(module)
            temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            try:
                temporary.write_bytes(MAGIC_NUMBER + marshal.dumps(codes))
                # Whole or not at all: a reader never sees half a file.
                temporary.replace(target)
            except OSError:
                temporary.unlink(missing_ok=True)


def _file_name(module: str) -> str:
    return module or "__unnamed__"


def read_module(path: Path, module: str) -> dict[str, CodeType]:
    """One module's stored codes, or none if its file is missing, another
    interpreter's, damaged or unreadable (it is only ever a shortcut)."""
    try:
        data = (path / _file_name(module)).read_bytes()
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


def read_store(path: Path) -> dict[str, CodeType]:
    """Every stored code, of every module, by source text."""
    try:
        names = [p.name for p in path.iterdir() if not p.name.endswith(".tmp")]
    except OSError:
        return {}
    return {source: code for name in names for source, code in read_module(path, name).items()}


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
