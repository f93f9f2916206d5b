"""Replay of a customer with 10,000 events, without and with snapshots.

The customer's stream is a realistic mix (contacts, inquiries answered, complaints
filed, acknowledged and resolved, satisfaction scores), recorded on the aggregate in
memory and saved in batches, which takes snapshots exactly as the Ledger does.
Then `repository.get` is timed on a Ledger whose snapshot store is switched off and
on the Ledger itself, the median of several runs. The baseline is reading and
deserialising the same stored events into a list (`app.events.get`), in the same
run.

Targets: at most 0.5 s without snapshots; at most 50 ms with snapshots, both when
the last snapshot is the head and in the worst case (199 events past a snapshot).

    .venv/bin/python -m benchmarks.bench_replay [--backend sqlite|postgres|both]
        [--count EVENTS] [--runs R] [--batch B]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID, uuid4

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
    register_customer,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.storage import Storage

DEFAULT_EVENTS = 10_000
WITHOUT_SNAPSHOTS_TARGET = 0.5
WITH_SNAPSHOTS_TARGET = 0.05
SNAPSHOT_INTERVAL = Ledger.snapshotting_intervals[Customer]


def record_one(customer: Customer, step: int, meta: Meta, open_cases: dict[str, str]) -> None:
    """One event of a ten-step pattern that opens and closes cases as staff would."""
    phase = step % 10
    if phase == 2:
        open_cases["inquiry"] = customer.receive_inquiry(
            "email", "Delivery dates", "When will the March order ship?", meta
        )
    elif phase == 3:
        customer.answer_inquiry(open_cases["inquiry"], "It ships on the 14th.", meta)
    elif phase == 4:
        open_cases["complaint"] = customer.file_complaint(
            "delivery", "medium", "Two pallets arrived damaged.", "phone", meta
        )
    elif phase == 6:
        customer.acknowledge_complaint(open_cases["complaint"], "Passed to logistics.", meta)
    elif phase == 7:
        customer.resolve_complaint(
            open_cases["complaint"], "Replaced both pallets.", "Loose strapping.", meta
        )
    elif phase == 9:
        customer.record_satisfaction(4, "survey", "Quick replacement.", meta)
    else:
        customer.log_contact(
            channel="phone",
            direction="outbound",
            people=["P1"],
            summary="Weekly call about open orders and forecasts.",
            follow_ups=[],
            meta=meta,
        )


def build_customer(app: Ledger, events: int, batch: int) -> UUID:
    """A customer with `events` events, saved `batch` at a time (snapshots included)."""
    customer = app.get_customer(register_customer(app))
    first = now() - timedelta(minutes=events)
    open_cases: dict[str, str] = {}
    step = 0
    while customer.version < events:
        meta = Meta(
            occurred_at=first + timedelta(minutes=step), actor=ACTOR, command_id=uuid4().hex
        )
        record_one(customer, step, meta, open_cases)
        step += 1
        if step % batch == 0:
            app.save(customer)
    app.save(customer)
    return customer.id


def snapshot_size(app: Ledger, customer_id: UUID) -> int:
    assert app.snapshots is not None
    stored = app.snapshots.recorder.select_events(customer_id, desc=True, limit=1)
    return len(stored[0].state)


def measure_backend(storage: Storage, events: int, runs: int, batch: int) -> None:
    app = open_ledger(storage)
    # The same database, read by a Ledger that never looks at snapshots.
    without_snapshots = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    try:
        started = time.perf_counter()
        customer_id = build_customer(app, events, batch)
        built = time.perf_counter() - started
        assert app.snapshots is not None
        snapshots = app.snapshots
        # The version that sits furthest from a snapshot below it: the slowest load.
        worst = max(1, events - 1 - events % SNAPSHOT_INTERVAL)

        def replay(ledger: Ledger, version: int | None = None) -> Callable[[], object]:
            def load() -> object:
                customer: Customer = ledger.repository.get(customer_id, version=version)
                assert customer.version == (version or events)
                return customer

            return load

        def read_events() -> object:
            stream = list(app.events.get(customer_id))
            assert len(stream) == events
            return stream

        figures = interleaved_medians(
            {
                "raw": read_events,
                "without": replay(without_snapshots),
                "head": replay(app),
                "worst": replay(app, worst),
                "snapshot": lambda: list(snapshots.get(customer_id, desc=True, limit=1)),
            },
            runs,
        )
        size = snapshot_size(app, customer_id)
    finally:
        without_snapshots.close()
        app.close()
    report(storage.kind, events, runs, built, size, worst, figures)


def report(
    backend: str,
    events: int,
    runs: int,
    built: float,
    size: int,
    worst: int,
    figures: dict[str, Timing],
) -> None:
    raw = figures["raw"].wall
    after_worst = worst % SNAPSHOT_INTERVAL

    def row(label: str, key: str, target: float | None) -> list[str]:
        value = figures[key].wall
        wanted = "baseline" if key == "raw" else "(for information)"
        if target is not None:
            wanted = f"<= {ms(target)} {verdict(value <= target)}"
        return [label, ms(value), ms(figures[key].cpu), f"{value / raw:.2f}x", wanted]

    print_table(
        f"{backend}: one customer with {events:,} events (median of {runs} runs, taken in turn)",
        ["", "time", "CPU here", "vs raw read", "target"],
        [
            row(f"raw read + deserialise of {events:,} events", "raw", None),
            row("replay without snapshots", "without", WITHOUT_SNAPSHOTS_TARGET),
            row("replay with snapshots, snapshot at head", "head", WITH_SNAPSHOTS_TARGET),
            row(
                f"replay with snapshots, {after_worst} events past one",
                "worst",
                WITH_SNAPSHOTS_TARGET,
            ),
            row("read + deserialise the latest snapshot", "snapshot", None),
        ],
        notes=[
            f"stream built and saved in {built:.1f} s; latest snapshot {size / 1024:,.0f} KiB "
            f"(a snapshot every {SNAPSHOT_INTERVAL} events); CPU here = this process's CPU "
            "time, without the database server's work"
        ],
    )


def main() -> None:
    parser = argument_parser(
        __doc__.split("\n\n")[0] if __doc__ else "",
        f"events in the customer's stream (default {DEFAULT_EVENTS:,})",
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (default 7)")
    parser.add_argument(
        "--batch", type=int, default=500, help="events saved per batch when building (default 500)"
    )
    options = parser.parse_args()
    events = options.count or DEFAULT_EVENTS
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "replay") as storage:
            measure_backend(storage, events, options.runs, options.batch)


if __name__ == "__main__":
    main()
