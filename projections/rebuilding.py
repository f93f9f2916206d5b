"""Rebuilding views: the whole log replayed into shadow tables beside the live
views, by one process or split by customer over worker processes
(projections/parallel.py), then swapped in with their positions in one
transaction (projections/shadow.py). A mixin of `Views` (projections/views.py),
which decides when a view is rebuilt rather than caught up."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from ledger.domain.base import RecordedEvent
from projections.base import Decoded, Projection, Replay, track
from projections.collector import collector_paused
from projections.log_pages import read_pages, topics_of
from projections.shadow import Shadow, rebuild_lock
from projections.store import Transaction, ViewStore

if TYPE_CHECKING:
    from ledger.domain.corrections import Known
    from ledger.service import LedgerCore

# Held rows take about 1.5 GB per million events (the 360 documents most); a rebuild
# writes at least every `REBUILD_FLUSH` events. A write after the first rewrites the
# rows of every customer met since (nearly all, where customers interleave) through
# per-row upserts, so it costs more than the first: the tail of the log is folded
# into the last write unless it holds at least half as many events again.
REBUILD_FLUSH = 1_000_000
# A rebuild's swap waits this long for a reader's transaction on a live table (on
# PostgreSQL; readers queue behind a waiting swap), then gives way and tries again,
# up to `SWAP_ATTEMPTS` times.
SWAP_LOCK_TIMEOUT = "2s"
SWAP_ATTEMPTS = 30


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


def _gave_way(error: Exception) -> bool:
    """Whether a swap failed only because it waited too long for readers' locks
    (or PostgreSQL broke a deadlock with a reader by stopping it): worth trying
    again, as nothing was changed."""
    sqlstate = getattr(getattr(error, "diag", None), "sqlstate", None)
    return sqlstate in ("55P03", "40P01")  # lock_not_available, deadlock_detected


def _written_by_workers(name: str, write: Any) -> None:
    """What a split rebuild on SQLite does with a write handed over: there are none,
    as its workers make their own (projections/parallel.py)."""
    raise RuntimeError(f"a rebuild worker on SQLite handed over a write of {name!r}")


class Rebuilding:
    """Rebuilds of the views; expects the host's `app`, `store`, and its ways to
    decode, select, create and track views (`Views`)."""

    app: LedgerCore
    store: ViewStore
    _decode: Callable[[Sequence[Any]], list[tuple[int, RecordedEvent]]]
    _select: Callable[[Iterable[str] | None], list[Projection]]
    _ensure_tables: Callable[[Sequence[Projection] | None], None]
    _tracked: Callable[..., dict[str, tuple[int, str]]]
    projection: Callable[[str], Projection]

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
                    track(tx, shadow.projections, position)
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
        topics = topics_of(kinds)
        events: list[RecordedEvent] = []
        while start <= stop:
            page, start = read_pages(self.app.recorder.select_notifications, start, stop, topics)
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
        topics = topics_of(accepted)
        known = self._known_corrections(head) if topics is None else {}
        applied = held = 0
        start = 1
        while start <= head:
            batch, start = read_pages(self.app.recorder.select_notifications, start, head, topics)
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

        topics = topics_of((CorrectionRecorded,))
        known: Known = {}
        start = 1
        while start <= stop:
            page, start = read_pages(self.app.recorder.select_notifications, start, stop, topics)
            collect((e for _, e in self._decode(page) if type(e) is CorrectionRecorded), known)
        return known

    def _flush(self, shadow: Shadow, replays: dict[str, Replay], *, final: bool) -> None:
        """Write what the replays hold into the shadow tables."""

        def write(tx: Transaction) -> None:
            for projection in shadow.projections:
                replays[projection.name].flush(tx)

        self._write_shadow(shadow, write, final=final)
