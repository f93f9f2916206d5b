"""Rejects files (docs/import.md, "Rejects"): for each source file with rejected
rows, `<name>.rejects.csv` beside it (or in the `--rejects` folder), holding the
file's header and each rejected record as read, plus a `reject_reason` column, in the
file's own encoding and delimiter, so it can be fixed and imported again as it
is."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from ledger.errors import InvalidInputError
from ledger.imports.sources import REASON_COLUMN, Source, header_text

SUFFIX = ".rejects.csv"


def rejects_path(source: Source, folder: Path | None) -> Path:
    """Where the rejects of `source` go: beside it, or in `folder`."""
    name = source.path.name
    stem = name[: -len(".csv")] if name.lower().endswith(".csv") else name
    return (folder or source.path.parent) / f"{stem}{SUFFIX}"


def write_rejects(source: Source, rejected: Iterable[tuple[str, str]], folder: Path | None) -> Path:
    """Write the (record, reason) pairs of `source`, in the order given; returns the
    path written."""
    path = rejects_path(source, folder)
    delimiter = source.encoding.delimiter
    # A file that had a byte-order mark gets one; GB18030 stays GB18030.
    codec = source.encoding.codec
    try:
        # A record in a broken encoding goes back with its own bytes (read as
        # surrogate escapes, ledger/imports/sources.py), to be mended where it is.
        with path.open("w", encoding=codec, errors="surrogateescape", newline="") as out:
            out.write(f"{header_text(source)}{delimiter}{REASON_COLUMN}\r\n")
            for raw, reason in rejected:
                out.write(f"{raw}{delimiter}{_cell(reason, delimiter)}\r\n")
    except OSError as error:
        raise InvalidInputError(
            f"{path}: the rejects file cannot be written ({error.strerror}): "
            "name a writable folder with --rejects DIR"
        ) from None
    return path


def remove_stale(source: Source, folder: Path | None) -> None:
    """A file without rejects this time keeps no rejects file from an earlier run."""
    rejects_path(source, folder).unlink(missing_ok=True)


def _cell(text: str, delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow([text])
    return buffer.getvalue()
