"""The customer 360 drawn for a person at a terminal, from the view document.

Plain lines through click: styles (bold, colours) only on a terminal, and the text
printed as it was recorded. (It was drawn with rich, whose import alone was a
tenth of `customer show`'s start, and whose markup ate text in brackets, such as
a closed branch's "[closed]", and turned `:b:` into an emoji.)"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from commands.tables import render_table, terminal_width
from ledger.domain.problems import owed_by

OPEN = {"open", "lead", "planned"}


def render_360(
    doc: dict[str, Any], tz: ZoneInfo, moment: datetime | None, warnings: Sequence[str] = ()
) -> None:
    def when(text: str | None, with_time: bool = True) -> str:
        if not text:
            return ""
        shown = datetime.fromisoformat(text).astimezone(tz)
        return shown.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")

    vip = " VIP" if doc["vip"] else ""
    kind = ", ".join(x for x in (doc["kind"], doc["industry"]) if x)
    title = click.style(f"{doc['code']} {doc['name']}", bold=True) + f" ({kind})"
    if moment is not None:
        recorded = f"as recorded by {moment.astimezone(tz):%Y-%m-%d %H:%M}"
        title += "  " + click.style(recorded, fg="yellow")
    click.echo(title)
    click.echo(
        f"segment {doc['segment']} · {doc['tier']}{vip} · stage {doc['stage']} · owner "
        f"{doc['owner'] or click.style('none', fg='red')}"
        + (f" · HQ {doc['headquarters']}" if doc["headquarters"] else "")
        + f" · registered {when(doc['registered_at'], False)} · {doc['version']} events"
    )
    if doc["termination"]:
        t = doc["termination"]
        click.echo(
            click.style(f"Terminated {when(t['occurred_at'], False)}", fg="red")
            + f": {t['reason']} "
            f"(root cause: {t['root_cause']}; head office {t['head_office_ref']})"
        )
    for warning in warnings:
        click.echo(click.style("Warning:", fg="red", bold=True) + f" {warning}")
    if doc["owners"]:
        chain = " → ".join(
            f"{o['owner']} ({when(o['occurred_at'], False)}"
            + (f": {o['reason']}" if o["reason"] and o["reason"] != "registered" else "")
            + ")"
            for o in doc["owners"]
        )
        click.echo(f"Owners: {chain}")
    branches = [
        f"{bid} {b['name']}"
        + (f" ({b['location']})" if b["location"] else "")
        + ("" if b["open"] else " [closed]")
        for bid, b in doc["branches"].items()
    ]
    if branches:
        click.echo("Branches: " + "; ".join(branches))

    from projections.contact_plan import plan_summary

    # Overdue as of the moment shown: today, or the --as-of moment.
    today = (moment or datetime.now(tz)).astimezone(tz).date()
    people = _table(
        "Key people",
        ["id", "name", "title", "role", "relationship", "counterpart", "contact plan"],
    )
    for pid, p in doc["people"].items():
        name = p["name"] if p["present"] else f"{p['name']} (left)"
        plan = plan_summary(p, tz, today) if p["present"] else None
        people.add_row(
            pid,
            name,
            p.get("title", ""),
            p["decision_role"].replace("_", " "),
            p["relationship_status"].replace("_", " "),
            p.get("counterpart") or "",
            plan["text"] if plan else "",
        )
    _print_if_rows(people)
    _print_personal(doc["people"])

    cases = [(cid, c) for cid, c in doc["cases"].items() if c["status"] in OPEN]
    service = _table("Open cases", ["id", "kind", "what", "opened", "state"])
    # A planned visit is told by when it is to happen, not when it was planned.
    visits = _table("Planned visits", ["id", "what", "planned for", "visitor"])
    sales = _table("Opportunities", ["id", "title", "stage", "value", "last follow-up", "held by"])
    promises = _table("Open commitments", ["id", "promise", "due", "from", "held by"])
    for cid, c in cases:
        if c["kind"] == "visit":
            visits.add_row(cid, c.get("title", ""), when(c.get("planned_for")), c.get("visitor"))
        elif c["kind"] == "opportunity":
            value = f"{c.get('value') or ''} {c.get('currency') or ''}".strip()
            sales.add_row(
                cid,
                c["title"],
                c.get("stage", ""),
                value,
                when(c.get("last_follow_up")),
                c.get("holder") or "",
            )
        elif c["kind"] == "commitment":
            promises.add_row(
                cid, c["title"], c.get("due") or "", c.get("source") or "", c.get("holder") or ""
            )
        else:
            service.add_row(cid, c["kind"], c.get("title", ""), when(c["opened_at"]), _state(c))
    for table in (service, visits, sales, promises):
        _print_if_rows(table)

    problems = _table("Open problems from visits", ["id", "problem", "raised", "at", "owed by"])
    for problem in doc["pending_problems"]:
        problems.add_row(
            problem["id"],
            problem["text"],
            when(problem["occurred_at"], False),
            problem["visit"],
            owed_by(doc["owner"]) or "",
        )
    _print_if_rows(problems)

    contacts = _table("Last contact per channel", ["channel", "when", "direction", "summary"])
    for channel, c in sorted(
        doc["last_contact"].items(), key=lambda kv: kv[1]["occurred_at"], reverse=True
    ):
        contacts.add_row(channel, when(c["occurred_at"]), c["direction"], c["summary"])
    _print_if_rows(contacts)

    if doc["last_visit"]:
        v = doc["last_visit"]
        click.echo(
            f"Last visit {v['case_id']} {when(v['occurred_at'], False)} by {v['visitor']}: "
            f"outcome {v['outcome']} — {v['summary']}"
        )
    if doc["satisfaction"]:
        scores = [s["score"] for s in doc["satisfaction"]]
        trend = " → ".join(str(s) for s in scores[-8:])
        click.echo(
            f"Satisfaction: {trend} (average {sum(scores) / len(scores):.1f} over {len(scores)})"
        )

    timeline = _table("Recent timeline", ["v", "when", "by", "what"])
    for entry in doc["timeline"][-10:]:
        timeline.add_row(str(entry["v"]), when(entry["occurred_at"]), entry["actor"], entry["text"])
    _print_if_rows(timeline)


def _state(case: dict[str, Any]) -> str:
    parts = [case["status"]]
    if case.get("paused_at"):
        parts.append("paused (waiting on customer)")
    if case.get("acknowledged_at"):
        parts.append("acknowledged")
    if case.get("escalation_level"):
        parts.append(f"escalated L{case['escalation_level']}")
    return ", ".join(parts)


@dataclass
class _Table:
    """One section of the 360 as a table, printed only when it has rows."""

    title: str
    headings: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add_row(self, *cells: str) -> None:
        self.rows.append(list(cells))


def _table(title: str, columns: list[str]) -> _Table:
    return _Table(title, columns)


def _print_if_rows(table: _Table) -> None:
    if table.rows:
        click.echo(
            render_table(
                table.headings,
                table.rows,
                title=table.title,
                terminal_width=terminal_width(sys.stdout),
            )
        )


def _print_personal(people: dict[str, Any]) -> None:
    """Each key person's personal details (opened at read time), or why not shown."""
    from ledger.domain.personal import describe

    for pid, p in people.items():
        personal = p.get("personal")
        if not personal:
            continue
        text = personal if isinstance(personal, str) else describe(personal)
        click.echo(f"{pid} {p['name']}, personal details: {text}")
