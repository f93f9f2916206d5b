"""Running an import (docs/import.md, "How an import runs").

1. Every source file is read once and its rows spooled by the customer they
   belong to (`ledger/imports/spool.py`); rows that cannot be read are rejected.
2. Customer by customer, the rows become steps (`Kind.steps`), run in time order
   as typed commands in a unit of work (`ledger/unit_of_work.py`). A step whose
   command id the customer has recorded already writes nothing; if its row now
   says something else, a correction (or, for records with update commands of
   their own, those commands) records exactly the change, under a command id
   by the version it is recorded at (`import_change_id`). A row whose step is
   refused is rejected whole: nothing of it stays in the batch.
3. A batch of customers commits in one transaction; one that conflicts with a
   concurrent writer runs again on fresh state. `dry_run` commits nothing, and
   carries what each batch claimed of the directory (names, numbers) into the
   next, so it refuses what the real run would (a name two batches use).
4. Rejects files are written, and the summary counts each file's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from ledger.domain.directory import CustomerKey, customer_id_for_command, name_key
from ledger.domain.provenance import (
    import_change_id,
    import_command_id,
    import_correlation_id,
)
from ledger.errors import ConcurrencyError, LedgerError
from ledger.imports.collector import bulk_collection
from ledger.imports.contract import Kind, RowRejected, SourceRow, Step
from ledger.imports.rejects import remove_stale, write_rejects
from ledger.imports.session import Session
from ledger.imports.sources import REASON_COLUMN, Source, Unreadable
from ledger.imports.spool import Spool
from ledger.imports.workers import (
    BatchWorkers,
    CommitOrder,
    Follower,
    Groups,
    Watchdog,
    WorkerSetup,
)
from ledger.streams_present import streams_present

if TYPE_CHECKING:
    from ledger.access import Caller
    from ledger.application import Ledger
    from ledger.domain.customer import Customer
    from ledger.unit_of_work import Batch

# A batch commits this many customers, or this many rows, whichever comes first:
# large enough that the commit's transaction dominates nothing, small enough that
# a batch's aggregates stay a few megabytes.
BATCH_CUSTOMERS = 200
BATCH_ROWS = 20_000
# How often reading the files reports progress, in rows.
SPOOL_PROGRESS = 10_000
# Conflicting commits (customers registered meanwhile) before giving up.
MAX_BATCH_ATTEMPTS = 10

IMPORTED, PRESENT, CHANGED, REJECTED = "imported", "present", "changed", "rejected"
# A row's outcome is the strongest of its steps'.
STRENGTH = {PRESENT: 0, IMPORTED: 1, CHANGED: 2}


@dataclass
class FileSummary:
    """What an import did with one file's rows."""

    name: str
    kind: str
    imported: int = 0
    present: int = 0
    changed: int = 0
    rejected: int = 0
    rejects_file: Path | None = None
    # Remarks on rows imported, present or changed (`ImportSession.note`):
    # `line N: ...`, in the order the rows ran.
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.imported + self.present + self.changed + self.rejected

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


@dataclass
class ImportResult:
    files: list[FileSummary]
    events: int = 0  # events written (none on a dry run)
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass(frozen=True)
class Planned:
    """One step of one row, with what orders it among the customer's steps."""

    key: tuple[Any, ...]
    row: int  # the row's index among the customer's rows
    step: Step


@dataclass
class CustomerWork:
    """What one customer's rows came to in one attempt of a batch."""

    outcomes: dict[int, str] = field(default_factory=dict)  # row index -> outcome
    reasons: dict[int, str] = field(default_factory=dict)  # row index -> why rejected
    notes: dict[int, list[str]] = field(default_factory=dict)  # row index -> remarks


Progress = Callable[[int, int], None]


class Importer:
    """One run of an import."""

    def __init__(
        self,
        app: Ledger,
        caller: Caller,
        kinds: Mapping[str, Kind],
        *,
        system: str,
        defaults: Mapping[str, str] | None = None,
        dry_run: bool = False,
        rejects_folder: Path | None = None,
        started: datetime | None = None,
        committed: Callable[[], object] | None = None,
        commit_lock: AbstractContextManager[object] | None = None,
        follower: Follower | None = None,
        workers: int = 1,
        commit_order: CommitOrder | None = None,
    ) -> None:
        self.app = app
        self.caller = caller
        self.kinds = kinds
        self.system = system
        self.dry_run = dry_run
        self.rejects_folder = rejects_folder
        # Called after each batch that wrote something is committed (the command line
        # catches the views up there).
        self.committed = committed
        # Held around each commit: on SQLite the views' follower takes the same lock
        # around its catch-up, so the two never wait on the database's one write lock.
        self.commit_lock = commit_lock or follower or nullcontext()
        # The views' follower of a large import: its turn is the commit lock, and
        # workers share it and wait for it (`_run_in_workers`).
        self.follower = follower
        # Processes running batches side by side (`ledger/imports/workers.py`); a
        # dry run carries each batch's directory into the next, so it runs alone.
        self.workers = 1 if dry_run else max(1, workers)
        # In a worker: the order its batches commit in, with the other workers'.
        self.commit_order = commit_order
        # A dry run's directory entries changed by its earlier batches
        # (`Batch.carry_over`): what the real run's later batches would read stored.
        self._carried: dict[UUID, Any] = {}
        # The name keys the batches' registrations were tried with (`_registering`).
        self._claimed: dict[UUID, Any] = {}
        self.started = started or datetime.now(UTC)
        run = self.started.strftime("%Y%m%dT%H%M%SZ")
        self.session = Session(
            app,
            system,
            importer=caller.staff_id,
            correlation_id=import_correlation_id(caller.staff_id, run),
            defaults=defaults,
        )

    # ------------------------------------------------------------------ run
    def run(
        self,
        sources: Sequence[Source],
        progress: Progress | None = None,
    ) -> ImportResult:
        summaries = [FileSummary(s.name, s.kind) for s in sources]
        result = ImportResult(summaries, dry_run=self.dry_run)
        names = [s.name for s in sources]
        self._source_kinds = [s.kind for s in sources]
        with bulk_collection(), Spool() as spool:
            self._spool(sources, spool, summaries, progress)
            batches = self._batches(spool, names)
            tally = _Tally(self, spool, summaries, progress)
            if self.workers > 1:
                self._run_in_workers(batches, tally)
            else:
                self._run_here(batches, tally)
            result.events += tally.events
            for index, source in enumerate(sources):
                if summaries[index].rejected:
                    summaries[index].rejects_file = write_rejects(
                        source, spool.rejected(index), self.rejects_folder
                    )
                else:
                    remove_stale(source, self.rejects_folder)
        result.seconds = (datetime.now(UTC) - self.started).total_seconds()
        return result

    def use_sources(self, kinds: list[str]) -> None:
        """The kinds of the sources, by index, as `run` knows them (a worker runs
        batches of an import whose sources it never opened)."""
        self._source_kinds = kinds

    @staticmethod
    def _batches(spool: Spool, names: list[str]) -> Iterator[Groups]:
        pending: Groups = []
        pending_rows = 0
        for group in spool.groups(names):
            pending.append(group)
            pending_rows += len(group[1])
            if len(pending) >= BATCH_CUSTOMERS or pending_rows >= BATCH_ROWS:
                yield pending
                pending, pending_rows = [], 0
        if pending:
            yield pending

    def _run_in_workers(self, batches: Iterator[Groups], tally: _Tally) -> None:
        """Run the batches in worker processes (`ledger/imports/workers.py`), their
        numbers reserved here in the order they are handed out, and count them in
        that order."""
        follower = self.follower
        turn = follower.turn if follower is not None else None
        setup = WorkerSetup(
            env=dict(self.app.env),
            settings=self.app.settings,
            actor=self.caller.staff_id,
            kinds=self.kinds,
            source_kinds=self._source_kinds,
            system=self.system,
            defaults=dict(self.session.defaults),
            started=self.started,
            turn=turn,
            order=CommitOrder(get_context("spawn")),
        )
        handed: dict[int, Groups] = {}
        back: dict[int, tuple[int, list[CustomerWork]]] = {}
        counted = 0

        def count_what_is_back() -> None:
            nonlocal counted
            while counted in back:
                events, work = back.pop(counted)
                tally.batch_done(handed.pop(counted), events, work)
                counted += 1

        with BatchWorkers(self.workers, setup) as workers, Watchdog(workers, follower):
            for index, groups in enumerate(batches):
                while not workers.free():
                    back.update((n, (events, work)) for n, events, work in workers.receive())
                    count_what_is_back()
                if follower is not None:
                    # Workers write faster than the follower keeps up on the same
                    # cores: a batch is handed out once the views are near enough.
                    follower.keep_up(self.app.recorder.max_notification_id() or 0)
                handed[index] = groups
                workers.submit(index, groups, self.reserve_numbers(groups))
            while workers.busy():
                back.update((n, (events, work)) for n, events, work in workers.receive())
                count_what_is_back()

    def _spool(
        self,
        sources: Sequence[Source],
        spool: Spool,
        summaries: list[FileSummary],
        progress: Progress | None,
    ) -> None:
        for index, source in enumerate(sources):
            kind = self.kinds[source.kind]
            for read in source.rows():
                if progress is not None and source.rows_read % SPOOL_PROGRESS == 0:
                    progress(0, spool.rows)  # reading: the total is still growing
                if isinstance(read, Unreadable):
                    spool.reject(index, read.line, read.raw, read.reason)
                    summaries[index].count(REJECTED)
                    continue
                row = read
                try:
                    customer = kind.customer_of(row)
                except RowRejected as error:
                    spool.reject(index, row.line, row.raw, str(error))
                    summaries[index].count(REJECTED)
                    continue
                spool.add(customer, index, row)

    # ---------------------------------------------------------------- batches
    def _run_here(self, batches: Iterator[Groups], tally: _Tally) -> None:
        """Run the batches in this process, one after the other. Registrations
        issue their numbers as they go, as typed ones do: nobody else commits this
        import's batches meanwhile."""
        for groups in batches:
            tally.batch_done(groups, *self.work_batch(groups, {}))

    def reserve_numbers(self, groups: Groups) -> dict[UUID, int]:
        """Numbers for the customers of `groups` the batch will register, reserved
        (and committed) before a worker runs it, in the order the batches are made:
        so a batch does not write the numbering, and batches committed side by side
        (`ledger/imports/workers.py`) never conflict over it."""
        registering = self._registering(groups)
        if not registering:
            return {}
        with self.commit_lock:
            return self.app.reserve_numbers(registering)

    def _registering(self, groups: Groups) -> list[UUID]:
        """The customers of `groups` a row registers, that the ledger does not hold
        yet and whose registration the domain takes: tried in a batch dropped
        afterwards, so that a row the rules refuse (a name taken, an unknown owner)
        reserves no number, on the first run or on any re-run."""
        customers: list[tuple[UUID, str, list[tuple[int, SourceRow]]]] = []
        for external_id, rows in groups:
            # Rank 0: the kind whose rows register customers (`Kind.rank`).
            own = [(s, r) for s, r in rows if self.kinds[self._source_kinds[s]].rank == 0]
            if own:
                customers.append((self.customer_id(external_id), external_id, own))
        present = streams_present(self.app.recorder, [c for c, _, _ in customers])
        candidates = [c for c in customers if c[0] not in present]
        if not customers:
            return []
        # The names the earlier batches' trials claimed or gave up: whether those
        # batches have committed yet or not (they may still be running in a
        # worker), a later registration of one of their names is refused here, as
        # one process would refuse it, and gets no number; one of a name a rename
        # gave up is taken. The customers already held run their rows too (a
        # rename), in the batch's order, for the names they claim or give up.
        with self.app.open_batch(self.caller, self._claimed) as trial:
            trial.known_absent(c for c, _, _ in candidates)
            for customer_id, external_id, own in customers:
                if customer_id in present and not _may_rename(trial, customer_id, own):
                    continue  # its name is its own already: loading it would tell nothing
                self._run_customer(trial, external_id, own)
            self._claimed.update(
                (key, entry)
                for key, entry in trial.carry_over().items()
                if isinstance(entry, CustomerKey)
            )
            return [c for c, _, _ in candidates if c in trial.aggregates]

    def work_batch(
        self, groups: Groups, numbers: dict[UUID, int], index: int | None = None
    ) -> tuple[int, list[CustomerWork]]:
        """Run a batch of customers, their new ones taking `numbers`, and commit it
        (as batch `index` of `commit_order`, if given): the events written, and what
        each customer's rows came to."""
        for _ in range(MAX_BATCH_ATTEMPTS):
            carried = self._carried if self.dry_run else None
            with self.app.open_batch(self.caller, carried) as batch:
                batch.numbers = numbers
                work = [
                    self._run_customer(batch, external_id, rows) for external_id, rows in groups
                ]
                written = 0
                if self.dry_run:
                    self._carried.update(batch.carry_over())
                else:
                    try:
                        with self._in_order(index), self.commit_lock:
                            written = (
                                self.app.commit_batch(batch)
                                if index is None
                                else self.app.commit_batch(batch, check_reads=True)
                            )
                    except IntegrityError:
                        continue  # someone wrote meanwhile: run the batch again on fresh state
            return written, work
        raise ConcurrencyError(
            "customers kept being registered while the import ran; what was committed "
            "stays: run the same import again to finish it"
        )

    def _in_order(self, index: int | None) -> AbstractContextManager[None]:
        """Batch `index`'s place among the workers' commits (`CommitOrder`), if any."""
        if self.commit_order is None or index is None:
            return nullcontext()
        return self.commit_order.at(index)

    def _run_customer(
        self, batch: Batch, external_id: str, rows: list[tuple[int, SourceRow]]
    ) -> CustomerWork:
        """Run one customer's steps in order; a refused row is dropped whole."""
        customer_id = self.customer_id(external_id)
        work = CustomerWork()
        planned: list[Planned] = []
        timezone = self.app.settings.timezone
        for index, (source, row) in enumerate(rows):
            kind = self.kinds[self._source_kinds[source]]
            try:
                steps = kind.steps(row, timezone, self.system)
            except RowRejected as error:
                work.reasons[index] = str(error)
                continue
            for step in steps:
                # A customer's own row goes first whatever its time: anything dated
                # before the registration is then refused by the domain's own rule.
                key = (kind.rank > 0, step.when, kind.rank, step.order, source, row.line)
                planned.append(Planned(key, index, step))
        work.reasons.update(_copies_that_differ(planned, rows))
        planned.sort(key=lambda p: p.key)
        named = frozenset(p.step.command_id for p in planned)
        start = batch.mark(customer_id)
        while True:
            work.outcomes.clear()
            work.notes.clear()
            self.session.begin_customer(batch, customer_id, named)
            ran: set[int] = set()
            # Step command id -> the row that ran it first in this attempt.
            first_copy: dict[str, int] = {}
            again = False
            for item in planned:
                if item.row in work.reasons:
                    continue
                _, row = rows[item.row]
                position = batch.position(customer_id)
                try:
                    earlier = first_copy.get(item.step.command_id)
                    if earlier is not None and earlier != item.row:
                        # A copy alike (`_copies_that_differ` refused one that differs):
                        # present, not run again, or a re-run's change would be made twice.
                        outcome = PRESENT
                    else:
                        outcome = self._run_step(batch, customer_id, row, item.step)
                        first_copy.setdefault(item.step.command_id, item.row)
                except LedgerError as error:
                    self.session.take_notes()  # a rejected row's remarks say nothing
                    work.reasons[item.row] = _reason(error)
                    if item.row in ran or batch.moved_since(position, customer_id):
                        # Part of the row is in the batch: start the customer again without it.
                        self.app.rollback_batch(batch, start)
                        again = True
                        break
                    continue
                ran.add(item.row)
                notes = self.session.take_notes()
                if notes:
                    work.notes.setdefault(item.row, []).extend(notes)
                previous = work.outcomes.get(item.row, PRESENT)
                work.outcomes[item.row] = max(previous, outcome, key=STRENGTH.__getitem__)
            if not again:
                return work

    def _run_step(self, batch: Batch, customer_id: UUID, row: SourceRow, step: Step) -> str:
        customer = batch.get_or_none(customer_id)
        recorded = customer.commands.get(step.command_id) if customer is not None else None
        if recorded is None and customer is not None and step.recorded_as is not None:
            found = step.recorded_as(self.session)
            recorded = customer.commands.get(found) if found is not None else None
        if recorded is None:
            receipt = step.run(self.session)
            return PRESENT if receipt is not None and receipt.replayed else IMPORTED
        version = int(recorded[0])
        if version > customer.version - len(customer.pending_events):
            # Recorded by an earlier row of this run: the record is in the files twice,
            # alike (`_copies_that_differ` rejected a copy that differs).
            return PRESENT
        if step.update is not None:
            return CHANGED if step.update(self.session) else PRESENT
        if not step.fields:
            return PRESENT
        event = self.session.recorded_event(customer, version)
        if event is None:
            return PRESENT
        changes = {
            name: value
            for name, value in step.fields.items()
            if getattr(event, name, None) != value
        }
        if not changes:
            return PRESENT
        return CHANGED if self._correct(customer, version, row, step, changes) else PRESENT

    def _correct(
        self,
        customer: Customer,
        version: int,
        row: SourceRow,
        step: Step,
        changes: dict[str, object],
    ) -> bool:
        """Record what a changed row says now as a correction of the event it
        recorded at `version`; whether it wrote something. Its command id is by
        the version the correction is recorded at, not the new values: a row
        changed back to what it said before is a change too. Importing the
        changed file again records nothing, the row then being equal to the
        event as corrected."""
        from ledger.commands import RecordCorrection

        texts = {name: correction_text(value) for name, value in changes.items()}
        command_id = import_change_id(step.command_id, "fix", customer.version + 1)
        payload = {
            **self.session.fields_for(row, command_id, actor=self.caller.staff_id),
            "customer": customer.code,
            "version": version,
            "reason": f"the source record changed ({row.file} line {row.line})",
            "changes": texts,
        }
        try:
            receipt = self.app.record_correction(self.session.build(RecordCorrection, payload))
        except LedgerError as error:
            changed = ", ".join(sorted(changes))
            raise RowRejected(
                f"{changed} changed since the row was imported, which a correction cannot "
                f"record ({_reason(error)})"
            ) from None
        return not receipt.replayed

    # ---------------------------------------------------------------- helpers
    def customer_id(self, external_id: str) -> UUID:
        return customer_uuid(self.system, external_id)


def customer_uuid(system: str, external_id: str) -> UUID:
    """The id of the customer imported from `system` with `external_id`: its
    registration's command id gives it (`customer_id_for_command`)."""
    return customer_id_for_command(import_command_id(system, "customers", external_id))


def _may_rename(trial: Batch, customer_id: UUID, rows: list[tuple[int, SourceRow]]) -> bool:
    """Whether a row of a customer the ledger holds names it otherwise than its name
    key says (a rename, or a name another customer holds): only such a row can
    claim or give up a name, so only it is worth its customer's loading in a trial."""
    for _source, row in rows:
        name = row.get("name")
        if not name:
            continue
        entry = trial.get_or_none(CustomerKey.id_for(name_key(name)))
        if entry is None or entry.customer_id != customer_id:
            return True
    return False


def _copies_that_differ(
    planned: list[Planned], rows: list[tuple[int, SourceRow]]
) -> dict[int, str]:
    """The rows that name a record (a step's command id) an earlier row of this
    import names too, with other values: the first copy in the files is imported
    (or, found recorded by an earlier run, compared), each later one that differs
    is rejected, whether the record is new or was imported before (docs/import.md,
    "Re-runs"). A step with fields is compared by them; one that brings a record
    up to date by commands of its own (`update`), by its whole row."""
    first: dict[str, Planned] = {}
    reasons: dict[int, str] = {}
    for item in sorted(planned, key=lambda p: (rows[p.row][0], rows[p.row][1].line)):
        earlier = first.setdefault(item.step.command_id, item)
        if earlier is item or earlier.row == item.row:
            continue
        if item.step.update is None:
            differs = dict(earlier.step.fields) != dict(item.step.fields)
        else:
            differs = _compared(rows[earlier.row][1].values) != _compared(rows[item.row][1].values)
        if differs:
            reasons.setdefault(
                item.row,
                "the same record is in this import twice with different values (the "
                f"other is {rows[earlier.row][1].file} line {rows[earlier.row][1].line}): "
                "keep one",
            )
    return reasons


def _compared(values: Mapping[str, str]) -> dict[str, str]:
    """A row's values as two copies of a record are compared: cells given, and not
    the reason a rejects file added."""
    return {k: v for k, v in values.items() if v and k != REASON_COLUMN}


def _reason(error: LedgerError) -> str:
    return " ".join(str(error).split())


def correction_text(value: object) -> str:
    """A value as a correction takes it typed (`ledger/corrections.py` reads it
    back into the event's type)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return str(getattr(value, "value", value))


@dataclass
class _Tally:
    """What the batches of one run came to, counted in the order they were made."""

    importer: Importer
    spool: Spool
    summaries: list[FileSummary]
    progress: Progress | None
    events: int = 0
    rows: int = 0

    def batch_done(self, groups: Groups, events: int, work: list[CustomerWork]) -> None:
        """A batch has committed (or, in a dry run, been checked): the views are told,
        each row counted in its file's summary (a rejected one spooled for its
        rejects file), the progress moved on."""
        if events and self.importer.committed is not None:
            self.importer.committed()
        for (_, rows), done in zip(groups, work, strict=True):
            for index, (source, row) in enumerate(rows):
                if index in done.reasons:
                    self.spool.reject(source, row.line, row.raw, done.reasons[index])
                    self.summaries[source].count(REJECTED)
                else:
                    self.summaries[source].count(done.outcomes.get(index, PRESENT))
                    self.summaries[source].notes.extend(
                        f"line {row.line}: {text}" for text in done.notes.get(index, ())
                    )
        self.events += events
        self.rows += sum(len(rows) for _, rows in groups)
        if self.progress is not None:
            self.progress(self.rows, self.spool.rows)
