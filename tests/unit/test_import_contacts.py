"""Importing contacts: each row is a contact logged at its original time by the
staff it names, with the key people it names and its follow-ups as commitments,
carrying where it came from; a bad row is rejected with its reason, and a re-run
records nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ledger import commands as c
from ledger.domain.events import CommitmentMade, ContactLogged
from ledger.domain.provenance import is_imported, origin_of
from ledger.imports.contract import RowRejected
from ledger.imports.kinds.contacts import Contacts
from tests.importing import Session, memory_ledger
from tests.staffing import ADMIN, seed_staff

CONTACTS = Contacts()
ROW = {
    "customer": "CRM-0001",
    "contact_id": "CT-1001",
    "occurred_at": "2024-03-05 10:30",
    "staff": "zhang.min",
    "channel": "Phone",
    "direction": "outbound",
    "people": "CRM-0001-P1; CRM-0001-P2",
    "summary": "Called about the lounge renewal",
    "follow_ups": "Send the price list",
    "follow_up_due": "2024-03-08",
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app)
    session = Session(app)
    session.register("CRM-0001", "Capital Airport Group")
    session.add_person("CRM-0001", "CRM-0001-P1", "Wang Lei")
    session.add_person("CRM-0001", "CRM-0001-P2", "Li Na")
    yield session
    app.close()


def events(session: Session) -> list[object]:
    return list(session.app.customer_events("C-00001")[1])


def test_a_row_is_a_contact_logged_at_its_original_time_with_its_people(
    session: Session,
) -> None:
    session.run(CONTACTS, ROW)

    contact = next(e for e in events(session) if isinstance(e, ContactLogged))
    assert contact.occurred_at == datetime(2024, 3, 5, 2, 30, tzinfo=UTC)  # 10:30 Shanghai
    assert (contact.channel, contact.direction, contact.people, contact.actor) == (
        "phone",
        "outbound",
        ["P1", "P2"],
        "zhang.min",
    )
    promise = next(e for e in events(session) if isinstance(e, CommitmentMade))
    assert (promise.description, promise.due) == ("Send the price list", "2024-03-08")


def test_an_imported_contact_says_where_it_came_from(session: Session) -> None:
    session.run(CONTACTS, ROW, line=7)

    contact = next(e for e in events(session) if isinstance(e, ContactLogged))
    origin = origin_of(contact)
    assert is_imported(contact)
    assert origin is not None
    assert (origin.system, origin.kind, origin.external_id, origin.source) == (
        "crm",
        "contacts",
        "CT-1001",
        "contacts.csv:7",
    )
    assert origin.importer == "ops"


def test_the_step_names_the_fields_the_row_decides(session: Session) -> None:
    [step] = session.steps(CONTACTS, ROW)

    assert step.command_id == "import:crm:contacts:CT-1001"
    assert step.fields == {
        "occurred_at": datetime(2024, 3, 5, 2, 30, tzinfo=UTC),
        "actor": "zhang.min",
        "channel": "phone",
        "direction": "outbound",
        "summary": "Called about the lounge renewal",
        "follow_ups": ["Send the price list"],
    }


def test_running_the_row_again_records_nothing(session: Session) -> None:
    session.run(CONTACTS, ROW)
    written = session.app.recorder.max_notification_id()

    receipts = session.run(CONTACTS, ROW)

    assert [r.replayed for r in receipts if r is not None] == [True]
    assert session.app.recorder.max_notification_id() == written


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("channel", "pigeon", "unknown channel 'pigeon': use one of phone, email"),
        ("occurred_at", "2024-02-30", "bad date: occurred_at '2024-02-30' is not a date"),
        ("people", "CRM-0001-P9", "unknown person record 'CRM-0001-P9'"),
        ("staff", "nobody", "unknown staff 'nobody'"),
        ("customer", "CRM-0099", "unknown customer 'CRM-0099'"),
        ("summary", "", "summary is empty"),
        ("follow_ups", "", "only follow-ups promised have a due date"),
    ],
)
def test_a_bad_value_rejects_the_row_with_its_reason(
    session: Session, column: str, value: str, reason: str
) -> None:
    with pytest.raises(RowRejected, match=reason.replace("(", r"\(").replace(")", r"\)")):
        session.run(CONTACTS, {**ROW, column: value})

    assert not any(isinstance(e, ContactLogged) for e in events(session))


def test_a_contact_before_the_customer_was_registered_is_refused_by_the_rule(
    session: Session,
) -> None:
    with pytest.raises(RowRejected, match="occurred_at: C-00001 was registered on 2020-01-06"):
        session.run(CONTACTS, {**ROW, "occurred_at": "2019-12-31 09:00"})


def test_a_contact_by_staff_who_may_not_see_the_customer_is_rejected(session: Session) -> None:
    session.app.add_staff(
        c.AddStaff(actor=ADMIN, staff="wu.lan", name="Wu Lan", role="staff", segment="airport")
    )

    with pytest.raises(RowRejected, match="the staff member named may not record on this"):
        session.run(CONTACTS, {**ROW, "staff": "wu.lan"})
