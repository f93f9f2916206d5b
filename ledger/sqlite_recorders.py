"""The library's SQLite persistence, with writers taking turns: what
`ledger/storage.py` selects for an SQLite ledger.

The event log's recorder is the library's own; each save of events takes the
writers' turn in shared mode around it (ledger/write_turns.py), so that a writer
that keeps losing races can have one attempt alone."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteFactory

from ledger.write_turns import NO_TURNS, FileTurns, WriteTurns


class TurnTakingApplicationRecorder(SQLiteApplicationRecorder):
    """The library's recorder of the event log, its saves taking turns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pool = self.datastore.pool
        # A database in memory belongs to one process: nobody to take turns with.
        self.turns: WriteTurns = (
            NO_TURNS if pool.is_sqlite_memory_mode else FileTurns(Path(pool.db_name))
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        with self.turns.saving():
            return super().insert_events(stored_events, **kwargs)


class TurnTakingSQLiteFactory(SQLiteFactory):
    application_recorder_class = TurnTakingApplicationRecorder
