"""Escalations (docs/import.md, "escalations"): one row per escalation of a
complaint or an inquiry (named by its external id), raised and, if it was, resolved.

An escalation closes with its case (docs/domain.md, "Service rules (SLA)"): a
case resolved or answered before the escalation's own `resolved_at` has closed it
already, so its resolution step then records nothing and counts as present, which
is what the ledger would hold had it been typed."""

from __future__ import annotations

from typing import Any

from ledger import commands as c
from ledger.errors import CaseAlreadyClosedError
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, local, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import ESCALATION_LEVELS, LEVELS

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "escalation_id": "the escalation's external id, unique among escalations",
        "case": "the external id of the complaint or inquiry escalated (as in "
        "complaints.csv or inquiries.csv)",
        "raised_at": "when it was escalated",
        "staff": "who escalated it: an existing staff account",
        "level": "1 (supervisor), 2 (department head) or 3 (head office)",
        "to": "whom it went to",
        "reason": "why it was escalated",
    },
    optional={
        "case_kind": "complaint or inquiry, when an external id names one of each",
        "resolved_at": "when the escalation was resolved (with `resolution`)",
        "resolution": "how it was resolved",
    },
)

RAISE, RESOLVE = "raise", "resolve"
CASE_KINDS = ("complaint", "inquiry")


class Escalations(v.NamesItsCustomer):
    name = "escalations"
    columns = COLUMNS
    # After the complaints (4) and inquiries (3) they escalate.
    rank = 5

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        escalation = v.external_id(row, "escalation_id")
        case = v.external_id(row, "case")
        raised = v.when(row, "raised_at", timezone)
        level = _level(row)
        to = v.required(row, "to")
        reason = v.required(row, "reason")
        kinds = _case_kinds(row)
        resolved = v.optional_when(row, "resolved_at", timezone)
        resolution = row.get("resolution")
        if (resolved is None) != (not resolution):
            raise RowRejected("resolved_at and resolution come together: give both, or neither")

        def raise_it(session: ImportSession) -> Receipt:
            with rules_reject("raised_at"):
                return session.app.raise_escalation(
                    command(
                        session, row, c.RaiseEscalation, of=self.name, external_id=escalation,
                        step=RAISE, when=raised, customer=customer,
                        case=_escalated(session, row, customer, case, kinds), level=level,
                        to=to, reason=reason,
                    )
                )  # fmt: skip

        steps = [
            make_step(
                system=system, kind=self.name, external_id=escalation, step=RAISE,
                when=raised, order=0, run=raise_it,
                fields={"level": level, "to": to, "reason": reason}, actor=row.get("staff"),
            )
        ]  # fmt: skip
        if resolved is None:
            return steps

        def resolve_it(session: ImportSession) -> Receipt:
            with rules_reject("resolved_at"):
                resolve = command(
                    session, row, c.ResolveEscalation, of=self.name, external_id=escalation,
                    step=RESOLVE, when=resolved, customer=customer,
                    case=local(session, row, customer, "escalation", escalation),
                    resolution=resolution,
                )  # fmt: skip
                try:
                    return session.app.resolve_escalation(resolve)
                except CaseAlreadyClosedError:
                    # Closed with its case before: the resolution is there already.
                    found = session.app.get_customer(resolve.customer)
                    return Receipt(
                        customer_code=found.code, customer_name=found.name,
                        version=found.version, subject=resolve.case, replayed=True,
                    )  # fmt: skip

        steps.append(
            make_step(
                system=system, kind=self.name, external_id=escalation, step=RESOLVE,
                when=resolved, order=1, run=resolve_it, fields={"resolution": resolution},
                actor=row.get("staff"), opened=raised,
            )
        )  # fmt: skip
        return steps


def _level(row: SourceRow) -> int:
    text = v.required(row, "level")
    levels = ", ".join(f"{n} ({name})" for n, name in ESCALATION_LEVELS.items())
    try:
        level = int(text)
    except ValueError:
        raise RowRejected(f"level {text!r} is not a level: use {levels}") from None
    if not LEVELS[0] <= level <= LEVELS[1]:
        raise RowRejected(f"level {level} is not a level: use {levels}")
    return level


def _case_kinds(row: SourceRow) -> tuple[str, ...]:
    text = row.get("case_kind").strip().lower()
    if not text:
        return CASE_KINDS
    if text not in CASE_KINDS:
        raise RowRejected(f"unknown case_kind {text!r}: use complaint or inquiry")
    return (text,)


def _escalated(
    session: ImportSession, row: SourceRow, customer: str, case: str, kinds: tuple[str, ...]
) -> str:
    """The local id (`CP3`, `IQ2`) of the complaint or inquiry with external id `case`."""
    found: list[str] = []
    for kind in kinds:
        try:
            found.append(local(session, row, customer, kind, case))
        except RowRejected:
            continue
    if len(found) > 1:
        raise RowRejected(
            f"case {case!r} names both a complaint and an inquiry: say which in case_kind"
        )
    if not found:
        raise RowRejected(
            f"unknown case {case!r}: this customer has no complaint or inquiry of that "
            "external id filed by raised_at (import its complaints.csv or inquiries.csv "
            "row, or fix the id or the time)"
        )
    return found[0]
