"""Rejects files (docs/import.md, "Rejects"): for each source file with rejected
rows, `<name>.rejects.csv` beside it (or in the `--rejects` folder), holding the
file's header and each rejected record as read, plus a `reject_reason` column, in the
file's own encoding and delimiter, so it can be fixed and imported again as it
is."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable
from pathlib import Path

from ledger.errors import InvalidInputError, LedgerError
from ledger.imports.sources import REASON_COLUMN, Source, header_text

SUFFIX = ".rejects.csv"


class RejectsNotWrittenError(LedgerError):
    """A rejects file could not be written once the import was committed."""


def rejects_path(source: Source, folder: Path | None) -> Path:
    """Where the rejects of `source` go: beside it, or in `folder`."""
    name = source.path.name
    stem = name[: -len(".csv")] if name.lower().endswith(".csv") else name
    return (folder or source.path.parent) / f"{stem}{SUFFIX}"


def check_rejects_paths(sources: list[Source], folder: Path | None) -> None:
    """Refuse, before anything is read or written, an import whose rejects files
    would be lost or would destroy a source: two files whose rejects would go to
    one path (`a/contacts.csv` and `b/contacts.csv` with `--rejects DIR`), a
    rejects path that is a file being imported (`contacts.csv` beside the fixed
    `contacts.rejects.csv`), or one that cannot be written."""
    given = {source.path.resolve(): source.name for source in sources}
    taken: dict[Path, str] = {}
    for source in sources:
        path = rejects_path(source, folder)
        where = path.resolve()
        if where in taken:
            raise InvalidInputError(
                f"{taken[where]} and {source.name} would both write their rejects to "
                f"{path}: import them in runs of their own, or rename one"
            )
        taken[where] = source.name
        if where in given:
            raise InvalidInputError(
                f"{source.name} would write its rejects over {given[where]}, which is "
                "imported too: import the fixed rejects file in a run of its own"
            )
        if path.is_dir() or not os.access(path.parent, os.W_OK | os.X_OK):
            raise InvalidInputError(
                f"{path}: the rejects file of {source.name} could not be written: "
                "name a writable folder with --rejects DIR"
            )


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
        # Checked before the import (`check_rejects_paths`): what failed now came
        # after the rows were committed, and the caller must not read "refused".
        raise RejectsNotWrittenError(
            f"{path}: the rejects file cannot be written ({error.strerror}); the rows "
            "that were not rejected are imported: run the same import again with "
            "--rejects DIR to write the rejects"
        ) from None
    return path


def remove_stale(source: Source, folder: Path | None) -> None:
    """A file without rejects this time keeps no rejects file from an earlier run."""
    rejects_path(source, folder).unlink(missing_ok=True)


def _cell(text: str, delimiter: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow([text])
    return buffer.getvalue()
