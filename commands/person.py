"""`ledger person ...`: key people at a customer, their role in the buying decision,
and how our relationship with each stands."""

from __future__ import annotations

from typing import Any

import click

from commands.personal import DETAIL_FLAGS, erase, personal_options
from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case
from ledger.vocabulary import DecisionRole, RelationshipStatus

ROLES = tuple(role.value for role in DecisionRole)
STATUSES = tuple(status.value for status in RelationshipStatus)
ROLE_HELP = "Role in the buying decision (a gatekeeper screens and can veto; a coach supports us)."


@click.group()
def person() -> None:
    """Key people at a customer and our relationship with them."""


@person.command("add")
@click.argument("customer")
@click.option("--name", required=True, help="The person's name.")
@click.option("--role", required=True, type=click.Choice(ROLES), help=ROLE_HELP)
@click.option("--title", default="", help="Job title.")
@personal_options
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default=RelationshipStatus.NOT_ESTABLISHED.value,
    show_default=True,
    help="How our relationship with the person stands.",
)
@click.option("--counterpart", metavar="STAFF", help="Our staff member who looks after them.")
@recording_options
@pass_ledger
def add(
    obj: LedgerContext,
    customer: str,
    name: str,
    role: str,
    title: str,
    personal: dict[str, Any],
    status: str,
    counterpart: str | None,
    **recording: str | None,
) -> None:
    """Add a key person at CUSTOMER; prints the person's id (e.g. C-00042/P1)."""
    from ledger.application import Ledger
    from ledger.commands import AddKeyPerson

    record(
        obj,
        Ledger.add_key_person,
        AddKeyPerson,
        done="Key person added",
        customer=customer,
        name=name,
        decision_role=role,
        title=title,
        **personal,
        relationship_status=status,
        counterpart=counterpart,
        **recording,
    )


@person.command("update")
@click.argument("ref", metavar="CUSTOMER/P1")
@click.option("--name", help="The person's name.")
@click.option("--role", type=click.Choice(ROLES), help=ROLE_HELP)
@click.option("--title", help="Job title.")
@personal_options
@click.option("--counterpart", metavar="STAFF", help="Our staff member who looks after them.")
@recording_options
@pass_ledger
def update(
    obj: LedgerContext,
    ref: str,
    name: str | None,
    role: str | None,
    title: str | None,
    personal: dict[str, Any],
    counterpart: str | None,
    **recording: str | None,
) -> None:
    """Update what we know about the key person CUSTOMER/P1 (e.g. C-00042/P1)."""
    from ledger.application import Ledger
    from ledger.commands import UpdateKeyPerson

    customer, local_id = split_case(ref, expected="person")
    given: dict[str, Any] = {
        "name": name,
        "decision_role": role,
        "title": title,
        **personal,
        "counterpart": counterpart,
    }
    changes = {field: value for field, value in given.items() if value is not None}
    if not changes:
        raise click.UsageError(
            "nothing to update: give at least one of --name, --role, --title, "
            f"--counterpart or a personal detail ({DETAIL_FLAGS}) (to record how the "
            "relationship stands, use `ledger person assess`)"
        )
    record(
        obj,
        Ledger.update_key_person,
        UpdateKeyPerson,
        done="Key person updated",
        customer=customer,
        case=local_id,
        **changes,
        **recording,
    )


@person.command("assess")
@click.argument("ref", metavar="CUSTOMER/P1")
@click.option(
    "--status",
    required=True,
    type=click.Choice(STATUSES),
    help="How our relationship with the person stands now.",
)
@click.option("--note", default="", help="What the assessment rests on.")
@recording_options
@pass_ledger
def assess(obj: LedgerContext, ref: str, status: str, note: str, **recording: str | None) -> None:
    """Assess our relationship with the key person CUSTOMER/P1."""
    from ledger.application import Ledger
    from ledger.commands import AssessRelationship

    customer, local_id = split_case(ref, expected="person")
    record(
        obj,
        Ledger.assess_relationship,
        AssessRelationship,
        done="Relationship assessed",
        customer=customer,
        case=local_id,
        relationship_status=status,
        note=note,
        **recording,
    )


@person.command("left")
@click.argument("ref", metavar="CUSTOMER/P1")
@click.option("--reason", default="", help="Why or where the person went.")
@recording_options
@pass_ledger
def left(obj: LedgerContext, ref: str, reason: str, **recording: str | None) -> None:
    """Record that the key person CUSTOMER/P1 has left the customer."""
    from ledger.application import Ledger
    from ledger.commands import RecordPersonLeft

    customer, local_id = split_case(ref, expected="person")
    record(
        obj,
        Ledger.record_person_left,
        RecordPersonLeft,
        done="Key person left",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )


@person.command("plan")
@click.argument("ref", metavar="CUSTOMER/P1")
@click.option("--counterpart", metavar="STAFF", help="Our staff member who owes the contacts.")
@click.option("--every", metavar="FREQUENCY", help="How often to contact them: e.g. 30d or 2w.")
@click.option("--next", "next_contact", metavar="YYYY-MM-DD", help="Date of the next contact.")
@recording_options
@pass_ledger
def plan(
    obj: LedgerContext,
    ref: str,
    counterpart: str | None,
    every: str | None,
    next_contact: str | None,
    **recording: str | None,
) -> None:
    """Plan contacts with the key person CUSTOMER/P1: our counterpart, how often, and
    the next date. Each contact with them moves the next date on; what is not given
    stays as planned before."""
    from ledger.application import Ledger
    from ledger.clock import parse_date
    from ledger.commands import PlanContact
    from ledger.domain.contact_plan import parse_frequency

    customer, local_id = split_case(ref, expected="person")
    if counterpart is None and every is None and next_contact is None:
        raise click.UsageError(
            "nothing to plan: give at least one of --counterpart, --every, --next"
        )
    record(
        obj,
        Ledger.plan_contact,
        PlanContact,
        done="Contact plan set",
        customer=customer,
        case=local_id,
        counterpart=counterpart,
        every_days=parse_frequency(every) if every is not None else None,
        next_contact=parse_date(next_contact, what="--next") if next_contact else None,
        **recording,
    )


person.add_command(erase)
