"""`ledger audit digest|verify`: prove the recorded history is complete and unaltered."""

from __future__ import annotations

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

if TYPE_CHECKING:
    from ledger.audit import AuditReport


@click.group()
def audit() -> None:
    """Tamper evidence (hash chains per stream, a ledger-wide digest) and the read log."""


@audit.command()
@click.option(
    "--heads",
    "heads_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write every stream's head to FILE; keep it with the digest so a later "
    "mismatch names the streams that changed.",
)
@format_option
@pass_ledger
def digest(obj: LedgerContext, heads_file: str | None, output_format: str | None) -> None:
    """Print the current ledger digest, after verifying every stream.

    Keep the digest outside the system (a signed report, an email to the
    auditors): `ledger audit verify --digest D` later proves that nothing
    recorded before it was rewritten. No digest is printed for a ledger that
    does not verify.
    """
    from ledger.access import may_audit

    obj.require(may_audit, "audits are for auditors and executives")
    report = _verify(obj, up_to=None)
    if not report.ok:
        _show_divergences(report, choose_format(obj, output_format))
        raise click.ClickException(
            f"{_altered(report).split(': ')[0]}: no digest was issued; see `ledger audit verify`"
        )
    if heads_file is not None:
        from pathlib import Path

        from ledger.audit import write_heads

        try:
            Path(heads_file).write_text(write_heads(report), encoding="ascii")
        except OSError as error:
            # A folder that is not there, a full disk: said before any digest is printed.
            raise click.ClickException(
                f"--heads {heads_file} cannot be written ({error.strerror}): no digest was "
                "printed; give a file in a folder you can write to"
            ) from None
    if choose_format(obj, output_format) == "table":
        click.echo(report.digest)
        click.echo(
            f"Covers {report.events} events in {report.streams} streams (customers, staff "
            f"accounts, read log), up to log "
            f"position {report.position}.",
            err=True,
        )
        return
    emit_rows([_summary(report)], _SUMMARY_COLUMNS, choose_format(obj, output_format))


@audit.command()
@click.argument("customer", required=False)
@click.option(
    "--digest",
    "kept_digest",
    metavar="DIGEST",
    help="A digest printed earlier by `ledger audit digest`: prove nothing before it changed.",
)
@click.option(
    "--heads",
    "heads_file",
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="The heads file written with the digest (`audit digest --heads`): a mismatch "
    "then names the streams whose head changed.",
)
@format_option
@pass_ledger
def verify(
    obj: LedgerContext,
    customer: str | None,
    kept_digest: str | None,
    heads_file: str | None,
    output_format: str | None,
) -> None:
    """Recompute every hash; report the first divergence per stream.

    Streams are the customers', the staff accounts' and the read log's.

    The customer directory (codes, names, numbering) is checked against the
    customer streams: a code or name pointing at the wrong customer is named.

    With CUSTOMER, only that customer's stream. With --digest, the whole log up to
    the digest's position is recomputed and must give the same digest; with
    --heads too, a mismatch names each stream whose head changed. Exits 1 on any
    divergence.
    """
    from ledger.access import may_audit
    from ledger.audit import Auditor, changed_heads, parse_digest, read_heads

    obj.require(may_audit, "audits are for auditors and executives")
    fmt = choose_format(obj, output_format)
    if customer is not None and kept_digest is not None:
        raise click.UsageError("--digest covers the whole ledger: leave out CUSTOMER")
    if heads_file is not None and kept_digest is None:
        raise click.UsageError("--heads goes with the --digest it was written for")
    position = parse_digest(kept_digest) if kept_digest else None
    kept_heads = None
    if heads_file is not None and kept_digest is not None:
        from pathlib import Path

        try:
            text = Path(heads_file).read_text(encoding="ascii", errors="replace")
        except OSError as error:
            raise click.ClickException(
                f"--heads {heads_file} cannot be read ({error.strerror})"
            ) from None
        kept_heads = read_heads(text, kept_digest, heads_file)
    if customer is not None:
        app = obj.core()
        report = Auditor(app.recorder, app.mapper).verify_stream(app.resolve_customer(customer))
        if report.ok:
            app.get_customer(customer)  # refuses if the directory led to another customer
    else:
        report = _verify(obj, up_to=position)
    if not report.ok:
        _show_divergences(report, fmt)
        raise click.ClickException(_altered(report))
    if kept_digest is not None and report.digest != kept_digest.strip():
        if kept_heads is not None:
            for change in changed_heads(kept_heads, report):
                name = change.customer_code or str(change.stream_id)
                click.echo(f"stream {name} ({change.stream_id}): {change.detail}", err=True)
        raise click.ClickException(
            f"the ledger up to log position {position} no longer gives that digest: events "
            "recorded before it were removed or rewritten"
        )
    if fmt != "table":
        emit_rows([_summary(report)], _SUMMARY_COLUMNS, fmt)
        return
    scope = f"up to log position {report.position} " if customer is None else ""
    click.echo(
        f"Verified {report.events} events in {report.streams} stream(s) {scope}with no divergence."
    )
    if kept_digest is not None:
        click.echo("The digest matches: nothing recorded before it was rewritten.")


def _verify(obj: LedgerContext, up_to: int | None) -> AuditReport:
    from commands.runtime import stderr_progress
    from ledger.audit import Auditor
    from ledger.snapshot_audit import snapshotted, verify_snapshots

    app = obj.core()
    total = up_to if up_to is not None else app.recorder.max_notification_id() or 0
    with stderr_progress() as progress:
        task = progress.add_task("verifying", total=total)
        report = Auditor(app.recorder, app.mapper).verify_all(
            up_to=up_to, progress=lambda n: progress.advance(task, n)
        )
    report.divergences += verify_snapshots(app, snapshotted(report), report.codes)
    return report


def _altered(report: AuditReport) -> str:
    parts = []
    if report.divergences:
        parts.append(f"{len(report.divergences)} stream(s) were altered")
    if report.directory:
        parts.append(f"{len(report.directory)} directory row(s) disagree with the customer streams")
    return " and ".join(parts) + ": see each above"


def _show_divergences(report: AuditReport, fmt: str) -> None:
    # A directory row steering writes elsewhere: one line each, naming the key.
    for finding in report.directory:
        click.echo(
            f"directory {finding.key}: points at {finding.points_at or 'no customer'}, "
            f"should point at {finding.should_point_at or 'no customer'} ({finding.detail})",
            err=True,
        )
    if not report.divergences:
        return
    rows = [
        {
            "customer": d.customer_code,
            "stream_id": str(d.stream_id),
            "version": d.version,
            "kind": d.kind,
            "detail": d.detail,
        }
        for d in report.divergences
    ]
    emit_rows(
        rows,
        [("customer", "customer"), ("version", "version"), ("kind", "kind"), ("detail", "detail")]
        if fmt == "table"
        else [
            ("customer", "customer"),
            ("stream_id", "stream_id"),
            ("version", "version"),
            ("kind", "kind"),
            ("detail", "detail"),
        ],
        fmt,
        title="First divergence per stream",
    )


def _summary(report: AuditReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "events": report.events,
        "streams": report.streams,
        "position": report.position,
        "digest": report.digest,
    }


_SUMMARY_COLUMNS = [
    ("ok", "ok"),
    ("events", "events"),
    ("streams", "streams"),
    ("position", "position"),
    ("digest", "digest"),
]


READ_COLUMNS = (
    ("at", "When"),
    ("reader", "Reader"),
    ("customer", "Customer"),
    ("view", "View"),
    ("detail", "Detail"),
)


@audit.command()
@click.argument("customer", required=False)
@click.option("--by", "reader", metavar="STAFF", help="Only reads by this staff member.")
@click.option("--since", metavar="TIME", help="Only reads at or after this time.")
@click.option("--until", metavar="TIME", help="Only reads before this time.")
@limit_options(latest=True)
@format_option
@pass_ledger
def reads(
    obj: LedgerContext,
    customer: str | None,
    reader: str | None,
    since: str | None,
    until: str | None,
    output_format: str | None,
    shown: RowLimit,
) -> None:
    """Who read which customer's record, through which view, when (oldest first).

    A table shows the latest 50 reads (--limit N, --since, --all); json, jsonl and
    csv every one unless --limit.

    With CUSTOMER, the reads of that customer, including full exports (shown
    with customer `*`). Every `customer show`, `history`, `brief` and `export` by
    a person is logged; lists (SLA, churn, reports) are not reads of one record.
    """
    from ledger.access import may_audit
    from ledger.clock import parse_time

    obj.require(may_audit, "the read log is for auditors and executives")
    tz = obj.settings.timezone
    start = parse_time(since, tz, what="--since") if since else None
    end = parse_time(until, tz, what="--until") if until else None
    found = obj.reads.read_log(customer, reader=reader, since=start, until=end)
    fmt = choose_format(obj, output_format)
    rows = [
        {
            "at": r.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
            if fmt == "table"
            else r.at.isoformat(),
            "reader": r.reader,
            "customer": code,
            "view": r.view,
            "detail": r.detail,
        }
        for r, code in found
    ]
    emit_rows(
        rows,
        READ_COLUMNS,
        fmt,
        title="Reads",
        empty="No reads match.",
        shown=shown,
        noun="reads",
        latest=True,
    )
