"""Every kind of file is documented: a section per kind naming each of its
columns (customers and people in docs/import.md, `### <kind>`; the record kinds
in docs/import_kinds.md, `## <kind>`), so a column added to a kind without a
word for users fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger.imports.kinds import KINDS

DOCS = Path(__file__).resolve().parents[2] / "docs"
# (file, heading level) where a kind's section may be.
PLACES = (("import.md", "###"), ("import_kinds.md", "##"))


def section(kind: str) -> str:
    for name, level in PLACES:
        path = DOCS / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        found = re.search(rf"^{level} {kind}\n(.*?)(?=^#{{1,{len(level)}}} |\Z)", text, re.M | re.S)
        if found:
            return found.group(1)
    raise AssertionError(f"no section for {kind} in docs/import.md or docs/import_kinds.md")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_column_of_every_kind_is_documented_in_its_section(kind: str) -> None:
    documented = section(kind)
    missing = [c for c in sorted(KINDS[kind].columns.known) if f"`{c}`" not in documented]
    assert missing == []
