"""The eventsourcing library's own recorder contract, run against the recorders the
ledger stores its events with (ledger/storage.py selects them).

On PostgreSQL the ledger's event log copies large batches into the library's table
(ledger/pg_copy.py); its contract is run twice: as the ledger uses it (small
batches take the library's insert, large ones are copied) and with every batch
copied, so each of the library's cases exercises the copy. On SQLite the ledger
keeps the library's recorders (benchmarks/README.md, "Import", says why), the
event log's saves taking writers' turns (ledger/sqlite_recorders.py); the
contract is run on what `resolve()` selects, so a change of recorder there is
checked too. On both, every save takes the writers' turn (ledger/write_turns.py),
so the library's cases of concurrent writers run through it.

Which of the library's cases run (eventsourcing 9.5, `eventsourcing.tests.persistence`):
`AggregateRecorderTestCase` (the snapshot store), `ApplicationRecorderTestCase`
(the event log: insert/select, notification ids, conflicts, performance printout,
ten concurrent writers with two readers, concurrent throughput, and its optional
subscription case, enabled here on PostgreSQL: the library's SQLite recorder has
no subscriptions), `NonInterleavingNotificationIDsBaseCase` (two
batches of 1,000 racing: their notification ids must not interleave) and, on
PostgreSQL, `InfrastructureFactoryTestCase` for the ledger's factory. The
concurrent cases write some 100,000 events each; the whole module takes about
half a minute on the CI machine.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from unittest import TestCase

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    IntegrityError,
    ProcessRecorder,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresDatastore,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.tests.persistence import (
    AggregateRecorderTestCase,
    ApplicationRecorderTestCase,
    InfrastructureFactoryTestCase,
    NonInterleavingNotificationIDsBaseCase,
)
from eventsourcing.utils import Environment

from ledger.pg_recorders import (
    CreatedOnceAggregateRecorder,
    CreatedOnceApplicationRecorder,
    CreatedOncePostgresFactory,
)
from ledger.storage import resolve
from tests.conftest import postgres_or_skip


class _PostgresSchema:
    """A fresh schema per case, dropped afterwards (the library's cases expect an
    empty table: the first notification id is 1)."""

    schema = ""
    datastore: PostgresDatastore | None = None

    def setUp(self) -> None:
        url = postgres_or_skip()
        self.url = url
        self.schema = f"ledger_contract_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        env = resolve(f"{url}?schema={self.schema}", environ={}).env
        self.env = env
        self.datastore = PostgresDatastore(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"],
            schema=self.schema,
            pool_size=4,
            max_overflow=10,
        )
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        _join_stray_threads()
        if self.datastore is not None:
            self.datastore.close()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


class _EveryBatchCopied(CreatedOnceApplicationRecorder):
    copy_threshold = 1


@pytest.mark.postgres
class TestPostgresSnapshotRecorder(_PostgresSchema, AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        assert self.datastore is not None
        recorder = CreatedOnceAggregateRecorder(self.datastore, events_table_name="snapshots")
        recorder.create_table()
        return recorder


@pytest.mark.postgres
class TestPostgresEventLog(_PostgresSchema, ApplicationRecorderTestCase[ApplicationRecorder]):
    """The ledger's event log as commands and imports use it."""

    recorder_class: type[CreatedOnceApplicationRecorder] = CreatedOnceApplicationRecorder

    def create_recorder(self) -> ApplicationRecorder:
        assert self.datastore is not None
        recorder = self.recorder_class(self.datastore, events_table_name="stored_events")
        recorder.create_table()
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


@pytest.mark.postgres
class TestPostgresEventLogEveryBatchCopied(TestPostgresEventLog):
    recorder_class = _EveryBatchCopied


@pytest.mark.postgres
class TestPostgresBatchesDoNotInterleave(_PostgresSchema, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        assert self.datastore is not None
        recorder = CreatedOnceApplicationRecorder(self.datastore, events_table_name="events")
        recorder.create_table()
        return recorder


class _TrackingSubclass(PostgresTrackingRecorder):
    pass


@pytest.mark.postgres
class TestPostgresFactory(InfrastructureFactoryTestCase[CreatedOncePostgresFactory]):
    def setUp(self) -> None:
        url = postgres_or_skip()
        self.url = url
        self.schema = f"ledger_contract_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        self.env = Environment("Ledger", resolve(f"{url}?schema={self.schema}", environ={}).env)
        super().setUp()

    def tearDown(self) -> None:
        super().tearDown()
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')

    def expected_factory_class(self) -> type[CreatedOncePostgresFactory]:
        return CreatedOncePostgresFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return CreatedOnceAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return CreatedOnceApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _TrackingSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PostgresProcessRecorder


def _join_stray_threads(timeout: float = 10.0) -> None:
    """Wait for the threads a library case left running. Its concurrency cases tell
    their reader threads to stop but do not wait for them: one still reading while
    the datastore closes its connections used a closed SQLite connection, which
    crashed the interpreter in sqlite3's C code (seen once in CI)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(timeout)


class _SqliteFile:
    """The recorders `resolve()` selects for a SQLite ledger, on a new file."""

    def setUp(self) -> None:
        self.folder = TemporaryDirectory()
        env = resolve(str(Path(self.folder.name) / "ledger.sqlite3"), environ={}).env
        self.factory: Any = InfrastructureFactory.construct(Environment("Ledger", env))
        super().setUp()  # type: ignore[misc]

    def tearDown(self) -> None:
        super().tearDown()  # type: ignore[misc]
        _join_stray_threads()
        self.factory.close()
        self.folder.cleanup()


class TestSqliteSnapshotRecorder(_SqliteFile, AggregateRecorderTestCase):
    def create_recorder(self) -> AggregateRecorder:
        recorder: AggregateRecorder = self.factory.aggregate_recorder("snapshots")
        return recorder


class TestSqliteEventLog(_SqliteFile, ApplicationRecorderTestCase[ApplicationRecorder]):
    def create_recorder(self) -> ApplicationRecorder:
        recorder: ApplicationRecorder = self.factory.application_recorder()
        return recorder


class TestSqliteBatchesDoNotInterleave(_SqliteFile, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> ApplicationRecorder:
        recorder: ApplicationRecorder = self.factory.application_recorder()
        return recorder


# What the library's cases do not reach: the copy's own ways of going wrong.


def _events(count: int, originator_id: uuid.UUID | None = None) -> list[StoredEvent]:
    originator_id = originator_id or uuid.uuid4()
    return [
        StoredEvent(originator_id, version, "contract:Happened", b'{"n": %d}' % version)
        for version in range(1, count + 1)
    ]


@pytest.mark.postgres
class TestPostgresCopyOwnCases(_PostgresSchema, TestCase):
    def recorder(self) -> CreatedOnceApplicationRecorder:
        assert self.datastore is not None
        recorder = CreatedOnceApplicationRecorder(self.datastore, events_table_name="events")
        recorder.create_table()
        return recorder

    def test_a_conflicting_event_fails_the_whole_copied_batch(self) -> None:
        recorder = self.recorder()
        first = _events(50)
        recorder.insert_events(first[:10])
        batch = [*_events(40), *first[5:45]]  # its events 6..10 are recorded already
        with self.assertRaises(IntegrityError):
            recorder.insert_events(batch)
        self.assertEqual(recorder.max_notification_id(), 10)
        self.assertEqual(len(recorder.select_notifications(start=None, limit=1000)), 10)

    def test_ids_are_read_back_when_others_draw_from_the_sequence(self) -> None:
        recorder = self.recorder()
        recorder.insert_events(_events(3))
        # A trigger that draws one more number from the table's own sequence for
        # every row: the copied rows' ids are then not one run of numbers.
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                f'CREATE FUNCTION "{self.schema}".draw() RETURNS trigger LANGUAGE plpgsql '
                f"AS $$ BEGIN PERFORM nextval(pg_get_serial_sequence("
                f"'\"{self.schema}\".events', 'notification_id')); RETURN NEW; END $$"
            )
            conn.execute(
                f'CREATE TRIGGER draw BEFORE INSERT ON "{self.schema}".events '
                f'FOR EACH ROW EXECUTE FUNCTION "{self.schema}".draw()'
            )
        batch = _events(30)
        ids = recorder.insert_events(batch)
        assert ids is not None
        stored = {
            (n.originator_id, n.originator_version): n.id
            for n in recorder.select_notifications(start=4, limit=1000)
        }
        self.assertEqual(
            list(ids), [stored[(e.originator_id, e.originator_version)] for e in batch]
        )
        self.assertNotEqual(list(ids), list(range(ids[0], ids[0] + len(batch))))


class _Thing(Aggregate):
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


@pytest.mark.postgres
def test_a_stock_application_reads_what_the_ledger_copied(postgres_schema_url: str) -> None:
    env = resolve(postgres_schema_url, environ={}).env
    writer: Application[uuid.UUID] = Application(env=env)
    things = [_Thing(f"thing {n}") for n in range(40)]
    for n, thing in enumerate(things):
        thing.rename(f"renamed {n}")
    recordings = writer.save(*things)  # 80 events: copied
    assert [r.notification.id for r in recordings] == list(range(1, 81))
    writer.close()

    stock_env = {**env, "PERSISTENCE_MODULE": "eventsourcing.postgres"}
    reader: Application[uuid.UUID] = Application(env=stock_env)
    assert [reader.repository.get(t.id).name for t in things] == [f"renamed {n}" for n in range(40)]
    notifications = reader.recorder.select_notifications(start=None, limit=100)
    assert [n.id for n in notifications] == list(range(1, 81))
    reader.close()
