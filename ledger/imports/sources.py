"""Reading source files (docs/import.md, "Files"): CSV, streamed record by
record, in UTF-8 (with or without a byte-order mark) or GB18030, comma- or
tab-separated, with the columns renamed by a mapping file.

A file that is not what it claims (binary, another encoding, columns that are
not its kind's) is refused as a whole with one line; a record that cannot be
read (a line in a broken encoding, a wrong number of cells) is a rejected row.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ledger.errors import InvalidInputError
from ledger.imports.contract import Columns, SourceRow

# How much of a file is read to tell its encoding and delimiter.
SNIFF_BYTES = 64 * 1024
UTF8_BOM = b"\xef\xbb\xbf"
UTF8, UTF8_SIG, GB18030 = "utf-8", "utf-8-sig", "gb18030"
# Python's csv refuses longer fields by default (128 KiB); a visit summary may be
# long, a pasted mail thread longer. A field past the limit makes the reader lose
# its place (each line after it would be read as a record), so the limit is far
# above any cell a person writes; a record is held in memory one at a time.
FIELD_LIMIT = 64 * 1024 * 1024
csv.field_size_limit(FIELD_LIMIT)

# The column a rejects file adds: never a kind's own (escalations have `reason`).
REASON_COLUMN = "reject_reason"
# A kind's columns renamed: source column -> canonical column ("" drops it).
Mapping_ = Mapping[str, str]


@dataclass(frozen=True)
class Encoding:
    """How a file is written: its text encoding and its delimiter."""

    codec: str  # utf-8, utf-8-sig or gb18030
    delimiter: str  # "," or "\t"


@dataclass
class Source:
    """One source file of one kind, opened: its header and how it is written."""

    path: Path
    name: str  # as the user gave it
    kind: str
    encoding: Encoding
    header: list[str]  # the columns as the file names them
    canonical: list[str]  # the same columns renamed ("" for a dropped one)
    rows_read: int = field(default=0)

    def rows(self) -> Iterator[SourceRow | Unreadable]:
        """Every record after the header, in file order."""
        bad_lines: set[int] = set()
        record_text = RecordWriter(self.encoding.delimiter)
        with self.path.open("rb") as handle:
            lines = _decoded_lines(handle, self.encoding.codec, bad_lines)
            reader = csv.reader(lines, delimiter=self.encoding.delimiter)
            try:
                next(reader)  # the header, read already
            except StopIteration:
                return
            except csv.Error as error:
                raise InvalidInputError(
                    f"{self.name}: its first line cannot be read as CSV ({error}): save "
                    "it as CSV with one header line"
                ) from None
            previous_end = reader.line_num
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    start, previous_end = previous_end + 1, reader.line_num
                    yield Unreadable(self.name, start, "", f"cannot be read as CSV: {error}")
                    continue
                start, end = previous_end + 1, reader.line_num
                previous_end = end
                if not cells or all(not cell.strip() for cell in cells):
                    continue  # a blank line separates nothing and records nothing
                self.rows_read += 1
                raw = record_text(cells)
                broken = [n for n in range(start, end + 1) if n in bad_lines]
                if broken:
                    bad_lines.difference_update(broken)
                    yield Unreadable(
                        self.name,
                        start,
                        raw,
                        f"line {broken[0]} is not valid {self.encoding.codec.upper()}: "
                        "save the file as UTF-8 or GB18030",
                    )
                    continue
                if len(cells) != len(self.header):
                    yield Unreadable(
                        self.name,
                        start,
                        raw,
                        f"has {len(cells)} cells where the header has {len(self.header)}: "
                        "quote a value holding the delimiter",
                    )
                    continue
                values = {
                    column: cell.strip()
                    for column, cell in zip(self.canonical, cells, strict=True)
                    if column
                }
                yield SourceRow(file=self.name, line=start, raw=raw, values=values)


@dataclass(frozen=True)
class Unreadable:
    """A record that could not be read into columns: rejected as it stands."""

    file: str
    line: int
    raw: str
    reason: str


def open_source(
    path: Path, name: str, kind: str, columns: Columns, mapping: Mapping_ | None = None
) -> Source:
    """The file at `path` as a source of `kind`, its header checked against the
    kind's columns (after `mapping`); refused with one line when it is not one."""
    if not path.is_file():
        raise InvalidInputError(f"{name}: no such file")
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        # ASCII reads alike in both encodings: the first line that is not ASCII
        # tells them apart, however far down it is.
        sample = head if not head.isascii() else _first_non_ascii(handle, head)
    if b"\r" in head and b"\n" not in head:
        # Lines ended by a carriage return alone (classic Mac OS): read as one line.
        raise InvalidInputError(
            f"{name}: its lines end in a carriage return alone (an old Mac format): "
            "save it with Windows or Unix line endings"
        )
    encoding_codec = sniff_encoding(sample, name)
    text = head.decode(encoding_codec, errors="replace")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not text.strip():
        raise InvalidInputError(f"{name}: the file is empty: its first line must name the columns")
    if not first_line.strip():
        raise InvalidInputError(
            f"{name}: its first line is blank: remove the blank lines before the header, "
            "which must be the first line"
        )
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    header = [cell.strip() for cell in next(csv.reader([first_line], delimiter=delimiter))]
    # A rejects file's reason column is dropped, so a fixed rejects file imports
    # as it is (ledger/imports/rejects.py).
    canonical = ["" if c == REASON_COLUMN else c for c in _rename(header, mapping or {})]
    _check_columns(name, kind, header, canonical, columns, bool(mapping))
    return Source(
        path=path,
        name=name,
        kind=kind,
        encoding=Encoding(encoding_codec, delimiter),
        header=header,
        canonical=canonical,
    )


def sniff_encoding(head: bytes, name: str) -> str:
    """UTF-8 (a byte-order mark says so, or the start decodes as UTF-8), else
    GB18030; a file holding NUL bytes, or decoding as neither, is refused."""
    if b"\x00" in head:
        raise InvalidInputError(
            f"{name}: is a binary file, not CSV text: export the data as CSV (UTF-8 or GB18030)"
        )
    if head.startswith(UTF8_BOM):
        return UTF8_SIG
    # The sniffed block may end inside a character: judge only whole lines. A
    # stray broken line is that row's problem (rejected), not the file's.
    cut = head.rfind(b"\n")
    sample = head if cut < 0 or len(head) < SNIFF_BYTES else head[: cut + 1]
    lines = [line for line in sample.split(b"\n") if line.strip()]
    if not lines:
        return UTF8  # empty: `open_source` says so
    best: tuple[int, str] | None = None
    for codec in (UTF8, GB18030):
        broken = sum(1 for line in lines if not _decodes(line, codec))
        if broken == 0:
            return codec
        # Mostly readable, header included; a tie goes to UTF-8.
        readable = _decodes(lines[0], codec) and broken * 2 < len(lines)
        if readable and (best is None or broken < best[0]):
            best = (broken, codec)
    if best is None:
        raise InvalidInputError(
            f"{name}: is neither UTF-8 nor GB18030 text: save it as UTF-8 (or GB18030) CSV"
        )
    return best[1]


def _first_non_ascii(handle: io.BufferedReader, head: bytes) -> bytes:
    """About `SNIFF_BYTES` from the start of the first line holding a byte that is
    not ASCII, read on from `head` (a GB18030 export whose first thousand rows
    are ASCII names); `head` itself when there is none."""
    carried = head[head.rfind(b"\n") + 1 :]
    while chunk := handle.read(1 << 20):
        data = carried + chunk
        found = _NOT_ASCII.search(data)
        if found is not None:
            start = data.rfind(b"\n", 0, found.start()) + 1
            return data[start : start + SNIFF_BYTES] + handle.read(
                max(0, start + SNIFF_BYTES - len(data))
            )
        carried = data[data.rfind(b"\n") + 1 :]
    return head


_NOT_ASCII = re.compile(rb"[\x80-\xff]")


def _decodes(line: bytes, codec: str) -> bool:
    try:
        line.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _rename(header: list[str], mapping: Mapping_) -> list[str]:
    return [mapping.get(column, column) for column in header]


def _check_columns(
    name: str,
    kind: str,
    header: list[str],
    canonical: list[str],
    columns: Columns,
    mapped: bool,
) -> None:
    hint = "fix the mapping file" if mapped else "rename them, or give a --mapping file"
    duplicates = sorted({c for c in canonical if c and canonical.count(c) > 1})
    if duplicates:
        raise InvalidInputError(
            f"{name}: column {', '.join(duplicates)} appears more than once: {hint}"
        )
    missing = [c for c in columns.required if c not in canonical]
    unknown = [
        original
        for original, column in zip(header, canonical, strict=True)
        if column and column not in columns.known
    ]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"lacks column {', '.join(missing)}")
        if unknown:
            problems.append(f"has column {', '.join(unknown)} that {kind} files do not have")
        raise InvalidInputError(
            f"{name}: is not a {kind} file: it {' and '.join(problems)} "
            f"(docs/import.md lists the columns; {hint})"
        )


def _decoded_lines(handle: io.BufferedReader, codec: str, bad: set[int]) -> Iterator[str]:
    """The file's lines as text; a line that does not decode is noted in `bad` (by
    line number) and given with its broken bytes kept as surrogate escapes, so that
    the rejects file gives them back as they were (ledger/imports/rejects.py)."""
    for number, read in enumerate(handle, start=1):
        line = read[len(UTF8_BOM) :] if number == 1 and codec == UTF8_SIG else read
        try:
            yield line.decode(UTF8 if codec == UTF8_SIG else codec)
        except UnicodeDecodeError:
            bad.add(number)
            yield line.decode(UTF8 if codec == UTF8_SIG else codec, errors="surrogateescape")


class RecordWriter:
    """Records as CSV text (quoted as needed, no line end), one at a time, through
    one writer: a writer and its buffer made for each row cost more than writing it."""

    def __init__(self, delimiter: str) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, delimiter=delimiter, lineterminator="")

    def __call__(self, cells: list[str]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()


def header_text(source: Source) -> str:
    return RecordWriter(source.encoding.delimiter)(source.header)


# ------------------------------------------------------------------ mapping
def read_mapping(path: Path, kinds: Mapping[str, Columns]) -> dict[str, dict[str, str]]:
    """A mapping file (docs/import.md, "Mapping files"): one TOML table per kind,
    each key a column of the source file and its value the column it stands for
    ("" to leave the column out)."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such mapping file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path}: is not a TOML file ({error})") from None
    mapping: dict[str, dict[str, str]] = {}
    for kind, table in document.items():
        if kind not in kinds:
            raise InvalidInputError(
                f"{path}: [{kind}] is not a kind of file: use one of {', '.join(kinds)}"
            )
        if not isinstance(table, dict):
            raise InvalidInputError(
                f"{path}: {kind} must be a table ([{kind}]) of source column = column"
            )
        renames: dict[str, str] = {}
        for source_column, column in table.items():
            if not isinstance(column, str):
                raise InvalidInputError(
                    f"{path}: [{kind}] {source_column!r} must name a column as text"
                )
            if column and column not in kinds[kind].known:
                raise InvalidInputError(
                    f"{path}: [{kind}] {source_column!r} = {column!r}: {kind} files have no "
                    f"column {column!r} (docs/import.md lists them)"
                )
            renames[source_column] = column
        mapping[kind] = renames
    return mapping
