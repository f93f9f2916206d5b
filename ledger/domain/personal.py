"""Personal data of a key person (docs/domain.md, "Personal data"): which fields
are personal, and how the recorded parts fold into what is known today.

Personal fields are held in events only as ciphertext sealed with a key of the
person's own (`ledger.sealing`); destroying the key erases them. A person's
name, title, role in the buying decision, relationship status and counterpart
are business facts, not personal data: they stay after an erasure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Form 2's personal details, in the order they are shown, with their labels.
PERSONAL_FIELDS: dict[str, str] = {
    "birth_date": "date of birth",
    "birthplace": "place of birth",
    "native_place": "native place",
    "education": "education",
    "school": "school",
    "family": "family situation",
    "hobbies": "hobbies",
    "journals": "professional journals",
    "associations": "associations",
    "work_history": "work history",
    "mobile": "mobile phone",
    "office_phone": "office phone",
    "home_phone": "home phone",
    "emails": "emails",
    "notes": "personal notes",
}

# Fields of version 1 events (before encryption), kept in plain text in the log,
# and the personal field each now means.
LEGACY_FIELDS: dict[str, str] = {
    "phones": "mobile",
    "emails": "emails",
    "personal_notes": "notes",
}

# The event fields that hold personal details (sealed, or plain from version 1):
# no view, export or history line shows them as stored.
PERSONAL_EVENT_FIELDS = frozenset({"personal", "legacy_personal"})

# What every view, export and history line shows in place of erased details.
ERASED = "erased"


def fold_details(parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """What is known today from the details recorded, oldest first: a later part
    replaces the fields it names. Fields never given are left out."""
    known: dict[str, Any] = {}
    for part in parts:
        known.update({k: v for k, v in part.items() if v not in (None, "", [])})
    return {name: known[name] for name in PERSONAL_FIELDS if name in known}


def legacy_details(plain: Mapping[str, Any]) -> dict[str, Any]:
    """Details a version 1 event recorded in plain text, under today's names."""
    found: dict[str, Any] = {}
    for old, new in LEGACY_FIELDS.items():
        value = plain.get(old)
        if value not in (None, "", []):
            found[new] = value if old != "phones" else ", ".join(value)
    return found


def describe(details: Mapping[str, Any]) -> str:
    """The details as one line of labelled values, in the form's order."""
    shown = []
    for name, label in PERSONAL_FIELDS.items():
        if name in details:
            value = details[name]
            text = ", ".join(value) if isinstance(value, list) else str(value)
            shown.append(f"{label}: {text}")
    return "; ".join(shown)
