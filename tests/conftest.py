"""Backends for the contract tests: every `ledger_env` test runs on SQLite and on
PostgreSQL. Without a reachable server the PostgreSQL runs are skipped, except
under CI=true, where a skipped PostgreSQL test is a failure."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.application import Ledger
from ledger.storage import Storage, resolve
from tests.staffing import seed_staff

POSTGRES_URL = os.environ.get(
    "LEDGER_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def postgres_or_skip() -> str:
    """The test server's URL; skip (or, under CI, fail) when it cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI requires the PostgreSQL tests to run)")
        pytest.skip(message)
    return POSTGRES_URL


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards: tests never share tables."""
    import psycopg

    url = postgres_or_skip()
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}schema={schema}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database location, once per backend: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite3")
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def storage(db_url: str) -> Storage:
    return resolve(db_url, environ={})


@pytest.fixture
def ledger_app(storage: Storage) -> Iterator[Ledger]:
    """A Ledger on a fresh database of each backend."""
    app = Ledger(env=storage.env)
    seed_staff(app)
    yield app
    app.close()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the developer's own ~/.ledger or environment."""
    home = tmp_path / "ledger-home"
    monkeypatch.setenv("LEDGER_HOME", str(home))
    for name in (
        "LEDGER_DATABASE_URL",
        "LEDGER_ACTOR",
        "LEDGER_CONFIG",
        "LEDGER_TIMEZONE",
        "LEDGER_SERVER",
    ):
        monkeypatch.delenv(name, raising=False)
    # Nor the developer's `ledger server`: its sockets would be looked for here.
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return home
