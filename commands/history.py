"""`ledger history CUSTOMER`: the whole relationship, oldest first."""

from __future__ import annotations

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


@click.command()
@click.argument("customer")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    metavar="KIND",
    help="Only these kinds (repeatable or comma-separated): profile, owner, people, contact, "
    "visit, inquiry, complaint, escalation, opportunity, commitment, satisfaction, "
    "relationship, correction; or an event name such as ComplaintFiled.",
)
@click.option("--since", metavar="TIME", help="Only what happened at or after TIME.")
@click.option("--until", metavar="TIME", help="Only what happened at or before TIME.")
@click.option(
    "--occurred-before",
    metavar="TIME",
    help="Only what happened in the world before TIME (the events' own time).",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="TIME",
    help="What the ledger knew at recording time TIME: later entries, even back-dated "
    "ones, are left out.",
)
@limit_options(latest=True)
@format_option
@pass_ledger
def history(
    obj: LedgerContext,
    customer: str,
    kinds: tuple[str, ...],
    since: str | None,
    until: str | None,
    occurred_before: str | None,
    as_of: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """The whole relationship with CUSTOMER (code or exact name), oldest first.

    A table shows the latest 50 entries, still oldest first (--limit N for the
    latest N, --since for a period, --all for everything); json, jsonl and csv
    every one unless --limit.

    One line per event, readable by someone who never met the customer: what
    happened, when (in the ledger's time zone), who recorded it, and the
    version of the customer's stream it is. Corrections stand beside the
    event they correct; the original is never changed.
    """
    from ledger.clock import parse_time
    from ledger.history import resolve_kinds, tell
    from ledger.personal_reading import annotate, erased_people

    tz = obj.settings.timezone
    wanted = resolve_kinds(kinds) if kinds else None
    start = parse_time(since, tz, what="--since") if since else None
    end = parse_time(until, tz, what="--until") if until else None
    before = parse_time(occurred_before, tz, what="--occurred-before") if occurred_before else None
    moment = parse_time(as_of, tz, what="--as-of") if as_of else None
    if start and end and start > end:
        raise click.UsageError("--since is after --until: swap them")
    told = obj.reads.history(customer, moment, detail=f"as of {as_of}" if as_of else "")
    if told is None:
        raise click.ClickException(
            f"{customer} had not been recorded yet at {as_of}: try a later --as-of"
        )
    state, events, total = told.state, told.events, told.total
    known = len(events)
    entries = [
        e
        for e in tell(events, kinds=wanted, since=start, until=end)
        if before is None or e.occurred_at < before
    ]
    reader = obj.core().personal_reader(obj.caller, erased_people(events))
    entries = annotate(entries, events, reader)
    fmt = choose_format(obj, output_format)
    if fmt != "table":
        emit_rows(
            [e.as_dict() for e in entries],
            _MACHINE_COLUMNS,
            fmt,
            shown=shown,
            noun="entries",
            latest=True,
        )
        return
    owner = state.owner or "no owner"
    most = shown.rows_for(fmt)
    if moment is not None:
        click.echo(
            f"As recorded by {moment.astimezone(tz):%Y-%m-%d %H:%M %Z}: {known} of {total} events."
        )
    click.echo(
        f"{state.code} {state.name} — segment {state.segment}, {state.tier}"
        f"{' VIP' if state.vip else ''}, stage {state.stage}, owner {owner}. "
        f"{len(events)} events, {len(entries) if most is None else min(most, len(entries))} shown."
    )
    rows = [
        {
            "v": e.version,
            "when": e.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "kind": e.category,
            "by": e.actor,
            "what": e.text
            + (
                f" [corrected by v{', v'.join(map(str, e.corrected_by))}]" if e.corrected_by else ""
            ),
        }
        for e in entries
    ]
    emit_rows(
        rows,
        [
            ("v", "v"),
            ("when", f"when ({tz.key})"),
            ("kind", "kind"),
            ("by", "by"),
            ("what", "what happened"),
        ],
        "table",
        empty="No events match those filters.",
        shown=shown,
        noun="entries",
        latest=True,
    )


_MACHINE_COLUMNS = [
    ("version", "version"),
    ("event", "event"),
    ("kind", "kind"),
    ("occurred_at", "occurred_at"),
    ("recorded_at", "recorded_at"),
    ("actor", "actor"),
    ("command_id", "command_id"),
    ("text", "text"),
    ("corrected_by", "corrected_by"),
]
