"""`ledger owner assign`: hand a customer over to a new owner, saying why."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, submit


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
    from ledger.application import Ledger
    from ledger.commands import AssignOwner

    record(
        obj,
        Ledger.assign_owner,
        AssignOwner,
        done="Owner assigned",
        customer=customer,
        owner=new_owner,
        reason=reason,
        **recording,
    )


@owner.command("reassign")
@click.option("--from", "previous", required=True, metavar="STAFF", help="The current owner.")
@click.option("--to", "new_owner", required=True, metavar="STAFF", help="The new owner.")
@click.option(
    "--reason", default="handover after departure", show_default=True, help="Why they move."
)
@recording_options
@pass_ledger
def reassign(
    obj: LedgerContext, previous: str, new_owner: str, reason: str, **recording: str | None
) -> None:
    """Hand every customer of one owner to another at once (one OwnerAssigned each).

    All of them move in one transaction, or none do. A segment head moves the
    customers of their own segment; an executive, all of them.
    """
    from ledger.application import Ledger
    from ledger.commands import ReassignOwner

    receipts = submit(
        obj,
        Ledger.reassign_owner,
        ReassignOwner,
        previous=previous,
        owner=new_owner,
        reason=reason,
        **recording,
    )
    if not receipts:
        click.echo(f"{previous} owns no customers you can reassign; nothing was written.")
        return
    moved = [r for r in receipts if not r.replayed]
    for receipt in receipts:
        click.echo(
            f"  {receipt.customer_code} ({receipt.customer_name}), version {receipt.version}"
        )
    if moved:
        click.echo(f"Reassigned {len(moved)} customer(s) from {previous} to {new_owner}.")
    else:
        click.echo("Already recorded; nothing new was written.")
