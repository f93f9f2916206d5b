"""The raw read and a rebuild of every view, back to back, on a data set kept
between runs: for comparing two checkouts taking turns on the same data.

The data set is `bench_rebuild`'s (built once with its `build`, then kept: a
SQLite file in `--keep`, or a PostgreSQL schema named after the size). Each run
times `read_and_deserialise` and then `Views.rebuild()`, and prints the wall and
CPU time of each, the rebuild's CPU split into its own process's and its
workers', and the ratio of the two rates by wall and by CPU. To take turns with
another checkout (one without this script too), run this file from that
checkout's folder with its own code first on the path:

    .venv/bin/python -m benchmarks.rebuild_pairs --backend sqlite --events 200000
        [--runs R] [--keep DIR] [--views customer360,sla,...]
    cd OTHER && PYTHONPATH=. .venv/bin/python THIS/benchmarks/rebuild_pairs.py ...
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from benchmarks import bench_rebuild
from benchmarks.common import BACKENDS, POSTGRES_URL, open_ledger
from ledger.storage import Storage, resolve
from projections.views import Views


def kept_storage(backend: str, events: int, keep: Path) -> tuple[Storage, bool]:
    """The kept data set of about `events` events, and whether it is new (empty)."""
    tag = f"{events // 1000}k"
    if backend == "sqlite":
        keep.mkdir(parents=True, exist_ok=True)
        path = keep / f"data-{tag}.sqlite3"
        return resolve(str(path), environ={}), not path.exists()
    import psycopg

    schema = f"ledger_rebuild_pairs_{tag}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
        fresh = found.fetchone() is None
        if fresh:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    return resolve(f"{POSTGRES_URL}{separator}schema={schema}", environ={}), fresh


def cpu_here() -> tuple[float, float]:
    """CPU seconds of this process, and of the worker processes it has waited for."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--events", type=float, default=200_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/ledger-rebuild-pairs"))
    parser.add_argument("--views", default=None, help="only these views (names, commas)")
    options = parser.parse_args()
    events = int(options.events)
    names = options.views.split(",") if options.views else None
    bench_rebuild.clean_environment()
    storage, fresh = kept_storage(options.backend, events, options.keep)
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    try:
        customers = max(1, min(bench_rebuild.DEFAULT_CUSTOMERS, events // 100))
        if fresh:
            started = time.perf_counter()
            built = bench_rebuild.build(
                app, customers, max(10, events // customers), 3_000, grouped=False
            )
            print(f"built {built:,} events in {time.perf_counter() - started:.1f} s")
        bench_rebuild.read_and_deserialise(app)  # warm-up, as the benchmark does
        views.status()
        swaps = bench_rebuild.SwapClock(views)
        for _ in range(max(1, options.runs)):
            raw = bench_rebuild.timed(lambda: bench_rebuild.read_and_deserialise(app))
            own, workers = cpu_here()
            started = time.perf_counter()
            views.rebuild(names)
            wall = time.perf_counter() - started
            own_after, workers_after = cpu_here()
            mine, theirs = own_after - own, workers_after - workers
            print(
                f"{Path.cwd().name} {options.backend}: raw read (baseline) {raw.wall:.2f} s "
                f"(CPU {raw.cpu:.2f}) "
                f"| rebuild {wall:.2f} s (CPU {mine + theirs:.2f}: own {mine:.2f}, "
                f"workers {theirs:.2f}; swap {swaps.seconds[-1]:.2f} s) "
                f"| ratio {raw.wall / wall:.3f}, by CPU {raw.cpu / (mine + theirs):.3f} "
                f"| load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        views.close()
        app.close()


if __name__ == "__main__":
    main()
