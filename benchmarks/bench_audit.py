"""`ledger audit verify` over 1,000,000 events, against reading and deserialising the
same log in the same run.

The data set is 1,000 customers with 1,000 events each (a realistic mix: contacts,
inquiries received and answered, complaints filed, acknowledged and resolved,
visit reports with expenses, satisfaction scores), recorded on Customer
aggregates in memory and saved a batch of customers per `save`. Then, taking
turns run by run:

- raw: the notification log read in batches (`select_notifications`, the batch
  size the auditor uses) and every event deserialised (`mapper.to_domain_event`);
- verify: `Auditor.verify_all`, which reads the same log, recomputes every hash
  and checks every stream's chain.

Target: verify runs at >= 0.6x the raw rate. One `ledger audit verify` through the
command line is timed too, for information.

    .venv/bin/python -m benchmarks.bench_audit [--backend sqlite|postgres|both]
        [--events N] [--customers C] [--runs R] [--batch B]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from uuid import uuid4

from click.testing import CliRunner

from benchmarks.common import (
    ACTOR,
    BACKENDS,
    fresh_storage,
    open_ledger,
    print_machine,
    print_table,
    save_with_directory,
    usable_backends,
    verdict,
)
from cli import ledger as ledger_cli
from ledger.application import Ledger
from ledger.audit import BATCH, Auditor
from ledger.clock import now
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.directory import CustomerNumbering
from ledger.storage import Storage

DEFAULT_EVENTS = 1_000_000
DEFAULT_CUSTOMERS = 1_000
TARGET = 0.6


def record_one(customer: Customer, step: int, meta: Meta, open_cases: dict[str, str]) -> None:
    """One event of a ten-step pattern that opens and closes cases as staff would."""
    phase = step % 10
    if phase == 1:
        open_cases["inquiry"] = customer.receive_inquiry(
            "email", "Delivery dates", "When will the March order ship?", meta
        )
    elif phase == 2:
        customer.answer_inquiry(open_cases["inquiry"], "It ships on the 14th.", meta)
    elif phase == 3:
        open_cases["complaint"] = customer.file_complaint(
            "delivery", "medium", "Two pallets arrived damaged.", "phone", meta
        )
    elif phase == 4:
        customer.acknowledge_complaint(open_cases["complaint"], "Passed to logistics.", meta)
    elif phase == 6:
        customer.resolve_complaint(
            open_cases["complaint"], "Replaced both pallets.", "Loose strapping.", meta
        )
    elif phase == 7:
        customer.report_visit(
            visit_id=None,
            purpose="maintenance",
            kind="relationship_building",
            visitor=ACTOR,
            companions=[],
            people_met=[],
            summary="Quarterly review at the warehouse.",
            outcome="B",
            expenses=[{"item": "Taxi", "amount": "86.00", "currency": "CNY"}],
            problems_handled=["Dock scheduling"],
            problems_pending=[],
            commitments=[],
            meta=meta,
        )
    elif phase == 9:
        customer.record_satisfaction(4, "survey", "Quick replacement.", meta)
    else:
        customer.log_contact(
            channel="phone",
            direction="outbound",
            people=[],
            summary="Weekly call about open orders and forecasts.",
            follow_ups=[],
            meta=meta,
        )


def build_customer(number: int, events: int) -> Customer:
    """A customer with `events` events, in memory."""
    first = now() - timedelta(days=30)
    customer = Customer.register(
        customer_id=uuid4(),
        code=f"C-{number:05d}",
        name=f"Benchmark Trading {number}",
        kind="organisation",
        industry="logistics",
        segment="enterprise",
        headquarters="Shanghai",
        tier="general",
        vip=False,
        stage="growth",
        owner=ACTOR,
        external_refs={},
        meta=Meta(occurred_at=first, actor=ACTOR, command_id=f"{number}-0"),
    )
    open_cases: dict[str, str] = {}
    step = 1
    while customer.version < events:
        meta = Meta(
            occurred_at=first + timedelta(minutes=step), actor=ACTOR, command_id=f"{number}-{step}"
        )
        record_one(customer, step, meta, open_cases)
        step += 1
    return customer


def build(app: Ledger, customers: int, per_customer: int, batch: int) -> int:
    """Save `customers` customers of `per_customer` events, `batch` customers per save,
    with their directory rows (numbering, code and name keys), which `verify` checks."""
    saved = 0
    numbering = CustomerNumbering.start()
    for first in range(1, customers + 1, batch):
        group = [
            build_customer(n, per_customer) for n in range(first, min(first + batch, customers + 1))
        ]
        saved += save_with_directory(app, group, numbering)
        if sys.stdout.isatty():
            print(f"\r  built {saved:,} events", end="", flush=True)
    if sys.stdout.isatty():
        print()
    return saved


def read_and_deserialise(app: Ledger) -> int:
    """The baseline: the whole log, batch by batch, every event deserialised."""
    count, start = 0, 1
    while True:
        notifications = app.recorder.select_notifications(start, BATCH)
        if not notifications:
            return count
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1


def verify(app: Ledger) -> int:
    report = Auditor(app.recorder, app.mapper).verify_all()
    assert report.ok, report.divergences[:3]
    return report.events


def verify_through_the_cli(url: str) -> int:
    result = CliRunner().invoke(ledger_cli, ["--db", url, "--as", ACTOR, "audit", "verify"])
    assert result.exit_code == 0, result.output
    return 0


def timed(action: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    count = action()
    return time.perf_counter() - started, count


def measure_backend(
    storage: Storage, customers: int, per_customer: int, runs: int, batch: int
) -> None:
    # Snapshots are another table, which neither side reads: not taking them keeps
    # the build short.
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    try:
        started = time.perf_counter()
        build(app, customers, per_customer, batch)
        built = time.perf_counter() - started
        # Warm-up: the first reads after a bulk write fill caches (and set hint bits).
        read_and_deserialise(app)
        raw: list[float] = []
        audit: list[float] = []
        for _ in range(runs):
            seconds, count = timed(lambda: read_and_deserialise(app))
            raw.append(seconds)
            seconds, verified = timed(lambda: verify(app))
            audit.append(seconds)
        cli_seconds, _ = timed(lambda: verify_through_the_cli(storage.location))
    finally:
        app.close()
    report(storage.kind, customers, count, verified, runs, built, raw, audit, cli_seconds)


def report(
    backend: str,
    customers: int,
    log_rows: int,
    verified: int,
    runs: int,
    built: float,
    raw: list[float],
    audit: list[float],
    cli_seconds: float,
) -> None:
    raw_time, audit_time = statistics.median(raw), statistics.median(audit)
    raw_rate, audit_rate = log_rows / raw_time, verified / audit_time
    ratio = audit_rate / raw_rate
    print_table(
        f"{backend}: {verified:,} events of {customers:,} customers "
        f"(median of {runs} runs, taken in turn)",
        ["", "time", "events/s", "vs raw", "target"],
        [
            [
                "raw read + deserialise",
                f"{raw_time:.2f} s",
                f"{raw_rate:,.0f}",
                "1.00x",
                "baseline",
            ],
            [
                "Auditor.verify_all",
                f"{audit_time:.2f} s",
                f"{audit_rate:,.0f}",
                f"{ratio:.2f}x",
                f">= {TARGET}x {verdict(ratio >= TARGET)}",
            ],
            [
                "`ledger audit verify` (one run)",
                f"{cli_seconds:.2f} s",
                f"{verified / cli_seconds:,.0f}",
                f"{(verified / cli_seconds) / raw_rate:.2f}x",
                "(for information)",
            ],
        ],
        notes=[f"built and saved in {built:.1f} s; the log holds {log_rows:,} rows"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--backend",
        choices=(*BACKENDS, "both"),
        default="postgres",
        help="database to measure on (default: postgres)",
    )
    parser.add_argument(
        "--events",
        type=float,
        default=DEFAULT_EVENTS,
        help=f"events in the log (default {DEFAULT_EVENTS:,}; 1e6 works)",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=DEFAULT_CUSTOMERS,
        help=f"customers they are spread over (default {DEFAULT_CUSTOMERS:,})",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    # Not more: on PostgreSQL a save of about 10,000 events or more sometimes never
    # returns (the library's pipelined insert waits in `pipeline.sync()`).
    parser.add_argument(
        "--batch", type=int, default=4, help="customers saved per `save` (default 4)"
    )
    options = parser.parse_args()
    customers = max(1, options.customers)
    per_customer = max(1, int(options.events) // customers)
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "audit") as storage:
            measure_backend(storage, customers, per_customer, options.runs, options.batch)


if __name__ == "__main__":
    main()
