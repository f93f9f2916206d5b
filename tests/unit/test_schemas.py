"""Every event type has a JSON Schema that describes it as exported: the envelope,
the payload, vocabulary fields as enums; and what the export writes validates
against it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import jsonschema  # type: ignore[import-untyped]
import pytest

from ledger.domain.base import CustomerEvent, Meta
from ledger.domain.customer import Customer
from ledger.domain.events import ALL_EVENTS, ComplaintFiled, VisitReported
from ledger.errors import InvalidInputError
from ledger.export import COLUMNS, json_line, record
from ledger.schemas import all_json_schemas, event_class, export_model, json_schema
from ledger.sealing import seal

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def seal_for_test(person_id: str, details: Mapping[str, Any]) -> dict[str, str]:
    """Seals details with a throw-away key, as the service does with the person's."""
    return seal(bytes(32), f"test/{person_id}", details)


def at(minutes: int) -> Meta:
    return Meta(
        occurred_at=T0 + timedelta(minutes=minutes),
        actor="li.wei",
        command_id=uuid4().hex,
        correlation_id="onboarding-2024" if minutes % 2 else None,
    )


def every_kind_of_event(customer_id: UUID | None = None, code: str = "C-00001") -> Customer:
    """A customer whose stream holds at least one event of every type, not yet saved."""
    cu = Customer.register(
        customer_id=customer_id or uuid4(), code=code, name="Capital Airport Group",
        kind="organisation", industry="aviation", segment="airport", headquarters="Beijing",
        tier="general", vip=False, stage="prospect", owner=None,
        external_refs={"crm": "A-17"}, meta=at(0),
    )  # fmt: skip
    cu.update_profile({"headquarters": "Beijing Daxing"}, at(1))
    cu.change_segment("aviation", "Reorganised", at(2))
    cu.change_tier("strategic", True, "Top ten by revenue", at(3))
    cu.change_stage("development", "First orders", at(4))
    branch = cu.add_branch("Terminal 3", "Beijing", at(5))
    cu.close_branch(branch, "Merged into T2", at(6))
    cu.assign_owner("zhang.min", "Li Wei moves to the south", at(7))
    person = cu.add_key_person(
        name="Wang Fang", title="Procurement director",
        decision_role="decision_maker", relationship_status="neutral",
        counterpart="zhang.min", meta=at(8),
        details={"mobile": "+86 10 5555 0101", "hobbies": "tea"}, seal=seal_for_test,
    )  # fmt: skip
    cu.update_key_person(person, {"title": "Vice president"}, at(9))
    cu.assess_relationship(person, "positive", "Warm after the visit", at(10))
    cu.log_contact(
        channel="phone", direction="outbound", people=[person],
        summary="Introduced the new owner", follow_ups=["Send the brochure"], meta=at(11),
        follow_up_due=date(2024, 3, 8),
    )  # fmt: skip
    planned = cu.plan_visit(
        planned_for=T0 + timedelta(days=2), purpose="maintenance", kind="relationship_building",
        visitor="zhang.min", companions=["chen.jie"], people=[person], agenda="Review",
        meta=at(12),
    )  # fmt: skip
    cu.report_visit(
        visit_id=planned, purpose="maintenance", kind="relationship_building",
        visitor="zhang.min", companions=["chen.jie"], people_met=[person],
        summary="Walked the terminal", outcome="B",
        expenses=[
            {"item": "Taxi", "amount": "86.00", "currency": "CNY"},
            {"item": "Lunch", "amount": "120.5", "currency": "CNY"},
            {"item": "Parking", "amount": "12", "currency": "USD"},
        ],
        problems_handled=["Lounge signage"], problems_pending=["Gate 12 Wi-Fi"],
        commitments=[{"description": "Send the schedule", "due": "2024-03-20"}], meta=at(13),
    )  # fmt: skip
    cancelled = cu.plan_visit(
        planned_for=T0 + timedelta(days=9), purpose="new_project", kind="first_visit",
        visitor="zhang.min", companions=[], people=[], agenda="", meta=at(14),
    )  # fmt: skip
    cu.cancel_visit(cancelled, "They postponed", at(15))
    inquiry = cu.receive_inquiry("web", "Lounge fees", "What does a guest pay?", at(16))
    cu.answer_inquiry(inquiry, "CNY 200 per guest", at(17))
    complaint = cu.file_complaint("service", "high", "The lounge closed early", "email", at(18))
    cu.acknowledge_complaint(complaint, "We are on it", at(19))
    cu.pause_complaint(complaint, "Waiting for their photos", at(20))
    cu.resume_complaint(complaint, "Photos received", at(21))
    escalation = cu.raise_escalation(complaint, 2, "head.of.service", "VIP customer", at(22))
    cu.resolve_escalation(escalation, "Extra staff on Sundays", at(23))
    cu.resolve_complaint(complaint, "Apologised, voucher sent", "Rota gap", at(24))
    cu.reopen_complaint(complaint, "It happened again", at(25))
    cu.record_breach(complaint, "resolution", T0 + timedelta(minutes=22), "2024-1", at(25))
    lead = cu.create_lead("Cargo lounge", "trade fair", "Met at the fair", at(26))
    cu.log_follow_up(lead, "Sent the deck", "Call next week", at(27))
    cu.open_opportunity(
        lead_id=lead, title="Cargo lounge", stage="qualification", value="250000.00",
        currency="CNY", meta=at(28),
    )  # fmt: skip
    cu.change_opportunity_stage(lead, "proposal", "Quote sent", at(29))
    cu.win_opportunity(lead, "240000.00", "Signed", at(30))
    lost = cu.open_opportunity(
        lead_id=None, title="Parking deal", stage="qualification", value=None, currency=None,
        meta=at(31),
    )  # fmt: skip
    cu.lose_opportunity(lost, "Went with a rival", at(32))
    commitment = cu.make_commitment("Quarterly report", None, "call", at(33))
    cu.fulfil_commitment(commitment, "Sent", at(34))
    cu.record_satisfaction(4, "survey", "Happy with the lounge", at(35))
    cu.record_correction(
        target_version=cu.version, target_type="SatisfactionRecorded", reason="Typo",
        changes={"occurred_at": T0, "note": "Happy with the new lounge"}, meta=at(36),
    )  # fmt: skip
    cu.record_person_left(person, "Retired", at(37))
    cu.terminate("Contract ended", "Price", "HO-2024-7", at(38))
    cu.reactivate("New pricing", at(39))
    # The visit's promise is still open, held by its visitor: the handover moves it.
    cu.assign_owner("chen.jie", "Zhang Min leaves", at(40))
    successor = cu.add_key_person(
        name="Zhou Min", title="Procurement director",
        decision_role="decision_maker", relationship_status="neutral", counterpart=None,
        meta=at(41),
    )  # fmt: skip
    cu.set_contact_plan(
        successor, counterpart="chen.jie", every_days=30, next_contact="2024-04-01", meta=at(42)
    )
    # Follow-through closes its items: a promise withdrawn, a problem handled.
    withdrawn = cu.make_commitment("Weekly lounge report", date(2024, 3, 15), "call", at(43))
    cu.withdraw_commitment(withdrawn, "They no longer want it", at(44))
    cu.handle_problem("PB1", "Wi-Fi repeater installed at gate 12", at(45))
    cu.erase_personal_data(
        person, reason="Asked to be forgotten", request_ref="PIPL-7", requested_by="Wang Fang",
        plain_versions=[], meta=at(46),
    )  # fmt: skip
    return cu


def exported(events: Sequence[object]) -> list[dict[str, Any]]:
    """The events as `ledger export --format jsonl` writes them, parsed back."""
    documents = []
    for position, event in enumerate(events, 1):
        assert isinstance(event, CustomerEvent)
        documents.append(json.loads(json_line(record(event, "C-00001", position))))
    return documents


def validate(document: dict[str, Any]) -> None:
    """As a consumer would, with the JSON Schema; and with the pydantic model behind it,
    which also checks that the times are times."""
    cls = event_class(document["event"])
    jsonschema.validate(document, json_schema(cls), format_checker=jsonschema.FormatChecker())
    export_model(cls).model_validate(document)


def test_every_event_type_has_a_valid_json_schema_named_for_it() -> None:
    schemas = all_json_schemas()

    assert list(schemas) == [cls.__name__ for cls in ALL_EVENTS]
    for name, schema in schemas.items():
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["title"] == name
        assert schema["properties"]["event"]["const"] == name


def test_the_schema_describes_the_envelope_the_export_writes() -> None:
    schema = json_schema(ComplaintFiled)

    assert list(schema["properties"]) == list(COLUMNS)
    assert schema["required"] == list(COLUMNS)
    assert schema["properties"]["customer_id"]["format"] == "uuid"
    assert schema["properties"]["occurred_at"]["format"] == "date-time"
    assert schema["properties"]["recorded_at"]["format"] == "date-time"
    assert schema["additionalProperties"] is False


def test_vocabulary_fields_are_enums_of_their_terms() -> None:
    schema = json_schema(ComplaintFiled)

    data = schema["$defs"]["ComplaintFiledData"]["properties"]
    assert schema["$defs"][data["severity"]["$ref"].split("/")[-1]]["enum"] == [
        "low",
        "medium",
        "high",
        "critical",
    ]
    assert "phone" in schema["$defs"][data["channel"]["$ref"].split("/")[-1]]["enum"]


def test_a_field_name_shared_by_two_vocabularies_gets_the_right_one_per_event() -> None:
    registered = json.dumps(all_json_schemas()["CustomerRegistered"])
    planned = json.dumps(all_json_schemas()["VisitPlanned"])

    assert '"organisation"' in registered and '"first_visit"' not in registered
    assert '"first_visit"' in planned and '"organisation"' not in planned


def test_a_visit_report_is_at_version_two_with_its_expense_totals() -> None:
    schema = json_schema(VisitReported)

    assert schema["properties"]["event_version"]["const"] == 2
    assert "expense_totals" in schema["$defs"]["VisitReportedData"]["required"]


def test_an_event_type_is_found_by_name_whatever_its_case() -> None:
    assert event_class("complaintfiled") is ComplaintFiled


def test_an_unknown_event_name_says_how_to_see_the_names() -> None:
    with pytest.raises(InvalidInputError, match=r"`ledger schema --list` names them"):
        event_class("ComplaintWithdrawn")


def test_every_kind_of_exported_event_validates_against_its_schema() -> None:
    customer = every_kind_of_event()

    documents = exported(customer.collect_events())

    assert {d["event"] for d in documents} == {cls.__name__ for cls in ALL_EVENTS}
    for document in documents:
        validate(document)


def test_an_export_with_a_term_outside_the_vocabulary_does_not_validate() -> None:
    documents = exported(every_kind_of_event().collect_events())
    complaint = next(d for d in documents if d["event"] == "ComplaintFiled")

    complaint["data"]["severity"] = "apocalyptic"

    with pytest.raises(jsonschema.ValidationError, match="apocalyptic"):
        validate(complaint)


def test_an_export_with_a_field_the_schema_does_not_know_does_not_validate() -> None:
    documents = exported(every_kind_of_event().collect_events())
    contact = next(d for d in documents if d["event"] == "ContactLogged")

    contact["data"]["mood"] = "cheerful"

    with pytest.raises(jsonschema.ValidationError, match="mood"):
        validate(contact)
