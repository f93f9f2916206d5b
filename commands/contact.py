"""`ledger contact log`: every call, email, letter or meeting, with a short report."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options

CHANNELS = ("phone", "email", "letter", "fax", "meeting", "web", "message", "other")


@click.group()
def contact() -> None:
    """Log contacts with a customer."""


@contact.command("log")
@click.argument("customer")
@click.option(
    "--channel", required=True, type=click.Choice(CHANNELS), help="How the contact happened."
)
@click.option(
    "--direction",
    required=True,
    type=click.Choice(("inbound", "outbound")),
    help="inbound: the customer reached us; outbound: we reached them.",
)
@click.option("--summary", required=True, help="Short report of what was said (mandatory).")
@click.option(
    "--person", "people", multiple=True, metavar="P1", help="Key person involved (repeatable)."
)
@click.option(
    "--follow-up",
    "follow_ups",
    multiple=True,
    metavar="TEXT",
    help="Follow-up promised (repeatable): each becomes a commitment with a due date.",
)
@click.option(
    "--due",
    metavar="YYYY-MM-DD",
    help="When the follow-ups are due (default: promise_due_working_days working days on).",
)
@recording_options
@pass_ledger
def log(
    obj: LedgerContext,
    customer: str,
    channel: str,
    direction: str,
    summary: str,
    people: tuple[str, ...],
    follow_ups: tuple[str, ...],
    due: str | None,
    **recording: str | None,
) -> None:
    """Log a contact with CUSTOMER (code such as C-00042, or exact name)."""
    from ledger.application import Ledger
    from ledger.clock import parse_date
    from ledger.commands import LogContact

    record(
        obj,
        Ledger.log_contact,
        LogContact,
        done="Contact logged",
        customer=customer,
        channel=channel,
        direction=direction,
        summary=summary,
        people=list(people),
        follow_ups=list(follow_ups),
        due=None if due is None else parse_date(due, what="--due"),
        **recording,
    )
