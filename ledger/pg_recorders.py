"""The library's PostgreSQL recorders, creating their tables once rather than at
every start.

The library's `create_table` runs its DDL each time a recorder is built, and one of
its statements is `CREATE OR REPLACE FUNCTION`: when several staff start a command
at the same moment, their replacements of the one function collide and all but one
fail with "tuple concurrently updated". Here a recorder first asks the catalogue
whether its table (and, for the event log, its insert function) exists, a read that
takes no lock; only if something is missing does it take an advisory lock, look
again, and create what is missing while every other starting process waits.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresAggregateRecorder, PostgresFactory

from ledger.pg_copy import CopyingApplicationRecorder

# The advisory lock held while the ledger's tables are created (any fixed number
# no other tool on the same server is likely to take; "ledger" in ASCII).
CREATION_LOCK = 0x6C6564676572


class _CreatedOnce:
    datastore: Any
    events_table_name: str

    def _function_names(self) -> tuple[str, ...]:
        return ()

    def _missing(self) -> bool:
        schema = self.datastore.schema
        with self.datastore.get_connection() as conn:
            found = conn.execute(
                "SELECT to_regclass(%s) IS NOT NULL AS found",
                (f'"{schema}"."{self.events_table_name}"',),
            ).fetchone()
            if not found or not found["found"]:
                return True
            for name in self._function_names():
                row = conn.execute(
                    "SELECT count(*) AS n FROM pg_proc p JOIN pg_namespace n "
                    "ON n.oid = p.pronamespace WHERE n.nspname = %s AND p.proname = %s",
                    (schema, name),
                ).fetchone()
                if not row or not row["n"]:
                    return True
        return False

    def create_table(self) -> None:
        if self._missing():
            with self.datastore.get_connection() as conn:
                conn.execute("SELECT pg_advisory_lock(%s)", (CREATION_LOCK,))
                try:
                    # Another process may have created them while this one waited.
                    if self._missing():
                        super().create_table()  # type: ignore[misc]
                finally:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (CREATION_LOCK,))
        # What the library's create_table ends with: the composite types' adapters.
        self.datastore.register_type_adapters()


class CreatedOnceAggregateRecorder(_CreatedOnce, PostgresAggregateRecorder):
    """The snapshot store's recorder."""


class CreatedOnceApplicationRecorder(_CreatedOnce, CopyingApplicationRecorder):
    """The event log's recorder; its insert function must exist too. Large batches
    (an import) are copied into the table (ledger/pg_copy.py)."""

    def _function_names(self) -> tuple[str, ...]:
        return (self.pg_function_name_insert_events,)


class CreatedOncePostgresFactory(PostgresFactory):
    """The library's PostgreSQL persistence, with the recorders above: what
    `ledger/storage.py` selects for a `postgresql://` ledger."""

    aggregate_recorder_class = CreatedOnceAggregateRecorder
    application_recorder_class = CreatedOnceApplicationRecorder
