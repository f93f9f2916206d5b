"""Leads and opportunities (docs/import.md, "opportunities"): one row per lead or
opportunity: created (as a lead, or opened as an opportunity at once), opened from
the lead later, moved through its stages, and won or lost. Each is a step of its own
with its own time, through the rules of `ledger lead|opportunity ...` (an expected
close before the day it is forecast, a step before the creation, winning a lead that
was never opened: each rejects the row with the rule's words)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, local, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import OpportunityStage

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "opportunity_id": "the lead's or opportunity's external id, unique among them",
        "created_at": "when it was created (as a lead, or as an opportunity)",
        "staff": "who holds it: an existing staff account",
        "title": "what it is about",
    },
    optional={
        "source": "where the lead came from; with it (or with `opened_at`) the row "
        "starts as a lead",
        "note": "a note on the lead",
        "opened_at": "when the lead became an opportunity; empty with `source`: still a lead",
        "stage": "the stage it opened at: qualification (the default), needs_analysis, "
        "proposal, negotiation or contracting",
        "value": "the expected value (a decimal number)",
        "currency": "the value's currency, three letters (CNY)",
        "expected_close": "the day it is expected to close (YYYY-MM-DD)",
        "stages": "later moves, `stage@time` separated by ';': "
        "`proposal@2025-03-01; negotiation@2025-04-10`",
        "outcome": "won or lost (empty: still open)",
        "closed_at": "when it was won or lost",
        "close_reason": "why it was lost (required), or a note on the win",
        "won_value": "the value it was won at, when it differs from `value`",
    },
)

LEAD, OPEN, WON, LOST = "lead", "open", "won", "lost"


class Opportunities(v.NamesItsCustomer):
    name = "opportunities"
    columns = COLUMNS
    # After customers and people; before the cases, contacts and visits of a moment.
    rank = 2

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        ext = v.external_id(row, "opportunity_id")
        created = v.when(row, "created_at", timezone)
        title = v.required(row, "title")
        source, note = row.get("source"), row.get("note")
        opened_at = v.optional_when(row, "opened_at", timezone)
        starts_as_lead = bool(source or note) or opened_at is not None
        opened = opened_at if starts_as_lead else created
        stage = v.choice(row, "stage", OpportunityStage, default=OpportunityStage.QUALIFICATION)
        value, currency = _amount(row, "value"), row.get("currency").upper() or None
        expected_close = v.day(row, "expected_close")
        moves = [_move(text, timezone) for text in v.items(row, "stages")]
        outcome = row.get("outcome").strip().lower()
        closed = v.optional_when(row, "closed_at", timezone)
        reason = row.get("close_reason")
        if outcome not in ("", WON, LOST):
            raise RowRejected(f"unknown outcome {row.get('outcome')!r}: use won or lost")
        if bool(outcome) != (closed is not None):
            raise RowRejected("outcome and closed_at come together: give both, or neither")
        if outcome == LOST and not reason:
            raise RowRejected("a lost opportunity needs close_reason: say why it was lost")

        steps: list[Step] = []
        # What a later step can follow: the opening (or, for a lead's loss, the lead).
        floor = created if opened is None else max(created, opened)

        def add(
            step: str, when: datetime, column: str, fields: dict[str, object],
            record: Callable[[ImportSession, str], Receipt], *, first: bool = False,
        ) -> None:  # fmt: skip
            def run(session: ImportSession) -> Receipt:
                with rules_reject(column):
                    case = "" if first else local(session, row, customer, "opportunity", ext)
                    return record(session, case)

            steps.append(
                make_step(
                    system=system, kind=self.name, external_id=ext, step=step, when=when,
                    order=len(steps), run=run, fields=fields, actor=row.get("staff"),
                    opened=None if first else floor,
                )
            )  # fmt: skip

        def build(
            session: ImportSession, model: Any, step: str, when: datetime, **values: Any
        ) -> Any:
            return command(
                session, row, model, of=self.name, external_id=ext, step=step, when=when,
                customer=customer, **values,
            )  # fmt: skip

        if starts_as_lead:
            add(
                LEAD, created, "created_at", {"title": title, "source": source, "note": note},
                lambda s, _: s.app.create_lead(
                    build(s, c.CreateLead, LEAD, created, title=title, source=source, note=note)
                ),
                first=True,
            )  # fmt: skip
        if opened is not None:
            at = opened
            add(
                OPEN, at, "opened_at" if starts_as_lead else "created_at",
                {"title": title, "stage": stage.value, "value": value, "currency": currency,
                 "expected_close": None if expected_close is None else expected_close.isoformat()},
                lambda s, lead: s.app.open_opportunity(build(
                    s, c.OpenOpportunity, OPEN, at, lead=lead or None, title=title,
                    stage=stage, value=value, currency=currency, expected_close=expected_close,
                )),
                first=not starts_as_lead,
            )  # fmt: skip

        def move_it(
            step: str, when: datetime, to: OpportunityStage
        ) -> Callable[[ImportSession, str], Receipt]:
            return lambda s, case: s.app.change_opportunity_stage(
                build(s, c.ChangeOpportunityStage, step, when, case=case, stage=to)
            )

        for number, (moved_to, when) in enumerate(moves, start=1):
            step = f"stage-{number}"
            add(step, when, "stages", {"stage": moved_to.value}, move_it(step, when, moved_to))
        if closed is not None and outcome == WON:
            won_value = _amount(row, "won_value")
            add(
                WON, closed, "closed_at", {"value": won_value, "note": reason},
                lambda s, case: s.app.win_opportunity(build(
                    s, c.WinOpportunity, WON, closed, case=case, value=won_value, note=reason,
                    columns={"value": "won_value"},
                )),
            )  # fmt: skip
        elif closed is not None:
            add(
                LOST, closed, "closed_at", {"reason": reason},
                lambda s, case: s.app.lose_opportunity(
                    build(s, c.LoseOpportunity, LOST, closed, case=case, reason=reason)
                ),
            )  # fmt: skip
        return steps


def _amount(row: SourceRow, column: str) -> str | None:
    """A money value as events hold it (decimal text), None when not given; its range
    and precision are the command's to check."""
    text = row.get(column).replace(",", "")
    return text or None


def _move(text: str, timezone: Any) -> tuple[OpportunityStage, datetime]:
    stage, at, when = text.partition("@")
    if not at:
        raise RowRejected(f"stages: {text!r} is not `stage@time` (e.g. `proposal@2025-03-01`)")
    one = SourceRow("", 0, "", {"stages": stage.strip()})
    return v.choice(one, "stages", OpportunityStage), v.when(
        SourceRow("", 0, "", {"stages": when.strip()}), "stages", timezone
    )
