"""Complaints (docs/import.md, "complaints"): one row per complaint and its life
cycle: filed, acknowledged, paused while waiting on the customer and resumed (once
or several times), resolved with a root cause, reopened. Each is a step of its own
with its own time, through the same rules as the commands (`ledger complaint ...`):
a step dated before the filing, or resolving a complaint that is not open, rejects
the row with the rule's words."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, local, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import Channel, ComplaintCategory, Severity

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "complaint_id": "the complaint's external id, unique among complaints",
        "filed_at": "when the complaint was made",
        "staff": "who took it (and records its later steps): an existing staff account",
        "category": "service, quality, billing, delivery, staff, safety or other",
        "channel": "phone, email, letter, fax, meeting, web, message or other",
        "description": "what the customer complained about",
    },
    optional={
        "severity": "low, medium (the default), high or critical",
        "acknowledged_at": "when the complaint was acknowledged",
        "acknowledgement": "the note given with the acknowledgement",
        "paused_at": "when work stopped to wait on the customer; several pauses separated by ';'",
        "pause_reason": "why (one per pause, separated by ';'; default: waiting on the customer)",
        "resumed_at": "when work went on after each pause, separated by ';' (the last "
        "pause may stay open)",
        "resolved_at": "when it was resolved (with `resolution`); empty: still open",
        "resolution": "how it was resolved",
        "root_cause": "the root cause found",
        "reopened_at": "when it was reopened after the resolution (with `reopen_reason`)",
        "reopen_reason": "why it was reopened",
    },
)

FILE, ACKNOWLEDGE, RESOLVE, REOPEN = "file", "acknowledge", "resolve", "reopen"
DEFAULT_PAUSE_REASON = "waiting on the customer"


class Complaints(v.NamesItsCustomer):
    name = "complaints"
    columns = COLUMNS
    # Before the escalations (5) that name a complaint filed at the same moment.
    rank = 4

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        complaint = v.external_id(row, "complaint_id")
        filed = v.when(row, "filed_at", timezone)
        category = v.choice(row, "category", ComplaintCategory)
        channel = v.choice(row, "channel", Channel)
        severity = v.choice(row, "severity", Severity, default=Severity.MEDIUM)
        description = v.required(row, "description")
        acknowledged = v.optional_when(row, "acknowledged_at", timezone)
        pauses = _pauses(row, timezone)
        resolved = v.optional_when(row, "resolved_at", timezone)
        resolution = row.get("resolution")
        reopened = v.optional_when(row, "reopened_at", timezone)
        _together(row, "resolved_at", resolved, "resolution")
        _together(row, "reopened_at", reopened, "reopen_reason")
        if reopened is not None and resolved is None:
            raise RowRejected("reopened_at is given without resolved_at: only a resolved "
                              "complaint is reopened")  # fmt: skip

        steps: list[Step] = []

        def add(
            step: str, when: datetime, column: str, fields: dict[str, object],
            record: Callable[[ImportSession, str], Receipt], *, opens: bool = False,
        ) -> None:  # fmt: skip
            def run(session: ImportSession) -> Receipt:
                with rules_reject(column):
                    case = "" if opens else local(session, row, customer, "complaint", complaint)
                    return record(session, case)

            steps.append(
                make_step(
                    system=system, kind=self.name, external_id=complaint, step=step,
                    when=when, order=len(steps), run=run, fields=fields,
                    actor=row.get("staff"), opened=None if opens else filed,
                )
            )  # fmt: skip

        def build(
            session: ImportSession, model: Any, step: str, when: datetime, **values: Any
        ) -> Any:
            return command(
                session, row, model, of=self.name, external_id=complaint, step=step,
                when=when, customer=customer, **values,
            )  # fmt: skip

        add(
            FILE, filed, "filed_at",
            {"category": category.value, "severity": severity.value,
             "description": description, "channel": channel.value},
            lambda s, _: s.app.file_complaint(build(
                s, c.FileComplaint, FILE, filed, category=category, severity=severity,
                description=description, channel=channel,
            )),
            opens=True,
        )  # fmt: skip
        if acknowledged is not None:
            note = row.get("acknowledgement")
            add(
                ACKNOWLEDGE, acknowledged, "acknowledged_at", {"note": note},
                lambda s, case: s.app.acknowledge_complaint(build(
                    s, c.AcknowledgeComplaint, ACKNOWLEDGE, acknowledged, case=case, note=note
                )),
            )  # fmt: skip

        def pause_it(step: str, at: datetime, why: str) -> Callable[[ImportSession, str], Receipt]:
            return lambda s, case: s.app.pause_complaint(
                build(s, c.PauseComplaint, step, at, case=case, reason=why)
            )

        def resume_it(step: str, at: datetime) -> Callable[[ImportSession, str], Receipt]:
            return lambda s, case: s.app.resume_complaint(
                build(s, c.ResumeComplaint, step, at, case=case)
            )

        for number, (paused, reason, resumed) in enumerate(pauses, start=1):
            pause, resume = f"pause-{number}", f"resume-{number}"
            add(pause, paused, "paused_at", {"reason": reason}, pause_it(pause, paused, reason))
            if resumed is not None:
                add(resume, resumed, "resumed_at", {"note": ""}, resume_it(resume, resumed))
        if resolved is not None:
            root_cause = row.get("root_cause")
            add(
                RESOLVE, resolved, "resolved_at",
                {"resolution": resolution, "root_cause": root_cause},
                lambda s, case: s.app.resolve_complaint(build(
                    s, c.ResolveComplaint, RESOLVE, resolved, case=case,
                    resolution=resolution, root_cause=root_cause,
                )),
            )  # fmt: skip
        if reopened is not None:
            why = row.get("reopen_reason")
            add(
                REOPEN, reopened, "reopened_at", {"reason": why},
                lambda s, case: s.app.reopen_complaint(build(
                    s, c.ReopenComplaint, REOPEN, reopened, case=case, reason=why
                )),
            )  # fmt: skip
        return steps


def _together(row: SourceRow, time_column: str, when: datetime | None, text_column: str) -> None:
    """A step's time and its text come together, or not at all."""
    if when is not None and not row.get(text_column):
        raise RowRejected(f"{time_column} is given without {text_column}: give both, or neither")
    if when is None and row.get(text_column):
        raise RowRejected(f"{text_column} is given without {time_column}: give both, or neither")


def _pauses(row: SourceRow, timezone: Any) -> list[tuple[datetime, str, datetime | None]]:
    """Each pause: when it began, why, and when work resumed (None: still paused)."""
    began = [_at(row, "paused_at", text, timezone) for text in v.items(row, "paused_at")]
    ended = [_at(row, "resumed_at", text, timezone) for text in v.items(row, "resumed_at")]
    reasons = v.items(row, "pause_reason")
    if len(ended) > len(began) or len(began) > len(ended) + 1:
        raise RowRejected(
            f"paused_at has {len(began)} time(s) and resumed_at {len(ended)}: each pause "
            "but the last needs its resume time"
        )
    if len(reasons) > len(began):
        raise RowRejected(f"pause_reason has {len(reasons)} reasons for {len(began)} pause(s)")
    if len(reasons) == 1 and len(began) > 1:
        reasons = reasons * len(began)  # one reason given for every pause
    reasons += [DEFAULT_PAUSE_REASON] * (len(began) - len(reasons))
    return [
        (start, reason, ended[n] if n < len(ended) else None)
        for n, (start, reason) in enumerate(zip(began, reasons, strict=True))
    ]


def _at(row: SourceRow, column: str, text: str, timezone: Any) -> datetime:
    return v.when(SourceRow(row.file, row.line, row.raw, {column: text}), column, timezone)
