"""The example files of examples/import (docs/import.md) import whole: every row of
every record kind, for the customers and key people of customers.csv and people.csv
(CRM-1001..CRM-1004, people P-501..P-504), and importing them again writes nothing."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.domain.provenance import origin_of
from ledger.imports.contract import Kind
from ledger.imports.kinds import KINDS
from tests.importing import Session, memory_ledger
from tests.staffing import seed_staff

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "import"
# As customers.csv and people.csv have them (their own import is tested with them).
CUSTOMERS = {
    "CRM-1001": ("Capital Airport Group", "li.wei", ["P-501", "P-502"]),
    "CRM-1002": ("Shenzhen Bao'an Terminal Services", "li.wei", ["P-503"]),
    "CRM-1003": ("Hangzhou Cloudline Software", "wang.fang", ["P-504"]),
    "CRM-1004": ("Chen Hua", "huang.li", []),
}


@pytest.fixture
def session() -> Iterator[Session]:
    app = memory_ledger()
    seed_staff(app, ("li.wei", "zhang.min", "wang.fang", "huang.li"))
    session = Session(app)
    for external_id, (name, owner, people) in CUSTOMERS.items():
        session.register(external_id, name, owner=owner)
        for person in people:
            session.add_person(external_id, person, f"Person {person}")
    yield session
    app.close()


# The kinds whose example rows this module imports (customers and people have
# their own end-to-end test).
RECORD_KINDS = {name: kind for name, kind in KINDS.items() if name not in ("customers", "people")}


def rows() -> list[tuple[Kind, dict[str, str]]]:
    found = []
    for name, kind in RECORD_KINDS.items():
        with (EXAMPLES / f"{name}.csv").open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            assert set(reader.fieldnames or ()) <= kind.columns.known, name
            found += [(kind, {k: (v or "").strip() for k, v in row.items()}) for row in reader]
    return found


def imported(session: Session) -> Counter[str]:
    counts: Counter[str] = Counter()
    for code in session.customers.values():
        for event in session.app.customer_events(code)[1]:
            origin = origin_of(event)
            # Customers and people are the fixture's, not these rows'.
            if origin is not None and origin.kind in RECORD_KINDS:
                counts[origin.kind] += 1
    return counts


def test_every_example_row_imports(session: Session) -> None:
    session.run_rows(*rows())

    assert imported(session) == {
        # Six contacts, and a commitment per follow-up promised (in the same command).
        "contacts": 6 + 4,
        "visits": 5,
        "inquiries": 4 + 3,  # received, and answered when they were
        # Each step of each complaint, and the escalation closed with its complaint.
        "complaints": 5 + 4 + 3 + 1 + 1,
        # Raised, and resolved when it was (not the one closed with its complaint).
        "escalations": 2 + 1 + 1,
        "opportunities": 4 + 4 + 3 + 1,
        "satisfaction": 4,
    }


def test_importing_the_examples_again_writes_nothing(session: Session) -> None:
    session.run_rows(*rows())
    written = session.app.recorder.max_notification_id()

    session.run_rows(*rows())

    assert session.app.recorder.max_notification_id() == written
