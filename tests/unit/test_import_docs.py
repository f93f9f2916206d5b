"""docs/import.md documents every kind of file: a section per kind naming each
of its columns, so a column added to a kind without a word for users fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger.imports.kinds import KINDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def section(kind: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(rf"^### {kind}\n(.*?)(?=^### |\Z)", text, flags=re.M | re.S)
    assert found, f"docs/import.md has no section ### {kind}"
    return found.group(1)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_of_every_kind_is_documented_in_its_section(kind: str) -> None:
    documented = section(kind)
    missing = [c for c in sorted(KINDS[kind].columns.known) if f"`{c}`" not in documented]
    assert missing == []
