"""`ledger correct`: fix a mistake in an earlier event with a correcting event; the
original stays in the stream, so the history shows both."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, parse_pairs, pass_ledger, record, recording_options


@click.command("correct")
@click.argument("customer")
@click.option(
    "--version",
    "version",
    required=True,
    # A version is stored as a 32-bit integer in the views.
    type=click.IntRange(min=1, max=2**31 - 1),
    metavar="N",
    help="The version of the event to correct (`ledger history` lists versions).",
)
@click.option(
    "--set",
    "settings",
    required=True,
    multiple=True,
    metavar="FIELD=VALUE",
    help="A corrected value, e.g. --set summary='Agreed the May price' (repeatable; "
    "list fields take items separated by ';').",
)
@click.option("--reason", required=True, help="What was wrong.")
@recording_options
@pass_ledger
def correct(
    obj: LedgerContext,
    customer: str,
    version: int,
    settings: tuple[str, ...],
    reason: str,
    **recording: str | None,
) -> None:
    """Correct the event at version N of CUSTOMER's stream."""
    from ledger.application import Ledger
    from ledger.commands import RecordCorrection

    record(
        obj,
        Ledger.record_correction,
        RecordCorrection,
        done="Correction recorded",
        customer=customer,
        version=version,
        changes=parse_pairs(settings, "--set"),
        reason=reason,
        **recording,
    )
