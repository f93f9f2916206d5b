"""`ledger complaint ...`: a complaint from filing to resolution (and reopening)."""

from __future__ import annotations

import click

from commands.contact import CHANNELS
from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case

CATEGORIES = ("service", "quality", "billing", "delivery", "staff", "safety", "other")
SEVERITIES = ("low", "medium", "high", "critical")


@click.group()
def complaint() -> None:
    """File complaints and work them to resolution."""


@complaint.command("file")
@click.argument("customer")
@click.option("--category", required=True, type=click.Choice(CATEGORIES), help="What it is about.")
@click.option("--severity", type=click.Choice(SEVERITIES), default="medium", show_default=True)
@click.option("--description", required=True, help="What the customer complains about.")
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="How it reached us.")
@recording_options
@pass_ledger
def file(
    obj: LedgerContext,
    customer: str,
    category: str,
    severity: str,
    description: str,
    channel: str,
    **recording: str | None,
) -> None:
    """File a complaint from CUSTOMER; prints the complaint's id (e.g. C-00042/CP3)."""
    record(
        obj,
        "file_complaint",
        "FileComplaint",
        done="Complaint filed",
        customer=customer,
        category=category,
        severity=severity,
        description=description,
        channel=channel,
        **recording,
    )


def _step(
    name: str,
    method: str,
    model: str,
    done: str,
    text_option: str,
    text_help: str,
    required: bool,
    summary: str,
) -> None:
    """Define `ledger complaint NAME CASE --TEXT ...`: the steps differ only in these."""

    @complaint.command(name, help=f"{summary} CASE is the complaint's id, e.g. C-00042/CP3.")
    @click.argument("case")
    @click.option(
        f"--{text_option.replace('_', '-')}",
        text_option,
        required=required,
        help=text_help,
    )
    @recording_options
    @pass_ledger
    def step(obj: LedgerContext, case: str, **fields: str | None) -> None:
        customer, local_id = split_case(case, expected="complaint")
        record(obj, method, model, done=done, customer=customer, case=local_id, **fields)


_step(
    "ack",
    "acknowledge_complaint",
    "AcknowledgeComplaint",
    "Complaint acknowledged",
    "note",
    "What we told the customer.",
    False,
    "Acknowledge receipt of a complaint.",
)
_step(
    "pause",
    "pause_complaint",
    "PauseComplaint",
    "Complaint paused",
    "reason",
    "What we wait on the customer for.",
    True,
    "Pause a complaint while waiting on the customer (the SLA clock stops).",
)
_step(
    "resume",
    "resume_complaint",
    "ResumeComplaint",
    "Complaint resumed",
    "note",
    "What the customer supplied.",
    False,
    "Resume a paused complaint (the SLA clock runs again).",
)
_step(
    "reopen",
    "reopen_complaint",
    "ReopenComplaint",
    "Complaint reopened",
    "reason",
    "Why the resolution did not hold.",
    True,
    "Reopen a resolved complaint.",
)


@complaint.command("resolve")
@click.argument("case")
@click.option("--resolution", required=True, help="What was done for the customer.")
@click.option("--root-cause", default="", help="Why it happened.")
@recording_options
@pass_ledger
def resolve(
    obj: LedgerContext, case: str, resolution: str, root_cause: str, **recording: str | None
) -> None:
    """Resolve complaint CASE (e.g. C-00042/CP3)."""
    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        "resolve_complaint",
        "ResolveComplaint",
        done="Complaint resolved",
        customer=customer,
        case=local_id,
        resolution=resolution,
        root_cause=root_cause,
        **recording,
    )
