"""The rules of personal data (docs/domain.md, "Personal data"), on the aggregate
and the sealing alone: no database."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from ledger.domain.customer import Customer
from ledger.domain.events import KeyPersonAdded
from ledger.domain.personal import fold_details, legacy_details
from ledger.domain.personal_rules import AlreadyErasedError
from ledger.errors import RuleViolationError
from ledger.personal_details import PersonalFields
from ledger.sealing import seal, unseal
from tests.unit.test_schemas import at

KEY = bytes(range(32))


def sealer(person_id: str, details: Mapping[str, Any]) -> dict[str, str]:
    return seal(KEY, f"c1/{person_id}", details)


def customer_with_person() -> tuple[Customer, str]:
    from uuid import uuid4

    cu = Customer.register(
        customer_id=uuid4(), code="C-00001", name="Capital Airport Group",
        kind="organisation", industry="aviation", segment="airport", headquarters="",
        tier="general", vip=False, stage="prospect", owner=None, external_refs={}, meta=at(0),
    )  # fmt: skip
    person = cu.add_key_person(
        name="Wang Fang", title="CFO", decision_role="decision_maker",
        relationship_status="neutral", counterpart=None, meta=at(1),
        details={"hobbies": "go"}, seal=sealer,
    )  # fmt: skip
    return cu, person


def erase(cu: Customer, person: str, minutes: int) -> None:
    cu.erase_personal_data(
        person, reason="Asked", request_ref="R-1", requested_by="Wang Fang",
        plain_versions=[], meta=at(minutes),
    )  # fmt: skip


def test_details_are_sealed_for_the_person_they_belong_to() -> None:
    cu, _ = customer_with_person()

    added = cu.pending_events[-1]
    assert isinstance(added, KeyPersonAdded)
    envelope = added.personal

    assert envelope is not None and envelope["key"] == "c1/P1"
    assert unseal(KEY, envelope) == {"hobbies": "go"}
    # Copied onto another person, the sealed details do not open.
    with pytest.raises(ValueError, match="do not open"):
        unseal(KEY, {**envelope, "key": "c1/P2"})


def test_an_erased_person_gets_no_new_details_but_business_facts_still_change() -> None:
    cu, person = customer_with_person()
    erase(cu, person, 2)

    with pytest.raises(RuleViolationError, match="was erased on request"):
        cu.update_key_person(person, {}, at(3), {"hobbies": "chess"}, sealer)
    cu.update_key_person(person, {"title": "CEO"}, at(4))
    assert cu.people[person]["erased"] is True


def test_erasing_twice_is_refused_with_the_version_of_the_first() -> None:
    cu, person = customer_with_person()
    erase(cu, person, 2)

    with pytest.raises(AlreadyErasedError) as refused:
        erase(cu, person, 3)

    assert refused.value.version == 3


def test_later_details_replace_only_the_fields_they_name() -> None:
    assert fold_details([{"hobbies": "go", "school": "Fudan"}, {"hobbies": "chess"}]) == {
        "school": "Fudan",
        "hobbies": "chess",
    }
    assert legacy_details({"phones": ["+86 1", "+86 2"], "emails": [], "personal_notes": "x"}) == {
        "mobile": "+86 1, +86 2",
        "notes": "x",
    }


@pytest.mark.parametrize("phone", ["+86 10 6459 0000", "(010) 6459-0000", "12345"])
def test_phone_numbers_as_people_write_them_are_accepted(phone: str) -> None:
    assert PersonalFields(mobile=phone).details() == {"mobile": phone}


@pytest.mark.parametrize("phone", ["1234", "ext. 12345", "+86 10 6459 0000 0000 0000 0"])
def test_what_is_not_a_phone_number_is_refused(phone: str) -> None:
    with pytest.raises(ValidationError, match="must be a phone number"):
        PersonalFields(mobile=phone)
