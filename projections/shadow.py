"""Rebuilding beside the live views: shadow tables, the swap, the rebuild lock.

A rebuild never empties a view that readers use. It writes every row into shadow
tables in the same database (each table and index of the view under its name with
`SUFFIX`), through the views' own statements (`Transaction` renames them). Once
every row is in, one transaction drops the live tables, renames the shadows into
their place and moves the tracking positions (`Shadow.swap`). Killed at any moment
before that commit, the live views and positions are as they were; the shadows left
behind are dropped by the next rebuild (`Shadow.prepare`).

Only one rebuild runs on a database at a time: it holds the rebuild lock
(`rebuild_lock`), which the operating system or the database server releases when
the process dies, however it dies. A catch-up that finds a view due for a rebuild
and the lock taken leaves that view as it is and reads it: it does not start a
second replay of the whole log (docs/decisions.md, "A rebuild builds beside the
live views").
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from typing import Any

from ledger.storage import PRIVATE_FILE
from projections.base import Projection
from projections.store import Transaction, ViewStore

SUFFIX = "__rebuild"

_INDEX_NAME = re.compile(r"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)


def index_name(statement: str) -> str:
    """The name a `CREATE INDEX` statement gives its index."""
    found = _INDEX_NAME.match(statement.strip())
    if found is None:
        raise ValueError(f"not a CREATE INDEX statement: {statement!r}")
    return found.group(1)


class Shadow:
    """The shadow tables of the views a rebuild writes."""

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = list(projections)
        names = [table for p in self.projections for table in p.tables]
        names += [index_name(statement) for p in self.projections for statement in p.indexes]
        # What the rebuild's transactions read its views' names as.
        self.renames = {name: name + SUFFIX for name in names}

    def prepare(self, tx: Transaction) -> None:
        """Drop what a rebuild that died left behind and create the shadow tables
        bare (`tx` renames; the indexes come once the rows are in)."""
        for projection in self.projections:
            projection.drop(tx)
            projection.create(tx, indexed=False)

    def discard(self, tx: Transaction) -> None:
        """Drop the shadow tables (`tx` renames): a rebuild that failed."""
        for projection in self.projections:
            projection.drop(tx)

    def swap(self, tx: Transaction) -> None:
        """Put the shadow tables in the live ones' place (`tx` does not rename):
        drop the live tables, rename the shadows, and give their indexes the live
        names. PostgreSQL renames an index; SQLite cannot, so it builds them under
        their own names here (a rebuild leaves SQLite's shadows unindexed unless it
        writes them in several goes, `Views._write_shadow`)."""
        for projection in self.projections:
            projection.drop(tx)
            for table in projection.tables:
                tx.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
            if tx.postgres:
                for table in projection.tables:
                    for (index,) in tx.fetchall(
                        "SELECT c.relname FROM pg_index i "
                        "JOIN pg_class c ON c.oid = i.indexrelid "
                        "WHERE i.indrelid = ?::regclass",
                        (table,),
                    ):
                        # Named indexes, and the ones the database named after the
                        # table (its primary key, say).
                        if SUFFIX in str(index):
                            live = str(index).replace(SUFFIX, "")
                            tx.execute(f"ALTER INDEX {index} RENAME TO {live}")
            else:
                for statement in projection.indexes:
                    tx.execute(f"DROP INDEX IF EXISTS {index_name(statement)}{SUFFIX}")
            projection.create_indexes(tx)


@contextlib.contextmanager
def rebuild_lock(store: ViewStore, *, wait: bool) -> Iterator[bool]:
    """Hold the database's rebuild lock while the block runs: True if it is held;
    without `wait`, False at once when another process holds it. On PostgreSQL a
    session advisory lock on a connection of its own; on SQLite an exclusive
    `flock` of a file beside the database. Either is released when the process
    ends, killed or not, so a dead rebuild never leaves its views locked."""
    if store.postgres:
        with _postgres_lock(store, wait) as held:
            yield held
    else:
        with _file_lock(f"{store.storage.location}.rebuild-lock", wait) as held:
            yield held


@contextlib.contextmanager
def _postgres_lock(store: ViewStore, wait: bool) -> Iterator[bool]:
    from ledger.storage import postgres_connection

    connection: Any = postgres_connection(store.storage.env)
    try:
        key = "hashtext('ledger view rebuild ' || current_schema())"
        if wait:
            connection.execute(f"SELECT pg_advisory_lock({key})")
            held = True
        else:
            row = connection.execute(f"SELECT pg_try_advisory_lock({key})").fetchone()
            held = bool(row[0])
        yield held
    finally:
        # Closing the session releases the lock.
        connection.close()


@contextlib.contextmanager
def _file_lock(path: str, wait: bool) -> Iterator[bool]:
    import fcntl
    import os

    # Created private like the database beside it (docs/domain.md, "Personal data"):
    # it holds nothing, but the ledger's folder keeps to one rule.
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
    with os.fdopen(descriptor, "a+b") as file:
        try:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)
