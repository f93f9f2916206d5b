"""`ledger import`: bring a team's records in from CSV files (docs/import.md).

Exit codes: 0 when every row was imported or found present already;
`EXIT_REJECTED` (3) when some rows were rejected (the rest are imported, the
rejected ones are in the rejects files); 1 or 2 when the import is refused as a
whole (an unknown kind, a file that is not what it claims, a caller who may not
import), and then nothing is written.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from commands.runtime import LedgerContext, pass_ledger, stderr_progress

if TYPE_CHECKING:
    from ledger.imports.contract import Kind
    from ledger.imports.run import ImportResult
    from ledger.imports.sources import Source
    from ledger.imports.workers import CommitTurn

EXIT_REJECTED = 3
DEFAULT_SYSTEM = "legacy"
# Files this large (a few batches of rows, at some 125 bytes a row) have their views
# caught up by a second process (`ViewsFollower`); below it, starting one costs more
# than it saves.
FOLLOW_FROM_BYTES = 5_000_000
# Past a few processes running batches, the importing process (reading files,
# reserving numbers, counting rows) and the database's one writer set the pace.
MOST_IMPORT_WORKERS = 4
# How far the views may fall behind a large import before it waits for them
# (`ViewsFollower.keep_up`): about two batches' events, a few seconds' catch-up.
VIEWS_LAG = 30_000
# How long the follower waits for the next commit before looking anyway (and
# whether the import that started it is still there).
FOLLOW_POLL_SECONDS = 0.5


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, metavar="[KIND=]FILE...")
@click.option(
    "--system",
    default=DEFAULT_SYSTEM,
    show_default=True,
    help="The source system's name: part of every external id, so re-runs must give the same one.",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TOML file renaming the source's columns, one [KIND] table each.",
)
@click.option("--owner", metavar="STAFF", help="Owner of customers whose row names none.")
@click.option("--segment", help="Segment of customers whose row names none.")
@click.option(
    "--rejects",
    "rejects_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the rejects files (default: beside each source file).",
)
@click.option("--dry-run", is_flag=True, help="Check every row, rules included; write nothing.")
@click.option(
    "--workers",
    type=click.IntRange(1, MOST_IMPORT_WORKERS),
    help="Processes running batches side by side (default: one per core, up to "
    f"{MOST_IMPORT_WORKERS}, for files over {FOLLOW_FROM_BYTES // 1_000_000} MB; 1 otherwise).",
)
@pass_ledger
def import_(
    obj: LedgerContext,
    files: tuple[str, ...],
    system: str,
    mapping: Path | None,
    owner: str | None,
    segment: str | None,
    rejects_dir: Path | None,
    dry_run: bool,
    workers: int | None,
) -> None:
    """Import customers, key people, contacts, visits, cases... from CSV files.

    Each FILE is `KIND=PATH`, or a path whose name says its kind (customers.csv,
    people.csv, ...). Files are UTF-8 (with or without BOM) or GB18030, comma- or
    tab-separated; docs/import.md lists each kind's columns. Rejected rows go to
    NAME.rejects.csv with a reject_reason column; the exit code is 3 when there are any.
    """
    from ledger.access import may_import
    from ledger.imports.kinds import KINDS
    from ledger.imports.rejects import check_rejects_paths
    from ledger.imports.run import Importer
    from ledger.imports.sources import read_mapping

    # Who may import is settled before any file is read: a refused caller learns
    # nothing about the files, and waits for none of them.
    caller = obj.require(
        may_import, 'imports are run by an executive (docs/import.md, "Who may import")'
    )
    if not system.strip() or ":" in system:
        raise click.BadParameter("--system must be a name without ':' (e.g. oldcrm)")
    if rejects_dir is not None and not rejects_dir.is_dir():
        raise click.BadParameter(f"--rejects {rejects_dir}: no such folder")
    renames = (
        read_mapping(mapping, {k: kind.columns for k, kind in KINDS.items()}) if mapping else {}
    )
    sources = [_open(spec, KINDS, renames) for spec in files]
    paths = [source.path.resolve() for source in sources]
    twice = sorted({s.name for s, p in zip(sources, paths, strict=True) if paths.count(p) > 1})
    if twice:
        raise click.BadParameter(f"{twice[0]} is given more than once: name each file once")
    check_rejects_paths(sources, rejects_dir)
    app = obj.ledger(writing=not dry_run)
    # A default owner is checked before any row: a mistyped one would otherwise
    # reject every customer row that names no owner, one by one.
    if owner and app.member_or_none(owner) is None:
        raise click.BadParameter(
            f"--owner {owner}: no such staff account (`ledger staff list` lists them)"
        )
    # The views catch up after each batch: a catch-up of one batch's events holds
    # a batch's worth in memory, where one at the end held the whole import's. A
    # large import leaves that to a second process, which catches up while this one
    # runs the next batch (docs/import.md, "How an import runs").
    large = sum(s.path.stat().st_size for s in sources) >= FOLLOW_FROM_BYTES
    follower = None
    if not dry_run and large:
        follower = ViewsFollower(obj.db, locking=not obj.storage.is_postgres)
    if workers is None:
        from projections.workers import usable_cores

        workers = min(usable_cores(), MOST_IMPORT_WORKERS) if large else 1

    def committed() -> None:
        if follower is not None and follower.follows():
            follower.wake()
        else:
            obj.views().catch_up()

    importer = Importer(
        app,
        caller,
        KINDS,
        system=system.strip(),
        defaults={k: val for k, val in (("owner", owner), ("segment", segment)) if val},
        dry_run=dry_run,
        rejects_folder=rejects_dir,
        committed=committed,
        follower=follower,
        workers=workers,
    )
    started = time.monotonic()
    try:
        with _progress("importing", rate=True) as advance:
            if dry_run:
                with app.keys_untouched():  # nothing is written, not even a person's key
                    result = importer.run(sources, advance)
            else:
                result = importer.run(sources, advance)
    finally:
        if follower is not None:
            follower.stop()
    # Whatever the follower had not caught up yet (all of it, had it failed) is
    # caught up here: the import ends with its views caught up either way.
    if result.events:
        with _progress("views") as advance:
            obj.views().catch_up(progress=advance)
    _summarise(result, time.monotonic() - started)
    if result.rejected:
        raise click.exceptions.Exit(EXIT_REJECTED)


def _open(spec: str, kinds: dict[str, Kind], renames: dict[str, dict[str, str]]) -> Source:
    from ledger.errors import InvalidInputError
    from ledger.imports.sources import open_source

    kind, sep, name = spec.partition("=")
    if not sep or Path(spec).exists():
        kind, name = "", spec
    path = Path(name)
    if not kind:
        stem = path.name.split(".")[0].lower()
        if stem not in kinds:
            raise InvalidInputError(
                f"{name}: the file's name does not say its kind: give it as KIND={name}, "
                f"KIND one of {', '.join(kinds)}"
            )
        kind = stem
    if kind not in kinds:
        raise InvalidInputError(f"{spec}: unknown kind {kind!r}: use one of {', '.join(kinds)}")
    return open_source(path, name, kind, kinds[kind].columns, renames.get(kind))


class _progress:
    """A progress bar on a terminal (nothing otherwise), with rows per second."""

    def __init__(self, what: str, *, rate: bool = False) -> None:
        self.what = what
        self.rate = rate

    def __enter__(self) -> Callable[[int, int], None]:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

        bar = stderr_progress(
            TextColumn(self.what),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
        )
        self._bar = bar
        bar.__enter__()
        task = bar.add_task(self.what, total=None, rate="")
        started = time.monotonic()

        def advance(done: int, total: int) -> None:
            elapsed = max(time.monotonic() - started, 1e-6)
            rate = f"{done / elapsed:,.0f} rows/s" if self.rate else ""
            bar.update(task, completed=done, total=total, rate=rate)

        return advance

    def __exit__(self, *exc: object) -> None:
        self._bar.__exit__(*exc)


def _summarise(result: ImportResult, seconds: float) -> None:
    for summary in result.files:
        rejects = f" (see {summary.rejects_file})" if summary.rejects_file else ""
        click.echo(
            f"{summary.name} ({summary.kind}): {summary.imported:,} imported, "
            f"{summary.present:,} already present, {summary.changed:,} changed, "
            f"{summary.rejected:,} rejected{rejects}"
        )
        for note in summary.notes:
            click.echo(f"  {note}")
    rate = result.rows / seconds if seconds > 0 else 0.0
    what = "Dry run, nothing written" if result.dry_run else f"{result.events:,} events written"
    click.echo(
        f"{what}: {result.rows:,} rows in {seconds:.1f} s ({rate:,.0f} rows/s), "
        f"{result.rejected:,} rejected."
    )


class ViewsFollower:
    """A second process that catches the views up after each batch the import
    commits, while the import goes on with the next (the machine's second core).
    On SQLite both hold `lock` while they write (the import its commit, the
    follower its catch-up): the database has one write lock, and a writer kept
    waiting for it too long fails where taking turns costs nothing. On PostgreSQL
    they write at once. The follower leaves when told to (`stop`), or when the
    import is gone (killed): what it has not caught up, the next catch-up does."""

    def __init__(self, db: str | None, *, locking: bool) -> None:
        from ledger.imports.workers import CommitTurn, Flag

        # A fresh interpreter: forking would copy this process's open connections.
        context = multiprocessing.get_context("spawn")
        # Shared with the import's workers, if it has any (`Importer.workers`).
        self.turn = CommitTurn(context) if locking else None
        # A semaphore, not an Event, and a `Flag`: an import killed with -9 while
        # waking the follower leaves no lock held that the follower would wait on.
        self._wake = context.Semaphore(0)
        self._stop = Flag(context)
        # The log position the views are caught up to, as the follower says.
        self._caught_up = context.RawValue("q", 0)
        self._process = context.Process(
            target=_follow_views,
            args=(db, self.turn, self._wake, self._stop, self._caught_up, os.getpid()),
            name="ledger-import-views",
            # Not a daemon: a catch-up far behind rebuilds, and a rebuild of a long log
            # splits over processes of its own, which a daemon may not start. It
            # leaves by itself once the import is gone (`_follow_views`).
            daemon=False,
        )
        self._process.start()

    def follows(self) -> bool:
        return self._process.is_alive()

    def watch(self) -> None:
        """A follower that died holding the turn never gives it back: given back
        here, for the import and its workers."""
        if self.turn is not None and not self.follows() and self._process.pid is not None:
            self.turn.rescue({self._process.pid})

    # The import holds the follower (`Importer.follower`) around each commit.
    def __enter__(self) -> None:
        if self.turn is not None:
            self.watch()
            self.turn.take(self.watch)

    def __exit__(self, *exc: object) -> None:
        if self.turn is not None:
            self.turn.__exit__()

    def wake(self) -> None:
        self._wake.release()

    def keep_up(self, head: int) -> None:
        """Wait while the views are more than `VIEWS_LAG` events behind `head` (the
        log's last position): an import's workers write faster than the follower
        catches up on the same cores, and what it has not caught up when the import
        ends is caught up then, by one process, while the rest wait."""
        while self.follows() and head - self._caught_up.value > VIEWS_LAG:
            self.wake()
            time.sleep(FOLLOW_POLL_SECONDS / 10)

    def stop(self) -> None:
        self._stop.set()
        self._wake.release()
        self._process.join(timeout=600)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


class _ImportGone(Exception):
    """The follower's import ended (or was killed) while it waited for a turn."""


def _follow_views(
    db: str | None, turn: CommitTurn | None, wake: Any, stop: Any, caught_up: Any, parent: int
) -> None:  # pragma: no cover (runs in the follower process)
    """The follower's loop (`ViewsFollower`): it takes the commit turn for each
    transaction of its catch-up, so the import's commits go in between."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        views = LedgerContext(db=db, actor=None, output_format="table").views()

        def import_goes_on() -> bool:
            return not stop.is_set() and os.getppid() == parent

        def still_wanted() -> None:
            # An import killed during its commit never gives the turn back:
            # waiting for it without looking would keep this process for ever.
            if not import_goes_on():
                raise _ImportGone

        def passed(position: int, _head: int) -> None:
            caught_up.value = position

        taking_turns = turn.watched(still_wanted) if turn is not None else None
        try:
            while import_goes_on():
                if not wake.acquire(timeout=FOLLOW_POLL_SECONDS):
                    continue
                while wake.acquire(block=False):
                    pass  # one catch-up serves every commit so far
                head = views.app.recorder.max_notification_id() or 0
                views.catch_up(progress=passed, turn=taking_turns)
                caught_up.value = max(caught_up.value, head)
        except _ImportGone:
            return
        finally:
            views.close()
    except BaseException:
        # Quietly: the import notices the follower is gone and catches up itself,
        # and a lasting fault shows there, as one line. Ctrl-C reaches both
        # processes; the import says what it says.
        sys.exit(1)
