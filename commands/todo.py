"""`ledger todo`: what the caller (or a member of their team) owes now, most
urgent first (docs/domain.md, "Follow-through")."""

from __future__ import annotations

from datetime import timedelta

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

# One line per item in a table; json and csv carry the same fields.
COLUMNS = (
    ("due", "Due"),
    ("when", "Late / left"),
    ("state", "State"),
    ("customer", "Customer"),
    ("name", "Name"),
    ("kind", "Kind"),
    ("item", "Item"),
    ("text", "What"),
    ("owed_by", "Owed by"),
)


# A horizon beyond a few years asks for nothing a work list can answer (and past
# the year 9999 the date arithmetic would fail).
MAX_WITHIN_DAYS = 3650


@click.command()
@click.option(
    "--owner",
    metavar="STAFF",
    help="The work list of this member of staff (managers: within their segment).",
)
@click.option(
    "--segment",
    help="Everything owed in this segment, by anyone (managers: their own segment).",
)
@click.option(
    "--within",
    metavar="N",
    type=int,
    help="Commitments and contacts falling due within N days (default 7, at most "
    f"{MAX_WITHIN_DAYS}); overdue ones always.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="TIME",
    help="Judge what is late, at risk or due as at TIME (default now). Commitments, "
    "follow-ups and visits are those open now.",
)
@limit_options()
@format_option
@pass_ledger
def todo(
    obj: LedgerContext,
    owner: str | None,
    segment: str | None,
    within: int | None,
    as_of: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """What you owe now, most urgent first: late items first (the latest first),
    then by least time left. One line each: SLA cases breached or at risk
    (inquiries, complaints, a departed owner's customers to hand over),
    commitments due within --within days or overdue, leads and opportunities due
    for follow-up, visits planned for the next 7 days (or past with no report),
    customers silent past their usual contact cadence, key people past (or within
    --within days of) their next contact date, open problems from visits, visit
    plans to submit or to review, and monthly summaries to submit. Work with no
    due time (problems, plans to review) comes last, the longest open first.

    Staff see their own list; a segment head or executive may ask for a member of
    staff (--owner) or a whole segment (--segment).
    """
    from ledger.clock import now, parse_time
    from projections.churn_scoring import churn_policy

    if within is not None and not 0 <= within <= MAX_WITHIN_DAYS:
        raise click.UsageError(
            f"--within is a number of days from 0 to {MAX_WITHIN_DAYS}, not {within}"
        )
    fmt = choose_format(obj, output_format)
    tz = obj.settings.timezone
    moment = parse_time(as_of, tz, what="--as-of") if as_of else now()
    items = obj.reads.work_list(
        churn_policy(obj.settings.raw),
        as_of=moment,
        owner=owner,
        segment=segment,
        within=None if within is None else timedelta(days=within),
    )
    rows = []
    for item in items:
        row = item.as_row()
        local = item.due_at.astimezone(tz) if item.due_at is not None else None
        if fmt == "table":
            # Work with no due time (an open problem, a plan awaiting review).
            row["due"] = f"{local:%Y-%m-%d %H:%M}" if local is not None else "-"
        else:
            row["due"] = local.isoformat() if local is not None else None
        del row["due_at"]
        rows.append(row)
    whose = f"segment {segment}" if segment and not owner else (owner or obj.caller.staff_id)
    emit_rows(
        rows,
        COLUMNS if fmt == "table" else (*COLUMNS, ("segment", "Segment")),
        fmt,
        title=f"Work list of {whose} as of {moment.astimezone(tz):%Y-%m-%d %H:%M}",
        empty="Nothing owed.",
        shown=shown,
        noun="items",
        order="most urgent first",
    )
