"""A key person's personal details as columns of people.csv (docs/import.md,
"people"): one column per field of form 2 (`PERSONAL_FIELDS`), read and checked
by the model the typed `person add|update` commands check them with
(`PersonalFields`), so a cell the command line would refuse rejects the row."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ledger.domain.personal import PERSONAL_FIELDS
from ledger.imports import values as v
from ledger.imports.contract import RowRejected, SourceRow
from ledger.personal_details import PersonalFields
from ledger.vocabulary import TEXT_LIMIT

# What a cell must look like, where it is more than text (the rule is the model's;
# this is its wording for the file's columns and for a reject's way out).
FORMS = {
    "birth_date": "a date as YYYY-MM-DD, not in the future",
    "mobile": "a phone number such as +86 138 0000 1234",
    "office_phone": "a phone number such as +86 10 6459 0000",
    "home_phone": "a phone number such as +86 10 6459 0000",
    "emails": "email addresses such as name@example.com, separated by ';'",
}
TEXT = f"text of up to {TEXT_LIMIT} characters"

COLUMNS: dict[str, str] = {
    name: f"personal detail, sealed with the person's key: {label}, {FORMS.get(name, TEXT)}"
    for name, label in PERSONAL_FIELDS.items()
}


def personal_details(row: SourceRow) -> dict[str, Any]:
    """The personal details the row gives, as `person add` records them (a date
    of birth as `YYYY-MM-DD`, emails a list); an empty cell gives none. A value the
    typed command refuses rejects the row, naming its column and how to fix it."""
    given: dict[str, Any] = {}
    for name in PERSONAL_FIELDS:
        value: Any = v.items(row, name) if name == "emails" else row.get(name)
        if value:
            given[name] = value
    if not given:
        return {}
    try:
        return PersonalFields(**given).details()
    except ValidationError as error:
        first = error.errors()[0]
        column = str(first["loc"][0]) if first.get("loc") else ""
        if first.get("type") == "value_error" or column not in PERSONAL_FIELDS:
            # The model's own words say what the value must be, and how.
            raise RowRejected(v.describe(error)) from None
        # Pydantic's words (a date it cannot read, a text too long) say only what
        # is wrong: the column's form says what it takes.
        raise RowRejected(
            f"{v.describe(error)}; {column} takes {FORMS.get(column, TEXT)}: correct "
            "the cell, or leave it empty"
        ) from None
