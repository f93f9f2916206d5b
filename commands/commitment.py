"""`ledger commitment ...`: promises made to a customer, tracked until fulfilled
or withdrawn."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case


@click.group()
def commitment() -> None:
    """Promises made to a customer, until fulfilled or withdrawn."""


@commitment.command("make")
@click.argument("customer")
@click.option("--description", required=True, help="What was promised.")
@click.option(
    "--due",
    metavar="YYYY-MM-DD",
    help="When it must be fulfilled (default: promise_due_working_days working days on).",
)
@click.option("--source", default="", help="Where the promise was made, e.g. a meeting.")
@recording_options
@pass_ledger
def make(
    obj: LedgerContext,
    customer: str,
    description: str,
    due: str | None,
    source: str,
    **recording: str | None,
) -> None:
    """Record a promise made to CUSTOMER; prints its id (e.g. C-00042/CM1)."""
    from ledger.application import Ledger
    from ledger.clock import parse_date
    from ledger.commands import MakeCommitment

    record(
        obj,
        Ledger.make_commitment,
        MakeCommitment,
        done="Commitment made",
        customer=customer,
        description=description,
        due=None if due is None else parse_date(due, what="--due"),
        source=source,
        **recording,
    )


@commitment.command("fulfil")
@click.argument("case", metavar="CUSTOMER/CM1")
@click.option("--note", default="", help="How it was fulfilled.")
@recording_options
@pass_ledger
def fulfil(obj: LedgerContext, case: str, note: str, **recording: str | None) -> None:
    """Record that the commitment CUSTOMER/CM1 is fulfilled."""
    from ledger.application import Ledger
    from ledger.commands import FulfilCommitment

    customer, local_id = split_case(case, expected="commitment")
    record(
        obj,
        Ledger.fulfil_commitment,
        FulfilCommitment,
        done="Commitment fulfilled",
        customer=customer,
        case=local_id,
        note=note,
        **recording,
    )


@commitment.command("withdraw")
@click.argument("case", metavar="CUSTOMER/CM1")
@click.option("--reason", required=True, help="Why the promise will not be kept.")
@recording_options
@pass_ledger
def withdraw(obj: LedgerContext, case: str, reason: str, **recording: str | None) -> None:
    """Record that the commitment CUSTOMER/CM1 is withdrawn: its clock stops."""
    from ledger.application import Ledger
    from ledger.commands import WithdrawCommitment

    customer, local_id = split_case(case, expected="commitment")
    record(
        obj,
        Ledger.withdraw_commitment,
        WithdrawCommitment,
        done="Commitment withdrawn",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )
