from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from ledger.domain.base import CustomerEvent, Meta
from ledger.domain.customer import Customer
from ledger.domain.events import ALL_EVENTS
from ledger.errors import InvalidInputError
from ledger.history import _DESCRIBERS, CATEGORIES, resolve_kinds, tell

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def meta(n: int, minutes: int = 0) -> Meta:
    return Meta(occurred_at=START + timedelta(minutes=minutes), actor="li.wei", command_id=f"c{n}")


def story() -> Customer:
    customer = Customer.register(
        customer_id=uuid4(),
        code="C-00001",
        name="Capital Airport Group",
        kind="organisation",
        industry="aviation",
        segment="airport",
        headquarters="Beijing",
        tier="strategic",
        vip=True,
        stage="growth",
        owner="li.wei",
        external_refs={},
        meta=meta(1),
    )
    customer.add_key_person(
        name="Zhang Wei",
        title="CFO",
        decision_role="decision_maker",
        relationship_status="positive",
        counterpart="li.wei",
        meta=meta(2, 5),
    )
    customer.log_contact(
        channel="phone",
        direction="outbound",
        people=["P1"],
        summary="Discussed the renewal",
        follow_ups=["Send the quote"],
        meta=meta(3, 60),
        follow_up_due=date(2026, 3, 9),
    )
    customer.file_complaint("service", "high", "Lost luggage", "phone", meta(4, 30))
    customer.resolve_complaint("CP1", "Bag delivered", "Tag misprint", meta(5, 120))
    customer.record_correction(
        target_version=3,
        target_type="ContactLogged",
        reason="year missing",
        changes={"summary": "Discussed the 2027 renewal"},
        meta=meta(6, 130),
    )
    return customer


def story_events() -> list[CustomerEvent]:
    return [e for e in story().collect_events() if isinstance(e, CustomerEvent)]


def test_every_event_type_has_a_sentence_and_a_kind() -> None:
    names = {cls.__name__ for cls in ALL_EVENTS}

    assert names <= set(_DESCRIBERS)
    assert names <= set(CATEGORIES)


def test_history_names_people_and_orders_by_when_things_happened() -> None:
    events = story_events()

    entries = tell(events)

    # The follow-up promised is a commitment of its own (version 4), told with the contact.
    assert [e.version for e in entries] == [1, 2, 5, 3, 4, 6, 7]
    contact = next(e for e in entries if e.event == "ContactLogged")
    assert contact.text == (
        "Phone call (outbound) with Zhang Wei (P1): Discussed the renewal. "
        "Follow-up promised: Send the quote."
    )


def test_a_corrected_event_keeps_its_original_text_and_points_at_the_correction() -> None:
    events = story_events()

    entries = {e.version: e for e in tell(events)}

    assert "Discussed the renewal" in entries[3].text
    assert entries[3].corrected_by == [7]
    assert entries[7].text == (
        "Correction to version 3 (ContactLogged): summary → 'Discussed the 2027 renewal'. "
        "Reason: year missing."
    )


def test_kind_filter_takes_categories_and_event_names() -> None:
    events = story_events()

    complaints = tell(events, kinds=resolve_kinds(["complaint"]))
    filed = tell(events, kinds=resolve_kinds(["ComplaintFiled"]))

    assert [e.event for e in complaints] == ["ComplaintFiled", "ComplaintResolved"]
    assert [e.event for e in filed] == ["ComplaintFiled"]


def test_unknown_kind_is_refused_with_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="unknown kind 'calls'"):
        resolve_kinds(["calls"])


def test_since_and_until_filter_on_when_it_happened() -> None:
    events = story_events()

    window = tell(events, since=START + timedelta(minutes=20), until=START + timedelta(minutes=90))

    assert [e.event for e in window] == ["ComplaintFiled", "ContactLogged", "CommitmentMade"]
