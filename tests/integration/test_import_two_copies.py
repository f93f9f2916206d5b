"""A record already in the ledger that a re-run's files hold twice, on both
backends (docs/import.md, "Re-runs"): two copies that say the same record one
change, once; two that differ are "keep one" for the second, as for a new
record, and the same files again write nothing. Without it each copy recorded
its change, and every later run again (a change's command id names the version
it is recorded at, so none is a replay)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.imports.kinds import KINDS
from ledger.imports.run import Importer, ImportResult
from ledger.imports.sources import open_source

IMPORTER = "li.wei"
CUSTOMERS = "customer_id,name,segment,owner,registered_at,industry\n"
PEOPLE = "customer,person_id,name,decision_role,added_at,title,mobile\n"
CONTACTS = "customer,contact_id,occurred_at,staff,channel,direction,summary\n"
SATISFACTION = "customer,recorded_at,staff,score,source\n"
KEEP_ONE = "keep one"


@pytest.fixture
def app(ledger_app: Ledger) -> Iterator[Ledger]:
    yield ledger_app


def customer(industry: str) -> str:
    return f"A1,Alpha Airport,airport,li.wei,2024-01-02,{industry}\n"


def person(title: str, mobile: str) -> str:
    return f"A1,X-7,Zhou Min,advisor,2024-02-01,{title},{mobile}\n"


def contact(summary: str) -> str:
    return f"A1,K1,2024-02-03 10:00,li.wei,phone,outbound,{summary}\n"


def score(value: int) -> str:
    # No score_id: the score is named by its customer, time and source.
    return f"A1,2024-02-04 10:00,li.wei,{value},survey\n"


FIRST = {
    "customers": customer("aviation"),
    "people": person("Head of IT", "+86 10 6459 0001"),
    "contacts": contact("Called about fees"),
    "satisfaction": score(3),
}


def run_import(app: Ledger, folder: Path, rows: dict[str, str]) -> ImportResult:
    headers = {"customers": CUSTOMERS, "people": PEOPLE, "contacts": CONTACTS}
    headers["satisfaction"] = SATISFACTION
    sources = []
    for kind, text in rows.items():
        path = folder / f"{kind}.csv"
        path.write_text(headers[kind] + text, encoding="utf-8")
        sources.append(open_source(path, path.name, kind, KINDS[kind].columns))
    importer = Importer(app, app.caller(IMPORTER), KINDS, system="old")
    return importer.run(sources)


def counts(result: ImportResult) -> dict[str, tuple[int, int, int]]:
    """Each file's (already present, changed, rejected)."""
    return {f.kind: (f.present, f.changed, f.rejected) for f in result.files}


def events(app: Ledger) -> int:
    return app.recorder.max_notification_id() or 0


def test_two_copies_that_differ_change_the_record_once_and_the_same_files_again_nothing(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, FIRST)
    twice = {
        "customers": customer("logistics") + customer("catering"),
        "people": person("CIO", "+86 10 6459 0002") + person("CTO", "+86 10 6459 0003"),
        "contacts": contact("Called about landing fees") + contact("Called about parking"),
        "satisfaction": score(4) + score(2),
    }

    first = run_import(app, tmp_path, twice)
    after_first = events(app)
    again = run_import(app, tmp_path, twice)

    assert counts(first) == dict.fromkeys(twice, (0, 1, 1))
    assert counts(again) == dict.fromkeys(twice, (1, 0, 1))
    assert events(app) == after_first
    for kind in twice:
        rejects = (tmp_path / f"{kind}.rejects.csv").read_text(encoding="utf-8").splitlines()
        assert len(rejects) == 2 and rejects[1].endswith(KEEP_ONE)
    # The first copy of each is what the ledger says.
    found = app.get_customer("C-00001")
    assert found.industry == "logistics"
    assert found.people["P1"]["title"] == "CIO"


def test_two_alike_copies_of_a_changed_person_record_the_change_once(
    app: Ledger, tmp_path: Path
) -> None:
    run_import(app, tmp_path, FIRST)
    before = events(app)
    changed = person("Head of IT", "+86 10 6459 0009")

    result = run_import(app, tmp_path, {"people": changed * 2})

    assert counts(result) == {"people": (1, 1, 0)}
    assert events(app) == before + 1
    assert counts(run_import(app, tmp_path, {"people": changed * 2})) == {"people": (2, 0, 0)}
    assert events(app) == before + 1
