"""The rules of a key person's personal data (docs/domain.md, "Personal data"):
details are sealed for the person they belong to, an erased person's details
are never recorded again, and erasing twice records nothing.

`Customer` inherits `PersonalDataRules`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ledger.domain.base import Meta
from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated, PersonalDataErased
from ledger.errors import RuleViolationError

# Seals a person's details (field -> value) for the person id given first;
# the service supplies it (ledger.sealing), so the domain never holds a key.
Sealer = Callable[[str, Mapping[str, Any]], dict[str, str]]


class AlreadyErasedError(RuleViolationError):
    """The person's personal data was erased already (by the event at `version`)."""

    def __init__(self, message: str, version: int) -> None:
        super().__init__(message)
        self.version = version


class PersonalDataRules:
    code: str
    people: dict[str, dict[str, Any]]
    _record: Callable[..., Any]
    check_person: Callable[..., dict[str, Any]]

    def personal_data_erased(self, person_id: str) -> bool:
        """Whether the person's personal data was erased on request: nothing of it
        is readable, and none is recorded for them again."""
        return bool(self.people.get(person_id, {}).get("erased"))

    def sealed_details(
        self, person_id: str, details: Mapping[str, Any], seal: Sealer | None
    ) -> dict[str, str] | None:
        """The details sealed for the person, or None when there are none; refused
        for a person whose personal data was erased."""
        if not details:
            return None
        if self.personal_data_erased(person_id):
            raise RuleViolationError(
                f"the personal data of {self.code}/{person_id} was erased on request: "
                "record no new personal details for them"
            )
        if seal is None:
            raise RuleViolationError("personal details need a sealer: none was given")
        return seal(person_id, details)

    def erase_personal_data(
        self,
        person_id: str,
        *,
        reason: str,
        request_ref: str,
        requested_by: str,
        plain_versions: list[int],
        meta: Meta,
    ) -> None:
        person = self.check_person(person_id, present=False)
        if self.personal_data_erased(person_id):
            raise AlreadyErasedError(
                f"the personal data of {self.code}/{person_id} was erased already",
                int(person.get("erased_at_version", 0)),
            )
        self._record(
            PersonalDataErased,
            meta,
            person_id=person_id,
            reason=reason,
            request_ref=request_ref,
            requested_by=requested_by,
            plain_versions=plain_versions,
        )


def holds_plain_details(event: Any, person_id: str) -> bool:
    """Whether the event holds details of the person in plain text (recorded
    before personal data was sealed): such text cannot be shredded."""
    return (
        isinstance(event, KeyPersonAdded | KeyPersonUpdated)
        and event.person_id == person_id
        and bool(event.legacy_personal)
    )
