"""A row changed back and forth across re-runs, on both backends (docs/import.md,
"Re-runs"): every change is recorded, one back to an earlier value included, and
the same file again records nothing. A customer's profile, a key person's
business facts and a corrected contact go A -> B -> A -> B; each run counts the
row as changed, and the 360 and the history end on B with three changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain.events import (
    ContactLogged,
    CorrectionRecorded,
    KeyPersonUpdated,
    ProfileUpdated,
)
from ledger.history import tell
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.sources import open_source
from ledger.storage import Storage
from projections.views import Views
from tests.reading import reader

IMPORTER = "li.wei"
CUSTOMER = "C-00001"
CUSTOMERS = "customer_id,name,segment,owner,registered_at,industry\n"
PEOPLE = "customer,person_id,name,decision_role,added_at,title\n"
CONTACTS = "customer,contact_id,occurred_at,staff,channel,direction,summary\n"
# One value of each record in turn: the customer's industry, the person's title,
# the contact's summary.
A = ("aviation", "Head of IT", "Called about fees")
B = ("logistics", "CIO", "Called about landing fees")


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    yield ledger_app


@pytest.fixture
def views(app: Ledger, storage: Storage) -> Iterator[Views]:
    created = Views(app, storage)
    yield created
    created.close()


def run_import(
    app: Ledger,
    folder: Path,
    values: tuple[str, str, str],
    *,
    dry_run: bool = False,
    copies: int = 1,
) -> ImportResult:
    """Import one customer, one key person and one contact with `values`, each
    row `copies` times in its file."""
    industry, title, summary = values
    files = {
        "customers": CUSTOMERS + f"A1,Alpha Airport,airport,li.wei,2024-01-02,{industry}\n",
        "people": PEOPLE + f"A1,X-7,Zhou Min,advisor,2024-02-01,{title}\n" * copies,
        "contacts": CONTACTS + f"A1,K1,2024-02-03 10:00,li.wei,phone,outbound,{summary}\n" * copies,
    }
    sources = []
    for kind, text in files.items():
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        sources.append(open_source(path, path.name, kind, KINDS[kind].columns))
    importer = Importer(app, app.caller(IMPORTER), KINDS, system="old", dry_run=dry_run)
    return importer.run(sources)


def counts(result: ImportResult) -> dict[str, tuple[int, int, int, int]]:
    """Each file's (imported, already present, changed, rejected)."""
    return {f.kind: (f.imported, f.present, f.changed, f.rejected) for f in result.files}


def events(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


CHANGED = {"customers": (0, 0, 1, 0), "people": (0, 0, 1, 0), "contacts": (0, 0, 1, 0)}
PRESENT = {"customers": (0, 1, 0, 0), "people": (0, 1, 0, 0), "contacts": (0, 1, 0, 0)}


def test_a_row_changed_back_and_forth_records_every_change(app: Ledger, tmp_path: Path) -> None:
    first = run_import(app, tmp_path, A)
    assert counts(first) == {
        "customers": (1, 0, 0, 0),
        "people": (1, 0, 0, 0),
        "contacts": (1, 0, 0, 0),
    }
    for values in (B, A, B):
        before = events(app)
        result = run_import(app, tmp_path, values)
        assert counts(result) == CHANGED, values
        # One event per record: a profile update, a person update, a correction.
        assert events(app) == before + 3, values

    stream = app.customer_events(CUSTOMER)[1]
    customer: Any = app.get_customer(CUSTOMER)
    assert customer.industry == "logistics"
    assert customer.people["P1"]["title"] == "CIO"
    assert [e.changes for e in stream if isinstance(e, ProfileUpdated)] == [
        {"industry": value} for value in ("logistics", "aviation", "logistics")
    ]
    assert [e.changes for e in stream if isinstance(e, KeyPersonUpdated)] == [
        {"title": value} for value in ("CIO", "Head of IT", "CIO")
    ]
    assert [e.changes for e in stream if isinstance(e, CorrectionRecorded)] == [
        {"summary": value} for value in (B[2], A[2], B[2])
    ]
    [contact] = [e for e in stream if isinstance(e, ContactLogged)]
    history = {entry.version: entry for entry in tell(stream)}
    assert len(history[contact.originator_version].corrected_by) == 3
    assert len({e.command_id for e in stream}) == len(stream)


def test_the_same_file_again_after_a_change_back_records_nothing(
    app: Ledger, tmp_path: Path
) -> None:
    for values in (A, B, A, B):
        run_import(app, tmp_path, values)
    before = events(app)

    again = run_import(app, tmp_path, B)

    assert counts(again) == PRESENT
    assert events(app) == before


def test_a_dry_run_of_a_change_back_predicts_the_real_run(app: Ledger, tmp_path: Path) -> None:
    for values in (A, B, A):
        run_import(app, tmp_path, values)
    before = events(app)

    dry = run_import(app, tmp_path, B, dry_run=True)
    assert events(app) == before
    real = run_import(app, tmp_path, B)

    assert counts(dry) == counts(real) == CHANGED
    assert events(app) == before + 3


def test_the_360_shows_what_the_last_change_back_says(
    app: Ledger, views: Views, tmp_path: Path
) -> None:
    for values in (A, B, A, B):
        run_import(app, tmp_path, values)
    views.catch_up()

    doc = reader(views).customer_360(CUSTOMER)

    assert doc is not None
    assert doc["industry"] == "logistics"
    assert doc["people"]["P1"]["title"] == "CIO"
    assert doc["last_contact"]["phone"]["summary"] == "Called about landing fees"


def test_a_row_changed_alike_in_two_copies_of_one_file_records_its_change_once(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, A)
    before = events(app)

    result = run_import(app, tmp_path, B, copies=2)

    assert {f.kind: (f.present, f.changed, f.rejected) for f in result.files} == {
        "customers": (0, 1, 0),
        "people": (1, 1, 0),
        "contacts": (1, 1, 0),
    }
    assert events(app) == before + 3
    stream = app.customer_events(CUSTOMER)[1]
    assert [e.changes for e in stream if isinstance(e, CorrectionRecorded)] == [{"summary": B[2]}]
