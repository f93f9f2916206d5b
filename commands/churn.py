"""`ledger churn list`: customers by churn risk, each with its reasons in words."""

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

RISK_COLUMNS = (
    ("score", "Score"),
    ("code", "Code"),
    ("name", "Name"),
    ("segment", "Segment"),
    ("owner", "Owner"),
    ("reasons", "Why"),
)
WIN_BACK_COLUMNS = (
    ("code", "Code"),
    ("name", "Name"),
    ("segment", "Segment"),
    ("owner", "Owner"),
    ("terminated", "Terminated"),
    ("days_since", "Days since"),
    ("last_contact", "Last contact"),
    ("reason", "Reason"),
)


@click.group()
def churn() -> None:
    """Customers at risk of leaving, scored 0-100 with the reasons."""


@churn.command("list")
@click.option("--segment", help="Only customers of this segment.")
@click.option("--owner", metavar="STAFF", help="Only customers this staff member owns.")
@click.option(
    "--min-score",
    type=int,
    metavar="N",
    help="Only customers scoring at least N (0-100).",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="TIME",
    help="Score as at TIME (default now): days and windows count back from TIME, and "
    "what happened after it is left out.",
)
@click.option(
    "--win-back",
    is_flag=True,
    help="List the terminated customers instead: the win-back list, most recently "
    "terminated first.",
)
@limit_options()
@format_option
@pass_ledger
def list_(
    obj: LedgerContext,
    segment: str | None,
    owner: str | None,
    min_score: int | None,
    as_of: str | None,
    win_back: bool,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """Active customers by churn risk, highest score first (ties by code). A table
    shows the first 50 (--limit N, --all); json, jsonl and csv every one.

    The score adds up the signals that fire, capped at 100: no contact for
    longer than the customer's usual cadence; open complaints and their age;
    SLA breaches and escalations in the last 90 days; falling satisfaction; a
    negative decision maker; no owner; a latest visit that ended D (no hope);
    fewer contacts in the last 90 days than in the 90 before; lost
    opportunities. Weights and thresholds come from the [churn] table of the
    configuration file.

    Terminated customers are not scored here: they are on the win-back list,
    shown with --win-back.
    """
    from ledger.clock import now, parse_time
    from projections.churn_scoring import churn_policy

    if min_score is not None and not 0 <= min_score <= 100:
        raise click.UsageError(f"--min-score is a score from 0 to 100, not {min_score}")
    fmt = choose_format(obj, output_format)
    moment = parse_time(as_of, obj.settings.timezone, what="--as-of") if as_of else now()
    reads = obj.reads
    segment = reads.scope_segment(segment)
    if win_back:
        if min_score is not None:
            raise click.UsageError(
                "--min-score does not apply to --win-back: terminated customers are not scored"
            )
        emit_rows(
            reads.win_back(moment, segment=segment, owner=owner),
            WIN_BACK_COLUMNS,
            fmt,
            title="Win-back: terminated customers",
            empty="No terminated customers.",
            shown=shown,
            noun="terminated customers",
            order="most recently terminated first",
        )
        return
    policy = churn_policy(obj.settings.raw)
    # Only the customers that may be shown are scored (a table: the first 50).
    ranked, total = reads.churn_at_risk_page(
        shown.rows_for(fmt), policy, moment, segment=segment, owner=owner, min_score=min_score or 0
    )
    local = moment.astimezone(obj.settings.timezone)
    emit_rows(
        [r.as_row() for r in ranked],
        RISK_COLUMNS,
        fmt,
        title=f"Churn risk as of {local:%Y-%m-%d %H:%M}",
        empty="No customers to score.",
        shown=shown,
        noun="customers",
        order="highest risk first",
        total=total,
    )
    if fmt == "table":
        terminated = len(reads.win_back(moment, segment=segment, owner=owner))
        if terminated:
            click.echo(
                f"{terminated} terminated customer{'s are' if terminated > 1 else ' is'} on "
                "the win-back list: ledger churn list --win-back"
            )
