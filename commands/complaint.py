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
    from ledger.application import Ledger
    from ledger.commands import FileComplaint

    record(
        obj,
        Ledger.file_complaint,
        FileComplaint,
        done="Complaint filed",
        customer=customer,
        category=category,
        severity=severity,
        description=description,
        channel=channel,
        **recording,
    )


@complaint.command("ack")
@click.argument("case")
@click.option("--note", default="", help="What we told the customer.")
@recording_options
@pass_ledger
def acknowledge(obj: LedgerContext, case: str, note: str, **recording: str | None) -> None:
    """Acknowledge receipt of a complaint. CASE is the complaint's id, e.g. C-00042/CP3."""
    from ledger.application import Ledger
    from ledger.commands import AcknowledgeComplaint

    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        Ledger.acknowledge_complaint,
        AcknowledgeComplaint,
        done="Complaint acknowledged",
        customer=customer,
        case=local_id,
        note=note,
        **recording,
    )


@complaint.command("pause")
@click.argument("case")
@click.option("--reason", required=True, help="What we wait on the customer for.")
@recording_options
@pass_ledger
def pause(obj: LedgerContext, case: str, reason: str, **recording: str | None) -> None:
    """Pause a complaint while waiting on the customer (the SLA clock stops). CASE is
    the complaint's id, e.g. C-00042/CP3."""
    from ledger.application import Ledger
    from ledger.commands import PauseComplaint

    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        Ledger.pause_complaint,
        PauseComplaint,
        done="Complaint paused",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )


@complaint.command("resume")
@click.argument("case")
@click.option("--note", default="", help="What the customer supplied.")
@recording_options
@pass_ledger
def resume(obj: LedgerContext, case: str, note: str, **recording: str | None) -> None:
    """Resume a paused complaint (the SLA clock runs again). CASE is the complaint's
    id, e.g. C-00042/CP3."""
    from ledger.application import Ledger
    from ledger.commands import ResumeComplaint

    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        Ledger.resume_complaint,
        ResumeComplaint,
        done="Complaint resumed",
        customer=customer,
        case=local_id,
        note=note,
        **recording,
    )


@complaint.command("reopen")
@click.argument("case")
@click.option("--reason", required=True, help="Why the resolution did not hold.")
@recording_options
@pass_ledger
def reopen(obj: LedgerContext, case: str, reason: str, **recording: str | None) -> None:
    """Reopen a resolved complaint. CASE is the complaint's id, e.g. C-00042/CP3."""
    from ledger.application import Ledger
    from ledger.commands import ReopenComplaint

    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        Ledger.reopen_complaint,
        ReopenComplaint,
        done="Complaint reopened",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
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
    from ledger.application import Ledger
    from ledger.commands import ResolveComplaint

    customer, local_id = split_case(case, expected="complaint")
    record(
        obj,
        Ledger.resolve_complaint,
        ResolveComplaint,
        done="Complaint resolved",
        customer=customer,
        case=local_id,
        resolution=resolution,
        root_cause=root_cause,
        **recording,
    )
