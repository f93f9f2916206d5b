"""Reading key people's personal details back: unsealed at read time with each
person's key, "erased" once the key is destroyed or the person's data was erased,
and left out for a reader not allowed to see them (docs/domain.md, "Personal
data"). No view or snapshot holds them in plain text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ledger.domain.personal import (
    ERASED,
    PERSONAL_EVENT_FIELDS,
    describe,
    fold_details,
    legacy_details,
)
from ledger.person_keys import KeyStore
from ledger.sealing import unseal

# The event classes are imported where events are met: a 360 read opens the details
# its document holds without decoding any event (docs/decisions.md, "Start-up: a
# read imports no event class").

# What a reader not allowed to see personal details is shown instead.
WITHHELD = "withheld"


class PersonalReader:
    """Opens the personal details of one ledger's key people."""

    def __init__(self, keys: KeyStore, erased: Iterable[tuple[Any, str]] = (), *, allowed: bool):
        self.keys = keys
        self.allowed = allowed
        # (customer id, person id) of every person whose data was erased.
        self.erased = set(erased)

    def note(self, event: Any) -> None:
        """Take note of an erasure as the events pass."""
        from ledger.domain.events import PersonalDataErased

        if isinstance(event, PersonalDataErased):
            self.erased.add((event.originator_id, event.person_id))

    def details(self, customer_id: Any, person_id: str, parts: Iterable[Any]) -> Any:
        """What is known of the person today from the recorded parts (sealed
        envelopes or plain version 1 dicts): a dict, ERASED or WITHHELD."""
        if not self.allowed:
            return WITHHELD
        if (customer_id, person_id) in self.erased:
            return ERASED
        opened = []
        for part in parts:
            part_opened = self.open_part(part)
            if part_opened is None:
                return ERASED
            opened.append(part_opened)
        return fold_details(opened)

    def open_part(self, part: Mapping[str, Any]) -> dict[str, Any] | None:
        """One recorded part opened (None if its key is gone)."""
        if "sealed" not in part:
            return legacy_details(part)
        key = self.keys.key(str(part["key"]))
        return None if key is None else unseal(key, part)

    def of_event(self, event: Any) -> Any:
        """The personal details an event recorded: a dict (empty if none), ERASED or
        WITHHELD."""
        from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated

        if not isinstance(event, KeyPersonAdded | KeyPersonUpdated):
            return {}
        parts = [p for p in (event.legacy_personal, event.personal) if p]
        if not parts:
            return {}
        return self.details(event.originator_id, event.person_id, parts)

    def sentence(self, event: Any) -> str:
        """What the history adds to the event's line, if it recorded details."""
        shown = self.of_event(event)
        if shown == {}:
            return ""
        if isinstance(shown, str):
            return f" Personal details: {shown}."
        return f" Personal details: {describe(shown)}."

    def payload(self, event: Any, data: dict[str, Any], *, include: bool) -> dict[str, Any]:
        """The event's payload with its personal fields opened (`include`) or left out."""
        from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated

        if not isinstance(event, KeyPersonAdded | KeyPersonUpdated):
            return data
        plain = {k: v for k, v in data.items() if k not in PERSONAL_EVENT_FIELDS}
        if include:
            plain["personal"] = self.of_event(event)
        return plain


def erased_people(events: Iterable[Any]) -> set[tuple[Any, str]]:
    from ledger.domain.events import PersonalDataErased

    return {(e.originator_id, e.person_id) for e in events if isinstance(e, PersonalDataErased)}


def annotate(entries: list[Any], events: Iterable[Any], reader: PersonalReader) -> list[Any]:
    """History entries with the personal details their events recorded: opened,
    "erased" or "withheld", in the line and in the data (never the sealed form)."""
    import dataclasses

    from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated

    by_version = {e.originator_version: e for e in events}
    shown = []
    for entry in entries:
        event = by_version.get(entry.version)
        if isinstance(event, KeyPersonAdded | KeyPersonUpdated):
            entry = dataclasses.replace(
                entry,
                text=entry.text + reader.sentence(event),
                data=reader.payload(event, entry.data, include=True),
            )
        shown.append(entry)
    return shown


def reveal_people(doc: dict[str, Any], reader: PersonalReader) -> dict[str, Any]:
    """A customer 360 document with each key person's sealed details replaced by
    `personal`: opened, "erased" or "withheld"."""
    for person_id, person in doc.get("people", {}).items():
        sealed = person.pop("sealed", [])
        if person.pop("erased", False):
            person["personal"] = WITHHELD if not reader.allowed else ERASED
        else:
            person["personal"] = reader.details(None, person_id, sealed) if sealed else {}
    return doc


def reveal_brief_people(people: list[dict[str, Any]], reader: PersonalReader) -> None:
    """The brief's key people with their sealed details opened into `personal`
    and told at the end of their line."""
    for person in people:
        sealed = person.pop("sealed", [])
        if person.pop("erased", False):
            shown: Any = WITHHELD if not reader.allowed else ERASED
        else:
            shown = reader.details(None, person["id"], sealed) if sealed else {}
        person["personal"] = shown
        if shown:
            text = shown if isinstance(shown, str) else describe(shown)
            person["text"] += f" Personal details: {text}."
