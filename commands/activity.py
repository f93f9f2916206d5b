"""`ledger activity`: what each member of staff did in a week or a month, beside
the period before (docs/domain.md, "Reports")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from commands.runtime import LedgerContext, choose_format, emit_rows, format_option, pass_ledger
from ledger.domain.activity import KINDS
from ledger.domain.periods import PERIODS
from ledger.vocabulary import Channel

if TYPE_CHECKING:
    from ledger.domain.periods import Period
    from projections.activity import Counts, StaffActivity

CHANNELS = tuple(channel.value for channel in Channel)
HEADINGS = {
    "contact": "Contacts",
    "visit": "Visits",
    "inquiry_answered": "Inquiries answered",
    "complaint_resolved": "Complaints resolved",
    "commitment_fulfilled": "Commitments fulfilled",
    "won": "Won",
    "lost": "Lost",
}
TABLE_COLUMNS = (
    ("staff", "Staff"),
    ("contact", "Contacts"),
    ("channels", "By channel"),
    *((kind, HEADINGS[kind]) for kind in KINDS[1:]),
)


@click.command("activity")
@click.option(
    "--period",
    type=click.Choice(PERIODS),
    required=True,
    help="A week (Monday to Sunday) or a calendar month, in the ledger's time zone.",
)
@click.option(
    "--date",
    "day",
    metavar="DATE",
    help="A day in the period wanted (YYYY-MM-DD; default today).",
)
@click.option("--owner", metavar="STAFF", help="Only this member of staff.")
@click.option("--segment", help="Only the staff of this segment.")
@format_option
@pass_ledger
def activity(
    obj: LedgerContext,
    period: str,
    day: str | None,
    owner: str | None,
    segment: str | None,
    output_format: str | None,
) -> None:
    """What each member of staff did in the period, with the change from the
    period before in brackets: contacts logged (and by channel), visits reported
    (the visitor's), inquiries answered, complaints resolved, commitments fulfilled,
    opportunities won and lost. Staff see their own; a segment head their
    segment's staff; executives and auditors everyone."""
    from ledger.clock import now, parse_date
    from ledger.domain.periods import Period

    fmt = choose_format(obj, output_format)
    tz = obj.settings.timezone
    when = now().astimezone(tz).date() if day is None else parse_date(day, what="--date")
    wanted = Period.containing(period, when)
    found = obj.reads.activity(wanted, tz, owner=owner, segment=segment)
    if fmt == "table":
        emit_rows(
            [_table_row(entry) for entry in found],
            TABLE_COLUMNS,
            fmt,
            title=f"Activity, {wanted} (change from {wanted.previous()})",
            empty="No staff to show.",
        )
        return
    rows = [_machine_row(entry) for entry in found]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "period": _bounds(wanted),
                    "previous": _bounds(wanted.previous()),
                    "staff": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    emit_rows(rows, [(key, key) for key in _machine_keys()], fmt)


def compared(now: int, before: int) -> str:
    """A count beside the period before's: `12 (+3)`, `9 (-3)`, `5 (0)`."""
    change = now - before
    return f"{now} ({change:+d})" if change else f"{now} (0)"


def _table_row(entry: StaffActivity) -> dict[str, Any]:
    current, previous = entry.current, entry.previous
    row: dict[str, Any] = {
        "staff": entry.member.staff_id,
        "channels": ", ".join(
            f"{channel} {count}" for channel, count in sorted(current.by_channel.items())
        ),
    }
    for kind in KINDS:
        row[kind] = compared(current.by_kind.get(kind, 0), previous.by_kind.get(kind, 0))
    return row


def _machine_keys() -> list[str]:
    keys = ["staff", "name", "segment"]
    for kind in KINDS:
        keys += [kind, f"{kind}_previous"]
    for channel in CHANNELS:
        keys += [f"contact_{channel}", f"contact_{channel}_previous"]
    return keys


def _machine_row(entry: StaffActivity) -> dict[str, Any]:
    row: dict[str, Any] = {
        "staff": entry.member.staff_id,
        "name": entry.member.name,
        "segment": entry.member.segment,
    }
    for kind in KINDS:
        row[kind] = _count(entry.current, kind)
        row[f"{kind}_previous"] = _count(entry.previous, kind)
    for channel in CHANNELS:
        row[f"contact_{channel}"] = entry.current.by_channel.get(channel, 0)
        row[f"contact_{channel}_previous"] = entry.previous.by_channel.get(channel, 0)
    return row


def _count(counts: Counts, kind: str) -> int:
    return counts.by_kind.get(kind, 0)


def _bounds(period: Period) -> dict[str, str]:
    last = period.after - timedelta(days=1)
    return {"first": period.first.isoformat(), "last": last.isoformat()}
