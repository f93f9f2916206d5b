"""`ledger owner assign`: hand a customer over to a new owner, saying why."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options


@click.group()
def owner() -> None:
    """Hand a customer over to a new owner."""


@owner.command("assign")
@click.argument("customer")
@click.option(
    "--to", "new_owner", required=True, metavar="STAFF", help="The new owner, e.g. zhang.min."
)
@click.option("--reason", required=True, help="Why the customer changes hands (e.g. a departure).")
@recording_options
@pass_ledger
def assign(
    obj: LedgerContext, customer: str, new_owner: str, reason: str, **recording: str | None
) -> None:
    """Make a staff member the owner of CUSTOMER."""
    record(
        obj,
        "assign_owner",
        "AssignOwner",
        done="Owner assigned",
        customer=customer,
        owner=new_owner,
        reason=reason,
        **recording,
    )
