"""What the benchmarks share: the databases they run on, timing, and the printed table.

Every figure is compared with a baseline measured in the same run on the same
machine, so the ratios mean something even where the absolute times do not.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from ledger.application import Ledger
from ledger.clock import now
from ledger.commands import AddKeyPerson, RegisterCustomer
from ledger.config import Settings, load_settings
from ledger.domain.customer import Customer
from ledger.domain.directory import CustomerKey, CustomerNumbering, code_key, name_key
from ledger.storage import Storage, resolve
from ledger.vocabulary import DecisionRole

BACKENDS = ("sqlite", "postgres")
POSTGRES_URL = os.environ.get(
    "LEDGER_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
ACTOR = "bench.user"


def argument_parser(description: str, count_help: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: which backends, and how much work."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--backend",
        choices=(*BACKENDS, "both"),
        default="both",
        help="database to measure on (default: both)",
    )
    parser.add_argument("--count", type=int, default=None, help=count_help)
    return parser


def chosen_backends(choice: str) -> list[str]:
    return list(BACKENDS) if choice == "both" else [choice]


def postgres_problem() -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.OperationalError as error:
        return f"PostgreSQL at {POSTGRES_URL} is not reachable: {str(error).strip()}"


def usable_backends(choice: str) -> list[str]:
    """The chosen backends that can run here; an unreachable server is said, not fatal."""
    backends = chosen_backends(choice)
    if "postgres" in backends:
        problem = postgres_problem()
        if problem is not None:
            print(f"skipping postgres: {problem}\n")
            backends.remove("postgres")
    return backends


@contextmanager
def fresh_storage(backend: str, label: str) -> Iterator[Storage]:
    """An empty database, removed afterwards: a SQLite file in a temporary folder,
    or a new PostgreSQL schema that is dropped."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"ledger-bench-{label}-") as folder:
            yield resolve(str(Path(folder) / "ledger.sqlite3"), environ={})
        return
    import psycopg

    schema = f"ledger_bench_{label}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield resolve(f"{POSTGRES_URL}{separator}schema={schema}", environ={})
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def bench_settings() -> Settings:
    """Default settings: the developer's own config file must not change the figures."""
    return load_settings(environ={"LEDGER_HOME": tempfile.gettempdir()})


def open_ledger(storage: Storage, **env: str) -> Ledger:
    """A ledger on `storage` where ACTOR is an executive account (who may record
    anything), as every command needs an active account."""
    from ledger.commands import AddStaff

    app = Ledger(env={**storage.env, **env}, settings=bench_settings())
    if not app.directory_founded():
        app.add_staff(
            AddStaff(actor="bench.admin", staff="bench.admin", name="Admin", role="admin")
        )
        app.add_staff(AddStaff(actor="bench.admin", staff=ACTOR, name="Bench", role="executive"))
    return app


def register_customer(app: Ledger, name: str = "Benchmark Trading Ltd") -> str:
    """A customer with one key person (P1), as most customers have; returns its code.
    Registered (and P1 added) some 400 days ago, so that a benchmark may record a
    history in the past: nothing is dated before a customer's registration."""
    registered = now() - timedelta(days=400)
    receipt = app.register_customer(
        RegisterCustomer(
            actor=ACTOR,
            name=name,
            segment="enterprise",
            industry="logistics",
            occurred_at=registered,
        )
    )
    app.add_key_person(
        AddKeyPerson(
            occurred_at=registered,
            actor=ACTOR,
            customer=receipt.customer_code,
            name="Zhang Min",
            title="Purchasing manager",
            decision_role=DecisionRole.DECISION_MAKER,
        )
    )
    return receipt.customer_code


@dataclass(frozen=True)
class Timing:
    """Median wall-clock and CPU seconds of one measured action."""

    wall: float
    cpu: float


def interleaved_medians(
    actions: dict[str, Callable[[], object]], runs: int, warmup: int = 1
) -> dict[str, Timing]:
    """Time each action `runs` times, taking the actions in turn within every run so
    that a busy moment of the machine falls on all of them alike."""
    # The first reads after a bulk write pay for caches being filled (and, on
    # PostgreSQL, for hint bits being set): that is not what a reader normally sees.
    for action in actions.values():
        for _ in range(warmup):
            action()
    walls: dict[str, list[float]] = {name: [] for name in actions}
    cpus: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            action()
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(time.process_time() - cpu_started)
    return {
        name: Timing(statistics.median(walls[name]), statistics.median(cpus[name]))
        for name in actions
    }


def print_machine() -> None:
    """What the figures were measured on: other work on the machine shows in them."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {load}\n"
    )


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_table(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    notes: Sequence[str] = (),
) -> None:
    """A plain-text table: the first column left-aligned, figures right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        parts = [first.ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    print(title)
    print(line(headers))
    print(line(["-" * width for width in widths]))
    for row in rows:
        print(line(row))
    for note in notes:
        print(note)
    print()


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


def save_with_directory(
    app: Ledger, group: Sequence[Customer], numbering: CustomerNumbering
) -> int:
    """Save generated customers with their directory rows (a number each, code and
    name keys) in one `save`, as registration does; returns the events saved."""
    keys = []
    for customer in group:
        numbering.issue(customer.id)
        keys.append(CustomerKey.claim(code_key(customer.code), customer.id))
        keys.append(CustomerKey.claim(name_key(customer.name), customer.id))
    app.save(*group, numbering, *keys)
    return sum(c.version for c in group)


def in_process_command(storage: Storage, actor: str, *args: str) -> Callable[[], object]:
    """A `ledger` command as a call in this process (`ledger --db ... --as actor
    args...`), with default settings (no developer's configuration), failing
    loudly if the command does."""
    from click.testing import CliRunner

    from cli import ledger

    runner = CliRunner(env={"LEDGER_HOME": tempfile.gettempdir()})
    arguments = ["--db", storage.location, "--as", actor, *args]

    def run() -> object:
        result = runner.invoke(ledger, arguments)
        assert result.exit_code == 0, result.output
        return result

    return run
