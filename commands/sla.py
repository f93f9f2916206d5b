"""`ledger sla breaches|at-risk|sweep`: service targets missed or about to be, and
the sweep that records each breach in its customer's history."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

import click

from commands.runtime import (
    LedgerContext,
    RowLimit,
    choose_format,
    emit_rows,
    format_option,
    limit_options,
    pass_ledger,
)
from ledger.domain.sla.targets import KINDS

if TYPE_CHECKING:
    from projections.sla.items import SlaItem

F = TypeVar("F", bound=Callable[..., Any])

# Tables for people name the case by its reference (which holds the customer's
# code); csv carries every field, for machines.
BREACH_COLUMNS = (
    ("case", "Case"),
    ("kind", "Kind"),
    ("owner", "Owner"),
    ("opened", "Opened"),
    ("due", "Due"),
    ("late", "Late by"),
    ("status", "Status"),
    ("policy", "Policy"),
    ("detail", "Detail"),
)
RISK_COLUMNS = (
    ("case", "Case"),
    ("kind", "Kind"),
    ("owner", "Owner"),
    ("opened", "Opened"),
    ("due", "Due"),
    ("left", "Time left"),
    ("policy", "Policy"),
    ("detail", "Detail"),
)
SWEEP_COLUMNS = (
    ("case", "Case"),
    ("kind", "Kind"),
    ("owner", "Owner"),
    ("due", "Due"),
    ("late", "Late by"),
    ("action", "Recorded"),
)
CSV_COLUMNS = tuple(
    (name, name)
    for name in (
        "customer",
        "case",
        "kind",
        "target",
        "owner",
        "segment",
        "opened",
        "due",
        "status",
        "closed",
        "late",
        "late_minutes",
        "left",
        "left_minutes",
        "clock",
        "policy",
        "escalation_level",
        "recorded",
        "detail",
    )
)


@click.group()
def sla() -> None:
    """Service targets: breaches, cases at risk, and the breach sweep.

    By default: an inquiry's first answer within 10 business minutes; a complaint
    resolved within 4 business hours (the clock stops while it waits on the
    customer); a follow-up on every open lead or opportunity at least every 30
    days (each follow-up restarts the clock, and every lapse is a breach of its
    own); each commitment kept by the end of its due day; each owner visits at
    least 50% of their active customers every calendar month. Business time runs
    on the [calendar] in the ledger's time zone. Changes to the [sla] table, the
    [calendar] or the time zone apply to cases opened from then on: each case
    keeps the policy, calendar and time zone it opened under.
    """


def filter_options(func: F) -> F:
    """The filters `breaches` and `at-risk` share."""
    options = [
        click.option("--segment", help="Only customers of this segment."),
        click.option("--owner", metavar="STAFF", help="Only customers this staff member owns."),
        click.option(
            "--kind",
            type=click.Choice(KINDS),
            help="Only this target: inquiry first answer, complaint resolution, follow-up "
            "of leads and opportunities, commitments, owners' visit coverage, handing "
            "a departed owner's customers over, or segments' monthly summaries.",
        ),
        click.option(
            "--as-of",
            "as_of",
            metavar="TIME",
            help="Evaluate the clocks at this moment (default now), by when things "
            "happened: cases opened later do not count, cases closed later are open, "
            "pauses count up to it.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@sla.command("breaches")
@filter_options
@click.option(
    "--since",
    metavar="TIME",
    help="Also list breaches of closed cases, and months of visit coverage, after this "
    "moment (default: the start of last month). Open breached cases are always listed.",
)
@limit_options()
@format_option
@pass_ledger
def breaches(
    obj: LedgerContext,
    segment: str | None,
    owner: str | None,
    kind: str | None,
    as_of: str | None,
    since: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """Targets breached as of --as-of, earliest due first (the longest overdue), then
    by case. A table shows the first 50 (--limit N, --all); json, jsonl and csv
    every one.

    Every case still open with a breached target is listed, however old; a case
    closed late stays breached and is listed when its breach falls after --since.
    Each lapse of a lead's or opportunity's follow-up is a breach of its own,
    closed by the follow-up that ended it. "Late by" is working time for
    inquiries and complaints (pauses excluded) and calendar time otherwise, up to
    the closing or to --as-of, rounded up to the minute.

    A departed (deactivated) owner's customers must be handed to an active owner
    within 1 working day: each one not handed over in time is a `handover` breach.
    A segment's monthly summary not submitted by the end of the 5th of the next
    month (`ledger report submit`) is a `summary` breach of its segment head.
    """
    tz = obj.settings.timezone
    moment = _moment(as_of, tz, "--as-of")
    after = None if since is None else _moment(since, tz, "--since")
    if after is not None and after > moment:
        raise click.UsageError(
            f"--since {since} is after --as-of {as_of or 'now'}: breaches are listed "
            "up to --as-of, so give a --since before it"
        )
    fmt = choose_format(obj, output_format)
    # Only the rows shown are worked out (a table: the first 50 of maybe thousands).
    items, total = obj.reads.sla_breaches_page(
        shown.rows_for(fmt), as_of=moment, since=after, segment=segment, owner=owner, kind=kind
    )
    emit_rows(
        [item_row(item, tz, fmt) for item in items],
        CSV_COLUMNS if fmt == "csv" else BREACH_COLUMNS,
        fmt,
        title=f"SLA breaches as of {_local(moment, tz, 'table')}",
        empty="No breaches.",
        shown=shown,
        noun="breaches",
        order="earliest due first",
        total=total,
    )


@sla.command("at-risk")
@filter_options
@limit_options()
@format_option
@pass_ledger
def at_risk(
    obj: LedgerContext,
    segment: str | None,
    owner: str | None,
    kind: str | None,
    as_of: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """Cases near their deadline as of --as-of, soonest due first. A table shows
    the first 50 (--limit N, --all); json, jsonl and csv every one.

    A case is at risk while it is open and not yet due once the at-risk share of
    its target (75% by default) has passed; a paused complaint is not at risk.

    Owners are at risk once that share of the month has passed with their visit
    coverage still short of the target; segment heads once that share of the time
    from the month's end to the summary's due time has passed without it.
    """
    tz = obj.settings.timezone
    moment = _moment(as_of, tz, "--as-of")
    items = obj.reads.sla_at_risk(as_of=moment, segment=segment, owner=owner, kind=kind)
    fmt = choose_format(obj, output_format)
    emit_rows(
        [item_row(item, tz, fmt) for item in items],
        CSV_COLUMNS if fmt == "csv" else RISK_COLUMNS,
        fmt,
        title=f"At risk as of {_local(moment, tz, 'table')}",
        empty="Nothing at risk.",
        shown=shown,
        noun="targets at risk",
        order="soonest due first",
    )


@sla.command("sweep")
@click.option(
    "--escalate",
    is_flag=True,
    help="Also raise the next escalation level (1 supervisor, 2 department head, "
    "3 head office) on each breached inquiry or complaint that is still open.",
)
@format_option
@pass_ledger
def sweep(obj: LedgerContext, escalate: bool, output_format: str | None) -> None:
    """Record each new breach in its customer's history.

    Each breach detected now and not yet recorded becomes an SlaBreached event in
    its customer's stream, recorded by the staff member named with --as.

    Running it again records nothing new, and two sweeps at once record each breach
    once: every breach (and escalation) has its own command id. Visit coverage
    belongs to no customer and is not recorded.
    """
    from ledger.access import manages_a_segment
    from ledger.clock import now
    from ledger.sla_sweep import sweep_breaches

    caller = obj.require(
        manages_a_segment,
        "the sweep is run by an executive, or a segment head for their segment",
    )
    app = obj.ledger(writing=True)
    reads = obj.reads
    moment = now()
    actions = sweep_breaches(
        app,
        reads.unrecorded_breaches(as_of=moment),
        reads.breached_open_cases(as_of=moment) if escalate else [],
        actor=caller.staff_id,
        moment=moment,
        escalate=escalate,
        visible=reads.visible.allows,
    )
    tz = obj.settings.timezone
    fmt = choose_format(obj, output_format)
    emit_rows(
        [{**item_row(a.item, tz, fmt), "action": a.describe()} for a in actions],
        (*CSV_COLUMNS, ("action", "action")) if fmt == "csv" else SWEEP_COLUMNS,
        fmt,
        title="SLA sweep",
        empty="No new breaches: nothing recorded.",
    )
    if fmt == "table" and actions:
        recorded = sum(1 for a in actions if a.level is None)
        click.echo(
            f"Recorded {recorded} new breach(es); raised {len(actions) - recorded} escalation(s)."
        )


def item_row(item: SlaItem, tz: ZoneInfo, fmt: str) -> dict[str, Any]:
    """One breach or case at risk as a row: short local times for people, ISO
    times and minutes for machines."""
    row: dict[str, Any] = {
        "customer": item.customer,
        "case": item.ref,
        "kind": item.kind,
        "target": item.target,
        "owner": item.owner,
        "segment": item.segment,
        "opened": _local(item.opened_at, tz, fmt),
        "due": _local(item.due_at, tz, fmt),
        "status": item.status,
        "closed": _local(item.closed_at, tz, fmt),
        "late": _duration(item.late, item.business_time, up=True),
        "left": _duration(item.left, item.business_time, up=False),
        "clock": "working time" if item.business_time else "calendar",
        "policy": item.policy_version,
        "escalation_level": item.escalation_level,
        "recorded": item.recorded,
        "detail": item.detail,
    }
    if fmt != "table":
        row["late_minutes"] = _minutes(item.late, up=True)
        row["left_minutes"] = _minutes(item.left, up=False)
    return row


def _moment(text: str | None, tz: ZoneInfo, option: str) -> datetime:
    from ledger.clock import now, parse_time

    return now() if text is None else parse_time(text, tz, what=option)


def _local(moment: datetime | None, tz: ZoneInfo, fmt: str) -> str | None:
    if moment is None:
        return None
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M") if fmt == "table" else local.isoformat()


def _minutes(span: timedelta | None, *, up: bool) -> int | None:
    """Whole minutes: rounded up for lateness, so a breach never reads as zero
    late; down for time left, so it never reads as more than there is."""
    if span is None:
        return None
    minutes = span.total_seconds() / 60
    return math.ceil(minutes) if up else math.floor(minutes)


def _duration(span: timedelta | None, business: bool, *, up: bool) -> str | None:
    """`2h 05m working` for business time; `12d 3h` (or `5h 20m`) for calendar time
    (minutes rounded as `_minutes` does)."""
    minutes = _minutes(span, up=up)
    if minutes is None:
        return None
    hours, rest = divmod(minutes, 60)
    if business:
        return f"{hours}h {rest:02d}m working"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if days else f"{hours}h {rest:02d}m"
