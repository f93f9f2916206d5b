"""Catching views up incrementally (`Views.catch_up`), against reading and
deserialising the same events in the same run.

The log is the one `bench_rebuild` records (customers interleaved, each through
the aggregate's own methods). Two cases, each taking turns with its baseline:

- whole log: every view emptied, then caught up from the start in batches of
  `BATCH` events, as a follower that fell behind does (the rule that rebuilds a
  view far behind, `REBUILD_FROM`, is switched off here, or the catch-up would
  be a rebuild); baseline: the log read in batches of `BATCH` and every event
  deserialised;
- small catch-ups: views at `--tail` events behind the head, brought up a few
  events at a time (`--steps`, e.g. 50 and 500: what each command and each
  committed import batch does), the head of the log moving on by that many
  events before each; baseline: the same slices read and deserialised.

Then each projection alone is caught up over the whole log, once, and its cost
per event is printed: its time per event, and its time above the raw read's.
Target (issue #19, item 3): catching up runs at >= 0.5x the raw rate.

    .venv/bin/python -m benchmarks.bench_catchup [--backend sqlite|postgres|both]
        [--events N] [--customers C] [--runs R] [--tail T] [--steps 50,500]
        [--profile] [--no-alone]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import projections.views as views_module
from benchmarks.bench_rebuild import (
    DEFAULT_CUSTOMERS,
    Run,
    build,
    clean_environment,
    data_shape,
    median_run,
    read_and_deserialise,
    timed,
)
from benchmarks.common import (
    BACKENDS,
    fresh_storage,
    open_ledger,
    print_machine,
    print_table,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.storage import Storage
from projections.log_pages import BATCH
from projections.views import Views

RATIO_TARGET = 0.5
DEFAULT_EVENTS = 200_000


@contextmanager
def no_rebuild() -> Iterator[None]:
    """Views far behind are caught up in batches, not rebuilt."""
    saved = views_module.REBUILD_FROM
    views_module.REBUILD_FROM = 1 << 62
    try:
        yield
    finally:
        views_module.REBUILD_FROM = saved


@contextmanager
def head_at(app: Ledger, position: list[int]) -> Iterator[None]:
    """The log seen as ending at `position[0]` (changed by the caller as it goes):
    a catch-up reads up to the head it finds, so moving it forward step by step
    is what new events arriving between commands look like to the views."""
    recorder: Any = app.recorder
    recorder.max_notification_id = lambda: position[0]
    try:
        yield
    finally:
        del recorder.max_notification_id


def empty(views: Views, names: Sequence[str] | None = None) -> None:
    """The views (all, or those named) dropped with their positions: the next
    catch-up starts them from the first event."""
    chosen = [p for p in views.projections if names is None or p.name in names]
    with views.store.transaction() as tx:
        for projection in chosen:
            projection.drop(tx)
            tx.execute("DELETE FROM view_tracking WHERE name = ?", (projection.name,))
    # Created again at once: the views' schema row would otherwise tell the next
    # catch-up the tables are there (`Views._ensure_tables`).
    views._create_tables()


def read_slices(app: Ledger, start: int, stop: int, step: int) -> int:
    """The baseline of small catch-ups: positions `start`..`stop` read `step` at a
    time, every event deserialised."""
    count = 0
    while start <= stop:
        last = min(stop, start + step - 1)
        for notification in app.recorder.select_notifications(start, step, stop=last):
            app.mapper.to_domain_event(notification)
            count += 1
        start = last + 1
    return count


def catch_up_in_steps(views: Views, app: Ledger, start: int, stop: int, step: int) -> int:
    """Views at `start - 1` caught up `step` events at a time up to `stop`."""
    position = [start - 1]
    applied = 0
    with head_at(app, position):
        while position[0] < stop:
            position[0] = min(stop, position[0] + step)
            applied += views.catch_up()
    return applied


def behind(views: Views, app: Ledger, position: int, names: Sequence[str] | None = None) -> None:
    """The views rebuilt as they were at `position`."""
    with head_at(app, [position]):
        views.rebuild(names)


def measure_backend(
    storage: Storage,
    customers: int,
    per_customer: int,
    runs: int,
    tail: int,
    steps: list[int],
    show_profile: bool,
    each_alone: bool = True,
) -> None:
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    try:
        built = build(app, customers, per_customer, 3_000, grouped=False)
        head = app.recorder.max_notification_id() or 0
        read_and_deserialise(app)  # warm-up
        views.status()
        raw: list[Run] = []
        whole: list[Run] = []
        with no_rebuild():
            for _ in range(runs):
                raw.append(timed(lambda: read_and_deserialise(app)))
                empty(views)
                whole.append(timed(views.catch_up))
        small: dict[int, tuple[list[Run], list[Run]]] = {}
        first = max(1, head - tail + 1)
        for step in steps:
            small_raw: list[Run] = []
            small_views: list[Run] = []
            for _ in range(runs):
                small_raw.append(
                    timed(lambda step=step: read_slices(app, first, head, step))  # type: ignore[misc]
                )
                behind(views, app, first - 1)
                small_views.append(
                    timed(lambda step=step: catch_up_in_steps(views, app, first, head, step))  # type: ignore[misc]
                )
            small[step] = (small_raw, small_views)
        alone: dict[str, Run] = {}
        with no_rebuild():
            for name in views.names() if each_alone else []:
                empty(views, [name])
                alone[name] = timed(lambda name=name: views.catch_up([name]))  # type: ignore[misc]
            if show_profile:
                profile(views, app, first, head, steps)
    finally:
        views.close()
        app.close()
    report(storage.kind, customers, built, head, runs, raw, whole, small, alone, tail)


def profile(views: Views, app: Ledger, first: int, head: int, steps: list[int]) -> None:
    """The whole log caught up once more, and the small catch-ups, under cProfile."""
    empty(views)
    cases: list[tuple[str, Callable[[], Any]]] = [("the whole log", views.catch_up)]
    for step in steps:

        def in_steps(step: int = step) -> None:
            behind(views, app, first - 1)
            catch_up_in_steps(views, app, first, head, step)

        cases.append((f"catch-ups of {step} (after a rebuild to the start)", in_steps))
    for label, action in cases:
        profiler = cProfile.Profile()
        profiler.enable()
        action()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(30)
        print(f"cProfile of {label}, by tottime:")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
        print()


def report(
    backend: str,
    customers: int,
    built: int,
    head: int,
    runs: int,
    raw_runs: list[Run],
    whole_runs: list[Run],
    small: dict[int, tuple[list[Run], list[Run]]],
    alone: dict[str, Run],
    tail: int,
) -> None:
    raw, whole = median_run(raw_runs), median_run(whole_runs)

    def rows(label: str, base: Run, run: Run) -> list[list[str]]:
        ratio = (run.count / run.wall) / (base.count / base.wall)
        cpu_ratio = base.cpu / run.cpu * run.count / base.count
        per_event = 1e6 * run.wall / max(run.count, 1)
        return [
            [
                f"  raw read + deserialise ({label})",
                f"{base.wall:.2f} s",
                f"{base.cpu:.2f} s",
                f"{base.count / base.wall:,.0f}",
                f"{1e6 * base.wall / max(base.count, 1):.1f}",
                "baseline",
            ],
            [
                f"  Views.catch_up() ({label})",
                f"{run.wall:.2f} s",
                f"{run.cpu:.2f} s",
                f"{run.count / run.wall:,.0f}",
                f"{per_event:.1f}",
                f"{ratio:.2f}x (CPU {cpu_ratio:.2f}x) "
                f">= {RATIO_TARGET}x {verdict(ratio >= RATIO_TARGET)}",
            ],
        ]

    table = rows(f"whole log, batches of {BATCH:,}", raw, whole)
    for step, (base_runs, view_runs) in small.items():
        label = f"last {tail:,} in steps of {step}"
        table += rows(label, median_run(base_runs), median_run(view_runs))
    print_table(
        f"{backend}: {head:,} log positions ({built:,} events built) of {customers:,} "
        f"customers, every view caught up (median of {runs} runs, taken in turn)",
        ["", "time", "CPU here", "events/s", "µs/event", "vs raw"],
        table,
        notes=[
            "CPU here = CPU time of this process, without the database server's work; "
            "CPU ratio = the raw read's CPU per event over the catch-up's",
            "whole log: every view emptied first, and caught up rather than rebuilt",
        ],
    )
    if not alone:
        return
    raw_per_event = 1e6 * raw.wall / max(raw.count, 1)
    raw_cpu_per_event = 1e6 * raw.cpu / max(raw.count, 1)
    print_table(
        f"{backend}: each projection caught up alone over the whole log (one run each)",
        ["projection", "time", "CPU here", "µs/event", "above raw", "CPU µs above raw"],
        [
            [
                name,
                f"{run.wall:.2f} s",
                f"{run.cpu:.2f} s",
                f"{1e6 * run.wall / max(raw.count, 1):.1f}",
                f"{1e6 * run.wall / max(raw.count, 1) - raw_per_event:+.1f}",
                f"{1e6 * run.cpu / max(raw.count, 1) - raw_cpu_per_event:+.1f}",
            ]
            for name, run in sorted(alone.items(), key=lambda item: -item[1].cpu)
        ],
        notes=[
            f"per log position ({raw.count:,}); above raw = its own cost over the raw "
            f"read's {raw_per_event:.1f} µs ({raw_cpu_per_event:.1f} CPU µs) per event"
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument("--events", type=float, default=DEFAULT_EVENTS)
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help=f"(default: events / 100, at most {DEFAULT_CUSTOMERS:,})",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--tail", type=int, default=10_000, help="events the small catch-ups bring in"
    )
    parser.add_argument(
        "--steps", default="50,500", help="events per small catch-up, comma-separated"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--no-alone", action="store_true", help="skip catching up each projection alone"
    )
    options = parser.parse_args()
    customers, per_customer = data_shape(options.events, options.customers)
    steps = [int(s) for s in options.steps.split(",") if s.strip()]
    clean_environment()
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "catchup") as storage:
            measure_backend(
                storage,
                customers,
                per_customer,
                max(1, options.runs),
                options.tail,
                steps,
                options.profile,
                not options.no_alone,
            )


if __name__ == "__main__":
    main()
