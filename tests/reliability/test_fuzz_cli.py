"""Every command and option of `ledger`, fuzzed (issue #18, item 5): whatever is
typed, no traceback; exit 0, or one line of error and a non-zero exit; a refused
command writes nothing (no event, key or directory row, no file); what a command
that succeeded wrote still verifies, and the views take it.

The command tree is click's own (tests/reliability/cli_fuzz.py): a new command is
fuzzed without editing this file. Each case runs in-process on a copy of a small
seeded ledger (the demo's six customers), so that 1,000 cases take well under a
minute. Sizes: LEDGER_FUZZ_CASES (default 1000) on SQLite, LEDGER_FUZZ_PG_CASES
(default 200) on PostgreSQL. The runs are derandomized (the same cases every run);
LEDGER_FUZZ_SEED=N draws other ones, reproducibly.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, seed, settings

from cli import ledger
from ledger.application import Ledger
from ledger.audit import Auditor
from ledger.snapshot_audit import snapshotted, verify_snapshots
from ledger.storage import SQLITE_FILENAME, resolve
from tests.conftest import POSTGRES_URL
from tests.reliability.cli_fuzz import (
    Case,
    Fuzzer,
    Known,
    Leaf,
    check_outcome,
    command_tree,
    fingerprint_rows,
    harvest,
)

pytestmark = pytest.mark.reliability

CASES = int(os.environ.get("LEDGER_FUZZ_CASES", "1000"))
PG_CASES = int(os.environ.get("LEDGER_FUZZ_PG_CASES", "200"))
SEED = os.environ.get("LEDGER_FUZZ_SEED")
# LEDGER_FUZZ_SURVEY=1: carry on past a failing case and list every failure at the
# end (for hunting defects; a normal run stops at the first, and shrinks it).
SURVEY = os.environ.get("LEDGER_FUZZ_SURVEY") == "1"
# The seeded ledger: the demo's stories for this many customers.
CUSTOMERS = 6
EXECUTIVE = "guo.ming"  # the demo's executive, who may do everything
# A case that takes longer than this is hung (a follower that never stops).
HUNG_AFTER = 20
# The environment a case runs in: the developer's own ledger and settings unseen.
CLEAN_ENV = ("LEDGER_DATABASE_URL", "LEDGER_ACTOR", "LEDGER_CONFIG", "LEDGER_TIMEZONE")


class HungError(Exception):
    pass


@dataclass(frozen=True)
class Seeded:
    db: Path  # the SQLite file every SQLite case starts from
    known: Known
    inputs: Path  # files a FILE option may name
    tree: list[Leaf]


def invoke(args: list[str], home: Path) -> Result:
    env: dict[str, str | None] = dict.fromkeys(CLEAN_ENV)
    env["LEDGER_HOME"] = str(home)
    return CliRunner().invoke(ledger, args, env=env)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    folder = tmp_path_factory.mktemp("fuzz-seed")
    db = folder / "ledger.sqlite3"
    result = invoke(["--db", str(db), "demo", "--customers", str(CUSTOMERS)], folder / "home")
    assert result.exit_code == 0, result.output
    inputs = folder / "inputs"
    inputs.mkdir()
    known = harvest(str(db), EXECUTIVE, date.today())
    first = known.codes[0]
    month = date.today().replace(day=28).toordinal() + 10
    next_month = date.fromordinal(month).strftime("%Y-%m")
    (inputs / "plan.csv").write_text(
        f"customer,purpose,date\n{first},maintenance,{next_month}-12\n", encoding="utf-8"
    )
    (inputs / "bad.csv").write_text("customer;purpose\n\x00\n", encoding="utf-8")
    (inputs / "empty.csv").write_text("", encoding="utf-8")
    (inputs / "binary.bin").write_bytes(bytes(range(256)))
    # `server start` is left out: a valid case would leave a process behind that
    # outlives the case (its refusals have their own tests, tests/e2e/test_cli_server.py).
    tree = [leaf for leaf in command_tree() if leaf.name != "server start"]
    return Seeded(db=db, known=known, inputs=inputs, tree=tree)


def sqlite_rows(db: Path) -> str:
    """The stored events, snapshots, keys and directory rows (everything but the
    views, which a read may bring up to date), as one fingerprint."""
    import sqlite3

    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return fingerprint_rows(
            (table, connection.execute(query).fetchall())
            for table, query in stored_tables(connection)
        )
    finally:
        connection.close()


def stored_tables(connection: Any) -> Iterator[tuple[str, str]]:
    """(table, the query that reads what a write would change) for every table but
    the views'. The events are only ever appended: their count and last position
    say whether any was written (and `audit verify` whether any was altered)."""
    names = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        )
        if not name.startswith(("view_", "sqlite_"))
    ]
    for name in names:
        if name == "stored_events":
            yield name, f'SELECT count(*), max(rowid) FROM "{name}"'
        else:
            yield name, f'SELECT * FROM "{name}"'


def empty_ledger_rows() -> str:
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / SQLITE_FILENAME
        Ledger(env=resolve(str(db), environ={}).env).close()
        sqlite3.connect(db).close()
        return sqlite_rows(db)


def verify(db: str) -> None:
    """The whole store verifies (hash chains, directory, snapshots: `audit verify`),
    and every view takes what was written (an event no view can hold would stop
    every later read)."""
    from projections.views import Views

    storage = resolve(db, environ={})
    app = Ledger(env=storage.env)
    try:
        report = Auditor(app.recorder, app.mapper).verify_all()
        report.divergences += verify_snapshots(app, snapshotted(report), report.codes)
        views = Views(app, storage)
        try:
            views.catch_up()
        finally:
            views.close()
    finally:
        app.close()
    assert report.ok, (report.divergences, report.directory)


@dataclass
class Tally:
    """What a run did, printed at its end (benchmarks/RELIABILITY.md)."""

    counts: Counter[str] = field(default_factory=Counter)
    commands: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    failures: list[str] = field(default_factory=list)

    def line(self, backend: str) -> str:
        c = self.counts
        return (
            f"fuzzed {c['cases']} command lines on {backend} "
            f"({len(self.commands)} commands) in {time.monotonic() - self.started:.1f} s: "
            f"{c['exit 0']} succeeded ({c['verified']} verified after writing), "
            f"{c['exit 1']} refused by a rule, {c['exit 2']} refused as bad input; "
            f"seed {SEED or 'derandomized'}"
        )


def run_fuzz(count: int, fuzzer: Fuzzer, one_case: Callable[[Case], None]) -> None:
    """`count` cases at least, shared evenly by the commands."""
    each = -(-count // len(fuzzer.tree))
    for leaf in fuzzer.tree:
        test = given(case=fuzzer.cases(leaf))(one_case)
        test = settings(
            max_examples=each,
            derandomize=SEED is None,
            database=None,
            deadline=None,
            print_blob=True,
            suppress_health_check=list(HealthCheck),
        )(test)
        if SEED is not None:
            test = seed(int(SEED))(test)
        test()


@contextmanager
def surveyed(tally: Tally, case: Case) -> Iterator[None]:
    """A failing case fails the run at once; in a survey it is noted and the run goes on."""
    try:
        yield
    except AssertionError as error:
        if not SURVEY:
            raise
        tally.failures.append(f"{case.leaf.name}: {str(error)[:1500]}")
        print(f"FAILURE {len(tally.failures)}: {case.leaf.name}: {str(error)[:1500]}\n")


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise HungError(f"the case took longer than {HUNG_AFTER} s")


def watched(args: list[str], home: Path) -> Result:
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(HUNG_AFTER)
    try:
        return invoke(args, home)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def emptied(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


@dataclass
class Scratch:
    """Where a case may write: its ledger, the working folder, $LEDGER_HOME, and a
    path where no ledger is (for --db); each emptied before every case."""

    root: Path
    # The rows of a ledger just opened, before anything is written to it.
    empty_rows: str = field(default_factory=lambda: empty_ledger_rows())

    def __post_init__(self) -> None:
        for folder in (self.cwd, self.home):
            folder.mkdir(parents=True)

    @property
    def cwd(self) -> Path:
        return self.root / "cwd"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def new_db(self) -> Path:
        return self.root / "new" / SQLITE_FILENAME

    @property
    def home_db(self) -> Path:
        return self.home / SQLITE_FILENAME

    def other_dbs(self) -> list[str]:
        """Where --db may point instead: nowhere yet, a folder, URLs that cannot work."""
        return [str(self.new_db), str(self.root), "postgresql://", "postgresql://h:99999/x"]

    def clear(self) -> None:
        emptied(self.cwd)
        emptied(self.home)
        shutil.rmtree(self.new_db.parent, ignore_errors=True)
        os.chdir(self.cwd)

    def check_untouched(self, case: Case, exit_code: int) -> None:
        """A refused command wrote no file. Bad input (exit 2) made no ledger where
        there was none; a rule's refusal (exit 1) may leave the empty ledger it
        opened to ask (no staff accounts there yet), with nothing in it."""
        assert files_in(self.cwd) == [], f"refused, but wrote {files_in(self.cwd)}: {case.args}"
        for db in (self.new_db, self.home_db):
            if exit_code == 2 or not db.is_file():
                assert not db.exists(), f"refused, but made a ledger: {case.args}"
                continue
            assert sqlite_rows(db) == self.empty_rows, f"refused, but wrote in {db}: {case.args}"
        assert not self.new_db.parent.exists() or self.new_db.exists(), case.args
        home = [f for f in files_in(self.home) if not f.startswith(SQLITE_FILENAME)]
        assert home == [], f"refused, but wrote {home}: {case.args}"

    def created(self, case: Case) -> str | None:
        """The ledger a successful case created, if it made one."""
        made = case.db in (str(self.new_db), str(self.home_db)) and Path(case.db).is_file()
        return case.db if made else None


class SqliteStore:
    """Each case on a fresh copy of the seeded SQLite ledger."""

    def __init__(self, seeded: Path, db: Path) -> None:
        self.seeded = seeded
        self.db = db
        self.location = str(db)
        db.parent.mkdir(parents=True, exist_ok=True)
        self.seeded_rows = sqlite_rows(seeded)

    def reset(self) -> None:
        for suffix in ("-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copy2(self.seeded, self.db)

    def rows(self) -> str:
        return sqlite_rows(self.db)


class PostgresStore:
    """The seeded ledger in a PostgreSQL schema, with a copy of every table in a
    second schema: after a case that changed anything, the tables are put back."""

    def __init__(self, url: str, connection: Any) -> None:
        self.location = url
        self.connection = connection
        self.schema = url.rsplit("schema=", 1)[1]
        self.copy = f"{self.schema}_seeded"
        self.tables = [
            name
            for (name,) in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                "ORDER BY table_name",
                (self.schema,),
            )
        ]
        connection.execute(f'CREATE SCHEMA "{self.copy}"')
        for table in self.tables:
            connection.execute(
                f'CREATE TABLE "{self.copy}"."{table}" AS TABLE "{self.schema}"."{table}"'
            )
        self.seeded_rows = self.rows()
        self.seeded_views = self._views()

    def rows(self) -> str:
        """Events (count and last position: they are only appended), keys,
        snapshots: everything a write would change but the views."""
        return fingerprint_rows(
            (table, self.connection.execute(self._query(table)).fetchall())
            for table in self.tables
            if not table.startswith("view_")
        )

    def _query(self, table: str) -> str:
        name = f'"{self.schema}"."{table}"'
        if table == "ledger_events":
            return f"SELECT count(*), max(notification_id) FROM {name}"
        return f"SELECT * FROM {name}"

    def _views(self) -> list[Any]:
        # How far each view has read: unchanged, the views are as seeded.
        rows: list[Any] = self.connection.execute(
            f'SELECT * FROM "{self.schema}"."view_tracking" ORDER BY 1'
        ).fetchall()
        return rows

    def reset(self) -> None:
        if self.rows() == self.seeded_rows and self._views() == self.seeded_views:
            return
        with self.connection.transaction():
            for table in self.tables:
                # DELETE, not TRUNCATE: on tables this small it is ten times faster.
                self.connection.execute(f'DELETE FROM "{self.schema}"."{table}"')
                self.connection.execute(
                    f'INSERT INTO "{self.schema}"."{table}" SELECT * FROM "{self.copy}"."{table}"'
                )
            self.connection.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'notification_id'), "
                f'(SELECT max(notification_id) FROM "{self.schema}"."ledger_events"))',
                (f'"{self.schema}"."ledger_events"',),
            )

    def drop_copy(self) -> None:
        self.connection.execute(f'DROP SCHEMA "{self.copy}" CASCADE')


Store = SqliteStore | PostgresStore


def fuzz(seeded: Seeded, store: Store, scratch: Scratch, count: int) -> Tally:
    """Run `count` cases (at least) on `store`, checking each; the tally of the run."""
    inputs = files_in(seeded.inputs)
    tally = Tally()
    # Shown with a failure (pytest prints what a failing test printed).
    print(
        f"fuzzing {count} command lines on {store.location}, seed {SEED or 'derandomized'} "
        "(LEDGER_FUZZ_SEED=N for others, LEDGER_FUZZ_SURVEY=1 to list every failure)"
    )

    def one_case(case: Case) -> None:
        scratch.clear()
        store.reset()

        result = watched(case.args, scratch.home)

        tally.counts["cases"] += 1
        tally.counts[f"exit {result.exit_code}"] += 1
        tally.commands.add(case.leaf.name)
        with surveyed(tally, case):
            check_outcome(case, result)
            if result.exit_code != 0:
                assert store.rows() == store.seeded_rows, f"refused, but written: {case.args}"
                scratch.check_untouched(case, result.exit_code)
            else:
                created = scratch.created(case)
                if created is not None or store.rows() != store.seeded_rows:
                    verify(created or store.location)
                    tally.counts["verified"] += 1
            assert files_in(seeded.inputs) == inputs, f"an input file changed: {case.args}"

    fuzzer = Fuzzer(
        seeded.tree, seeded.known, seeded.inputs, store.location, scratch.other_dbs(),
        str(scratch.home_db),
    )  # fmt: skip
    run_fuzz(count, fuzzer, one_case)
    return tally


def test_no_command_line_breaks_the_rules_on_sqlite(
    seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = SqliteStore(seeded.db, tmp_path / "case" / SQLITE_FILENAME)

    tally = fuzz(seeded, store, Scratch(tmp_path / "scratch"), CASES)

    print(tally.line("SQLite"))
    assert tally.failures == []
    assert tally.counts["cases"] >= CASES
    assert tally.commands == {leaf.name for leaf in seeded.tree}


@pytest.mark.postgres
def test_no_command_line_breaks_the_rules_on_postgres(
    seeded: Seeded, postgres_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    monkeypatch.chdir(tmp_path)
    loaded = invoke(
        ["--db", postgres_schema_url, "demo", "--customers", str(CUSTOMERS)], tmp_path / "home"
    )
    assert loaded.exit_code == 0, loaded.output
    # The same stories as the SQLite ledger's (the demo is seeded): the same values fit.
    assert harvest(postgres_schema_url, EXECUTIVE, seeded.known.today).codes == seeded.known.codes
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        store = PostgresStore(postgres_schema_url, connection)
        try:
            tally = fuzz(seeded, store, Scratch(tmp_path / "scratch"), PG_CASES)
        finally:
            store.drop_copy()

    print(tally.line("PostgreSQL"))
    assert tally.failures == []
    assert tally.counts["cases"] >= PG_CASES
    assert tally.commands == {leaf.name for leaf in seeded.tree}
