"""How the read side's modules import each other: commands -> read service
(projections/reader.py) -> views -> domain. No module of projections/ imports
another in a circle, not even from inside a function, and only the read service
reaches the catch-up engine (projections/views.py); queries take a transaction."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "projections"
ENGINE = "projections.views"
MAY_IMPORT_ENGINE = {"projections.reader"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """The projections modules `path` imports: at module level, inside a function,
    or for type checking only (a circle there is a circle of meaning too)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {name for name in found if name in MODULES}


GRAPH = {name: imported(path) - {name} for name, path in MODULES.items()}


def circles() -> list[list[str]]:
    """Each circle of imports found by a depth-first walk."""
    found: list[list[str]] = []
    done: set[str] = set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            found.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for target in sorted(GRAPH[name]):
            walk(target, [*path, name])
        done.add(name)

    for name in sorted(GRAPH):
        walk(name, [])
    return found


def test_no_module_of_the_read_side_imports_another_in_a_circle() -> None:
    assert circles() == []


def test_only_the_read_service_reaches_the_catch_up_engine() -> None:
    reaching = {name for name, targets in GRAPH.items() if ENGINE in targets}

    assert reaching == MAY_IMPORT_ENGINE


def test_the_read_service_imports_alone_in_a_new_interpreter() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import projections.reader"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
