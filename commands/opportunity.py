"""`ledger opportunity ...`: a lead, the opportunity it becomes, its stages and
follow-ups, until it is won or lost."""

from __future__ import annotations

import click

from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case
from commands.visit import parse_amount, parse_currency
from ledger.vocabulary import OpportunityStage

STAGES = tuple(stage.value for stage in OpportunityStage)


@click.group()
def opportunity() -> None:
    """Leads and opportunities through to won or lost (follow up at least every 30 days)."""


@opportunity.command("lead")
@click.argument("customer")
@click.option("--title", required=True, help="What the lead is about.")
@click.option("--source", default="", help="Where it came from, e.g. a trade fair.")
@click.option("--note", default="", help="Anything worth knowing.")
@recording_options
@pass_ledger
def lead(
    obj: LedgerContext, customer: str, title: str, source: str, note: str, **recording: str | None
) -> None:
    """Record a lead at CUSTOMER; prints its id (e.g. C-00042/OP1)."""
    from ledger.application import Ledger
    from ledger.commands import CreateLead

    record(
        obj,
        Ledger.create_lead,
        CreateLead,
        done="Lead created",
        customer=customer,
        title=title,
        source=source,
        note=note,
        **recording,
    )


@opportunity.command("open")
@click.argument("customer")
@click.option("--title", required=True, help="What is to be sold.")
@click.option("--lead", "lead_id", metavar="OP1", help="The lead this opportunity grows from.")
@click.option(
    "--stage",
    type=click.Choice(STAGES),
    default=OpportunityStage.QUALIFICATION.value,
    show_default=True,
    help="Sales stage.",
)
@click.option("--value", metavar="AMOUNT", help="Expected value, e.g. 1250.00.")
@click.option("--currency", metavar="CUR", help="Currency of the value, e.g. CNY.")
@click.option(
    "--expected-close", metavar="DATE", help="When the sale is expected to close (YYYY-MM-DD)."
)
@recording_options
@pass_ledger
def open_(
    obj: LedgerContext,
    customer: str,
    title: str,
    lead_id: str | None,
    stage: str,
    value: str | None,
    currency: str | None,
    expected_close: str | None,
    **recording: str | None,
) -> None:
    """Open an opportunity at CUSTOMER (from a lead with --lead); prints its id."""
    from ledger.application import Ledger
    from ledger.clock import parse_date
    from ledger.commands import OpenOpportunity

    record(
        obj,
        Ledger.open_opportunity,
        OpenOpportunity,
        done="Opportunity opened",
        customer=customer,
        title=title,
        lead=lead_id,
        stage=stage,
        value=None if value is None else parse_amount(value, "--value"),
        currency=None if currency is None else parse_currency(currency, "--currency"),
        expected_close=(
            None if expected_close is None else parse_date(expected_close, what="--expected-close")
        ),
        **recording,
    )


@opportunity.command("stage")
@click.argument("case", metavar="CUSTOMER/OP1")
@click.argument("stage", metavar="STAGE", type=click.Choice(STAGES))
@click.option("--note", default="", help="What moved it.")
@click.option(
    "--expected-close",
    metavar="DATE",
    help="A new expected closing date (YYYY-MM-DD); without it the date stays as it was.",
)
@recording_options
@pass_ledger
def stage(
    obj: LedgerContext,
    case: str,
    stage: str,
    note: str,
    expected_close: str | None,
    **recording: str | None,
) -> None:
    """Move the opportunity CUSTOMER/OP1 to sales STAGE: qualification, needs_analysis,
    proposal, negotiation or contracting."""
    from ledger.application import Ledger
    from ledger.clock import parse_date
    from ledger.commands import ChangeOpportunityStage

    customer, local_id = split_case(case, expected="opportunity")
    record(
        obj,
        Ledger.change_opportunity_stage,
        ChangeOpportunityStage,
        done="Opportunity stage changed",
        customer=customer,
        case=local_id,
        stage=stage,
        note=note,
        expected_close=(
            None if expected_close is None else parse_date(expected_close, what="--expected-close")
        ),
        **recording,
    )


@opportunity.command("follow-up")
@click.argument("case", metavar="CUSTOMER/OP1")
@click.option("--summary", required=True, help="What was done (mandatory).")
@click.option("--next-step", default="", help="What happens next.")
@recording_options
@pass_ledger
def follow_up(
    obj: LedgerContext, case: str, summary: str, next_step: str, **recording: str | None
) -> None:
    """Log a follow-up on the lead or opportunity CUSTOMER/OP1."""
    from ledger.application import Ledger
    from ledger.commands import LogFollowUp

    customer, local_id = split_case(case, expected="opportunity")
    record(
        obj,
        Ledger.log_follow_up,
        LogFollowUp,
        done="Follow-up logged",
        customer=customer,
        case=local_id,
        summary=summary,
        next_step=next_step,
        **recording,
    )


@opportunity.command("win")
@click.argument("case", metavar="CUSTOMER/OP1")
@click.option("--value", metavar="AMOUNT", help="The value won, e.g. 1250.00.")
@click.option("--note", default="", help="Anything worth knowing.")
@recording_options
@pass_ledger
def win(
    obj: LedgerContext, case: str, value: str | None, note: str, **recording: str | None
) -> None:
    """Record that the opportunity CUSTOMER/OP1 is won."""
    from ledger.application import Ledger
    from ledger.commands import WinOpportunity

    customer, local_id = split_case(case, expected="opportunity")
    record(
        obj,
        Ledger.win_opportunity,
        WinOpportunity,
        done="Opportunity won",
        customer=customer,
        case=local_id,
        value=None if value is None else parse_amount(value, "--value"),
        note=note,
        **recording,
    )


@opportunity.command("lose")
@click.argument("case", metavar="CUSTOMER/OP1")
@click.option("--reason", required=True, help="Why it was lost.")
@recording_options
@pass_ledger
def lose(obj: LedgerContext, case: str, reason: str, **recording: str | None) -> None:
    """Record that the lead or opportunity CUSTOMER/OP1 is lost."""
    from ledger.application import Ledger
    from ledger.commands import LoseOpportunity

    customer, local_id = split_case(case, expected="opportunity")
    record(
        obj,
        Ledger.lose_opportunity,
        LoseOpportunity,
        done="Opportunity lost",
        customer=customer,
        case=local_id,
        reason=reason,
        **recording,
    )
