"""Every personal detail of form 2 as a column of people.csv (docs/import.md,
"people"), on both backends: imported sealed with the person's key as `person add`
seals it, shown by no export, view or history line to one who may not see it,
stored nowhere in plain text, and a value the typed command refuses rejects the
row with its column, what is wrong and what the column takes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from cli import ledger
from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.events import KeyPersonAdded
from ledger.domain.personal import PERSONAL_FIELDS
from ledger.export import Exporter
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.sources import open_source
from ledger.personal_details import PersonalFields
from ledger.storage import Storage
from projections.views import Views
from tests.integration.test_personal_data import DETAILS, NEEDLES, hits, plain
from tests.view_state import view_rows

IMPORTER = "li.wei"  # an executive (tests/staffing.py)
AUDITOR = "he.ping"
CUSTOMERS = "customer_id,name,segment,owner,registered_at\nA1,Alpha Airport,air,li.wei,2024-01-02\n"
PERSON = {
    "customer": "A1",
    "person_id": "X-7",
    "name": "Qiu Yue",
    "decision_role": "advisor",
    "added_at": "2024-02-01",
    "title": "Operations director",
}


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    ledger_app.add_staff(c.AddStaff(actor="ops", staff=AUDITOR, name="He Ping", role="auditor"))
    yield ledger_app


def people_csv(**cells: Any) -> str:
    """One person's row with `cells` as their personal columns (a list: `;`)."""
    given = {k: ";".join(v) if isinstance(v, list) else v for k, v in cells.items()}
    out = io.StringIO()
    writer = csv.DictWriter(out, [*PERSON, *given], lineterminator="\n")
    writer.writeheader()
    writer.writerow({**PERSON, **given})
    return out.getvalue()


def run_import(app: Ledger, folder: Path, people: str) -> ImportResult:
    sources = []
    for kind, text in (("customers", CUSTOMERS), ("people", people)):
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        sources.append(open_source(path, path.name, kind, KINDS[kind].columns))
    return Importer(app, app.caller(IMPORTER), KINDS, system="old").run(sources)


def added(app: Ledger) -> KeyPersonAdded:
    [event] = [e for e in app.customer_events("C-00001")[1] if isinstance(e, KeyPersonAdded)]
    return event


def test_every_personal_field_is_a_column_of_people_csv() -> None:
    assert set(PERSONAL_FIELDS) <= KINDS["people"].columns.known


def test_every_personal_column_is_imported_sealed_as_person_add_seals_it(
    app: Ledger, storage: Storage, tmp_path: Path
) -> None:
    result = run_import(app, tmp_path, people_csv(**DETAILS))

    assert (result.files[1].imported, result.files[1].rejected) == (1, 0)
    event = added(app)
    stored = app.recorder.select_events(event.originator_id)[1]
    assert set(app.mapper.transcoder.decode(stored.state)["personal"]) == {
        "key",
        "nonce",
        "sealed",
    }
    reader = app.personal_reader(app.caller(IMPORTER))
    assert reader.of_event(event) == DETAILS
    views = Views(app, storage)
    try:
        views.rebuild()
        shown = json.dumps(view_rows(views), default=str)
    finally:
        views.close()
    assert not [n for n in NEEDLES if n in shown]
    assert hits(storage, plain(*NEEDLES)) == {}
    # The search does see what is stored in plain text: the business facts.
    assert hits(storage, plain("Qiu Yue", "Operations director")) != {}


def test_no_export_or_history_shows_imported_details_in_plain_text(
    app: Ledger, db_url: str, tmp_path: Path
) -> None:
    run_import(app, tmp_path, people_csv(**DETAILS))

    exported = json.dumps(list(Exporter(app.recorder, app.mapper).whole_log()), default=str)
    history = CliRunner().invoke(
        ledger, ["--db", db_url, "--as", AUDITOR, "--format", "json", "history", "C-00001"]
    )

    assert history.exit_code == 0, history.output
    assert "Qiu Yue" in history.stdout and "Qiu Yue" in exported
    for shown in (exported, history.stdout):
        assert not [n for n in NEEDLES if n in shown]
        assert "1961-07-23" not in shown and "2468 1357" not in shown


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (
            "birth_date",
            "23/07/1961",
            "birth_date: input should be a valid date or datetime, invalid character in year "
            "(got '23/07/1961'); birth_date takes a date as YYYY-MM-DD, not in the future: "
            "correct the cell, or leave it empty",
        ),
        (
            "birth_date",
            "2999-01-01",
            "birth_date: a date of birth cannot be in the future (got '2999-01-01')",
        ),
        (
            "home_phone",
            "ask reception",
            "home_phone: must be a phone number: 5 to 20 digits with an optional leading +, "
            "such as +86 10 6459 0000 (got 'ask reception')",
        ),
        (
            "emails",
            "qiu@plimzak.example; qiu at home",
            "emails: must be an email address such as name@example.com (got 'qiu at home')",
        ),
        (
            "school",
            "x" * 4001,
            "school: string should have at most 4000 characters (got 'xxx",
        ),
    ],
)
def test_a_value_the_typed_command_refuses_rejects_the_row_saying_how_to_fix_it(
    app: Ledger, tmp_path: Path, column: str, value: str, reason: str
) -> None:
    # As `person add --email ... --email ...` gives them.
    typed: Any = [v.strip() for v in value.split(";")] if column == "emails" else value
    with pytest.raises(ValidationError):
        PersonalFields(**{column: typed})

    result = run_import(app, tmp_path, people_csv(hobbies="Go", **{column: value}))

    assert (result.files[1].imported, result.files[1].rejected) == (0, 1)
    rejects = (tmp_path / "people.rejects.csv").read_text(encoding="utf-8")
    [row] = list(csv.DictReader(io.StringIO(rejects)))
    assert row["reject_reason"].startswith(reason)
    if column == "school":
        assert row["reject_reason"].endswith(
            "; school takes text of up to 4000 characters: correct the cell, or leave it empty"
        )
    assert app.get_customer("C-00001").people == {}


def test_a_value_the_typed_command_takes_is_imported_as_it_takes_it(
    app: Ledger, tmp_path: Path
) -> None:
    given = {"birth_date": "1961-07-23", "home_phone": "(010) 6459-0000", "family": "Two sons"}

    result = run_import(app, tmp_path, people_csv(**given))

    assert result.files[1].rejected == 0
    reader = app.personal_reader(app.caller(IMPORTER))
    assert reader.of_event(added(app)) == PersonalFields(**given).details()
