"""`ledger report monthly`: a calendar month's complaints and inquiries (by
category and by root cause), visits and coverage, satisfaction and handovers;
`ledger report submit`: a segment's summary of the month handed to head office
(docs/domain.md, "Reports")."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

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

if TYPE_CHECKING:
    from projections.monthly import MonthlyReport

SECTIONS = ("cases", "causes", "visits", "satisfaction", "handovers")
CASE_COLUMNS = (
    ("kind", "Kind"),
    ("category", "Category"),
    ("received", "Received"),
    ("share", "Share"),
    ("open", "Still open"),
    ("resolved", "Resolved"),
    ("median_resolution", "Median resolution"),
    ("mean_resolution", "Mean resolution"),
    ("breaches", "Breaches"),
)
CAUSE_COLUMNS = (
    ("kind", "Kind"),
    ("cause", "Root cause"),
    ("complaints", "Complaints"),
    ("share", "Share"),
    ("open", "Still open"),
    ("resolved", "Resolved"),
)
VISIT_COLUMNS = (
    ("owner", "Owner"),
    ("customers", "Active customers"),
    ("planned", "Planned"),
    ("visited", "Visited"),
    ("coverage", "Coverage"),
    ("visits", "Visits"),
    ("target_met", "Target met"),
)
SATISFACTION_COLUMNS = (("source", "Source"), ("count", "Scores"), ("average", "Average"))
HANDOVER_COLUMNS = (
    ("customer", "Customer"),
    ("at", "When"),
    ("from", "From"),
    ("to", "To"),
    ("reason", "Reason"),
)


@click.group()
def report() -> None:
    """Reports for managers."""


@report.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The calendar month, e.g. 2026-03.")
@click.option("--segment", help="Only customers of this segment (their segment now).")
@format_option
@pass_ledger
def monthly(obj: LedgerContext, month: str, segment: str | None, output_format: str | None) -> None:
    """The figures of one calendar month, in the ledger's time zone.

    Complaints (by category) and inquiries (by channel, their category): received
    in the month, their share of the kind, how many of them are still open now,
    resolved in the month, median and mean resolution time in working time
    (pauses waiting on the customer excluded), SLA targets breached in the month.
    Root causes: the month's complaints by the cause their latest resolution
    states (one cause however it was typed), most common first.
    Visits: each owner's active customers at the month's end, how many their
    submitted or approved visit plan holds, how many were visited, the coverage
    against the target, and the visit reports. Satisfaction scores by source.
    Handovers: every change of owner in the month.
    """
    from ledger.access import AUDITOR, EXECUTIVE, SEGMENT_HEAD
    from ledger.clock import now
    from ledger.domain.sla.months import Month

    obj.require(
        lambda c: c.role in (EXECUTIVE, AUDITOR, SEGMENT_HEAD),
        "the monthly report covers whole segments: ask your segment head",
    )
    segment = obj.reads.scope_segment(segment)
    chosen = Month.parse(month)
    figures = obj.reads.monthly_report(chosen, segment=segment, now=now())
    fmt = choose_format(obj, output_format)
    sections = report_sections(figures, obj.settings.timezone, fmt)
    if fmt == "json":
        doc = {"month": str(chosen), "segment": segment, **sections}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
        return
    if fmt in ("csv", "jsonl"):
        rows = [{"section": name, **row} for name in SECTIONS for row in sections[name]]
        emit_rows(rows, _all_columns(), fmt)
        return
    where = f", segment {segment}" if segment else ""
    click.echo(f"Monthly report {chosen}{where}\n")
    titles = {
        "cases": ("Complaints and inquiries", CASE_COLUMNS, "No complaints or inquiries."),
        "causes": ("Complaints by root cause", CAUSE_COLUMNS, "No complaints."),
        "visits": (
            f"Visits and coverage (target {figures.coverage_target:.0%})",
            VISIT_COLUMNS,
            "No owners with active customers.",
        ),
        "satisfaction": ("Satisfaction", SATISFACTION_COLUMNS, "No satisfaction scores."),
        "handovers": ("Handovers", HANDOVER_COLUMNS, "No handovers."),
    }
    for name in SECTIONS:
        title, columns, empty = titles[name]
        emit_rows(sections[name], columns, fmt, title=title, empty=f"{title}: {empty}")


def report_sections(
    figures: MonthlyReport, tz: ZoneInfo, fmt: str
) -> dict[str, list[dict[str, Any]]]:
    """The report as rows per section: durations as words for people and as minutes
    for machines."""
    people = fmt == "table"
    cases = []
    for f in figures.cases:
        row: dict[str, Any] = {
            "kind": f.kind,
            "category": f.category,
            "received": f.received,
            "share": _share(f.share, people),
            "open": f.open,
            "resolved": f.resolved,
            "breaches": f.breaches,
        }
        if people:
            row["median_resolution"] = _working(f.median_resolution)
            row["mean_resolution"] = _working(f.mean_resolution)
        else:
            row["median_resolution_minutes"] = _minutes(f.median_resolution)
            row["mean_resolution_minutes"] = _minutes(f.mean_resolution)
        cases.append(row)
    causes = [
        {
            "kind": "complaint",
            "cause": f.cause,
            "complaints": f.complaints,
            "share": _share(f.share, people),
            "open": f.open,
            "resolved": f.resolved,
        }
        for f in figures.causes
    ]
    visits = [
        {
            "owner": share.owner,
            "customers": share.customers,
            "planned": share.planned,
            "visited": share.visited,
            "coverage": f"{share.share:.0%}" if people else round(share.share, 4),
            "visits": share.visits,
            "target_met": share.share >= figures.coverage_target,
        }
        for share in figures.visits
    ]
    satisfaction = [
        {
            "source": s.source,
            "count": s.count,
            "average": None if s.average is None else round(s.average, 2),
        }
        for s in figures.satisfaction
    ]
    handovers = [
        {
            "customer": h.customer,
            "at": h.occurred_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
            if people
            else h.occurred_at.astimezone(tz).isoformat(),
            "from": h.previous,
            "to": h.owner,
            "reason": h.reason,
        }
        for h in figures.handovers
    ]
    return {
        "cases": cases,
        "causes": causes,
        "visits": visits,
        "satisfaction": satisfaction,
        "handovers": handovers,
    }


def _all_columns() -> list[tuple[str, str]]:
    names = [
        "section",
        "kind",
        "category",
        "received",
        "cause",
        "complaints",
        "share",
        "open",
        "resolved",
        "median_resolution_minutes",
        "mean_resolution_minutes",
        "breaches",
        "owner",
        "customers",
        "planned",
        "visited",
        "coverage",
        "visits",
        "target_met",
        "source",
        "count",
        "average",
        "customer",
        "at",
        "from",
        "to",
        "reason",
    ]
    return [(name, name) for name in names]


def _share(share: float, people: bool) -> str | float:
    return f"{share:.0%}" if people else round(share, 4)


def _minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)


def _working(span: timedelta | None) -> str:
    if span is None:
        return ""
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m"


@report.command("submit")
@click.option(
    "--month", required=True, metavar="YYYY-MM", help="The month summarised, e.g. 2026-11."
)
@click.option(
    "--kind",
    type=click.Choice(("cases", "visits")),
    default="cases",
    show_default=True,
    help="cases: complaints and inquiries; visits: visits and coverage.",
)
@click.option("--segment", help="The segment (default: your own; an executive must give it).")
@click.option("--note", default="", help="A word for head office, kept with the submission.")
@recording_options
@pass_ledger
def submit_summary(
    obj: LedgerContext,
    month: str,
    kind: str,
    segment: str | None,
    note: str,
    **recording: str | None,
) -> None:
    """Record that the segment's summary of MONTH was handed to head office.

    Due by the end of the policy's report day (sla.report_due_day, the 5th by
    default) of the following month, in the ledger's time zone; one not submitted
    by then is a breach in `ledger sla breaches`. A month is submitted once, by its
    segment head or an executive, and only once it has ended.
    """
    from ledger.application import Ledger
    from ledger.commands import SubmitSummary
    from ledger.domain.sla.months import Month

    chosen = Month.parse(month)
    receipt = submit(
        obj, Ledger.submit_summary, SubmitSummary, month=str(chosen), kind=kind,
        segment=segment, note=note, **recording,
    )  # fmt: skip
    tz = obj.settings.timezone
    if obj.output_format in ("json", "jsonl"):
        doc = {
            "segment": receipt.segment,
            "month": receipt.month,
            "kind": receipt.kind,
            "submitted_by": receipt.submitted_by,
            "submitted_at": receipt.submitted_at.astimezone(tz).isoformat(),
            "due": receipt.due_at.astimezone(tz).isoformat(),
            "late": receipt.late,
            "replayed": receipt.replayed,
        }
        click.echo(json.dumps(doc))
        return
    what = f"the {receipt.kind} summary of {receipt.segment} for {receipt.month}"
    when = receipt.submitted_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    last_day = (receipt.due_at.astimezone(tz) - timedelta(days=1)).strftime("%Y-%m-%d")
    timing = f"late: it was due by the end of {last_day}" if receipt.late else "on time"
    if receipt.replayed:
        click.echo(
            f"Already recorded: {what} was submitted by {receipt.submitted_by} on {when}; "
            "nothing new was written."
        )
    else:
        click.echo(f"Submitted: {what}, on {when} ({timing}).")
