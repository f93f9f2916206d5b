"""Key people recorded before personal details were sealed: version 1 of
KeyPersonAdded and KeyPersonUpdated held `phones`, `emails` and `personal_notes`
in plain text. They still load, replay, verify and export; an erasure says
plainly that their plain text cannot be shredded. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner

from cli import ledger
from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.customer import Customer
from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated
from ledger.export import Exporter, json_line
from tests.old_events import store_old_event
from tests.unit.test_schemas import validate

ACTOR = "li.wei"
ADDED = datetime(2025, 11, 2, 9, 0, tzinfo=UTC)


def store_version_1(app: Ledger, customer_id: UUID, cls: type, fields: dict[str, Any]) -> int:
    """Write an event as version 1 stored it (no `class_version`), chained to the
    customer's last event; returns its version."""
    version = app.repository.get(customer_id).version + 1
    return store_old_event(
        app, customer_id, cls, occurred_at=ADDED, actor=ACTOR, command_id=f"v1-{version}",
        fields=fields,
    )  # fmt: skip


@pytest.fixture
def customer_id(ledger_app: Ledger) -> UUID:
    """C-00001 with P1 added (v2) and updated (v3) by version 1 events."""
    ledger_app.register_customer(
        c.RegisterCustomer(actor=ACTOR, name="Harbour Logistics", segment="logistics")
    )
    customer_id = ledger_app.resolve_customer("C-00001")
    store_version_1(
        ledger_app,
        customer_id,
        KeyPersonAdded,
        {
            "person_id": "P1",
            "name": "Wang Fang",
            "title": "CFO",
            "phones": ["+86 10 5555 0101"],
            "emails": ["wang.fang@example.cn"],
            "personal_notes": "Likes table tennis",
            "decision_role": "decision_maker",
            "relationship_status": "neutral",
            "counterpart": None,
        },
    )
    store_version_1(
        ledger_app,
        customer_id,
        KeyPersonUpdated,
        {"person_id": "P1", "changes": {"title": "CEO", "personal_notes": "Plays go"}},
    )
    return customer_id


def test_version_1_people_load_with_their_plain_details_set_apart(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    added, updated = ledger_app.event_at(customer_id, 2), ledger_app.event_at(customer_id, 3)

    assert isinstance(added, KeyPersonAdded) and isinstance(updated, KeyPersonUpdated)
    assert (added.personal, added.legacy_personal) == (
        None,
        {
            "phones": ["+86 10 5555 0101"],
            "emails": ["wang.fang@example.cn"],
            "personal_notes": "Likes table tennis",
        },
    )
    assert (updated.changes, updated.legacy_personal) == (
        {"title": "CEO"},
        {"personal_notes": "Plays go"},
    )
    customer: Customer = ledger_app.repository.get(customer_id)
    assert customer.people["P1"]["name"] == "Wang Fang"


def test_version_1_people_verify_and_export(ledger_app: Ledger, customer_id: UUID) -> None:
    assert Auditor(ledger_app.recorder, ledger_app.mapper).verify_stream(customer_id).ok
    reader = ledger_app.personal_reader(ledger_app.caller(ACTOR))

    plain = [
        json.loads(json_line(r))
        for r in Exporter(ledger_app.recorder, ledger_app.mapper).stream(customer_id)
    ]
    opened = list(
        Exporter(ledger_app.recorder, ledger_app.mapper, personal=reader).stream(customer_id)
    )

    assert (plain[1]["event_version"], "personal" in plain[1]["data"]) == (2, False)
    assert "table tennis" not in json.dumps(plain)
    validate(plain[1])
    assert opened[1]["data"]["personal"] == {
        "mobile": "+86 10 5555 0101",
        "emails": ["wang.fang@example.cn"],
        "notes": "Likes table tennis",
    }


def test_erasing_a_version_1_person_says_what_cannot_be_shredded(
    db_url: str, ledger_app: Ledger, customer_id: UUID
) -> None:
    runner = CliRunner()
    base = ["--db", db_url, "--as", ACTOR]

    result = runner.invoke(
        ledger,
        [*base, "person", "erase", "C-00001/P1", "--reason", "Asked", "--request-ref", "R-9"],
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Personal data erased: C-00001/P1 (Harbour Logistics), version 4; the person's key "
        "is destroyed.\n"
        "Not erasable: version(s) 2, 3 hold details of C-00001/P1 recorded in plain text "
        "before personal data was encrypted; the log keeps them (views, history and exports "
        "show them as erased), and so does every copy of the database.\n"
    )
    history = runner.invoke(ledger, [*base, "--format", "json", "history", "C-00001"])
    entries = json.loads(history.stdout)
    people = [e for e in entries if e["event"] in ("KeyPersonAdded", "KeyPersonUpdated")]
    assert [e["data"]["personal"] for e in people] == ["erased", "erased"]
    assert "table tennis" not in history.stdout
    assert Auditor(ledger_app.recorder, ledger_app.mapper).verify_all().ok
