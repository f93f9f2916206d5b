"""The import's spool (docs/import.md, "How an import runs"): every row of every
source file, grouped by the customer it belongs to, in a temporary SQLite file,
so an import of a million rows holds one batch of customers in memory rather
than every row. Rejected rows wait here too until their rejects files are
written, in line order."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import orjson

from ledger.imports.contract import SourceRow

# Rows inserted per statement batch while spooling.
INSERT_BATCH = 5000


class Spool:
    """A temporary file of rows by customer and of rejected rows by file."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="ledger-import-")
        self._db = sqlite3.connect(Path(self._folder.name) / "spool.sqlite3")
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE rows (
                customer TEXT NOT NULL, seq INTEGER PRIMARY KEY, source INTEGER NOT NULL,
                line INTEGER NOT NULL, raw TEXT NOT NULL, cells BLOB NOT NULL);
            CREATE TABLE rejects (
                source INTEGER NOT NULL, line INTEGER NOT NULL, raw TEXT NOT NULL,
                reason TEXT NOT NULL);
            """
        )
        self._pending: list[tuple[str, int, int, str, bytes]] = []
        self.rows = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()

    def add(self, customer: str, source: int, row: SourceRow) -> None:
        self._pending.append((customer, source, row.line, row.raw, orjson.dumps(dict(row.values))))
        self.rows += 1
        if len(self._pending) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self._db.executemany(
                "INSERT INTO rows (customer, source, line, raw, cells) VALUES (?, ?, ?, ?, ?)",
                self._pending,
            )
            self._pending.clear()

    def groups(self, names: list[str]) -> Iterator[tuple[str, list[tuple[int, SourceRow]]]]:
        """Each customer's rows (source index, row), customers in the order of their
        external ids, rows in the order read. `names` are the sources' names."""
        self.flush()
        self._db.execute("CREATE INDEX IF NOT EXISTS rows_by_customer ON rows (customer, seq)")
        cursor = self._db.execute(
            "SELECT customer, source, line, raw, cells FROM rows ORDER BY customer, seq"
        )
        current: str | None = None
        rows: list[tuple[int, SourceRow]] = []
        for customer, source, line, raw, cells in cursor:
            if customer != current:
                if current is not None:
                    yield current, rows
                current, rows = customer, []
            row = SourceRow(file=names[source], line=line, raw=raw, values=orjson.loads(cells))
            rows.append((source, row))
        if current is not None:
            yield current, rows

    # ---------------------------------------------------------------- rejects
    def reject(self, source: int, line: int, raw: str, reason: str) -> None:
        # A line in a broken encoding holds its bytes as surrogate escapes, which
        # SQLite's text cannot take: kept as bytes, given back as they came.
        self._db.execute(
            "INSERT INTO rejects (source, line, raw, reason) VALUES (?, ?, ?, ?)",
            (source, line, raw.encode("utf-8", "surrogatepass"), reason),
        )

    def rejected(self, source: int) -> Iterator[tuple[str, str]]:
        """The rejected records of one source, (record, reason), in line order."""
        cursor = self._db.execute(
            "SELECT raw, reason FROM rejects WHERE source = ? ORDER BY line", (source,)
        )
        for raw, reason in cursor:
            yield bytes(raw).decode("utf-8", "surrogatepass"), reason
