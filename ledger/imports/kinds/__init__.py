"""The kinds of source file, by name (docs/import.md): `ledger import KIND=FILE`
and a file named `KIND.csv` find their kind here. One entry per kind."""

from __future__ import annotations

from ledger.imports.contract import Kind
from ledger.imports.kinds.customers import CUSTOMERS
from ledger.imports.kinds.people import PEOPLE

KINDS: dict[str, Kind] = {
    "customers": CUSTOMERS,
    "people": PEOPLE,
}
