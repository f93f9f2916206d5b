"""`ledger visit ...`: visits planned, reported (with outcome, expenses and the
promises made) and cancelled. Expenses and commitments are typed on one line each;
they are taken apart here so a typo gets one clear line naming the option."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case
from ledger.vocabulary import VISIT_OUTCOME_MEANING, VisitKind, VisitPurpose

PURPOSES = tuple(purpose.value for purpose in VisitPurpose)
KINDS = tuple(kind.value for kind in VisitKind)
OUTCOMES = tuple(VISIT_OUTCOME_MEANING)
OUTCOME_HELP = ", ".join(f"{code} {meaning}" for code, meaning in VISIT_OUTCOME_MEANING.items())

# What the ledger stores: up to 14 digits, two of them after the point.
AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")
CURRENCY = re.compile(r"^[A-Za-z]{3}$")
EXPENSE_EXAMPLE = '"Taxi=45.50 CNY"'
COMMITMENT_EXAMPLE = '"Send the revised offer@2026-04-30"'


def parse_amount(text: str, option: str) -> str:
    """`1250.00` as typed; anything else (`12,50`, `-3`, `1e3`) is one usage error."""
    cleaned = text.strip()
    if not AMOUNT.match(cleaned):
        raise click.UsageError(
            f"{option}: {text!r} is not an amount: write digits with up to two decimals "
            "and no thousands separator, e.g. 1250.00"
        )
    return cleaned


def parse_currency(text: str, option: str) -> str:
    if not CURRENCY.match(text.strip()):
        raise click.UsageError(
            f"{option}: {text!r} is not a currency: use a three-letter code such as CNY or USD"
        )
    return text.strip().upper()


def parse_expense(text: str) -> dict[str, str]:
    """`Taxi=45.50 CNY` -> {"item": "Taxi", "amount": "45.50", "currency": "CNY"}."""
    option = f"--expense {text!r}"
    item, sep, rest = text.rpartition("=")
    parts = rest.split()
    if not sep or not item.strip() or len(parts) not in (1, 2):
        raise click.UsageError(f"{option}: write ITEM=AMOUNT[ CURRENCY], e.g. {EXPENSE_EXAMPLE}")
    expense = {"item": item.strip(), "amount": parse_amount(parts[0], option)}
    if len(parts) == 2:
        expense["currency"] = parse_currency(parts[1], option)
    return expense


def parse_commitment(text: str) -> dict[str, Any]:
    """`Send the offer@2026-04-30` -> a description and a due date (the date is optional)."""
    option = f"--commitment {text!r}"
    description, sep, due = text.rpartition("@")
    if not sep:
        description, due = text, ""
    if not description.strip():
        raise click.UsageError(f"{option}: say what was promised, e.g. {COMMITMENT_EXAMPLE}")
    if not sep:
        return {"description": description.strip(), "due": None}
    from ledger.clock import check_in_range

    try:
        due_date = date.fromisoformat(due.strip())
    except ValueError:
        raise click.UsageError(
            f"{option}: {due!r} is not a date: write TEXT@YYYY-MM-DD, e.g. {COMMITMENT_EXAMPLE}"
        ) from None
    check_in_range(due_date, option, due.strip())
    return {"description": description.strip(), "due": due_date}


@click.group()
def visit() -> None:
    """Plan, report and cancel customer visits."""


@visit.command("plan")
@click.argument("customer")
@click.option(
    "--for",
    "planned_for",
    required=True,
    metavar="TIME",
    help="When the visit is planned, e.g. 2026-04-02T10:00 (in the ledger's time zone).",
)
@click.option("--purpose", required=True, type=click.Choice(PURPOSES), help="Why we visit.")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What kind of visit.")
@click.option("--visitor", metavar="STAFF", help="Who visits (default: whoever records it).")
@click.option(
    "--companion", "companions", multiple=True, metavar="STAFF", help="Goes along (repeatable)."
)
@click.option(
    "--person", "people", multiple=True, metavar="P1", help="Key person to meet (repeatable)."
)
@click.option("--agenda", default="", help="What is to be discussed.")
@recording_options
@pass_ledger
def plan(
    obj: LedgerContext,
    customer: str,
    planned_for: str,
    purpose: str,
    kind: str,
    visitor: str | None,
    companions: tuple[str, ...],
    people: tuple[str, ...],
    agenda: str,
    **recording: str | None,
) -> None:
    """Plan a visit to CUSTOMER; prints the visit's id (e.g. C-00042/V1)."""
    from ledger.application import Ledger
    from ledger.clock import parse_time
    from ledger.commands import PlanVisit

    record(
        obj,
        Ledger.plan_visit,
        PlanVisit,
        done="Visit planned",
        customer=customer,
        planned_for=parse_time(planned_for, obj.settings.timezone, what="--for"),
        purpose=purpose,
        kind=kind,
        visitor=visitor,
        companions=list(companions),
        people=list(people),
        agenda=agenda,
        **recording,
    )


@visit.command("report")
@click.argument("customer")
@click.option("--visit", "visit_id", metavar="V1", help="The planned visit this reports on.")
@click.option("--purpose", required=True, type=click.Choice(PURPOSES), help="Why we visited.")
@click.option("--kind", required=True, type=click.Choice(KINDS), help="What kind of visit.")
@click.option("--summary", required=True, help="What happened (mandatory).")
@click.option("--outcome", required=True, type=click.Choice(OUTCOMES), help=OUTCOME_HELP + ".")
@click.option("--visitor", metavar="STAFF", help="Who visited (default: whoever records it).")
@click.option(
    "--companion", "companions", multiple=True, metavar="STAFF", help="Went along (repeatable)."
)
@click.option(
    "--met", "people_met", multiple=True, metavar="P1", help="Key person met (repeatable)."
)
@click.option(
    "--expense",
    "expenses",
    multiple=True,
    metavar="ITEM=AMOUNT[ CUR]",
    help=f"An expense, e.g. {EXPENSE_EXAMPLE}; the currency defaults to CNY (repeatable).",
)
@click.option(
    "--handled",
    "problems_handled",
    multiple=True,
    metavar="TEXT",
    help="Problem handled (repeatable).",
)
@click.option(
    "--pending",
    "problems_pending",
    multiple=True,
    metavar="TEXT",
    help="Problem still open (repeatable).",
)
@click.option(
    "--commitment",
    "commitments",
    multiple=True,
    metavar="TEXT[@YYYY-MM-DD]",
    help=f"A promise made, with its due date, e.g. {COMMITMENT_EXAMPLE}; each is tracked "
    "until fulfilled (repeatable).",
)
@recording_options
@pass_ledger
def report(
    obj: LedgerContext,
    customer: str,
    visit_id: str | None,
    purpose: str,
    kind: str,
    summary: str,
    outcome: str,
    visitor: str | None,
    companions: tuple[str, ...],
    people_met: tuple[str, ...],
    expenses: tuple[str, ...],
    problems_handled: tuple[str, ...],
    problems_pending: tuple[str, ...],
    commitments: tuple[str, ...],
    **recording: str | None,
) -> None:
    """Report a visit to CUSTOMER, planned (--visit V1) or not; prints the visit's id."""
    from ledger.application import Ledger
    from ledger.commands import ReportVisit

    record(
        obj,
        Ledger.report_visit,
        ReportVisit,
        done="Visit reported",
        customer=customer,
        visit=visit_id,
        purpose=purpose,
        kind=kind,
        summary=summary,
        outcome=outcome,
        visitor=visitor,
        companions=list(companions),
        people_met=list(people_met),
        expenses=[parse_expense(expense) for expense in expenses],
        problems_handled=list(problems_handled),
        problems_pending=list(problems_pending),
        commitments=[parse_commitment(commitment) for commitment in commitments],
        **recording,
    )


@visit.command("cancel")
@click.argument("case", metavar="CUSTOMER/V1")
@click.option("--reason", default="", help="Why the visit is off.")
@recording_options
@pass_ledger
def cancel(obj: LedgerContext, case: str, reason: str, **recording: str | None) -> None:
    """Cancel the planned visit CUSTOMER/V1 (e.g. C-00042/V1)."""
    from ledger.application import Ledger
    from ledger.commands import CancelVisit

    customer, local_id = split_case(case, expected="visit")
    record(
        obj,
        Ledger.cancel_visit,
        CancelVisit,
        done="Visit cancelled",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )


# Monthly visit plans live in their own module; they are `visit` commands.
from commands.visit_plans import PLAN_COMMANDS  # noqa: E402

for _plan_command in PLAN_COMMANDS:
    visit.add_command(_plan_command)
