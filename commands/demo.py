"""`ledger demo`: load a realistic, reproducible data set and show what to try next."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from commands.runtime import LedgerContext, pass_ledger, stderr_progress

if TYPE_CHECKING:
    from demo.load import DemoLoad
    from demo.tour import DemoTour


@click.command()
@click.option(
    "--customers",
    type=click.IntRange(1, 100_000),
    default=300,
    show_default=True,
    help="How many customers to load.",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Which stories to tell: the same seed always loads the same data "
    "(default: the demo's fixed seed).",
)
@pass_ledger
def demo(obj: LedgerContext, customers: int, seed: int | None) -> None:
    """Load a year of realistic history for a few hundred customers, then print a tour.

    Three segments (airport, technology, real_estate) and a dozen staff: contacts,
    visits with outcomes and expenses, inquiries, complaints (some late, some still
    open), escalations, opportunities, handovers, a termination and a reactivation.
    Everything was recorded through the ledger's own rules, back-dated over the last
    year. Running it again adds nothing: customers already loaded are skipped.
    """
    from datetime import datetime

    from demo.load import DEFAULT_SEED, load_demo
    from demo.plans import submit_demo_plans
    from demo.staff import ensure_demo_staff
    from demo.timeline import history_end
    from demo.tour import demo_tour

    chosen_seed = DEFAULT_SEED if seed is None else seed
    app = obj.ledger(writing=True)
    timezone = obj.settings.timezone
    # Accounts first: the leaver's departure is then in the log before the
    # handovers of their customers, as it happened.
    ensure_demo_staff(app, history_end(datetime.now(timezone).date(), timezone), obj.actor)
    with _progress_bar(customers) as advance:
        loaded = load_demo(
            app,
            customers=customers,
            seed=chosen_seed,
            today=datetime.now(timezone).date(),
            timezone=timezone,
            progress=advance,
        )
    # Next month's visit plans, once every customer is in (demo/plans.py).
    submit_demo_plans(app, history_end(datetime.now(timezone).date(), timezone))
    # The views are brought up now, by the path any catch-up takes after a bulk load
    # (a rebuild), so that the first command of the tour does not wait for them.
    with _views_progress() as advance_views:
        obj.views().catch_up(progress=advance_views)
    _print_tour(obj, loaded, demo_tour(app, chosen_seed), chosen_seed)


@contextmanager
def _progress_bar(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr, so stdout carries only the tour."""
    from rich.progress import BarColumn, MofNCompleteColumn, TimeElapsedColumn

    progress = stderr_progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with progress:
        task = progress.add_task("Loading demo customers", total=total)
        yield lambda: progress.advance(task)


@contextmanager
def _views_progress() -> Iterator[Callable[[int, int], None]]:
    from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

    progress = stderr_progress(
        TextColumn("Bringing the views up to date"),
        BarColumn(),
        TimeElapsedColumn(),
    )
    with progress:
        task = progress.add_task("views", total=None)
        yield lambda position, head: progress.update(task, completed=position, total=head)


def _print_tour(obj: LedgerContext, loaded: DemoLoad, tour: DemoTour, seed: int) -> None:
    from demo.staff import AUDITOR, EXECUTIVE

    where = f"{obj.storage.location} ({obj.storage.kind})"
    if loaded.added == 0:
        click.echo(
            f"The demo data (seed {seed}, {loaded.requested} customers) is already loaded "
            f"in {where}; nothing was added."
        )
    else:
        skipped = f"; {loaded.present} were there already" if loaded.present else ""
        click.echo(
            f"Loaded the demo into {where}: {loaded.added} customers with "
            f"{loaded.events:,} events in {loaded.seconds:.1f} s (seed {seed}){skipped}."
        )
    click.echo(
        "Three segments (airport, technology, real_estate), each with a head (li.wei, "
        "chen.jing, wang.qiang) and staff (zhang.min, wang.fang, ...); guo.ming is an "
        "executive, he.ping an auditor, it.admin the admin of the accounts. zhao.lei "
        "left the company during the year and their customers were handed over."
    )
    showcase = tour.showcase
    if showcase is None:
        return
    actor = showcase.owner or "li.wei"
    # Each recording example acts as the customer's owner, who may record on it.
    other = tour.another or showcase
    # A --db given on the command line must be given again; one from the environment
    # is still there. The storage location never shows a password.
    needs_db = bool(obj.db) and os.environ.get("LEDGER_DATABASE_URL") != obj.db
    ledger = f"ledger --db {obj.storage.location}" if needs_db else "ledger"
    tries: list[tuple[str, str]] = [
        (
            f"{ledger} history {showcase.code}",
            f"{showcase.name}: handed over when zhao.lei left, a complaint resolved late "
            "after escalation to level 2",
        ),
        (f"{ledger} history {showcase.code} --kind complaint,escalation", "just its complaints"),
        (f"{ledger} customer list --segment {showcase.segment}", "every airport customer"),
    ]
    if tour.reactivated is not None:
        tries.append(
            (
                f"{ledger} history {tour.reactivated.code} --kind relationship,owner",
                f"{tour.reactivated.name}: terminated, then won back with a repair plan",
            )
        )
    if tour.terminated is not None:
        tries.append(
            (
                f"{ledger} customer list --stage terminated",
                "customers lost during the year (the win-back list)",
            )
        )
    tries += [
        (
            f"{ledger} --as {actor} todo",
            f"what {actor} owes now, most urgent first: promises, follow-ups, visits, cases",
        ),
        (
            f"{ledger} pipeline --segment {showcase.segment}",
            "open leads and opportunities: expected close, holder, follow-ups; totals",
        ),
        (
            f"{ledger} activity --period month",
            "what each member of staff did this month, against last month",
        ),
    ]
    tries += [
        (
            f"{ledger} --as {actor} contact log {showcase.code} --channel phone "
            '--direction outbound --summary "Called to confirm next week\'s review meeting"',
            "record something yourself",
        ),
        (
            f"{ledger} --as {other.owner or actor} complaint file {other.code} "
            '--category service --channel phone --description "Baggage belt 3 stopped twice"',
            "file a complaint: the 4-working-hour clock starts now",
        ),
    ]
    click.echo(
        f"\nEvery command runs as a staff account. To look around as the executive:\n"
        f"  export LEDGER_ACTOR={EXECUTIVE}"
    )
    click.echo("\nTry next:")
    for command, why in tries:
        click.echo(f"  {command}\n      {why}")
    click.echo(
        f"\nRecording as {actor} (the owner) works on their own customers; as {AUDITOR} "
        "(the auditor) nothing can be recorded, and `ledger audit reads` shows who "
        "looked at what."
    )
    if needs_db:
        click.echo(
            f"Or, instead of --db on every command: export LEDGER_DATABASE_URL="
            f"{obj.storage.location}"
        )
