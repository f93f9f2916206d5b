"""A key person's personal details as commands take them, validated at the edge:
dates are dates (and not in the future), emails look like emails, phones are
phone-shaped (docs/domain.md, "Personal data")."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, StringConstraints, field_validator

from ledger.domain.personal import PERSONAL_FIELDS
from ledger.vocabulary import TEXT_LIMIT

Detail = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TEXT_LIMIT)
]
# A phone number as people write them: digits, with an optional leading +, and
# spaces, dashes, dots or brackets between; 5 to 20 digits.
PHONE = re.compile(r"^\+?[0-9(][0-9 ()./-]*[0-9]$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")


def _email_shaped(value: str) -> str:
    if not EMAIL.match(value):
        raise ValueError("must be an email address such as name@example.com")
    return value


Email = Annotated[Detail, AfterValidator(_email_shaped)]


class PersonalFields(BaseModel):
    """The personal fields a key-person command may carry; None means not given."""

    birth_date: date | None = None
    birthplace: Detail | None = None
    native_place: Detail | None = None
    education: Detail | None = None
    school: Detail | None = None
    family: Detail | None = None
    hobbies: Detail | None = None
    journals: Detail | None = None
    associations: Detail | None = None
    work_history: Detail | None = None
    mobile: Detail | None = None
    office_phone: Detail | None = None
    home_phone: Detail | None = None
    emails: list[Email] | None = None
    notes: Detail | None = None

    @field_validator("birth_date")
    @classmethod
    def _born_already(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("a date of birth cannot be in the future")
        return value

    @field_validator("mobile", "office_phone", "home_phone")
    @classmethod
    def _phone_shaped(cls, value: str | None) -> str | None:
        if value is None:
            return value
        digits = sum(ch.isdigit() for ch in value)
        if not PHONE.match(value) or not 5 <= digits <= 20:
            raise ValueError(
                "must be a phone number: 5 to 20 digits with an optional leading +, "
                "such as +86 10 6459 0000"
            )
        return value

    def details(self) -> dict[str, Any]:
        """The personal fields given, as plain JSON-able values."""
        found: dict[str, Any] = {}
        for name in PERSONAL_FIELDS:
            value = getattr(self, name)
            if value is None or value == []:
                continue
            found[name] = value.isoformat() if isinstance(value, date) else value
        return found
