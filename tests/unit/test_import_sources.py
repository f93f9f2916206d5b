"""Reading source files: encodings, delimiters, line numbers, refusals, mapping,
and the rejects file written back in the source's own form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.errors import InvalidInputError
from ledger.imports.contract import SourceRow
from ledger.imports.kinds import KINDS
from ledger.imports.rejects import write_rejects
from ledger.imports.sources import Source, Unreadable, open_source, read_mapping

COLUMNS = KINDS["customers"].columns
HEADER = "customer_id,name,registered_at"


def source(tmp_path: Path, content: bytes, mapping: dict[str, str] | None = None) -> Source:
    path = tmp_path / "customers.csv"
    path.write_bytes(content)
    return open_source(path, "customers.csv", "customers", COLUMNS, mapping)


def rows(src: Source) -> list[SourceRow | Unreadable]:
    return list(src.rows())


@pytest.mark.parametrize(
    ("encoded", "codec"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("gb18030"), "gb18030"),
    ],
)
def test_utf8_with_or_without_bom_and_gb18030_read_alike(
    tmp_path: Path, encoded: Callable[[str], bytes], codec: str
) -> None:
    text = f"{HEADER}\nC1,北京首都机场集团,2024-01-02\nC2,深圳宝安,2024-02-03\n"
    src = source(tmp_path, encoded(text))
    assert src.encoding.codec == codec
    read = rows(src)
    assert [r.values["name"] for r in read if isinstance(r, SourceRow)] == [
        "北京首都机场集团",
        "深圳宝安",
    ]
    assert src.header == ["customer_id", "name", "registered_at"]


def test_tab_separated_files_are_read(tmp_path: Path) -> None:
    src = source(tmp_path, b"customer_id\tname\tregistered_at\nC1\tAcme, Ltd\t2024-01-02\n")
    assert src.encoding.delimiter == "\t"
    [row] = rows(src)
    assert isinstance(row, SourceRow) and row.values["name"] == "Acme, Ltd"


def test_a_record_spanning_lines_keeps_its_first_line_and_the_next_counts_on(
    tmp_path: Path,
) -> None:
    text = f'{HEADER}\nC1,"Two\nline name",2024-01-02\nC2,Next,2024-01-03\n'
    read = rows(source(tmp_path, text.encode()))
    assert [(r.line, r.values["name"]) for r in read if isinstance(r, SourceRow)] == [
        (2, "Two\nline name"),
        (4, "Next"),
    ]


def test_a_line_in_a_broken_encoding_is_a_rejected_row_and_the_others_are_read(
    tmp_path: Path,
) -> None:
    content = f"{HEADER}\nC1,Good,2024-01-02\n".encode() + b"C2,Bad \xff\xfe name,2024-01-03\n"
    content += b"C3,Also good,2024-01-04\n"
    read = rows(source(tmp_path, content))
    assert [type(r).__name__ for r in read] == ["SourceRow", "Unreadable", "SourceRow"]
    bad = read[1]
    assert isinstance(bad, Unreadable) and bad.line == 3 and "not valid UTF-8" in bad.reason


def test_a_row_with_the_wrong_number_of_cells_is_rejected(tmp_path: Path) -> None:
    read = rows(source(tmp_path, f"{HEADER}\nC1,Acme, Ltd,2024-01-02\n".encode()))
    assert isinstance(read[0], Unreadable) and "4 cells where the header has 3" in read[0].reason


def test_a_binary_file_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="binary file, not CSV text"):
        source(tmp_path, b"PK\x03\x04\x00\x00customers")


def test_a_file_without_its_kinds_columns_is_refused_naming_them(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as refused:
        source(tmp_path, b"id,company,date,colour\n1,Acme,2024-01-02,red\n")
    message = str(refused.value)
    assert "is not a customers file" in message
    assert "lacks column customer_id, name, registered_at" in message
    assert "has column id, company, date, colour that customers files do not have" in message
    assert "\n" not in message


@pytest.mark.parametrize("content", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_an_empty_file_is_refused_in_one_line(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(InvalidInputError, match="the file is empty: its first line must name"):
        source(tmp_path, content)


def test_a_mapping_renames_the_sources_columns(tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text(
        '[customers]\n"客户编号" = "customer_id"\n"客户名称" = "name"\n'
        '"建档日期" = "registered_at"\n"备注" = ""\n',
        encoding="utf-8",
    )
    mapping = read_mapping(mapping_file, {k: kind.columns for k, kind in KINDS.items()})
    content = "客户编号,客户名称,建档日期,备注\nC1,首都机场,2024-01-02,略\n".encode("gb18030")
    [row] = rows(source(tmp_path, content, mapping["customers"]))
    assert isinstance(row, SourceRow)
    assert dict(row.values) == {
        "customer_id": "C1",
        "name": "首都机场",
        "registered_at": "2024-01-02",
    }


def test_a_mapping_to_a_column_the_kind_lacks_is_refused(tmp_path: Path) -> None:
    mapping_file = tmp_path / "map.toml"
    mapping_file.write_text('[customers]\n"Firma" = "company"\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="customers files have no column 'company'"):
        read_mapping(mapping_file, {k: kind.columns for k, kind in KINDS.items()})


def test_the_rejects_file_holds_the_records_as_read_plus_a_reason_in_the_sources_encoding(
    tmp_path: Path,
) -> None:
    content = "customer_id\tname\tregistered_at\nC1\t首都机场\t2024-99-01\n".encode("gb18030")
    src = source(tmp_path, content)
    [row] = rows(src)
    assert isinstance(row, SourceRow)
    written = write_rejects(src, [(row.raw, "bad date: registered_at")], None)
    assert written == tmp_path / "customers.rejects.csv"
    assert written.read_bytes().decode("gb18030").splitlines() == [
        "customer_id\tname\tregistered_at\treject_reason",
        "C1\t首都机场\t2024-99-01\tbad date: registered_at",
    ]
