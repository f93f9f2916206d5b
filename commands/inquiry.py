"""`ledger inquiry ...`: a question from a customer, received and answered."""

from __future__ import annotations

import click

from commands.contact import CHANNELS
from commands.runtime import LedgerContext, pass_ledger, record, recording_options, split_case


@click.group()
def inquiry() -> None:
    """Receive and answer inquiries (the first clear answer is due within 10 minutes)."""


@inquiry.command("receive")
@click.argument("customer")
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="How it reached us.")
@click.option("--title", required=True, help="What the customer asks about, in a few words.")
@click.option("--question", default="", help="The question in full.")
@recording_options
@pass_ledger
def receive(
    obj: LedgerContext,
    customer: str,
    channel: str,
    title: str,
    question: str,
    **recording: str | None,
) -> None:
    """Receive an inquiry from CUSTOMER; prints its id (e.g. C-00042/IQ1)."""
    from ledger.application import Ledger
    from ledger.commands import ReceiveInquiry

    record(
        obj,
        Ledger.receive_inquiry,
        ReceiveInquiry,
        done="Inquiry received",
        customer=customer,
        channel=channel,
        title=title,
        question=question,
        **recording,
    )


@inquiry.command("answer")
@click.argument("case", metavar="CUSTOMER/IQ1")
@click.option("--answer", required=True, help="The answer given to the customer.")
@recording_options
@pass_ledger
def answer(obj: LedgerContext, case: str, answer: str, **recording: str | None) -> None:
    """Answer the inquiry CUSTOMER/IQ1 (e.g. C-00042/IQ1)."""
    from ledger.application import Ledger
    from ledger.commands import AnswerInquiry

    customer, local_id = split_case(case, expected="inquiry")
    record(
        obj,
        Ledger.answer_inquiry,
        AnswerInquiry,
        done="Inquiry answered",
        customer=customer,
        case=local_id,
        answer=answer,
        **recording,
    )
