"""`ledger problem handle`: problems raised at visits (`CODE/PB3`), open until
someone records them handled."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case


@click.group()
def problem() -> None:
    """Problems raised at visits, until handled."""


@problem.command("handle")
@click.argument("case", metavar="CUSTOMER/PB1")
@click.option("--note", required=True, help="How the problem was handled.")
@recording_options
@pass_ledger
def handle(obj: LedgerContext, case: str, note: str, **recording: str | None) -> None:
    """Record that the problem CUSTOMER/PB1 is handled."""
    from ledger.application import Ledger
    from ledger.commands import HandleProblem

    customer, local_id = split_case(case, expected="problem")
    record(
        obj,
        Ledger.handle_problem,
        HandleProblem,
        done="Problem handled",
        customer=customer,
        case=local_id,
        note=note,
        **recording,
    )
