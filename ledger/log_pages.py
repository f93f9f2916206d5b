"""The stored log read whole, in log order, for an audit: plain rows by windows of
positions, the next window read while the last is checked.

The library's `select_notifications` makes a `Notification` (a frozen dataclass)
and a `UUID` per row, and asks for a number of rows up to a stop position. With
that `LIMIT` and a stop, PostgreSQL's estimate for a rarely analysed log goes
wrong and it reads and sorts the rest of the log for every page (the same trap
the rebuild avoids, docs/decisions.md). Here each query asks for a window of
positions instead, and a row is a plain tuple:
`(position, originator id as text, version, topic, state)`.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from typing import Any

# Positions per query: about as many rows (positions are dense but for gaps).
WINDOW = 5000

LogRow = tuple[int, str, int, str, bytes]
Pages = Generator[list[LogRow], None, None]


def log_pages(recorder: Any, stop: int, window: int = WINDOW) -> Iterator[list[LogRow]]:
    """Every stored row from position 1 to `stop`, a window of positions per page.

    On PostgreSQL a thread reads the next window while the caller checks the last
    (the server and the network wait overlap the caller's hashing); SQLite reads in
    the caller's thread, its reads being the process's own CPU work."""
    if hasattr(recorder.datastore, "schema"):
        return _read_ahead(_postgres_pages(recorder, stop, window))
    return _sqlite_pages(recorder, stop, window)


def _sqlite_pages(recorder: Any, stop: int, window: int) -> Pages:
    statement = (
        "SELECT rowid, originator_id, originator_version, topic, state "
        f"FROM {recorder.events_table_name} WHERE rowid >= ? AND rowid <= ? ORDER BY rowid"
    )
    for start in range(1, stop + 1, window):
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, (start, min(stop, start + window - 1)))
            rows = cursor.fetchall()
        # The library stores UUIDs as text; a tampered id may be any text at all.
        yield [(nid, str(oid), ver, topic, state) for nid, oid, ver, topic, state in rows]


def _postgres_pages(recorder: Any, stop: int, window: int) -> Pages:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT notification_id, originator_id::text, originator_version, topic, state "
        "FROM {schema}.{table} WHERE notification_id >= %s AND notification_id <= %s "
        "ORDER BY notification_id"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.get_connection() as conn:
        # Binary results: `state` arrives as bytes, not as hex text to decode.
        cursor = conn.cursor(binary=True, row_factory=tuple_row)
        for start in range(1, stop + 1, window):
            with conn.transaction(force_rollback=True):
                cursor.execute(statement, (start, min(stop, start + window - 1)))
                yield cursor.fetchall()


_END = object()


def _read_ahead(pages: Pages, depth: int = 2) -> Iterator[list[LogRow]]:
    """`pages`, produced by a thread at most `depth` pages ahead of the caller."""
    handed: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def produce() -> None:
        try:
            for page in pages:
                if stopped.is_set():
                    return
                handed.put(page)
            handed.put(_END)
        except BaseException as error:  # handed to the caller, who raises it
            handed.put(error)
        finally:
            pages.close()

    reader = threading.Thread(target=produce, name="ledger-log-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = handed.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stopped.set()
        # Let a producer blocked on a full queue see the stop.
        while reader.is_alive():
            with contextlib.suppress(queue.Empty):
                handed.get(timeout=0.05)
        reader.join()
