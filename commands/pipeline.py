"""`ledger pipeline`: open leads and opportunities across the customers the caller
may see, with totals by stage and by holder (docs/domain.md, "Reports")."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

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
from ledger.domain.pipeline import STAGE_ORDER

if TYPE_CHECKING:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from ledger.domain.pipeline import Total
    from projections.pipeline import PipelineItem

COLUMNS = (
    ("case", "Case"),
    ("title", "Title"),
    ("stage", "Stage"),
    ("value", "Value"),
    ("currency", "Cur"),
    ("expected_close", "Expected close"),
    ("holder", "Holder"),
    ("days_since_follow_up", "Days since follow-up"),
    ("follow_up", "Follow-up due"),
)
MACHINE_COLUMNS = (
    ("customer", "Customer"),
    ("case", "Case"),
    ("title", "Title"),
    ("stage", "Stage"),
    ("value", "Value"),
    ("currency", "Currency"),
    ("expected_close", "Expected close"),
    ("holder", "Holder"),
    ("owner", "Owner"),
    ("segment", "Segment"),
    ("days_since_follow_up", "Days since follow-up"),
    ("follow_up_due", "Follow-up due"),
    ("follow_up_late", "Follow-up late"),
)


@click.command("pipeline")
@click.option("--owner", metavar="STAFF", help="Only the leads and opportunities STAFF holds.")
@click.option("--segment", help="Only customers of this segment.")
@click.option(
    "--stage",
    type=click.Choice(STAGE_ORDER),
    help="Only leads (lead) or opportunities at this sales stage.",
)
@limit_options()
@format_option
@pass_ledger
def pipeline(
    obj: LedgerContext,
    owner: str | None,
    segment: str | None,
    stage: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """Open leads and opportunities of the customers you may see, by stage (leads
    first), then expected close: value, holder, days since the last follow-up and
    when the next is due (every 30 days, a stage change counting as one). Then
    totals by stage and by holder: a count, and the value per currency (amounts in
    different currencies are never added up).

    A table shows the first 50 (--limit N, --all) and the totals of all; json
    gives the items and the totals; jsonl and csv the items only.
    """
    from ledger.clock import now
    from ledger.domain.pipeline import totals

    fmt = choose_format(obj, output_format)
    items = obj.reads.pipeline(owner=owner, segment=segment, stage=stage)
    moment, tz = now(), obj.settings.timezone
    rows = [_row(item, moment, tz) for item in items]
    by_stage = sorted(totals(items, lambda i: i.stage), key=lambda t: STAGE_ORDER.index(t.key))
    by_holder = sorted(totals(items, lambda i: i.holder), key=lambda t: t.key)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "items": rows,
                    "by_stage": [_total(t) for t in by_stage],
                    "by_holder": [_total(t) for t in by_holder],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if fmt != "table":
        emit_rows(rows, MACHINE_COLUMNS, fmt)
        return
    emit_rows(
        rows,
        (("customer", "Customer"), *COLUMNS),
        fmt,
        title=f"Pipeline as of {moment.astimezone(tz):%Y-%m-%d}",
        empty="No open leads or opportunities.",
        shown=shown,
        noun="leads and opportunities",
        order="by stage, then expected close",
    )
    if items:
        for by, found in (("stage", by_stage), ("holder", by_holder)):
            click.echo("")
            emit_rows(
                [_total(t) for t in found],
                (("key", by.capitalize()), ("count", "Count"), ("value", "Value")),
                fmt,
                title=f"Totals by {by}",
            )


def _row(item: PipelineItem, moment: datetime, tz: ZoneInfo) -> dict[str, Any]:
    due = item.follow_up_due
    late = due is not None and due <= moment
    due_day = None if due is None else f"{due.astimezone(tz):%Y-%m-%d}"
    return {
        "customer": item.customer,
        "case": item.case_id,
        "title": item.title,
        "stage": item.stage,
        "value": item.value,
        "currency": item.currency,
        "expected_close": None if item.expected_close is None else item.expected_close.isoformat(),
        "holder": item.holder,
        "owner": item.owner,
        "segment": item.segment,
        "days_since_follow_up": item.days_since_follow_up(moment, tz),
        "follow_up_due": due_day,
        "follow_up_late": late,
        "follow_up": None if due_day is None else f"{due_day} (late)" if late else due_day,
    }


def _total(total: Total) -> dict[str, Any]:
    return {
        "key": total.key,
        "count": total.count,
        "value": total.value_text() or None,
        "values": {cur: f"{amount:.2f}" for cur, amount in sorted(total.values.items())},
    }
