"""Many events at once into the library's PostgreSQL event table, by `COPY`.

The library inserts a batch of events as one array of a composite type
(`INSERT ... SELECT FROM unnest(%s) RETURNING notification_id`), which psycopg
must spell out as text value by value: on this machine about 19,000 events/s in
batches of 5,000, against about 98,000 events/s for a binary `COPY` of the same
batches (benchmarks/README.md, "Import"). An import saves thousands of events per
call; a typed command saves one to a few, and keeps the library's own path.

What the library guarantees is kept, in the same order it does it:

- the table is locked `IN EXCLUSIVE MODE` (with the datastore's lock timeout)
  before the first row goes in, so every batch takes all its notification ids and
  commits before any other batch takes one: a follower never passes over an id
  that commits later (the library's comment in `_lock_table` explains why);
- `NOTIFY` on the table's channel, so subscribers wake up;
- the rows go into the same table, columns and types, so a stock eventsourcing
  application reads them;
- an `(originator_id, originator_version)` already recorded fails the whole batch
  with the library's `IntegrityError` (the datastore's connection translates
  psycopg's), and nothing of the batch is written, so the caller reloads and
  retries as after any lost race;
- `insert_events` returns the notification ids in the order of the events.

`COPY` has no `RETURNING`. The ids come from the table's sequence: while the lock
is held no other transaction inserts, so the batch's ids are the sequence's
values drawn between a read before and a read after the copy. Only when that
range is not exactly as long as the batch (someone drew from the sequence by
hand) are the ids read back from the rows themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from ledger.write_turns import AdvisoryTurns

# From this many events on, a batch is copied. Below it the library's insert is as
# quick (a command saves one to a few events) and is the path most tested.
COPY_THRESHOLD = 20


class CopyingApplicationRecorder(PostgresApplicationRecorder):
    """The library's application recorder, copying large batches (module doc)."""

    copy_threshold = COPY_THRESHOLD

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = SQL("{0}.{1}").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        self._copy_statement: Composed = SQL(
            "COPY {0} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"
        ).format(table)
        self._qualified_table = f'"{self.datastore.schema}"."{self.events_table_name}"'
        self._sequence: Composed | None = None
        self._ids_statement: Composed = SQL(
            "SELECT originator_id, originator_version, notification_id FROM {0} "
            "WHERE notification_id > %s AND notification_id <= %s"
        ).format(table)
        self.turns = AdvisoryTurns(self.datastore, self.events_table_name)

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        # Every save takes the writers' turn shared, in its own transaction and sent
        # with the insert (ledger/write_turns.py); the writer holding it alone does not.
        if not self.turns.held:
            curs.execute("SELECT pg_advisory_xact_lock_shared(%s)", (self.turns.key,))
        super()._insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if len(stored_events) < self.copy_threshold or self.datastore.enable_db_functions:
            result: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return result
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            # What the library does first (nothing here; a process recorder
            # records its tracking), then its lock and notification.
            self._insert_events(curs, stored_events, **kwargs)
            self._lock_table(curs)
            self._notify_channel(curs)
            return self._copy(curs, stored_events)

    def _copy(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent]) -> list[int]:
        sequence = self._sequence_of(curs)
        before = self._last_drawn(curs, sequence)
        as_uuid = self.datastore.originator_id_type == "uuid"
        with curs.copy(self._copy_statement) as copy:
            copy.set_types([self.datastore.originator_id_type, "int8", "text", "bytea"])
            for event in stored_events:
                originator_id = event.originator_id
                if as_uuid and not isinstance(originator_id, UUID):
                    originator_id = UUID(str(originator_id))
                copy.write_row((originator_id, event.originator_version, event.topic, event.state))
        after = self._last_drawn(curs, sequence)
        if after - before == len(stored_events):
            # Defaults are drawn row by row in the order the rows are copied.
            return list(range(before + 1, after + 1))
        return self._ids_read_back(curs, stored_events, before, after)

    def _sequence_of(self, curs: Cursor[DictRow]) -> Composed:
        """The query of the sequence behind `notification_id` (a bigserial), found
        once through the catalogue."""
        if self._sequence is None:
            curs.execute(
                "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.oid = pg_get_serial_sequence(%s, 'notification_id')::regclass",
                (self._qualified_table,),
            )
            row = curs.fetchone()
            assert row is not None, "the event table has no notification id sequence"
            self._sequence = SQL("SELECT last_value, is_called FROM {0}.{1}").format(
                Identifier(row["schema"]), Identifier(row["name"])
            )
        return self._sequence

    @staticmethod
    def _last_drawn(curs: Cursor[DictRow], sequence: Composed) -> int:
        """The last value the sequence gave anyone (0 before its first)."""
        curs.execute(sequence)
        row = curs.fetchone()
        assert row is not None
        return int(row["last_value"]) if row["is_called"] else int(row["last_value"]) - 1

    def _ids_read_back(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        before: int,
        after: int,
    ) -> list[int]:
        curs.execute(self._ids_statement, (before, after))
        ids = {
            (str(row["originator_id"]), int(row["originator_version"])): int(row["notification_id"])
            for row in curs.fetchall()
        }
        return [ids[(str(e.originator_id), e.originator_version)] for e in stored_events]
