"""`ledger relationship ...`: end a relationship (filed with head office) or revive it."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options


@click.group()
def relationship() -> None:
    """Terminate and reactivate a relationship."""


@relationship.command("terminate")
@click.argument("customer")
@click.option("--reason", required=True, help="Why the relationship ends.")
@click.option("--root-cause", required=True, help="The root-cause analysis.")
@click.option(
    "--head-office-ref",
    required=True,
    metavar="REF",
    help="The reference under which head office has the filing.",
)
@recording_options
@pass_ledger
def terminate(
    obj: LedgerContext,
    customer: str,
    reason: str,
    root_cause: str,
    head_office_ref: str,
    **recording: str | None,
) -> None:
    """Terminate the relationship with CUSTOMER."""
    from ledger.application import Ledger
    from ledger.commands import TerminateRelationship

    record(
        obj,
        Ledger.terminate_relationship,
        TerminateRelationship,
        done="Relationship terminated",
        customer=customer,
        reason=reason,
        root_cause=root_cause,
        head_office_ref=head_office_ref,
        **recording,
    )


@relationship.command("reactivate")
@click.argument("customer")
@click.option("--repair-plan", required=True, help="How the relationship will be repaired.")
@recording_options
@pass_ledger
def reactivate(
    obj: LedgerContext, customer: str, repair_plan: str, **recording: str | None
) -> None:
    """Reactivate a terminated relationship with CUSTOMER (it returns to its earlier stage)."""
    from ledger.application import Ledger
    from ledger.commands import ReactivateRelationship

    record(
        obj,
        Ledger.reactivate_relationship,
        ReactivateRelationship,
        done="Relationship reactivated",
        customer=customer,
        repair_plan=repair_plan,
        **recording,
    )
