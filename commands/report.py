"""`ledger report monthly`: a calendar month's complaints and inquiries, visits and
coverage, satisfaction and handovers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from commands.runtime import LedgerContext, choose_format, emit_rows, format_option, pass_ledger

if TYPE_CHECKING:
    from projections.monthly import MonthlyReport

SECTIONS = ("cases", "visits", "satisfaction", "handovers")
CASE_COLUMNS = (
    ("kind", "Kind"),
    ("category", "Category"),
    ("received", "Received"),
    ("resolved", "Resolved"),
    ("median_resolution", "Median resolution"),
    ("mean_resolution", "Mean resolution"),
    ("breaches", "Breaches"),
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

    Complaints (by category) and inquiries (by channel): received in the month,
    resolved in the month, median and mean resolution time in working time
    (pauses waiting on the customer excluded), SLA targets breached in the month.
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


def _minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)


def _working(span: timedelta | None) -> str:
    if span is None:
        return ""
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m"
