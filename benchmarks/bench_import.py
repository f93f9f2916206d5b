"""`ledger import` of a large realistic set of files, against what the database
and the library can do with the same rows and events, measured in the same run.

    python -m benchmarks.bench_import [--rows 1000000] [--backend both] [--data DIR]

For each backend, on an empty database:

1. **import**: the `ledger import` command line as a process of its own, given the
   files of `benchmarks/import_data.py` (about 50 rows per customer), as an
   executive, once the files' staff accounts exist. Its wall time runs until the
   process ends, which is after the views have caught up; its peak memory is the
   maximum resident set of the process or of its views' follower, whichever is
   larger (`wait4`'s rusage), and its CPU time both processes'.
2. **COPY** (PostgreSQL): the same files loaded by `COPY ... FROM STDIN (FORMAT
   csv)` into plain tables of text columns, one per file, in one transaction:
   what the server can take in when nothing is checked.
   **COPY of the finished events** (PostgreSQL): the events the import wrote,
   copied out of its database as they are stored (not timed), then copied into
   the library's own event table of a new database by binary `COPY`, in one
   transaction: no Python work per row, no rule, no hash, no view. It is the
   floor of any import that leaves a stock eventsourcing application's table
   behind, and it is measured against the plain COPY's rate like the import.
   **executemany** (SQLite): the same rows parsed by Python's csv and inserted
   into plain tables with `executemany` in one transaction, for information.
3. **library save()**: the events the import wrote, read back from its database
   and decoded (not timed), then saved again in batches of 5,000 events with
   the library's `Application.save` into a new database: once with the library's
   own recorders (`eventsourcing.postgres` / `eventsourcing.sqlite`) and, on
   PostgreSQL, once with the ledger's recorder (which copies large batches,
   ledger/pg_copy.py). Until an import has run, there are no such events: with
   `--synthetic` the rows themselves are saved as events instead (one event per
   row, the row's values as its state, one aggregate per customer).

Targets (issue #17): the import's rows/s at least half the COPY rate on
PostgreSQL; 1,000,000 rows imported, views included, in at most 90 s; peak
memory bounded, not growing with the file (run two sizes and compare).
"""

from __future__ import annotations

import argparse
import csv
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from benchmarks import import_data
from benchmarks.common import (
    POSTGRES_URL,
    bench_settings,
    fresh_storage,
    print_machine,
    print_table,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.commands import AddStaff
from ledger.storage import Storage

ROOT = Path(__file__).resolve().parent.parent
IMPORTER = "bench.importer"
ADMIN = "bench.admin"
SAVE_BATCH = 5_000
COPY_TARGET = 0.5
WHOLE_TARGET_SECONDS = 90.0
WHOLE_TARGET_ROWS = 1_000_000


@dataclass(frozen=True)
class RowRead(Aggregate.Event):
    """A source row as a plain library event (`synthetic_events`)."""

    kind: str
    values: dict[str, str]


@dataclass
class Figures:
    rows: int
    seconds: float
    peak_mb: float | None = None
    events: int | None = None
    note: str = ""
    cpu_seconds: float | None = None
    # The import's CPU apart: the importing process's own, its views' follower's.
    own_cpu_seconds: float | None = None
    follower_cpu_seconds: float | None = None

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


# ------------------------------------------------------------------ the import


def ledger_command(given: str | None) -> list[str]:
    """How to run `ledger`: as given (`--ledger "python /path/cli.py"`), or this
    checkout's own cli.py with this interpreter."""
    if given:
        return shlex.split(given)
    return [sys.executable, str(ROOT / "cli.py")]


def has_import(command: list[str]) -> bool:
    probe = subprocess.run(
        [*command, "import", "--help"], capture_output=True, text=True, check=False
    )
    return probe.returncode == 0


def create_accounts(storage: Storage, folder: Path) -> None:
    """The executive who imports, and the staff the files name (an import never
    creates accounts)."""
    app = Ledger(env=storage.env, settings=bench_settings())
    try:
        app.add_staff(AddStaff(actor=ADMIN, staff=ADMIN, name="管理员", role="admin"))
        app.add_staff(AddStaff(actor=ADMIN, staff=IMPORTER, name="导入", role="executive"))
        for member in import_data.staff_accounts(folder):
            app.add_staff(
                AddStaff(
                    actor=ADMIN,
                    staff=member.staff_id,
                    name=member.name,
                    role=member.role,
                    segment=member.segment,
                )
            )
    finally:
        app.close()


def run_import(
    command: list[str],
    storage: Storage,
    folder: Path,
    rows: int,
    kinds: list[str],
    workers: int | None = None,
) -> Figures:
    """`ledger import` as a process of its own (with `--workers` if given); its wall
    time and peak memory."""
    db = storage.location if storage.kind == "sqlite" else _url_with_password(storage)
    args = [
        *command,
        "--db",
        db,
        "--as",
        IMPORTER,
        "import",
        *[str(folder / f"{kind}.csv") for kind in kinds],
        "--system",
        "bench",
        "--rejects",
        str(folder),
        *(["--workers", str(workers)] if workers is not None else []),
    ]
    env = {**os.environ, "LEDGER_HOME": str(folder / "home")}
    # A checkout's cli.py runs inside `process_cpu.py`, which says how the CPU time
    # splits between the importing process and its views' follower.
    split = len(command) == 2 and command[1].endswith(".py")
    cpu_file = folder / "home" / "import-cpu.txt"
    if split:
        cpu_file.parent.mkdir(exist_ok=True)
        cpu_file.unlink(missing_ok=True)
        args = [command[0], str(ROOT / "benchmarks" / "process_cpu.py"), str(cpu_file), *args[1:]]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(args, env=env, stdout=output, stderr=output, cwd=folder)
        # wait4 reaps this one child and gives its own resource usage (its peak
        # resident memory), not the maximum over every child this script ran.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        summary = output.read().decode("utf-8", "replace").strip().splitlines()
    note = summary[-1] if summary else ""
    if process.returncode not in (0, 3):  # 3: some rows were rejected
        print(f"  import failed (exit {process.returncode}):")
        print("  " + "\n  ".join(summary[-15:]))
    # ru_maxrss is in kilobytes on Linux: the largest of the import's process and
    # the children it waited for (its views' follower), not their sum. The CPU
    # time counts both: on a shared machine it is the steadier figure.
    cpu = usage.ru_utime + usage.ru_stime
    figures = Figures(
        rows=rows, seconds=seconds, peak_mb=usage.ru_maxrss / 1024, note=note, cpu_seconds=cpu
    )
    if split and cpu_file.exists():
        own, follower = (float(part) for part in cpu_file.read_text().split())
        figures.own_cpu_seconds, figures.follower_cpu_seconds = own, follower
    return figures


def _url_with_password(storage: Storage) -> str:
    env = storage.env
    password = f":{env['POSTGRES_PASSWORD']}" if env.get("POSTGRES_PASSWORD") else ""
    url = (
        f"postgresql://{env['POSTGRES_USER']}{password}@{env['POSTGRES_HOST']}:"
        f"{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"
    )
    if "POSTGRES_SCHEMA" in env:
        url += f"?schema={env['POSTGRES_SCHEMA']}"
    return url


# ------------------------------------------------------------------ baselines


def postgres_copy(storage: Storage, folder: Path, kinds: list[str]) -> Figures:
    """The files into plain tables of text columns by COPY, in one transaction."""
    from ledger.storage import postgres_connection

    rows = 0
    with postgres_connection(storage.env) as conn:
        for kind, (columns, _, _) in import_data.FILES.items():
            cells = ", ".join(f'"{column}" text' for column in columns)
            conn.execute(f'CREATE TABLE "plain_{kind}" ({cells})')
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            for kind in kinds:
                _, encoding, delimiter = import_data.FILES[kind]
                server_encoding = "GB18030" if encoding == "gb18030" else "UTF8"
                separator = "E'\\t'" if delimiter == "\t" else "','"
                statement = (
                    f'COPY "plain_{kind}" FROM STDIN (FORMAT csv, HEADER true, '
                    f"DELIMITER {separator}, ENCODING '{server_encoding}')"
                )
                with cursor.copy(statement) as copy, (folder / f"{kind}.csv").open("rb") as f:
                    if encoding == "utf-8-sig":
                        f.read(3)  # the byte-order mark, which COPY would take as data
                    while block := f.read(1 << 20):
                        copy.write(block)
                rows += cursor.rowcount
        seconds = time.perf_counter() - started
    return Figures(rows=rows, seconds=seconds)


def postgres_copy_events(source: Storage, after: int, target: Storage, rows: int) -> Figures:
    """The import's stored events (those after notification `after`), byte for
    byte, copied into the library's event table of `target` by binary COPY; only
    the copy in is timed. Rows/s counts source rows, as the import's does."""
    from ledger.storage import postgres_connection

    app = Ledger(env=source.env, settings=bench_settings())
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    app.close()
    Ledger(env=target.env, settings=bench_settings()).close()  # the library's tables
    columns = "originator_id, originator_version, topic, state"
    with tempfile.TemporaryFile() as spool:
        with postgres_connection(source.env) as conn, conn.cursor() as cursor:
            query = (
                f'COPY (SELECT {columns} FROM "{table}" WHERE notification_id > {int(after)} '
                "ORDER BY notification_id) TO STDOUT (FORMAT binary)"
            )
            with cursor.copy(query) as copy:
                for block in copy:
                    spool.write(block)
        spool.seek(0)
        with postgres_connection(target.env) as conn:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cursor:
                statement = f'COPY "{table}" ({columns}) FROM STDIN (FORMAT binary)'
                with cursor.copy(statement) as copy:
                    while block := spool.read(1 << 20):
                        copy.write(block)
                events = cursor.rowcount
            seconds = time.perf_counter() - started
    return Figures(rows=rows, seconds=seconds, events=events)


def sqlite_executemany(folder: Path, work: Path, kinds: list[str]) -> Figures:
    """The rows parsed by csv and inserted into plain tables, one transaction."""
    rows = 0
    conn = sqlite3.connect(work / "plain.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    started = time.perf_counter()
    conn.execute("BEGIN")
    for kind in kinds:
        columns, encoding, delimiter = import_data.FILES[kind]
        quoted = ", ".join(f'"{column}"' for column in columns)
        conn.execute(f'CREATE TABLE "plain_{kind}" ({quoted})')
        marks = ", ".join("?" for _ in columns)
        with (folder / f"{kind}.csv").open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader)
            cursor = conn.executemany(f'INSERT INTO "plain_{kind}" VALUES ({marks})', reader)
            rows += cursor.rowcount
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return Figures(rows=rows, seconds=seconds)


def imported_events(storage: Storage, after: int) -> Iterator[list[Any]]:
    """The events the import wrote (those after notification `after`), decoded,
    in batches of SAVE_BATCH."""
    app = Ledger(env=storage.env, settings=bench_settings())
    try:
        start = after + 1
        while True:
            notifications = app.recorder.select_notifications(start, SAVE_BATCH)
            if not notifications:
                return
            yield [app.mapper.to_domain_event(n) for n in notifications]
            start = notifications[-1].id + 1
    finally:
        app.close()


def synthetic_events(folder: Path, kinds: list[str]) -> Iterator[list[Any]]:
    """The rows as events of a plain library aggregate: one per row (its values as
    the event's state), one aggregate per customer, in batches of about SAVE_BATCH."""
    versions: dict[str, int] = {}
    batch: list[Any] = []
    for kind in kinds:
        columns, encoding, delimiter = import_data.FILES[kind]
        with (folder / f"{kind}.csv").open(encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader)
            for record in reader:
                customer = record[0]
                version = versions[customer] = versions.get(customer, 0) + 1
                batch.append(
                    RowRead(
                        originator_id=uuid5(NAMESPACE_URL, f"bench:{customer}"),
                        originator_version=version,
                        timestamp=RowRead.create_timestamp(),
                        kind=kind,
                        values=dict(zip(columns, record, strict=False)),
                    )
                )
                if len(batch) >= SAVE_BATCH:
                    yield batch
                    batch = []
    if batch:
        yield batch


def library_save(
    events: Iterator[list[Any]], storage: Storage, module: str | None, rows: int
) -> Figures:
    """The events saved again with the library's `save()`, in batches; only the
    saves are timed."""

    env = dict(storage.env)
    if module:
        env["PERSISTENCE_MODULE"] = module
    # The ledger's application, for its encodings: its `save` is the library's.
    app: Application[UUID] = Ledger(env=env, settings=bench_settings())
    seconds, count = 0.0, 0
    try:
        for batch in events:
            started = time.perf_counter()
            app.save(*batch)
            seconds += time.perf_counter() - started
            count += len(batch)
    finally:
        app.close()
    return Figures(rows=rows, seconds=seconds, events=count)


# ------------------------------------------------------------------ the run


@contextmanager
def data_folder(given: Path | None, rows: int, seed: int) -> Iterator[Path]:
    if given is not None:
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="ledger-bench-import-") as folder:
        started = time.perf_counter()
        written = import_data.generate(Path(folder), rows, seed)
        print(
            f"generated {written.total:,} rows ({written.customers:,} customers) in "
            f"{time.perf_counter() - started:.1f} s\n"
        )
        yield Path(folder)


def count_rows(folder: Path, kinds: list[str]) -> int:
    total = 0
    for kind in kinds:
        _, encoding, delimiter = import_data.FILES[kind]
        with (folder / f"{kind}.csv").open(encoding=encoding, newline="") as handle:
            total += sum(1 for _ in csv.reader(handle, delimiter=delimiter)) - 1
    return total


def count_events(storage: Storage) -> int:
    app = Ledger(env=storage.env, settings=bench_settings())
    try:
        return int(app.recorder.max_notification_id() or 0)
    finally:
        app.close()


def measure(
    backend: str,
    folder: Path,
    kinds: list[str],
    command: list[str],
    synthetic: bool,
    workers: list[int | None],
) -> None:
    rows = count_rows(folder, kinds)
    results: list[tuple[str, Figures]] = []
    importing = has_import(command)
    import_figures = None
    before = 0
    label = "ledger import (views caught up)"
    # Other worker counts first, each on a database of its own; the last one's
    # events are the ones the library's save() is given.
    for count in workers[:-1] if importing else []:
        with fresh_storage(backend, "import") as storage:
            create_accounts(storage, folder)
            before = count_events(storage)
            figures = run_import(command, storage, folder, rows, kinds, count)
            figures.events = count_events(storage) - before
            results.append((f"{label}, {count} worker(s)", figures))
    with fresh_storage(backend, "import") as storage:
        if importing:
            create_accounts(storage, folder)
            before = count_events(storage)
            import_figures = run_import(command, storage, folder, rows, kinds, workers[-1])
            import_figures.events = count_events(storage) - before
            named = f", {workers[-1]} worker(s)" if workers[-1] is not None else ""
            results.append((label + named, import_figures))
        if backend == "postgres":
            with fresh_storage(backend, "copy") as plain:
                results.append(("COPY into plain tables", postgres_copy(plain, folder, kinds)))
            if import_figures and import_figures.events:
                with fresh_storage(backend, "copyev") as target:
                    results.append(
                        (
                            "COPY of the finished events, library's table",
                            postgres_copy_events(storage, before, target, rows),
                        )
                    )
        else:
            with tempfile.TemporaryDirectory(prefix="ledger-bench-plain-") as work:
                results.append(
                    ("executemany into plain tables", sqlite_executemany(folder, Path(work), kinds))
                )
        sources: list[tuple[str, str | None]] = [
            ("library save(), its own recorder", f"eventsourcing.{backend}")
        ]
        if backend == "postgres":
            sources.append(("library save(), the ledger's recorder", None))
        for label, module in sources:
            if importing and import_figures and import_figures.events:
                events = imported_events(storage, before)
            elif synthetic:
                events = synthetic_events(folder, kinds)
                label += " (synthetic events)"
            else:
                continue
            with fresh_storage(backend, "save") as target:
                results.append((label, library_save(events, target, module, rows)))
    _report(backend, rows, results, import_figures, importing)


def _report(
    backend: str,
    rows: int,
    results: list[tuple[str, Figures]],
    import_figures: Figures | None,
    importing: bool,
) -> None:
    table = []
    for label, figures in results:
        table.append(
            [
                label,
                f"{figures.rows:,}",
                f"{figures.events:,}" if figures.events is not None else "",
                f"{figures.seconds:.1f} s",
                f"{figures.rate:,.0f}",
                f"{figures.peak_mb:.0f} MB" if figures.peak_mb is not None else "",
            ]
        )
    notes = []
    copy = next((f for label, f in results if label.startswith("COPY into")), None)
    floor = next((f for label, f in results if label.startswith("COPY of")), None)
    if import_figures is not None:
        if copy is not None:
            ratio = import_figures.rate / copy.rate
            notes.append(
                f"import / COPY: {ratio:.3f}x (target >= {COPY_TARGET}x: "
                f"{verdict(ratio >= COPY_TARGET)})"
            )
            if floor is not None:
                notes.append(
                    f"  the finished events alone, copied: {floor.rate / copy.rate:.3f}x of COPY "
                    "(no import that writes the library's table can pass this)"
                )
        projected = import_figures.seconds * WHOLE_TARGET_ROWS / max(rows, 1)
        scaled = "" if rows == WHOLE_TARGET_ROWS else f" (scaled from {rows:,} rows)"
        notes.append(
            f"whole import of 1,000,000 rows: {projected:.0f} s{scaled} "
            f"(target <= {WHOLE_TARGET_SECONDS:.0f} s: "
            f"{verdict(projected <= WHOLE_TARGET_SECONDS)})"
        )
        if import_figures.cpu_seconds is not None:
            notes.append(
                f"import's CPU (user + system, its worker processes and views' follower included): "
                f"{import_figures.cpu_seconds:.1f} s"
            )
        if import_figures.own_cpu_seconds is not None:
            own = import_figures.own_cpu_seconds
            notes.append(
                f"  of which the importing process {own:.1f} s "
                f"({rows / own if own else 0:,.0f} rows per CPU-second), "
                f"its workers and views' follower {import_figures.follower_cpu_seconds or 0:.1f} s"
            )
        notes.append(f"import's last line: {import_figures.note}")
    elif not importing:
        notes.append("import: pending (this checkout's `ledger` has no `import` command)")
    print_table(
        f"{backend}: {rows:,} rows; the import against baselines measured in the same run",
        ["what", "rows", "events", "time", "rows/s", "peak memory"],
        table,
        notes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, default=1_000_000, help="about how many rows")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="files made by benchmarks.import_data")
    parser.add_argument(
        "--ledger", help='how to run ledger (default: this checkout, "python cli.py")'
    )
    parser.add_argument(
        "--synthetic",
        action="store_true",
        help="without an import, save the rows themselves as events for the save() row",
    )
    parser.add_argument(
        "--kinds",
        default=",".join(import_data.FILES),
        help="which of the files to import and load (default: all, in import order)",
    )
    parser.add_argument(
        "--workers",
        help="import with these `--workers` counts in turn, e.g. 1,2 (default: the "
        "import's own choice; a checkout without the option takes none)",
    )
    args = parser.parse_args(argv)
    workers: list[int | None] = (
        [int(n) for n in args.workers.split(",")] if args.workers else [None]
    )
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(import_data.FILES))
    if unknown:
        parser.error(f"--kinds: unknown {', '.join(unknown)}: use {', '.join(import_data.FILES)}")
    print_machine()
    command = ledger_command(args.ledger)
    with data_folder(args.data, args.rows, args.seed) as folder:
        for backend in usable_backends(args.backend):
            if backend == "postgres":
                print(f"PostgreSQL at {POSTGRES_URL}")
            measure(backend, folder, kinds, command, args.synthetic, workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
