"""`ledger brief CUSTOMER`: the handover brief, as prose for a person or json."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import click

from commands.runtime import LedgerContext, choose_format, pass_ledger

WIDTH = 88


@click.command()
@click.argument("reference", metavar="CUSTOMER")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("table", "json")),
    default=None,
    help="Readable prose (table, the default) or structured json.",
)
@pass_ledger
def brief(obj: LedgerContext, reference: str, output_format: str | None) -> None:
    """What a new owner of CUSTOMER (code or exact name) must know before the first call.

    The relationship year by year; who owned the account before and why it
    changed hands; key people and their attitude; open promises and pending
    problems from visits; open cases; and what was last discussed.
    """
    from ledger.clock import now

    fmt = choose_format(obj, output_format)
    if fmt not in ("table", "json"):
        raise click.UsageError(f"a brief is shown as table or json, not {fmt}: use --format json")
    document = obj.reads.brief(reference, obj.settings.timezone, now())
    from ledger.personal_reading import reveal_brief_people

    # The brief marks erased people itself (from the 360): no scan of the log.
    reader = obj.core().personal_reader(obj.caller, erased=())
    reveal_brief_people(document["people"], reader)
    if fmt == "json":
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        render(document)


def render(document: dict[str, Any]) -> None:
    c = document["customer"]
    vip = " VIP" if c["vip"] else ""
    click.secho(f"Handover brief: {c['code']} {c['name']}", bold=True)
    lines = [
        f"Segment {c['segment']}, tier {c['tier']}{vip}, stage {c['stage']}, owner "
        f"{c['owner'] or 'none'}; a customer since {c['customer_since']}, "
        f"{c['events']} events recorded."
    ]
    if c["terminated"]:
        t = c["terminated"]
        lines.append(f"Terminated on {t['date']}: {t['reason']} (root cause: {t['root_cause']}).")
    _section(None, lines)
    for warning in document.get("warnings", []):
        click.echo(textwrap.fill(f"Warning: {warning}", WIDTH, subsequent_indent="  "))
    if document.get("warnings"):
        click.echo()
    _section("Who owned the account", [document["owners"]["story"]])
    _section(
        "The relationship, year by year",
        [p for year in document["years"] for p in year["paragraphs"]],
    )
    _section("Key people and their attitude", [p["text"] for p in document["people"]], bullet=True)
    _section("Open promises", [p["text"] for p in document["open_commitments"]], bullet=True)
    _section(
        "Open problems from visits",
        [p["text"] for p in document["pending_problems"]],
        bullet=True,
    )
    _section("Open cases", [c["text"] for c in document["open_cases"]], bullet=True)
    _section(
        "Last discussed",
        [f"{t['date']} {t['text']}" for t in document["last_discussed"]],
        bullet=True,
        empty="Nothing discussed yet: no contacts or visits recorded.",
    )


def _section(
    heading: str | None, texts: list[str], *, bullet: bool = False, empty: str = "None."
) -> None:
    """A heading, then paragraphs (a blank line between) or a bulleted list."""
    if heading is not None:
        click.secho(heading, bold=True)
    first, rest = ("  - ", "    ") if bullet else ("  ", "  ")
    wrapped = [
        textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest)
        for text in texts or [empty]
    ]
    click.echo(("\n" if bullet else "\n\n").join(wrapped))
    click.echo()
