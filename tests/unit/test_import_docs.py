"""Every kind of file is documented: a section per kind naming each of its
columns (customers and people in docs/import.md, `### <kind>`; the record kinds
in docs/import_kinds.md, `## <kind>`), so a column added to a kind without a
word for users fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger.imports.kinds import KINDS
from ledger.imports.sources import read_mapping

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


def test_the_mapping_example_is_a_mapping_the_import_reads(tmp_path: Path) -> None:
    text = (DOCS / "import.md").read_text(encoding="utf-8")
    found = re.search(r"^## Mapping files\n.*?```toml\n(.*?)```", text, re.M | re.S)
    assert found is not None
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(found.group(1), encoding="utf-8")

    mapping = read_mapping(mapping_file, {k: kind.columns for k, kind in KINDS.items()})

    # Each table renames to its kind's columns, a personal detail's among them.
    assert {"customer_id", "name"} <= set(mapping["customers"].values())
    assert {"person_id", "birth_date", "home_phone"} <= set(mapping["people"].values())
