"""`ledger branch ...`: a customer's branches, added and closed."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case


@click.group()
def branch() -> None:
    """Add and close a customer's branches."""


@branch.command("add")
@click.argument("customer")
@click.option("--name", required=True, help="The branch's name, e.g. Shanghai office.")
@click.option("--location", required=True, help="Where the branch is.")
@recording_options
@pass_ledger
def add(
    obj: LedgerContext, customer: str, name: str, location: str, **recording: str | None
) -> None:
    """Add a branch to CUSTOMER; prints the branch's id (e.g. C-00042/B1)."""
    from ledger.application import Ledger
    from ledger.commands import AddBranch

    record(
        obj,
        Ledger.add_branch,
        AddBranch,
        done="Branch added",
        customer=customer,
        name=name,
        location=location,
        **recording,
    )


@branch.command("close")
@click.argument("ref", metavar="CUSTOMER/B1")
@click.option("--reason", default="", help="Why the branch closes.")
@recording_options
@pass_ledger
def close(obj: LedgerContext, ref: str, reason: str, **recording: str | None) -> None:
    """Close the branch CUSTOMER/B1 (e.g. C-00042/B1)."""
    from ledger.application import Ledger
    from ledger.commands import CloseBranch

    customer, local_id = split_case(ref, expected="branch")
    record(
        obj,
        Ledger.close_branch,
        CloseBranch,
        done="Branch closed",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )
