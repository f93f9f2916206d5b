"""Visits (docs/import.md, "visits"): one row per visit report, as `ledger visit
report` records it: who went, whom they met, what it cost, the problems handled
and still pending, and what was promised (each promise a commitment)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, make_step, people, rules_reject, staff_list
from ledger.receipts import Receipt
from ledger.vocabulary import VisitKind, VisitOutcome, VisitPurpose

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "visit_id": "the visit's external id, unique among visits",
        "visited_at": "when the visit took place",
        "visitor": "who visited: an existing staff account (records the report)",
        "purpose": "market_research, competitor_intel, maintenance, new_customer, "
        "new_project, influence or collection",
        "kind": "first_visit, problem_handling or relationship_building",
        "outcome": "A (deal succeeded), B (promising), C (visit again), D (no hope) or "
        "E (keep observing)",
        "summary": "what happened",
    },
    optional={
        "companions": "staff who went along, by staff id, separated by ';' (each an "
        "existing account)",
        "people_met": "the key people met, by their external ids, separated by ';'",
        "expenses": "what it cost, `item=amount CUR` separated by ';' (currency "
        "CNY when not given): `taxi=86.50 CNY; dinner=420`",
        "problems_handled": "problems the visit settled, separated by ';'",
        "problems_pending": "problems raised and still open, separated by ';'",
        "commitments": "what was promised, `text@YYYY-MM-DD` (the due day; without "
        "it the configured default) separated by ';'",
    },
)

# `item=amount CUR`: the amount a decimal number, the currency three letters.
_EXPENSE = re.compile(r"^(?P<item>[^=]+)=\s*(?P<amount>[^\s]+)(?:\s+(?P<currency>\S+))?$")
# `text@YYYY-MM-DD`: only a date after the last `@` is a due day (an e-mail
# address in the text stays text).
_PROMISE = re.compile(r"^(?P<text>.*\S)\s*@\s*(?P<due>\d{4}-\d{2}-\d{2})$")


class Visits(v.NamesItsCustomer):
    name = "visits"
    columns = COLUMNS
    # After the key people the report names.
    rank = 7

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        visit = v.external_id(row, "visit_id")
        when = v.when(row, "visited_at", timezone)
        purpose = v.choice(row, "purpose", VisitPurpose)
        kind = v.choice(row, "kind", VisitKind)
        outcome = _outcome(row)
        summary = v.required(row, "summary")
        companions = v.items(row, "companions")
        met = v.items(row, "people_met")
        expenses = [_expense(text) for text in v.items(row, "expenses")]
        handled = v.items(row, "problems_handled")
        pending = v.items(row, "problems_pending")
        promises = [_promise(text) for text in v.items(row, "commitments")]

        def run(session: ImportSession) -> Receipt:
            with rules_reject("visited_at"):
                return session.app.report_visit(
                    command(
                        session, row, c.ReportVisit, of=self.name, external_id=visit,
                        step="", when=when, customer=customer, actor_column="visitor",
                        purpose=purpose, kind=kind, visitor=session.staff(row, "visitor"),
                        companions=staff_list(session, row, "companions", companions),
                        people_met=people(session, row, customer, met), summary=summary,
                        outcome=outcome, expenses=expenses, problems_handled=handled,
                        problems_pending=pending, commitments=promises,
                    )
                )  # fmt: skip

        fields = {
            "purpose": purpose.value,
            "kind": kind.value,
            "outcome": outcome.value,
            "summary": summary,
            "expenses": expenses,
            "problems_handled": handled,
            "problems_pending": pending,
        }
        return [
            make_step(
                system=system, kind=self.name, external_id=visit, step="", when=when,
                order=0, run=run, fields=fields, actor=row.get("visitor"),
            )
        ]  # fmt: skip


def _outcome(row: SourceRow) -> VisitOutcome:
    """The outcome letter, in either case (`b` is B)."""
    text = row.get("outcome").strip().upper()
    if not text:
        raise RowRejected("outcome is empty: every row needs one (A to E)")
    try:
        return VisitOutcome(text)
    except ValueError:
        raise RowRejected(
            f"unknown outcome {row.get('outcome')!r}: use A (deal succeeded), B (promising), "
            "C (visit again), D (no hope) or E (keep observing)"
        ) from None


def _expense(text: str) -> dict[str, str]:
    """`item=amount CUR` as a visit report's expense holds it."""
    match = _EXPENSE.match(text)
    if match is None:
        raise RowRejected(f"expenses: {text!r} is not `item=amount CUR` (e.g. `taxi=86.50 CNY`)")
    try:
        amount = Decimal(match["amount"])
    except InvalidOperation:
        raise RowRejected(f"expenses: {match['amount']!r} in {text!r} is not an amount") from None
    if not amount.is_finite():
        raise RowRejected(f"expenses: {match['amount']!r} in {text!r} is not an amount")
    currency = (match["currency"] or "CNY").upper()
    return {"item": match["item"].strip(), "amount": str(amount), "currency": currency}


def _promise(text: str) -> dict[str, str | None]:
    """`text@YYYY-MM-DD` as a visit report's commitment: the description and the
    due day (None: the configured default)."""
    match = _PROMISE.match(text)
    if match is None:
        return {"description": text, "due": None}
    due = v.day(SourceRow("", 0, "", {"commitments": match["due"]}), "commitments")
    return {"description": match["text"], "due": None if due is None else due.isoformat()}
