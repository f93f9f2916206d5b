"""`ledger sla breaches` over 100,000 customers.

The customers are built on the aggregate in memory and saved in batches (no
directory entries: the SLA view needs only the customers' streams), then the SLA
view catches up. Each customer has a registration, an inquiry answered in five
minutes and a complaint resolved in two hours; some have more: an inquiry
answered late, a complaint left open, an open lead, a commitment past due, a
visit this month. Times are spread over the last 60 days.

Timed (median of several runs, taken in turn): `Reader.sla_breaches(as_of=now)`, the
query behind `ledger sla breaches` (its catch-up check included, nothing left to
apply); `at_risk` for information; and the whole command in process (`ledger sla
breaches --format json`, output discarded) for information. For information too,
the reads behind the manager views at the same size: `Reader.pipeline()` (every
open lead, with its follow-up due date from the SLA view) and `Reader.activity`
for this month beside the last (the visits, each its visitor's). The baseline is a
plain `SELECT COUNT(*)` of the view's table in the same run.

Target: at most 0.5 s.

    .venv/bin/python -m benchmarks.bench_sla [--backend sqlite|postgres|both]
        [--count CUSTOMERS] [--runs R] [--batch B]
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import uuid4

from benchmarks.common import (
    ACTOR,
    Timing,
    argument_parser,
    bench_settings,
    fresh_storage,
    in_process_command,
    interleaved_medians,
    ms,
    open_ledger,
    print_machine,
    print_table,
    usable_backends,
    verdict,
)
from ledger.access import EXECUTIVE, Caller
from ledger.application import Ledger
from ledger.clock import now
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.periods import Period
from ledger.storage import Storage
from projections.activity import Activity
from projections.customer360 import Customer360
from projections.handover import Handovers
from projections.pipeline import Pipeline
from projections.reader import Reader
from projections.sla.view import SlaCases
from projections.staff import StaffDirectoryView, WorkedOn
from projections.summaries import SummarySubmissions
from projections.views import Views

DEFAULT_CUSTOMERS = 100_000
TARGET = 0.5
SEGMENTS = ("airport", "technology", "real_estate")
OWNERS = tuple(f"staff.{n:02d}" for n in range(40))


def build_customer(number: int, rng: random.Random, today: datetime) -> Customer:
    """One customer and its cases, recorded in memory through the aggregate's rules."""
    start = today - timedelta(days=rng.randint(10, 60), minutes=rng.randint(0, 600))

    def meta(minutes: float) -> Meta:
        return Meta(
            occurred_at=start + timedelta(minutes=minutes), actor=ACTOR, command_id=uuid4().hex
        )

    customer = Customer.register(
        customer_id=uuid4(),
        code=f"C-{number:06d}",
        name=f"Customer {number}",
        kind="organisation",
        industry="logistics",
        segment=SEGMENTS[number % len(SEGMENTS)],
        headquarters="",
        tier="general",
        vip=False,
        stage="growth",
        owner=OWNERS[number % len(OWNERS)],
        external_refs={},
        meta=meta(0),
    )
    inquiry = customer.receive_inquiry("email", "Fees", "What does a guest pay?", meta(60))
    late = rng.random() < 0.02
    customer.answer_inquiry(inquiry, "Nothing.", meta(60 + (90 if late else 5)))
    complaint = customer.file_complaint("service", "medium", "Lounge closed", "phone", meta(120))
    if rng.random() >= 0.01:  # one in a hundred is left open: breached, listed however old
        customer.resolve_complaint(complaint, "Apologised", "", meta(240))
    if rng.random() < 0.1:
        lead = customer.create_lead("Cargo lounge", "fair", "", meta(300))
        follow_up = meta(300 + rng.randint(1, 40) * 1440)
        if follow_up.occurred_at < today:
            customer.log_follow_up(lead, "Sent prices", "", follow_up)
    if rng.random() < 0.05:
        due = (start + timedelta(days=rng.randint(1, 20))).date()
        commitment = customer.make_commitment("Send the contract", due, "call", meta(400))
        if rng.random() < 0.8:
            customer.fulfil_commitment(commitment, "Sent", meta(500))
    if rng.random() < 0.4:
        this_month = today.replace(day=1, hour=9, minute=0, second=0, microsecond=0)
        customer.report_visit(
            visit_id=None, purpose="maintenance", kind="relationship_building",
            visitor=customer.owner or ACTOR, companions=[], people_met=[], summary="Coffee",
            outcome="C", expenses=[], problems_handled=[], problems_pending=[], commitments=[],
            meta=Meta(
                occurred_at=this_month + (today - this_month) * rng.random(),
                actor=ACTOR,
                command_id=uuid4().hex,
            ),
        )  # fmt: skip
    return customer


def build(app: Ledger, customers: int, batch: int) -> int:
    """Save `customers` customers in batches; returns the number of events."""
    rng = random.Random(42)
    today = now()
    events = 0
    pending: list[Customer] = []
    for number in range(1, customers + 1):
        customer = build_customer(number, rng, today)
        events += len(customer.pending_events)
        pending.append(customer)
        if len(pending) == batch:
            app.save(*pending)
            pending = []
    if pending:
        app.save(*pending)
    return events


def measure_backend(storage: Storage, customers: int, runs: int, batch: int) -> None:
    app = open_ledger(storage)
    settings = bench_settings()
    # The views `sla breaches` reads: cases and coverage, handovers after departures,
    # and segments' monthly summaries (submitted, and whose heads owe them); and
    # those `pipeline` and `activity` read (with the customers' and who may see them).
    views = Views(
        app,
        storage,
        projections=[
            SlaCases(settings),
            Handovers(),
            SummarySubmissions(),
            Customer360(),
            WorkedOn(),
            StaffDirectoryView(),
            Pipeline(),
            Activity(),
        ],
    )
    try:
        started = time.perf_counter()
        events = build(app, customers, batch)
        built = time.perf_counter() - started
        started = time.perf_counter()
        views.catch_up()
        caught_up = time.perf_counter() - started
        moment = now()
        # What `sla breaches` and `sla at-risk` ask the read service, for one who sees all.
        reads = Reader.for_caller(views, Caller("bench.user", EXECUTIVE, None))
        listed = len(reads.sla_breaches(as_of=moment))
        risky = len(reads.sla_at_risk(as_of=moment))
        with views.store.transaction() as tx:
            row = tx.fetchone("SELECT COUNT(*) FROM view_sla_cases")
        rows = int(row[0]) if row else 0
        month = Period.containing("month", moment.astimezone(settings.timezone).date())
        leads = len(reads.pipeline())

        def count_rows() -> object:
            with views.store.transaction() as tx:
                return tx.fetchone("SELECT COUNT(*) FROM view_sla_cases")

        figures = interleaved_medians(
            {
                "count": count_rows,
                "breaches": lambda: reads.sla_breaches(as_of=moment),
                "at_risk": lambda: reads.sla_at_risk(as_of=moment),
                "command": command(storage),
                "pipeline": reads.pipeline,
                "activity": lambda: reads.activity(month, settings.timezone),
            },
            runs,
        )
    finally:
        views.close()
        app.close()
    report(
        storage.kind, customers, events, rows, listed, risky, leads, built, caught_up, runs, figures
    )


def command(storage: Storage) -> Callable[[], object]:
    """`ledger sla breaches --format json` in this process, its output discarded."""
    return in_process_command(storage, ACTOR, "sla", "breaches", "--format", "json")


def report(
    backend: str,
    customers: int,
    events: int,
    rows: int,
    listed: int,
    risky: int,
    leads: int,
    built: float,
    caught_up: float,
    runs: int,
    figures: dict[str, Timing],
) -> None:
    baseline = figures["count"].wall

    def row(label: str, key: str, target: float | None) -> list[str]:
        value = figures[key].wall
        wanted = "baseline" if key == "count" else "(for information)"
        if target is not None:
            wanted = f"<= {ms(target)} {verdict(value <= target)}"
        return [label, ms(value), ms(figures[key].cpu), f"{value / baseline:.2f}x", wanted]

    print_table(
        f"{backend}: {customers:,} customers, {events:,} events, {rows:,} SLA rows "
        f"(median of {runs} runs, taken in turn)",
        ["", "time", "CPU here", "vs COUNT(*)", "target"],
        [
            row("SELECT COUNT(*) FROM view_sla_cases", "count", None),
            row(f"breaches as of now ({listed:,} listed)", "breaches", TARGET),
            row(f"at risk as of now ({risky:,} listed)", "at_risk", None),
            row("`ledger sla breaches --format json` in process", "command", None),
            row(f"pipeline ({leads:,} open leads)", "pipeline", None),
            row("activity, this month and the last", "activity", None),
        ],
        notes=[
            f"built and saved in {built:.1f} s; the views caught up in {caught_up:.1f} s "
            f"({events / caught_up:,.0f} events/s); CPU here = this process's CPU time, "
            "without the database server's work"
        ],
    )


def main() -> None:
    parser = argument_parser(
        __doc__.split("\n\n")[0] if __doc__ else "",
        f"customers (default {DEFAULT_CUSTOMERS:,})",
    )
    parser.add_argument("--runs", type=int, default=7, help="timed runs per figure (default 7)")
    parser.add_argument(
        "--batch", type=int, default=1000, help="customers saved per batch (default 1000)"
    )
    options = parser.parse_args()
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "sla") as storage:
            measure_backend(
                storage, options.count or DEFAULT_CUSTOMERS, options.runs, options.batch
            )


if __name__ == "__main__":
    main()
