"""Rebuilding the views keyed by customer in several processes at once.

A rebuild is Python work on every event of the log, which one process does on one
core. The views whose rows each belong to one customer (`keyed_by_customer`) can
be rebuilt from disjoint parts of the log instead: worker process k reads only
the events of the customers whose id falls in part k (the database selects them,
so no worker reads another's events), applies them to its own replays, and hands
back the writes it would make, view by view (on SQLite it makes them itself, see
below). The process that started them
meanwhile reads the few events the other views take (selected by topic) and
writes the workers' rows and its own into the rebuild's shadow tables as they
come, in one transaction (`Views._replay_split`). The swap then puts every view in
place and moves its position.

On PostgreSQL a worker's writes are recorded, not made (`Deferred`), and handed
over to be made in that transaction. SQLite has one writer at a time and no
transaction may span the replay (commands would wait for it): there each worker
makes its own writes as it works them out, each in a short transaction of its
own. Only the rebuild reads the shadow tables and the swap puts them in place
all at once, so these commits show nobody a half-built view; a rebuild that fails
in any part, or is killed, leaves the live views as they were.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from queue import Queue
from threading import Thread
from typing import Any, NamedTuple
from uuid import UUID

from ledger.config import Settings
from ledger.domain.corrections import Known, apply_known
from ledger.domain.topics import CUSTOMER_TOPIC_PATTERNS, CUSTOMER_TOPIC_SQL
from ledger.errors import LedgerError
from ledger.storage import Storage
from projections.base import Decoded, Projection, Replay
from projections.collector import collector_paused
from projections.store import Transaction, ViewStore
from projections.workers import MOST_WORKERS, usable_cores

# Below this many events in the log a rebuild runs in this process: starting a
# worker (a new interpreter importing the ledger) takes about half a second.
PARALLEL_FROM = 100_000
# Events fed to the replays at a time (each feed works some things out per batch).
FEED = 10_000
# Rows of its part a worker reads per query, about.
PAGE = 2_000
# Feeds after which a worker hands over the rows no later event changes: the
# process writing them writes these while the workers replay, not all at the end.
EARLY = 10

Write = tuple[str, tuple[Any, ...]]


class RebuildFailedError(LedgerError):
    """A worker of a split rebuild failed; nothing was written."""


def worker_count(requested: int | None, events: int) -> int:
    """Processes to split a rebuild of `events` log positions over: as asked, or
    one per core the process may use once the log is long enough to gain."""
    if requested is not None:
        return min(MOST_WORKERS, max(1, requested))
    if events < PARALLEL_FROM:
        return 1
    return usable_cores()


@dataclass(frozen=True)
class Part:
    """One worker's share: log positions `start`..`stop` of the customers in part
    `index` of `count`, replayed into `projections`; `fresh` when their tables are
    empty (the first share of a rebuild), else rows are read from them as needed
    (from the shadow tables, by `renames`).
    The sizes are this module's as the part is made (a worker imports its own)."""

    storage: Storage
    settings: Settings
    projections: Sequence[Projection]
    # Every correction in the log, laid over its target as it is decoded.
    corrections: Known
    index: int
    count: int
    start: int
    stop: int
    fresh: bool
    # The names the rebuild's shadow tables go by (`projections/shadow.py`).
    renames: dict[str, str] = field(default_factory=dict)
    feed: int = field(default_factory=lambda: FEED)
    page: int = field(default_factory=lambda: PAGE)
    early: int = field(default_factory=lambda: EARLY)


class Deferred(Transaction):
    """Passes on each write a replay makes on flush (`send`), to be made in another
    process's transaction (`make`)."""

    def __init__(self, formats: Transaction, send: Callable[[Write], None]) -> None:
        # Writes are made on a database of the kind `formats` reads; on PostgreSQL
        # new rows are formatted for COPY here, in the worker.
        super().__init__(cursor=None, postgres=formats.postgres)
        self.formats = formats
        self.send = send

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        self.send(("execute", (statement, tuple(params))))

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.send(("executemany", (statement, list(rows))))

    def insert_new(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        if self.postgres:
            data = self.formats.copy_rows(table, columns, rows)
            self.send(("copy_data", (table, tuple(columns), data)))
        else:
            self.send(("insert_new", (table, tuple(columns), list(rows))))

    def fetchall(
        self, statement: str, params: Sequence[Any] = (), *, binary: bool = False
    ) -> list[tuple[Any, ...]]:
        raise RuntimeError("a replay's flush only writes; it read from a deferred transaction")

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        raise RuntimeError("a replay's flush only writes; it read from a deferred transaction")


def make(tx: Transaction, write: Write) -> None:
    """Make a write a worker handed over."""
    method, args = write
    getattr(tx, method)(*args)


def run_parts(
    parts: Sequence[Part],
    meanwhile: Callable[[], None],
    received: Callable[[str, Write], None],
    all_in: Callable[[str], None],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Replay every part in its own process, all at once; `meanwhile` runs here
    while they work; `received` is given a view's name and a write as a worker
    hands it over, and `all_in` a view's name once a part has handed over all of
    it (a worker writes its views out one after another, so the first can be
    written while it works out the next; rows that no later event changes come
    meanwhile, see `Projection.rows_final`); `progress` hears the position
    every part has passed. Returns the events applied. Raises RebuildFailedError
    (after stopping the others) if any part fails.

    Each worker is listened to by a thread of its own, which takes its messages as
    they come: a worker handing over a view would otherwise wait, its pipe full,
    while this process writes another view or builds its indexes (the thread
    unpickles meanwhile; waiting on the database lets it run)."""
    context = get_context("spawn")  # a fork would share the parent's open connections
    inbox: Queue[tuple[Part, tuple[Any, ...]]] = Queue()
    started: list[tuple[BaseProcess, Thread]] = []
    passed = {part.index: part.start - 1 for part in parts}
    applied = 0
    try:
        for part in parts:
            mine, theirs = context.Pipe(duplex=False)
            process: BaseProcess = context.Process(target=_work, args=(part, theirs), daemon=True)
            process.start()
            theirs.close()
            listener = Thread(target=_listen, args=(part, process, mine, inbox), daemon=True)
            listener.start()
            started.append((process, listener))
        meanwhile()
        running = len(parts)
        while running:
            part, message = inbox.get()
            if message[0] == "progress":
                passed[part.index] = message[1]
                if progress is not None:
                    progress(min(passed.values()))
            elif message[0] == "write":
                received(message[1], message[2])
            elif message[0] == "all in":
                all_in(message[1])
            elif message[0] == "stopped":
                raise message[1]
            else:
                applied += message[1]
                passed[part.index] = part.stop
                running -= 1
        return applied
    finally:
        for process, listener in started:
            if process.is_alive():
                process.terminate()
            process.join()
            listener.join()  # its channel ends with the process


def _listen(
    part: Part, process: BaseProcess, channel: Connection, inbox: Queue[tuple[Part, Any]]
) -> None:
    """Pass a worker's messages on until it is done or stops."""
    try:
        while True:
            message = _receive(channel, process)
            inbox.put((part, message))
            if message[0] == "done":
                return
    except BaseException as error:  # raised where the rebuild waits for messages
        inbox.put((part, ("stopped", error)))
    finally:
        channel.close()


def _receive(channel: Connection, process: BaseProcess) -> tuple[Any, ...]:
    try:
        message: tuple[Any, ...] = channel.recv()
    except EOFError:
        process.join()
        code = process.exitcode or 0
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        raise RebuildFailedError(f"a rebuild worker stopped unexpectedly ({how}){LEFT}") from None
    if message[0] == "failed":
        raise RebuildFailedError(f"a rebuild worker failed: {message[1]}{LEFT}")
    return message


# What a failed rebuild leaves: it wrote beside the live views, which it never
# touched (projections/shadow.py).
LEFT = "; the views it was rebuilding are as they were before it began: run the rebuild again"


def _work(part: Part, channel: Connection) -> None:
    """A worker's whole life: replay its part, hand over what it would write."""
    # The cyclic collector stays off for good, not only while replaying: turned
    # back on, its first collection walked everything the replays still held
    # (half a second per 500,000 events) before the worker could say it was done.
    gc.disable()
    try:
        applied, _kept = _replay(
            part,
            lambda position: channel.send(("progress", position)),
            lambda name, write: channel.send(("write", name, write)),
            lambda name: channel.send(("all in", name)),
        )
        channel.send(("done", applied))
    except BaseException as error:  # reported, and raised by the parent
        channel.send(("failed", f"{type(error).__name__}: {error}"))
        return
    finally:
        channel.close()
    # Its work is handed over and its connections closed: the process ends without
    # freeing what its replays held object by object (half a second for half a
    # million events), which the rebuild would wait for.
    os._exit(0)


def _replay(
    part: Part,
    passed: Callable[[int], None],
    hand_over: Callable[[str, Write], None],
    all_in: Callable[[str], None],
) -> tuple[int, list[Replay]]:
    """Replay the part and hand over its writes; the events applied, and the
    replays (still holding their rows, for the caller to drop or not)."""
    from ledger.application import Ledger

    # The tables exist; workers creating them at once could collide in PostgreSQL's
    # catalogue ("tuple concurrently updated").
    app = Ledger(env={**part.storage.env, "CREATE_TABLE": "n"}, settings=part.settings)
    store = ViewStore(part.storage)
    # On SQLite the worker writes its rows into the shadow tables itself (below).
    writer = None if store.postgres else ViewStore(part.storage)
    # On SQLite the part's events (written before the rebuild began, never changed)
    # are read outside a transaction, so that the log of the rows written meanwhile
    # is checkpointed as they go (`ViewStore.unpinned`).
    reading = store.reading if writer is None else store.unpinned
    try:
        with collector_paused(), reading(part.renames) as tx:
            replays = [p.replay(None if part.fresh else tx) for p in part.projections]
            # A Row reads as the StoredEvent the mapper takes; the events are customers'.
            to_domain_event: Callable[[Row], Any] = app.mapper.to_domain_event  # type: ignore[assignment]
            texts: dict[UUID, str] = {}  # the part's customer ids as text, made once
            views = list(zip(part.projections, replays, strict=True))
            final = [(p, replay) for p, replay in views if p.rows_final]

            def write_now(write: Write) -> None:
                assert writer is not None
                with writer.transaction(part.renames) as written:
                    make(written, write)

            def flush(projection: Projection, replay: Replay) -> None:
                if writer is None:
                    # Each write is handed over as it is made.
                    replay.flush(Deferred(tx, lambda write: hand_over(projection.name, write)))
                    return
                # SQLite: each write is made as it is worked out, in a short transaction
                # of its own, so that the write lock, which the other workers, the
                # rebuild's process and every command take turns at, is held only
                # while its rows go in (a few hundred documents at most). Handing
                # them over instead cost pickling them here and unpickling them
                # there, and kept one process writing for all.
                replay.flush(Deferred(tx, write_now))

            applied = 0
            # Only customers' events are read, and views keyed by customer take them all.
            for fed, rows in enumerate(_feeds(tx, app.recorder, part), start=1):
                decoded = [to_domain_event(row) for row in rows]
                if part.corrections:
                    decoded = apply_known(decoded, part.corrections)
                batch = Decoded.of(decoded, texts)
                for replay in replays:
                    replay.feed(batch)
                applied += len(rows)
                passed(rows[-1].id)
                if fed % part.early == 0:
                    for projection, replay in final:
                        flush(projection, replay)
            # Those views' last rows first, then the bulky views': their writes and
            # indexes are made while the others' rows are worked out.
            for projection, replay in sorted(views, key=_handed_over_first):
                flush(projection, replay)
                all_in(projection.name)
            return applied, replays
    finally:
        if writer is not None:
            writer.close()
        store.close()
        app.close()


def _handed_over_first(view: tuple[Projection, Replay]) -> tuple[bool, bool]:
    return not view[0].rows_final, not view[0].bulky


class Row(NamedTuple):
    """A stored event as the mapper reads it (a `Notification` is a frozen
    dataclass: making a million of them costs a second)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


def _feeds(tx: Transaction, recorder: Any, part: Part) -> Iterator[list[Row]]:
    """The part's notifications in log order, about `part.feed` at a time. Each query
    asks for a window of positions, not a number of rows: with a LIMIT and this
    filter, PostgreSQL's estimate of a rarely analysed log goes wrong, and it reads
    and sorts the rest of the log for every page (see `read_pages` in projections/log_pages.py)."""
    table = recorder.events_table_name
    if tx.postgres:
        # The last byte of a random (version 4) UUID is uniform.
        statement = (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {table} WHERE notification_id >= ? AND notification_id <= ? "
            f"AND {CUSTOMER_TOPIC_SQL} "
            "AND mod(get_byte(uuid_send(originator_id), 15), ?) = ? ORDER BY notification_id"
        )
    else:
        # Ids are stored as text: the same last byte, from its two hex digits.
        statement = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {table} WHERE rowid >= ? AND rowid <= ? AND {CUSTOMER_TOPIC_SQL} "
            "AND ((instr('0123456789abcdef', substr(originator_id, -2, 1)) - 1) * 16 "
            "+ instr('0123456789abcdef', substr(originator_id, -1)) - 1) % ? = ? "
            "ORDER BY rowid"
        )
    window = part.page * part.count  # about `page` rows of this part
    held: list[Row] = []
    for start in range(part.start, part.stop + 1, window):
        last = min(part.stop, start + window - 1)
        params = (start, last, *CUSTOMER_TOPIC_PATTERNS, part.count, part.index)
        rows = tx.fetchall(statement, params, binary=True)
        if tx.postgres:  # each value already of its type: made in C, row by row
            held += map(Row._make, rows)
        else:
            held += [Row(nid, UUID(originator), *rest) for nid, originator, *rest in rows]
        if len(held) >= part.feed or (held and last == part.stop):
            yield held
            held = []
