"""VisitPlanned is at version 2 (it adds `plan`, the monthly visit plan holding the
visit). A visit planned before, stored as version 1, loads with no plan, replays,
and verifies in the audit as it was stored. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.customer import Customer
from ledger.domain.events import VisitPlanned
from tests.old_events import store_old_event

ACTOR = "li.wei"


def store_version_1_visit_plan(app: Ledger, customer_id: UUID) -> None:
    store_old_event(
        app, customer_id, VisitPlanned, occurred_at=datetime(2025, 11, 2, 9, tzinfo=UTC),
        actor=ACTOR, command_id="visit-plan-2025-11-02",
        fields={
            "case_id": "V1",
            "planned_for": datetime(2025, 11, 5, 10, tzinfo=UTC),
            "purpose": "maintenance",
            "kind": "relationship_building",
            "visitor": ACTOR,
            "companions": [],
            "people": [],
            "agenda": "",
        },
    )  # fmt: skip


def test_a_version_1_planned_visit_loads_replays_and_verifies(ledger_app: Ledger) -> None:
    ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name="Harbour Logistics", segment="logistics",
            occurred_at=datetime(2025, 11, 1, 9, tzinfo=UTC),
        )
    )  # fmt: skip
    customer_id = ledger_app.resolve_customer("C-00001")
    store_version_1_visit_plan(ledger_app, customer_id)

    event = ledger_app.event_at(customer_id, 2)
    customer: Customer = ledger_app.repository.get(customer_id)
    report = Auditor(ledger_app.recorder, ledger_app.mapper).verify_stream(customer_id)

    assert isinstance(event, VisitPlanned)
    assert event.plan == ""
    assert customer.cases["V1"]["status"] == "planned"
    assert report.ok
