"""The scale curve: commands as a user runs them (a new process each), on ledgers
of 300, 3,000, 10,000 and 100,000 customers, on both backends.

Timed, each as `ledger --db URL --as ACTOR ...` in a new process, stdout to a
pipe (no terminal: no wrapping), median of `--runs` runs taken in turn:

- `customer show C-xxxxx` (one customer, as an executive)
- `todo` as one account manager (each holds about 150 customers at any size)
- `sla breaches` and `churn list` as an executive (the default table of 50
  rows), and the same with `--all` as a table and as CSV (every row: the long
  lists of issue 19, item 2)
- `report monthly --month <last month>` as an executive
- `contact log C-xxxxx ...`, a write

It prints each command's time at each size, the lines it printed, and the
growth per 10x customers ((t_b / t_a) ** (1 / log10(b / a)) between the
smallest and the largest size). Targets: the one-customer commands (show and
the write) stay flat, at most 1.2x from the smallest size to the largest; a
list grows no faster than what it prints (its growth per 10x at most the
growth of its printed lines, plus 0.2); a 30,000-row table within 2x its CSV
(here, `--all` at the largest size, for information: bench_render holds that
target).

Building a ledger of 100,000 customers by the demo would take hours, so the
ledgers here are generated: customers recorded on aggregates in memory
(registration, contacts, an inquiry, a complaint, a satisfaction score, with
dates over the last 200 days, some cases left open and some customers silent),
saved through the library's `save()` with their directory rows, a batch of
customers at a time; then the views are caught up once. Generated ledgers are
kept between runs (SQLite files under the temporary folder, PostgreSQL schemas
`ledger_bench_scale_*`); `--fresh` builds them again, `--drop` removes them.

    .venv/bin/python -m benchmarks.bench_scale [--backend sqlite|postgres|both]
        [--sizes 300,3000,10000,100000] [--runs R] [--fresh] [--drop]
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from uuid import uuid4

from benchmarks.common import (
    ACTOR,
    BACKENDS,
    POSTGRES_URL,
    open_ledger,
    print_machine,
    print_table,
    save_with_directory,
    usable_backends,
    verdict,
)
from ledger.application import Ledger
from ledger.clock import now
from ledger.commands import AddStaff
from ledger.domain.base import Meta
from ledger.domain.customer import Customer
from ledger.domain.directory import CustomerNumbering
from ledger.storage import Storage, resolve

SIZES = (300, 3_000, 10_000, 100_000)
PER_OWNER = 150  # customers per account manager, at every size
SAVE_BATCH = 25  # customers per save (about 300 events)
GENERATOR = 1  # raise when the generated data changes: cached ledgers are rebuilt
CACHE = Path(tempfile.gettempdir()) / "ledger-bench-scale"
FLAT = 1.2
SLACK = 0.2
SEGMENT = "enterprise"


def owner_name(number: int) -> str:
    return f"am.{number:04d}"


def owners_for(customers: int) -> int:
    return max(2, customers // PER_OWNER)


# ------------------------------------------------------------------ generating
def generate_customer(number: int, owners: int) -> Customer:
    """About a dozen events over the last 200 days: contacts, an inquiry and a
    complaint (every 4th inquiry and 5th complaint left open: breaches), a
    satisfaction score; every 7th customer silent for the last 120 days (churn)."""
    base = now() - timedelta(days=200) + timedelta(minutes=number % 1440)
    step = [0]

    def meta(days: float) -> Meta:
        step[0] += 1
        return Meta(
            occurred_at=base + timedelta(days=days), actor=ACTOR, command_id=f"s{number}-{step[0]}"
        )

    customer = Customer.register(
        customer_id=uuid4(),
        code=f"C-{number:05d}",
        name=f"Scale Trading {number}",
        kind="organisation",
        industry="logistics",
        segment=SEGMENT,
        headquarters="Shanghai",
        tier="general",
        vip=number % 50 == 0,
        stage="growth",
        owner=owner_name(1 + number % owners),
        external_refs={},
        meta=meta(0),
    )
    silent = number % 7 == 0
    last_day = 80 if silent else 195
    for day in range(10, last_day, (last_day - 10) // 6):
        customer.log_contact(
            channel="phone",
            direction="outbound",
            people=[],
            summary="Weekly call about open orders and forecasts.",
            follow_ups=[],
            meta=meta(day),
        )
    inquiry = customer.receive_inquiry(
        "email", "Delivery dates", "When will the March order ship?", meta(60)
    )
    if number % 4:
        customer.answer_inquiry(inquiry, "It ships on the 14th.", meta(61))
    complaint = customer.file_complaint(
        "delivery", "medium", "Two pallets arrived damaged.", "phone", meta(70)
    )
    customer.acknowledge_complaint(complaint, "Passed to logistics.", meta(71))
    if number % 5:
        customer.resolve_complaint(complaint, "Replaced both pallets.", "Loose strap.", meta(75))
    customer.record_satisfaction(3 + number % 3, "survey", "", meta(76))
    return customer


def generate(app: Ledger, customers: int) -> int:
    """Staff accounts, then the customers with their directory rows; returns events."""
    owners = owners_for(customers)
    for number in range(1, owners + 1):
        app.add_staff(
            AddStaff(
                actor="bench.admin",
                staff=owner_name(number),
                name=f"Account Manager {number}",
                role="staff",
                segment=SEGMENT,
            )
        )
    numbering = CustomerNumbering.start()
    events = 0
    for first in range(1, customers + 1, SAVE_BATCH):
        group = [
            generate_customer(n, owners)
            for n in range(first, min(first + SAVE_BATCH, customers + 1))
        ]
        events += save_with_directory(app, group, numbering)
        if sys.stdout.isatty():
            print(f"\r  {customers:,} customers: built {events:,} events", end="", flush=True)
    if sys.stdout.isatty():
        print()
    return events


# ------------------------------------------------------------------- the cache
@dataclass(frozen=True)
class Cached:
    backend: str
    customers: int
    folder: Path = CACHE

    @property
    def label(self) -> str:
        return f"{self.backend}_{self.customers}_v{GENERATOR}"

    @property
    def marker(self) -> Path:
        return self.folder / f"{self.label}.ready"

    @property
    def location(self) -> str:
        if self.backend == "sqlite":
            return str(self.folder / f"{self.label}.sqlite3")
        separator = "&" if "?" in POSTGRES_URL else "?"
        return f"{POSTGRES_URL}{separator}schema=ledger_bench_scale_{self.label}"

    def drop(self) -> None:
        self.marker.unlink(missing_ok=True)
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(self.location + suffix).unlink(missing_ok=True)
            return
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "ledger_bench_scale_{self.label}" CASCADE')

    def ensure(self, fresh: bool) -> str:
        """The ledger's location, generated and caught up unless kept from a run before."""
        if self.marker.exists() and not fresh:
            return self.location
        self.drop()
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "ledger_bench_scale_{self.label}"')
        storage = resolve(self.location, environ={})
        started = time.perf_counter()
        app = open_ledger(storage)
        try:
            events = generate(app, self.customers)
            built = time.perf_counter() - started
            started = time.perf_counter()
            catch_up(app, storage)
        finally:
            app.close()
        print(
            f"{self.backend}, {self.customers:,} customers: generated {events:,} events in "
            f"{built:.1f} s, views caught up in {time.perf_counter() - started:.1f} s"
        )
        self.marker.write_text(self.location, encoding="utf-8")
        return self.location


def catch_up(app: Ledger, storage: Storage) -> None:
    from projections.views import Views

    views = Views(app, storage)
    try:
        views.catch_up()
    finally:
        views.close()


# ---------------------------------------------------------------- the commands
@dataclass(frozen=True)
class Command:
    label: str
    argv: tuple[str, ...]  # after `ledger --db URL --as ACTOR`
    actor: str = ACTOR
    one_customer: bool = False
    baseline: str = ""  # the CSV twin of a table of every row


WRITE = (
    *("contact", "log", "--channel", "phone", "--direction", "outbound"),
    *("--summary", "Scale benchmark call"),
)


def commands(customers: int) -> list[Command]:
    middle = f"C-{max(1, customers // 2):05d}"
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    owner = owner_name(1)
    return [
        Command("customer show", ("customer", "show", middle), one_customer=True),
        Command("contact log (write)", (*WRITE[:2], middle, *WRITE[2:]), one_customer=True),
        Command("todo (one account manager)", ("todo",), actor=owner),
        Command("sla breaches", ("sla", "breaches")),
        Command("churn list", ("churn", "list")),
        Command("report monthly", ("report", "monthly", "--month", month)),
        Command("sla breaches --all", ("sla", "breaches", "--all"), baseline="sla csv"),
        Command("sla csv", ("--format", "csv", "sla", "breaches", "--all")),
        Command("churn list --all", ("churn", "list", "--all"), baseline="churn csv"),
        Command("churn csv", ("--format", "csv", "churn", "list", "--all")),
    ]


def ledger_argv() -> list[str]:
    script = Path(sys.executable).parent / "ledger"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cli import main; main()"]


@dataclass
class Figure:
    seconds: float  # wall clock
    cpu: float  # the process's own CPU (user + system): steadier on a shared machine
    lines: int


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_commands(location: str, customers: int, runs: int) -> dict[str, Figure]:
    """Each command `runs` times, the commands taking turns; median seconds."""
    environ = {**os.environ, "LEDGER_HOME": tempfile.gettempdir()}
    environ.pop("LEDGER_DATABASE_URL", None)
    chosen = commands(customers)
    times: dict[str, list[float]] = {c.label: [] for c in chosen}
    cpus: dict[str, list[float]] = {c.label: [] for c in chosen}
    lines: dict[str, int] = {}
    for _ in range(runs):
        for command in chosen:
            argv = [*ledger_argv(), "--db", location, "--as", command.actor, *command.argv]
            started, cpu = time.perf_counter(), children_cpu()
            done = subprocess.run(argv, env=environ, capture_output=True, check=False)
            times[command.label].append(time.perf_counter() - started)
            cpus[command.label].append(children_cpu() - cpu)
            if done.returncode != 0:
                raise SystemExit(
                    f"{' '.join(argv[1:])} failed ({done.returncode}): "
                    + done.stderr.decode(errors="replace").strip()[-500:]
                )
            lines[command.label] = done.stdout.count(b"\n")
    return {
        label: Figure(statistics.median(t), statistics.median(cpus[label]), lines[label])
        for label, t in times.items()
    }


# ------------------------------------------------------------------- reporting
def growth(first: float, last: float, sizes: tuple[int, int]) -> float:
    """The factor per 10x customers between two sizes."""
    decades = math.log10(sizes[1] / sizes[0])
    return (last / first) ** (1 / decades) if first > 0 and decades > 0 else 1.0


def report(backend: str, sizes: Sequence[int], figures: dict[int, dict[str, Figure]]) -> None:
    first, last = sizes[0], sizes[-1]
    rows = []
    for command in commands(last):
        label = command.label
        cells = [
            f"{figures[n][label].cpu * 1000:,.0f} ({figures[n][label].seconds * 1000:,.0f})"
            for n in sizes
        ]
        printed = [figures[n][label].lines for n in sizes]
        per_10x = growth(figures[first][label].cpu, figures[last][label].cpu, (first, last))
        lines_10x = growth(max(1, printed[0]), max(1, printed[-1]), (first, last))
        if command.one_customer:
            ratio = figures[last][label].cpu / figures[first][label].cpu
            target = f"{ratio:.2f}x <= {FLAT}x {verdict(ratio <= FLAT)}"
        elif command.baseline:
            ratio = figures[last][label].cpu / figures[last][command.baseline].cpu
            target = f"{ratio:.2f}x its CSV (information)"
        elif label.endswith("csv"):
            target = "(baseline)"
        else:
            target = (
                f"<= {lines_10x + SLACK:.2f} {verdict(per_10x <= lines_10x + SLACK)}"
                if len(sizes) > 1
                else ""
            )
        rows.append(
            [
                label,
                *cells,
                " / ".join(f"{p:,}" for p in printed),
                f"{per_10x:.2f}x",
                target,
            ]
        )
    print_table(
        f"{backend}: each command as a new process, by customers: median CPU ms of the "
        "process (wall ms)",
        ["command", *(f"{n:,}" for n in sizes), "lines printed", "per 10x", "target"],
        rows,
        notes=[
            "Targets are judged on the process's CPU time (user + system), steadier than the "
            "wall time on a shared machine; on PostgreSQL the server's work is not in it.",
            f"per 10x: growth per tenfold customers from {first:,} to {last:,}; "
            f"one-customer commands: time at {last:,} over time at {first:,}; "
            "lists: at most their printed lines' growth per 10x, plus "
            f"{SLACK}",
        ],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=(*BACKENDS, "both"), default="both")
    parser.add_argument(
        "--sizes",
        default=",".join(str(n) for n in SIZES),
        help="customers per ledger, comma-separated (default 300,3000,10000,100000; "
        "a quick run: 300,3000)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per command (default 3)")
    parser.add_argument("--fresh", action="store_true", help="generate the ledgers again")
    parser.add_argument("--drop", action="store_true", help="remove the kept ledgers and stop")
    parser.add_argument(
        "--cache",
        type=Path,
        default=CACHE,
        help=f"folder of the kept SQLite ledgers and markers (default {CACHE})",
    )
    options = parser.parse_args()
    try:
        sizes = sorted({int(n.replace("_", "")) for n in options.sizes.split(",") if n.strip()})
    except ValueError:
        parser.error("--sizes takes numbers of customers, e.g. 300,3000")
    if not sizes or min(sizes) < 2:
        parser.error("--sizes takes numbers of customers of at least 2, e.g. 300,3000")
    print_machine()
    for backend in usable_backends(options.backend):
        if options.drop:
            for n in sizes:
                Cached(backend, n, options.cache).drop()
            continue
        figures = {}
        for n in sizes:
            location = Cached(backend, n, options.cache).ensure(options.fresh)
            figures[n] = run_commands(location, n, options.runs)
        report(backend, sizes, figures)


if __name__ == "__main__":
    main()
