"""Keeping views current: catch up from the notification log, rebuild, report status,
and follow the log continuously.

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

import contextlib
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from ledger.domain.base import CustomerEvent, RecordedEvent
from ledger.domain.topics import RECORDED_TOPIC_PREFIX
from ledger.errors import LedgerError
from projections.base import Decoded, Projection, Replay
from projections.catalogue import CATALOGUE, projection_class
from projections.collector import collector_paused
from projections.shadow import Shadow, rebuild_lock
from projections.store import SCHEMA_DDL, TRACKING_DDL, Transaction, ViewStore, schema_stamp

if TYPE_CHECKING:
    from ledger.domain.corrections import Known
    from ledger.service import LedgerCore
    from ledger.storage import Storage

BATCH = 2000
# A catch-up reads the log `BATCH` events a page and applies this many pages in one
# transaction: each customer's documents and rows are then read and written once
# for up to 10,000 events (a view this far behind is rebuilt, `REBUILD_FROM`, but
# where it holds more of the log than it misses), not once per page.
PAGES_AT_ONCE = 5
# A rebuild reads the log in batches of this many events and holds every view's rows
# in memory across them; it writes them out (and commits its position) after this
# many events, and at the end. In a log where customers interleave, a customer's
# document then is written a few times in all, not once or twice per batch.
REBUILD_BATCH = 20_000
# Held rows take about 1.5 GB per million events (the 360 documents most); a rebuild
# writes at least every `REBUILD_FLUSH` events. A write after the first rewrites the
# rows of every customer met since (nearly all, where customers interleave) through
# per-row upserts, so it costs more than the first: the tail of the log is folded
# into the last write unless it holds at least half as many events again.
REBUILD_FLUSH = 1_000_000
# Log positions one query reads when only some topics are wanted (`_read`).
TOPIC_WINDOW = 100_000
# A rebuild's swap waits this long for a reader's transaction on a live table (on
# PostgreSQL; readers queue behind a waiting swap), then gives way and tries again,
# up to `SWAP_ATTEMPTS` times.
SWAP_LOCK_TIMEOUT = "2s"
SWAP_ATTEMPTS = 30
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


def decode(mapper: Any, notifications: Sequence[Any]) -> list[tuple[int, RecordedEvent]]:
    """The recorded events (customers', staff accounts', reads) among the
    notifications, with their ids."""
    events: list[tuple[int, RecordedEvent]] = []
    to_domain_event = mapper.to_domain_event
    for n in notifications:
        if n.topic.startswith(RECORDED_TOPIC_PREFIX):
            event = to_domain_event(n)
            if isinstance(event, RecordedEvent):
                events.append((n.id, event))
    return events


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


def routed(
    targets: Sequence[Projection], replays: dict[str, Replay], events: list[RecordedEvent]
) -> Iterator[tuple[Decoded, Replay]]:
    """Each replay with the events its view accepts, each selection decoded once:
    most views take the customers' events, a few staff events or the read log."""
    selections: dict[tuple[type, ...], Decoded] = {}
    for projection in targets:
        decoded = selections.get(projection.accepts)
        if decoded is None:
            chosen: list[Any] = [e for e in events if isinstance(e, projection.accepts)]
            decoded = selections[projection.accepts] = Decoded.of(chosen)
        if decoded.events:
            yield decoded, replays[projection.name]


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


def _track(tx: Transaction, projections: Sequence[Projection], position: int) -> None:
    """Record that `projections`, built by their current logic, have applied the log
    up to `position` (one statement for all)."""
    if not projections:
        return
    tx.executemany(
        "INSERT INTO view_tracking (name, position, version) VALUES (?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET position = excluded.position, "
        "version = excluded.version",
        [(projection.name, position, projection.version) for projection in projections],
    )


def _with_subclasses(kind: type) -> list[type]:
    found = [kind]
    subclasses: list[type] = kind.__subclasses__()
    for sub in subclasses:
        found += _with_subclasses(sub)
    return found


def _topics(kinds: tuple[type, ...]) -> list[str] | None:
    """The topics of the events of `kinds` (subclasses included), or None when
    they include every customer event: most views take those, and filtering would
    only cost the database work."""
    from eventsourcing.utils import get_topic

    from ledger.domain import events

    if any(issubclass(CustomerEvent, kind) for kind in kinds):
        return None
    # Subclasses are found among the classes defined so far: every event module first.
    events.import_all()
    return sorted({get_topic(cls) for kind in kinds for cls in _with_subclasses(kind)})


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


def _gave_way(error: Exception) -> bool:
    """Whether a swap failed only because it waited too long for readers' locks
    (or PostgreSQL broke a deadlock with a reader by stopping it): worth trying
    again, as nothing was changed."""
    sqlstate = getattr(getattr(error, "diag", None), "sqlstate", None)
    return sqlstate in ("55P03", "40P01")  # lock_not_available, deadlock_detected


def _missing_table(error: Exception) -> bool:
    """Whether `error` says a table does not exist (SQLite, or PostgreSQL's
    undefined_table)."""
    if isinstance(error, sqlite3.OperationalError):
        return "no such table" in str(error)
    return getattr(getattr(error, "diag", None), "sqlstate", None) == "42P01"


def _written_by_workers(name: str, write: Any) -> None:
    """What a split rebuild on SQLite does with a write handed over: there are none,
    as its workers make their own (projections/parallel.py)."""
    raise RuntimeError(f"a rebuild worker on SQLite handed over a write of {name!r}")


class Views:
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
    ) -> int:
        """Bring views up to the head of the log; returns how many events were
        applied. Views far behind, or built by other logic, are rebuilt
        (`rebuilds_to_catch_up`); the others read the log `batch_size` events at a
        time (default `BATCH`)."""
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
            with rebuild_lock(self.store, wait=False) as held:
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
        return applied + self._catch_up_in_batches(rest, progress, batch_size, known)

    def _catch_up_in_batches(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        batch_size: int | None,
        known: tuple[dict[str, tuple[int, str]], int] | None = None,
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
                    applied += self._apply(targets, events, first, last)
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
            _track(tx, moved, last_id)
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

    def rebuild(
        self,
        names: Iterable[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
        workers: int | None = None,
    ) -> tuple[int, float]:
        """Replay the whole log into new views and swap them in: (events, seconds).
        The views keyed by customer are replayed by `workers` processes (default:
        one per core once the log is long enough to gain; see parallel.py). Waits
        for a rebuild another process is running to finish first."""
        targets = self._select(names)
        self._ensure_tables(targets)
        began = time.perf_counter()
        with rebuild_lock(self.store, wait=True):
            events = self._replay_all(targets, progress, workers)
        return events, time.perf_counter() - began

    def _replay_all(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        workers: int | None,
    ) -> int:
        """Replay the whole log into shadow tables of the targets (created without
        indexes: building one from sorted rows is much cheaper than updating it for
        every row of a bulk write, so they are built once the rows are in), then
        swap them in with their positions; returns the events applied. The caller
        holds the rebuild lock. Until the swap, the live views are untouched:
        catch-ups may go on bringing them up, and the swap moves them to where the
        replay ended (the next catch-up reads on from there)."""
        # Imported by a rebuild only: the rebuild's multiprocessing machinery is no
        # start-up cost of a command's plain catch-up (no circle: parallel does not
        # import this module).
        from projections.parallel import worker_count

        shadow = Shadow(targets)
        with self.store.transaction(shadow.renames) as tx:
            shadow.prepare(tx)
        head = self.app.recorder.max_notification_id() or 0
        parts = worker_count(workers, head)
        try:
            if parts > 1 and any(p.keyed_by_customer for p in targets):
                events = self._replay_split(targets, progress, parts, head, shadow)
            else:
                events = self._replay(targets, progress, head, shadow)
            self._swap(shadow, head)
        except BaseException:
            # The live views are as they were; the shadows are dropped now if the
            # database lets us, else by the next rebuild.
            with contextlib.suppress(Exception), self.store.transaction(shadow.renames) as tx:
                shadow.discard(tx)
            raise
        return events

    def _write_shadow(
        self, shadow: Shadow, write: Callable[[Transaction], None], *, final: bool
    ) -> None:
        """Run `write` on the shadow tables in one transaction, and index them, but
        for SQLite's last write: SQLite cannot rename an index, so the swap builds
        them under their live names (a write before the last indexes them, as later
        writes update rows by key)."""
        with self.store.transaction(shadow.renames) as tx:
            write(tx)
            if self.store.postgres or not final:
                for projection in shadow.projections:
                    projection.create_indexes(tx)

    def _swap(self, shadow: Shadow, position: int) -> None:
        """Put the shadow tables in place of the live views and move each to
        `position`, in one transaction. The positions are locked first, as a
        catch-up locks them, so the two take turns. On PostgreSQL, dropping a live
        table waits for the transactions reading it, and readers arriving meanwhile
        queue behind the swap: it waits `SWAP_LOCK_TIMEOUT` at most, then gives way
        to them and tries again."""
        for attempt in range(1, SWAP_ATTEMPTS + 1):
            try:
                with self.store.transaction() as tx:
                    if tx.postgres:
                        tx.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
                    self._tracked(tx, lock=True)
                    shadow.swap(tx)
                    _track(tx, shadow.projections, position)
                return
            except Exception as error:
                if attempt == SWAP_ATTEMPTS or not _gave_way(error):
                    raise
                time.sleep(0.05 * attempt)

    def _replay_split(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        parts: int,
        head: int,
        shadow: Shadow,
    ) -> int:
        """`_replay`, with the views keyed by customer replayed by `parts` worker
        processes, each replaying up to `REBUILD_FLUSH` log positions of its
        customers at a time and handing its rows over as it goes."""
        span = parts * REBUILD_FLUSH
        applied = flushed = 0
        start = 1
        while start <= head:
            stop = min(head, start + span - 1)
            if head - stop < span // 2:
                stop = head  # the tail is folded into this write
            applied += self._replay_stretch(targets, parts, flushed, stop, head, progress, shadow)
            flushed, start = stop, stop + 1
            if progress is not None:
                progress(stop, head)
        return applied

    def _replay_stretch(
        self,
        targets: list[Projection],
        parts: int,
        flushed: int,
        stop: int,
        head: int,
        progress: Callable[[int, int], None] | None,
        shadow: Shadow,
    ) -> int:
        """Replay log positions after `flushed` up to `stop` and write them into the
        shadow tables (see `_replay_split`): the events applied."""
        from projections.parallel import Part, Write, make, run_parts  # as in _replay_all

        keyed = [p for p in targets if p.keyed_by_customer]
        others = [p for p in targets if not p.keyed_by_customer]
        known = self._known_corrections(head)
        shares = [
            Part(
                storage=self.store.storage,
                settings=self.app.settings,
                projections=keyed,
                corrections=known,
                index=k,
                count=parts,
                start=flushed + 1,
                stop=stop,
                fresh=flushed == 0,
                renames=shadow.renames,
            )
            for k in range(parts)
        ]
        theirs: list[RecordedEvent] = []
        applied = 0

        def read_others() -> None:
            theirs.extend(self._read_accepted(others, flushed + 1, stop))

        def passed(position: int) -> None:
            if progress is not None:
                progress(position, head)

        def write_others(tx: Transaction) -> None:
            for projection in others:
                mine: list[Any] = [e for e in theirs if isinstance(e, projection.accepts)]
                if mine:
                    projection.process(tx, mine)

        def replay_parts(
            received: Callable[[str, Write], None],
            all_in: Callable[[str], None],
            meanwhile: Callable[[], None] = read_others,
        ) -> None:
            nonlocal applied
            applied = run_parts(shares, meanwhile, received, all_in, passed)

        with collector_paused():
            if self.store.postgres:
                # Each view's rows are written as a worker hands them over, while the
                # workers carry on, inside the one transaction (on the shadow tables:
                # readers, commands and catch-ups are not blocked by it). Once every part of
                # a view is in, its indexes are built, while the workers still write
                # out the views after it. The other views are written first, while the
                # workers replay.
                def write(tx: Transaction) -> None:
                    # The workers keep every core busy: helpers building an index
                    # alongside would only add their coordination to the work.
                    tx.execute("SET LOCAL max_parallel_maintenance_workers = 0")
                    parts_in: dict[str, int] = {}

                    def write_others_first() -> None:
                        read_others()
                        write_others(tx)

                    def all_in(name: str) -> None:
                        parts_in[name] = parts_in.get(name, 0) + 1
                        if parts_in[name] == len(shares):
                            self.projection(name).create_indexes(tx)

                    replay_parts(lambda _, write: make(tx, write), all_in, write_others_first)
            else:
                # SQLite has one writer at a time, so no transaction spans the replay
                # (commands would wait for it): the workers write their own rows into
                # the shadow tables in short transactions as they go (parallel.py),
                # and this process the other views' while they replay.
                def write_others_first() -> None:
                    read_others()
                    with self.store.transaction(shadow.renames) as tx:
                        write_others(tx)

                replay_parts(_written_by_workers, lambda _: None, write_others_first)

                def write(tx: Transaction) -> None:
                    pass  # every row is in: what is left is indexing (`_write_shadow`)

            self._write_shadow(shadow, write, final=stop >= head)
        taken_by_keyed = tuple({kind for p in keyed for kind in p.accepts})
        return applied + sum(1 for e in theirs if not isinstance(e, taken_by_keyed))

    def _read_accepted(
        self, projections: Sequence[Projection], start: int, stop: int
    ) -> list[RecordedEvent]:
        """The events `projections` accept between two log positions, read by topic:
        the views that are not keyed by customer take a few kinds of event."""
        kinds = tuple({kind for p in projections for kind in p.accepts})
        if not kinds:
            return []
        topics = _topics(kinds)
        events: list[RecordedEvent] = []
        while start <= stop:
            page, start = self._read(start, stop, topics)
            events += [e for _, e in self._decode(page) if isinstance(e, kinds)]
        return events

    def _replay(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        head: int,
        shadow: Shadow,
    ) -> int:
        """Replay the log into the shadow tables of the targets, holding their rows
        in memory and writing them every `REBUILD_FLUSH` events or so and at the
        end; returns the events applied."""
        with collector_paused():
            return self._replay_log(targets, progress, head, shadow)

    def _replay_log(
        self,
        targets: list[Projection],
        progress: Callable[[int, int], None] | None,
        head: int,
        shadow: Shadow,
    ) -> int:
        from ledger.domain.corrections import apply_known

        replays: dict[str, Replay] = {p.name: p.replay(None) for p in targets}
        accepted = tuple({kind for p in targets for kind in p.accepts})
        # Views that take only a few kinds of event (staff, handovers, the read log,
        # rebuilt on their own) read only those: a few pages instead of the whole log.
        topics = _topics(accepted)
        known = self._known_corrections(head) if topics is None else {}
        applied = held = 0
        start = 1
        while start <= head:
            batch, start = self._read(start, head, topics)
            events = apply_known([event for _, event in self._decode(batch)], known)
            if events:
                for decoded, replay in routed(targets, replays, events):
                    replay.feed(decoded)
            # Counted as catching up counts: events that went into at least one view.
            held += sum(1 for e in events if isinstance(e, accepted))
            if start > head or (held >= REBUILD_FLUSH and head - start >= REBUILD_FLUSH // 2):
                self._flush(shadow, replays, final=start > head)
                applied += held
                held = 0
            if progress is not None:
                progress(start - 1, head)
        return applied

    def _known_corrections(self, stop: int) -> Known:
        """Every correction recorded up to `stop`, read by topic: a rebuild lays
        them over their targets as it decodes them, so that its views are what
        catching up gives (there, a corrected customer is replayed afresh)."""
        from ledger.domain.corrections import collect
        from ledger.domain.events.interactions import CorrectionRecorded

        topics = _topics((CorrectionRecorded,))
        known: Known = {}
        start = 1
        while start <= stop:
            page, start = self._read(start, stop, topics)
            collect((e for _, e in self._decode(page) if type(e) is CorrectionRecorded), known)
        return known

    def _read(
        self, start: int, stop: int, topics: Sequence[str] | None = None
    ) -> tuple[list[Any], int]:
        """About `REBUILD_BATCH` notifications from `start` (of `topics` only, if
        given), read `BATCH` at a time as catching up reads them; and the position
        to read from next (past `stop` once every one up to it is read). One large
        `LIMIT` is much slower on PostgreSQL: the log's table is rarely analysed
        after bulk writes, the planner then expects a few thousand rows in any id
        range, and above that limit it reads every row from `start` to the head and
        sorts them on disk, for each batch: a rebuild took time quadratic in the
        length of the log."""
        notifications: list[Any] = []
        select = self.app.recorder.select_notifications
        while start <= stop and len(notifications) < REBUILD_BATCH:
            if topics:
                # Selected by topic, a page of `BATCH` rows is no better: PostgreSQL
                # expects the topics to be rare and reads every row up to the head
                # for each page. A window of positions bounds what each query reads
                # (and the rows it can return), so the log is read once in all.
                last = min(stop, start + TOPIC_WINDOW - 1)
                page = select(start, TOPIC_WINDOW, stop=last, topics=topics)
                start = last + 1
            else:
                page = select(start, BATCH, stop=stop)
                start = page[-1].id + 1 if len(page) == BATCH else stop + 1
            notifications += page
        return notifications, start

    def _flush(self, shadow: Shadow, replays: dict[str, Replay], *, final: bool) -> None:
        """Write what the replays hold into the shadow tables."""

        def write(tx: Transaction) -> None:
            for projection in shadow.projections:
                replays[projection.name].flush(tx)

        self._write_shadow(shadow, write, final=final)

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
