"""Keeping views current: catch up from the notification log, report status, follow
the log continuously, and rebuild (the machinery is in projections/rebuilding.py).

All views advance together from one read of the log: each batch of events is
decoded once, then every view that is behind applies its part, and all rows and
tracking positions of the batch commit in one transaction. Notification ids can
have gaps (rolled-back inserts); a view never waits for a missing id.

A view far behind the log (after a bulk load, or never built) or built by other
logic is rebuilt instead, whoever catches up: one rule, `rebuilds_to_catch_up`.
A rebuild writes into shadow tables beside the live views and swaps them in, with
the positions, in one transaction (`projections/shadow.py`): killed at any moment,
it leaves the views and their positions as they were. One rebuild runs at a time;
a catch-up that finds another running leaves the views it would rebuild as they
are, for their readers to read.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain.base import CustomerEvent, RecordedEvent
from ledger.errors import LedgerError
from projections.base import Decoded, Projection, track
from projections.catalogue import CATALOGUE, projection_class
from projections.collector import collector_paused
from projections.log_pages import BATCH, decode
from projections.rebuilding import Rebuilding
from projections.shadow import rebuild_lock
from projections.store import SCHEMA_DDL, TRACKING_DDL, Transaction, ViewStore, schema_stamp

if TYPE_CHECKING:
    from ledger.service import LedgerCore
    from ledger.storage import Storage

# A catch-up reads the log `BATCH` events a page and applies this many pages in one
# transaction: each customer's documents and rows are then read and written once
# for up to 10,000 events (a view this far behind is rebuilt, `REBUILD_FROM`, but
# where it holds more of the log than it misses), not once per page.
PAGES_AT_ONCE = 5
# A view at least this many events behind the head, and missing more of the log than
# it has applied, is rebuilt rather than caught up in batches (`rebuilds_to_catch_up`).
# A rebuild replays the whole log, holding rows in memory and splitting the views
# kept per customer over every core, at two to three times the rate of catching up
# (10,000 demo customers, 630,000 events: every view rebuilt in 18 s; the SLA view
# alone caught up in 24 s). Below this, catching up is a few batches, about a second.
REBUILD_FROM = 10_000


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int
    stale: bool

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


def _refold(
    tx: Transaction,
    projection: Projection,
    given: list[Any],
    refolded: dict[UUID, list[CustomerEvent]],
) -> list[Any]:
    """A batch for a view keyed by customer, in which each customer whose events
    include a correction is forgotten and replayed from its corrected stream."""
    from ledger.domain.events.interactions import CorrectionRecorded

    corrected = {
        e.originator_id
        for e in given
        if type(e) is CorrectionRecorded and e.originator_id in refolded
    }
    if not corrected:
        return given
    projection.forget(tx, sorted(str(customer_id) for customer_id in corrected))
    kept = [e for e in given if e.originator_id not in corrected]
    return kept + [e for customer_id in sorted(corrected) for e in refolded[customer_id]]


class StartingWorkerError(LedgerError):
    """Views were used by a script while it ran again to start a rebuild worker."""


def refuse_while_starting_worker() -> None:
    """Raise StartingWorkerError in a worker process that is still starting.

    A worker is a new interpreter ('spawn'), which first runs the main script of
    the process that started the rebuild again. A script that rebuilds without
    `if __name__ == "__main__":` would rebuild again in there, and wait on the
    very rebuild that waits for this worker: both would hang for ever. Said at
    once instead (multiprocessing marks a process that is starting so with
    `_inheriting`, and refuses to start processes from it the same way). Only a
    process that multiprocessing started can be starting: elsewhere, such as
    every command's catch-up, nothing is imported to find out."""
    process = sys.modules.get("multiprocessing.process")
    if process is not None and getattr(process.current_process(), "_inheriting", False):
        raise StartingWorkerError(
            "the views were used while a rebuild worker was starting: a worker runs "
            "the main script again, so put the script's own work under "
            "`if __name__ == '__main__':`"
        )


def rebuilds_to_catch_up(projection: Projection, found: tuple[int, str] | None, head: int) -> bool:
    """Whether `projection`, tracked at `found` (its position and the version of the
    logic that built it; None if it has none), is brought up to a log of `head`
    events by a rebuild rather than by reading what it misses in batches: when its
    logic changed (it must be replayed from the start anyway), or when it misses
    `REBUILD_FROM` events or more and more of the log than it holds (a bulk load, a
    view never built). Every catch-up decides by this, whoever asks: a reader, the
    demo, a bulk load, a follower."""
    position, version = found if found is not None else (0, projection.version)
    if version != projection.version:
        return True
    behind = head - position
    return behind >= REBUILD_FROM and behind > position


def _missing_table(error: Exception) -> bool:
    """Whether `error` says a table does not exist (SQLite, or PostgreSQL's
    undefined_table)."""
    if isinstance(error, sqlite3.OperationalError):
        return "no such table" in str(error)
    return getattr(getattr(error, "diag", None), "sqlstate", None) == "42P01"


class Views(Rebuilding):
    """The ledger's views over one store. Without `projections`, every view of the
    catalogue, each imported only once it is used (`projections/catalogue.py`): a
    read catches up the views it reads, and imports those."""

    def __init__(
        self, app: LedgerCore, storage: Storage, projections: Sequence[Projection] | None = None
    ) -> None:
        self.app = app
        self.store = ViewStore(storage)
        self._given = list(projections) if projections is not None else None
        self._loaded: dict[str, Projection] = {}
        self._ready = False
        # Customers' ids as text, kept across batches (`Decoded.of`).
        self._texts: dict[UUID, str] = {}
        # Views whose own start-up check (`Projection.check`) has run in this process.
        self._checked: set[str] = set()

    @property
    def projections(self) -> list[Projection]:
        """Every view, in the catalogue's order (all imported now)."""
        if self._given is not None:
            return list(self._given)
        return [self.projection(name) for name in CATALOGUE]

    def projection(self, name: str) -> Projection:
        if self._given is not None:
            for projection in self._given:
                if projection.name == name:
                    return projection
            raise KeyError(name)
        found = self._loaded.get(name)
        if found is None:
            found = self._loaded[name] = projection_class(name)()
        return found

    def names(self) -> list[str]:
        if self._given is not None:
            return [p.name for p in self._given]
        return list(CATALOGUE)

    # ------------------------------------------------------------------ state
    def _ensure_tables(self, targets: Sequence[Projection] | None = None) -> None:
        """Every view's tables exist, and `targets` (default: every view) have run
        their own check (`Projection.check`). The tables are created once per
        version of the views' code: a row in `view_schema` holds the stamp of the
        code that last created them (`schema_stamp`), read in one query; only when
        it differs is every view imported and created (docs/decisions.md,
        "Start-up: a process imports what it uses")."""
        refuse_while_starting_worker()
        if not self._ready:
            if not self._schema_current():
                self._create_tables()
            self._ready = True
        due = [
            p
            for p in (self.projections if targets is None else targets)
            if p.name not in self._checked
        ]
        # Only views that check something at start (the SLA view's calendar) need a
        # transaction here.
        if any(type(p).check is not Projection.check for p in due):
            with self.store.transaction() as tx:
                for projection in due:
                    projection.check(tx)
        self._checked.update(p.name for p in due)

    def _schema_current(self) -> bool:
        stamp = schema_stamp() if self._given is None else None
        if stamp is None:
            # A chosen set of views (tests, benchmarks) is created every time, and
            # so is every view where the views' source cannot be read.
            return False
        try:
            with self.store.reading() as tx:
                row = tx.fetchone("SELECT stamp FROM view_schema")
        except Exception as error:
            if not _missing_table(error):
                raise
            return False
        return row is not None and row[0] == stamp

    def _create_tables(self) -> None:
        with self.store.transaction() as tx:
            if self.store.postgres:
                # Concurrent CREATE TABLE IF NOT EXISTS can collide in PostgreSQL's
                # catalogue (two followers starting on a fresh database): take turns.
                tx.execute("SELECT pg_advisory_xact_lock(hashtext('views ' || current_schema()))")
            tx.execute(TRACKING_DDL)
            for projection in self.projections:
                projection.create(tx)
            self._checked.update(p.name for p in self.projections)
            stamp = schema_stamp()
            if self._given is None and stamp is not None:
                tx.execute(SCHEMA_DDL)
                tx.execute("DELETE FROM view_schema")
                tx.execute("INSERT INTO view_schema (stamp) VALUES (?)", (stamp,))

    def _tracked(self, tx: Transaction, lock: bool = False) -> dict[str, tuple[int, str]]:
        if lock and self.store.postgres:
            # Row locks cannot guard a position that has no row yet (a fresh or just
            # rebuilt view): lock the table, so catch-ups take turns as SQLite's
            # BEGIN IMMEDIATE makes them; plain reads of positions are not blocked.
            tx.execute("LOCK TABLE view_tracking IN SHARE ROW EXCLUSIVE MODE")
        rows = tx.fetchall("SELECT name, position, version FROM view_tracking")
        return {str(name): (int(position), str(version)) for name, position, version in rows}

    def status(self) -> list[ViewStatus]:
        self._ensure_tables()
        head = self.app.recorder.max_notification_id() or 0
        with self.store.transaction() as tx:
            tracked = self._tracked(tx)
        return [
            ViewStatus(
                name=p.name,
                position=tracked.get(p.name, (0, p.version))[0],
                head=head,
                stale=tracked.get(p.name, (0, p.version))[1] != p.version,
            )
            for p in self.projections
        ]

    # --------------------------------------------------------------- updating
    def _decode(self, notifications: Sequence[Any]) -> list[tuple[int, RecordedEvent]]:
        return decode(self.app.mapper, notifications)

    def catch_up(
        self,
        names: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        batch_size: int | None = None,
        turn: AbstractContextManager[object] | None = None,
    ) -> int:
        """Bring views up to the head of the log; returns how many events were
        applied. Views far behind, or built by other logic, are rebuilt
        (`rebuilds_to_catch_up`); the others read the log `batch_size` events at a
        time (default `BATCH`). `turn` is held around each transaction that writes
        (and around a whole rebuild): an import's views follower shares SQLite's
        one write lock with the import's commits that way, taking turns."""
        turn = turn or nullcontext()
        targets = self._select(names)
        self._ensure_tables(targets)
        head = self.app.recorder.max_notification_id() or 0
        with self.store.reading() as tx:
            tracked = self._tracked(tx)
        if all(tracked.get(p.name, (0, ""))[0] >= head for p in targets) and not any(
            rebuilds_to_catch_up(p, tracked.get(p.name), head) for p in targets
        ):
            return 0  # every view is current: what most commands find
        applied = 0
        left: list[Projection] = []
        rebuilding = any(rebuilds_to_catch_up(p, tracked.get(p.name), head) for p in targets)
        if rebuilding:
            with turn, rebuild_lock(self.store, wait=False) as held:
                # Read again once the lock is tried: a rebuild that held it may have
                # brought these views up meanwhile.
                with self.store.transaction() as tx:
                    tracked = self._tracked(tx)
                due = [p for p in targets if rebuilds_to_catch_up(p, tracked.get(p.name), head)]
                if held:
                    if due:
                        applied += self._replay_all(due, progress, None)
                else:
                    # Another process is rebuilding: these views are read as they
                    # stand until its swap, not replayed a second time meanwhile.
                    left = due
        rest = [p for p in targets if p not in left]
        # Without a rebuild the positions and head just read still serve (each batch
        # re-reads the positions under lock anyway): on PostgreSQL each read is a
        # round trip or three, and every read command catches up once or twice.
        known = None if rebuilding else (tracked, head)
        return applied + self._catch_up_in_batches(rest, progress, batch_size, known, turn)

    def _catch_up_in_batches(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        batch_size: int | None,
        known: tuple[dict[str, tuple[int, str]], int] | None = None,
        turn: AbstractContextManager[object] | None = None,
    ) -> int:
        """Read the log from the earliest position of `targets` to its head in
        batches; `known`: the positions and head, if just read."""
        if known is None:
            with self.store.reading() as tx:
                tracked = self._tracked(tx)
            head = self.app.recorder.max_notification_id() or 0
        else:
            tracked, head = known
        start = min((tracked.get(p.name, (0, ""))[0] for p in targets), default=head) + 1
        applied = 0
        size = batch_size or BATCH
        while start <= head:
            # Up to `PAGES_AT_ONCE` pages of the log, applied in one transaction. The
            # cyclic collector would walk the decoded events and held rows again
            # and again (a tenth of the time), as in a rebuild: paused meanwhile.
            first, last = start, 0
            events: list[tuple[int, RecordedEvent]] = []
            with collector_paused():
                for _ in range(PAGES_AT_ONCE):
                    page = self.app.recorder.select_notifications(start, size, stop=head)
                    if not page:
                        break
                    events += self._decode(page)
                    last = page[-1].id
                    start = last + 1
                    if start > head:
                        break
                if last:
                    with turn or nullcontext():
                        applied += self._apply(targets, events, first, last)
                # Let go while the collector is paused: resumed, it would walk them
                # all once more before they go.
                del events, page
            if not last:
                break
            if progress is not None:
                progress(last, head)
        return applied

    def _apply(
        self,
        targets: list[Projection],
        events: Sequence[tuple[int, RecordedEvent]],
        first_id: int,
        last_id: int,
    ) -> int:
        """Apply one batch (log ids `first_id`..`last_id`); returns how many of its
        events went into at least one view."""
        # Most batches hold customer events only: filtering per view is then skipped.
        mixed = any(not isinstance(e, CustomerEvent) for _, e in events)
        refolded = self._corrected_streams(events)
        # What each view is given, by what it accepts and from where it starts in the
        # batch: its events with their ids, decoded (`Decoded`) once for all the views
        # given the same (nearly always, every view keyed by customer).
        given: dict[tuple[tuple[type, ...] | None, int], tuple[list[int], Decoded]] = {}
        moved: list[Projection] = []
        with self.store.transaction() as tx:
            # Positions are re-read under lock: a concurrent catch-up may have moved on.
            tracked = self._tracked(tx, lock=True)
            for projection in targets:
                position = tracked.get(projection.name, (0, projection.version))[0]
                if position >= last_id:
                    continue
                if position < first_id - 1:
                    # Reset by another catch-up since this one began: the events before
                    # this batch are not in it, so leave it to be replayed from its start.
                    continue
                moved.append(projection)
                after = 0 if position < first_id else position
                # Only what the view accepts reaches it (customer events unless it
                # asks for more); the signature names the common case.
                plain = not mixed and projection.accepts == (CustomerEvent,)
                kinds = None if plain else projection.accepts
                mine = given.get((kinds, after))
                if mine is None:
                    chosen = [
                        (nid, e)
                        for nid, e in events
                        if nid > after and (kinds is None or isinstance(e, kinds))
                    ]
                    accepted: list[Any] = [e for _, e in chosen]
                    mine = given[kinds, after] = (
                        [nid for nid, _ in chosen],
                        Decoded.of(accepted, self._texts),
                    )
                decoded = mine[1]
                if not decoded.events:
                    continue
                if refolded and projection.keyed_by_customer:
                    refold: list[Any] = list(decoded.events)
                    projection.process(tx, _refold(tx, projection, refold, refolded))
                else:
                    projection.apply(tx, decoded)
            track(tx, moved, last_id)
        if len(given) == 1:
            return len(next(iter(given.values()))[0])
        return len({nid for ids, decoded in given.values() if decoded.events for nid in ids})

    def _corrected_streams(
        self, events: Sequence[tuple[int, RecordedEvent]]
    ) -> dict[UUID, list[CustomerEvent]]:
        """The streams of the customers corrected in a batch, each up to its last
        event in the batch and as its corrections say it was (`fold`): a correction
        can change what any later event meant to a view (which contact was the
        last, what a case was called when it closed), so the views keyed by
        customer replay a corrected customer afresh rather than patch it."""
        # Imported here, as every event class and the corrections' rules are: a
        # catch-up that finds the views current decodes no event and needs neither
        # (docs/decisions.md, "Start-up: a read imports no event class").
        if not any(isinstance(event, CustomerEvent) for _, event in events):
            return {}  # the read log, staff accounts: no correction among them
        from ledger.domain.corrections import fold
        from ledger.domain.events.interactions import CorrectionRecorded

        last: dict[UUID, int] = {}
        for _, event in events:
            if type(event) is CorrectionRecorded:
                last[event.originator_id] = event.originator_version
        if not last:
            return {}  # nearly every batch
        for _, event in events:
            if event.originator_id in last:
                last[event.originator_id] = max(last[event.originator_id], event.originator_version)
        return {
            customer_id: fold(
                e
                for e in self.app.events.get(customer_id, lte=version)
                if isinstance(e, CustomerEvent)
            )
            for customer_id, version in last.items()
        }

    def _select(self, names: Iterable[str] | None) -> list[Projection]:
        """The views `names` (every view for None), in the catalogue's order."""
        if names is None:
            return list(self.projections)
        wanted = list(names)
        known = self.names()
        unknown = [n for n in wanted if n not in known]
        if unknown:
            from ledger.errors import InvalidInputError

            raise InvalidInputError(
                f"unknown projection {unknown[0]!r}: choose from {', '.join(known)}"
            )
        return [self.projection(name) for name in known if name in wanted]

    # -------------------------------------------------------------- following
    def follow(
        self,
        should_stop: Callable[[], bool],
        on_progress: Callable[[int], None] | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        """Keep views hot until told to stop: woken by PostgreSQL's NOTIFY on new
        events, or by polling on SQLite (which has no notifications)."""
        wait = self._notification_waiter(poll_seconds)
        try:
            while not should_stop():
                applied = self.catch_up()
                if applied and on_progress is not None:
                    on_progress(applied)
                wait()
        finally:
            self.close_listener()

    _listener: object | None = None

    def _notification_waiter(self, poll_seconds: float) -> Callable[[], None]:
        if not self.store.postgres:
            return lambda: time.sleep(poll_seconds)
        import psycopg
        from psycopg import sql

        env = self.store.storage.env
        listener = psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=env["POSTGRES_PORT"],
            user=env["POSTGRES_USER"],
            password=env.get("POSTGRES_PASSWORD") or None,
            autocommit=True,
        )
        channel = str(getattr(self.app.recorder, "channel_name", "ledger_events"))
        listener.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self._listener = listener

        def wait() -> None:
            # Returns on the first notification, or after the poll interval at most.
            for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                pass

        return wait

    def close_listener(self) -> None:
        listener = self._listener
        if listener is not None:
            listener.close()  # type: ignore[attr-defined]
            self._listener = None

    def close(self) -> None:
        self.close_listener()
        self.store.close()
