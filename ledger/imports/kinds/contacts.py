"""Contacts (docs/import.md, "contacts"): one row per call, e-mail, meeting... with
a customer, naming the key people spoken to by their external ids; each follow-up
promised becomes a commitment, as it does for `ledger contact log`."""

from __future__ import annotations

from typing import Any

from ledger import commands as c
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, SourceRow, Step
from ledger.imports.kinds.recording import command, make_step, people, rules_reject
from ledger.receipts import Receipt
from ledger.vocabulary import Channel, Direction

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "contact_id": "the contact's external id, unique among contacts",
        "occurred_at": "when the contact took place (YYYY-MM-DD HH:MM, the ledger's time "
        "zone unless an offset is given)",
        "staff": "who made or took the contact: an existing staff account",
        "channel": "phone, email, letter, fax, meeting, web, message or other",
        "direction": "inbound or outbound",
        "summary": "what was said",
    },
    optional={
        "people": "the key people spoken to, by their external ids (as in people.csv), "
        "separated by ';'",
        "follow_ups": "what was promised, separated by ';': each becomes a commitment",
        "follow_up_due": "when the follow-ups are due (YYYY-MM-DD); by default the "
        "configured number of working days after the contact",
    },
)


class Contacts(v.NamesItsCustomer):
    name = "contacts"
    columns = COLUMNS
    # After customers (0) and their key people (1), whom contacts name.
    rank = 6

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        contact = v.external_id(row, "contact_id")
        when = v.when(row, "occurred_at", timezone)
        channel = v.choice(row, "channel", Channel)
        direction = v.choice(row, "direction", Direction)
        summary = v.required(row, "summary")
        named = v.items(row, "people")
        follow_ups = v.items(row, "follow_ups")
        due = v.day(row, "follow_up_due")

        def run(session: ImportSession) -> Receipt:
            with rules_reject("occurred_at"):
                return session.app.log_contact(
                    command(
                        session, row, c.LogContact, of=self.name, external_id=contact,
                        step="", when=when, customer=customer, channel=channel,
                        direction=direction, people=people(session, row, customer, named),
                        summary=summary, follow_ups=follow_ups, due=due,
                    )
                )  # fmt: skip

        fields = {
            "channel": channel.value,
            "direction": direction.value,
            "summary": summary,
            "follow_ups": follow_ups,
        }
        return [
            make_step(
                system=system, kind=self.name, external_id=contact, step="", when=when,
                order=0, run=run, fields=fields, actor=row.get("staff"),
            )
        ]  # fmt: skip
