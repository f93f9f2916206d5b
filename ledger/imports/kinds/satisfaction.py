"""Satisfaction scores (docs/import.md, "satisfaction"): one row per score a
customer gave, in a survey or a spot check."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import SATISFACTION_SCORES, SatisfactionSource

LOW, HIGH = SATISFACTION_SCORES

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "recorded_at": "when the score was given",
        "staff": "who recorded it: an existing staff account",
        "score": f"the score, a whole number from {LOW} to {HIGH}",
        "source": "survey or spot_check",
    },
    optional={
        "score_id": "the score's external id; without one, the customer, time and "
        "source identify it (so a re-run finds it)",
        "note": "what the customer said",
    },
)


class Satisfaction(v.NamesItsCustomer):
    name = "satisfaction"
    columns = COLUMNS
    # Last among the records of one moment: a score follows the visit or contact
    # it was asked at.
    rank = 8

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        when = v.when(row, "recorded_at", timezone)
        source = v.choice(row, "source", SatisfactionSource)
        text = v.required(row, "score")
        try:
            score = int(text)
        except ValueError:
            raise RowRejected(
                f"score {text!r} is not a whole number from {LOW} to {HIGH}"
            ) from None
        note = row.get("note")
        # A score is one customer's, at one time, from one source: that identifies it
        # when the file gives no id of its own.
        ext = (
            v.external_id(row, "score_id")
            if row.get("score_id")
            else f"{customer}@{when.astimezone(UTC):%Y%m%dT%H%M%S}@{source.value}"
        )

        def run(session: ImportSession) -> Receipt:
            with rules_reject("recorded_at"):
                return session.app.record_satisfaction(
                    command(
                        session, row, c.RecordSatisfaction, of=self.name, external_id=ext,
                        step="", when=when, customer=customer, score=score, source=source,
                        note=note,
                    )
                )  # fmt: skip

        return [
            make_step(
                system=system, kind=self.name, external_id=ext, step="", when=when, order=0,
                run=run, fields={"score": score, "source": source.value, "note": note},
            )
        ]  # fmt: skip
