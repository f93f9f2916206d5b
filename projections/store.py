"""Where views live: tables beside the event store, in the same database.

One small portable dialect serves SQLite and PostgreSQL: statements are written
with `?` placeholders and standard SQL; `Transaction` adapts them. Each view
writes its rows and its tracking position in one transaction, so a crash in the
middle leaves the view exactly as it was.
"""

from __future__ import annotations

import functools
import io
import re
import sqlite3
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ledger.storage import Storage, postgres_connection

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS view_tracking ("
    "name TEXT PRIMARY KEY, position BIGINT NOT NULL, version TEXT NOT NULL)"
)

# The stamp of the views' code that last created their tables (`schema_stamp`).
SCHEMA_DDL = "CREATE TABLE IF NOT EXISTS view_schema (stamp TEXT NOT NULL)"


@functools.cache
def schema_stamp() -> str | None:
    """A checksum of the source of the views' package: every table and index a view
    has is written in it, so while it is unchanged the tables its last run created
    are the ones this code would create (projections/views.py, `_ensure_tables`).
    Reading some 40 small files costs about a millisecond; any edit, even one that
    changes no table, only means the tables are created once more. None where the
    source cannot be read (the tables are then created by every process, as
    before)."""
    root = Path(__file__).parent
    checksum = 0
    try:
        for folder in (root, *sorted(p for p in root.iterdir() if p.is_dir())):
            for path in sorted(p for p in folder.iterdir() if p.suffix == ".py"):
                name = str(path.relative_to(root)).encode()
                checksum = zlib.crc32(path.read_bytes(), zlib.crc32(name, checksum))
    except OSError:
        return None
    return f"{checksum:08x}"


# Rows per statement in `execute_values` (SQLite takes up to 32,766 parameters).
VALUES_AT_ONCE = 200
# Fewer new rows than this go to PostgreSQL as INSERTs, not COPY: a COPY first
# reads its table's column types (once per transaction), which for the few rows of
# a small catch-up costs more than the inserts.
COPY_FROM = 100


class Transaction:
    """Executes portable statements inside one open database transaction.

    With `renames` (a table or index name -> the name to use instead), every
    statement and table name is read with those names replaced, whole words only:
    a rebuild runs the views' own statements against shadow tables beside the live
    ones (`projections/shadow.py`)."""

    def __init__(
        self, cursor: Any, postgres: bool, renames: Mapping[str, str] | None = None
    ) -> None:
        self._cursor = cursor
        self._postgres = postgres
        self.renames: Mapping[str, str] = renames or {}
        self._renaming = (
            re.compile(r"\b(" + "|".join(map(re.escape, self.renames)) + r")\b")
            if self.renames
            else None
        )
        # Column types by table, for binary COPY (`_column_types`).
        self._types: dict[str, dict[str, int]] = {}

    @property
    def postgres(self) -> bool:
        return self._postgres

    def _named(self, statement: str) -> str:
        """`statement` with the renamed tables and indexes under their new names."""
        if self._renaming is None:
            return statement
        renames = self.renames
        return self._renaming.sub(lambda found: renames[found.group(0)], statement)

    def _sql(self, statement: str) -> str:
        statement = self._named(statement)
        return statement.replace("?", "%s") if self._postgres else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(statement), tuple(params))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cursor.executemany(self._sql(statement), [tuple(r) for r in rows])

    def execute_values(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run `statement` for `rows`, its `{values}` replaced by a VALUES list of a
        few hundred of them at a time: one statement for many rows instead of one
        per row, each of which the database parses, plans and runs on its own."""
        for chunk in chunks(rows, VALUES_AT_ONCE):
            row = f"({', '.join('?' * len(chunk[0]))})"
            values = ", ".join([row] * len(chunk))
            self.execute(statement.format(values=values), [v for r in chunk for v in r])

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert rows that are not in the table (a plain INSERT would fail on a
        duplicate). On PostgreSQL they go through COPY, many times faster than one
        INSERT per row when a rebuild writes a whole view."""
        if not rows:
            return
        names = ", ".join(columns)
        if not self._postgres or len(rows) < COPY_FROM:
            marks = ", ".join("?" * len(columns))
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        table = self._named(table)
        types = self._column_types(table, columns)
        with self._cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
        """`rows` of `table` as `insert_new` would send them to PostgreSQL, in COPY's
        binary format, without sending them (PostgreSQL only): a rebuild's worker
        formats its rows, and the process writing them passes the bytes on
        (`copy_data`) instead of unpickling and formatting each row."""
        if not self._postgres:
            raise RuntimeError("COPY data is for PostgreSQL; SQLite takes rows (insert_new)")
        table = self._named(table)
        from psycopg import Copy
        from psycopg.copy import FileWriter

        types = self._column_types(table, columns)
        buffer = io.BytesIO()
        # A cursor of its own: one that has run a query is taken for a COPY's own.
        with (
            self._cursor.connection.cursor() as cursor,
            Copy(cursor, writer=FileWriter(buffer), binary=True) as copy,
        ):
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def copy_data(self, table: str, columns: Sequence[str], data: bytes) -> None:
        """Insert new rows given as COPY's binary data (`copy_rows`, with its
        header and trailer)."""
        if not self._postgres:
            raise RuntimeError("COPY data is for PostgreSQL; SQLite takes rows (insert_new)")
        table = self._named(table)
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with self._cursor.copy(statement) as copy:
            copy.write(data)

    def _column_types(self, table: str, columns: Sequence[str]) -> list[int]:
        """The type of each column, as the binary format needs it: an integer sent
        as 8 bytes is not an INTEGER. Binary because the server reads it without
        scanning every byte for delimiters and escapes, which for the text format
        was a third of its work ingesting a rebuild's rows."""
        known = self._types.get(table)
        if known is None:
            found = self.fetchall(
                "SELECT attname, atttypid FROM pg_attribute "
                "WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
            known = self._types[table] = {str(name): int(oid) for name, oid in found}
        return [known[column] for column in columns]

    def fetchall(
        self, statement: str, params: Sequence[Any] = (), *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """The rows; with `binary`, PostgreSQL sends them in its binary format,
        which for a `bytea` column costs both sides far less than hex text (a
        rebuild's worker reading stored events: about 1.5 s of CPU per 500,000)."""
        if self._postgres and binary:
            self._cursor.execute(self._sql(statement), tuple(params), binary=True)
        else:
            self._cursor.execute(self._sql(statement), tuple(params))
        return list(self._cursor.fetchall())

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        self._cursor.execute(self._sql(statement), tuple(params))
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def in_list(self, count: int) -> str:
        """Placeholders for `IN (...)` with `count` values."""
        return ",".join("?" * count)


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[list[Any]]:
    """`items` a few hundred at a time: for `IN (...)` lists, as databases limit
    how many parameters one statement takes."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


class ViewStore:
    """A connection to the ledger's database for reading and writing views."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.postgres = storage.is_postgres
        self._connection: Any = None

    def _connect(self) -> Any:
        if self._connection is None:
            if self.postgres:
                # Transactions are explicit, in transaction().
                self._connection = postgres_connection(self.storage.env)
                _compress_quickly(self._connection)
            else:
                self._connection = sqlite3.connect(
                    self.storage.location, timeout=30, isolation_level=None
                )
                self._connection.execute("PRAGMA journal_mode=WAL")
                # Views are worked out from the log: a commit of theirs need not wait
                # for the disk. In WAL mode a power cut may then lose the last view
                # commits, never half of one: the views and their positions go back
                # together, and the next catch-up applies those events again.
                self._connection.execute("PRAGMA synchronous=NORMAL")
        return self._connection

    @contextmanager
    def transaction(self, renames: Mapping[str, str] | None = None) -> Iterator[Transaction]:
        """All or nothing: commit on success, roll back on any error. With
        `renames`, statements name tables as a rebuild's shadow (`Transaction`)."""
        with self._within("BEGIN IMMEDIATE", commit=True, renames=renames) as tx:
            yield tx

    @contextmanager
    def reading(self, renames: Mapping[str, str] | None = None) -> Iterator[Transaction]:
        """A transaction that only reads: on SQLite it takes no write lock, so
        commands and catch-ups carry on beside it."""
        with self._within("BEGIN", commit=False, renames=renames) as tx:
            yield tx

    @contextmanager
    def unpinned(self, renames: Mapping[str, str] | None = None) -> Iterator[Transaction]:
        """Reads outside any transaction (SQLite only): each statement reads what is
        committed as it runs and pins nothing after it. One long read transaction
        pins the write-ahead log: while it lasts the log cannot be checkpointed and
        reused, so every page written meanwhile stays in it (a split rebuild's
        workers read for the whole replay while the rows are written: the log grew to
        twice the rows' size and was checkpointed in the swap)."""
        if self.postgres:
            raise RuntimeError("reads outside a transaction are for SQLite")
        cursor = self._connect().cursor()
        try:
            yield Transaction(cursor, postgres=False, renames=renames)
        finally:
            cursor.close()

    @contextmanager
    def _within(
        self, begin: str, *, commit: bool, renames: Mapping[str, str] | None
    ) -> Iterator[Transaction]:
        connection = self._connect()
        if self.postgres:
            with connection.transaction(), connection.cursor() as cursor:
                yield Transaction(cursor, postgres=True, renames=renames)
            return
        cursor = connection.cursor()
        cursor.execute(begin)
        try:
            yield Transaction(cursor, postgres=False, renames=renames)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT" if commit else "ROLLBACK")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _compress_quickly(connection: Any) -> None:
    """Values large enough to be compressed (the 360 documents, about 17 KB each)
    use lz4 where the PostgreSQL server has it, instead of the default pglz: a
    rebuild of 10,000 documents spent about 1.5 s of the server's time compressing
    them with pglz. Set once for the session, so every transaction has it."""
    offered = connection.execute(
        "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
        "AND 'lz4' = ANY(enumvals)"
    ).fetchone()
    if offered is not None:
        connection.execute("SET default_toast_compression = 'lz4'")
