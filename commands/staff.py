"""`ledger staff ...`: staff accounts, their roles and segments, and departures.

Account changes are events in the account's own stream (who changed whom, and
why), kept forever; only an admin makes them. The first account of a new ledger
founds the directory and needs no --as.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from commands.runtime import (
    LedgerContext,
    choose_format,
    emit_rows,
    format_option,
    pass_ledger,
    recording_options,
    submit,
)
from ledger.access import ROLES

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.commands import StaffCommand
    from ledger.staffing import StaffReceipt

C = TypeVar("C", bound="StaffCommand")

STAFF_COLUMNS = (
    ("staff_id", "Staff"),
    ("name", "Name"),
    ("role", "Role"),
    ("segment", "Segment"),
    ("status", "Status"),
    ("since", "Since"),
)


@click.group()
def staff() -> None:
    """Staff accounts: add, list, show, role, segment, freeze, deactivate, reactivate.

    Roles: executive (every segment), segment_head (all customers of their
    segment; assigns owners there), staff (customers of their segment they own or
    have worked on), auditor (reads everything, writes nothing), admin (accounts
    only, no customer content). A frozen or deactivated account can do nothing.
    """


def _record_staff(
    obj: LedgerContext,
    handler: Callable[[Ledger, C], StaffReceipt],
    model: type[C],
    done: str,
    actor: str,
    **fields: Any,
) -> None:
    receipt = submit(obj, handler, model, actor=actor, **fields)
    if obj.output_format in ("json", "jsonl"):
        import json

        click.echo(
            json.dumps(
                {
                    "staff": receipt.staff_id,
                    "version": receipt.version,
                    "replayed": receipt.replayed,
                }
            )
        )
    elif receipt.replayed:
        click.echo(
            f"Already recorded: {receipt.staff_id}, version {receipt.version}; "
            "nothing new was written."
        )
    else:
        click.echo(f"{done}: {receipt.staff_id}, version {receipt.version}.")


@staff.command("add")
@click.argument("staff_id", metavar="STAFF")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--segment", help="The segment they work in (needed for segment_head and staff).")
@click.option("--reason", default="joined", show_default=True, help="Why the account is added.")
@recording_options
@pass_ledger
def add(
    obj: LedgerContext,
    staff_id: str,
    name: str,
    role: str,
    segment: str | None,
    reason: str,
    **recording: str | None,
) -> None:
    """Add the account STAFF (e.g. li.wei). Admins only, except for the first."""
    from ledger.application import Ledger
    from ledger.commands import AddStaff

    app = obj.ledger(writing=True)
    # The first account founds the directory: nobody exists yet to act for it.
    actor = obj.require_actor() if app.directory_founded() else staff_id
    _record_staff(
        obj,
        Ledger.add_staff,
        AddStaff,
        "Staff member added",
        actor,
        staff=staff_id,
        name=name,
        role=role,
        segment=segment,
        reason=reason,
        **recording,
    )


@staff.command("role")
@click.argument("staff_id", metavar="STAFF")
@click.argument("role", type=click.Choice(ROLES), metavar="ROLE")
@click.option("--segment", help="The segment the new role works in (default: theirs).")
@click.option("--reason", required=True, help="Why the role changes.")
@recording_options
@pass_ledger
def role(
    obj: LedgerContext,
    staff_id: str,
    role: str,
    segment: str | None,
    reason: str,
    **recording: str | None,
) -> None:
    """Give STAFF another role."""
    from ledger.application import Ledger
    from ledger.commands import ChangeStaffRole

    _record_staff(
        obj,
        Ledger.change_staff_role,
        ChangeStaffRole,
        "Role changed",
        obj.require_actor(),
        staff=staff_id,
        role=role,
        segment=segment,
        reason=reason,
        **recording,
    )


@staff.command("segment")
@click.argument("staff_id", metavar="STAFF")
@click.argument("segment")
@click.option("--reason", required=True, help="Why they move.")
@recording_options
@pass_ledger
def segment(
    obj: LedgerContext, staff_id: str, segment: str, reason: str, **recording: str | None
) -> None:
    """Move STAFF to another segment."""
    from ledger.application import Ledger
    from ledger.commands import ChangeStaffSegment

    _record_staff(
        obj,
        Ledger.change_staff_segment,
        ChangeStaffSegment,
        "Segment changed",
        obj.require_actor(),
        staff=staff_id,
        segment=segment,
        reason=reason,
        **recording,
    )


@staff.command("freeze")
@click.argument("staff_id", metavar="STAFF")
@click.option("--reason", required=True, help="Why (kept forever with the change).")
@recording_options
@pass_ledger
def freeze(obj: LedgerContext, staff_id: str, reason: str, **recording: str | None) -> None:
    """Stop STAFF's access at once (ahead of a departure, say); customers stay theirs."""
    from ledger.application import Ledger
    from ledger.commands import FreezeStaff

    _record_staff(
        obj,
        Ledger.freeze_staff,
        FreezeStaff,
        "Account frozen",
        obj.require_actor(),
        staff=staff_id,
        reason=reason,
        **recording,
    )


@staff.command("deactivate")
@click.argument("staff_id", metavar="STAFF")
@click.option("--reason", required=True, help="Why (kept forever with the change).")
@recording_options
@pass_ledger
def deactivate(obj: LedgerContext, staff_id: str, reason: str, **recording: str | None) -> None:
    """STAFF has left: no access from now on. Lists their customers, which must be
    handed to an active owner within one working day (`ledger owner reassign`)."""
    from ledger.application import Ledger
    from ledger.commands import DeactivateStaff

    _record_staff(
        obj,
        Ledger.deactivate_staff,
        DeactivateStaff,
        "Account deactivated",
        obj.require_actor(),
        staff=staff_id,
        reason=reason,
        **recording,
    )
    _list_left_behind(obj, staff_id)


@staff.command("reactivate")
@click.argument("staff_id", metavar="STAFF")
@click.option("--reason", required=True, help="Why (kept forever with the change).")
@recording_options
@pass_ledger
def reactivate(obj: LedgerContext, staff_id: str, reason: str, **recording: str | None) -> None:
    """Give a frozen or deactivated STAFF access again."""
    from ledger.application import Ledger
    from ledger.commands import ReactivateStaff

    _record_staff(
        obj,
        Ledger.reactivate_staff,
        ReactivateStaff,
        "Account reactivated",
        obj.require_actor(),
        staff=staff_id,
        reason=reason,
        **recording,
    )


def _list_left_behind(obj: LedgerContext, staff_id: str) -> None:
    """The departed owner's customers, by code only (an admin sees no content)."""
    if obj.output_format in ("json", "jsonl"):
        return
    codes = [row.code for row in obj.core().list_customers(owner=staff_id)]
    if not codes:
        click.echo(f"{staff_id} owned no customers.")
        return
    click.echo(
        f"{staff_id} owned {len(codes)} customer(s), to hand to an active owner within one "
        f"working day: {', '.join(codes)}"
    )
    click.echo(f"  e.g. ledger owner reassign --from {staff_id} --to STAFF")


@staff.command("list")
@click.option("--role", type=click.Choice(ROLES), help="Only this role.")
@click.option("--segment", help="Only this segment.")
@click.option("--all", "everyone", is_flag=True, help="Include deactivated accounts.")
@format_option
@pass_ledger
def list_staff(
    obj: LedgerContext,
    role: str | None,
    segment: str | None,
    everyone: bool,
    output_format: str | None,
) -> None:
    """Staff accounts, by id."""
    from projections.staff import StaffDirectoryView, staff_rows

    obj.caller  # noqa: B018 - any active account may list colleagues
    views = obj.views()
    views.catch_up([StaffDirectoryView.name])
    clauses, params = [], []
    for column, value in (("role", role), ("segment", segment)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if not everyone:
        clauses.append("status != 'deactivated'")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with views.store.transaction() as tx:
        rows = staff_rows(tx, where, params)
    fmt = choose_format(obj, output_format)
    emit_rows(rows, STAFF_COLUMNS, fmt, title="Staff", empty="No staff accounts match.")


@staff.command("show")
@click.argument("staff_id", metavar="STAFF")
@format_option
@pass_ledger
def show(obj: LedgerContext, staff_id: str, output_format: str | None) -> None:
    """STAFF's account and every change to it: who changed what, when, why."""
    from ledger.domain.events.staff import StaffEvent
    from ledger.domain.staff import staff_stream_id

    obj.caller  # noqa: B018 - any active account may look a colleague up
    app = obj.core()
    member = app.staff_member(staff_id)
    changes = [
        {
            "version": e.originator_version,
            "at": e.occurred_at.astimezone(obj.settings.timezone).strftime("%Y-%m-%d %H:%M"),
            "change": _describe(e),
            "by": e.actor,
            "reason": e.reason,
        }
        for e in app.events.get(staff_stream_id(staff_id))
        if isinstance(e, StaffEvent)
    ]
    fmt = choose_format(obj, output_format)
    if fmt in ("json", "jsonl"):
        import json

        click.echo(
            json.dumps(
                {
                    "staff": member.staff_id,
                    "name": member.name,
                    "role": member.role,
                    "segment": member.segment,
                    "status": member.status,
                    "changes": changes,
                },
                ensure_ascii=False,
                indent=2 if fmt == "json" else None,
            )
        )
        return
    if fmt == "table":
        click.echo(
            f"{member.staff_id}: {member.name}, {member.role}"
            f"{' of ' + member.segment if member.segment else ''}, {member.status}"
        )
    emit_rows(
        changes,
        (
            ("version", "v"),
            ("at", "When"),
            ("change", "Change"),
            ("by", "By"),
            ("reason", "Reason"),
        ),
        fmt,
        title="Account history",
    )


def _describe(event: Any) -> str:
    from ledger.domain.events import staff as ev

    if isinstance(event, ev.StaffAdded):
        where = f" in {event.segment}" if event.segment else ""
        return f"added as {event.role}{where}"
    if isinstance(event, ev.StaffRoleChanged):
        where = f" in {event.segment}" if event.segment else ""
        return f"role {event.previous} -> {event.role}{where}"
    if isinstance(event, ev.StaffSegmentChanged):
        return f"segment {event.previous or '-'} -> {event.segment}"
    return {
        ev.StaffFrozen: "frozen",
        ev.StaffDeactivated: "deactivated",
        ev.StaffReactivated: "reactivated",
    }.get(type(event), type(event).__name__)
