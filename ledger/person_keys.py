"""Where each key person's key is kept: the table `ledger_person_keys`, apart from
the events (docs/domain.md, "Personal data"; README, "Personal data").

By default the table is in the ledger's own database; `LEDGER_KEYS_URL` (or
`keys_database` in the configuration) puts it in another SQLite file or
PostgreSQL database, so that a copy of the events alone reads no personal data.
Destroying a key leaves no copy of it in the database: on SQLite the row is
deleted with `secure_delete` on (its bytes are zeroed) and the WAL is truncated;
on PostgreSQL the table is rewritten by `VACUUM FULL`, so no dead row keeps it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping
from typing import Any, Protocol

from ledger.errors import LedgerError
from ledger.storage import (
    POSTGRES_MODULES,
    SQLITE_MODULES,
    make_private,
    postgres_connection,
    resolve,
)

TABLE = "ledger_person_keys"
KEY_BYTES = 32  # AES-256


class KeyStore(Protocol):
    def key(self, key_id: str, *, create: bool = False) -> bytes | None:
        """The key of `key_id`; with `create`, a new random one if it has none."""

    def add_many(self, keys: Mapping[str, bytes]) -> set[str]:
        """Store new keys in one transaction (a bulk writer's batch, ledger/unit_of_work.py);
        returns the ids that had another key already (the stored one stays)."""

    def destroy(self, key_id: str) -> None:
        """Forget the key for good (nothing happens if it is gone already)."""

    def close(self) -> None: ...


def open_key_store(env: Mapping[str, str], elsewhere: str | None) -> KeyStore:
    """The key store for a ledger opened on `env` (the library's environment), or
    in the database `elsewhere` names (Settings.keys_database)."""
    if elsewhere:
        storage = resolve(str(elsewhere), environ={})
        if not storage.is_postgres:
            make_private(storage)
        env = storage.env
    module = env.get("PERSISTENCE_MODULE", "")
    if module in SQLITE_MODULES and env.get("SQLITE_DBNAME", ":memory:") != ":memory:":
        return SqliteKeys(env["SQLITE_DBNAME"])
    if module in POSTGRES_MODULES:
        return PostgresKeys(env)
    if module in ("", "eventsourcing.popo", *SQLITE_MODULES):
        # A ledger held in memory: its keys live as long as it does.
        return MemoryKeys()
    # Keys kept in memory for a stored ledger would be lost at exit, and with them
    # every detail sealed under them: refuse rather than guess.
    raise RuntimeError(f"no key store for persistence module {module!r}")


class MemoryKeys:
    """Keys of a ledger kept in memory (tests and throw-away runs)."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}

    def key(self, key_id: str, *, create: bool = False) -> bytes | None:
        if create and key_id not in self._keys:
            self._keys[key_id] = os.urandom(KEY_BYTES)
        return self._keys.get(key_id)

    def add_many(self, keys: Mapping[str, bytes]) -> set[str]:
        for key_id, key in keys.items():
            self._keys.setdefault(key_id, key)
        return {key_id for key_id, key in keys.items() if self._keys[key_id] != key}

    def destroy(self, key_id: str) -> None:
        self._keys.pop(key_id, None)

    def close(self) -> None:
        pass


class SqliteKeys:
    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            # Deleted rows are overwritten with zeros, not left in free space.
            connection.execute("PRAGMA secure_delete=ON")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (key_id TEXT PRIMARY KEY, key BLOB NOT NULL)"
            )
            self._connection = connection
        return self._connection

    def key(self, key_id: str, *, create: bool = False) -> bytes | None:
        connection = self._connect()
        if create:
            # Two writers adding the same person race here: the first key stays.
            # One statement when the key is new (RETURNING gives nothing if not).
            new = os.urandom(KEY_BYTES)
            made = connection.execute(
                f"INSERT OR IGNORE INTO {TABLE} (key_id, key) VALUES (?, ?) RETURNING key",
                (key_id, new),
            ).fetchall()  # read to the end: the statement, and its write, finish
            if made:
                return new
        row = connection.execute(f"SELECT key FROM {TABLE} WHERE key_id = ?", (key_id,)).fetchone()
        return bytes(row[0]) if row else None

    def add_many(self, keys: Mapping[str, bytes]) -> set[str]:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                f"INSERT OR IGNORE INTO {TABLE} (key_id, key) VALUES (?, ?)", keys.items()
            )
            stored = _stored(connection, "?", keys)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return {key_id for key_id, key in keys.items() if stored.get(key_id) != key}

    def destroy(self, key_id: str) -> None:
        connection = self._connect()
        connection.execute(f"DELETE FROM {TABLE} WHERE key_id = ?", (key_id,))
        # The page images in the WAL still hold the key until it is checkpointed
        # into the (zeroed) file and truncated; a reader mid-transaction can hold
        # it up, so try a few times.
        for _ in range(50):
            busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if not busy:
                return
            time.sleep(0.1)
        raise LedgerError(
            f"the key was deleted, but {self.path}-wal could not be truncated while "
            "another process reads the ledger: run the erasure again when it is idle"
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresKeys:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self._connection: Any = None

    def _connect(self) -> Any:
        if self._connection is None:
            connection = postgres_connection(self.env)
            _create_once(connection)
            self._connection = connection
        return self._connection

    def key(self, key_id: str, *, create: bool = False) -> bytes | None:
        connection = self._connect()
        if create:
            new = os.urandom(KEY_BYTES)
            made = connection.execute(
                f"INSERT INTO {TABLE} (key_id, key) VALUES (%s, %s) ON CONFLICT DO NOTHING "
                "RETURNING key",
                (key_id, new),
            ).fetchone()
            if made is not None:
                return new
        row = connection.execute(f"SELECT key FROM {TABLE} WHERE key_id = %s", (key_id,)).fetchone()
        return bytes(row[0]) if row else None

    def add_many(self, keys: Mapping[str, bytes]) -> set[str]:
        connection = self._connect()
        with connection.transaction():
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {TABLE} (key_id, key) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    list(keys.items()),
                )
            stored = _stored(connection, "%s", keys)
        return {key_id for key_id, key in keys.items() if stored.get(key_id) != key}

    def destroy(self, key_id: str) -> None:
        connection = self._connect()
        connection.execute(f"DELETE FROM {TABLE} WHERE key_id = %s", (key_id,))
        # The deleted row stays in the table's pages as a dead tuple until the
        # table is rewritten; the key table is small, so rewriting it is cheap.
        connection.execute(f"VACUUM FULL {TABLE}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


# Ids per statement when reading back what a batch stored (SQLite allows 999 parameters).
READ_BACK = 500


def _stored(connection: Any, marker: str, keys: Mapping[str, bytes]) -> dict[str, bytes]:
    """The stored keys of `keys`' ids, read in chunks."""
    ids = list(keys)
    found: dict[str, bytes] = {}
    for start in range(0, len(ids), READ_BACK):
        chunk = ids[start : start + READ_BACK]
        markers = ", ".join([marker] * len(chunk))
        rows = connection.execute(
            f"SELECT key_id, key FROM {TABLE} WHERE key_id IN ({markers})", chunk
        ).fetchall()
        found.update((str(key_id), bytes(key)) for key_id, key in rows)
    return found


def _create_once(connection: Any) -> None:
    """Create the key table if it is missing: looked up first without a lock, then
    created under the lock the event log's tables are created under, so staff
    starting at once neither run DDL each time nor collide on the first one
    (ledger/pg_recorders.py)."""
    from ledger.pg_recorders import CREATION_LOCK

    def missing() -> bool:
        row = connection.execute("SELECT to_regclass(%s) IS NULL", (TABLE,)).fetchone()
        return bool(row[0])

    if not missing():
        return
    connection.execute("SELECT pg_advisory_lock(%s)", (CREATION_LOCK,))
    try:
        if missing():
            connection.execute(
                f"CREATE TABLE {TABLE} (key_id TEXT PRIMARY KEY, key BYTEA NOT NULL)"
            )
    finally:
        connection.execute("SELECT pg_advisory_unlock(%s)", (CREATION_LOCK,))
