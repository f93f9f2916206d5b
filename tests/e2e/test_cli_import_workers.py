"""`ledger import --workers N` (docs/import.md, "Two import workers"): batches run
side by side in worker processes come to exactly what one process makes of the
same files: the same customers under the same codes, the same events, the same
summary and rejects files; and a re-run writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.bench_import import IMPORTER, create_accounts
from benchmarks.import_data import generate, import_files
from cli import ledger
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.imports import run
from ledger.storage import resolve
from tests.conftest import postgres_or_skip

# About 30 customers, some rows spoiled; batches of 4 customers: 8 batches.
ROWS = 1500
BATCH_CUSTOMERS = 4


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spoiled")
    generate(folder, ROWS, seed=11, defects=True)
    return folder


@pytest.fixture
def other_db_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same backend as `db_url`."""
    if not db_url.startswith("postgres"):
        yield str(tmp_path / "other.sqlite3")
        return
    import uuid

    import psycopg

    url = postgres_or_skip()
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    yield f"{url}{'&' if '?' in url else '?'}schema={schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def import_with(db: str, folder: Path, workers: int, tmp_path: Path) -> dict[str, object]:
    """Import the files with `--workers`; what a user and an auditor would see."""
    create_accounts(resolve(db, environ={}), folder)
    rejects = tmp_path / f"rejects-{workers}"
    rejects.mkdir()
    args = ["--db", db, "--as", IMPORTER, "import", *map(str, import_files(folder)),
            "--system", "bench", "--rejects", str(rejects), "--workers", str(workers)]  # fmt: skip
    result = CliRunner().invoke(ledger, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    again = CliRunner().invoke(ledger, args)
    app = Ledger(env=resolve(db, environ={}).env)
    try:
        report = Auditor(app.recorder, app.mapper).verify_all()
        customers = {
            row.code: (row.name, [type(e).__name__ for e in app.customer_events(row.code)[1]])
            for row in app.list_customers()
        }
    finally:
        app.close()
    return {
        "exit": result.exit_code,
        # The summary, but for how long it took and where the rejects went.
        "summary": re.sub(r"in [\d.]+ s \([\d,]+ rows/s\)", "", result.output).replace(
            str(rejects), "REJECTS"
        ),
        "rejects": {p.name: p.read_bytes() for p in sorted(rejects.iterdir())},
        "customers": customers,
        "verified": report.ok,
        "again": (again.exit_code, "0 events written" in again.output),
    }


def test_two_workers_import_what_one_process_imports(
    db_url: str, other_db_url: str, spoiled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "BATCH_CUSTOMERS", BATCH_CUSTOMERS)
    alone = import_with(db_url, spoiled, 1, tmp_path)
    side_by_side = import_with(other_db_url, spoiled, 2, tmp_path)

    assert alone["exit"] == 3  # some rows were rejected
    assert alone["rejects"] and alone["verified"]
    assert len(alone["customers"]) > 2 * BATCH_CUSTOMERS  # type: ignore[arg-type]
    assert alone["again"] == (3, True)  # the same rows rejected again; nothing written
    assert side_by_side == alone
