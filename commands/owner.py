"""`ledger owner assign|reassign|repair`: hand customers over to a new owner, with
everything the old owner held there, and repair handovers recorded before that."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, submit

if TYPE_CHECKING:
    from ledger.receipts import Receipt


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
    """Make a staff member the owner of CUSTOMER.

    The open opportunities, open commitments and key people's counterpart roles
    the old owner held there move to the new owner in the same command.
    """
    from ledger.application import Ledger
    from ledger.commands import AssignOwner

    receipt = record(
        obj,
        Ledger.assign_owner,
        AssignOwner,
        done="Owner assigned",
        customer=customer,
        owner=new_owner,
        reason=reason,
        **recording,
    )
    if not receipt.replayed and obj.output_format not in ("json", "jsonl"):
        click.echo(f"{receipt.customer_code} handed to {new_owner}{_moved(receipt)}.")


def _moved(receipt: Receipt) -> str:
    """', with 2 opportunities and 1 counterpart role' (what moved with it)."""
    from ledger.domain.holdings import count_moved

    moved = count_moved(role for _, role in receipt.handed_over)
    return f", with {moved}" if moved else ", with nothing else held there"


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

    What the old owner held at each customer (open opportunities, open
    commitments, key people's counterpart roles) moves with it, one
    ResponsibilityHandedOver each. All of them move in one transaction, or none
    do. A segment head moves the customers of their own segment; an executive,
    all of them.
    """
    from ledger.application import Ledger
    from ledger.commands import ReassignOwner

    if previous.strip() == new_owner.strip():
        raise click.UsageError(
            f"--from and --to both name {previous.strip()}: hand the customers to someone else"
        )
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
        with_it = "" if receipt.replayed else _moved(receipt)
        click.echo(
            f"  {receipt.customer_code} ({receipt.customer_name}), version "
            f"{receipt.version}{with_it}"
        )
    if moved:
        click.echo(f"Reassigned {len(moved)} customer(s) from {previous} to {new_owner}.")
    else:
        click.echo("Already recorded; nothing new was written.")


@owner.command("repair")
@click.argument("customer", required=False)
@click.option("--all", "every", is_flag=True, help="Every customer you assign owners of.")
@click.option("--dry-run", is_flag=True, help="List what would move; write nothing.")
@recording_options
@pass_ledger
def repair(
    obj: LedgerContext,
    customer: str | None,
    every: bool,
    dry_run: bool,
    **recording: str | None,
) -> None:
    """Move to the owner what is still held by someone no longer responsible.

    A departed (deactivated) account, or a past owner who handed CUSTOMER over,
    may still hold open opportunities, commitments or key people's counterpart
    roles, from handovers recorded before a handover moved them. Each move is
    recorded as an event; nothing recorded before is changed. Run it again and
    it finds nothing to move. For segment heads (their segment) and executives.
    """
    from ledger.application import Ledger
    from ledger.commands import RepairHoldings

    if customer is not None and every:
        raise click.UsageError("name one customer or give --all, not both")
    if customer is None and not every:
        raise click.UsageError("name a customer (e.g. C-00012), or give --all")
    results = submit(
        obj,
        Ledger.repair_holdings,
        RepairHoldings,
        customer=customer,
        every=every,
        dry_run=dry_run,
        **recording,
    )
    verb = "would move" if dry_run else "moved"
    total = 0
    for result in results:
        if result.replayed:
            click.echo(f"  {result.customer_code}: already recorded")
        elif result.refused:
            click.echo(f"  {result.customer_code}: not repaired: {result.refused}")
        else:
            for stale in result.moved:
                h = stale.holding
                click.echo(
                    f"  {result.customer_code}/{h.item} {h.role}: {h.holder} {stale.why}; "
                    f"{verb} to {result.owner}"
                )
                total += 1
    if any(r.replayed for r in results) and total == 0:
        click.echo("Already recorded; nothing new was written.")
    elif total == 0:
        where = customer if customer is not None else "the customers you manage"
        click.echo(
            f"Nothing to repair at {where}: nothing is held by anyone no longer responsible."
        )
    elif dry_run:
        click.echo(f"{total} item(s) would move; nothing was written (drop --dry-run to record).")
    else:
        click.echo(f"Recorded {total} move(s) at {sum(1 for r in results if r.moved)} customer(s).")
