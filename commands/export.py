"""`ledger export [CUSTOMER]`: every event with all its metadata, for other systems."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from uuid import UUID

import click

from commands.runtime import LedgerContext, pass_ledger, stderr_progress

EXPORT_FORMATS = ("jsonl", "csv")
# Below this many log positions an export is over before a bar would be worth drawing.
LARGE = 10_000


@click.command()
@click.argument("customer", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(EXPORT_FORMATS),
    default=None,
    help="jsonl: one JSON object per line, the payload under `data`. csv: the metadata "
    "as columns, the payload as compact JSON in the `data` column. Default: the "
    "global --format when it is jsonl or csv, else jsonl.",
)
@click.option(
    "--since",
    metavar="TIME",
    help="Only events recorded at or after TIME (the recording time, not when it happened).",
)
@click.option(
    "--include-personal",
    is_flag=True,
    help="Include key people's personal details, opened (executives only); "
    "without it they are left out.",
)
@pass_ledger
def export(
    obj: LedgerContext,
    customer: str | None,
    output_format: str | None,
    since: str | None,
    include_personal: bool,
) -> None:
    """Write every event to stdout, with all its metadata.

    Without CUSTOMER, every customer's events in the order they were recorded
    (`position` is the place in the ledger-wide log); with CUSTOMER (code or
    exact name), that customer's stream in version order. Each event carries
    the customer's id and code, its version, type and type version, when it
    occurred and was recorded, who recorded it, the command, correlation and
    causation ids, and its hash chain. `ledger schema` describes every event
    type. Large exports show progress on stderr when it is a terminal.
    """
    from ledger.clock import parse_time
    from ledger.export import Exporter, write_all

    fmt = output_format or (obj.output_format if obj.output_format in EXPORT_FORMATS else "jsonl")
    start = parse_time(since, obj.settings.timezone, what="--since") if since else None
    app = obj.core()
    personal = None
    if include_personal:
        from ledger.access import may_export_personal_data

        obj.require(
            may_export_personal_data,
            "exporting personal details is for executives: leave out --include-personal",
        )
        personal = app.personal_reader(obj.caller)
    exporter = Exporter(app.recorder, app.mapper, personal=personal)
    if customer is not None:
        customer_id: UUID | None = obj.reads.customer(customer, "export", fmt)
    else:
        obj.require(
            lambda c: c.sees_every_customer,
            "exporting every customer is for executives and auditors: name a customer",
        )
        obj.reads.every_customer("export", fmt)
        customer_id = None
    total = exporter.log_length() if customer_id is None else exporter.stream_length(customer_id)
    with _progress(total) as advance:
        records = (
            exporter.whole_log(start, advance)
            if customer_id is None
            else exporter.stream(customer_id, start, advance)
        )
        write_all(records, fmt, sys.stdout.write)
        sys.stdout.flush()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr, for a large export that a person watches there."""
    if total < LARGE or not sys.stderr.isatty():
        yield None
        return
    with stderr_progress() as progress:
        task = progress.add_task("exporting", total=total)
        yield lambda n: progress.advance(task, n)
