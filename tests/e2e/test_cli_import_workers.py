"""`ledger import --workers N` (docs/import.md, "How an import runs"): batches run
side by side in worker processes come to what one process makes of the same
files: the same customers under the same codes, with the same events, the same
summary and rejects files; and a re-run writes nothing."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.bench_import import IMPORTER, create_accounts
from benchmarks.import_data import EXPECTED_REJECTS, FILES, generate, import_files
from cli import ledger
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.imports import run
from ledger.storage import resolve
from tests.conftest import postgres_or_skip
from tests.staffing import seed_staff

ROOT = Path(__file__).resolve().parents[2]

# About 30 customers, some rows spoiled; batches of 4 customers: 8 batches.
ROWS = 1500
BATCH_CUSTOMERS = 4


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated files with spoiled rows, and a customer of a later batch named as
    one of the first batch (the domain refuses the second registration)."""
    folder = tmp_path_factory.mktemp("spoiled")
    generate(folder, ROWS, seed=11, defects=True)
    path = folder / "customers.csv"
    header, *rows = path.read_text(encoding="utf-8-sig").splitlines()
    name = header.split(",").index("name")
    first, later = rows[0].split(","), rows[3 * BATCH_CUSTOMERS].split(",")
    later[name] = first[name]
    rows[3 * BATCH_CUSTOMERS] = ",".join(later)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
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
    app = Ledger(env=resolve(db, environ={}).env)
    logged = app.recorder.max_notification_id() or 0
    again = CliRunner().invoke(ledger, args)
    try:
        rerun_wrote = (app.recorder.max_notification_id() or 0) - logged
        report = Auditor(app.recorder, app.mapper).verify_all()
        customers = {
            row.code: (row.name, [type(e).__name__ for e in app.customer_events(row.code)[1]])
            for row in app.list_customers()
        }
    finally:
        app.close()
    return {
        "exit": result.exit_code,
        # The summary, but for how long it took and where the rejects went, and the
        # total of events: one process records each customer's number as it goes,
        # workers reserve a batch's at once (the customers' own events are compared
        # below).
        "summary": re.sub(
            r"[\d,]+ events written|in [\d.]+ s \([\d,]+ rows/s\)", "", result.output
        ).replace(str(rejects), "REJECTS"),
        "rejects": {p.name: p.read_bytes() for p in sorted(rejects.iterdir())},
        "customers": customers,
        "verified": report.ok,
        "again": (again.exit_code, "0 events written" in again.output, rerun_wrote),
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
    assert alone["again"] == (3, True, 0)  # the same rows rejected again; nothing written
    assert "exists already" in str(alone["rejects"])  # the name taken by an earlier batch
    assert side_by_side == alone


def test_the_rows_the_generator_spoiled_are_the_rows_rejected(db_url: str, tmp_path: Path) -> None:
    """Each spoiled row (key people's among them) is rejected, and no other: the
    spoiled sets the tests above use mean what they say."""
    folder = tmp_path / "files"
    generate(folder, ROWS, seed=11, defects=True)
    spoiled = set()
    with (folder / EXPECTED_REJECTS).open(encoding="utf-8", newline="") as handle:
        for listed in csv.DictReader(handle):
            kind = listed["file"].removesuffix(".csv")
            _, encoding, delimiter = FILES[kind]
            lines = (folder / listed["file"]).read_text(encoding=encoding).splitlines()
            spoiled.add((kind, lines[int(listed["line"]) - 1].split(delimiter)[1]))
    assert "people" in {kind for kind, _ in spoiled}

    imported = import_with(db_url, folder, 1, tmp_path)

    rejected = set()
    for name, text in imported["rejects"].items():  # type: ignore[attr-defined]
        kind = name.removesuffix(".rejects.csv")
        _, encoding, delimiter = FILES[kind]
        rows = list(csv.reader(text.decode(encoding).splitlines()[1:], delimiter=delimiter))
        rejected |= {(kind, row[1]) for row in rows}
    assert rejected == spoiled


def test_a_name_a_rename_gives_up_is_taken_by_a_later_batch_as_in_one_process(
    db_url: str, other_db_url: str, tmp_path: Path
) -> None:
    """A re-run renames A0001 from Foo to Bar in its first batch and registers
    Z0001 as Foo in a later one: one process takes the name in turn, and so must
    two workers (the later batch once read Foo as still held, and rejected Z0001)."""
    # The first batch (A0001 and most fillers) takes longer than the second (the
    # last fillers and Z0001), which is worked out meanwhile.
    header = "customer_id,name,segment,owner,registered_at\n"
    fillers = "".join(
        f"F{n:04d},Filler {n:04d},airport,li.wei,2024-01-02\n"
        for n in range(run.BATCH_CUSTOMERS + 50)
    )
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "customers.csv").write_text(header + "A0001,Foo,airport,li.wei,2024-01-02\n" + fillers)
    (second / "customers.csv").write_text(
        header + "A0001,Bar,airport,li.wei,2024-01-02\n" + fillers
        + "Z0001,Foo,airport,li.wei,2024-01-03\n"
    )  # fmt: skip

    def imported(db: str, workers: int) -> tuple[int, str, list[tuple[str, str]]]:
        seed = Ledger(env=resolve(db, environ={}).env)
        seed_staff(seed)
        seed.close()
        runner = CliRunner()
        for folder in (first, second):
            done = runner.invoke(
                ledger,
                ["--db", db, "--as", "li.wei", "import", str(folder / "customers.csv"),
                 "--workers", str(workers)],
            )  # fmt: skip
        app = Ledger(env=resolve(db, environ={}).env)
        try:
            named = sorted((row.code, row.name) for row in app.list_customers())
        finally:
            app.close()
        return done.exit_code, done.output.split(" events written")[0].rsplit("\n", 1)[0], named

    alone = imported(db_url, 1)
    side_by_side = imported(other_db_url, 2)

    assert alone[0] == 0, alone[1]
    assert ("C-00001", "Bar") in alone[2]
    assert (f"C-{run.BATCH_CUSTOMERS + 52:05d}", "Foo") in alone[2]
    assert side_by_side[:2] == alone[:2], side_by_side[1]
    assert side_by_side == alone


MANY_REJECTED = textwrap.dedent(
    """
    import sys
    from ledger.imports import run
    from cli import ledger

    run.BATCH_CUSTOMERS = 40
    ledger.main(args=sys.argv[1:], prog_name="ledger")
    """
)


def test_batches_with_thousands_of_rejected_rows_each_come_back_whole(
    db_url: str, tmp_path: Path
) -> None:
    """A worker's answer (thousands of reasons) and its next batch are each larger
    than a pipe holds: neither side may wait for the other to read."""
    customers, contacts = tmp_path / "customers.csv", tmp_path / "contacts.csv"
    customers.write_text(
        "customer_id,name,segment,owner,registered_at\n"
        + "".join(f"K{n:03d},Customer {n:03d},airport,li.wei,2024-01-02\n" for n in range(120)),
        encoding="utf-8",
    )
    contacts.write_text(
        "customer,contact_id,occurred_at,staff,channel,direction,summary\n"
        + "".join(
            f"K{n:03d},K{n:03d}-{c},2024-03-01 10:00,li.wei,pigeon,in,{'a long summary ' * 8}\n"
            for n in range(120)
            for c in range(100)
        ),
        encoding="utf-8",
    )
    seed = Ledger(env=resolve(db_url, environ={}).env)
    seed_staff(seed)
    seed.close()
    importing = subprocess.run(
        [sys.executable, "-c", MANY_REJECTED, "--db", db_url, "--as", "li.wei", "import",
         str(customers), str(contacts), "--workers", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip

    assert importing.returncode == 3, importing.stderr
    assert "12,000 rejected" in importing.stdout
    assert (
        len((tmp_path / "contacts.rejects.csv").read_text(encoding="utf-8").splitlines()) == 12_001
    )
