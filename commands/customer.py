"""`ledger customer ...`: register customers, list them, and change their profile."""

from __future__ import annotations

import json
from typing import Any

import click

from commands.runtime import (
    LedgerContext,
    RowLimit,
    choose_format,
    emit_rows,
    format_option,
    limit_options,
    parse_pairs,
    pass_ledger,
    record,
    recording_options,
)
from ledger.vocabulary import CustomerKind, Stage, Tier

KINDS = tuple(kind.value for kind in CustomerKind)
TIERS = tuple(tier.value for tier in Tier)
STAGES = tuple(stage.value for stage in Stage)
# A customer enters the ledger alive; termination has its own command and filing.
STAGES_AT_REGISTRATION = tuple(stage for stage in STAGES if stage != Stage.TERMINATED)

LIST_COLUMNS = (
    ("code", "Code"),
    ("name", "Name"),
    ("segment", "Segment"),
    ("tier", "Tier"),
    ("vip", "VIP"),
    ("stage", "Stage"),
    ("owner", "Owner"),
    ("industry", "Industry"),
)

external_ref_option = click.option(
    "--external-ref",
    "external_refs",
    multiple=True,
    metavar="SYSTEM=ID",
    help="The customer's id in another system, e.g. crm=4711 (repeatable).",
)


@click.group()
def customer() -> None:
    """Register, list and update customers."""


@customer.command("register")
@click.argument("name")
@click.option("--segment", required=True, help="Business unit that owns it, e.g. airport.")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=CustomerKind.ORGANISATION.value,
    show_default=True,
    help="An organisation or an individual.",
)
@click.option("--industry", default="", help="The customer's industry.")
@click.option("--headquarters", default="", help="Where the head office is.")
@click.option(
    "--tier",
    type=click.Choice(TIERS),
    default=Tier.GENERAL.value,
    show_default=True,
    help="Strategic customers get the closest attention.",
)
@click.option("--vip", is_flag=True, help="Mark the customer as a VIP.")
@click.option(
    "--stage",
    type=click.Choice(STAGES_AT_REGISTRATION),
    default=Stage.PROSPECT.value,
    show_default=True,
    help="Lifecycle stage.",
)
@click.option("--owner", metavar="STAFF", help="The responsible staff member, e.g. zhang.min.")
@external_ref_option
@recording_options
@pass_ledger
def register(
    obj: LedgerContext,
    name: str,
    segment: str,
    kind: str,
    industry: str,
    headquarters: str,
    tier: str,
    vip: bool,
    stage: str,
    owner: str | None,
    external_refs: tuple[str, ...],
    **recording: str | None,
) -> None:
    """Register a customer called NAME; prints its code (e.g. C-00042)."""
    from ledger.application import Ledger
    from ledger.commands import RegisterCustomer

    record(
        obj,
        Ledger.register_customer,
        RegisterCustomer,
        done="Customer registered",
        name=name,
        segment=segment,
        kind=kind,
        industry=industry,
        headquarters=headquarters,
        tier=tier,
        vip=vip,
        stage=stage,
        owner=owner,
        external_refs=parse_pairs(external_refs, "--external-ref"),
        **recording,
    )


@customer.command("list")
@click.option("--segment", help="Only customers of this segment.")
@click.option("--owner", metavar="STAFF", help="Only customers this staff member owns.")
@click.option("--stage", type=click.Choice(STAGES), help="Only customers at this lifecycle stage.")
@click.option("--tier", type=click.Choice(TIERS), help="Only customers of this tier.")
@limit_options()
@format_option
@pass_ledger
def list_(
    obj: LedgerContext,
    segment: str | None,
    owner: str | None,
    stage: str | None,
    tier: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """List customers in code order, optionally filtered. A table shows the first
    50 (--limit N, --all); json, jsonl and csv every one."""
    from dataclasses import asdict

    visible = obj.reads.visible
    customers = obj.core().list_customers(segment=segment, owner=owner, stage=stage, tier=tier)
    emit_rows(
        [asdict(row) for row in customers if visible.allows(row.code)],
        LIST_COLUMNS,
        choose_format(obj, output_format),
        title="Customers",
        empty="No customers match.",
        shown=shown,
        noun="customers",
        order="by code",
    )


@customer.command("update")
@click.argument("customer_ref", metavar="CUSTOMER")
@click.option("--name", help="New name (must stay unique).")
@click.option("--kind", type=click.Choice(KINDS), help="An organisation or an individual.")
@click.option("--industry", help="The customer's industry.")
@click.option("--headquarters", help="Where the head office is.")
@external_ref_option
@recording_options
@pass_ledger
def update(
    obj: LedgerContext,
    customer_ref: str,
    name: str | None,
    kind: str | None,
    industry: str | None,
    headquarters: str | None,
    external_refs: tuple[str, ...],
    **recording: str | None,
) -> None:
    """Update the profile of CUSTOMER (code such as C-00042, or exact name)."""
    from ledger.application import Ledger
    from ledger.commands import UpdateProfile

    changes: dict[str, Any] = {
        field: value
        for field, value in (
            ("name", name),
            ("kind", kind),
            ("industry", industry),
            ("headquarters", headquarters),
        )
        if value is not None
    }
    if external_refs:
        changes["external_refs"] = parse_pairs(external_refs, "--external-ref")
    if not changes:
        raise click.UsageError(
            "nothing to update: give at least one of --name, --kind, --industry, "
            "--headquarters, --external-ref"
        )
    record(
        obj,
        Ledger.update_profile,
        UpdateProfile,
        done="Profile updated",
        customer=customer_ref,
        **changes,
        **recording,
    )


@customer.command("tier")
@click.argument("customer_ref", metavar="CUSTOMER")
@click.argument("tier", metavar="TIER", type=click.Choice(TIERS))
@click.option(
    "--vip/--no-vip",
    default=None,
    help="Set or clear the VIP flag (left as it is when neither is given).",
)
@click.option("--reason", default="", help="Why the tier changes.")
@recording_options
@pass_ledger
def tier(
    obj: LedgerContext,
    customer_ref: str,
    tier: str,
    vip: bool | None,
    reason: str,
    **recording: str | None,
) -> None:
    """Move CUSTOMER to TIER (strategic or general)."""
    from ledger.application import Ledger
    from ledger.commands import ChangeTier

    record(
        obj,
        Ledger.change_tier,
        ChangeTier,
        done="Tier changed",
        customer=customer_ref,
        tier=tier,
        vip=vip,
        reason=reason,
        **recording,
    )


@customer.command("stage")
@click.argument("customer_ref", metavar="CUSTOMER")
@click.argument("stage", metavar="STAGE", type=click.Choice(STAGES))
@click.option("--reason", default="", help="Why the stage changes.")
@recording_options
@pass_ledger
def stage(
    obj: LedgerContext, customer_ref: str, stage: str, reason: str, **recording: str | None
) -> None:
    """Move CUSTOMER to lifecycle STAGE: prospect, development, growth or maturity.

    To end a relationship, use `ledger relationship terminate`.
    """
    from ledger.application import Ledger
    from ledger.commands import ChangeStage

    record(
        obj,
        Ledger.change_stage,
        ChangeStage,
        done="Stage changed",
        customer=customer_ref,
        stage=stage,
        reason=reason,
        **recording,
    )


@customer.command("segment")
@click.argument("customer_ref", metavar="CUSTOMER")
@click.argument("segment")
@click.option("--reason", default="", help="Why the customer moves.")
@recording_options
@pass_ledger
def segment(
    obj: LedgerContext, customer_ref: str, segment: str, reason: str, **recording: str | None
) -> None:
    """Move CUSTOMER to the business unit SEGMENT."""
    from ledger.application import Ledger
    from ledger.commands import ChangeSegment

    record(
        obj,
        Ledger.change_segment,
        ChangeSegment,
        done="Segment changed",
        customer=customer_ref,
        segment=segment,
        reason=reason,
        **recording,
    )


@customer.command("show")
@click.argument("reference", metavar="CUSTOMER")
@click.option(
    "--as-of",
    "as_of",
    metavar="TIME",
    help="Show the customer as the ledger knew it at this recording time.",
)
@format_option
@pass_ledger
def show(obj: LedgerContext, reference: str, as_of: str | None, output_format: str | None) -> None:
    """The customer 360: profile, owners, people, open cases, contacts, timeline.

    With --as-of, everything is as it stood at that moment: only what had been
    recorded by then counts (back-dated entries recorded later do not).

    --format json or jsonl gives the whole document; there is no csv form, as a
    360 is not one table.
    """
    from commands.render360 import render_360
    from ledger.clock import parse_time

    fmt = choose_format(obj, output_format)
    if fmt == "csv":
        # A 360 nests people, cases and a timeline: rows of one table would flatten it
        # into something no spreadsheet reads well. Refused before the read is logged.
        raise click.UsageError(
            "a customer 360 is shown as table, json or jsonl, not csv: use --format json"
        )
    moment = parse_time(as_of, obj.settings.timezone, what="--as-of") if as_of else None
    doc = obj.reads.customer_360(reference, moment=moment, detail=as_of or "")
    if doc is None:
        raise click.ClickException(
            f"{reference} had not been recorded yet at {as_of}: try a later --as-of"
        )
    from ledger.personal_reading import reveal_people

    # The 360 marks erased people itself: no scan of the log for erasures (which
    # grew with the whole ledger, for one customer).
    doc = reveal_people(doc, obj.core().personal_reader(obj.caller, erased=()))
    if fmt == "table":
        # Who holds what is judged by the accounts as they are now: not for a past moment.
        warnings = obj.reads.holding_warnings(doc) if moment is None else []
        render_360(doc, obj.settings.timezone, moment, warnings)
    else:
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2 if fmt == "json" else None))
