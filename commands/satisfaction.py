"""`ledger satisfaction record`: a customer's satisfaction score, from a survey or a call."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options
from ledger.vocabulary import SatisfactionSource

SOURCES = tuple(source.value for source in SatisfactionSource)


@click.group()
def satisfaction() -> None:
    """Record satisfaction scores."""


@satisfaction.command("record")
@click.argument("customer")
@click.option(
    "--score",
    required=True,
    type=click.IntRange(1, 5),
    help="1 (very unhappy) to 5 (very satisfied).",
)
@click.option(
    "--source",
    required=True,
    type=click.Choice(SOURCES),
    help="A survey, or a spot-check call.",
)
@click.option("--note", default="", help="What the customer said.")
@recording_options
@pass_ledger
def record_score(
    obj: LedgerContext,
    customer: str,
    score: int,
    source: str,
    note: str,
    **recording: str | None,
) -> None:
    """Record how satisfied CUSTOMER is."""
    from ledger.application import Ledger
    from ledger.commands import RecordSatisfaction

    record(
        obj,
        Ledger.record_satisfaction,
        RecordSatisfaction,
        done="Satisfaction recorded",
        customer=customer,
        score=score,
        source=source,
        note=note,
        **recording,
    )
