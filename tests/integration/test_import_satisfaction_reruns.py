"""Re-running an import of satisfaction scores without a score_id, on both
backends (docs/import_kinds.md, "satisfaction"): their customer, time and source
identify them, as the ledger knows them now. A changed score or note is one
correction; a row whose time changed is refused rather than recorded as a second
score, and once the score's time is corrected in the ledger the row finds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger import commands as c
from ledger.application import Ledger
from ledger.domain.events import CorrectionRecorded, SatisfactionRecorded
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.sources import open_source

IMPORTER = "li.wei"
CUSTOMERS = (
    "customer_id,name,segment,owner,registered_at\nA1,Alpha Airport,airport,li.wei,2024-01-02\n"
)
HEADER = "customer,recorded_at,staff,score,source,note\n"
FIRST = "A1,2024-03-01 09:00,li.wei,4,survey,Good lounge\n"
SECOND = "A1,2024-04-01 09:00,li.wei,3,survey,\n"
THIRD = "A1,2024-05-01 09:00,li.wei,5,spot_check,Quick answers\n"


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    yield ledger_app


def run_import(app: Ledger, folder: Path, scores: str, name: str = "satisfaction.csv") -> Any:
    sources = []
    for kind, file, text in (
        ("customers", "customers.csv", CUSTOMERS),
        ("satisfaction", name, HEADER + scores),
    ):
        path = folder / file
        path.write_text(text, encoding="utf-8")
        sources.append(open_source(path, file, kind, KINDS[kind].columns))
    result: ImportResult = Importer(app, app.caller(IMPORTER), KINDS, system="old").run(sources)
    return result.files[1]


def events(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


def scores(app: Ledger) -> list[SatisfactionRecorded]:
    return [e for e in app.customer_events("C-00001")[1] if isinstance(e, SatisfactionRecorded)]


def rejects(folder: Path, name: str = "satisfaction") -> list[str]:
    return (folder / f"{name}.rejects.csv").read_text(encoding="utf-8").splitlines()[1:]


def test_the_same_scores_again_write_nothing(app: Ledger, tmp_path: Path) -> None:
    run_import(app, tmp_path, FIRST + SECOND + THIRD)
    before = events(app)

    again = run_import(app, tmp_path, FIRST + SECOND + THIRD)

    assert events(app) == before
    assert (again.present, again.imported, again.rejected) == (3, 0, 0)


def test_a_changed_score_or_note_is_one_correction_of_exactly_that_score(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, FIRST + SECOND + THIRD)
    before = events(app)

    changed = run_import(app, tmp_path, FIRST.replace(",4,", ",2,") + SECOND + THIRD)

    assert (changed.changed, changed.present, changed.imported) == (1, 2, 0)
    assert events(app) == before + 1
    correction = app.customer_events("C-00001")[1][-1]
    assert isinstance(correction, CorrectionRecorded)
    assert correction.changes == {"score": 2}
    assert correction.target_version == scores(app)[0].originator_version
    assert len(scores(app)) == 3


def test_a_row_whose_time_changed_is_refused_not_recorded_as_a_second_score(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, FIRST + SECOND + THIRD)
    before = events(app)
    moved = SECOND.replace("2024-04-01 09:00", "2024-04-02 10:30")

    result = run_import(app, tmp_path, FIRST + moved + THIRD)

    assert (result.present, result.imported, result.rejected) == (2, 0, 1)
    assert events(app) == before
    assert len(scores(app)) == 3
    [reason] = rejects(tmp_path)
    version = scores(app)[1].originator_version
    assert reason.startswith(moved.strip())
    assert f"(C-00001 version {version}: 2024-04-01T09:00+00:00, survey)" in reason
    assert f"`ledger correct C-00001 --version {version} --set occurred_at=...`" in reason
    assert "give this row a score_id" in reason


def test_once_the_time_is_corrected_in_the_ledger_the_moved_row_finds_its_score(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, FIRST + SECOND + THIRD)
    version = scores(app)[1].originator_version
    app.record_correction(
        c.RecordCorrection(
            actor=IMPORTER, customer="C-00001", version=version, reason="Wrong day in the CRM",
            changes={"occurred_at": "2024-04-02T10:30+00:00"}, command_id="fix-time",
        )
    )  # fmt: skip
    before = events(app)
    moved = SECOND.replace("2024-04-01 09:00", "2024-04-02 10:30")

    found = run_import(app, tmp_path, FIRST + moved + THIRD)
    # And a changed note on the moved row: a correction of that score.
    noted = run_import(app, tmp_path, FIRST + moved.replace(",\n", ",Slow\n") + THIRD)

    assert (found.present, found.imported, found.rejected) == (3, 0, 0)
    assert (noted.changed, noted.present, noted.imported) == (1, 2, 0)
    assert events(app) == before + 1
    correction = app.customer_events("C-00001")[1][-1]
    assert isinstance(correction, CorrectionRecorded)
    assert (correction.target_version, correction.changes) == (version, {"note": "Slow"})
    assert len(scores(app)) == 3


def test_a_score_just_like_one_of_another_file_is_a_score_of_its_own(
    app: Ledger, tmp_path: Path
) -> None:
    # A year's export after another's: the same customer, staff, score and note
    # at another time is another score, not the earlier one moved.
    run_import(app, tmp_path, SECOND, name="satisfaction_2024.csv")
    later = run_import(
        app, tmp_path, SECOND.replace("2024-04-01", "2025-04-01"), name="satisfaction_2025.csv"
    )

    assert (later.imported, later.rejected) == (1, 0)
    assert len(scores(app)) == 2


def test_a_refused_row_given_a_score_id_is_imported_as_another_score(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, SECOND)
    header = "customer,recorded_at,staff,score,source,note,score_id\n"
    moved = SECOND.replace("2024-04-01", "2024-05-01").replace(",\n", ",,S-9\n")
    path = tmp_path / "satisfaction.csv"
    path.write_text(header + moved, encoding="utf-8")
    source = open_source(path, "satisfaction.csv", "satisfaction", KINDS["satisfaction"].columns)

    result = Importer(app, app.caller(IMPORTER), KINDS, system="old").run([source])

    assert (result.files[0].imported, result.files[0].rejected) == (1, 0)
    assert len(scores(app)) == 2
