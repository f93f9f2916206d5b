"""Catching views up (`Views.catch_up`) on a data set kept between runs: for
comparing two checkouts taking turns on the same data, as `rebuild_pairs` does for
the rebuild.

The data set is `rebuild_pairs`'s (built once with `bench_rebuild.build`, then
kept). Each run times the raw read and then, for each case, the same catch-ups
`bench_catchup` makes: every view (or those of `--views`) emptied and caught up
over the whole log together; each of them emptied and caught up alone; and the
last `--tail` events brought in `--steps` events at a time. It prints the CPU
seconds of each and the CPU µs per log position above the raw read's. To take
turns with another checkout (one without this script too), run this file from
that checkout's folder with its own code first on the path (`--floor`, SQLite:
for each step size, also the catch-ups' writes alone, made again on the views put
back, and the best ratio to the raw rate any catch-up making them could reach;
`benchmarks/view_writes.py`):

    .venv/bin/python -m benchmarks.catchup_pairs --backend sqlite --events 200000
        [--runs R] [--keep DIR] [--views customer360,sla,...] [--no-alone]
        [--tail T] [--steps 50,500] [--floor]
    cd OTHER && PYTHONPATH=. .venv/bin/python THIS/benchmarks/catchup_pairs.py ...
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import nullcontext
from pathlib import Path

from benchmarks import bench_rebuild
from benchmarks.bench_catchup import behind, catch_up_in_steps, empty, no_rebuild, read_slices
from benchmarks.common import BACKENDS, open_ledger
from benchmarks.rebuild_pairs import kept_storage
from benchmarks.view_writes import make_again, recorded_writes
from projections.views import Views


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--events", type=float, default=200_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/ledger-rebuild-pairs"))
    parser.add_argument("--views", default=None, help="only these views (names, commas)")
    parser.add_argument("--no-alone", action="store_true", help="not each view alone")
    parser.add_argument("--no-whole", action="store_true", help="not every view together")
    parser.add_argument("--tail", type=int, default=10_000)
    parser.add_argument("--steps", default="", help="small catch-ups, events each (commas)")
    parser.add_argument(
        "--floor", action="store_true", help="also the catch-ups' writes alone (SQLite)"
    )
    options = parser.parse_args()
    if options.floor and options.backend != "sqlite":
        parser.error("--floor: the writes are made again on SQLite only")
    events = int(options.events)
    steps = [int(s) for s in options.steps.split(",") if s.strip()]
    bench_rebuild.clean_environment()
    storage, fresh = kept_storage(options.backend, events, options.keep)
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    label = Path.cwd().name
    try:
        customers = max(1, min(bench_rebuild.DEFAULT_CUSTOMERS, events // 100))
        if fresh:
            started = time.perf_counter()
            built = bench_rebuild.build(
                app, customers, max(10, events // customers), 3_000, grouped=False
            )
            print(f"built {built:,} events in {time.perf_counter() - started:.1f} s")
        head = app.recorder.max_notification_id() or 0
        bench_rebuild.read_and_deserialise(app)  # warm-up
        views.status()
        names = options.views.split(",") if options.views else views.names()
        first = max(1, head - options.tail + 1)
        for _ in range(max(1, options.runs)):
            raw = bench_rebuild.timed(lambda: bench_rebuild.read_and_deserialise(app))
            raw_us = 1e6 * raw.cpu / raw.count
            cases: list[tuple[str, list[str]]] = []
            if not options.no_whole:
                cases.append(("together", names))
            if not options.no_alone:
                cases += [(name, [name]) for name in names]
            parts = []
            with no_rebuild():
                for case, chosen in cases:
                    empty(views, chosen)
                    run = bench_rebuild.timed(lambda chosen=chosen: views.catch_up(chosen))  # type: ignore[misc]
                    above = 1e6 * run.cpu / raw.count - raw_us
                    parts.append(f"{case} {run.cpu:.2f} s (+{above:.1f})")
            for step in steps:
                base = bench_rebuild.timed(lambda step=step: read_slices(app, first, head, step))  # type: ignore[misc]
                behind(views, app, first - 1)
                with recorded_writes() if options.floor else nullcontext() as recorded:
                    run = bench_rebuild.timed(
                        lambda step=step: catch_up_in_steps(views, app, first, head, step)  # type: ignore[misc]
                    )
                parts.append(
                    f"steps of {step}: {run.cpu:.2f} s vs raw {base.cpu:.2f} s "
                    f"(CPU ratio {base.cpu / run.cpu:.3f})"
                )
                if recorded is not None:
                    behind(views, app, first - 1)
                    tables: dict[str, float] = {}
                    again = bench_rebuild.timed(
                        lambda recorded=recorded, tables=tables: make_again(
                            views.store, recorded, tables
                        )  # type: ignore[misc]
                    )
                    most = sorted(tables.items(), key=lambda item: -item[1])[:4]
                    parts.append(
                        f"  its {len(recorded.transactions):,} transactions' "
                        f"{again.count:,} statements alone: {again.cpu:.2f} s ("
                        + ", ".join(f"{table} {seconds:.2f}" for table, seconds in most)
                        + f"), so at best {base.cpu / (base.cpu + again.cpu):.3f}x of raw"
                    )
            print(
                f"{label} {options.backend} {raw.count:,} events: raw CPU {raw.cpu:.2f} s "
                f"({raw_us:.1f} µs/event) | CPU s (µs/event above raw): "
                + "; ".join(parts)
                + f" | load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        views.close()
        app.close()


if __name__ == "__main__":
    main()
