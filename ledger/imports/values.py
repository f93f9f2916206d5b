"""Reading one column's value of a source row, with the reason a bad value gives
the rejects file. Times and dates use the ledger's own readers (`ledger.clock`),
vocabularies the ledger's own enums (`ledger.vocabulary`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ledger.clock import parse_date, parse_time
from ledger.errors import InvalidInputError
from ledger.imports.contract import RowRejected, SourceRow

E = TypeVar("E", bound=StrEnum)

# Several values in one cell (people met, expenses...) are separated by this.
LIST_SEPARATOR = ";"
# An external id is part of a command id, which the ledger keeps to 200 characters.
EXTERNAL_ID_LIMIT = 120


def required(row: SourceRow, column: str) -> str:
    value = row.get(column)
    if not value:
        raise RowRejected(f"{column} is empty: every row needs one")
    return value


def external_id(row: SourceRow, column: str) -> str:
    value = required(row, column)
    if len(value) > EXTERNAL_ID_LIMIT:
        raise RowRejected(f"{column} is longer than {EXTERNAL_ID_LIMIT} characters")
    return value


def when(row: SourceRow, column: str, timezone: ZoneInfo) -> datetime:
    """A time; without an offset it is in the ledger's time zone."""
    try:
        return parse_time(required(row, column), timezone, what=column)
    except RowRejected:
        raise
    except InvalidInputError as error:
        raise RowRejected(f"bad date: {error}") from None


def optional_when(row: SourceRow, column: str, timezone: ZoneInfo) -> datetime | None:
    return when(row, column, timezone) if row.get(column) else None


def day(row: SourceRow, column: str) -> date | None:
    if not row.get(column):
        return None
    try:
        return parse_date(row.get(column), what=column)
    except InvalidInputError as error:
        raise RowRejected(f"bad date: {error}") from None


def choice(row: SourceRow, column: str, vocabulary: type[E], default: E | None = None) -> E:
    """A value of one of the ledger's vocabularies (case and spaces forgiven)."""
    text = row.get(column)
    if not text:
        if default is not None:
            return default
        raise RowRejected(f"{column} is empty: every row needs one")
    cleaned = text.strip().lower().replace(" ", "_").replace("-", "_")
    try:
        return vocabulary(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in vocabulary)
        raise RowRejected(f"unknown {column} {text!r}: use one of {allowed}") from None


def items(row: SourceRow, column: str) -> list[str]:
    """The values of a list cell (`a; b; c`), blanks dropped."""
    return [part.strip() for part in row.get(column).split(LIST_SEPARATOR) if part.strip()]


class NamesItsCustomer:
    """A kind of file whose rows name their customer by its external id in the
    `customer` column (every kind but the customers' own file)."""

    def customer_of(self, row: SourceRow) -> str:
        return external_id(row, "customer")


# How much of a rejected value a reason repeats.
SHOWN = 60


def describe(error: ValidationError, columns: Mapping[str, str] | None = None) -> str:
    """The first problem of a command built from a row, in one line, named by the
    row's column where it differs from the command's field (`columns`: field ->
    column, such as an opportunity's `value` won -> `won_value`)."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if not isinstance(part, int))
    where = (columns or {}).get(where, where)
    message = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    given = first.get("input")
    if isinstance(given, str) and len(given) > SHOWN:
        given = given[:SHOWN] + "…"
    shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
    return f"{where or 'value'}: {message[0].lower()}{message[1:]}{shown}"
