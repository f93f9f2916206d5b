"""The export holds every customer event, in order, with the metadata and hashes the
store holds; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.topics import is_customer_topic
from ledger.export import COLUMNS, Exporter, write_all
from ledger.vocabulary import (
    Channel,
    ComplaintCategory,
    Direction,
    VisitKind,
    VisitOutcome,
    VisitPurpose,
)
from tests.unit.test_schemas import every_kind_of_event, validate

ACTOR = "li.wei"
BACK_DATED = datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
# Before the back-dated call: nothing about a customer is dated before its registration.
REGISTERED = datetime(2025, 1, 2, 9, 0, tzinfo=UTC)
# Staff accounts' events and the read log: in the same log, but not customers' events.


@pytest.fixture
def app(ledger_app: Ledger) -> Ledger:
    """Two customers whose events interleave in the log: C-00001 and C-00002."""
    ledger_app.register_customer(
        c.RegisterCustomer(
            actor=ACTOR, name="Capital Airport", segment="airport", occurred_at=REGISTERED
        )
    )
    ledger_app.register_customer(
        c.RegisterCustomer(actor=ACTOR, name="Harbour Logistics", segment="logistics")
    )
    ledger_app.log_contact(
        c.LogContact(
            actor=ACTOR, customer="C-00001", channel=Channel.PHONE,
            direction=Direction.OUTBOUND, summary="Intro call", occurred_at=BACK_DATED,
            correlation_id="onboarding", causation_id="campaign-3",
        )
    )  # fmt: skip
    ledger_app.file_complaint(
        c.FileComplaint(
            actor="zhang.min", customer="C-00002", category=ComplaintCategory.DELIVERY,
            description="Pallets arrived wet", channel=Channel.EMAIL,
        )
    )  # fmt: skip
    ledger_app.report_visit(
        c.ReportVisit(
            actor=ACTOR, customer="C-00001", purpose=VisitPurpose.MAINTENANCE,
            kind=VisitKind.FIRST_VISIT, summary="Walked the terminal", outcome=VisitOutcome.B,
            expenses=[
                c.Expense(item="Taxi", amount=Decimal("86.00")),
                c.Expense(item="Lunch", amount=Decimal("40")),
            ],
        )
    )  # fmt: skip
    ledger_app.log_contact(
        c.LogContact(
            actor=ACTOR, customer="C-00002", channel=Channel.EMAIL,
            direction=Direction.INBOUND, summary="Sent photos of the pallets",
        )
    )  # fmt: skip
    return ledger_app


def export_all(app: Ledger, **options: Any) -> list[dict[str, Any]]:
    """The whole log as jsonl, parsed back; a small batch makes the export page."""
    return parse_jsonl(written(Exporter(app.recorder, app.mapper, batch=2).whole_log(**options)))


def written(records: Any, fmt: str = "jsonl") -> str:
    out = io.StringIO()
    write_all(records, fmt, out.write)
    return out.getvalue()


def parse_jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def stored_customer_rows(app: Ledger) -> list[tuple[int, UUID, int, dict[str, Any]]]:
    """(position, stream, version, stored content) of every customer event, in log order
    (the log also holds the staff accounts' events, which are not customers')."""
    rows = app.recorder.select_notifications(1, 10_000)
    return [
        (
            n.id,
            UUID(str(n.originator_id)),
            n.originator_version,
            app.mapper.transcoder.decode(n.state),
        )
        for n in rows
        if is_customer_topic(n.topic)
    ]


def test_the_whole_log_exports_every_customer_event_once_in_log_order(app: Ledger) -> None:
    stored = stored_customer_rows(app)

    records = export_all(app)

    assert len(records) == len(stored) == 6
    assert [(r["position"], r["customer_id"], r["version"]) for r in records] == [
        (position, str(stream), version) for position, stream, version, _ in stored
    ]


def test_exported_hashes_are_the_ones_the_store_holds(app: Ledger) -> None:
    stored = stored_customer_rows(app)

    records = export_all(app)

    assert [(r["previous_hash"], r["event_hash"]) for r in records] == [
        (content["previous_hash"], content["event_hash"]) for *_, content in stored
    ]


def test_each_event_names_its_customer_and_how_it_was_recorded(app: Ledger) -> None:
    records = export_all(app)

    assert [(r["customer_code"], r["event"]) for r in records] == [
        ("C-00001", "CustomerRegistered"),
        ("C-00002", "CustomerRegistered"),
        ("C-00001", "ContactLogged"),
        ("C-00002", "ComplaintFiled"),
        ("C-00001", "VisitReported"),
        ("C-00002", "ContactLogged"),
    ]
    call = records[2]
    assert (call["actor"], call["correlation_id"], call["causation_id"]) == (
        ACTOR,
        "onboarding",
        "campaign-3",
    )
    assert datetime.fromisoformat(call["occurred_at"]) == BACK_DATED
    assert datetime.fromisoformat(call["recorded_at"]) > BACK_DATED
    assert call["data"] == {
        "channel": "phone",
        "direction": "outbound",
        "people": [],
        "summary": "Intro call",
        "follow_ups": [],
    }
    assert records[3]["actor"] == "zhang.min"


def test_a_visit_report_exports_its_expense_totals(app: Ledger) -> None:
    records = export_all(app)

    visit = next(r for r in records if r["event"] == "VisitReported")

    assert visit["event_version"] == 2
    assert visit["data"]["expense_totals"] == {"CNY": "126.00"}


def test_a_csv_export_parses_back_to_the_same_records(app: Ledger) -> None:
    as_jsonl = export_all(app)

    text = written(Exporter(app.recorder, app.mapper, batch=2).whole_log(), "csv")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == len(as_jsonl)
    for row, record in zip(rows, as_jsonl, strict=True):
        assert json.loads(row["data"]) == record["data"]
        assert row["position"] == str(record["position"])
        assert row["event_hash"] == record["event_hash"]
        assert row["correlation_id"] == (record["correlation_id"] or "")


def test_since_keeps_the_events_recorded_from_that_time_on(app: Ledger) -> None:
    everything = export_all(app)
    since = datetime.fromisoformat(everything[3]["recorded_at"])

    records = export_all(app, since=since)

    assert records == [r for r in everything if datetime.fromisoformat(r["recorded_at"]) >= since]
    assert records[0]["event_hash"] == everything[3]["event_hash"]


def test_since_filters_on_recording_time_not_on_when_it_happened(app: Ledger) -> None:
    registered = datetime.fromisoformat(export_all(app)[1]["recorded_at"])

    records = export_all(app, since=registered)

    # The back-dated call happened before the cut-off but was recorded after it.
    assert "ContactLogged" in [r["event"] for r in records if r["customer_code"] == "C-00001"]


def test_a_since_export_still_names_customers_registered_before_it(app: Ledger) -> None:
    last = datetime.fromisoformat(export_all(app)[-1]["recorded_at"])

    late = export_all(app, since=last)

    assert [(r["customer_code"], r["event"]) for r in late] == [("C-00002", "ContactLogged")]


def test_one_customers_export_is_its_stream_in_version_order(app: Ledger) -> None:
    customer_id = app.resolve_customer("C-00002")
    exporter = Exporter(app.recorder, app.mapper, batch=2)

    records = parse_jsonl(written(exporter.stream(customer_id)))

    assert [(r["customer_code"], r["version"], r["event"]) for r in records] == [
        ("C-00002", 1, "CustomerRegistered"),
        ("C-00002", 2, "ComplaintFiled"),
        ("C-00002", 3, "ContactLogged"),
    ]
    # A stream is read without its log positions.
    assert {r["position"] for r in records} == {None}
    assert exporter.stream_length(customer_id) == 3


def test_the_log_is_read_batch_by_batch_as_records_are_taken(app: Ledger) -> None:
    # The seeded staff accounts' events come first in the log.
    first_customer_event = stored_customer_rows(app)[0][0]
    reads: list[int] = []
    recorder = app.recorder
    original = recorder.select_notifications

    def counting(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return original(*args, **kwargs)

    recorder.select_notifications = counting  # type: ignore[method-assign]
    records = Exporter(recorder, app.mapper, batch=2).whole_log()

    next(records)

    # Batches of 2, read only as far as the first customer event's.
    assert len(reads) == math.ceil(first_customer_event / 2)


def test_every_kind_of_event_exports_in_the_shape_its_schema_describes(ledger_app: Ledger) -> None:
    customer = every_kind_of_event()
    ledger_app.save(customer)

    records = parse_jsonl(written(Exporter(ledger_app.recorder, ledger_app.mapper).whole_log()))

    assert len(records) == customer.version
    for record in records:
        validate(record)
