"""`ledger escalate` and `ledger escalation resolve`: take an inquiry or complaint up
a level (1 supervisor, 2 department head, 3 head office), and close the escalation."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case
from ledger.vocabulary import ESCALATION_LEVELS

LEVELS_HELP = ", ".join(f"{level} {whom}" for level, whom in ESCALATION_LEVELS.items())
# Local id prefixes of the cases that escalate: inquiries and complaints.
ESCALATING_PREFIXES = ("IQ", "CP")


@click.command("escalate")
@click.argument("case", metavar="CASE")
@click.option(
    "--level",
    required=True,
    type=click.Choice(tuple(str(level) for level in ESCALATION_LEVELS)),
    help=f"Escalation level: {LEVELS_HELP}.",
)
@click.option("--to", "to", required=True, metavar="WHOM", help="Who takes the case over.")
@click.option("--reason", required=True, help="Why it is escalated.")
@recording_options
@pass_ledger
def escalate(
    obj: LedgerContext, case: str, level: str, to: str, reason: str, **recording: str | None
) -> None:
    """Escalate the inquiry or complaint CASE (e.g. C-00042/CP3 or C-00042/IQ1);
    prints the escalation's id (e.g. C-00042/ES1)."""
    from ledger.application import Ledger
    from ledger.commands import RaiseEscalation

    customer, local_id = split_case(case)
    if not local_id.startswith(ESCALATING_PREFIXES):
        raise click.UsageError(
            f"{case!r} is not an inquiry or complaint: only those escalate; "
            "name one such as C-00042/CP3 or C-00042/IQ1"
        )
    record(
        obj,
        Ledger.raise_escalation,
        RaiseEscalation,
        done="Escalation raised",
        customer=customer,
        case=local_id,
        level=int(level),
        to=to,
        reason=reason,
        **recording,
    )


@click.group()
def escalation() -> None:
    """Resolve escalations."""


@escalation.command("resolve")
@click.argument("case", metavar="CUSTOMER/ES1")
@click.option("--resolution", required=True, help="How the escalation was settled.")
@recording_options
@pass_ledger
def resolve(obj: LedgerContext, case: str, resolution: str, **recording: str | None) -> None:
    """Resolve the escalation CUSTOMER/ES1 (e.g. C-00042/ES1)."""
    from ledger.application import Ledger
    from ledger.commands import ResolveEscalation

    customer, local_id = split_case(case, expected="escalation")
    record(
        obj,
        Ledger.resolve_escalation,
        ResolveEscalation,
        done="Escalation resolved",
        customer=customer,
        case=local_id,
        resolution=resolution,
        **recording,
    )
