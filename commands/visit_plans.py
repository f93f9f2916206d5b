"""`ledger visit plan-month|plan-approve|plan-return|plans`: next month's visit
plan, handed in by an account manager and reviewed by their segment head
(docs/domain.md, "Follow-through").

The visits of a plan are typed as repeatable options or read from a CSV file;
every one is checked before anything is recorded, and the first bad one is
refused in one line that names it (the option, or the file's row).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from commands.runtime import (
    LedgerContext,
    build_command,
    choose_format,
    emit_rows,
    format_option,
    pass_ledger,
    recording_options,
)

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.commands import Command, PlannedVisit
    from ledger.visit_plan_commands import PlanReceipt
    from projections.visit_plans import PlanRow

VISIT_FORMAT = "CUSTOMER:PURPOSE:YYYY-MM-DD[:KIND[:PEOPLE[:AGENDA]]]"
VISIT_EXAMPLE = "C-00012:maintenance:2027-01-14"
# The CSV's columns: the first three are required, the rest may be left out.
CSV_COLUMNS = ("customer", "purpose", "date", "kind", "people", "agenda")
CSV_REQUIRED = CSV_COLUMNS[:3]
PLAN_COLUMNS = (
    ("owner", "Owner"),
    ("segment", "Segment"),
    ("status", "Status"),
    ("late", "Late"),
    ("submitted_at", "Submitted"),
    ("revision", "Revision"),
    ("visits", "Visits"),
    ("customers", "Customers"),
    ("decided_by", "Reviewed by"),
    ("note", "Note"),
)


def planned_visit(fields: dict[str, str], source: str) -> PlannedVisit:
    """One visit of the plan from its typed fields, or one line naming `source`."""
    from pydantic import ValidationError

    from ledger.commands import PlannedVisit

    for column in CSV_REQUIRED:
        if not fields.get(column):
            raise click.UsageError(
                f"{source}: no {column}: every visit names its customer, purpose and date"
            )
    values: dict[str, Any] = {k: v for k, v in fields.items() if v}
    values["day"] = values.pop("date", "")
    if "people" in values:
        values["people"] = values["people"].replace(";", " ").split()
    try:
        return PlannedVisit(**values, source=source)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first.get("loc") else "visit"
        column = "date" if field == "day" else field
        given = fields.get(column, "")
        message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
        raise click.UsageError(
            f"{source}: {column} {given!r} is not valid: {message[0].lower()}{message[1:]}"
        ) from None


def parse_visit_option(text: str) -> PlannedVisit:
    """`C-00012:maintenance:2027-01-14[:KIND[:P1 P2[:AGENDA]]]` into a visit."""
    source = f"--visit {text!r}"
    parts = text.split(":", 5)
    if len(parts) < 3:
        raise click.UsageError(f"{source}: write {VISIT_FORMAT}, e.g. {VISIT_EXAMPLE}")
    return planned_visit(dict(zip(CSV_COLUMNS, parts, strict=False)), source)


def read_visits_csv(path: str) -> list[PlannedVisit]:
    """Every row of the CSV (UTF-8, a header naming the columns), each checked; the
    first bad row is refused naming its row number as a spreadsheet shows it (the
    header is row 1)."""
    name = Path(path).name
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise click.UsageError(f"--from-csv {path}: cannot read it ({error.strerror})") from None
    except UnicodeDecodeError:
        raise click.UsageError(f"--from-csv {name} is not UTF-8 text: save it as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [column.strip() for column in reader.fieldnames or []]
    missing = [column for column in CSV_REQUIRED if column not in header]
    unknown = [column for column in header if column not in CSV_COLUMNS]
    # A column named twice would silently lose one of its cells in each row.
    twice = sorted({column for column in header if header.count(column) > 1})
    if twice:
        raise click.UsageError(
            f"--from-csv {name}: the header names {', '.join(twice)} more than once: "
            "name each column once"
        )
    if missing or unknown:
        raise click.UsageError(
            f"--from-csv {name}: the header must name the columns {', '.join(CSV_REQUIRED)} "
            f"(and optionally kind, people, agenda); "
            + (f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}")
        )
    reader.fieldnames = header
    visits = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise click.UsageError(f"{name} row {number}: more cells than the header names")
        cells = {key: (value or "").strip() for key, value in row.items()}
        visits.append(planned_visit(cells, f"{name} row {number}"))
    if not visits:
        raise click.UsageError(f"--from-csv {name} holds no visits: one row per visit")
    return visits


def plan_month_command(
    obj: LedgerContext,
    month: str,
    owner: str | None,
    visits: tuple[str, ...],
    from_csv: str | None,
    recording: dict[str, str | None],
) -> None:
    from ledger.commands import SubmitVisitPlan
    from ledger.domain.sla.months import Month

    Month.parse(month)
    if not visits and from_csv is None:
        raise click.UsageError(
            f"give the plan's visits: --visit {VISIT_FORMAT} (repeatable) or --from-csv FILE"
        )
    planned = [parse_visit_option(text) for text in visits]
    if from_csv is not None:
        planned += read_visits_csv(from_csv)
    command = build_command(
        obj,
        SubmitVisitPlan,
        obj.require_actor(),
        month=month,
        owner=owner,
        visits=planned,
        **recording,
    )
    receipt = obj.ledger(writing=True).submit_visit_plan(command)
    render_plan_receipt(obj, receipt, "submitted")


def render_plan_receipt(obj: LedgerContext, receipt: PlanReceipt, done: str) -> None:
    if obj.output_format in ("json", "jsonl"):
        click.echo(
            json.dumps(
                {
                    "plan": receipt.plan,
                    "revision": receipt.revision,
                    "status": receipt.status,
                    "late": receipt.late,
                    "planned": list(receipt.planned),
                    "cancelled": list(receipt.cancelled),
                    "replayed": receipt.replayed,
                }
            )
        )
        return
    if receipt.replayed:
        click.echo(
            f"Already recorded: visit plan {receipt.plan} is {receipt.status} (revision "
            f"{receipt.revision}); nothing new was written."
        )
        return
    late = (
        " It is late: it was due by the end of the month's last working day before."
        if (done == "submitted" and receipt.late)
        else ""
    )
    click.echo(f"Visit plan {receipt.plan} {done} (revision {receipt.revision}).{late}")
    if receipt.planned:
        click.echo(f"Visits planned: {', '.join(receipt.planned)}.")
    if receipt.cancelled:
        click.echo(f"Visits dropped from the plan, cancelled: {', '.join(receipt.cancelled)}.")


def plan_rows_for_output(rows: list[PlanRow], fmt: str, obj: LedgerContext) -> list[dict[str, Any]]:
    tz = obj.settings.timezone
    people = fmt == "table"
    out = []
    for row in rows:
        submitted = row.submitted_at
        out.append(
            {
                "owner": row.owner,
                "month": row.month,
                "segment": row.segment,
                "status": row.status,
                "late": ("late" if row.late else "") if people else row.late,
                "submitted_at": (
                    ""
                    if submitted is None
                    else submitted.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                    if people
                    else submitted.astimezone(tz).isoformat()
                ),
                "due": row.due.astimezone(tz).isoformat(),
                "revision": row.revision,
                "visits": row.visits,
                "customers": row.customers,
                "decided_by": row.decided_by or "",
                "note": row.note,
            }
        )
    return out


def summary_line(rows: list[PlanRow]) -> str:
    from ledger.domain.visit_plan import APPROVED, NOT_SUBMITTED, RETURNED, SUBMITTED

    counts = {
        status: sum(r.status == status for r in rows)
        for status in (NOT_SUBMITTED, SUBMITTED, APPROVED, RETURNED)
    }
    late = sum(r.late for r in rows)
    parts = ", ".join(f"{count} {status}" for status, count in counts.items())
    owners = "owner" if len(rows) == 1 else "owners"
    return f"{len(rows)} {owners}: {parts}; {late} late."


@click.command("plan-month")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month planned, e.g. 2027-01.")
@click.option(
    "--owner",
    metavar="STAFF",
    help="Whose plan (default: yours); a segment head may submit a member's.",
)
@click.option(
    "--visit",
    "visits",
    multiple=True,
    metavar=VISIT_FORMAT,
    help=f"One visit, e.g. {VISIT_EXAMPLE}; PEOPLE are key people's ids (P1 P2) (repeatable).",
)
@click.option(
    "--from-csv",
    metavar="FILE",
    help="Visits from a UTF-8 CSV file with the header customer,purpose,date and "
    "optionally kind,people,agenda; one row per visit.",
)
@recording_options
@pass_ledger
def plan_month(
    obj: LedgerContext,
    month: str,
    owner: str | None,
    visits: tuple[str, ...],
    from_csv: str | None,
    **recording: str | None,
) -> None:
    """Submit a month's visit plan: the customers to visit, why and when.

    Every visit is checked first (a customer the plan's owner may plan visits
    for, a relationship not terminated, a date in the month); one bad visit
    refuses the whole plan and nothing is written. A plan is due by the end of
    the last working day of the month before. A returned plan is submitted again
    the same way: visits it keeps stay planned, new ones are planned, and the
    ones it drops are cancelled.
    """
    plan_month_command(obj, month, owner, visits, from_csv, recording)


@click.command("plan-approve")
@click.argument("owner", metavar="STAFF")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month planned.")
@click.option("--note", default="", help="A word for the plan's owner.")
@recording_options
@pass_ledger
def plan_approve(
    obj: LedgerContext, owner: str, month: str, note: str, **recording: str | None
) -> None:
    """Approve STAFF's submitted visit plan for a month (their segment head, or an
    executive)."""
    from ledger.application import Ledger
    from ledger.commands import ApproveVisitPlan

    _review(obj, Ledger.approve_visit_plan, ApproveVisitPlan, "approved", owner, month, note=note,
            **recording)  # fmt: skip


@click.command("plan-return")
@click.argument("owner", metavar="STAFF")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month planned.")
@click.option("--reason", required=True, help="What to change before it is submitted again.")
@recording_options
@pass_ledger
def plan_return(
    obj: LedgerContext, owner: str, month: str, reason: str, **recording: str | None
) -> None:
    """Return STAFF's submitted visit plan for a month, with the reason (their
    segment head, or an executive); they revise it and submit it again."""
    from ledger.application import Ledger
    from ledger.commands import ReturnVisitPlan

    _review(obj, Ledger.return_visit_plan, ReturnVisitPlan, "returned", owner, month,
            reason=reason, **recording)  # fmt: skip


def _review(
    obj: LedgerContext,
    decide: Callable[[Ledger, Any], PlanReceipt],
    model: type[Command],
    done: str,
    owner: str,
    month: str,
    **fields: Any,
) -> None:
    """A segment head's (or executive's) decision on a submitted plan."""
    from ledger.domain.sla.months import Month

    Month.parse(month)
    command = build_command(obj, model, obj.require_actor(), owner=owner, month=month, **fields)
    render_plan_receipt(obj, decide(obj.ledger(writing=True), command), done)


@click.command("plans")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month planned, e.g. 2027-01.")
@format_option
@pass_ledger
def plans(obj: LedgerContext, month: str, output_format: str | None) -> None:
    """Where each owner's visit plan for a month stands: not submitted, submitted,
    approved or returned, and whether it is late. Staff see their own; a segment
    head their segment's account managers; executives and auditors everyone."""
    from ledger.clock import now
    from ledger.domain.sla.months import Month

    chosen = Month.parse(month)
    rows = obj.reads.visit_plans(chosen, now=now())
    fmt = choose_format(obj, output_format)
    emit_rows(
        plan_rows_for_output(rows, fmt, obj),
        PLAN_COLUMNS
        if fmt == "table"
        else [
            (k, k)
            for k in (
                "owner",
                "month",
                "segment",
                "status",
                "late",
                "submitted_at",
                "due",
                "revision",
                "visits",
                "customers",
                "decided_by",
                "note",
            )
        ],
        fmt,
        title=f"Visit plans for {chosen}",
        empty=f"No account managers or visit plans for {chosen} in sight.",
    )
    if fmt == "table" and rows:
        click.echo(summary_line(rows))


PLAN_COMMANDS = (plan_month, plan_approve, plan_return, plans)
