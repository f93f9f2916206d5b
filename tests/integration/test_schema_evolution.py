"""VisitReported is at version 2 (it adds `expense_totals`). A visit report stored as
version 1, before the field existed, still loads, replays, reads in the history,
exports as version 2 with its totals derived, and verifies in the audit: the
audit hashes the row as stored, before upcasting. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from click.testing import CliRunner
from eventsourcing.utils import get_topic

from cli import ledger
from ledger import commands as c
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.domain.chain import event_hash
from ledger.domain.customer import Customer
from ledger.domain.events import VisitReported
from ledger.export import Exporter, json_line
from ledger.vocabulary import VisitKind, VisitOutcome, VisitPurpose
from tests.old_events import store_old_event
from tests.unit.test_schemas import validate

ACTOR = "li.wei"
REGISTERED = datetime(2025, 11, 1, 9, 0, tzinfo=UTC)
VISITED = datetime(2025, 11, 3, 10, 0, tzinfo=UTC)
EXPENSES = [
    {"item": "Taxi", "amount": "86.00", "currency": "CNY"},
    {"item": "Dinner", "amount": "412.5", "currency": "CNY"},
    {"item": "Parking", "amount": "12", "currency": "USD"},
]


def store_version_1_visit_report(app: Ledger, customer_id: UUID) -> int:
    """Write a visit report as version 1 stored it (no `expense_totals`, no
    `class_version`), chained to the customer's last event; returns its version."""
    return store_old_event(
        app, customer_id, VisitReported, occurred_at=VISITED, actor=ACTOR,
        command_id="visit-report-2025-11-03",
        fields={
            "case_id": "V1",
            "planned": False,
            "purpose": "maintenance",
            "kind": "relationship_building",
            "visitor": ACTOR,
            "companions": [],
            "people_met": [],
            "summary": "Walked the cargo terminal",
            "outcome": "B",
            "expenses": EXPENSES,
            "problems_handled": [],
            "problems_pending": [],
            "commitments": [],
        },
    )  # fmt: skip


@pytest.fixture
def customer_id(ledger_app: Ledger) -> UUID:
    """C-00001, with a version 1 visit report at version 2 of its stream."""
    ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name="Harbour Logistics", segment="logistics", occurred_at=REGISTERED
        )
    )
    customer_id = ledger_app.resolve_customer("C-00001")
    store_version_1_visit_report(ledger_app, customer_id)
    return customer_id


def test_a_version_1_visit_report_loads_with_its_expense_totals_derived(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    event = ledger_app.event_at(customer_id, 2)

    assert isinstance(event, VisitReported)
    assert event.expense_totals == {"CNY": "498.50", "USD": "12"}
    assert event.expenses == EXPENSES


def test_a_customer_with_a_version_1_visit_report_replays(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    customer: Customer = ledger_app.repository.get(customer_id)

    assert customer.version == 2
    assert customer.cases["V1"]["status"] == "reported"
    assert customer.cases["V1"]["outcome"] == "B"


def test_a_version_1_row_verifies_in_the_audit_as_it_was_stored(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    auditor = Auditor(ledger_app.recorder, ledger_app.mapper)

    whole_log, stream = auditor.verify_all(), auditor.verify_stream(customer_id)

    assert whole_log.ok and stream.ok
    assert stream.events == 2
    # The audit must hash the stored row: the upcast event has a field the row lacks.
    upcast = ledger_app.event_at(customer_id, 2)
    content = dict(vars(upcast))
    assert event_hash(customer_id, 2, get_topic(VisitReported), content) != upcast.event_hash


def test_the_stream_goes_on_after_a_version_1_row_and_still_verifies(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    ledger_app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer="C-00001", purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.RELATIONSHIP_BUILDING, summary="Follow-up on the terminal",
            outcome=VisitOutcome.A, expenses=[c.Expense(item="Taxi", amount=Decimal("45.50"))],
        )
    )  # fmt: skip

    report = Auditor(ledger_app.recorder, ledger_app.mapper).verify_stream(customer_id)

    assert report.ok and report.events == 3
    stored = ledger_app.recorder.select_events(customer_id, gt=2)[0]
    state = ledger_app.mapper.transcoder.decode(stored.state)
    assert (state["class_version"], state["expense_totals"]) == (2, {"CNY": "45.50"})


def test_a_version_1_visit_report_exports_as_version_2(
    ledger_app: Ledger, customer_id: UUID
) -> None:
    exporter = Exporter(ledger_app.recorder, ledger_app.mapper)

    records = [json.loads(json_line(r)) for r in exporter.stream(customer_id)]

    visit = records[1]
    assert (visit["event"], visit["event_version"]) == ("VisitReported", 2)
    assert visit["data"]["expense_totals"] == {"CNY": "498.50", "USD": "12"}
    validate(visit)


def test_a_version_1_visit_report_appears_in_the_history(
    db_url: str, ledger_app: Ledger, customer_id: UUID
) -> None:
    result = CliRunner().invoke(
        ledger, ["--db", db_url, "--as", ACTOR, "--format", "json", "history", "C-00001"]
    )

    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [e["event"] for e in entries] == ["CustomerRegistered", "VisitReported"]
    assert "Walked the cargo terminal" in entries[1]["text"]
    assert "Dinner 412.5 CNY" in entries[1]["text"]
