"""Key people (docs/import.md, "people"): one row per person at a customer, added
at their original time; contacts and visits name them by their external ids. A
re-run with a changed row records `person update` (name, title, role,
counterpart; personal details, sealed, in an update of their own) and a new
assessment (relationship status), as a person's changes are recorded by hand
(docs/domain.md, "Corrections"). An erased person's details are never imported
again (docs/import.md, "Re-runs")."""

from __future__ import annotations

from typing import Any

from ledger import commands as c
from ledger.domain.provenance import import_command_id
from ledger.imports import values as v
from ledger.imports.contract import Columns, ImportSession, RowRejected, SourceRow, Step
from ledger.imports.kinds.personal_columns import COLUMNS as PERSONAL_COLUMNS
from ledger.imports.kinds.personal_columns import personal_details
from ledger.imports.kinds.updates import changed, in_column, run_update
from ledger.receipts import Receipt
from ledger.vocabulary import DecisionRole, RelationshipStatus

COLUMNS = Columns(
    required={
        "customer": "the customer's external id (as in customers.csv)",
        "person_id": "the person's external id, unique among people",
        "name": "the person's name",
        "decision_role": "decision_maker, advisor, user, gatekeeper or coach",
        "added_at": "when the person was first recorded (YYYY-MM-DD [HH:MM])",
    },
    optional={
        "title": "their job title",
        "relationship_status": "positive, neutral, negative or not_established (default)",
        "counterpart": "our member of staff who keeps the relationship: an active account "
        "that may own the customer",
        "staff": "who recorded the person: a staff id (active or not); default: the "
        "counterpart, else the customer's owner",
        **PERSONAL_COLUMNS,
    },
)


class People(v.NamesItsCustomer):
    name = "people"
    columns = COLUMNS
    rank = 1  # after the customer, before anything that names the person

    def steps(self, row: SourceRow, timezone: Any, system: str) -> list[Step]:
        customer = self.customer_of(row)
        person = v.external_id(row, "person_id")
        when = v.when(row, "added_at", timezone)
        name = v.required(row, "name")
        role = v.choice(row, "decision_role", DecisionRole)
        status = v.choice(
            row, "relationship_status", RelationshipStatus, RelationshipStatus.NOT_ESTABLISHED
        )
        title = row.get("title")
        counterpart = row.get("counterpart") or None
        command_id = import_command_id(system, self.name, person)
        # Checked here, as `person add` checks them, before anything is recorded. A
        # refused value rejects the row when its step runs, unless the person's
        # personal data was erased: the details are not imported then whatever they
        # say, and a reject would copy the erased person's details (the row and the
        # reason quoting the value) into a rejects file (docs/import.md, "people").
        try:
            personal = personal_details(row)
            refused: RowRejected | None = None
        except RowRejected as error:
            personal, refused = {}, error

        def actor(session: ImportSession, code: str) -> str:
            if row.get("staff"):
                return session.staff(row, "staff")
            if counterpart:
                return session.staff(row, "counterpart")
            owner = session.app.get_customer(code).owner
            if owner is None:
                raise RowRejected(
                    "staff is empty and the customer has no owner: name who recorded the person"
                )
            return owner

        def add(session: ImportSession) -> Receipt:
            if refused is not None:
                raise refused
            code = session.customer_ref(row, customer)
            if counterpart:
                session.staff(row, "counterpart")
            command = session.build(
                c.AddKeyPerson,
                {
                    **session.command_fields(row, self.name, person, actor=actor(session, code)),
                    "occurred_at": when,
                    "customer": code,
                    "name": name,
                    "title": title,
                    "decision_role": role,
                    "relationship_status": status,
                    "counterpart": counterpart,
                    **personal,
                },
            )
            with in_column("added_at"):
                return session.app.add_key_person(command)

        def update(session: ImportSession) -> bool:
            """What the row says that differs from what the import recorded before,
            and that the person does not already have."""
            code = session.customer_ref(row, customer)
            local = session.local_id(row, code, self.name, person)
            if refused is not None and session.personal_record(code, command_id, local) is not None:
                raise refused  # the person's details are readable: the value is wrong
            before = session.as_imported(code, command_id)
            current = session.app.get_customer(code).people.get(local, {})
            wanted: dict[str, Any] = {"name": name, "decision_role": role.value}
            if title:
                wanted["title"] = title
            if counterpart:
                wanted["counterpart"] = session.staff(row, "counterpart")
            if row.get("relationship_status"):
                wanted["relationship_status"] = status.value
            differ = changed(current, changed(before, wanted))
            facts = {k: val for k, val in differ.items() if k != "relationship_status"}
            wrote = False
            if facts:
                wrote |= run_update(
                    session, row, code, command_id, "person",
                    lambda p: session.app.update_key_person(session.build(
                        c.UpdateKeyPerson, {**p, "customer": code, "case": local, **facts})),
                )  # fmt: skip
            if "relationship_status" in differ:
                wrote |= run_update(
                    session, row, code, command_id, "assess",
                    lambda p: session.app.assess_relationship(session.build(
                        c.AssessRelationship,
                        {**p, "customer": code, "case": local, "relationship_status": status})),
                )  # fmt: skip
            if personal or refused is not None:
                wrote |= update_personal(session, code, local, personal)
            return wrote

        def update_personal(
            session: ImportSession, code: str, local: str, personal: dict[str, Any]
        ) -> bool:
            """The details the row gives that differ from what the import recorded
            and that the person does not already have, through `person update`'s
            own rule (which refuses an erased person's)."""
            record = session.personal_record(code, command_id, local)
            if record is None:
                session.note(
                    f"personal details of {code}/{local} not imported: the person's "
                    "personal data was erased on request, and an import never records "
                    "it again (the rest of the row was compared as usual)"
                )
                return False
            differ = changed(record.now, changed(record.imported, personal))
            if not differ:
                return False
            # Its own update: its command id, like every update's, says no value
            # (`import_change_id`), and a phone number's must not outlive an erasure.
            return run_update(
                session, row, code, command_id, "personal",
                lambda p: session.app.update_key_person(session.build(
                    c.UpdateKeyPerson, {**p, "customer": code, "case": local, **differ})),
            )  # fmt: skip

        return [Step(when=when, order=0, command_id=command_id, run=add, update=update)]


PEOPLE = People()
