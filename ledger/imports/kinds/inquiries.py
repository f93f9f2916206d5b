"""Inquiries (docs/import.md, "inquiries"): one row per inquiry, received and, if it
was answered, answered: two steps, each with its own original time."""

from __future__ import annotations

from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.recording import command, local, make_step, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import Channel

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "inquiry_id": "the inquiry's external id, unique among inquiries",
        "received_at": "when the inquiry came in",
        "staff": "who received it: an existing staff account",
        "channel": "phone, email, letter, fax, meeting, web, message or other",
        "title": "what it is about, in a few words",
    },
    optional={
        "question": "the question in full",
        "answered_at": "when it was answered (with `answer`); empty: still open",
        "answer": "the answer given",
        "answered_by": "who answered: an existing staff account (default: `staff`)",
    },
)

RECEIVE, ANSWER = "receive", "answer"


class Inquiries(v.NamesItsCustomer):
    name = "inquiries"
    columns = COLUMNS
    # Before the escalations (5) that name an inquiry raised at the same moment.
    rank = 3

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        inquiry = v.external_id(row, "inquiry_id")
        received = v.when(row, "received_at", timezone)
        channel = v.choice(row, "channel", Channel)
        title = v.required(row, "title")
        question = row.get("question")
        answered = v.optional_when(row, "answered_at", timezone)
        answer = row.get("answer")
        if answer and answered is None:
            raise RowRejected("answer is given without answered_at: give when it was answered")
        if answered is not None and not answer:
            raise RowRejected("answered_at is given without an answer: give the answer")

        def receive(session: ImportSession) -> Receipt:
            with rules_reject("received_at"):
                return session.app.receive_inquiry(
                    command(
                        session, row, c.ReceiveInquiry, of=self.name, external_id=inquiry,
                        step=RECEIVE, when=received, customer=customer, channel=channel,
                        title=title, question=question,
                    )
                )  # fmt: skip

        steps = [
            make_step(
                system=system, kind=self.name, external_id=inquiry, step=RECEIVE,
                when=received, order=0, run=receive,
                fields={"channel": channel.value, "title": title, "question": question},
                actor=row.get("staff"),
            )
        ]  # fmt: skip
        if answered is None:
            return steps

        def answer_it(session: ImportSession) -> Receipt:
            with rules_reject("answered_at"):
                return session.app.answer_inquiry(
                    command(
                        session, row, c.AnswerInquiry, of=self.name, external_id=inquiry,
                        step=ANSWER, when=answered, customer=customer,
                        actor_column="answered_by" if row.get("answered_by") else "staff",
                        case=local(session, row, customer, "inquiry", inquiry),
                        answer=answer,
                    )
                )  # fmt: skip

        steps.append(
            make_step(
                system=system, kind=self.name, external_id=inquiry, step=ANSWER,
                when=answered, order=1, run=answer_it, fields={"answer": answer},
                actor=row.get("answered_by") or row.get("staff"), opened=received,
            )
        )  # fmt: skip
        return steps
