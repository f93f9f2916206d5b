"""`ledger projections status|rebuild|run`: the read models and their positions."""

from __future__ import annotations

import contextlib
import math
import time
from typing import Any

import click

from commands.runtime import LedgerContext, choose_format, emit_rows, format_option, pass_ledger
from projections.workers import MOST_WORKERS


@click.group()
def projections() -> None:
    """Read models (views) rebuilt from the event log."""


@projections.command()
@format_option
@pass_ledger
def status(obj: LedgerContext, output_format: str | None) -> None:
    """Each projection's position in the log, the head, and how far behind it is."""
    obj.caller  # noqa: B018 - any active account may look (no customer content)
    views = obj.views()
    rows = [
        {
            "projection": s.name,
            "position": s.position,
            "head": s.head,
            "lag": s.lag,
            "state": "stale: rebuild" if s.stale else ("current" if s.lag == 0 else "behind"),
        }
        for s in views.status()
    ]
    emit_rows(
        rows,
        [
            ("projection", "projection"),
            ("position", "position"),
            ("head", "head"),
            ("lag", "lag"),
            ("state", "state"),
        ],
        choose_format(obj, output_format),
    )


@projections.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MOST_WORKERS),
    default=None,
    help="Processes that replay the views kept per customer, each a share of the "
    "customers (default: one per core once the log holds 100,000 events).",
)
@pass_ledger
def rebuild(obj: LedgerContext, names: tuple[str, ...], workers: int | None) -> None:
    """Replay the whole log into new projections (all, or those NAMEd) and swap them in.

    The current ones stay readable until the swap, and stay as they were if the
    rebuild is stopped or killed. One rebuild runs at a time: this waits for one
    already running.
    """
    from ledger.access import may_run_views

    obj.require(may_run_views, "rebuilding projections is for admins and executives")
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn

    from commands.runtime import stderr_progress

    views = obj.views()
    # The count shows "?" for the whole until the rebuild has read the head: a
    # format of `task.total` would fail on None.
    with stderr_progress(
        TextColumn("rebuilding"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("log positions"),
        TimeRemainingColumn(),
    ) as progress:
        task = progress.add_task("rebuild", total=None)

        def advance(position: int, head: int) -> None:
            progress.update(task, completed=position, total=head)

        events, seconds = views.rebuild(list(names) or None, progress=advance, workers=workers)
    rate = events / seconds if seconds > 0 else 0.0
    rebuilt = ", ".join(names) if names else ", ".join(views.names())
    click.echo(f"Rebuilt {rebuilt}: {events:,} events in {seconds:.2f} s ({rate:,.0f} events/s).")


class FiniteSeconds(click.FloatRange):
    """Seconds as a number from `min` up: `nan` and `inf` pass a range check (NaN
    compares false both ways) but would make `run` never stop or crash its wait."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds: give one such as 60", param, ctx)
        return seconds


@projections.command()
@click.option(
    "--seconds",
    type=FiniteSeconds(min=0),
    default=None,
    help="Stop after this long (default: run until interrupted).",
)
@click.option(
    "--poll",
    type=FiniteSeconds(min=0.05),
    default=1.0,
    show_default=True,
    help="Longest wait between checks for new events, in seconds.",
)
@pass_ledger
def run(obj: LedgerContext, seconds: float | None, poll: float) -> None:
    """Follow the log and keep every projection current.

    On PostgreSQL it is woken by the database's notifications as soon as events
    are recorded (LISTEN/NOTIFY), so a separate process or machine can keep the
    views hot; on SQLite it polls.
    """
    from ledger.access import may_run_views

    obj.require(may_run_views, "following the log is for admins and executives")
    views = obj.views()
    deadline = None if seconds is None else time.monotonic() + seconds
    click.echo(f"Following the log of {obj.storage.location} (Ctrl-C to stop).", err=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a follower is stopped
        views.follow(
            should_stop=lambda: deadline is not None and time.monotonic() >= deadline,
            on_progress=lambda n: click.echo(f"applied {n} events", err=True),
            poll_seconds=poll,
        )
    positions = ", ".join(f"{s.name} at {s.position}" for s in views.status())
    click.echo(f"Stopped: {positions}.")
