"""Which of many streams have any event, in one query: an import asks it of every
batch of customers it may register (`Importer.reserve_numbers`), where asking
stream by stream cost a round trip each on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID


def streams_present(recorder: Any, ids: Sequence[UUID]) -> set[UUID]:
    """The ids among `ids` whose stream holds at least one event."""
    if not ids:
        return set()
    if hasattr(recorder.datastore, "schema"):
        return _postgres(recorder, ids)
    return _sqlite(recorder, ids)


# SQLite's limit on the values of one statement is 32,766 since 3.32; batches
# are a few hundred customers.
_SQLITE_CHUNK = 500


def _sqlite(recorder: Any, ids: Sequence[UUID]) -> set[UUID]:
    found: set[UUID] = set()
    for start in range(0, len(ids), _SQLITE_CHUNK):
        # The library stores a stream id as its 32 hex digits.
        chunk = [i.hex for i in ids[start : start + _SQLITE_CHUNK]]
        statement = (
            f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "
            f"WHERE originator_id IN ({','.join('?' * len(chunk))})"
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement, chunk)
            found.update(UUID(str(row[0])) for row in cursor.fetchall())
    return found


def _postgres(recorder: Any, ids: Sequence[UUID]) -> set[UUID]:
    from psycopg.rows import tuple_row
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s)"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.get_connection() as conn, conn.transaction(force_rollback=True):
        cursor = conn.cursor(row_factory=tuple_row)
        rows = cursor.execute(statement, (list(ids),)).fetchall()
    return {row[0] if isinstance(row[0], UUID) else UUID(str(row[0])) for row in rows}
