"""Rebuilding every projection from 1,000,000 events, against reading and
deserialising the same log in the same run.

The data set is 10,000 customers with about 100 events each, a year of each
relationship: contacts on every channel, inquiries received and answered,
complaints filed, acknowledged, sometimes paused and escalated, then resolved,
visits planned and reported with expenses, pending problems and promises, leads
turned into opportunities that move through stages to a win or a loss,
commitments made and fulfilled, satisfaction scores, relationship assessments
and handovers. It is recorded through the Customer aggregate's own methods with
back-dated times, so every view's handlers do their real work, and saved a few
customers per `save`.

Then, taking turns run by run:

- raw: the notification log read in batches of the size the views read
  (`select_notifications`) and every event deserialised (`mapper.to_domain_event`);
- rebuild: `Views.rebuild()`, which replays the whole log into shadow tables of
  every view (one read of the log feeds every view) and swaps them in for the
  live views in one transaction. The swap's own time is shown beside it: what
  building beside the live views costs over rebuilding them in place (the
  dropping of the old tables and the renames; on SQLite the indexes, which the
  rebuild in place built too).

Target: the rebuild runs at >= 0.5x the raw rate, and 1,000,000 events take at
most 60 s. Each projection is also rebuilt alone, once, so the slowest view shows;
its own cost is its time above the raw read. `--profile` runs one more rebuild
of all projections under cProfile and prints where the time went.

    .venv/bin/python -m benchmarks.bench_rebuild [--backend postgres|sqlite|both]
        [--events N] [--customers C] [--runs R] [--batch-events B] [--profile]
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import os
import pstats
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

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
from ledger.clock import now
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.storage import Storage
from projections.log_pages import BATCH
from projections.parallel import worker_count
from projections.views import Views

DEFAULT_EVENTS = 1_000_000
DEFAULT_CUSTOMERS = 10_000
RATIO_TARGET = 0.5
# Seconds for 1,000,000 events; scaled to the size of the run.
SECONDS_PER_MILLION = 60.0
# On PostgreSQL a save of about 10,000 events or more sometimes never returns
# (the library's pipelined insert waits in `pipeline.sync()`): stay well below.
MAX_SAVE_EVENTS = 4_000
# The most events one episode records (an opportunity through every stage).
MAX_EPISODE_EVENTS = 12

STAFF = ("li.wei", "wang.fang", "chen.jie", "zhao.lei", "liu.yang", "sun.mei")
SEGMENTS = ("airport", "technology", "real_estate")
CHANNELS = ("phone", "email", "meeting", "message", "web", "letter")
CATEGORIES = ("service", "quality", "billing", "delivery", "staff")
SEVERITIES = ("low", "medium", "medium", "high", "critical")
STAGES = ("qualification", "needs_analysis", "proposal", "negotiation", "contracting")
PURPOSES = ("maintenance", "new_project", "influence", "market_research", "collection")
VISIT_KINDS = ("relationship_building", "problem_handling", "relationship_building")
OUTCOMES = ("A", "B", "B", "C", "C", "E", "D")
STATUSES = ("positive", "positive", "neutral", "negative")


# ------------------------------------------------------------------ the data
@dataclass
class Story:
    """Writes one customer's relationship episode by episode, as staff would record
    it: each step through the aggregate's command methods, at back-dated times that
    only move forward, never past `end`."""

    customer: Customer
    rng: random.Random
    clock: datetime
    end: datetime
    # Mean days between one episode's end and the next one's start.
    spacing_days: float
    # How fast time runs inside an episode: 1 is as staff take; less squeezes a
    # very long history into the span.
    tempo: float = 1.0
    actor: str = STAFF[0]
    steps: int = 0
    open_commitments: list[str] = field(default_factory=list)

    def meta(self, minutes: float = 0.0) -> Meta:
        """The next step's metadata, `minutes` after the previous one."""
        self.clock = min(self.clock + timedelta(minutes=minutes * self.tempo), self.end)
        self.steps += 1
        return Meta(
            occurred_at=self.clock,
            actor=self.actor,
            command_id=f"{self.customer.code}-{self.steps}",
        )

    def pause(self) -> None:
        """The quiet time between two episodes."""
        days = self.rng.expovariate(1 / self.spacing_days)
        self.clock = min(self.clock + timedelta(days=days), self.end)

    def people(self) -> list[str]:
        present = [pid for pid, p in self.customer.people.items() if p["present"]]
        return self.rng.sample(present, k=min(len(present), self.rng.choice((1, 1, 2))))

    # -------------------------------------------------------------- episodes
    def introduce_people(self) -> None:
        for name, title, role in (
            ("Zhao Qiang", "Operations director", "decision_maker"),
            ("Wu Lan", "Procurement lead", "advisor"),
            ("He Jun", "Site engineer", "user"),
        ):
            self.customer.add_key_person(
                name=name,
                title=title,
                decision_role=role,
                relationship_status="neutral",
                counterpart=self.actor,
                meta=self.meta(5),
            )

    def contact(self) -> None:
        self.customer.log_contact(
            channel=self.rng.choice(CHANNELS),
            direction=self.rng.choice(("inbound", "outbound")),
            people=self.people(),
            summary="Went through the open orders and next month's forecast.",
            follow_ups=["Send the revised price list"] if self.rng.random() < 0.3 else [],
            meta=self.meta(),
            follow_up_due=date(2026, 6, 30),
        )

    def inquiry(self) -> None:
        case = self.customer.receive_inquiry(
            self.rng.choice(CHANNELS[:3]),
            "Delivery dates",
            "When will the March order ship?",
            self.meta(),
        )
        # Mostly within the 10 business minutes; some late.
        answer_after = self.rng.choice((3, 6, 8, 9, 25, 90))
        self.customer.answer_inquiry(case, "It ships on the 14th.", self.meta(answer_after))

    def complaint(self) -> None:
        c = self.customer
        case = c.file_complaint(
            self.rng.choice(CATEGORIES),
            self.rng.choice(SEVERITIES),
            "Two pallets arrived damaged.",
            self.rng.choice(CHANNELS[:3]),
            self.meta(),
        )
        c.acknowledge_complaint(case, "Passed to logistics.", self.meta(self.rng.uniform(5, 60)))
        if self.rng.random() < 0.3:
            c.pause_complaint(case, "Waiting for photos from the customer.", self.meta(30))
            c.resume_complaint(case, "Photos received.", self.meta(self.rng.uniform(60, 1500)))
        if self.rng.random() < 0.15:
            escalation = c.raise_escalation(
                case, 1, "supervisor", "Customer unhappy.", self.meta(20)
            )
            c.resolve_escalation(escalation, "Supervisor called back.", self.meta(60))
        c.resolve_complaint(
            case,
            "Replaced both pallets.",
            "Loose strapping.",
            self.meta(self.rng.uniform(30, 600)),
        )

    def visit(self) -> None:
        c = self.customer
        purpose = self.rng.choice(PURPOSES)
        kind = self.rng.choice(VISIT_KINDS)
        people = self.people()
        visit = c.plan_visit(
            planned_for=self.clock + timedelta(days=3),
            purpose=purpose,
            kind=kind,
            visitor=self.actor,
            companions=[],
            people=people,
            agenda="Quarterly review at the warehouse.",
            meta=self.meta(),
        )
        promise = self.rng.random() < 0.3
        due = (self.clock + timedelta(days=14)).date().isoformat()
        promised = c.next_id("commitment")
        c.report_visit(
            visit_id=visit,
            purpose=purpose,
            kind=kind,
            visitor=self.actor,
            companions=[STAFF[1]] if self.rng.random() < 0.3 else [],
            people_met=people,
            summary="Walked the loading docks; agreed on the spring schedule.",
            outcome=self.rng.choice(OUTCOMES),
            expenses=[
                {"item": "Taxi", "amount": "86.00", "currency": "CNY"},
                {"item": "Lunch", "amount": "240.50", "currency": "CNY"},
            ],
            problems_handled=["Dock scheduling"],
            problems_pending=["Forklift certification"] if self.rng.random() < 0.3 else [],
            commitments=[{"description": "Send the dock plan", "due": due}] if promise else [],
            meta=self.meta(3 * 24 * 60),
        )
        if promise:
            self.open_commitments.append(promised)

    def opportunity(self) -> None:
        c = self.customer
        lead = c.create_lead("Cold-chain extension", "visit", "Raised during a visit.", self.meta())
        c.open_opportunity(
            lead_id=lead,
            title="Cold-chain extension",
            stage=STAGES[0],
            value="120000",
            currency="CNY",
            meta=self.meta(2 * 24 * 60),
        )
        for stage in STAGES[1 : self.rng.randint(2, len(STAGES))]:
            c.change_opportunity_stage(lead, stage, "Moved on.", self.meta(7 * 24 * 60))
            c.log_follow_up(lead, "Sent the proposal.", "Call next week", self.meta(60))
        if self.rng.random() < 0.5:
            c.win_opportunity(lead, "118000", "Signed.", self.meta(5 * 24 * 60))
        else:
            c.lose_opportunity(lead, "Price.", self.meta(5 * 24 * 60))

    def commitment(self) -> None:
        due = (self.clock + timedelta(days=10)).date()
        case = self.customer.make_commitment("Send the updated SLA terms", due, "call", self.meta())
        self.open_commitments.append(case)

    def fulfil(self) -> None:
        if not self.open_commitments:
            self.contact()
            return
        case = self.open_commitments.pop(0)
        self.customer.fulfil_commitment(case, "Sent.", self.meta())

    def satisfaction(self) -> None:
        score = self.rng.choice((5, 4, 4, 4, 3, 3, 2))
        source = self.rng.choice(("survey", "spot_check"))
        self.customer.record_satisfaction(score, source, "Asked after the delivery.", self.meta())

    def assessment(self) -> None:
        people = [pid for pid, p in self.customer.people.items() if p["present"]]
        status = self.rng.choice(STATUSES)
        person = self.rng.choice(people)
        self.customer.assess_relationship(person, status, "After the review.", self.meta())

    def handover(self) -> None:
        owner = self.rng.choice([s for s in STAFF if s != self.customer.owner])
        self.customer.assign_owner(owner, "rebalancing", self.meta())
        self.actor = owner

    def next_episode(self) -> None:
        self.pause()
        episode = self.rng.choices(EPISODES, weights=WEIGHTS)[0]
        episode(self)


EPISODES: tuple[Callable[[Story], None], ...] = (
    Story.contact,
    Story.inquiry,
    Story.complaint,
    Story.visit,
    Story.opportunity,
    Story.commitment,
    Story.fulfil,
    Story.satisfaction,
    Story.assessment,
    Story.handover,
)
WEIGHTS = (40, 12, 6, 7, 2, 3, 4, 8, 3, 1)


# Measured on these stories: events an episode records, and days it lasts, on average.
EVENTS_PER_EPISODE = 1.6
DAYS_PER_EPISODE = 0.8


def pace(events: int, span: timedelta) -> tuple[float, float]:
    """(spacing_days, tempo) that fit about `events` events into `span`, with a
    margin, so that few stories run into the end of the span."""
    budget = 0.9 * (span.total_seconds() / 86400) / (events / EVENTS_PER_EPISODE)
    if budget >= 2 * DAYS_PER_EPISODE:
        return budget - DAYS_PER_EPISODE, 1.0
    return budget / 2, budget / (2 * DAYS_PER_EPISODE)


def begin_story(number: int, events: int, first: datetime, end: datetime) -> Story:
    """Customer number `number`, registered at `first` with its key people, in memory;
    its story is told to about `events` events by `end`."""
    owner = STAFF[number % len(STAFF)]
    customer = Customer.register(
        customer_id=uuid4(),
        code=f"C-{number:05d}",
        name=f"Benchmark Trading {number}",
        kind="organisation",
        industry="logistics",
        segment=SEGMENTS[number % len(SEGMENTS)],
        headquarters="Shanghai",
        tier="strategic" if number % 10 == 0 else "general",
        vip=number % 50 == 0,
        stage="growth",
        owner=owner,
        external_refs={},
        meta=Meta(occurred_at=first, actor=owner, command_id=f"C-{number:05d}-0"),
    )
    spacing, tempo = pace(events, end - first)
    story = Story(customer, random.Random(number), first, end, spacing, tempo, owner)
    story.introduce_people()
    return story


class Saver:
    """Saves customers' pending events a few thousand at a time."""

    def __init__(self, app: Ledger, batch_events: int) -> None:
        self.app = app
        self.batch_events = batch_events
        self.waiting: dict[UUID, Customer] = {}
        self.counted: dict[UUID, int] = {}
        self.pending = 0
        self.saved = 0

    def add(self, customer: Customer) -> None:
        """Note a customer's new events; save first if the next episode could
        make the save too large."""
        waiting = len(customer.pending_events)
        self.pending += waiting - self.counted.get(customer.id, 0)
        self.waiting[customer.id] = customer
        self.counted[customer.id] = waiting
        if self.pending + MAX_EPISODE_EVENTS > self.batch_events:
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            self.app.save(*self.waiting.values())
            self.saved += self.pending
            self.waiting, self.counted, self.pending = {}, {}, 0
            if sys.stdout.isatty():
                print(f"\r  built {self.saved:,} events", end="", flush=True)


def build(
    app: Ledger, customers: int, per_customer: int, batch_events: int, *, grouped: bool
) -> int:
    """Record `customers` customers of about `per_customer` events each over the last
    year, a save holding at most `batch_events` events; returns the events saved.

    The log interleaves the customers as a real one does (an episode of each in turn,
    so their times move forward together), unless `grouped`: then each customer's
    whole story is contiguous, as after a bulk import."""
    end = now() - timedelta(hours=1)
    first = end - timedelta(days=365)
    saver = Saver(app, batch_events)
    if grouped:
        for number in range(1, customers + 1):
            story = begin_story(number, per_customer, first, end)
            saver.add(story.customer)
            while story.customer.version < per_customer:
                story.next_episode()
                saver.add(story.customer)
    else:
        stories = [begin_story(n, per_customer, first, end) for n in range(1, customers + 1)]
        for story in stories:
            saver.add(story.customer)
        while stories:
            for story in stories:
                story.next_episode()
                saver.add(story.customer)
            stories = [s for s in stories if s.customer.version < per_customer]
    saver.flush()
    if sys.stdout.isatty():
        print()
    return saver.saved


# --------------------------------------------------------------- measuring
def read_and_deserialise(app: Ledger) -> int:
    """The baseline: the whole log, in the batches the views read, every event
    deserialised."""
    head = app.recorder.max_notification_id() or 0
    count, start = 0, 1
    while start <= head:
        notifications = app.recorder.select_notifications(start, BATCH, stop=head)
        if not notifications:
            break
        for notification in notifications:
            app.mapper.to_domain_event(notification)
        count += len(notifications)
        start = notifications[-1].id + 1
    return count


@dataclass(frozen=True)
class Run:
    """Wall-clock and this process's CPU seconds of one timed action, and its count."""

    wall: float
    cpu: float
    count: int


def cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def timed(action: Callable[[], int]) -> Run:
    started, cpu_started = time.perf_counter(), cpu_seconds()
    count = action()
    return Run(time.perf_counter() - started, cpu_seconds() - cpu_started, count)


class SwapClock:
    """Seconds each rebuild spent in its swap (`Views._swap`)."""

    def __init__(self, views: Views) -> None:
        self.seconds: list[float] = []
        swap = views._swap

        def timed_swap(*args: Any) -> None:
            started = time.perf_counter()
            swap(*args)
            self.seconds.append(time.perf_counter() - started)

        views._swap = timed_swap  # type: ignore[method-assign,assignment]


def rebuild(views: Views, names: list[str] | None = None, workers: int | None = None) -> int:
    events, _ = views.rebuild(names, workers=workers)
    return events


def check_rebuilt(views: Views, customers: int) -> None:
    with views.store.transaction() as tx:
        row = tx.fetchone("SELECT COUNT(*) FROM view_customer360")
    assert row is not None and int(row[0]) == customers, (row, customers)


def profile(views: Views, top: int) -> None:
    """One more rebuild of every view under cProfile: the functions that took the
    most time of their own, and those that took the most in total."""
    profiler = cProfile.Profile()
    profiler.enable()
    views.rebuild()
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"cProfile of one rebuild of all projections, by {order}:")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
        print()


def measure_backend(
    storage: Storage,
    customers: int,
    per_customer: int,
    runs: int,
    batch_events: int,
    show_profile: bool,
    grouped: bool,
    workers: int | None,
) -> None:
    # Snapshots are another table, which neither side reads: not taking them keeps
    # the build short.
    app = open_ledger(storage, IS_SNAPSHOTTING_ENABLED="n")
    views = Views(app, storage)
    try:
        started = time.perf_counter()
        built_events = build(app, customers, per_customer, batch_events, grouped=grouped)
        built = time.perf_counter() - started
        # Warm-up: the first reads after a bulk write fill caches (and set hint bits).
        read_and_deserialise(app)
        views.status()  # creates the views' tables
        clock = SwapClock(views)
        swaps: list[float] = []
        raw: list[Run] = []
        everything: list[Run] = []
        serial: list[Run] = []
        for _ in range(runs):
            raw.append(timed(lambda: read_and_deserialise(app)))
            everything.append(timed(lambda: rebuild(views, workers=workers)))
            swaps.append(clock.seconds[-1])
            check_rebuilt(views, customers)
            serial.append(timed(lambda: rebuild(views, workers=1)))
        check_rebuilt(views, customers)
        alone: dict[str, Run] = {}
        for name in views.names():
            alone[name] = timed(partial(rebuild, views, [name], workers))
        if show_profile:
            profile(views, top=35)
        split = worker_count(workers, app.recorder.max_notification_id() or 0)
    finally:
        views.close()
        app.close()
    order = "each customer's events together" if grouped else "customers interleaved"
    report(
        storage.kind, customers, order, built_events, built, runs, raw, everything, alone,
        serial, split, statistics.median(swaps),
    )  # fmt: skip


def median_run(runs: list[Run]) -> Run:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    return Run(wall, cpu, runs[0].count)


def report(
    backend: str,
    customers: int,
    order: str,
    built_events: int,
    built: float,
    runs: int,
    raw_runs: list[Run],
    rebuild_runs: list[Run],
    alone: dict[str, Run],
    serial_runs: list[Run],
    workers: int,
    swap: float,
) -> None:
    raw, everything = median_run(raw_runs), median_run(rebuild_runs)
    serial = median_run(serial_runs)
    raw_rate = raw.count / raw.wall
    rate = everything.count / everything.wall
    ratio = rate / raw_rate
    allowed = SECONDS_PER_MILLION * everything.count / 1_000_000

    def cells(label: str, run: Run, target: str) -> list[str]:
        run_rate = run.count / run.wall
        return [
            label,
            f"{run.wall:.2f} s",
            f"{run.cpu:.2f} s",
            f"{run_rate:,.0f}",
            f"{run_rate / raw_rate:.2f}x",
            target,
        ]

    print_table(
        f"{backend}: {everything.count:,} events of {customers:,} customers, {order} "
        f"(median of {runs} runs, taken in turn)",
        ["", "time", "CPU here", "events/s", "vs raw", "target"],
        [
            cells("raw read + deserialise", raw, "baseline"),
            cells(
                f"Views.rebuild() of all projections, {workers} worker process(es)",
                everything,
                f">= {RATIO_TARGET}x {verdict(ratio >= RATIO_TARGET)}; "
                f"<= {allowed:.0f} s {verdict(everything.wall <= allowed)}",
            ),
            cells("the same in this process alone (workers=1)", serial, "(information)"),
        ],
        notes=[
            f"built and saved {built_events:,} events in {built:.1f} s; "
            "CPU here = CPU time of this process and its worker processes, without the "
            "database server's work",
            f"of the rebuild of all projections, the swap of the shadow tables into "
            f"place took {swap:.2f} s ({swap / everything.wall:.1%}; median)",
        ],
    )
    slowest = max(alone, key=lambda name: alone[name].wall)
    print_table(
        f"{backend}: each projection rebuilt alone (one run each)",
        ["projection", "time", "CPU here", "events/s", "vs raw", "above raw read"],
        [
            [
                name + (" (slowest)" if name == slowest else ""),
                f"{run.wall:.2f} s",
                f"{run.cpu:.2f} s",
                f"{run.count / run.wall:,.0f}",
                f"{(run.count / run.wall) / raw_rate:.2f}x",
                f"{run.wall - raw.wall:+.2f} s",
            ]
            for name, run in alone.items()
        ],
        notes=[
            "above raw read = the projection's own cost: its time minus the raw read's "
            f"({raw.wall:.2f} s); the costs add up to about what all projections take "
            f"together above the raw read ({everything.wall - raw.wall:+.2f} s)"
        ],
    )


def clean_environment() -> None:
    """The developer's own configuration (time zone, holidays, database) must not
    change the figures: every view runs on the default settings."""
    for key in list(os.environ):
        if key.startswith("LEDGER_") and key != "LEDGER_BENCH_DATABASE_URL":
            del os.environ[key]
    home = tempfile.mkdtemp(prefix="ledger-bench-home-")
    # Removed at exit: a run of every benchmark that calls this left one behind.
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    os.environ["LEDGER_HOME"] = home


def data_shape(events: float, customers: int | None) -> tuple[int, int]:
    """Customers and events per customer for a log of about `events`: as many
    customers as asked, else one per 100 events up to `DEFAULT_CUSTOMERS`."""
    total = max(1, int(events))
    chosen = max(1, customers or min(DEFAULT_CUSTOMERS, max(1, total // 100)))
    return chosen, max(10, total // chosen)


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
        help=f"events in the log, about (default {DEFAULT_EVENTS:,}; 1e6 works)",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help=f"customers they are spread over (default: events / 100, at most "
        f"{DEFAULT_CUSTOMERS:,})",
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (default 3)")
    parser.add_argument(
        "--batch-events",
        type=int,
        default=3_000,
        help=f"events per `save` while building (default 3,000; keep under {MAX_SAVE_EVENTS:,})",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile one rebuild of all projections"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes of the rebuild (default: the ledger's own choice, one "
        "per core for 100,000 events or more)",
    )
    parser.add_argument(
        "--grouped",
        action="store_true",
        help="store each customer's events together, as after a bulk import (default: "
        "interleaved, as a live ledger records them)",
    )
    options = parser.parse_args()
    customers, per_customer = data_shape(options.events, options.customers)
    batch_events = min(max(1, options.batch_events), MAX_SAVE_EVENTS)
    clean_environment()
    print_machine()
    for backend in usable_backends(options.backend):
        with fresh_storage(backend, "rebuild") as storage:
            measure_backend(
                storage,
                customers,
                per_customer,
                max(1, options.runs),
                batch_events,
                options.profile,
                options.grouped,
                options.workers,
            )


if __name__ == "__main__":
    main()
