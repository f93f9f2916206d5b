"""`ledger customer show` for a customer with 50,000 events, once the views have
caught up, against reading its stored 360 document in the same run.

The customer's story is the realistic mix of the rebuild benchmark (contacts,
inquiries, complaints with acknowledgements, pauses and escalations, visits with
expenses and promises, opportunities through their stages, commitments,
satisfaction scores, assessments, handovers) told through the Customer
aggregate's own methods over three years, saved at most 4,000 events per `save`.
Then the views catch up (timed once, for information), and, taking turns run by
run:

- baseline: one `SELECT doc FROM view_customer360 WHERE customer_id = ?` and
  `json.loads` of the document, on the views' own connection;
- show: what the read service does for `ledger customer show` (less logging the
  read): the catch-up check (nothing left to apply) and `customer_360(tx, id)`.

Target: `customer_360` takes at most 50 ms. The whole command as a new process
(`ledger --db ... customer show C-00001 --format json`, output discarded) is
timed too, for information.

    .venv/bin/python -m benchmarks.bench_show [--backend sqlite|postgres|both]
        [--count EVENTS] [--runs R] [--cli-runs R] [--batch B]
"""

from __future__ import annotations

import json
import os
import random
import time
from datetime import timedelta
from typing import Any
from uuid import UUID

from benchmarks.bench_rebuild import MAX_SAVE_EVENTS, Saver, Story, clean_environment, pace
from benchmarks.bench_startup import ledger_command, starter
from benchmarks.common import (
    ACTOR,
    Timing,
    argument_parser,
    fresh_storage,
    interleaved_medians,
    ms,
    open_ledger,
    print_machine,
    print_table,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.clock import now
from ledger.commands import AddStaff, RegisterCustomer
from ledger.storage import Storage
from projections.customer360 import Customer360, customer_360
from projections.recorded import RecordedVersions
from projections.views import Views

DEFAULT_EVENTS = 50_000
TARGET = 0.05
YEARS = 3


def build_customer(app: Ledger, events: int, batch_events: int) -> tuple[str, UUID]:
    """A customer registered three years ago whose story has `events` events (a few
    more if the last episode overruns); returns its code and id."""
    end = now() - timedelta(hours=1)
    first = end - timedelta(days=365 * YEARS)
    # The story's first owner needs an account; later owners are handed the
    # customer on the aggregate itself, as in the rebuild benchmark, unchecked.
    app.add_staff(AddStaff(actor="bench.admin", staff="li.wei", name="Li Wei", role="executive"))
    receipt = app.register_customer(
        RegisterCustomer(
            actor=ACTOR,
            name="Benchmark Holdings",
            segment="airport",
            industry="logistics",
            stage="growth",
            owner="li.wei",
            occurred_at=first,
        )
    )
    customer = app.get_customer(receipt.customer_code)
    spacing, tempo = pace(events, end - first)
    story = Story(customer, random.Random(1), first, end, spacing, tempo, actor="li.wei")
    saver = Saver(app, batch_events)
    story.introduce_people()
    saver.add(customer)
    while customer.version < events:
        story.next_episode()
        saver.add(customer)
    saver.flush()
    return receipt.customer_code, customer.id


def read_stored_doc(views: Views, customer_id: UUID) -> dict[str, Any]:
    """The baseline: the stored document, read and parsed, nothing else."""
    with views.store.transaction() as tx:
        row = tx.fetchone(
            "SELECT doc FROM view_customer360 WHERE customer_id = ?", (str(customer_id),)
        )
    assert row is not None
    return dict(json.loads(row[0]))


def measure_backend(
    storage: Storage, events: int, runs: int, cli_runs: int, batch_events: int
) -> None:
    # Snapshots are another table, which `customer show` does not read: not taking
    # them keeps the build short.
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    try:
        started = time.perf_counter()
        code, customer_id = build_customer(app, events, batch_events)
        built = time.perf_counter() - started
        started = time.perf_counter()
        views.catch_up()
        caught_up = time.perf_counter() - started
        doc = read_stored_doc(views, customer_id)
        assert doc["version"] >= events, doc["version"]
        with views.store.transaction() as tx:
            row = tx.fetchone(
                "SELECT COUNT(*) FROM view_customer360_closed WHERE customer_id = ?",
                (str(customer_id),),
            )
        apart = int(row[0]) if row else 0

        def show() -> object:
            # What the read service does for `customer show`, less logging the read.
            views.catch_up([Customer360.name, RecordedVersions.name])
            with views.store.transaction() as tx:
                shown = customer_360(tx, customer_id)
            assert shown is not None and shown["version"] == doc["version"]
            return shown

        figures = interleaved_medians(
            {"baseline": lambda: read_stored_doc(views, customer_id), "show": show}, runs
        )
        argv = [
            *ledger_command(),
            "--db",
            storage.location,
            "--as",
            ACTOR,
            "customer",
            "show",
            code,
            "--format",
            "json",
        ]
        figures |= interleaved_medians({"cli": starter(argv, dict(os.environ))}, cli_runs)
        size = len(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    finally:
        views.close()
        app.close()
    cases = len(doc["cases"])
    report(storage.kind, code, doc["version"], runs, cli_runs, figures, size, cases, apart)
    print(
        f"built and saved in {built:.1f} s; the views caught up with {doc['version']:,} "
        f"events in {caught_up:.1f} s\n"
    )


def report(
    backend: str,
    code: str,
    events: int,
    runs: int,
    cli_runs: int,
    figures: dict[str, Timing],
    size: int,
    cases: int,
    apart: int,
) -> None:
    baseline = figures["baseline"].wall

    def row(label: str, key: str, wanted: str) -> list[str]:
        value = figures[key]
        return [label, ms(value.wall), ms(value.cpu), f"{value.wall / baseline:.2f}x", wanted]

    show = figures["show"].wall
    print_table(
        f"{backend}: customer {code} with {events:,} events "
        f"(median of {runs} runs; the process, of {cli_runs}; taken in turn)",
        ["", "time", "CPU here", "vs baseline", "target"],
        [
            row("SELECT doc + json.loads", "baseline", "baseline"),
            row(
                "catch-up check + customer_360(tx, id)",
                "show",
                f"<= {ms(TARGET)} {verdict(show <= TARGET)}",
            ),
            row(
                f"`ledger customer show {code} --format json` process",
                "cli",
                "(for information)",
            ),
        ],
        notes=[
            f"the stored 360 document is {size / 1024:,.0f} KiB ({cases:,} cases; "
            f"{apart:,} older closed ones kept apart); "
            "CPU here = this process's CPU time (for the process row: only waiting)"
        ],
    )


def main() -> None:
    parser = argument_parser(
        (__doc__ or "").split("\n\n")[0],
        f"events in the customer's stream (default {DEFAULT_EVENTS:,})",
    )
    parser.add_argument("--runs", type=int, default=20, help="timed calls per figure (default 20)")
    parser.add_argument(
        "--cli-runs", type=int, default=5, help="timed `ledger customer show` processes (default 5)"
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=2_000,
        help=f"events per `save` while building (default 2,000; at most {MAX_SAVE_EVENTS:,})",
    )
    options = parser.parse_args()
    events = options.count or DEFAULT_EVENTS
    batch = min(max(1, options.batch), MAX_SAVE_EVENTS)
    clean_environment()
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "show") as storage:
            measure_backend(storage, events, max(1, options.runs), max(1, options.cli_runs), batch)


if __name__ == "__main__":
    main()
