"""Re-running an import of key people whose personal details are sealed, on both
backends (docs/import.md, "Re-runs"): the same file writes nothing, a changed
detail is recorded once as `person update` would record it, a change made by
hand since is not undone, and an erased person never gets details back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.events import KeyPersonAdded, KeyPersonUpdated
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.sources import open_source

IMPORTER = "li.wei"
CUSTOMERS = (
    "customer_id,name,segment,owner,registered_at\nA1,Alpha Airport,airport,li.wei,2024-01-02\n"
)
HEADER = (
    "customer,person_id,name,decision_role,added_at,title,mobile,emails,notes,birth_date,"
    "home_phone,school\n"
)
PERSON = (
    "A1,X-7,Zhou Min,advisor,2024-02-01,Head of IT,13800001111,zhou@alpha.cn,Likes tea,"
    "1975-04-12,010 6459 0000,Fudan\n"
)


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    yield ledger_app


def run_import(app: Ledger, folder: Path, people: str) -> ImportResult:
    sources = []
    for kind, text in (("customers", CUSTOMERS), ("people", HEADER + people)):
        path = folder / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        sources.append(open_source(path, path.name, kind, KINDS[kind].columns))
    return Importer(app, app.caller(IMPORTER), KINDS, system="old").run(sources)


def people_file(result: ImportResult) -> Any:
    return result.files[1]


def events(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


def details_now(app: Ledger) -> Any:
    """What a reader sees of P1's personal details today."""
    customer: Any = app.repository.get(app.resolve_customer("C-00001"))
    parts: list[Any] = []
    for event in app.events.get(customer.id):
        if isinstance(event, KeyPersonAdded | KeyPersonUpdated):
            parts.extend(p for p in (event.legacy_personal, event.personal) if p)
    return app.personal_reader(app.caller(IMPORTER)).details(customer.id, "P1", parts)


def last_event(app: Ledger) -> Any:
    return app.customer_events("C-00001")[1][-1]


def test_the_same_people_file_with_details_writes_nothing_again(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    before = events(app)

    again = run_import(app, tmp_path, PERSON)

    assert events(app) == before
    assert (people_file(again).present, people_file(again).changed) == (1, 0)


def test_a_changed_detail_is_recorded_once_as_a_sealed_person_update(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    before = events(app)
    changed = PERSON.replace("13800001111", "13900002222")

    result = run_import(app, tmp_path, changed)

    assert (people_file(result).present, people_file(result).changed) == (0, 1)
    assert events(app) == before + 1
    update = last_event(app)
    assert isinstance(update, KeyPersonUpdated) and update.person_id == "P1"
    assert update.changes == {} and update.actor == IMPORTER
    # Sealed in the event, as `person update` seals it: only the changed detail.
    assert "13900002222" not in str(update.personal)
    reader = app.personal_reader(app.caller(IMPORTER))
    assert reader.of_event(update) == {"mobile": "13900002222"}
    assert details_now(app) == {
        "birth_date": "1975-04-12",
        "school": "Fudan",
        "mobile": "13900002222",
        "home_phone": "010 6459 0000",
        "emails": ["zhou@alpha.cn"],
        "notes": "Likes tea",
    }
    # The changed file again: nothing more.
    again = run_import(app, tmp_path, changed)
    assert events(app) == before + 1
    assert people_file(again).present == 1


def test_a_changed_date_of_birth_and_home_phone_are_recorded_once_together(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    before = events(app)
    changed = PERSON.replace("1975-04-12", "1975-04-21").replace("010 6459 0000", "010 6459 9999")

    result = run_import(app, tmp_path, changed)

    assert (people_file(result).changed, people_file(result).rejected) == (1, 0)
    assert events(app) == before + 1
    update = last_event(app)
    assert isinstance(update, KeyPersonUpdated) and update.changes == {}
    assert "1975-04-21" not in str(update.personal) and "9999" not in str(update.personal)
    reader = app.personal_reader(app.caller(IMPORTER))
    assert reader.of_event(update) == {"birth_date": "1975-04-21", "home_phone": "010 6459 9999"}
    assert details_now(app)["school"] == "Fudan"
    again = run_import(app, tmp_path, changed)
    assert events(app) == before + 1
    assert people_file(again).present == 1


def test_a_detail_changed_by_hand_since_is_not_undone_by_the_same_file(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    app.update_key_person(
        c.UpdateKeyPerson(
            actor=IMPORTER, customer="C-00001", case="P1", mobile="13700003333",
            command_id="by-hand",
        )
    )  # fmt: skip
    before = events(app)

    run_import(app, tmp_path, PERSON)

    assert events(app) == before
    assert details_now(app)["mobile"] == "13700003333"


def erase(app: Ledger) -> None:
    app.erase_personal_data(
        c.ErasePersonalData(
            actor=IMPORTER, customer="C-00001", case="P1", reason="Asked to be forgotten",
            request_ref="REQ-1", command_id="erase",
        )
    )  # fmt: skip


def test_an_erased_persons_row_brings_no_details_back_and_says_so(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    erase(app)
    before = events(app)

    same = run_import(app, tmp_path, PERSON)
    # New details in the source, and a new title: the title is a business fact.
    changed = run_import(
        app,
        tmp_path,
        PERSON.replace("13800001111", "13900002222")
        .replace("1975-04-12", "1975-04-21")
        .replace("010 6459 0000", "010 6459 9999")
        .replace("Head of IT", "CIO"),
    )

    assert (people_file(same).present, people_file(same).rejected) == (1, 0)
    assert (people_file(changed).changed, people_file(changed).rejected) == (1, 0)
    assert events(app) == before + 1
    update = last_event(app)
    assert isinstance(update, KeyPersonUpdated)
    assert update.changes == {"title": "CIO"} and update.personal is None
    assert details_now(app) == "erased"
    for result in (same, changed):
        [note] = people_file(result).notes
        assert note.startswith("line 2: personal details of C-00001/P1 not imported")
        assert "erased on request" in note
    assert not (tmp_path / "people.rejects.csv").exists()


def test_an_erased_persons_row_with_a_refused_detail_is_not_rejected_and_copies_nothing(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    erase(app)
    before = events(app)
    # A birth date the typed command refuses: the person's details are not imported
    # anyway, and a reject would copy them into a rejects file.
    bad = PERSON.replace("1975-04-12", "12/04/1975").replace("13800001111", "13900002222")

    result = run_import(app, tmp_path, bad)

    assert (people_file(result).present, people_file(result).rejected) == (1, 0)
    assert events(app) == before
    [note] = people_file(result).notes
    assert "erased on request" in note
    assert not (tmp_path / "people.rejects.csv").exists()


def test_a_refused_detail_still_rejects_the_row_of_a_person_not_erased(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, PERSON)
    before = events(app)

    result = run_import(app, tmp_path, PERSON.replace("1975-04-12", "12/04/1975"))

    assert people_file(result).rejected == 1
    assert events(app) == before
    reason = (tmp_path / "people.rejects.csv").read_text(encoding="utf-8").splitlines()[1]
    assert "birth_date" in reason
